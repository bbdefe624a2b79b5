//! Sample documents from JSON schemas, for tests that feed generated types what a service could
//! send: every property, every enum value and every union branch across the documents, and one
//! document with only what is required.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value, json};

/// Reads every schema under `dir` (a `references/schemas` directory), by `$id` without `#`.
pub fn read_schemas(dir: &std::path::Path) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("a schemas directory") {
            let path = entry.expect("an entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "json") {
                let text = std::fs::read_to_string(&path).expect("readable");
                let doc: Value = serde_json::from_str(&text).expect("JSON");
                if let Some(id) = doc.get("$id").and_then(Value::as_str) {
                    out.insert(id.trim_end_matches('#').to_owned(), doc);
                }
            }
        }
    }
    out
}

/// `(document id, pointer)` of `reference` relative to `base` (a directory or document id).
pub fn locate(base: &str, reference: &str) -> (String, String) {
    let (doc, pointer) = reference.split_once('#').unwrap_or((reference, ""));
    if doc.is_empty() {
        return (base.to_owned(), pointer.to_owned());
    }
    let dir = &base[..=base.rfind('/').unwrap()];
    let mut parts: Vec<&str> = Vec::new();
    let joined = if doc.starts_with('/') {
        doc.to_owned()
    } else {
        format!("{dir}{doc}")
    };
    for part in joined.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    (format!("/{}", parts.join("/")), pointer.to_owned())
}

/// Documents from a schema that, together, use every property, every enum value and every union
/// branch, plus one with only what is required.
pub struct Samples<'a> {
    /// The schema documents, by `$id` (without `#`).
    schemas: &'a BTreeMap<String, Value>,
    /// Enum values and branches not used yet, by schema location.
    unused: BTreeMap<String, BTreeSet<usize>>,
    /// How often each location was visited (which value or branch comes next).
    visits: BTreeMap<String, usize>,
    minimal: bool,
}

impl<'a> Samples<'a> {
    /// A generator over `schemas` (documents by `$id`, without the trailing `#`).
    pub fn new(schemas: &'a BTreeMap<String, Value>) -> Self {
        Samples {
            schemas,
            unused: BTreeMap::new(),
            visits: BTreeMap::new(),
            minimal: false,
        }
    }

    /// Documents for the schema at `root` (`(document id, pointer)`).
    pub fn documents(&mut self, root: &(String, String)) -> Vec<Value> {
        let mut docs = Vec::new();
        // Until every enum value and branch met has been used (a bound keeps recursion honest).
        for round in 0..64 {
            docs.push(self.sample(root, 0));
            if round > 0 && self.unused.values().all(BTreeSet::is_empty) {
                break;
            }
        }
        self.minimal = true;
        docs.push(self.sample(root, 0));
        docs.dedup();
        docs
    }

    fn sample(&mut self, (doc, pointer): &(String, String), depth: usize) -> Value {
        let document = &self.schemas[doc.trim_end_matches('#')];
        let schema = document
            .pointer(pointer)
            .unwrap_or_else(|| panic!("{doc}#{pointer} does not exist"))
            .clone();
        self.value(&schema, doc, &format!("{doc}#{pointer}"), depth)
    }

    /// The next index in `0..n` for `location`, preferring ones not used yet.
    fn pick(&mut self, location: &str, n: usize) -> usize {
        let unused = self
            .unused
            .entry(location.to_owned())
            .or_insert_with(|| (0..n).collect());
        let visit = self.visits.entry(location.to_owned()).or_default();
        *visit += 1;
        let choice = unused.iter().next().copied().unwrap_or(*visit % n);
        unused.remove(&choice);
        choice
    }

