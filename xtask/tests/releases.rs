//! Every shared Taskcluster release (v24.3.1, v60, v95, v106) generates, with no two distinct
//! schemas under one type name, and (ignored by default; CI runs it) compiles.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde_json::Value;
use xtask::releases::{build_harness, import_into, shared_bundles};

fn bundles() -> Vec<PathBuf> {
    let bundles = shared_bundles().unwrap();
    assert_eq!(
        bundles.len(),
        4,
        "expected the four shared releases: {bundles:?}"
    );
    bundles
}

fn import(bundle: &Path, dir: &Path) -> PathBuf {
    import_into(bundle, dir).unwrap()
}

/// The raw schema at `doc#pointer`, following `$ref`s met along the pointer.
fn raw_schema(refs: &tc_codegen::References, location: &str) -> Value {
    let (doc, pointer) = location.split_once('#').unwrap();
    let mut node = refs.schemas[doc].content.clone();
    let mut base = doc.to_owned();
    for token in pointer.split('/').skip(1) {
        let step = format!("/{token}");
        while node.pointer(&step).is_none() {
            let reference = node["$ref"].as_str().unwrap_or_else(|| {
                panic!("{location}: nothing at {token:?} and no $ref to follow")
            });
            let (target_doc, target_ptr) = reference.split_once('#').unwrap_or((reference, ""));
            if !target_doc.is_empty() {
                let dir = &base[..=base.rfind('/').unwrap()];
                base = format!("{dir}{target_doc}");
            }
            node = refs.schemas[&base]
                .content
                .pointer(target_ptr)
                .unwrap()
                .clone();
        }
        node = node.pointer(&step).unwrap().clone();
    }
    node
}

/// Silent merges: two schemas under one name would be one Rust type. Check, from the raw
/// documents, that every type name stands for one schema only, and that every type has a name
/// the resolver gave.
#[test]
fn no_two_distinct_schemas_share_a_type() {
    for bundle in bundles() {
        let dir = tempfile::tempdir().unwrap();
        let references = import(&bundle, dir.path());
        let refs = tc_codegen::load::load(&references).unwrap();
        let services = tc_codegen::services(&refs).unwrap();
        let mut shared = 0;
        let mut merged = 0;
        for service in &services {
            let schemas = &service.schemas;
            for (name, origins) in &schemas.origins {
                let contents: BTreeSet<String> = origins
                    .iter()
                    .map(|o| raw_schema(&refs, o).to_string())
                    .collect();
                assert_eq!(
                    contents.len(),
                    1,
                    "{}: {}: type {name} stands for different schemas: {origins:?}",
                    bundle.display(),
                    service.name
                );
                shared += usize::from(origins.len() > 1);
            }
            let defs = tc_codegen::typedefs::build(&service.name, service).unwrap();
            let assigned: BTreeSet<&String> = schemas.origins.keys().collect();
            for def in &defs {
                for source in &def.sources {
                    assert!(
                        assigned.contains(source),
                        "{}: {}: the type {} stands for {source}, a name the resolver did not \
                         give; it could merge schemas",
                        bundle.display(),
                        service.name,
                        def.name
                    );
                }
                merged += def.sources.len() - 1;
            }
        }
        println!(
            "{}: {shared} names shared by identical schemas, {merged} types merged into one \
             that differs only in its docs",
            bundle.display()
        );
    }
}

/// The object and artifact transfer methods follow the API methods they call: v24.3.1 has
/// no object service, no `queue.artifact` and no `finishArtifact`, so its queue gets none;
/// the later releases get all twelve.
#[test]
fn transfer_methods_follow_the_release() {
    let transfers = [
        ("object", "upload_from_bytes"),
        ("object", "download_to_file"),
        ("queue", "download_artifact_to_file"),
        ("queue", "upload_artifact_from_file"),
    ];
    for bundle in bundles() {
        let dir = tempfile::tempdir().unwrap();
        let generated = tc_codegen::generate(&import(&bundle, dir.path())).unwrap();
        let release = bundle.file_name().unwrap().to_string_lossy().into_owned();
        let count = |service: &str| {
            let file = PathBuf::from(format!("src/{service}/transfers.rs"));
            generated
                .files
                .get(&file)
                .map_or(0, |text| text.matches("pub async fn ").count())
        };
        let old = release.starts_with("v24.");
        assert_eq!(count("queue"), if old { 0 } else { 6 }, "{release}: queue");
        assert_eq!(
            count("object"),
            if old { 0 } else { 6 },
            "{release}: object"
        );
        for (service, function) in transfers {
            let file = PathBuf::from(format!("src/{service}/transfers.rs"));
            let has = generated
                .files
                .get(&file)
                .is_some_and(|text| text.contains(&format!("pub async fn {function}")));
            assert_eq!(has, !old, "{release}: {service}.{function}");
        }
    }
}

