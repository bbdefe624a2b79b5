//! Stage 2: resolve one service's schemas into a single self-contained set of definitions.
//!
//! typify resolves only `#/definitions/<name>` references inside one root and silently reuses the
//! first type it made under a name. So before it sees anything, this stage:
//!
//! 1. finds every schema location reachable from the service's roots (method inputs and outputs),
//!    following `$ref`s across files, relative to each document's `$id`;
//! 2. hoists every reachable location that becomes a named Rust type (objects, enums, unions) into
//!    one definition, and inlines the others (strings, numbers, arrays, maps) at each use;
//! 3. names every definition and every nested schema typify would name, uniquely: a schema's own
//!    `title` when no different schema in the service shares it, else a name built from where it
//!    sits (file name, property names);
//! 4. rewrites the few constructs typify cannot take (see the `sanitize` module).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use heck::ToPascalCase;
use serde_json::{Map, Value};

use crate::error::{Error, Result, pointer_token};
use crate::load::References;
use crate::sanitize;

/// One schema a method uses, and where the method names it (for error messages).
#[derive(Clone, Debug)]
pub struct RootUse {
    /// The reference as written in `api.json`, e.g. `v1/task.json#`.
    pub reference: String,
    /// The document that names it.
    pub file: std::path::PathBuf,
    /// JSON pointer of the name in that document, e.g. `/entries/12/input`.
    pub pointer: String,
}

/// A service's schemas, ready for typify.
#[derive(Debug, Default)]
pub struct ResolvedSchemas {
    /// Definitions by type name; every `$ref` inside is `#/definitions/<type name>`.
    pub definitions: BTreeMap<String, Value>,
    /// Each root reference (as written in `api.json`) → its type name.
    pub roots: BTreeMap<String, String>,
    /// Names this stage gave to nested schemas as their `title` (typify repeats titles in docs).
    pub nested_names: BTreeSet<String>,
    /// Each type name → the source locations (`/schemas/x/v1/a.json#/pointer`) it stands for.
    /// More than one only where those schemas are identical.
    pub origins: BTreeMap<String, BTreeSet<String>>,
}

/// An absolute schema location: document id (without `#`) and JSON pointer.
type Location = (String, String);

/// Resolves the schemas that `roots` reach in `service`'s schema directory.
pub fn resolve(refs: &References, service: &str, roots: &[RootUse]) -> Result<ResolvedSchemas> {
    let mut resolver = Resolver {
        refs,
        reached: BTreeMap::new(),
    };

    // 1. Reachability, with every `$ref` made absolute.
    let mut root_locations = BTreeMap::new();
    let mut queue = Vec::new();
    for root in roots {
        let absolute = join_reference(&format!("/schemas/{service}/"), &root.reference);
        let location = split_location(&absolute);
        resolver
            .lookup(&location, &root.file, &root.pointer)
            .map_err(|e| Error {
                message: e
                    .message
                    .replace(&display_location(&location), &root.reference),
                ..e
            })?;
        root_locations.insert(root.reference.clone(), location.clone());
        queue.push(location);
    }
    while let Some(location) = queue.pop() {
        if resolver.reached.contains_key(&location) {
            continue;
        }
        let node = resolver.absolute_node(&location)?;
        let mut found = Vec::new();
        collect_refs(&node, &mut found);
        for target in found {
            let target = split_location(&target);
            if !resolver.reached.contains_key(&target) {
                queue.push(target);
            }
        }
        resolver.reached.insert(location, node);
    }

    // 2. Which locations become definitions: roots, and anything typify would name.
    let root_set: BTreeSet<&Location> = root_locations.values().collect();
    let hoisted: BTreeSet<Location> = resolver
        .reached
        .iter()
        .filter(|(loc, node)| root_set.contains(loc) || is_named_kind(node))
        .map(|(loc, _)| loc.clone())
        .collect();

    let mut bodies: BTreeMap<Location, Value> = BTreeMap::new();
    for location in &hoisted {
        let mut body = resolver.reached[location].clone();
        detach_nested(&mut body, &location.1, &location.0, &hoisted);
        let mut stack = Vec::new();
        inline_refs(&mut body, &resolver.reached, &hoisted, &mut stack)?;
        bodies.insert(location.clone(), body);
    }

    // 3. Names, from the schemas as written: only identical source schemas share a name.
    let names = Namer::name_all(&bodies, &resolver);
    let mut definitions = BTreeMap::new();
    for (location, mut body) in bodies {
        sanitize::definition(&mut body);
        let name = names.definition[&location].clone();
        rewrite_refs(&mut body, &names.definition);
        apply_nested_names(&mut body, &name, &names);
        strip_titles_of_unnamed(&mut body, true);
        sanitize::unions(&mut body);
        // Identical schemas share one name; keep the first body for it.
        definitions.entry(name).or_insert(body);
    }
    let roots = root_locations
        .into_iter()
        .map(|(reference, loc)| (reference, names.definition[&loc].clone()))
        .collect();
    let mut origins: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (location, name) in &names.definition {
        origins
            .entry(name.clone())
            .or_default()
            .insert(display_location(location));
    }
    for ((owner, ptr), name) in &names.nested {
        let (doc, base) = &names.owner_location[owner];
        origins
            .entry(name.clone())
            .or_default()
            .insert(format!("{doc}#{base}{ptr}"));
    }
    let nested_names = names.nested.into_values().collect();
    Ok(ResolvedSchemas {
        definitions,
        roots,
        nested_names,
        origins,
    })
}

