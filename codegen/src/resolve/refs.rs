//! `$ref`s: resolved against document ids, made absolute, and rewritten as definitions are
//! hoisted (detached where they sit, inlined where they are not named types).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use super::subschemas;
use crate::error::{Error, Result};

/// An absolute schema location: document id (without `#`) and JSON pointer.
pub(super) type Location = (String, String);

/// Whether this schema becomes a named Rust type (struct, enum, union).
pub(super) fn is_named_kind(node: &Value) -> bool {
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
    if let Some(Value::String(reference)) = node.get_mut("$ref") {
        let absolute = join_reference(doc, reference);
        let absolute = if absolute.contains('#') {
            absolute
        } else {
            format!("{absolute}#")
        };
        check(&absolute, &format!("{at}/$ref"));
        *reference = absolute;
    }
    subschemas::for_each_mut(node, &mut |suffix, child| {
        absolutize(child, doc, &format!("{at}{suffix}"), check)
    });
}

pub(super) fn collect_refs(node: &Value, out: &mut Vec<String>) {
    if let Some(Value::String(r)) = node.get("$ref") {
        out.push(r.clone());
    }
    subschemas::for_each(node, &mut |_, child| collect_refs(child, out));
}

/// Replaces every hoisted location nested inside `node` (at `doc#at`) with a `$ref` to it, so
/// that each is emitted once.
pub(super) fn detach_nested(node: &mut Value, at: &str, doc: &str, hoisted: &BTreeSet<Location>) {
    subschemas::for_each_mut(node, &mut |suffix, child| {
        let here = format!("{at}{suffix}");
        if hoisted.contains(&(doc.to_owned(), here.clone())) && child.is_object() {
            *child = reference_to(&format!("{doc}#{here}"), child);
        } else {
            detach_nested(child, &here, doc, hoisted);
        }
    });
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
    let mut outcome = Ok(());
    subschemas::for_each_mut(node, &mut |_, child| {
        if outcome.is_ok() {
            outcome = inline_refs(child, reached, hoisted, stack);
        }
    });
    outcome
}

pub(super) fn rewrite_refs(node: &mut Value, names: &BTreeMap<Location, String>) {
    if let Value::Object(map) = node
        && let Some(Value::String(reference)) = map.get_mut("$ref")
    {
        let target = split_location(reference);
        *reference = format!("#/definitions/{}", names[&target]);
        // What the referring place says about the value; the rest is the target's.
        map.retain(|k, _| matches!(k.as_str(), "$ref" | "description" | "title" | "default"));
        return;
    }
    subschemas::for_each_mut(node, &mut |_, child| rewrite_refs(child, names));
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
