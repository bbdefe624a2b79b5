//! Stage 4a: the Rust types of one service, from its model and resolved schemas.
//!
//! Every type keeps what a newer server sends: structs carry the fields they do not know in
//! `unknown_fields`, string enums the values they do not know in `Unknown(String)`, unions the
//! shapes they do not know in `Unknown(Value)`. Fields are optional unless the schema requires
//! them; a server-side `default` is documented, never filled in by the client.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::error::{Error, Result};
use crate::idents::{Claimed, pascal, snake};
use crate::model::Service;
use crate::resolve::ResolvedSchemas;

/// One named Rust type.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeDef {
    pub name: String,
    pub doc: Option<String>,
    pub kind: Kind,
    /// The names the resolver gave the schemas this type stands for: more than one where
    /// schemas that differ only in their docs were merged.
    pub sources: Vec<String>,
    /// Whether only Pulse messages use the type (it is compiled with the `events` feature).
    pub events_only: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    Struct(Struct),
    Enum(StringEnum),
    Union(Union),
    /// A schema that is none of the above (an array, a map, a string): `type Name = ..;`.
    Alias(Ty),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Struct {
    /// In schema order.
    pub fields: Vec<Field>,
    /// Indexes into `fields` of the required ones that are not constants, in the order the
    /// schema's `required` lists them: the arguments of `new`.
    pub required: Vec<usize>,
    /// Indexes into `fields` of the required ones that allow one value (a union's tag): `new`
    /// fills them in, and the serializer writes them even when unset, so that no request misses
    /// one (they stay required after `relax_sent_only` makes the field an `Option`).
    pub constants: Vec<usize>,
}

/// More required fields than this and `new` would be a list to get right by position: such types
/// are built by name (a builder) instead.
pub const MAX_POSITIONAL: usize = 4;

