//! Rewrites schema constructs that make poor client types.
//!
//! A client does not validate what the server will validate anyway, and must not reject what a
//! newer server sends: string constraints (`pattern`, lengths, formats other than `date-time`),
//! `uniqueItems`, `not` and the value lists of non-string enums (`version: {enum: [1]}`) are
//! dropped, and objects accept unknown properties (`additionalProperties: false` is dropped).

use serde_json::{Map, Value};

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
    map.remove("not");
    // Only string enums become Rust enums; a list of numbers is a number.
    if let Some(Value::Array(values)) = map.get("enum")
        && !values.iter().all(Value::is_string)
    {
        let kind = if values.iter().all(|v| v.is_i64() || v.is_u64()) {
            Some("integer")
        } else if values.iter().all(Value::is_number) {
            Some("number")
        } else if values.iter().all(Value::is_boolean) {
            Some("boolean")
        } else {
            None
        };
        map.remove("enum");
        if let Some(kind) = kind {
            map.entry("type").or_insert_with(|| kind.into());
        }
    }
    // A property that may never be present (`{"not": {}}`) is no field at all.
    if let Some(Value::Object(properties)) = map.get_mut("properties") {
        properties.retain(|_, p| p.get("not").is_none_or(|n| !is_anything(n)));
    }
    // `deny_unknown_fields` would make a client reject what a newer server adds.
    if map.get("additionalProperties") == Some(&Value::Bool(false)) {
        map.remove("additionalProperties");
    }
    // A union under a typed parent: each branch is of that type too.
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

/// Whether a schema allows every value (`{}` or `true`).
fn is_anything(schema: &Value) -> bool {
    match schema {
        Value::Bool(b) => *b,
        Value::Object(m) => m.is_empty(),
        _ => false,
    }
}

