//! Names for every schema that becomes a type: a unique `title`, else the place it sits.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::{Map, Value};

use super::refs::{Location, is_named_kind};
use crate::error::pointer_token;

/// The names chosen for definitions and for nested schemas (by definition name and pointer).
pub(super) struct Names {
    pub(super) definition: BTreeMap<Location, String>,
    pub(super) nested: HashMap<(String, String), String>,
    /// Definition name → its location (the first, where identical schemas share a name).
    pub(super) owner_location: HashMap<String, Location>,
}

impl Names {
    /// Whether some type is called `name`.
    pub(super) fn has(&self, name: &str) -> bool {
        self.definition
            .values()
            .chain(self.nested.values())
            .any(|n| n == name)
    }

    /// Calls the type `from` `to` wherever it is named.
    pub(super) fn rename(&mut self, from: &str, to: &str) {
        for name in self.definition.values_mut().chain(self.nested.values_mut()) {
            if name == from {
                to.clone_into(name);
            }
        }
        if let Some(location) = self.owner_location.remove(from) {
            self.owner_location.insert(to.to_owned(), location);
        }
        self.nested = std::mem::take(&mut self.nested)
            .into_iter()
            .map(|((owner, ptr), name)| {
                let owner = if owner == from { to.to_owned() } else { owner };
                ((owner, ptr), name)
            })
            .collect();
    }

    #[cfg(test)]
    pub(super) fn for_test(names: &[&str]) -> Names {
        let mut definition = BTreeMap::new();
        let mut owner_location = HashMap::new();
        for (i, name) in names.iter().enumerate() {
            let location = (format!("doc{i}"), String::new());
            definition.insert(location.clone(), (*name).to_owned());
            owner_location.insert((*name).to_owned(), location);
        }
        Names {
            definition,
            nested: HashMap::new(),
            owner_location,
        }
    }
}

/// Picks names. Titles are used only when unique in the service; everything else is named by
/// where it sits, so adding a schema elsewhere does not rename this one.
pub(super) struct Namer {
    /// Name → canonical JSON of the schema that holds it.
    taken: HashMap<String, String>,
}