impl Struct {
    /// What `new`, builders, fixtures and the transfers' glue put in field `i` when it is a
    /// constant the schema requires (in `Some` where the field is an `Option`); `None` otherwise.
    pub fn constant_value(&self, i: usize) -> Option<proc_macro2::TokenStream> {
        let f = &self.fields[i];
        let value = f.constant.as_ref()?;
        match f.presence {
            Presence::Required => Some(quote::quote!(#value.to_owned())),
            _ if self.constants.contains(&i) => Some(quote::quote!(Some(#value.to_owned()))),
            _ => None,
        }
    }

    /// Whether the type is built by name (`Type::builder()`, setters, `build()`) rather than by
    /// a positional `new`: when two required fields have the same type, so that swapping them
    /// would compile silently, or when more than [`MAX_POSITIONAL`] are required.
    pub fn built_by_name(&self) -> bool {
        let required = &self.required;
        required.len() > MAX_POSITIONAL
            || required.iter().enumerate().any(|(n, &i)| {
                required[..n]
                    .iter()
                    .any(|&j| self.fields[j].ty == self.fields[i].ty)
            })
    }

    /// The name of the builder's setter of the field `ident`: the field's own, except for a
    /// field named `build`, which would take the name of the method that ends the builder.
    pub fn builder_setter(ident: &str) -> String {
        match ident {
            "build" => "set_build".into(),
            _ => ident.into(),
        }
    }

    /// Whether any field holds a secret, which `Debug` must not show.
    pub fn has_secrets(&self) -> bool {
        self.fields.iter().any(|f| f.secret)
    }
}

/// The name of the field that keeps unknown properties.
pub const UNKNOWN_FIELDS: &str = "unknown_fields";
/// The name of the variant that keeps unknown enum values and union shapes.
pub const UNKNOWN_VARIANT: &str = "Unknown";

#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// The property name.
    pub json: String,
    /// The Rust field name.
    pub ident: String,
    /// The value's type (`presence` says whether it is wrapped in `Option`).
    pub ty: Ty,
    pub presence: Presence,
    pub doc: Option<String>,
    /// The server's default, for the docs.
    pub default: Option<Value>,
    /// Hidden from `Debug`.
    pub secret: bool,
    /// The one value the schema allows (a union's tag, say): `new` fills it in when required.
    pub constant: Option<String>,
}

/// Whether a field must be present and whether it may be `null`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Presence {
    /// `T`.
    Required,
    /// `Option<T>`: absent is `None`.
    Optional,
    /// `Option<T>`, always written: `null` is `None`.
    RequiredNullable,
    /// `Option<Option<T>>`: absent is `None`, `null` is `Some(None)`.
    OptionalNullable,
}

impl Presence {
    pub fn is_required(self) -> bool {
        matches!(self, Presence::Required | Presence::RequiredNullable)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct StringEnum {
    /// `(variant, value)` in schema order.
    pub variants: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Union {
    pub variants: Vec<Variant>,
    /// The property whose value says which variant an object is, when every variant is an
    /// object with a distinct constant for it.
    pub tag: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Variant {
    pub ident: String,
    pub ty: Ty,
    /// This variant's value of the union's tag.
    pub tag_value: Option<String>,
    pub doc: Option<String>,
}

/// The Rust type of a value.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Ty {
    Named(String),
    String,
    Bool,
    I64,
    U64,
    F64,
    /// An integer whose bounds fit neither `i64` nor `u64`.
    Number,
    DateTime,
    /// Any JSON: free-form objects, schemas that allow anything.
    Json,
    Vec(Box<Ty>),
    /// A JSON object used as a map from its keys to values of one type.
    Map(Box<Ty>),
    /// A recursive type held by value.
    Box(Box<Ty>),
    /// `Option<T>` inside a container (`null` allowed).
    Nullable(Box<Ty>),
}

impl Ty {
    /// Whether the value's JSON form is chosen by the runtime's `Encode` (date-times, floats)
    /// rather than by serde.
    pub fn needs_encoding(&self) -> bool {
        match self {
            Ty::DateTime | Ty::F64 => true,
            Ty::Vec(t) | Ty::Map(t) | Ty::Box(t) | Ty::Nullable(t) => t.needs_encoding(),
            _ => false,
        }
    }

    /// The named type this holds without indirection (not in a `Vec` or map), if any.
    fn held_by_value(&self) -> Option<&str> {
        match self {
            Ty::Named(n) => Some(n),
            Ty::Nullable(t) => t.held_by_value(),
            _ => None,
        }
    }
}

/// Property names whose values are credentials or capabilities: never shown by `Debug`.
const SECRET_PROPERTIES: &[&str] = &[
    "accessToken",
    "certificate",
    "password",
    "putUrl",
    "sas",
    "secret",
    "secretAccessKey",
    "sessionToken",
    "signature",
    "signedDeleteUrl",
    "signedPollUrl",
    "staticSecret",
    "token",
];

/// Builds the types of `service`; `origin` names the service's schemas in errors.
pub fn build(origin: &str, service: &Service) -> Result<Vec<TypeDef>> {
    let resolved = &service.schemas;
    let mut builder = Builder {
        origin,
        resolved,
        defs: BTreeMap::new(),
    };
    for (name, body) in &resolved.definitions {
        builder.define(name, body)?;
    }
    let mut defs: Vec<TypeDef> = builder.defs.into_values().flatten().collect();
    check_aliases(&mut defs, &builder_errors(origin, resolved))?;
    let roots: BTreeSet<&str> = resolved.roots.values().map(String::as_str).collect();
    let answers: BTreeSet<&str> = service
        .methods
        .iter()
        .filter_map(|m| m.output.map(|t| service.type_name(t)))
        .collect();
    let mut defs = merge_identical(defs, &roots, &answers);
    box_recursion(&mut defs);
    // What a client receives: answers, and Pulse messages.
    let outputs = service
        .methods
        .iter()
        .filter_map(|m| m.output.map(|t| service.type_name(t)))
        .chain(
            service
                .events
                .iter()
                .flat_map(|e| e.exchanges.iter().map(|x| service.type_name(x.message))),
        );
    relax_sent_only(&mut defs, outputs);
    mark_events_only(&mut defs, service);
    Ok(defs)
}

/// In types that are only ever sent (request bodies, and what only they hold), every field is
/// optional: the service decides what a request must have, and a newer service may require less
/// (v60 made `provisionerId` optional in task definitions), so that an older client still reads
/// a newer definition. `new` still takes the fields this release requires and fills in its
/// constants.
fn relax_sent_only<'a>(defs: &mut [TypeDef], outputs: impl Iterator<Item = &'a str>) {
    let received = reachable(defs, outputs);
    for def in defs.iter_mut().filter(|d| !received.contains(&d.name)) {
        if let Kind::Struct(s) = &mut def.kind {
            let note = if s.built_by_name() {
                "The service requires this field (in the release this client was generated \
                 from); the builder's `build()` fails without it."
            } else {
                "The service requires this field (in the release this client was generated \
                 from); `new` takes it."
            };
            for field in &mut s.fields {
                if field.presence.is_required() && field.constant.is_none() {
                    field.doc = Some(match field.doc.take() {
                        Some(doc) => format!("{doc}\n\n{note}"),
                        None => note.to_owned(),
                    });
                }
                field.presence = match field.presence {
                    Presence::Required => Presence::Optional,
                    Presence::RequiredNullable => Presence::OptionalNullable,
                    other => other,
                };
            }
        }
    }
}

/// The types `roots` hold, directly or through other types, the roots included.
fn reachable<'a>(defs: &[TypeDef], roots: impl Iterator<Item = &'a str>) -> BTreeSet<String> {
    let by_name: BTreeMap<&str, &TypeDef> = defs.iter().map(|d| (d.name.as_str(), d)).collect();
    let mut found: BTreeSet<String> = BTreeSet::new();
    let mut stack: Vec<String> = roots.map(str::to_owned).collect();
    while let Some(name) = stack.pop() {
        if !found.insert(name.clone()) {
            continue;
        }
        if let Some(def) = by_name.get(name.as_str()) {
            let mut held = BTreeSet::new();
            named_in(&def.kind, &mut held);
            stack.extend(held.into_iter().filter(|n| !found.contains(n)));
        }
    }
    found
}

/// Marks the types only Pulse messages use, which the generated crate compiles only with its
/// `events` feature: API-only users pay nothing for them.
fn mark_events_only(defs: &mut [TypeDef], service: &Service) {
    let api_roots = service
        .methods
        .iter()
        .flat_map(|m| m.input.iter().chain(m.output.iter()))
        .map(|&t| service.type_name(t));
    let api = reachable(defs, api_roots);
    for def in defs.iter_mut() {
        def.events_only = !api.contains(&def.name);
    }
}

/// Every type name `kind` mentions.
fn named_in(kind: &Kind, out: &mut BTreeSet<String>) {
    fn walk(ty: &Ty, out: &mut BTreeSet<String>) {
        match ty {
            Ty::Named(n) => {
                out.insert(n.clone());
            }
            Ty::Vec(t) | Ty::Map(t) | Ty::Box(t) | Ty::Nullable(t) => walk(t, out),
            _ => {}
        }
    }
    match kind {
        Kind::Struct(s) => s.fields.iter().for_each(|f| walk(&f.ty, out)),
        Kind::Union(u) => u.variants.iter().for_each(|v| walk(&v.ty, out)),
        Kind::Alias(t) => walk(t, out),
        Kind::Enum(_) => {}
    }
}

/// How to name a definition's place in errors (a cut-down [`Builder::error`]).
fn builder_errors<'a>(origin: &'a str, resolved: &'a ResolvedSchemas) -> Builder<'a> {
    Builder {
        origin,
        resolved,
        defs: BTreeMap::new(),
    }
}

/// A schema that is only a `$ref` to itself, directly or through other such schemas (`A → B →
/// A`, a root `{"$ref": "#"}`), describes no value: an error. One that reaches itself through an
/// array or a map (a list of lists) is valid JSON Schema but no Rust type alias: it becomes
/// free-form JSON.
fn check_aliases(defs: &mut [TypeDef], errors: &Builder<'_>) -> Result<()> {
    let aliases: BTreeMap<String, Ty> = defs
        .iter()
        .filter_map(|d| match &d.kind {
            Kind::Alias(t) => Some((d.name.clone(), t.clone())),
            _ => None,
        })
        .collect();
    for (name, ty) in &aliases {
        // Pure references: follow them.
        let mut seen = vec![name.clone()];
        let mut next = ty;
        while let Ty::Named(target) = next {
            if seen.contains(target) {
                seen.push(target.clone());
                let chain: Vec<String> = seen
                    .iter()
                    .map(|n| {
                        let (file, pointer) = errors.place(n);
                        format!("{file}#{pointer}")
                    })
                    .collect();
                return Err(errors.error(
                    name,
                    format!(
                        "a `$ref` cycle with no object in between: {}",
                        chain.join(" → ")
                    ),
                ));
            }
            seen.push(target.clone());
            match aliases.get(target) {
                Some(t) => next = t,
                None => break,
            }
        }
    }
    for def in defs.iter_mut() {
        if let Kind::Alias(ty) = &def.kind
            && alias_reaches(ty, &def.name, &aliases, &mut BTreeSet::new())
        {
            def.kind = Kind::Alias(Ty::Json);
        }
    }
    Ok(())
}

/// Whether `ty` mentions `name` through aliases only (structs and unions are types of their own).
fn alias_reaches(
    ty: &Ty,
    name: &str,
    aliases: &BTreeMap<String, Ty>,
    seen: &mut BTreeSet<String>,
) -> bool {
    match ty {
        Ty::Named(n) if n == name => true,
        Ty::Named(n) => {
            seen.insert(n.clone())
                && aliases
                    .get(n)
                    .is_some_and(|t| alias_reaches(t, name, aliases, seen))
        }
        Ty::Vec(t) | Ty::Map(t) | Ty::Box(t) | Ty::Nullable(t) => {
            alias_reaches(t, name, aliases, seen)
        }
        _ => false,
    }
}

/// Makes types that differ only in their own docs one type: schemas copied from file to file
/// (the `stability` enum of five queue schemas, the permission levels of GitHub's apps) are one
/// thing to the user, and each copy costs compile time. The merged type keeps a method's own
/// input or output name, else the name its copies share as a suffix (`Stability`), else the
/// shortest. Method inputs and outputs are never merged with each other; when several
/// methods answer with one shape (Rucio's inline answers: a request and its history), the
/// shortest-named answer keeps the definition and the others become aliases of it, so each
/// method still names its own type.
fn merge_identical(
    mut defs: Vec<TypeDef>,
    roots: &BTreeSet<&str>,
    answers: &BTreeSet<&str>,
) -> Vec<TypeDef> {
    let mut aliased: BTreeSet<String> = BTreeSet::new();
    loop {
        let mut groups: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (i, def) in defs.iter().enumerate() {
            // Aliases (of any JSON, a string, a list) are alike by shape, not by what they
            // hold: `GetMetadataResponse` is not "the same type as" `ListDidsItem`.
            if !aliased.contains(&def.name) && !matches!(def.kind, Kind::Alias(_)) {
                groups.entry(format!("{:?}", def.kind)).or_default().push(i);
            }
        }
        let taken: BTreeSet<String> = defs.iter().map(|d| d.name.clone()).collect();
        let mut renames: BTreeMap<String, String> = BTreeMap::new();
        let mut aliases: BTreeMap<String, String> = BTreeMap::new();
        for members in groups.values().filter(|m| m.len() > 1) {
            let names: Vec<&str> = members.iter().map(|&i| defs[i].name.as_str()).collect();
            let root_names: Vec<&str> = names
                .iter()
                .copied()
                .filter(|n| roots.contains(n))
                .collect();
            let target = match root_names.as_slice() {
                [] => shared_name(&names, &taken),
                [root] => (*root).to_owned(),
                many if many.iter().all(|n| answers.contains(n)) => {
                    let target = many.iter().min_by_key(|n| (n.len(), **n)).expect("many");
                    for name in many.iter().filter(|n| *n != target) {
                        aliases.insert((*name).to_owned(), (*target).to_owned());
                    }
                    (*target).to_owned()
                }
                _ => continue,
            };
            for name in names {
                if name != target && !aliases.contains_key(name) {
                    renames.insert(name.to_owned(), target.clone());
                }
            }
        }
        if renames.is_empty() && aliases.is_empty() {
            return defs;
        }
        for def in &mut defs {
            if let Some(target) = aliases.get(&def.name) {
                def.kind = Kind::Alias(Ty::Named(target.clone()));
                let same = format!("The same type as [`{target}`].");
                def.doc = Some(match def.doc.take() {
                    Some(doc) => format!("{doc}\n\n{same}"),
                    None => same,
                });
            }
        }
        aliased.extend(aliases.into_keys());
        let mut kept: BTreeMap<String, TypeDef> = BTreeMap::new();
        for mut def in defs {
            rename_refs(&mut def.kind, &renames);
            let name = renames.get(&def.name).cloned().unwrap_or(def.name.clone());
            def.name = name.clone();
            match kept.get_mut(&name) {
                Some(first) => first.sources.append(&mut def.sources),
                None => {
                    kept.insert(name, def);
                }
            }
        }
        defs = kept.into_values().collect();
    }
}

/// The suffix of PascalCase words that all `names` end with, if no other type has it, else the
/// shortest of `names`.
fn shared_name(names: &[&str], taken: &BTreeSet<String>) -> String {
    let words = |n: &str| -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for c in n.chars() {
            match out.last_mut() {
                Some(w) if !c.is_ascii_uppercase() => w.push(c),
                _ => out.push(c.to_string()),
            }
        }
        out
    };
    let split: Vec<Vec<String>> = names.iter().map(|n| words(n)).collect();
    let mut suffix: Vec<String> = Vec::new();
    'grow: for k in 1.. {
        let mut word = None;
        for w in &split {
            let Some(candidate) = w.len().checked_sub(k).map(|i| &w[i]) else {
                break 'grow;
            };
            match word {
                None => word = Some(candidate),
                Some(seen) if seen == candidate => {}
                Some(_) => break 'grow,
            }
        }
        suffix.insert(0, word.cloned().unwrap_or_default());
    }
    let suffix = suffix.concat();
    let is_own = names.contains(&suffix.as_str());
    if !suffix.is_empty() && (is_own || !taken.contains(&suffix)) {
        return suffix;
    }
    let mut sorted = names.to_vec();
    sorted.sort_by_key(|n| (n.len(), *n));
    sorted[0].to_owned()
}

fn rename_refs(kind: &mut Kind, renames: &BTreeMap<String, String>) {
    fn rename(ty: &mut Ty, renames: &BTreeMap<String, String>) {
        match ty {
            Ty::Named(n) => {
                if let Some(to) = renames.get(n) {
                    *n = to.clone();
                }
            }
            Ty::Vec(t) | Ty::Map(t) | Ty::Box(t) | Ty::Nullable(t) => rename(t, renames),
            _ => {}
        }
    }
    match kind {
        Kind::Struct(s) => s.fields.iter_mut().for_each(|f| rename(&mut f.ty, renames)),
        Kind::Union(u) => u
            .variants
            .iter_mut()
            .for_each(|v| rename(&mut v.ty, renames)),
        Kind::Alias(t) => rename(t, renames),
        Kind::Enum(_) => {}
    }
}

struct Builder<'a> {
    origin: &'a str,
    resolved: &'a ResolvedSchemas,
    /// `None` while a type is being built (recursion).
    defs: BTreeMap<String, Option<TypeDef>>,
}

impl Builder<'_> {
    /// Where the schema named `name` comes from: `(file, pointer)`.
    fn place(&self, name: &str) -> (String, String) {
        let at = self
            .resolved
            .origins
            .get(name)
            .and_then(|o| o.first())
            .cloned()
            .unwrap_or_else(|| format!("{}#/definitions/{name}", self.origin));
        let (doc, pointer) = at.split_once('#').unwrap_or((&at, ""));
        let file = match self.resolved.files.get(doc) {
            Some(file) => file.display().to_string(),
            None => doc.trim_start_matches('/').to_owned(),
        };
        (file, pointer.to_owned())
    }

