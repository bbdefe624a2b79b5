//! A newer server must never break an older client, and a read-modify-write must never lose
//! fields. For every pair of shared releases (older, newer), this builds documents from the
//! *newer* release's schemas (every property, every enum value, every union branch, and with only
//! the required properties) for each method's input and output, reads them with the types
//! generated from the *older* release, writes them back, and requires the same JSON.
//!
//! Slow (it compiles the generated crates of three releases), so ignored by default; CI runs it.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use quote::{format_ident, quote};
use serde_json::{Map, Value, json};
use tc_codegen::load::References;

use xtask::releases::{import_into, scratch_workspace, shared_bundles, workspace};

/// One root schema of one method: the older type that reads it, the newer schema that makes it.
struct Case {
    /// `queue::types::Task`.
    rust_type: String,
    /// `queue.task output`, for messages.
    what: String,
    /// The newer release's schema location (`/schemas/queue/v1/task.json`, pointer).
    newer: (String, String),
}

#[test]
#[ignore = "slow: compiles the generated crates of three releases; CI runs it with --include-ignored"]
fn older_types_keep_newer_documents() {
    let releases: Vec<(String, tempfile::TempDir, References)> = shared_bundles()
        .unwrap()
        .into_iter()
        .map(|bundle| {
            let dir = tempfile::tempdir().unwrap();
            let references = import_into(&bundle, dir.path()).unwrap();
            let refs = tc_codegen::load::load(&references).unwrap();
            let name = bundle.file_stem().unwrap().to_string_lossy().into_owned();
            (name, dir, refs)
        })
        .collect();
    let mut summary = Vec::new();
    let mut failures = Vec::new();
    for (i, (older_name, older_dir, older_refs)) in releases.iter().enumerate() {
        if i + 1 == releases.len() {
            break;
        }
        let services = tc_codegen::model::build(older_refs).unwrap();
        let generated = tc_codegen::generate(&older_dir.path().join("references")).unwrap();
        for (newer_name, _, newer_refs) in &releases[i + 1..] {
            let cases = cases(&services, older_refs, newer_refs);
            let mut lines = Vec::new();
            for case in &cases {
                for doc in Samples::new(newer_refs).documents(&case.newer) {
                    lines.push((case, doc));
                }
            }
            let harness = harness(&cases);
            let outputs = run_harness(
                &older_dir.path().join("harness"),
                &generated,
                &harness,
                &lines,
            );
            let mut ok = 0;
            for ((case, doc), out) in lines.iter().zip(&outputs) {
                match out.get("ok") {
                    Some(back) if back == doc => ok += 1,
                    _ => failures.push(format!(
                        "{older_name} reading {newer_name}: {}: {doc}\n  gave {out}",
                        case.what
                    )),
                }
            }
            summary.push(format!(
                "{older_name} types, {newer_name} documents: {} roots, {} documents, {ok} unchanged",
                cases.len(),
                lines.len()
            ));
        }
    }
    for line in &summary {
        println!("{line}");
    }
    assert!(
        failures.is_empty(),
        "{} documents did not survive a round trip:\n{}",
        failures.len(),
        failures[..failures.len().min(20)].join("\n")
    );
}

/// Every method input and output of the older release that the newer release still has.
fn cases(
    services: &[tc_codegen::model::Service],
    older: &References,
    newer: &References,
) -> Vec<Case> {
    let mut cases = Vec::new();
    let mut seen = BTreeSet::new();
    for (service, reference) in services.iter().zip(&older.services) {
        let Some(newer_service) = newer
            .services
            .iter()
            .find(|s| s.api.service_name == service.name)
        else {
            continue;
        };
        for (method, entry) in service.methods.iter().zip(&reference.api.entries) {
            let Some(newer_entry) = newer_service
                .api
                .entries
                .iter()
                .find(|e| e.name == entry.name)
            else {
                continue;
            };
            for (which, ty, newer_ref) in [
                ("input", &method.input, &newer_entry.input),
                ("output", &method.output, &newer_entry.output),
            ] {
                let (Some(ty), Some(newer_ref)) = (ty, newer_ref) else {
                    continue;
                };
                let rust_type = format!("{}::types::{ty}", service.module);
                let newer = locate(&format!("/schemas/{}/", service.name), newer_ref);
                if seen.insert((rust_type.clone(), newer.clone())) {
                    cases.push(Case {
                        rust_type,
                        what: format!("{}.{} {which}", service.name, entry.name),
                        newer,
                    });
                }
            }
        }
    }
    cases
}