impl Namer {
    pub(super) fn name_all(bodies: &BTreeMap<Location, Value>) -> Names {
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
            let structural = structural_name(location);
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
pub(super) fn node_title(node: &Value) -> Option<String> {
    let title = node.get("title")?.as_str()?;
    let name = identifier(title);
    (!name.is_empty()).then_some(name)
}

/// A type name from free text: PascalCase, starting with a letter, not a keyword; empty when the
/// text has no letters or digits.
pub(super) fn identifier(text: &str) -> String {
    if text.chars().any(|c| c.is_ascii_alphanumeric()) {
        crate::idents::pascal(text)
    } else {
        String::new()
    }
}

pub(super) fn canonical(node: &Value) -> String {
    serde_json::to_string(node).unwrap_or_default()
}

/// A name from the file name and the pointer: `task.json#/properties/payload` → `TaskPayload`.
pub(super) fn structural_name((doc, ptr): &Location) -> String {
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
pub(super) fn context_suffix(relative_ptr: &str, node: &Value) -> String {
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
pub(super) fn branch_label(node: &Value) -> Option<String> {
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

/// Calls `f` with the pointer and node of every nested schema that may become a type, parents
/// first: structs, enums, unions, and every branch of a union (its name names the variant).
pub(super) fn visit_named(node: &Value, at: &str, f: &mut dyn FnMut(&str, &Value)) {
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

pub(super) fn is_union_branch(pointer: &str) -> bool {
    let mut tokens = pointer.rsplit('/');
    let index = tokens.next().unwrap_or_default();
    let keyword = tokens.next().unwrap_or_default();
    matches!(keyword, "oneOf" | "anyOf" | "allOf") && index.parse::<usize>().is_ok()
}

/// Sets the chosen name as the `title` of each nested schema that may become a type, keeping the
/// original title in the description so that it still reaches the docs.
pub(super) fn apply_nested_names(body: &mut Value, owner: &str, names: &Names) {
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

/// Moves a schema's `title` into its description, as its first line, unless the description
/// starts with it or the title is one word.
pub(super) fn fold_title_into_description(map: &mut Map<String, Value>) {
    let Some(Value::String(title)) = map.remove("title") else {
        return;
    };
    let description = match map.get("description").and_then(Value::as_str) {
        Some(d) if d.trim_start().starts_with(title.trim()) => d.to_owned(),
        // A one-word title (`DIDType`, `Metadata`) names what the type or field's own name
        // names already: a heading that repeats it says nothing the description does not.
        Some(d) if !title.trim().contains(char::is_whitespace) => d.to_owned(),
        Some(d) => format!("{title}\n\n{d}"),
        None => title,
    };
    map.insert("description".into(), Value::String(description));
}

/// Removes the titles this stage did not set (the type emitter would otherwise name types after
/// them), folding each into the description; removes the `x-named` markers.
pub(super) fn strip_titles_of_unnamed(node: &mut Value, is_root: bool) {
    if let Value::Object(map) = node {
        let named = map.remove("x-named").is_some();
        if !named && !is_root {
            fold_title_into_description(map);
        }
    }
    super::subschemas::for_each_mut(node, &mut |_, child| strip_titles_of_unnamed(child, false));
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn titles_become_the_first_line_unless_one_word() {
        let folded = |schema: Value| {
            let Value::Object(mut map) = schema else {
                unreachable!()
            };
            fold_title_into_description(&mut map);
            map["description"].as_str().unwrap().to_owned()
        };
        let both = |title: &str| json!({"title": title, "description": "The type of the DID."});
        assert_eq!(folded(both("DIDType")), "The type of the DID.");
        assert_eq!(folded(both("DID type")), "DID type\n\nThe type of the DID.");
        assert_eq!(folded(json!({"title": "Provider"})), "Provider");
    }

    fn at(doc: &str, ptr: &str) -> Location {
        (format!("/schemas/fake/v1/{doc}"), ptr.to_owned())
    }

    fn object(title: Option<&str>, properties: Value) -> Value {
        let mut schema = json!({"type": "object", "properties": properties});
        if let Some(title) = title {
            schema["title"] = json!(title);
        }
        schema
    }

    #[test]
    fn a_unique_title_names_a_definition_else_its_file_and_place() {
        let bodies = BTreeMap::from([
            (
                at("task.json", ""),
                object(Some("Task Definition"), json!({"a": {}})),
            ),
            (at("status.json", ""), object(None, json!({"b": {}}))),
            (
                at("status.json", "/definitions/run"),
                object(None, json!({"c": {}})),
            ),
        ]);
        let names = Namer::name_all(&bodies);
        assert_eq!(names.definition[&at("task.json", "")], "TaskDefinition");
        assert_eq!(names.definition[&at("status.json", "")], "Status");
        assert_eq!(
            names.definition[&at("status.json", "/definitions/run")],
            "StatusRun"
        );
    }

    #[test]
    fn a_title_two_different_schemas_share_names_neither() {
        let bodies = BTreeMap::from([
            (at("a.json", ""), object(Some("Thing"), json!({"x": {}}))),
            (at("b.json", ""), object(Some("Thing"), json!({"y": {}}))),
            // The same schema twice keeps its title.
            (at("c.json", ""), object(Some("Same"), json!({"z": {}}))),
            (at("d.json", ""), object(Some("Same"), json!({"z": {}}))),
        ]);
        let names = Namer::name_all(&bodies);
        assert_eq!(names.definition[&at("a.json", "")], "A");
        assert_eq!(names.definition[&at("b.json", "")], "B");
        assert_eq!(names.definition[&at("c.json", "")], "Same");
        assert_eq!(names.definition[&at("d.json", "")], "Same");
    }

    #[test]
    fn nested_types_are_named_after_their_parent_and_place() {
        let task = at("task.json", "");
        let bodies = BTreeMap::from([(
            task.clone(),
            object(
                Some("Task"),
                json!({
                    "payload": object(None, json!({"env": object(None, json!({"k": {}}))})),
                    "runs": {"type": "array", "items": object(None, json!({"id": {}}))},
                    "meta": object(Some("Task Metadata"), json!({"m": {}}))
                }),
            ),
        )]);
        let names = Namer::name_all(&bodies);
        let nested = |ptr: &str| names.nested[&("Task".to_owned(), ptr.to_owned())].as_str();
        assert_eq!(nested("/properties/payload"), "TaskPayload");
        assert_eq!(
            nested("/properties/payload/properties/env"),
            "TaskPayloadEnv"
        );
        assert_eq!(nested("/properties/runs/items"), "TaskRunsItem");
        assert_eq!(nested("/properties/meta"), "TaskMetadata");
    }

    #[test]
    fn a_taken_name_for_a_different_schema_gets_a_number() {
        // `StatusRun` is both a definition's place name and a nested property's.
        let bodies = BTreeMap::from([
            (
                at("status.json", ""),
                object(None, json!({"run": object(None, json!({"x": {}}))})),
            ),
            (
                at("status.json", "/definitions/run"),
                object(None, json!({"y": {}})),
            ),
        ]);
        let names = Namer::name_all(&bodies);
        assert_eq!(
            names.definition[&at("status.json", "/definitions/run")],
            "StatusRun"
        );
        assert_eq!(
            names.nested[&("Status".to_owned(), "/properties/run".to_owned())],
            "StatusRun2"
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