    fn error(&self, name: &str, message: impl Into<String>) -> Error {
        let (file, pointer) = self.place(name);
        Error::new(file, pointer, message)
    }

    fn define(&mut self, name: &str, node: &Value) -> Result<()> {
        if self.defs.contains_key(name) {
            return Ok(());
        }
        self.defs.insert(name.to_owned(), None);
        let kind = if let Some(branches) = node.get("oneOf").and_then(Value::as_array) {
            Kind::Union(self.union(name, branches)?)
        } else if let Some(values) = string_enum_values(node) {
            Kind::Enum(string_enum(values))
        } else if is_struct(node) {
            Kind::Struct(self.structure(name, node)?)
        } else {
            Kind::Alias(self.ty(name, node)?)
        };
        let def = TypeDef {
            name: name.to_owned(),
            doc: description(node),
            kind,
            sources: vec![name.to_owned()],
            events_only: false,
        };
        self.defs.insert(name.to_owned(), Some(def));
        Ok(())
    }

    /// The type of a value described by `node`, found in the definition `owner`.
    fn ty(&mut self, owner: &str, node: &Value) -> Result<Ty> {
        if node.get("x-nullable") == Some(&Value::Bool(true)) {
            let mut inner = node.clone();
            if let Value::Object(map) = &mut inner {
                map.remove("x-nullable");
            }
            return Ok(Ty::Nullable(Box::new(self.ty(owner, &inner)?)));
        }
        if let Some(reference) = node.get("$ref").and_then(Value::as_str) {
            let target = reference.trim_start_matches("#/definitions/");
            return match self.resolved.definitions.get(target) {
                Some(_) => Ok(Ty::Named(target.to_owned())),
                None => Err(self.error(owner, format!("unresolved reference {reference:?}"))),
            };
        }
        if let Some(title) = node.get("title").and_then(Value::as_str)
            && is_named(node)
        {
            self.define(title, node)?;
            return Ok(Ty::Named(title.to_owned()));
        }
        self.plain_ty(owner, node)
    }