    /// A value for `schema`, which sits at `location` in the document `doc`.
    fn value(&mut self, schema: &Value, doc: &str, location: &str, depth: usize) -> Value {
        if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
            return self.sample(&locate(doc, reference), depth + 1);
        }
        if let Some(value) = schema.get("const") {
            return value.clone();
        }
        if let Some(Value::Array(values)) = schema.get("enum") {
            let i = self.pick(location, values.len());
            return values[i].clone();
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(Value::Array(branches)) = schema.get(key) {
                let i = self.pick(location, branches.len());
                // The branch, with what the schema around it says (its `type`, say).
                let mut effective = schema.clone();
                effective.as_object_mut().unwrap().remove(key);
                let branch = branches[i].clone();
                let effective = match (effective, branch) {
                    (Value::Object(mut outer), Value::Object(branch))
                        if !branch.contains_key("$ref") =>
                    {
                        outer.extend(branch);
                        Value::Object(outer)
                    }
                    (_, branch) => branch,
                };
                return self.value(&effective, doc, &format!("{location}/{key}/{i}"), depth + 1);
            }
        }
        if let Some(Value::Array(branches)) = schema.get("allOf") {
            let mut rest = schema.clone();
            rest.as_object_mut().unwrap().remove("allOf");
            let mut out = self.value(&rest, doc, location, depth);
            for (i, branch) in branches.iter().enumerate() {
                let part = self.value(branch, doc, &format!("{location}/allOf/{i}"), depth + 1);
                out = merge(out, part);
            }
            return out;
        }
        let kind = match schema.get("type") {
            Some(Value::String(t)) => t.clone(),
            Some(Value::Array(types)) => types
                .iter()
                .filter_map(Value::as_str)
                .find(|t| *t != "null")
                .unwrap_or("null")
                .to_owned(),
            _ if schema.get("properties").is_some() => "object".into(),
            _ => return json!({"anything": [1, "two"]}),
        };
        let deep = !self.minimal && depth < 8;
        match kind.as_str() {
            "object" => self.object(schema, doc, location, depth),
            "array" => match schema.get("items") {
                Some(items @ Value::Object(_)) if deep => {
                    let at = format!("{location}/items");
                    let first = self.value(items, doc, &at, depth + 1);
                    let second = self.value(items, doc, &at, depth + 1);
                    let mut list = vec![first];
                    if list[0] != second {
                        list.push(second);
                    }
                    Value::Array(list)
                }
                _ => json!([]),
            },
            "string" => match schema.get("format").and_then(Value::as_str) {
                Some("date-time") => json!("2024-05-01T12:34:56.789Z"),
                _ => json!(format!("text-{depth}")),
            },
            "integer" => json!(schema.get("minimum").and_then(Value::as_i64).unwrap_or(0) + 1),
            "number" => json!(2.5),
            "boolean" => json!(depth.is_multiple_of(2)),
            _ => Value::Null,
        }
    }

    fn object(&mut self, schema: &Value, doc: &str, location: &str, depth: usize) -> Value {
        let mut out = Map::new();
        let required: BTreeSet<&str> = schema
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let deep = !self.minimal && depth < 8;
        if let Some(Value::Object(properties)) = schema.get("properties") {
            for (name, property) in properties {
                if required.contains(name.as_str()) || deep {
                    let at = format!("{location}/properties/{name}");
                    let value = self.value(property, doc, &at, depth + 1);
                    out.insert(name.clone(), value);
                }
            }
        }
        if schema.get("properties").is_none() && deep {
            match schema.get("additionalProperties") {
                Some(values @ Value::Object(v)) if !v.is_empty() => {
                    let at = format!("{location}/additionalProperties");
                    let value = self.value(values, doc, &at, depth + 1);
                    out.insert("some-key".into(), value);
                }
                Some(Value::Bool(false)) => {}
                _ => {
                    out.insert("free-form".into(), json!({"nested": [1, 2.5, "x", null]}));
                }
            }
        }
        Value::Object(out)
    }
}

/// `b`'s properties added to `a`'s, when both are objects; else `b`.
fn merge(a: Value, b: Value) -> Value {
    match (a, b) {
        (Value::Object(mut a), Value::Object(b)) => {
            a.extend(b);
            Value::Object(a)
        }
        (Value::Object(a), b) if a.is_empty() => b,
        (_, b) => b,
    }
}