/// Reshapes unions once names are set:
/// - `null` among a union's branches or a `type` list makes the rest nullable (`x-nullable`);
/// - `allOf` merges the properties of its object branches (constraints it adds beyond them are
///   the server's to check);
/// - a union whose branches became identical (they differed only in dropped constraints, like
///   `ipv4`/`ipv6` formats) is just that branch;
/// - `anyOf` becomes `oneOf`: an enum where the best-fitting branch wins.
pub(crate) fn unions(schema: &mut Value) {
    super::subschemas::for_each_mut(schema, &mut |_, child| unions(child));
    let Value::Object(map) = schema else {
        return;
    };
    nullable(map);
    merge_all_of(map);
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

/// Moves `null` out of `type` lists and union branches into `x-nullable`.
fn nullable(map: &mut Map<String, Value>) {
    let is_null = |v: &Value| v.as_str() == Some("null");
    if let Some(Value::Array(types)) = map.get_mut("type") {
        if types.iter().any(is_null) {
            types.retain(|t| !is_null(t));
            map.insert("x-nullable".into(), Value::Bool(true));
        }
        if let Some(Value::Array(types)) = map.get("type")
            && let [only] = types.as_slice()
        {
            let only = only.clone();
            map.insert("type".into(), only);
        }
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(Value::Array(branches)) = map.get_mut(key) {
            let before = branches.len();
            branches.retain(|b| b.get("type").is_none_or(|t| !is_null(t)));
            if branches.len() < before {
                map.insert("x-nullable".into(), Value::Bool(true));
            }
        }
    }
}

/// Merges the object branches of `allOf` into the schema itself.
fn merge_all_of(map: &mut Map<String, Value>) {
    let Some(Value::Array(branches)) = map.remove("allOf") else {
        return;
    };
    for branch in branches {
        let Value::Object(branch) = branch else {
            continue;
        };
        if let Some(Value::Object(props)) = branch.get("properties") {
            let target = map
                .entry("properties")
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(target) = target {
                for (k, v) in props {
                    target.entry(k.clone()).or_insert_with(|| v.clone());
                }
            }
        }
        if let Some(Value::Array(required)) = branch.get("required") {
            let target = map
                .entry("required")
                .or_insert_with(|| Value::Array(Vec::new()));
            if let Value::Array(target) = target {
                for r in required {
                    if !target.contains(r) {
                        target.push(r.clone());
                    }
                }
            }
        }
        if !map.contains_key("type")
            && let Some(t) = branch.get("type")
        {
            map.insert("type".into(), t.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn sanitized(mut schema: Value) -> Value {
        definition(&mut schema);
        schema
    }

    fn reshaped(mut schema: Value) -> Value {
        unions(&mut schema);
        schema
    }

    #[test]
    fn constraints_the_server_checks_are_dropped_at_every_depth() {
        let schema = sanitized(json!({
            "$schema": "http://json-schema.org/draft-06/schema#",
            "type": "object",
            "additionalProperties": false,
            "properties": {
                "id": {"type": "string", "pattern": "^[a-z]+$", "minLength": 1, "format": "slugid"},
                "when": {"type": "string", "format": "date-time"},
                "tags": {"type": "array", "uniqueItems": true, "items": {"type": "string", "maxLength": 9}},
                "gone": {"not": {}}
            }
        }));
        assert_eq!(
            schema,
            json!({
                "type": "object",
                "properties": {
                    "id": {"type": "string"},
                    "when": {"type": "string", "format": "date-time"},
                    "tags": {"type": "array", "items": {"type": "string"}}
                }
            })
        );
    }

    #[test]
    fn only_string_enums_stay_enums() {
        assert_eq!(
            sanitized(json!({"enum": [1, 2]})),
            json!({"type": "integer"})
        );
        assert_eq!(
            sanitized(json!({"enum": [0.5, 1]})),
            json!({"type": "number"})
        );
        assert_eq!(
            sanitized(json!({"enum": [true]})),
            json!({"type": "boolean"})
        );
        assert_eq!(sanitized(json!({"enum": [1, "a"]})), json!({}));
        assert_eq!(
            sanitized(json!({"enum": ["a", "b"]})),
            json!({"enum": ["a", "b"]})
        );
    }

    #[test]
    fn branches_of_a_typed_union_take_its_type() {
        let schema =
            sanitized(json!({"type": "string", "oneOf": [{"enum": ["a"]}, {"$ref": "#/x"}]}));
        assert_eq!(
            schema,
            json!({"type": "string", "oneOf": [{"enum": ["a"], "type": "string"}, {"$ref": "#/x"}]})
        );
    }

    #[test]
    fn null_becomes_nullability() {
        assert_eq!(
            reshaped(json!({"type": ["string", "null"]})),
            json!({"type": "string", "x-nullable": true})
        );
        assert_eq!(
            reshaped(json!({"oneOf": [{"type": "null"}, {"type": "string"}, {"type": "integer"}]})),
            json!({"oneOf": [{"type": "string"}, {"type": "integer"}], "x-nullable": true})
        );
    }

    #[test]
    fn all_of_merges_properties_and_required() {
        let schema = reshaped(json!({
            "allOf": [
                {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]},
                {"properties": {"b": {"type": "integer"}}, "required": ["b", "a"]}
            ]
        }));
        assert_eq!(
            schema,
            json!({
                "properties": {"a": {"type": "string"}, "b": {"type": "integer"}},
                "required": ["a", "b"],
                "type": "object"
            })
        );
    }

    #[test]
    fn identical_branches_collapse_and_any_of_becomes_one_of() {
        assert_eq!(
            reshaped(json!({"description": "An address.", "anyOf": [
                {"type": "string", "description": "v4"},
                {"type": "string", "description": "v6"}
            ]})),
            json!({"description": "An address.", "type": "string"})
        );
        assert_eq!(
            reshaped(json!({"anyOf": [{"type": "string"}, {"type": "integer"}]})),
            json!({"oneOf": [{"type": "string"}, {"type": "integer"}]})
        );
    }

    #[test]
    fn nested_unions_are_reshaped_too() {
        assert_eq!(
            reshaped(json!({"type": "object", "properties": {"x": {"type": ["integer", "null"]}}})),
            json!({"type": "object", "properties": {"x": {"type": "integer", "x-nullable": true}}})
        );
    }
}