    /// The type of a schema that is not a named type.
    fn plain_ty(&mut self, owner: &str, node: &Value) -> Result<Ty> {
        let Some(map) = node.as_object() else {
            // `true`: anything.
            return Ok(Ty::Json);
        };
        if let Some(value) = map.get("const") {
            return Ok(json_type_of(value));
        }
        let kind = match map.get("type") {
            Some(Value::String(t)) => t.as_str(),
            // Several types: JSON.
            Some(_) => return Ok(Ty::Json),
            None if map.contains_key("items") => "array",
            None if map.contains_key("additionalProperties") => "object",
            None => return Ok(Ty::Json),
        };
        Ok(match kind {
            "string" if map.get("format").and_then(Value::as_str) == Some("date-time") => {
                Ty::DateTime
            }
            "string" => Ty::String,
            "boolean" => Ty::Bool,
            "number" => Ty::F64,
            "integer" => integer(map.get("minimum"), map.get("maximum")),
            "array" => match map.get("items") {
                Some(items @ (Value::Object(_) | Value::Bool(true))) => {
                    Ty::Vec(Box::new(self.ty(owner, items)?))
                }
                _ => Ty::Vec(Box::new(Ty::Json)),
            },
            "object" => match map
                .get("additionalProperties")
                .or_else(|| single_pattern_property(map))
            {
                Some(values @ Value::Object(v)) if !v.is_empty() => {
                    Ty::Map(Box::new(self.ty(owner, values)?))
                }
                _ => Ty::Json,
            },
            _ => Ty::Json,
        })
    }

