//! `$ref`s: resolved against document ids, made absolute, and rewritten as definitions are
//! hoisted (detached where they sit, inlined where they are not named types).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use super::Location;
use crate::error::{Error, Result, pointer_token};

pub(super) fn display_location((doc, ptr): &Location) -> String {
    format!("{doc}#{ptr}")
}

/// Resolves `reference` against `base` (a document id or a directory ending in `/`).
pub(super) fn join_reference(base: &str, reference: &str) -> String {
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

pub(super) fn split_location(absolute: &str) -> Location {
    match absolute.split_once('#') {
        Some((doc, ptr)) => (doc.to_owned(), ptr.to_owned()),
        None => (absolute.to_owned(), String::new()),
    }
}

/// Makes every `$ref` under `node` absolute; `check` sees each with its JSON pointer.
pub(super) fn absolutize(node: &mut Value, doc: &str, at: &str, check: &mut dyn FnMut(&str, &str)) {
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
pub(super) fn is_literal_keyword(key: &str) -> bool {
    matches!(key, "enum" | "const" | "default" | "examples" | "example")
}

pub(super) fn collect_refs(node: &Value, out: &mut Vec<String>) {
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

/// Replaces every hoisted location nested inside `node` (at `doc#at`) with a `$ref` to it, so
/// that each is emitted once.
pub(super) fn detach_nested(node: &mut Value, at: &str, doc: &str, hoisted: &BTreeSet<Location>) {
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
pub(super) fn reference_to(target: &str, original: &Value) -> Value {
    let mut map = Map::new();
    map.insert("$ref".into(), Value::String(target.to_owned()));
    if let Some(d) = original.get("description") {
        map.insert("description".into(), d.clone());
    }
    Value::Object(map)
}

/// Replaces `$ref`s to locations that are not definitions with a copy of their content; the
/// referring place's own keywords (description, default) win over the copy's.
pub(super) fn inline_refs(
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

pub(super) fn rewrite_refs(node: &mut Value, names: &BTreeMap<Location, String>) {
    match node {
        Value::Object(map) => {
            if let Some(Value::String(reference)) = map.get_mut("$ref") {
                let target = split_location(reference);
                *reference = format!("#/definitions/{}", names[&target]);
                // What the referring place says about the value; the rest is the target's.
                map.retain(|k, _| {
                    matches!(k.as_str(), "$ref" | "description" | "title" | "default")
                });
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
}