struct Resolver<'a> {
    refs: &'a References,
    /// Reachable locations and their content, refs already absolute.
    reached: BTreeMap<Location, Value>,
}

impl Resolver<'_> {
    /// The node at `location`, or an error naming `file` and `pointer` (the referring place).
    fn lookup(&self, location: &Location, file: &std::path::Path, pointer: &str) -> Result<&Value> {
        let (doc, ptr) = location;
        let document = self.refs.schemas.get(doc).ok_or_else(|| {
            Error::new(
                file,
                pointer,
                format!("schema {:?} not found", display_location(location)),
            )
        })?;
        document.content.pointer(ptr).ok_or_else(|| {
            Error::new(
                file,
                pointer,
                format!(
                    "schema {:?} has nothing at {ptr:?}",
                    display_location(location)
                ),
            )
        })
    }

    /// The node at `location` with all its `$ref`s made absolute (checked to exist).
    fn absolute_node(&self, location: &Location) -> Result<Value> {
        let (doc, ptr) = location;
        let document = &self.refs.schemas[doc];
        let mut node = document
            .content
            .pointer(ptr)
            .cloned()
            .expect("reachable locations were looked up before");
        let mut bad = None;
        absolutize(&mut node, doc, ptr, &mut |reference, at| {
            if bad.is_some() {
                return;
            }
            if reference.starts_with("http://") || reference.starts_with("https://") {
                bad = Some(Error::new(
                    &document.file,
                    at,
                    format!("external reference {reference:?} is not supported"),
                ));
                return;
            }
            if let Err(e) = self.lookup(&split_location(reference), &document.file, at) {
                bad = Some(e);
            }
        });
        match bad {
            Some(e) => Err(e),
            None => Ok(node),
        }
    }
}

fn display_location((doc, ptr): &Location) -> String {
    format!("{doc}#{ptr}")
}

/// Resolves `reference` against `base` (a document id or a directory ending in `/`).
fn join_reference(base: &str, reference: &str) -> String {
    if reference.starts_with('#') {
        let doc = base.split('#').next().unwrap_or(base);
        return format!("{doc}{reference}");
    }
    if reference.starts_with('/') || reference.contains("://") {
        return reference.to_owned();
    }
    let dir = match base.rfind('/') {
        Some(i) => &base[..=i],
        None => "/",
    };
    let mut parts: Vec<&str> = Vec::new();
    for part in dir.split('/').chain(reference.split('/')) {
        match part {
            "." => {}
            ".." => {
                parts.pop();
            }
            "" if !parts.is_empty() => {}
            p => parts.push(p),
        }
    }
    let joined = parts.join("/");
    if joined.starts_with('/') {
        joined
    } else {
        format!("/{joined}")
    }
}

fn split_location(absolute: &str) -> Location {
    match absolute.split_once('#') {
        Some((doc, ptr)) => (doc.to_owned(), ptr.to_owned()),
        None => (absolute.to_owned(), String::new()),
    }
}

