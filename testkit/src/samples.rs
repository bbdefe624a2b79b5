//! Sample documents from JSON schemas, for tests that feed generated types what a service could
//! send: every property, every enum value and every union branch across the documents, and one
//! document with only what is required. Values keep the schema's constraints (patterns, formats,
//! lengths, bounds), so that a schema validator accepts the documents; the same ones every run.

use std::collections::{BTreeMap, BTreeSet};

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
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
    /// Draws strings for patterns; seeded, so that every run makes the same documents.
    rng: StdRng,
}

impl<'a> Samples<'a> {
    /// A generator over `schemas` (documents by `$id`, without the trailing `#`).
    pub fn new(schemas: &'a BTreeMap<String, Value>) -> Self {
        Samples {
            schemas,
            unused: BTreeMap::new(),
            visits: BTreeMap::new(),
            minimal: false,
            rng: StdRng::seed_from_u64(0x7a5c),
        }
    }

    /// One value for the schema `schema`, found in the document `doc` (against which its
    /// `$ref`s resolve): the next in the rotation of enum values and branches.
    pub fn value_of(&mut self, schema: &Value, doc: &str) -> Value {
        self.value(schema, doc, doc, 0)
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
            "array" => {
                let least = schema.get("minItems").and_then(Value::as_u64).unwrap_or(0) as usize;
                let most = schema.get("maxItems").and_then(Value::as_u64).unwrap_or(2) as usize;
                let wanted = if deep { 2.min(most).max(least) } else { least };
                match schema.get("items") {
                    Some(items @ Value::Object(_)) if wanted > 0 => {
                        let at = format!("{location}/items");
                        let mut list: Vec<Value> = Vec::new();
                        // Distinct items where the schema allows more than one value.
                        for _ in 0..wanted * 4 {
                            let item = self.value(items, doc, &at, depth + 1);
                            if !list.contains(&item) {
                                list.push(item);
                            }
                            if list.len() == wanted {
                                break;
                            }
                        }
                        Value::Array(list)
                    }
                    _ => json!([]),
                }
            }
            "string" => json!(self.string(schema, depth)),
            "integer" => json!(integer(schema)),
            "number" => json!(number(schema)),
            "boolean" => json!(depth.is_multiple_of(2)),
            _ => Value::Null,
        }
    }

    /// A string of the schema's format, or matching its pattern, within its length bounds.
    fn string(&mut self, schema: &Value, depth: usize) -> String {
        let bound = |key: &str| schema.get(key).and_then(Value::as_u64).map(|n| n as usize);
        let (min, max) = (bound("minLength").unwrap_or(0), bound("maxLength"));
        let fits = |s: &str| {
            let n = s.chars().count();
            n >= min && max.is_none_or(|max| n <= max)
        };
        let formatted = match schema.get("format").and_then(Value::as_str) {
            Some("date-time") => Some("2024-05-01T12:34:56.789Z"),
            Some("uri") => Some("https://example.com/a/b"),
            Some("email") => Some("someone@example.com"),
            Some("hostname") => Some("host.example.com"),
            Some("ipv4") => Some("127.0.0.1"),
            Some("ipv6") => Some("::1"),
            // A regular expression that is also a URL, for schemas that allow either.
            Some("regex") => Some("https://example.com/.*"),
            _ => None,
        };
        let pattern = schema.get("pattern").and_then(Value::as_str);
        let checker = pattern.and_then(|p| regex::Regex::new(p).ok());
        match (formatted, &checker) {
            (Some(value), None) => return value.to_owned(),
            (Some(value), Some(checker)) if checker.is_match(value) => return value.to_owned(),
            _ => {}
        }
        if let Some(pattern) = pattern
            && let Some(found) = self.matching(pattern, &fits)
        {
            return found;
        }
        let mut text = format!("text-{depth}");
        while text.chars().count() < min {
            text.push('x');
        }
        if let Some(max) = max {
            text = text.chars().take(max.max(min)).collect();
        }
        text
    }

    /// A string `pattern` (ECMAScript's syntax, as schemas write it) matches, for which `fits`
    /// holds; `None` if the pattern is beyond what `rand_regex` reads.
    fn matching(&mut self, pattern: &str, fits: &dyn Fn(&str) -> bool) -> Option<String> {
        // `rand_regex` draws from the pattern without its anchors; what it draws matches the
        // pattern whether anchored or not.
        let body = pattern.strip_prefix('^').unwrap_or(pattern);
        let body = match body.strip_suffix('$') {
            Some(inner) if !inner.ends_with('\\') => inner,
            _ => body,
        };
        let generator = rand_regex::Regex::compile(body, 12).ok()?;
        (0..200)
            .map(|_| self.rng.sample::<String, _>(&generator))
            .find(|s| fits(s))
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
        let least = schema
            .get("minProperties")
            .and_then(Value::as_u64)
            .unwrap_or(0) as usize;
        let most = schema
            .get("maxProperties")
            .and_then(Value::as_u64)
            .map(|n| n as usize);
        if let Some(Value::Object(properties)) = schema.get("properties") {
            for (name, property) in properties {
                if out.len() >= least {
                    break;
                }
                if !out.contains_key(name) {
                    let at = format!("{location}/properties/{name}");
                    let value = self.value(property, doc, &at, depth + 1);
                    out.insert(name.clone(), value);
                }
            }
        }
        if let Some(most) = most {
            while out.len() > most.max(least) {
                let optional = out
                    .keys()
                    .rev()
                    .find(|k| !required.contains(k.as_str()))
                    .cloned();
                match optional {
                    Some(key) => out.remove(&key),
                    None => break,
                };
            }
        }
        if schema.get("properties").is_none() && (deep || out.len() < least) {
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

/// An integer within the schema's bounds: one above the minimum, when that is allowed.
fn integer(schema: &Value) -> i64 {
    let get = |key: &str| schema.get(key).and_then(Value::as_f64);
    let low = match (get("minimum"), get("exclusiveMinimum")) {
        (_, Some(e)) => e.floor() as i64 + 1,
        (Some(m), None) => m.ceil() as i64,
        (None, None) => 0,
    };
    let high = match (get("maximum"), get("exclusiveMaximum")) {
        (_, Some(e)) => e.ceil() as i64 - 1,
        (Some(m), None) => m.floor() as i64,
        (None, None) => i64::MAX,
    };
    if low < high { low + 1 } else { low }
}

/// A number with a fraction within the schema's bounds, else the lower bound.
fn number(schema: &Value) -> f64 {
    let get = |key: &str| schema.get(key).and_then(Value::as_f64);
    let low = get("minimum").or(get("exclusiveMinimum")).unwrap_or(0.0);
    let high = get("maximum")
        .or(get("exclusiveMaximum"))
        .unwrap_or(f64::MAX);
    let candidate = low + 2.5;
    if candidate < high {
        candidate
    } else {
        (low + high) / 2.0
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
