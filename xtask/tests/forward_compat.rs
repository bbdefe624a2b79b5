//! A newer server must never break an older client, and a read-modify-write must never lose
//! fields. For every pair of shared releases (older, newer), this builds documents from the
//! *newer* release's schemas (every property, every enum value, every union branch, and with only
//! the required properties) for each method's input and output, reads them with the types
//! generated from the *older* release, writes them back, and requires the same JSON.
//!
//! Slow (it compiles the generated crates of three releases), so ignored by default; CI runs it.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::process::{Command, Stdio};

use quote::{format_ident, quote};
use serde_json::{Value, json};
use tc_codegen::References;

use tc_testkit::samples::{Samples, locate};
use xtask::releases::{build_harness, import_into, shared_bundles};

/// One root schema of one method: the older type that reads it, the newer schema that makes it.
struct Case {
    /// `queue::types::Task`.
    rust_type: String,
    /// `queue.task output`, for messages.
    what: String,
    /// The newer release's schema location (`/schemas/queue/v1/task.json`, pointer).
    newer: (String, String),
}

/// A pair of releases tried with fewer documents than this has lost cases or samples, and
/// proves less than it says: the fewest today are 284 (v24.3.1 types, v106.0.0 documents).
const MIN_DOCUMENTS_PER_PAIR: usize = 250;

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
    assert!(
        releases.len() >= 2,
        "forward compatibility needs two shared releases or more, found {}",
        releases.len()
    );
    let mut summary = Vec::new();
    let mut failures = Vec::new();
    let mut too_few = Vec::new();
    for (i, (older_name, older_dir, older_refs)) in releases.iter().enumerate() {
        if i + 1 == releases.len() {
            break;
        }
        let services = tc_codegen::services(older_refs).unwrap();
        let generated = tc_codegen::generate(&older_dir.path().join("references")).unwrap();
        for (newer_name, _, newer_refs) in &releases[i + 1..] {
            let cases = cases(&services, older_refs, newer_refs);
            let mut lines = Vec::new();
            let schemas: BTreeMap<String, Value> = newer_refs
                .schemas
                .iter()
                .map(|(id, d)| (id.clone(), d.content.clone()))
                .collect();
            for case in &cases {
                for doc in Samples::new(&schemas).documents(&case.newer) {
                    lines.push((case, doc));
                }
            }
            let harness = harness(&cases);
            let outputs = run_harness(older_name, &generated, &harness, &lines);
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
            if lines.len() < MIN_DOCUMENTS_PER_PAIR {
                too_few.push(format!(
                    "{older_name} types, {newer_name} documents: {}",
                    lines.len()
                ));
            }
        }
    }
    for line in &summary {
        println!("{line}");
    }
    assert_eq!(
        summary.len(),
        releases.len() * (releases.len() - 1) / 2,
        "every pair of releases"
    );
    assert!(
        too_few.is_empty(),
        "fewer than {MIN_DOCUMENTS_PER_PAIR} documents tried for: {}",
        too_few.join("; ")
    );
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
                ("input", method.input, &newer_entry.input),
                ("output", method.output, &newer_entry.output),
            ] {
                let (Some(ty), Some(newer_ref)) = (ty, newer_ref) else {
                    continue;
                };
                let rust_type = format!("{}::types::{}", service.module, service.type_name(ty));
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

/// Builds the older release's crate and the harness, feeds it `lines`, returns what it
/// wrote, one value per line.
fn run_harness(
    release: &str,
    generated: &tc_codegen::GeneratedCrate,
    harness: &str,
    lines: &[(&Case, Value)],
) -> Vec<Value> {
    let harness = build_harness(release, generated, "forward_compat", harness).unwrap();
    let mut child = Command::new(harness)
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
