//! What the generated types write is what the services take: for every shared release, every
//! request body, answer and Pulse message type is built the way a user builds it (`new` with
//! sample arguments; again with every `with_*` setter; once per union branch and enum value),
//! written to JSON and checked against its schema by the `jsonschema` crate, `$ref`s resolved
//! inside the release. The sample documents the other tests feed the types (`tc_testkit::samples`,
//! for every method and exchange) are checked the same way.
//!
//! Slow (it compiles the generated crate of every release), so ignored by default; CI runs it.
//! `SCHEMA_VALID_FAILURES=<file>` writes every failure there (the assertion shows the first 30).

mod build;
mod validate;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::process::Command;

use quote::{format_ident, quote};
use serde_json::Value;
use tc_testkit::samples::Samples;
use xtask::releases::{build_harness, import_into, shared_bundles};

use build::Builder;
use validate::Schemas;

/// At most this many rounds of union branches and enum values per root type.
const MAX_ROUNDS: usize = 8;

/// Fewer documents than this per release would mean the test lost its roots, not that the
/// release is small (v24.3.1, the smallest, has over 250 roots).
const MIN_DOCUMENTS: usize = 500;

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Role {
    Request,
    Answer,
    Message,
}

/// One value to build and check.
struct Case {
    /// `queue.createTask request, with every field`.
    what: String,
    role: Role,
    /// The original schema: `/schemas/queue/v1/create-task-request.json#`.
    location: String,
    /// The expression that builds it.
    expr: String,
}

#[test]
#[ignore = "slow: compiles the generated crate of every shared release; CI runs it with --include-ignored"]
fn what_the_types_write_fits_the_schemas() {
    let mut summary = Vec::new();
    let mut failures = Vec::new();
    for bundle in shared_bundles().unwrap() {
        let release = bundle.file_stem().unwrap().to_string_lossy().into_owned();
        let dir = tempfile::tempdir().unwrap();
        let references = import_into(&bundle, dir.path()).unwrap();
        let refs = tc_codegen::load::load(&references).unwrap();
        let services = tc_codegen::services(&refs).unwrap();
        let schemas: BTreeMap<String, Value> = refs
            .schemas
            .iter()
            .map(|(id, d)| (id.clone(), d.content.clone()))
            .collect();

        let mut cases = Vec::new();
        let mut roots = BTreeSet::new();
        for service in &services {
            let origin = format!("{}/schemas/{}", references.display(), service.name);
            let defs = tc_codegen::typedefs::build(&origin, service).unwrap();
            cases.extend(service_cases(service, &defs, &schemas, &mut roots));
        }
        let generated = tc_codegen::generate(&references).unwrap();
        let outputs = run_harness(&release, &generated, &cases);

        let mut validator = Schemas::new(&schemas);
        let mut valid: BTreeMap<Role, usize> = BTreeMap::new();
        for (case, out) in cases.iter().zip(&outputs) {
            let Some(value) = out.get("ok") else {
                failures.push(format!("{release}: {}: {out}\n  {}", case.what, case.expr));
                continue;
            };
            let errors = validator.errors(&case.location, value);
            if errors.is_empty() {
                *valid.entry(case.role).or_default() += 1;
            } else {
                failures.push(format!(
                    "{release}: {} ({}): {}\n  wrote {value}",
                    case.what,
                    case.location,
                    errors.join("; ")
                ));
            }
        }
        // The documents the other tests feed the types.
        let mut samples = 0;
        let mut checked = cases.len();
        for location in &roots {
            let (doc, pointer) = location.split_once('#').unwrap();
            for sample in Samples::new(&schemas).documents(&(doc.to_owned(), pointer.to_owned())) {
                checked += 1;
                let errors = validator.errors(location, &sample);
                if errors.is_empty() {
                    samples += 1;
                } else {
                    failures.push(format!(
                        "{release}: sample of {location}: {}\n  {sample}",
                        errors.join("; ")
                    ));
                }
            }
        }
        let count = |role| valid.get(&role).copied().unwrap_or_default();
        summary.push(format!(
            "{release}: {} values built of {} root types, valid: {} requests, {} answers, {} \
             messages; {samples} sample documents valid",
            cases.len(),
            roots.len(),
            count(Role::Request),
            count(Role::Answer),
            count(Role::Message),
        ));
        if checked < MIN_DOCUMENTS {
            failures.push(format!("{release}: only {checked} documents checked"));
        }
    }
    for line in &summary {
        println!("{line}");
    }
    if let Ok(file) = std::env::var("SCHEMA_VALID_FAILURES") {
        fs::write(file, failures.join("\n")).unwrap();
    }
    assert!(
        failures.is_empty(),
        "{} values do not fit their schemas:\n{}",
        failures.len(),
        failures[..failures.len().min(30)].join("\n")
    );
}