    fn structure(&mut self, name: &str, node: &Value) -> Result<Struct> {
        let properties = node
            .get("properties")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let required: Vec<&str> = node
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let mut idents = Claimed::reserving(&[UNKNOWN_FIELDS]);
        let mut fields = Vec::with_capacity(properties.len());
        for (json, schema) in &properties {
            let constant = single_string(schema);
            let mut ty = match constant {
                Some(_) => Ty::String,
                None => self.ty(name, schema)?,
            };
            let nullable = matches!(ty, Ty::Nullable(_));
            if let Ty::Nullable(inner) = ty {
                ty = *inner;
            }
            let presence = match (required.contains(&json.as_str()), nullable) {
                (true, false) => Presence::Required,
                (true, true) => Presence::RequiredNullable,
                (false, false) => Presence::Optional,
                (false, true) => Presence::OptionalNullable,
            };
            fields.push(Field {
                json: json.clone(),
                ident: idents.claim(&snake(json)),
                ty,
                presence,
                doc: description(schema),
                default: schema.get("default").cloned(),
                secret: SECRET_PROPERTIES.contains(&json.as_str()),
                constant,
            });
        }
        let mut order = Vec::new();
        let mut constants = Vec::new();
        for r in &required {
            if let Some(i) = fields.iter().position(|f| f.json == *r) {
                let list = match fields[i].constant {
                    None => &mut order,
                    Some(_) => &mut constants,
                };
                if !list.contains(&i) {
                    list.push(i);
                }
            }
        }
        Ok(Struct {
            fields,
            required: order,
            constants,
        })
    }