/// `(document id, pointer)` of `reference` relative to `base` (a directory or document id).
fn locate(base: &str, reference: &str) -> (String, String) {
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
struct Samples<'a> {
    refs: &'a References,
    /// Enum values and branches not used yet, by schema location.
    unused: BTreeMap<String, BTreeSet<usize>>,
    /// How often each location was visited (which value or branch comes next).
    visits: BTreeMap<String, usize>,
    minimal: bool,
}

impl<'a> Samples<'a> {
    fn new(refs: &'a References) -> Self {
        Samples {
            refs,
            unused: BTreeMap::new(),
            visits: BTreeMap::new(),
            minimal: false,
        }
    }

    fn documents(&mut self, root: &(String, String)) -> Vec<Value> {
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
        let document = &self.refs.schemas[doc.trim_end_matches('#')].content;
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

/// A program that reads `{"type", "doc"}` lines, and writes each document back through the
/// named type: `{"ok": ...}` or `{"error": ...}`.
fn harness(cases: &[Case]) -> String {
    let types: BTreeSet<&str> = cases.iter().map(|c| c.rust_type.as_str()).collect();
    let arms = types.iter().map(|t| {
        let path: syn::Path = syn::parse_str(&format!("tc_client::{t}")).unwrap();
        quote!(#t => roundtrip::<#path>(doc),)
    });
    let unknown = format_ident!("unknown_type");
    quote! {
        use std::io::BufRead;

        fn roundtrip<T: serde::de::DeserializeOwned + serde::Serialize>(
            doc: serde_json::Value,
        ) -> serde_json::Value {
            match serde_json::from_value::<T>(doc) {
                Ok(typed) => serde_json::json!({"ok": serde_json::to_value(&typed).unwrap()}),
                Err(e) => serde_json::json!({"error": e.to_string()}),
            }
        }

        fn #unknown(name: &str) -> serde_json::Value {
            serde_json::json!({"error": format!("no type {name}")})
        }

        fn main() {
            for line in std::io::stdin().lock().lines() {
                let mut line: serde_json::Value = serde_json::from_str(&line.unwrap()).unwrap();
                let doc = line["doc"].take();
                let out = match line["type"].as_str().unwrap() {
                    #(#arms)*
                    other => #unknown(other),
                };
                println!("{out}");
            }
        }
    }
    .to_string()
}

/// Builds the older release's crate and the harness in `dir`, feeds it `lines`, returns what it
/// wrote, one value per line.
fn run_harness(
    dir: &Path,
    generated: &tc_codegen::GeneratedCrate,
    harness: &str,
    lines: &[(&Case, Value)],
) -> Vec<Value> {
    if !dir.join("generated/Cargo.toml").exists() {
        scratch_workspace(dir, generated, &["harness"]).unwrap();
        fs::create_dir_all(dir.join("harness/src")).unwrap();
        fs::write(
            dir.join("harness/Cargo.toml"),
            "[package]\nname = \"harness\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
             [dependencies]\ntc-client = { path = \"../generated\" }\nserde.workspace = true\n\
             serde_json.workspace = true\n",
        )
        .unwrap();
    }
    fs::write(dir.join("harness/src/main.rs"), harness).unwrap();
    let target: PathBuf = workspace().join("target/forward-compat");
    let status = Command::new(env!("CARGO"))
        .args(["build", "--quiet", "-p", "harness"])
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", &target)
        .status()
        .unwrap();
    assert!(status.success(), "the harness does not build");
    let mut child = Command::new(target.join("debug/harness"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = String::new();
    for (case, doc) in lines {
        input.push_str(&json!({"type": case.rust_type, "doc": doc}).to_string());
        input.push('\n');
    }
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()).unwrap());
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert!(output.status.success(), "the harness failed");
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}
