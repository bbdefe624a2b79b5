//! Stage 2: resolve one service's schemas into a single self-contained set of definitions.
//!
//! The type stage works on one set of definitions whose `$ref`s are all `#/definitions/<name>`,
//! every name unique and meaningful. So this stage:
//!
//! 1. finds every schema location reachable from the service's roots (method inputs and outputs),
//!    following `$ref`s across files, relative to each document's `$id`;
//! 2. hoists every reachable location that becomes a named Rust type (objects, enums, unions) into
//!    one definition, and inlines the others (strings, numbers, arrays, maps) at each use;
//! 3. names every definition and every nested schema that becomes a type, uniquely: a schema's own
//!    `title` when no different schema in the service shares it, else a name built from where it
//!    sits (file name, property names);
//! 4. drops what a client must not enforce and reshapes unions (see the `sanitize` module).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::error::{Error, Result};
use crate::front::api::{SchemaRef, Schemas, Service};

mod naming;
mod refs;
mod roles;
pub(crate) mod sanitize;
pub(crate) mod subschemas;
mod validate;

use naming::{Namer, apply_nested_names, strip_titles_of_unnamed};
use refs::{
    Location, absolutize, collect_refs, detach_nested, display_location, inline_refs,
    is_named_kind, join_reference, rewrite_refs, split_location,
};

/// A service's schemas, ready for the type stage.
#[derive(Debug, Default)]
pub struct ResolvedSchemas {
    /// Definitions by type name; every `$ref` inside is `#/definitions/<type name>`.
    pub definitions: BTreeMap<String, Value>,
    /// Each root reference (as a front end wrote it, [`SchemaRef::reference`]) → its type name.
    pub roots: BTreeMap<String, String>,
    /// Each type name → the source locations (`/schemas/x/v1/a.json#/pointer`) it stands for.
    /// More than one only where those schemas are identical.
    pub origins: BTreeMap<String, BTreeSet<String>>,
    /// The file of each schema document reached, by `$id`, for errors.
    pub files: BTreeMap<String, std::path::PathBuf>,
}

/// The schemas `service` uses, in order: each method's input and output, then each
/// exchange's message.
pub fn roots(service: &Service<SchemaRef>) -> Vec<SchemaRef> {
    let methods = service
        .methods
        .iter()
        .flat_map(|m| m.input.iter().chain(&m.output));
    let messages = service
        .events
        .iter()
        .flat_map(|e| e.exchanges.iter().map(|x| &x.message));
    methods.chain(messages).cloned().collect()
}

/// Resolves the schemas that `roots` reach in `service`'s schema directory.
pub fn resolve(schemas: &Schemas, service: &str, roots: &[SchemaRef]) -> Result<ResolvedSchemas> {
    let mut resolver = Resolver {
        schemas,
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

    // 2. Which locations become definitions: roots, and anything that becomes a named type.
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
        inline_refs(&mut body, &resolver.reached, &hoisted, &mut stack).map_err(|e| {
            // Name the file, not the document's id.
            let doc = format!("/{}", e.file.display());
            match schemas.get(&doc) {
                Some(document) => Error {
                    file: document.file.clone(),
                    ..e
                },
                None => e,
            }
        })?;
        bodies.insert(location.clone(), body);
    }

    // 3. Names, from the schemas as written: only identical source schemas share a name.
    let mut names = Namer::name_all(&bodies);
    roles::apply(&mut names, service)?;
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
    let files = resolver
        .reached
        .keys()
        .map(|(doc, _)| (doc.clone(), schemas[doc].file.clone()))
        .collect();
    Ok(ResolvedSchemas {
        definitions,
        files,
        roots,
        origins,
    })
}

struct Resolver<'a> {
    schemas: &'a Schemas,
    /// Reachable locations and their content, refs already absolute.
    reached: BTreeMap<Location, Value>,
}

impl Resolver<'_> {
    /// The node at `location`, or an error naming `file` and `pointer` (the referring place).
    fn lookup(&self, location: &Location, file: &std::path::Path, pointer: &str) -> Result<&Value> {
        let (doc, ptr) = location;
        let document = self.schemas.get(doc).ok_or_else(|| {
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
        let document = &self.schemas[doc];
        let mut node = document
            .content
            .pointer(ptr)
            .cloned()
            .expect("reachable locations were looked up before");
        validate::check(&node, ptr)
            .map_err(|(pointer, message)| Error::new(&document.file, pointer, message))?;
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