    fn union(&mut self, name: &str, branches: &[Value]) -> Result<Union> {
        let mut idents = Claimed::reserving(&[UNKNOWN_VARIANT]);
        let mut variants = Vec::with_capacity(branches.len());
        for branch in branches {
            let ty = self.ty(name, branch)?;
            let label = match (&ty, branch.get("title").and_then(Value::as_str)) {
                (Ty::Named(n), _) => n.strip_prefix(name).unwrap_or(n).to_owned(),
                (_, Some(title)) => title.strip_prefix(name).unwrap_or(title).to_owned(),
                (other, None) => ty_label(other).to_owned(),
            };
            let label = if label.is_empty() {
                ty_label(&ty)
            } else {
                &label
            };
            variants.push(Variant {
                ident: idents.claim(&pascal(label)),
                tag_value: None,
                doc: description(branch),
                ty,
            });
        }
        let tag = self.tag(branches);
        if let Some((property, values)) = &tag {
            // Named by the tag: `PostArtifactResponse::S3`, not `::S3ArtifactResponse`.
            let mut idents = Claimed::reserving(&[UNKNOWN_VARIANT]);
            for (variant, value) in variants.iter_mut().zip(values) {
                variant.tag_value = Some(value.clone());
                variant.ident = idents.claim(&pascal(value));
            }
            return Ok(Union {
                variants,
                tag: Some(property.clone()),
            });
        }
        Ok(Union {
            variants,
            tag: None,
        })
    }

    /// The property that tells the branches apart, with each branch's value: present in every
    /// branch (an object) as a single string constant, distinct across branches.
    fn tag(&self, branches: &[Value]) -> Option<(String, Vec<String>)> {
        let bodies: Vec<&Value> = branches
            .iter()
            .map(|b| match b.get("$ref").and_then(Value::as_str) {
                Some(r) => self
                    .resolved
                    .definitions
                    .get(r.trim_start_matches("#/definitions/")),
                None => Some(b),
            })
            .collect::<Option<_>>()?;
        let first = bodies.first()?.get("properties")?.as_object()?;
        'candidates: for property in first.keys() {
            let mut values = Vec::with_capacity(bodies.len());
            for body in &bodies {
                let Some(value) = body
                    .get("properties")
                    .and_then(|p| p.get(property))
                    .and_then(single_string)
                else {
                    continue 'candidates;
                };
                if values.contains(&value) {
                    continue 'candidates;
                }
                values.push(value);
            }
            return Some((property.clone(), values));
        }
        None
    }
}

/// Marks fields and variants that hold their own type by value (directly or through other
/// types) as boxed, so that every type has a size.
fn box_recursion(defs: &mut [TypeDef]) {
    let edges: BTreeMap<String, BTreeSet<String>> = defs
        .iter()
        .map(|d| {
            let held: BTreeSet<String> = held_types(&d.kind).map(str::to_owned).collect();
            (d.name.clone(), held)
        })
        .collect();
    let reaches = |from: &str, to: &str| -> bool {
        let mut seen = BTreeSet::new();
        let mut stack = vec![from.to_owned()];
        while let Some(n) = stack.pop() {
            if n == to {
                return true;
            }
            if seen.insert(n.clone())
                && let Some(next) = edges.get(&n)
            {
                stack.extend(next.iter().cloned());
            }
        }
        false
    };
    for def in defs.iter_mut() {
        let owner = def.name.clone();
        let box_if_cyclic = |ty: &mut Ty| {
            if let Some(target) = ty.held_by_value()
                && reaches(target, &owner)
            {
                let inner = std::mem::replace(ty, Ty::Json);
                *ty = match inner {
                    Ty::Nullable(t) => Ty::Nullable(Box::new(Ty::Box(t))),
                    t => Ty::Box(Box::new(t)),
                };
            }
        };
        match &mut def.kind {
            Kind::Struct(s) => s.fields.iter_mut().for_each(|f| box_if_cyclic(&mut f.ty)),
            Kind::Union(u) => u.variants.iter_mut().for_each(|v| box_if_cyclic(&mut v.ty)),
            Kind::Alias(_) | Kind::Enum(_) => {}
        }
    }
}

fn held_types(kind: &Kind) -> Box<dyn Iterator<Item = &str> + '_> {
    match kind {
        Kind::Struct(s) => Box::new(s.fields.iter().filter_map(|f| f.ty.held_by_value())),
        Kind::Union(u) => Box::new(u.variants.iter().filter_map(|v| v.ty.held_by_value())),
        Kind::Alias(t) => Box::new(t.held_by_value().into_iter()),
        Kind::Enum(_) => Box::new(std::iter::empty()),
    }
}

fn string_enum(values: Vec<String>) -> StringEnum {
    let mut idents = Claimed::reserving(&[UNKNOWN_VARIANT]);
    let variants = values
        .into_iter()
        .map(|value| (idents.claim(&pascal(&value)), value))
        .collect();
    StringEnum { variants }
}

/// The values of a string enum, distinct, in schema order.
fn string_enum_values(node: &Value) -> Option<Vec<String>> {
    let values = node.get("enum")?.as_array()?;
    let mut out: Vec<String> = Vec::with_capacity(values.len());
    for v in values {
        let s = v.as_str()?;
        if !out.iter().any(|o| o == s) {
            out.push(s.to_owned());
        }
    }
    (!out.is_empty()).then_some(out)
}

/// Whether a schema becomes a struct: an object with properties.
fn is_struct(node: &Value) -> bool {
    node.get("properties")
        .and_then(Value::as_object)
        .is_some_and(|p| !p.is_empty())
}

/// Whether a schema becomes a named type of its own.
fn is_named(node: &Value) -> bool {
    node.get("oneOf").is_some() || string_enum_values(node).is_some() || is_struct(node)
}