/// The cases of one service: each method's request and answer and each exchange's message,
/// built with `new` and with every field, once per round of branches and values. `roots` gets
/// the schema locations.
fn service_cases(
    service: &tc_codegen::model::Service,
    defs: &[tc_codegen::typedefs::TypeDef],
    schemas: &BTreeMap<String, Value>,
    roots: &mut BTreeSet<String>,
) -> Vec<Case> {
    let mut wanted: Vec<(String, Role, &str)> = Vec::new();
    for method in &service.methods {
        let what = format!("{}.{}", service.name, method.name);
        if let Some(input) = method.input {
            let input = service.type_name(input);
            wanted.push((format!("{what} request"), Role::Request, input));
        }
        if let Some(output) = method.output {
            let output = service.type_name(output);
            wanted.push((format!("{what} answer"), Role::Answer, output));
        }
    }
    for exchange in service.events.iter().flat_map(|e| &e.exchanges) {
        let what = format!("{} {} message", service.name, exchange.exchange);
        wanted.push((what, Role::Message, service.type_name(exchange.message)));
    }
    let mut builder = Builder::new(&service.module, defs, &service.schemas.origins, schemas);
    let mut cases = Vec::new();
    let mut built = BTreeSet::new();
    for (what, role, ty) in wanted {
        let location = service.schemas.origins[ty].first().unwrap().clone();
        roots.insert(location.clone());
        for full in [false, true] {
            for round in 0..builder.choices(ty).min(MAX_ROUNDS) {
                builder.full = full;
                builder.round = round;
                let expr = builder.build(ty).to_string();
                if built.insert((location.clone(), expr.clone())) {
                    let how = if full { "every field" } else { "new" };
                    cases.push(Case {
                        what: format!("{what}, {how}, round {round}"),
                        role,
                        location: location.clone(),
                        expr,
                    });
                }
            }
        }
    }
    cases
}

/// Builds the release's crate with a harness that writes each case's value as a JSON line
/// (`{"ok": value}`, or `{"panic": message}` when building it panicked); what it wrote.
fn run_harness(
    release: &str,
    generated: &tc_codegen::GeneratedCrate,
    cases: &[Case],
) -> Vec<Value> {
    let functions = cases.iter().enumerate().map(|(i, case)| {
        let name = format_ident!("case_{i}");
        let expr: syn::Expr = syn::parse_str(&case.expr).unwrap();
        quote! {
            fn #name() -> serde_json::Value {
                written(|| #expr)
            }
        }
    });
    let names = (0..cases.len()).map(|i| format_ident!("case_{i}"));
    let harness = quote! {
        fn written<T: serde::Serialize>(build: impl FnOnce() -> T) -> serde_json::Value {
            let built = std::panic::catch_unwind(std::panic::AssertUnwindSafe(build));
            match built {
                Ok(value) => serde_json::json!({"ok": serde_json::to_value(&value).unwrap()}),
                Err(panic) => {
                    let message = panic
                        .downcast_ref::<String>()
                        .cloned()
                        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()));
                    serde_json::json!({"panic": message})
                }
            }
        }

        #(#functions)*

        fn main() {
            std::panic::set_hook(Box::new(|_| {}));
            let cases: &[fn() -> serde_json::Value] = &[#(#names),*];
            for case in cases {
                println!("{}", case());
            }
        }
    };
    let harness = build_harness(release, generated, "schema_valid", &harness.to_string()).unwrap();
    let output = Command::new(harness).output().unwrap();
    assert!(output.status.success(), "the harness failed");
    let lines: Vec<Value> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), cases.len(), "one line per case");
    lines
}