/// Makes every `$ref` under `node` absolute; `check` sees each with its JSON pointer.
fn absolutize(node: &mut Value, doc: &str, at: &str, check: &mut dyn FnMut(&str, &str)) {
    match node {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                let here = format!("{at}/{}", pointer_token(key));
                if key == "$ref" {
                    if let Value::String(reference) = child {
                        let absolute = join_reference(doc, reference);
                        let absolute = if absolute.contains('#') {
                            absolute
                        } else {
                            format!("{absolute}#")
                        };
                        check(&absolute, &here);
                        *reference = absolute;
                    }
                } else if !is_literal_keyword(key) {
                    absolutize(child, doc, &here, check);
                }
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter_mut().enumerate() {
                absolutize(child, doc, &format!("{at}/{i}"), check);
            }
        }
        _ => {}
    }
}

/// Keywords whose values are data, not schemas: never look for `$ref` inside them.
fn is_literal_keyword(key: &str) -> bool {
    matches!(key, "enum" | "const" | "default" | "examples" | "example")
}

fn collect_refs(node: &Value, out: &mut Vec<String>) {
    match node {
        Value::Object(map) => {
            for (key, child) in map {
                if key == "$ref" {
                    if let Value::String(r) = child {
                        out.push(r.clone());
                    }
                } else if !is_literal_keyword(key) {
                    collect_refs(child, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|c| collect_refs(c, out)),
        _ => {}
    }
}

/// Whether typify turns this schema into a named Rust type (struct, enum, union).
fn is_named_kind(node: &Value) -> bool {
    let Some(map) = node.as_object() else {
        return false;
    };
    let has_properties = map
        .get("properties")
        .and_then(Value::as_object)
        .is_some_and(|p| !p.is_empty());
    has_properties
        || map.contains_key("enum")
        || map.contains_key("oneOf")
        || map.contains_key("anyOf")
        || map.contains_key("allOf")
}

/// Replaces every hoisted location nested inside `node` (at `doc#at`) with a `$ref` to it, so
/// that each is emitted once.
fn detach_nested(node: &mut Value, at: &str, doc: &str, hoisted: &BTreeSet<Location>) {
    let children: Vec<(String, &mut Value)> = match node {
        Value::Object(map) => map
            .iter_mut()
            .filter(|(k, _)| !is_literal_keyword(k) && k.as_str() != "$ref")
            .map(|(k, v)| (format!("{at}/{}", pointer_token(k)), v))
            .collect(),
        Value::Array(items) => items
            .iter_mut()
            .enumerate()
            .map(|(i, v)| (format!("{at}/{i}"), v))
            .collect(),
        _ => return,
    };
    for (here, child) in children {
        if hoisted.contains(&(doc.to_owned(), here.clone())) && child.is_object() {
            *child = reference_to(&format!("{doc}#{here}"), child);
        } else {
            detach_nested(child, &here, doc, hoisted);
        }
    }
}

/// A `$ref` to `target` that keeps the place's own description.
fn reference_to(target: &str, original: &Value) -> Value {
    let mut map = Map::new();
    map.insert("$ref".into(), Value::String(target.to_owned()));
    if let Some(d) = original.get("description") {
        map.insert("description".into(), d.clone());
    }
    Value::Object(map)
}

/// Replaces `$ref`s to locations that are not definitions with a copy of their content; the
/// referring place's own keywords (description, default) win over the copy's.
fn inline_refs(
    node: &mut Value,
    reached: &BTreeMap<Location, Value>,
    hoisted: &BTreeSet<Location>,
    stack: &mut Vec<Location>,
) -> Result<()> {
    if let Some(reference) = node.get("$ref").and_then(Value::as_str) {
        let target = split_location(reference);
        if !hoisted.contains(&target) {
            if stack.contains(&target) {
                let (doc, ptr) = &target;
                return Err(Error::new(
                    doc.trim_start_matches('/'),
                    ptr.as_str(),
                    "a schema that refers to itself without being an object or union",
                ));
            }
            let mut copy = reached[&target].clone();
            stack.push(target);
            inline_refs(&mut copy, reached, hoisted, stack)?;
            stack.pop();
            if let (Value::Object(copy_map), Value::Object(site)) = (&mut copy, &*node) {
                for (k, v) in site {
                    if k != "$ref" {
                        copy_map.insert(k.clone(), v.clone());
                    }
                }
            }
            *node = copy;
            return Ok(());
        }
    }
    match node {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                if !is_literal_keyword(key) {
                    inline_refs(child, reached, hoisted, stack)?;
                }
            }
        }
        Value::Array(items) => {
            for child in items {
                inline_refs(child, reached, hoisted, stack)?;
            }
        }
        _ => {}
    }
    Ok(())
}

fn rewrite_refs(node: &mut Value, names: &BTreeMap<Location, String>) {
    match node {
        Value::Object(map) => {
            if let Some(Value::String(reference)) = map.get_mut("$ref") {
                let target = split_location(reference);
                *reference = format!("#/definitions/{}", names[&target]);
                // typify reads a `$ref` with siblings as an `allOf`; keep the ref alone.
                map.retain(|k, _| k == "$ref");
                return;
            }
            for (key, child) in map.iter_mut() {
                if !is_literal_keyword(key) {
                    rewrite_refs(child, names);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|c| rewrite_refs(c, names)),
        _ => {}
    }
}

/// The names chosen for definitions and for nested schemas (by definition name and pointer).
struct Names {
    definition: BTreeMap<Location, String>,
    nested: HashMap<(String, String), String>,
    /// Definition name → its location (the first, where identical schemas share a name).
    owner_location: HashMap<String, Location>,
}

/// Picks names. Titles are used only when unique in the service; everything else is named by
/// where it sits, so adding a schema elsewhere does not rename this one.
struct Namer {
    /// Name → canonical JSON of the schema that holds it.
    taken: HashMap<String, String>,
}

impl Namer {
    fn name_all(bodies: &BTreeMap<Location, Value>, resolver: &Resolver) -> Names {
        // Titles in use by more than one distinct schema are not used as names.
        let mut title_users: HashMap<String, BTreeSet<String>> = HashMap::new();
        for body in bodies.values() {
            visit_named(body, "", &mut |_, node| {
                if let Some(title) = node_title(node) {
                    title_users
                        .entry(title)
                        .or_default()
                        .insert(canonical(node));
                }
            });
        }
        let unique_title = |node: &Value| -> Option<String> {
            let title = node_title(node)?;
            (title_users.get(&title).map_or(0, BTreeSet::len) == 1).then_some(title)
        };

        let mut namer = Namer {
            taken: HashMap::new(),
        };
        let mut definition = BTreeMap::new();
        // Definitions first: they are what users see in method signatures.
        for (location, body) in bodies {
            let structural = structural_name(location, resolver);
            let name = namer.claim(unique_title(body), &structural, body);
            definition.insert(location.clone(), name);
        }
        let mut nested = HashMap::new();
        let mut owner_location = HashMap::new();
        for (location, body) in bodies {
            owner_location
                .entry(definition[location].clone())
                .or_insert_with(|| location.clone());
            let owner = definition[location].clone();
            let mut parents: Vec<(String, String)> = vec![(String::new(), owner.clone())];
            visit_named(body, "", &mut |ptr, node| {
                if ptr.is_empty() {
                    return;
                }
                while !ptr.starts_with(&format!("{}/", parents.last().expect("root").0))
                    && parents.len() > 1
                {
                    parents.pop();
                }
                let (parent_ptr, parent_name) = parents.last().expect("root").clone();
                let suffix = context_suffix(&ptr[parent_ptr.len()..], node);
                let structural = format!("{parent_name}{suffix}");
                let name = namer.claim(unique_title(node), &structural, node);
                nested.insert((owner.clone(), ptr.to_owned()), name.clone());
                parents.push((ptr.to_owned(), name));
            });
        }
        Names {
            definition,
            nested,
            owner_location,
        }
    }

    /// Claims the first free name among `title` and `structural` (then numbered variants).
    fn claim(&mut self, title: Option<String>, structural: &str, node: &Value) -> String {
        let content = canonical(node);
        let candidates = title
            .into_iter()
            .chain(std::iter::once(structural.to_owned()));
        for candidate in candidates {
            match self.taken.get(&candidate) {
                None => {
                    self.taken.insert(candidate.clone(), content);
                    return candidate;
                }
                Some(existing) if *existing == content => return candidate,
                Some(_) => {}
            }
        }
        (2..)
            .map(|n| format!("{structural}{n}"))
            .find(|c| !self.taken.contains_key(c))
            .inspect(|c| {
                self.taken.insert(c.clone(), content);
            })
            .expect("an unbounded range yields a free name")
    }
}

/// `PascalCase` of a schema's title, if it has one that makes an identifier.
fn node_title(node: &Value) -> Option<String> {
    let title = node.get("title")?.as_str()?;
    let name = identifier(title);
    (!name.is_empty()).then_some(name)
}

/// A type name from free text: PascalCase, starting with a letter.
pub(crate) fn identifier(text: &str) -> String {
    let cleaned: String = text
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { ' ' })
        .collect();
    let name = cleaned.to_pascal_case();
    match name.chars().next() {
        Some(c) if c.is_ascii_digit() => format!("X{name}"),
        _ => name,
    }
}

fn canonical(node: &Value) -> String {
    serde_json::to_string(node).unwrap_or_default()
}

/// A name from the file name and the pointer: `task.json#/properties/payload` → `TaskPayload`.
fn structural_name((doc, ptr): &Location, resolver: &Resolver) -> String {
    let _ = resolver;
    let stem = doc
        .rsplit('/')
        .next()
        .unwrap_or(doc)
        .trim_end_matches(".json");
    let mut name = identifier(stem);
    name.push_str(&context_suffix(ptr, &Value::Null));
    name
}

/// The part of a name a nested position adds: property names, `Item` for array items, the branch
/// title or number for union branches.
fn context_suffix(relative_ptr: &str, node: &Value) -> String {
    let tokens: Vec<&str> = relative_ptr.split('/').filter(|t| !t.is_empty()).collect();
    let mut out = String::new();
    let mut i = 0;
    while i < tokens.len() {
        match tokens[i] {
            "properties" | "definitions" | "patternProperties" if i + 1 < tokens.len() => {
                out.push_str(&identifier(&tokens[i + 1].replace("~1", "/")));
                i += 2;
            }
            "items" => {
                out.push_str("Item");
                i += 1;
            }
            "additionalProperties" => {
                out.push_str("Value");
                i += 1;
            }
            "oneOf" | "anyOf" | "allOf" if i + 1 < tokens.len() => {
                let last = i + 2 == tokens.len();
                match branch_label(node) {
                    Some(label) if last => out.push_str(&label),
                    _ => out.push_str(&format!("Variant{}", tokens[i + 1])),
                }
                i += 2;
            }
            other => {
                out.push_str(&identifier(other));
                i += 1;
            }
        }
    }
    out
}

/// A readable label for a union branch: the single allowed value of one of its properties
/// (`{"storageType": {"enum": ["s3"]}}` → `S3`), else its first required property, else
/// `Empty` for an object without properties, else its format or type.
fn branch_label(node: &Value) -> Option<String> {
    let props = node.get("properties").and_then(Value::as_object);
    for prop in props.into_iter().flat_map(|p| p.values()) {
        let single = match (
            prop.get("const"),
            prop.get("enum").and_then(Value::as_array),
        ) {
            (Some(value), _) => Some(value),
            (None, Some(values)) if values.len() == 1 => values.first(),
            _ => None,
        };
        if let Some(label) = single.and_then(Value::as_str).map(identifier)
            && !label.is_empty()
        {
            return Some(label);
        }
    }
    if let Some(first) = node
        .get("required")
        .and_then(Value::as_array)
        .and_then(|r| r.first())
        .and_then(Value::as_str)
    {
        return Some(format!("With{}", identifier(first)));
    }
    if props.is_none_or(Map::is_empty) && node.get("type").and_then(Value::as_str) == Some("object")
    {
        return Some("Empty".into());
    }
    let kind = node.get("format").or_else(|| node.get("type"));
    let label = identifier(kind?.as_str()?);
    (!label.is_empty()).then_some(label)
}

/// Calls `f` with the pointer and node of every nested schema typify may name, parents first:
/// structs, enums, unions, and every branch of a union (typify names those `..Subtype1`).
fn visit_named(node: &Value, at: &str, f: &mut dyn FnMut(&str, &Value)) {
    let Some(map) = node.as_object() else {
        return;
    };
    if map.contains_key("$ref") {
        return;
    }
    if is_named_kind(node) || at.is_empty() || is_union_branch(at) {
        f(at, node);
    }
    for (key, child) in map {
        let here = format!("{at}/{}", pointer_token(key));
        match key.as_str() {
            // Not `definitions`: what is used from there was hoisted or inlined where used.
            "properties" | "patternProperties" => {
                if let Some(children) = child.as_object() {
                    for (name, schema) in children {
                        visit_named(schema, &format!("{here}/{}", pointer_token(name)), f);
                    }
                }
            }
            "oneOf" | "anyOf" | "allOf" => {
                if let Some(children) = child.as_array() {
                    for (i, schema) in children.iter().enumerate() {
                        visit_named(schema, &format!("{here}/{i}"), f);
                    }
                }
            }
            "items" | "additionalProperties" | "not" => match child {
                Value::Array(children) => {
                    for (i, schema) in children.iter().enumerate() {
                        visit_named(schema, &format!("{here}/{i}"), f);
                    }
                }
                _ => visit_named(child, &here, f),
            },
            _ => {}
        }
    }
}

fn is_union_branch(pointer: &str) -> bool {
    let mut tokens = pointer.rsplit('/');
    let index = tokens.next().unwrap_or_default();
    let keyword = tokens.next().unwrap_or_default();
    matches!(keyword, "oneOf" | "anyOf" | "allOf") && index.parse::<usize>().is_ok()
}

/// Sets the chosen name as the `title` of each nested schema typify may name, keeping the
/// original title in the description so that it still reaches the docs.
fn apply_nested_names(body: &mut Value, owner: &str, names: &Names) {
    let mut pointers = Vec::new();
    visit_named(body, "", &mut |ptr, _| {
        if !ptr.is_empty() {
            pointers.push(ptr.to_owned());
        }
    });
    for ptr in pointers {
        let name = &names.nested[&(owner.to_owned(), ptr.clone())];
        if let Some(Value::Object(map)) = body.pointer_mut(&ptr) {
            fold_title_into_description(map);
            map.insert("title".into(), Value::String(name.clone()));
            map.insert("x-named".into(), Value::Bool(true));
        }
    }
    if let Value::Object(map) = body {
        fold_title_into_description(map);
    }
}

fn fold_title_into_description(map: &mut Map<String, Value>) {
    let Some(Value::String(title)) = map.remove("title") else {
        return;
    };
    let description = match map.get("description").and_then(Value::as_str) {
        Some(d) if d.trim_start().starts_with(title.trim()) => d.to_owned(),
        Some(d) => format!("{title}\n\n{d}"),
        None => title,
    };
    map.insert("description".into(), Value::String(description));
}

/// Removes the titles this stage did not set (typify would otherwise name types after them),
/// folding each into the description; removes the `x-named` markers.
fn strip_titles_of_unnamed(node: &mut Value, is_root: bool) {
    match node {
        Value::Object(map) => {
            let named = map.remove("x-named").is_some();
            if !named && !is_root {
                fold_title_into_description(map);
            }
            for (key, child) in map.iter_mut() {
                if !is_literal_keyword(key) {
                    strip_titles_of_unnamed(child, false);
                }
            }
        }
        Value::Array(items) => items
            .iter_mut()
            .for_each(|c| strip_titles_of_unnamed(c, false)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_references_like_urls() {
        assert_eq!(
            join_reference("/schemas/queue/v1/task.json", "task-run.json#"),
            "/schemas/queue/v1/task-run.json#"
        );
        assert_eq!(
            join_reference("/schemas/queue/v1/task.json", "#/definitions/x"),
            "/schemas/queue/v1/task.json#/definitions/x"
        );
        assert_eq!(
            join_reference("/schemas/queue/", "v1/task.json#"),
            "/schemas/queue/v1/task.json#"
        );
        assert_eq!(
            join_reference("/schemas/queue/v1/a.json", "../common/b.json#"),
            "/schemas/queue/common/b.json#"
        );
    }

    #[test]
    fn names_from_context() {
        assert_eq!(
            context_suffix("/properties/payload", &Value::Null),
            "Payload"
        );
        assert_eq!(
            context_suffix("/properties/runs/items", &Value::Null),
            "RunsItem"
        );
        assert_eq!(identifier("S3 Artifact Response"), "S3ArtifactResponse");
        assert_eq!(identifier("3d thing"), "X3dThing");
    }
}