/// The value of a property schema that allows exactly one string.
fn single_string(schema: &Value) -> Option<String> {
    if let Some(Value::String(s)) = schema.get("const") {
        return Some(s.clone());
    }
    match schema.get("enum")?.as_array()?.as_slice() {
        [Value::String(s)] => Some(s.clone()),
        _ => None,
    }
}

fn single_pattern_property(map: &serde_json::Map<String, Value>) -> Option<&Value> {
    let patterns = map.get("patternProperties")?.as_object()?;
    match patterns.values().collect::<Vec<_>>().as_slice() {
        [one] => Some(*one),
        _ => None,
    }
}

/// `integer` as `u64` when it cannot be negative, `i64` when it fits, else any JSON number.
fn integer(minimum: Option<&Value>, maximum: Option<&Value>) -> Ty {
    let min = minimum.and_then(Value::as_f64);
    let max = maximum.and_then(Value::as_f64);
    let fits_u64 = max.is_none_or(|m| m <= u64::MAX as f64);
    let fits_i64 =
        min.is_none_or(|m| m >= i64::MIN as f64) && max.is_none_or(|m| m <= i64::MAX as f64);
    match min {
        Some(m) if m >= 0.0 && fits_u64 => Ty::U64,
        _ if fits_i64 => Ty::I64,
        _ => Ty::Number,
    }
}

fn json_type_of(value: &Value) -> Ty {
    match value {
        Value::String(_) => Ty::String,
        Value::Bool(_) => Ty::Bool,
        Value::Number(n) if n.is_u64() => Ty::U64,
        Value::Number(n) if n.is_i64() => Ty::I64,
        Value::Number(_) => Ty::F64,
        _ => Ty::Json,
    }
}

/// A variant name for a union branch that has no better one.
fn ty_label(ty: &Ty) -> &'static str {
    match ty {
        Ty::String => "String",
        Ty::Bool => "Bool",
        Ty::I64 | Ty::U64 | Ty::Number => "Integer",
        Ty::F64 => "Number",
        Ty::DateTime => "DateTime",
        Ty::Vec(_) => "Array",
        Ty::Map(_) => "Map",
        Ty::Json | Ty::Named(_) | Ty::Box(_) | Ty::Nullable(_) => "Object",
    }
}

