//! The subschemas of a JSON schema, by keyword: what a walk over schemas must visit, and what
//! it must not mistake for a schema (a `properties` map, whose keys are property names such as
//! `title` or `$ref`).

use serde_json::Value;

/// Keywords whose value is a map from names to schemas.
const SCHEMA_MAPS: &[&str] = &["properties", "patternProperties", "definitions", "$defs"];
/// Keywords whose value is a schema, or an array of schemas.
const SCHEMA_VALUES: &[&str] = &[
    "items",
    "additionalItems",
    "additionalProperties",
    "contains",
    "propertyNames",
    "not",
    "if",
    "then",
    "else",
    "oneOf",
    "anyOf",
    "allOf",
];

/// Calls `f` with each direct subschema of `schema` and its JSON pointer suffix
/// (`/properties/name`, `/oneOf/0`).
pub(crate) fn for_each_mut(schema: &mut Value, f: &mut dyn FnMut(String, &mut Value)) {
    let Value::Object(map) = schema else {
        return;
    };
    for (key, child) in map.iter_mut() {
        let at = format!("/{}", crate::error::pointer_token(key));
        if SCHEMA_MAPS.contains(&key.as_str()) {
            if let Value::Object(children) = child {
                for (name, sub) in children.iter_mut() {
                    f(format!("{at}/{}", crate::error::pointer_token(name)), sub);
                }
            }
        } else if SCHEMA_VALUES.contains(&key.as_str()) {
            match child {
                Value::Array(items) => {
                    for (i, sub) in items.iter_mut().enumerate() {
                        f(format!("{at}/{i}"), sub);
                    }
                }
                other => f(at, other),
            }
        }
    }
}

/// [`for_each_mut`], reading.
pub(crate) fn for_each(schema: &Value, f: &mut dyn FnMut(String, &Value)) {
    let Value::Object(map) = schema else {
        return;
    };
    for (key, child) in map {
        let at = format!("/{}", crate::error::pointer_token(key));
        if SCHEMA_MAPS.contains(&key.as_str()) {
            if let Value::Object(children) = child {
                for (name, sub) in children {
                    f(format!("{at}/{}", crate::error::pointer_token(name)), sub);
                }
            }
        } else if SCHEMA_VALUES.contains(&key.as_str()) {
            match child {
                Value::Array(items) => {
                    for (i, sub) in items.iter().enumerate() {
                        f(format!("{at}/{i}"), sub);
                    }
                }
                other => f(at, other),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn property_maps_are_not_schemas() {
        let mut schema = serde_json::json!({
            "title": "T",
            "properties": {"title": {"type": "string"}, "$ref": {"type": "integer"}},
            "oneOf": [{"type": "null"}],
            "enum": [{"type": "not a schema"}]
        });
        let mut seen = Vec::new();
        for_each_mut(&mut schema, &mut |at, sub| {
            seen.push((at, sub["type"].clone()))
        });
        seen.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(
            seen,
            [
                ("/oneOf/0".to_owned(), "null".into()),
                ("/properties/$ref".to_owned(), "integer".into()),
                ("/properties/title".to_owned(), "string".into()),
            ]
        );
    }
}
