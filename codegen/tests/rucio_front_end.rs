//! The OpenAPI front end on Rucio's own spec (`../shared/references/rucio/`): every operation
//! read, repaired by rule and named from its method and path. The snapshot lists every
//! operation's name, so a naming change shows up in review.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;
use tc_codegen::model::HttpMethod;
use tc_codegen::openapi::{self, Location, Operation, Response, Segment, repairs};

fn spec_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/references/rucio/rest_api_doc_spec.yaml")
}

fn operations() -> Vec<Operation> {
    let spec = openapi::load(&spec_path()).unwrap();
    openapi::operations(&spec).unwrap()
}

fn path(op: &Operation) -> String {
    op.path
        .iter()
        .map(|s| match s {
            Segment::Literal(l) => l.clone(),
            Segment::Param(p) => format!("{{{p}}}"),
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn find<'a>(ops: &'a [Operation], method: HttpMethod, p: &str) -> &'a Operation {
    ops.iter()
        .find(|o| o.http == method && path(o) == p)
        .unwrap_or_else(|| panic!("{method:?} /{p}"))
}

#[test]
fn every_operation_is_read_and_named() {
    let ops = operations();
    assert_eq!(
        ops.len(),
        179,
        "171 in the spec, three the server has that it lacks, five Rucio's client makes"
    );
    let mut seen = BTreeSet::new();
    for op in &ops {
        assert!(!op.function.is_empty(), "{}", op.pointer);
        assert!(
            seen.insert((op.tag.clone(), op.function.clone())),
            "{} twice in {}",
            op.function,
            op.tag
        );
        assert!(
            op.function
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
            "{}",
            op.function
        );
    }
    let mut listing = String::new();
    for op in &ops {
        listing.push_str(&format!(
            "{:<24} {:<48} {:?} /{}\n",
            op.tag,
            op.function,
            op.http,
            path(op)
        ));
    }
    insta::assert_snapshot!("rucio_operations", listing);

    let op = |m, p| find(&ops, m, p);
    let name = |m, p| op(m, p).function.as_str();
    use HttpMethod::{Delete, Get, Post, Put};
    // Named by rule where Rucio's Python client has no method ...
    assert_eq!(
        name(Get, "scopes/{account}/scopes"),
        "list_scopes_for_account"
    );
    assert_eq!(name(Post, "rses/{rse}"), "add_rse");
    assert_eq!(name(Get, "rses/"), "list_rses");
    assert_eq!(name(Get, "accounts/{account}"), "get_account");
    assert_eq!(name(Get, "dids/{scope}/{name}/status"), "get_status_of_did");
    // ... and by the Python client's name where it has one, the rule's name an alias.
    for (method, path, rule, python) in [
        (
            Delete,
            "rules/{rule_id}",
            "delete_rule",
            "delete_replication_rule",
        ),
        (
            Put,
            "dids/{scope}/{name}/status",
            "update_status_of_did",
            "set_status",
        ),
        (
            Get,
            "dids/{scope}/{name}/files",
            "list_files_of_did",
            "list_files",
        ),
        (
            Get,
            "dids/{scope}/{name}",
            "get_did_by_scope_name",
            "get_did",
        ),
        (
            Get,
            "locks/{rse}",
            "get_lock_by_rse",
            "get_dataset_locks_by_rse",
        ),
        (Post, "replicas/list", "add_replicas_list", "list_replicas"),
        (
            Get,
            "config/{section}/{option}",
            "get_config_by_section_option",
            "get_config_option",
        ),
    ] {
        let op = op(method, path);
        assert_eq!(
            (op.function.as_str(), op.aliases.as_slice()),
            (python, &[rule.to_owned()][..])
        );
        assert!(op.counterpart.is_some(), "{path}");
    }
    // A read is never `add_*`: POSTs that only read took the Python client's names.
    for read in [
        "replicas/list",
        "replicas/dids",
        "dids/bulkmeta",
        "locks/bulk_locks_for_dids",
    ] {
        assert!(!name(Post, read).starts_with("add_"), "{read}");
    }
    // Every entry of the names table names an operation of the spec.
    for (route, name, _) in tc_codegen::openapi::client_names::CLIENT_NAMES {
        assert!(
            ops.iter()
                .any(|o| tc_codegen::openapi::naming::route(o) == *route && o.function == *name),
            "{route} {name}"
        );
    }
}

#[test]
fn repairs_apply_by_rule() {
    let ops = operations();
    let with = |rule: &str| ops.iter().filter(|o| o.repairs.contains(&rule)).count();
    let mut counts = std::collections::BTreeMap::new();
    for rule in ops.iter().flat_map(|o| &o.repairs) {
        *counts.entry(*rule).or_insert(0) += 1;
    }
    println!("operations changed by each repair: {counts:?}");
    // {scope_name} is two segments: none is left, and each DID call takes scope and name.
    for op in &ops {
        assert!(!path(op).contains("scope_name"), "{}", op.pointer);
        assert!(
            op.params.iter().all(|p| p.name != "scope_name"),
            "{}",
            op.pointer
        );
        let in_path: Vec<&str> = op
            .path
            .iter()
            .filter_map(|s| match s {
                Segment::Param(p) => Some(p.as_str()),
                Segment::Literal(_) => None,
            })
            .collect();
        let declared: Vec<&str> = op
            .params
            .iter()
            .filter(|p| p.location == Location::Path)
            .map(|p| p.name.as_str())
            .collect();
        for p in in_path {
            assert!(declared.contains(&p), "{}: {p} undeclared", op.pointer);
        }
    }
    assert_eq!(with(repairs::SPLIT_SCOPE_NAME), 25);
    // The /auth/* calls issue the token; every other call sends it, and so does
    // /auth/validate, which checks the one it is sent.
    assert_eq!(with(repairs::AUTH_NEEDS_NO_TOKEN), 10);
    assert_eq!(with(repairs::TOKEN_CHECKS), 1);
    let tokenless: Vec<&str> = ops
        .iter()
        .filter(|o| !o.needs_token)
        .map(|o| o.function.as_str())
        .collect();
    assert_eq!(tokenless.len(), 10, "{tokenless:?}");
    assert!(tokenless.contains(&"get_auth_x509_proxy"));
    // Every $ref resolves now: the ten undefined component schemas came from the table.
    // 21: two answers that used a table enum are replaced whole, one by a correction, one
    // because the server answers nothing (`PUT /rses/{rse}/protocols/…`); one added operation
    // (`POST /dids/{scope}/{name}`, whose `type` is a `DidType`) uses one.
    assert_eq!(with(repairs::KNOWN_SCHEMAS), 21);
    // The rules from the server's views (issue 20), each proven by rucio/tests/conformance.rs.
    assert_eq!(with(repairs::HEADERS_IN_QUERY), 3);
    assert_eq!(with(repairs::GET_BODIES), 3);
    assert_eq!(with(repairs::JSON_BODIES), 3);
    // 7: two labelled `application/json`, five documented as one document.
    assert_eq!(with(repairs::NDJSON_AS_JSON), 7);
    assert_eq!(with(tc_codegen::openapi::filters::TYPED_FILTERS), 4);
    assert_eq!(with(repairs::TEXT_ANSWERS), 2);
    assert_eq!(with(repairs::EMPTY_ANSWERS), 1);
    assert_eq!(with(repairs::REDIRECT_ANSWERS), 1);
    // 4: the fifth answer that had them, `PUT /rses/{rse}/protocols/…`, is empty.
    assert_eq!(with(repairs::AVAILABILITY_FLAGS), 4);
    assert_eq!(with(repairs::RENAMED_PARAMETERS), 6);
    assert_eq!(with(repairs::CORRECTED_MEMBERS), 18);
    assert_eq!(with(repairs::ADDED_OPERATIONS), 8);
    for op in &ops {
        let secret_in_query = op.params.iter().any(|p| {
            p.location == Location::Query && p.name.to_ascii_lowercase().contains("password")
        });
        assert!(!secret_in_query, "{}: a password in the query", op.pointer);
    }
    for op in &ops {
        let mut schemas: Vec<&Value> = op.params.iter().map(|p| &p.schema).collect();
        schemas.extend(&op.body);
        if let Response::Json(s) | Response::Stream(s) = &op.response {
            schemas.push(s);
        }
        for s in schemas {
            assert!(!s.to_string().contains("$ref"), "{}: {s}", op.pointer);
        }
    }
    let rse = find(&ops, HttpMethod::Post, "rses/{rse}");
    let text = rse.body.as_ref().unwrap().to_string();
    assert!(text.contains(r#""enum":["DISK","TAPE"]"#), "{text}");
    // Newline-delimited JSON answers are streams of their items.
    let streams = ops
        .iter()
        .filter(|o| matches!(o.response, Response::Stream(_)))
        .count();
    // 40 in the spec, seven it documents as one document (`NDJSON_AS_JSON`), one added (an
    // account's subscriptions).
    assert_eq!(streams, 48);
    let files = find(&ops, HttpMethod::Get, "dids/{scope}/{name}/files");
    let Response::Stream(item) = &files.response else {
        panic!("{:?}", files.response)
    };
    assert_eq!(item["type"], "object");
}

#[test]
fn bad_specs_name_the_file_and_pointer() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    };
    let p = write("old.yaml", "swagger: '2.0'\npaths: {}\n");
    let e = openapi::load(&p).unwrap_err();
    assert!(e.to_string().contains("old.yaml: /openapi:"), "{e}");

    let unknown = "openapi: 3.0.2\npaths:\n  /x/{id}:\n    get:\n      tags: [X]\n      parameters:\n        - {name: id, in: path, schema: {$ref: '#/components/schemas/Nowhere'}}\n      responses: {'200': {description: ok}}\n";
    let spec = openapi::load(&write("ref.yaml", unknown)).unwrap();
    let e = openapi::operations(&spec).unwrap_err();
    let text = e.to_string();
    assert!(
        text.contains("ref.yaml: /paths/~1x~1{id}/get/parameters/0/schema"),
        "{text}"
    );
    assert!(text.contains("Nowhere"), "{text}");

    let split =
        "openapi: 3.0.2\npaths:\n  /x/a{id}:\n    get:\n      tags: [X]\n      responses: {}\n";
    let spec = openapi::load(&write("split.yaml", split)).unwrap();
    let e = openapi::operations(&spec).unwrap_err();
    assert!(
        e.to_string()
            .contains("a parameter must be a whole segment"),
        "{e}"
    );

    let e = openapi::load(&write("bad.yaml", "openapi: [unclosed\n")).unwrap_err();
    assert!(e.to_string().contains("bad.yaml: not YAML or JSON"), "{e}");
}

#[test]
fn every_operation_gets_typed_through_the_common_stages() {
    let spec = openapi::load(&spec_path()).unwrap();
    let ops = openapi::operations(&spec).unwrap();
    let services = tc_codegen::rucio_services(&spec, &ops).unwrap_or_else(|e| panic!("{e}"));
    let mut methods = 0;
    for service in &services {
        let defs = tc_codegen::typedefs::build("rucio", service).unwrap_or_else(|e| panic!("{e}"));
        let types = tc_codegen::types::emit_types::emit_types(&service.name, &defs);
        tc_codegen::output::format::format_file("rucio", "types", types)
            .unwrap_or_else(|e| panic!("{e}"));
        methods += service.methods.len();
    }
    assert_eq!(methods, 179);
}

/// The checked-in Rucio crate (`rucio/`) and the command tree of `rucio-rs`
/// (`rucio-cli/src/api.rs`) are what the generator makes of the pinned spec.
#[test]
fn rucio_crate_is_up_to_date() {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let spec = workspace.join("references/rucio/rest_api_doc_spec.yaml");
    let generated = tc_codegen::generate_rucio(&spec).unwrap_or_else(|e| panic!("{e}"));
    let stale = tc_codegen::write::stale_files(&generated, &workspace.join("rucio"));
    assert!(
        stale.is_empty(),
        "rucio/ is stale ({stale:?}); run `cargo xtask generate` and commit the result"
    );
    assert_eq!(generated.summary.methods, 179);
    // Its command-line client's command tree too.
    let on_disk =
        std::fs::read_to_string(workspace.join("rucio-cli/src/api.rs")).unwrap_or_default();
    assert!(
        on_disk == generated.cli,
        "rucio-cli/src/api.rs is stale; run `cargo xtask generate` and commit the result"
    );
}

/// The public API of every Rucio group as a compact listing (methods, types, fields, enum
/// values): what a reference update changes, reviewed in minutes (the code itself is guarded
/// by `rucio_crate_is_up_to_date`).
#[test]
fn rucio_api_listing() {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let spec_file = workspace.join("references/rucio/rest_api_doc_spec.yaml");
    let spec = tc_codegen::openapi::load(&spec_file).unwrap();
    let ops = tc_codegen::openapi::operations(&spec).unwrap();
    let services = tc_codegen::rucio_services(&spec, &ops).unwrap();
    let origin = spec_file.display().to_string();
    let mut listing = String::new();
    for service in &services {
        let defs = tc_codegen::typedefs::build(&origin, service).unwrap();
        listing.push_str(&tc_codegen::api_diff::listing::service(service, &defs));
        listing.push('\n');
    }
    insta::assert_snapshot!("rucio_api", listing);
}

/// The transfers' seam is implemented with the calls it needs, found by name in whichever group
/// has them; a spec without one of them gets no transfers (not code that fails to compile).
#[test]
fn rucio_transfers_need_every_call_of_the_seam() {
    let spec = openapi::load(&spec_path()).unwrap();
    let ops = openapi::operations(&spec).unwrap();
    let mut services = tc_codegen::rucio_services(&spec, &ops).unwrap();
    let defs: Vec<_> = services
        .iter()
        .map(|s| tc_codegen::typedefs::build("rucio", s).unwrap())
        .collect();
    let with = |services: &[tc_codegen::model::Service]| {
        let pairs: Vec<_> = services
            .iter()
            .zip(&defs)
            .map(|(s, d)| (s, d.as_slice()))
            .collect();
        tc_codegen::emit::rucio_transfers::emit_rucio_transfers(&pairs).map(|t| t.to_string())
    };
    let code = with(&services).expect("the pinned spec has every call");
    for call in [
        "list_replicas",
        "lfns2pfns",
        "add_replicas",
        "attach_dids",
        "set_tombstone",
    ] {
        assert!(code.contains(call), "{call}");
    }
    for service in &mut services {
        service.methods.retain(|m| m.function != "lfns2pfns");
    }
    assert_eq!(with(&services), None);
}