/// Generates each release and builds it (with `events`, in the workspace every test that builds
/// a release shares: `xtask::releases::build_harness`): no release-specific patches. Slow (a cold
/// build of ~20k lines per release), so ignored by default.
#[test]
#[ignore = "slow: compiles four generated crates; CI runs it with --include-ignored"]
fn every_release_generates_and_compiles() {
    let mut results = BTreeMap::new();
    for bundle in bundles() {
        let release = bundle.file_stem().unwrap().to_string_lossy().into_owned();
        let dir = tempfile::tempdir().unwrap();
        let references = import(&bundle, dir.path());
        let generated = tc_codegen::generate(&references)
            .unwrap_or_else(|e| panic!("{}: {e}", bundle.display()));
        let started = Instant::now();
        build_harness(&release, &generated, "compiles", "fn main() {}\n")
            .unwrap_or_else(|e| panic!("{e:#}"));
        results.insert(release, (generated.summary, started.elapsed()));
    }
    for (release, (summary, took)) in results {
        println!("{release}: {summary:?}, cargo build {took:.1?}");
    }
}

/// The generator (`codegen/src/scope_params.rs`, for `required_scopes`) and the runtime
/// (`tc_runtime::scopes::Template`, which renders them) read every scope template of every
/// shared release the same way: the runtime accepts it, and both find the same parameters of
/// the same kinds.
#[test]
fn generator_and_runtime_agree_on_every_scope_template() {
    use tc_client::runtime::scopes::{ParamKind, Template};
    use tc_codegen::scope_params::{Kind, template_params};
    let mut templates = 0;
    for bundle in bundles() {
        let dir = tempfile::tempdir().unwrap();
        let refs = tc_codegen::load::load(&import(&bundle, dir.path())).unwrap();
        let services = tc_codegen::services(&refs).unwrap();
        for reference in &refs.services {
            let name = &reference.api.service_name;
            let service = services.iter().find(|s| &s.name == name).unwrap();
            for (entry, method) in reference.api.entries.iter().zip(&service.methods) {
                assert_eq!(entry.name, method.name);
                let (Some(raw), Some(parsed)) = (&entry.scopes, &method.scopes) else {
                    continue;
                };
                let at = format!("{}: {}.{}", bundle.display(), service.name, entry.name);
                let template: Template = serde_json::from_value(raw.clone())
                    .unwrap_or_else(|e| panic!("{at}: the runtime refuses {raw}: {e}"));
                let runtime: Vec<(String, &str)> = template
                    .params()
                    .into_iter()
                    .map(|(name, kind)| {
                        let kind = match kind {
                            ParamKind::String => "string",
                            ParamKind::List => "list",
                            ParamKind::Bool => "bool",
                        };
                        (name, kind)
                    })
                    .collect();
                let generator: Vec<(String, &str)> = template_params(parsed)
                    .into_iter()
                    .map(|(name, kind)| {
                        let kind = match kind {
                            Kind::String => "string",
                            Kind::List => "list",
                            Kind::Bool => "bool",
                        };
                        (name, kind)
                    })
                    .collect();
                let sorted = |mut v: Vec<(String, &'static str)>| {
                    v.sort();
                    v
                };
                assert_eq!(sorted(generator), sorted(runtime), "{at}: {raw}");
                templates += 1;
            }
        }
    }
    // 471 in the four shared releases.
    assert!(templates > 400, "{templates} templates");
    println!("{templates} scope templates agree");
}