fn description(node: &Value) -> Option<String> {
    node.get("description")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(crate::model::docs::markdown)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::front::taskcluster::references::fixture;

    /// The types of the one method's answer, `schema`, through stages 2 and 3.
    fn types_of(schema: Value) -> Vec<TypeDef> {
        let refs = fixture::one_method(&[("answer.json", schema)], "answer.json");
        let services = crate::services(&refs).unwrap_or_else(|e| panic!("{e}"));
        build("test", &services[0]).unwrap_or_else(|e| panic!("{e}"))
    }

    fn def<'a>(defs: &'a [TypeDef], name: &str) -> &'a TypeDef {
        let names: Vec<&str> = defs.iter().map(|d| d.name.as_str()).collect();
        defs.iter()
            .find(|d| d.name == name)
            .unwrap_or_else(|| panic!("no type {name} in {names:?}"))
    }

    /// `new` stays where its arguments cannot be swapped silently; otherwise a builder.
    #[test]
    fn types_whose_required_fields_could_be_swapped_are_built_by_name() {
        let built_by_name = |properties: Value, required: Value| {
            let defs = types_of(json!({
                "title": "Thing", "type": "object",
                "properties": properties, "required": required
            }));
            let Kind::Struct(s) = &def(&defs, "Thing").kind else {
                panic!("Thing is a struct");
            };
            s.built_by_name()
        };
        let string = json!({"type": "string"});
        let number = json!({"type": "integer"});
        let time = json!({"type": "string", "format": "date-time"});
        // One of each type: `new(name, count, at)`.
        assert!(!built_by_name(
            json!({"name": string, "count": number, "at": time}),
            json!(["name", "count", "at"])
        ));
        // Two strings, two date-times: a builder.
        assert!(built_by_name(
            json!({"scope": string, "name": string}),
            json!(["scope", "name"])
        ));
        assert!(built_by_name(
            json!({"created": time, "deadline": time}),
            json!(["created", "deadline"])
        ));
        // Two strings, only one required: `new(name)`.
        assert!(!built_by_name(
            json!({"scope": string, "name": string}),
            json!(["name"])
        ));
        // More than MAX_POSITIONAL, all of different types: a builder.
        assert!(built_by_name(
            json!({"a": string, "b": number, "c": time, "d": {"type": "boolean"},
                   "e": {"type": "array", "items": string}}),
            json!(["a", "b", "c", "d", "e"])
        ));
        assert_eq!(Struct::builder_setter("build"), "set_build");
        assert_eq!(Struct::builder_setter("name"), "name");
    }

    #[test]
    fn an_answer_keeps_fields_optional_unless_required() {
        let defs = types_of(json!({
            "title": "Thing",
            "type": "object",
            "properties": {
                "name": {"type": "string"},
                "count": {"type": "integer", "minimum": 0, "default": 1},
                "token": {"type": "string"},
                "note": {"type": ["string", "null"]}
            },
            "required": ["name", "note"]
        }));
        let Kind::Struct(s) = &def(&defs, "Thing").kind else {
            panic!("Thing is a struct");
        };
        let field = |json: &str| s.fields.iter().find(|f| f.json == json).unwrap();
        assert_eq!(field("name").presence, Presence::Required);
        assert_eq!(field("name").ty, Ty::String);
        assert_eq!(field("count").presence, Presence::Optional);
        assert_eq!(field("count").ty, Ty::U64);
        // A default is documented, never filled in.
        assert_eq!(field("count").default, Some(json!(1)));
        assert_eq!(field("note").presence, Presence::RequiredNullable);
        assert!(field("token").secret, "a token is hidden from Debug");
        assert!(!field("name").secret);
        // `new` takes the required fields, in the order `required` lists them.
        let required: Vec<&str> = s
            .required
            .iter()
            .map(|&i| s.fields[i].json.as_str())
            .collect();
        assert_eq!(required, ["name", "note"]);
    }

    #[test]
    fn a_string_enum_keeps_its_values_in_order() {
        let defs = types_of(json!({
            "title": "Answer",
            "type": "object",
            "properties": {"state": {"title": "State", "type": "string", "enum": ["running", "on-hold"]}}
        }));
        let Kind::Enum(e) = &def(&defs, "State").kind else {
            panic!("State is an enum");
        };
        assert_eq!(
            e.variants,
            [
                ("Running".to_owned(), "running".to_owned()),
                ("OnHold".to_owned(), "on-hold".to_owned())
            ]
        );
    }

    #[test]
    fn a_union_with_a_distinct_constant_in_every_branch_is_tagged() {
        let defs = types_of(json!({
            "title": "Artifact",
            "oneOf": [
                {"title": "S3 Artifact", "type": "object",
                 "properties": {"storageType": {"type": "string", "enum": ["s3"]}, "url": {"type": "string"}},
                 "required": ["storageType"]},
                {"title": "Error Artifact", "type": "object",
                 "properties": {"storageType": {"type": "string", "enum": ["error"]}, "reason": {"type": "string"}},
                 "required": ["storageType"]}
            ]
        }));
        let Kind::Union(u) = &def(&defs, "Artifact").kind else {
            panic!("Artifact is a union");
        };
        assert_eq!(u.tag.as_deref(), Some("storageType"));
        let variants: Vec<(&str, Option<&str>)> = u
            .variants
            .iter()
            .map(|v| (v.ident.as_str(), v.tag_value.as_deref()))
            .collect();
        // Named by the tag's values, not by the branches' titles.
        assert_eq!(variants, [("S3", Some("s3")), ("Error", Some("error"))]);
    }

    #[test]
    fn a_union_whose_branches_overlap_stays_untagged_in_schema_order() {
        // Every `{"name": ..}` also fits the second branch, and `kind` is the same constant in
        // both: no property tells them apart, so the wire stage tries them in order.
        let defs = types_of(json!({
            "title": "Entry",
            "anyOf": [
                {"title": "Short", "type": "object",
                 "properties": {"kind": {"type": "string", "enum": ["entry"]}, "name": {"type": "string"}},
                 "required": ["name"]},
                {"title": "Long", "type": "object",
                 "properties": {"kind": {"type": "string", "enum": ["entry"]}, "name": {"type": "string"},
                                "size": {"type": "integer"}}}
            ]
        }));
        let Kind::Union(u) = &def(&defs, "Entry").kind else {
            panic!("Entry is a union");
        };
        assert_eq!(u.tag, None);
        let variants: Vec<(&str, &Ty)> = u
            .variants
            .iter()
            .map(|v| (v.ident.as_str(), &v.ty))
            .collect();
        assert_eq!(
            variants,
            [
                ("Short", &Ty::Named("Short".into())),
                ("Long", &Ty::Named("Long".into()))
            ]
        );
        assert!(matches!(def(&defs, "Short").kind, Kind::Struct(_)));
        assert!(matches!(def(&defs, "Long").kind, Kind::Struct(_)));
    }

    #[test]
    fn branches_that_differ_only_in_dropped_constraints_are_one_type() {
        let defs = types_of(json!({
            "title": "Answer",
            "type": "object",
            "properties": {"ip": {"anyOf": [
                {"type": "string", "format": "ipv4"},
                {"type": "string", "format": "ipv6"}
            ]}}
        }));
        let Kind::Struct(s) = &def(&defs, "Answer").kind else {
            panic!("Answer is a struct");
        };
        assert_eq!(s.fields[0].ty, Ty::String);
        assert!(defs.iter().all(|d| !matches!(d.kind, Kind::Union(_))));
    }

    #[test]
    fn a_type_that_holds_itself_is_boxed() {
        let defs = types_of(json!({
            "title": "Node",
            "type": "object",
            "properties": {"parent": {"$ref": "#"}, "children": {"type": "array", "items": {"$ref": "#"}}}
        }));
        let Kind::Struct(s) = &def(&defs, "Node").kind else {
            panic!("Node is a struct");
        };
        let field = |json: &str| &s.fields.iter().find(|f| f.json == json).unwrap().ty;
        assert_eq!(
            field("parent"),
            &Ty::Box(Box::new(Ty::Named("Node".into())))
        );
        // A Vec is already indirect.
        assert_eq!(
            field("children"),
            &Ty::Vec(Box::new(Ty::Named("Node".into())))
        );
    }
}
