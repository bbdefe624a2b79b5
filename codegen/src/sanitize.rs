//! Rewrites schema constructs that typify cannot take, or that make poor client types.
//!
//! A client does not validate what the server will validate anyway, and must not reject what a
//! newer server sends: string constraints (`pattern`, lengths, formats other than `date-time`)
//! and `uniqueItems` are dropped, and objects accept unknown properties (`additionalProperties:
//! false` is dropped).

use serde_json::Value;

/// Sanitizes one definition body in place.
pub(crate) fn definition(schema: &mut Value) {
    let Value::Object(map) = schema else {
        return;
    };
    for key in [
        "$schema",
        "$id",
        "definitions",
        "pattern",
        "minLength",
        "maxLength",
        "uniqueItems",
        "examples",
    ] {
        map.remove(key);
    }
    if map.get("format").and_then(Value::as_str) != Some("date-time") {
        map.remove("format");
    }
    // `deny_unknown_fields` would make a client reject what a newer server adds.
    if map.get("additionalProperties") == Some(&Value::Bool(false)) {
        map.remove("additionalProperties");
    }
    // A union under a typed parent: typify wants each branch to say its type.
    if let Some(parent_type) = map.get("type").cloned() {
        for key in ["oneOf", "anyOf"] {
            if let Some(Value::Array(branches)) = map.get_mut(key) {
                for branch in branches.iter_mut().filter_map(Value::as_object_mut) {
                    if !branch.contains_key("type") && !branch.contains_key("$ref") {
                        branch.insert("type".into(), parent_type.clone());
                    }
                }
            }
        }
    }
    for (key, child) in map.iter_mut() {
        match key.as_str() {
            "properties" | "patternProperties" => {
                if let Value::Object(children) = child {
                    children.values_mut().for_each(definition);
                }
            }
            "items" | "additionalProperties" | "not" => match child {
                Value::Array(children) => children.iter_mut().for_each(definition),
                other => definition(other),
            },
            "oneOf" | "anyOf" | "allOf" => {
                if let Value::Array(children) = child {
                    children.iter_mut().for_each(definition);
                }
            }
            _ => {}
        }
    }
}

/// Reshapes unions once names are set: a union whose branches became identical (they differed
/// only in dropped constraints, like `ipv4`/`ipv6` formats) is just that branch, and `anyOf`
/// becomes `oneOf`, which typify renders as an enum (the first branch that matches wins) instead
/// of a struct of optional flattened parts.
pub(crate) fn unions(schema: &mut Value) {
    let Value::Object(map) = schema else {
        return;
    };
    for child in map.values_mut() {
        match child {
            Value::Object(_) => unions(child),
            Value::Array(items) => items.iter_mut().for_each(unions),
            _ => {}
        }
    }
    for key in ["oneOf", "anyOf"] {
        let Some(Value::Array(branches)) = map.get(key) else {
            continue;
        };
        let shapes: Vec<Value> = branches.iter().map(shape).collect();
        if !shapes.is_empty() && shapes.iter().all(|s| *s == shapes[0]) {
            let Some(Value::Array(mut branches)) = map.remove(key) else {
                continue;
            };
            if let Value::Object(branch) = branches.swap_remove(0) {
                for (k, v) in branch {
                    if k != "title" && k != "description" {
                        map.entry(k).or_insert(v);
                    }
                }
            }
        } else if key == "anyOf"
            && !map.contains_key("oneOf")
            && let Some(branches) = map.remove("anyOf")
        {
            map.insert("oneOf".into(), branches);
        }
    }
}

/// A branch without the words about it.
fn shape(branch: &Value) -> Value {
    let mut shape = branch.clone();
    if let Value::Object(map) = &mut shape {
        map.remove("title");
        map.remove("description");
    }
    shape
}
