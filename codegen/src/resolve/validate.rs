//! Checks that a schema is one the generator can make a type of, so that bad input gets an
//! error naming the file and the JSON pointer of the offending keyword instead of odd types.

use serde_json::Value;

use crate::error::pointer_token;

const TYPES: &[&str] = &[
    "null", "boolean", "object", "array", "number", "string", "integer",
];

/// The first problem in `schema` (at `at`), as the pointer of the offending place and what is
/// wrong there. Subschemas are checked too, except under `definitions` (each definition is
/// checked when something refers to it).
pub(super) fn check(schema: &Value, at: &str) -> Result<(), (String, String)> {
    let map = match schema {
        Value::Object(map) => map,
        Value::Bool(_) => return Ok(()),
        other => {
            return Err((
                at.to_owned(),
                format!(
                    "a schema must be an object or a boolean, not {}",
                    kind(other)
                ),
            ));
        }
    };
    let here = |key: &str| format!("{at}/{}", pointer_token(key));
    let fail = |key: &str, message: String| Err((here(key), message));
    for (key, value) in map {
        match key.as_str() {
            "$ref" if !value.is_string() => {
                return fail(key, format!("`$ref` must be a string, not {}", kind(value)));
            }
            "type" => match value {
                Value::String(t) if TYPES.contains(&t.as_str()) => {}
                Value::Array(ts)
                    if !ts.is_empty()
                        && ts
                            .iter()
                            .all(|t| t.as_str().is_some_and(|t| TYPES.contains(&t))) => {}
                other => {
                    return fail(
                        key,
                        format!(
                            "unknown `type` {other}: expected one of {}",
                            TYPES.join(", ")
                        ),
                    );
                }
            },
            "properties" | "patternProperties" => {
                let Value::Object(children) = value else {
                    return fail(
                        key,
                        format!("`{key}` must be an object, not {}", kind(value)),
                    );
                };
                for (name, child) in children {
                    check(child, &format!("{}/{}", here(key), pointer_token(name)))?;
                }
            }
            "items" => match value {
                Value::Array(children) => {
                    for (i, child) in children.iter().enumerate() {
                        check(child, &format!("{}/{i}", here(key)))?;
                    }
                }
                other => check(other, &here(key))?,
            },
            "additionalProperties"
            | "additionalItems"
            | "not"
            | "contains"
            | "propertyNames"
            | "if"
            | "then"
            | "else" => check(value, &here(key))?,
            "oneOf" | "anyOf" | "allOf" => {
                let Value::Array(children) = value else {
                    return fail(
                        key,
                        format!("`{key}` must be an array, not {}", kind(value)),
                    );
                };
                if children.is_empty() {
                    return fail(key, format!("`{key}` is empty: no value can match"));
                }
                for (i, child) in children.iter().enumerate() {
                    check(child, &format!("{}/{i}", here(key)))?;
                }
            }
            "enum" => match value {
                Value::Array(values) if values.is_empty() => {
                    return fail(key, "`enum` is empty: no value can match".into());
                }
                Value::Array(_) => {}
                other => return fail(key, format!("`enum` must be an array, not {}", kind(other))),
            },
            "required" => {
                let strings = value
                    .as_array()
                    .is_some_and(|r| r.iter().all(Value::is_string));
                if !strings {
                    return fail(key, "`required` must be an array of property names".into());
                }
            }
            "title" | "description" | "format" if !value.is_string() => {
                return fail(
                    key,
                    format!("`{key}` must be a string, not {}", kind(value)),
                );
            }
            "minimum" | "maximum" | "exclusiveMinimum" | "exclusiveMaximum"
                if !value.is_number() && !value.is_boolean() =>
            {
                return fail(
                    key,
                    format!("`{key}` must be a number, not {}", kind(value)),
                );
            }
            _ => {}
        }
    }
    Ok(())
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn problem(schema: Value) -> (String, String) {
        check(&schema, "").unwrap_err()
    }

    #[test]
    fn names_the_keyword_at_fault() {
        assert_eq!(problem(json!([1])).0, "");
        assert_eq!(problem(json!({"$ref": 5})).0, "/$ref");
        assert_eq!(problem(json!({"properties": []})).0, "/properties");
        assert_eq!(
            problem(json!({"properties": {"a": {"type": "strnig"}}})).0,
            "/properties/a/type"
        );
        assert_eq!(
            problem(json!({"properties": {"a/b": 5}})).0,
            "/properties/a~1b"
        );
        assert_eq!(problem(json!({"oneOf": []})).0, "/oneOf");
        assert_eq!(problem(json!({"enum": []})).0, "/enum");
        assert_eq!(problem(json!({"items": {"enum": 3}})).0, "/items/enum");
        assert!(problem(json!(null)).1.contains("not null"));
        assert!(
            check(
                &json!({"type": ["string", "null"], "definitions": {"x": 5}}),
                ""
            )
            .is_ok()
        );
        assert!(check(&json!(true), "").is_ok());
    }
}
