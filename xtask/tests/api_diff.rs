//! `cargo xtask api-diff`: the change report between two reference sets. v95 → v106 lists what
//! Taskcluster added and changed, each classified; every pair of shared releases compares
//! without error; and one small change per class, on a reference set of one service, is
//! classified right.

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;
use std::process::Command;

use serde_json::{Value, json};
use tc_codegen::api_diff::{Api, Bump, Class, Report, diff};
use xtask::releases::{shared_bundles, workspace};

fn bundle(version: &str) -> String {
    workspace()
        .join(format!("../shared/references/taskcluster/{version}.json"))
        .display()
        .to_string()
}

/// The changes of `service` whose item starts with `item`, as `(class, what)`.
fn changes<'a>(report: &'a Report, service: &str, item: &str) -> Vec<(Class, &'a str)> {
    report
        .changes
        .iter()
        .filter(|c| c.service == service && c.item == item)
        .map(|c| (c.class, c.what.as_str()))
        .collect()
}

#[test]
fn v95_to_v106() {
    let (text, report) = xtask::api_diff::run(&bundle("v95.0.0"), &bundle("v106.0.0")).unwrap();
    println!("{text}");

    // The ten methods added, and no method removed.
    let added: BTreeSet<(String, String)> = report
        .changes
        .iter()
        .filter(|c| c.item.starts_with("fn ") && c.what.starts_with("added: "))
        .inspect(|c| assert_eq!(c.class, Class::Additive, "{c:?}"))
        .map(|c| {
            // `fn github_repo_token (githubRepoToken)`, or `fn ping` where the names agree.
            let name = c.item.rsplit(['(', ' ']).next().unwrap();
            (c.service.clone(), name.trim_end_matches(')').to_owned())
        })
        .collect();
    let expected: BTreeSet<(String, String)> = [
        ("auth", "githubRepoToken"),
        ("queue", "changeTaskPriority"),
        ("queue", "changeTaskGroupPriority"),
        ("worker-manager", "shouldWorkerTerminate"),
        ("web-server", "ping"),
        ("web-server", "lbheartbeat"),
        ("web-server", "version"),
        ("web-server", "heartbeat"),
        ("web-server", "taskProfile"),
        ("web-server", "taskGroupProfile"),
    ]
    .iter()
    .map(|(s, m)| (s.to_string(), m.to_string()))
    .collect();
    assert_eq!(added, expected);
    assert!(
        !report
            .changes
            .iter()
            .any(|c| c.item.starts_with("fn ") && c.what.starts_with("removed")),
        "no method was removed"
    );
    assert!(
        changes(&report, "web-server", "service web-server")
            .iter()
            .any(|(c, w)| *c == Class::Additive && w.starts_with("added")),
    );

    // The four queue schemas that changed: task.json (priority: the enum lost `normal`, so its
    // type is a new one), task-status.json, artifact-response.json, post-artifact-request.json.
    let task = changes(&report, "queue", "type Task");
    for (item, class, what) in [
        (
            "type Task",
            Class::Breaking,
            "field priority: type changed: TaskPriority -> Priority",
        ),
        (
            "type TaskDefinitionRequest",
            Class::Breaking,
            "field priority: type changed: Option<TaskPriority> -> Option<Priority>",
        ),
        (
            "type TaskStatusStructure",
            Class::Additive,
            "field priority: Option<Priority> added",
        ),
        (
            "type ArtifactResponse",
            Class::Additive,
            "field content_length: Option<u64> added",
        ),
        (
            "type S3ArtifactRequest",
            Class::Additive,
            "field content_length: Option<u64> added",
        ),
        (
            "type ObjectArtifactRequest",
            Class::Additive,
            "field content_length: Option<u64> added",
        ),
    ] {
        let found = report
            .changes
            .iter()
            .any(|c| c.service == "queue" && c.item == item && c.class == class && c.what == what);
        assert!(
            found,
            "queue: {item}: {class}: {what}\nqueue types: {task:?}"
        );
    }
    let removed = changes(&report, "queue", "type TaskPriority");
    assert!(
        matches!(removed.as_slice(), [(Class::Breaking, w)] if w.starts_with("removed: enum TaskPriority")),
        "{removed:?}"
    );
    let priority = changes(&report, "queue", "type Priority");
    assert!(
        matches!(priority.as_slice(), [(Class::Additive, w)] if w.starts_with("added: enum Priority")),
        "{priority:?}"
    );

    // Breaking changes below 1.0: a minor bump.
    assert_eq!(report.class(), Some(Class::Breaking));
    assert_eq!(report.bump("0.1.0"), Bump::Minor);
    assert_eq!(report.next_version("0.1.0"), "0.2.0");
    assert_eq!(report.next_version("1.4.2"), "2.0.0");
    assert!(text.contains("bump: minor (0.1.0 -> 0.2.0"), "{text}");
}

/// Every pair of shared releases, older to newer and back, compares without error; a release
/// compared with itself changes nothing.
#[test]
fn every_pair_of_shared_releases() {
    let bundles = shared_bundles().unwrap();
    assert!(bundles.len() >= 4, "{bundles:?}");
    let apis: Vec<(String, Api)> = bundles
        .iter()
        .map(|b| {
            let source = b.display().to_string();
            let api = xtask::api_diff::load(&source).unwrap_or_else(|e| panic!("{source}: {e:#}"));
            (b.file_stem().unwrap().to_string_lossy().into_owned(), api)
        })
        .collect();
    for (i, (old_name, old)) in apis.iter().enumerate() {
        assert!(diff(old, old).changes.is_empty(), "{old_name} vs itself");
        for (new_name, new) in &apis[i + 1..] {
            let forward = diff(old, new);
            let backward = diff(new, old);
            println!(
                "{old_name} -> {new_name}: {}; back: {}",
                forward.counts(),
                backward.counts()
            );
            assert!(!forward.changes.is_empty(), "{old_name} -> {new_name}");
            // What one direction adds, the other removes.
            let added = forward
                .changes
                .iter()
                .filter(|c| c.what.starts_with("added"))
                .count();
            let removed = backward
                .changes
                .iter()
                .filter(|c| c.what.starts_with("removed"))
                .count();
            assert_eq!(added, removed, "{old_name} <-> {new_name}");
            // Rendering never fails either.
            assert!(!forward.render("0.1.0").is_empty());
        }
    }
}

/// A reference set of one service, `fake`: a method without a query, one with a query, one
/// taking a request body (sent only) and answering a thing (received).
fn fixture() -> Value {
    json!({
        "manifest.json": {"references": ["/references/fake/v1/api.json"]},
        "fake/v1/api.json": {
            "$schema": "/schemas/common/api-reference-v0.json#",
            "serviceName": "fake", "apiVersion": "v1", "title": "Fake", "description": "A fake.",
            "entries": [
                {"type": "function", "name": "ping", "method": "get", "route": "/ping",
                 "args": [], "title": "Ping", "description": "", "stability": "stable",
                 "category": "x"},
                {"type": "function", "name": "thing", "method": "get",
                 "route": "/thing/<thingId>", "args": ["thingId"], "query": ["limit"],
                 "title": "Thing", "description": "", "stability": "stable", "category": "x",
                 "output": "v1/thing.json#"},
                {"type": "function", "name": "update", "method": "put",
                 "route": "/thing/<thingId>", "args": ["thingId"], "title": "Update",
                 "description": "", "stability": "stable", "category": "x",
                 "input": "v1/update.json#", "output": "v1/thing.json#",
                 "scopes": "fake:update:<thingId>"}
            ]
        },
        "schemas/fake/v1/thing.json": {
            "$id": "/schemas/fake/v1/thing.json#",
            "title": "Thing",
            "type": "object",
            "properties": {
                "name": {"type": "string"},
                "count": {"type": "integer"},
                "state": {"title": "State", "type": "string", "enum": ["on", "off", "idle"]}
            },
            "required": ["name"]
        },
        "schemas/fake/v1/update.json": {
            "$id": "/schemas/fake/v1/update.json#",
            "title": "Update",
            "type": "object",
            "properties": {"name": {"type": "string"}, "note": {"type": "string"}},
            "required": ["name"]
        }
    })
}

fn write(dir: &Path, files: &Value) {
    for (rel, doc) in files.as_object().unwrap() {
        let path = dir.join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, serde_json::to_vec_pretty(doc).unwrap()).unwrap();
    }
}

/// The report from the fixture to the fixture changed by `change`.
fn report_of(change: impl FnOnce(&mut Value)) -> Report {
    let scratch = tempfile::tempdir().unwrap();
    let (old, new) = (scratch.path().join("old"), scratch.path().join("new"));
    let mut changed = fixture();
    change(&mut changed);
    write(&old, &fixture());
    write(&new, &changed);
    let load = |dir: &Path| xtask::api_diff::load(dir.to_str().unwrap()).unwrap();
    diff(&load(&old), &load(&new))
}

/// The one change of `report`.
fn only(report: &Report) -> (Class, String, String) {
    let [c] = report.changes.as_slice() else {
        panic!("expected one change, got {:#?}", report.changes);
    };
    (c.class, c.item.clone(), c.what.clone())
}

fn entries(refs: &mut Value) -> &mut Vec<Value> {
    refs["fake/v1/api.json"]["entries"].as_array_mut().unwrap()
}

#[test]
fn unchanged_references_change_nothing() {
    let report = report_of(|_| {});
    assert!(report.changes.is_empty(), "{:#?}", report.changes);
    assert_eq!(report.bump("0.1.0"), Bump::None);
}

#[test]
fn a_field_removed_is_breaking() {
    let report = report_of(|r| {
        r["schemas/fake/v1/thing.json"]["properties"]
            .as_object_mut()
            .unwrap()
            .remove("count");
    });
    assert_eq!(
        only(&report),
        (
            Class::Breaking,
            "type Thing".into(),
            "field count: Option<i64> removed".into()
        )
    );
    assert_eq!(report.next_version("0.1.0"), "0.2.0");
}

#[test]
fn a_field_made_required_in_a_request_is_breaking() {
    // Sent-only types keep every field optional; `new` takes the required ones, and a second
    // required string makes two that could be swapped: the type is built by name from then on.
    let report = report_of(|r| {
        r["schemas/fake/v1/update.json"]["required"] = json!(["name", "note"]);
    });
    let changes: Vec<(Class, &str, &str)> = report
        .changes
        .iter()
        .map(|c| (c.class, c.item.as_str(), c.what.as_str()))
        .collect();
    // (The docs of `name`, required before and after, now say the builder requires it.)
    assert_eq!(
        changes,
        [
            (Class::DocsOnly, "type Update", "docs changed"),
            (
                Class::Breaking,
                "type Update",
                "field note: newly required: `build()` requires it"
            ),
            (
                Class::Breaking,
                "type Update",
                "built by name now: `new` gave way to `builder()`"
            ),
        ]
    );
}

#[test]
fn a_field_made_required_in_an_answer_is_breaking() {
    // A received type's required field is `T`, not `Option<T>`, and `new` takes it.
    let report = report_of(|r| {
        r["schemas/fake/v1/thing.json"]["required"] = json!(["name", "count"]);
    });
    let whats: Vec<String> = report.changes.iter().map(|c| c.what.clone()).collect();
    assert_eq!(
        whats,
        [
            "field count: newly required: Option<i64> -> i64",
            "field count: newly required: `new` takes it"
        ]
    );
    assert!(report.changes.iter().all(|c| c.class == Class::Breaking));
}

#[test]
fn an_enum_value_added_is_additive() {
    // Enums are `#[non_exhaustive]` with an `Unknown(UnknownValue)` variant.
    let report = report_of(|r| {
        r["schemas/fake/v1/thing.json"]["properties"]["state"]["enum"] =
            json!(["on", "off", "idle", "broken"]);
    });
    let (class, item, what) = only(&report);
    assert_eq!((class, item.as_str()), (Class::Additive, "type State"));
    assert!(what.starts_with("enum value \"broken\" added"), "{what}");
    assert_eq!(report.next_version("0.1.0"), "0.1.1");
    assert_eq!(report.next_version("1.0.0"), "1.1.0");
}

#[test]
fn an_enum_value_removed_is_breaking() {
    let report = report_of(|r| {
        r["schemas/fake/v1/thing.json"]["properties"]["state"]["enum"] = json!(["on", "off"]);
    });
    assert_eq!(
        only(&report),
        (
            Class::Breaking,
            "type State".into(),
            "enum value \"idle\" removed (Idle)".into()
        )
    );
}

#[test]
fn a_method_removed_is_breaking() {
    let report = report_of(|r| {
        entries(r).retain(|e| e["name"] != "ping");
    });
    assert_eq!(
        only(&report),
        (
            Class::Breaking,
            "fn ping".into(),
            "removed: fn ping() -> () [GET ping]".into()
        )
    );
}

#[test]
fn a_method_added_is_additive() {
    let report = report_of(|r| {
        let mut pong = entries(r)[0].clone();
        pong["name"] = json!("pong");
        pong["route"] = json!("/pong");
        entries(r).push(pong);
    });
    assert_eq!(
        only(&report),
        (
            Class::Additive,
            "fn pong".into(),
            "added: fn pong() -> () [GET pong]".into()
        )
    );
}

#[test]
fn a_query_parameter_added_is_additive() {
    // `thing` takes a query already: its query struct (non_exhaustive) gains a field.
    let report = report_of(|r| {
        entries(r)[1]["query"] = json!(["limit", "after"]);
    });
    assert_eq!(
        only(&report),
        (
            Class::Additive,
            "fn thing".into(),
            "query parameter after added (ThingQuery.after: Option<String>)".into()
        )
    );
}

#[test]
fn a_first_query_parameter_is_breaking() {
    // `ping` took no query: it takes `query: &PingQuery` now, a new argument.
    let report = report_of(|r| {
        entries(r)[0]["query"] = json!(["after"]);
    });
    let (class, item, what) = only(&report);
    assert_eq!((class, item.as_str()), (Class::Breaking, "fn ping"));
    assert!(what.starts_with("takes `query: &PingQuery` now"), "{what}");
}

#[test]
fn docs_and_routes_are_docs_only() {
    let report = report_of(|r| {
        entries(r)[0]["description"] = json!("Pings the fake.");
        entries(r)[0]["route"] = json!("/ping2");
        entries(r)[2]["stability"] = json!("experimental");
        entries(r)[2]["scopes"] = json!("fake:update-thing:<thingId>");
    });
    assert!(
        report.changes.iter().all(|c| c.class == Class::DocsOnly),
        "{:#?}",
        report.changes
    );
    let whats: BTreeSet<&str> = report.changes.iter().map(|c| c.what.as_str()).collect();
    assert_eq!(
        whats,
        BTreeSet::from([
            "docs changed",
            "route GET ping -> GET ping2 (same arguments)",
            "stability: stable -> experimental",
            "scopes: fake:update:<thingId> -> fake:update-thing:<thingId>",
        ])
    );
    assert_eq!(report.next_version("0.1.0"), "0.1.1");
}

#[test]
fn a_deprecation_is_additive() {
    let report = report_of(|r| {
        entries(r)[0]["stability"] = json!("deprecated");
    });
    let (class, _, what) = only(&report);
    assert_eq!(class, Class::Additive, "{what}");
}

#[test]
fn a_payload_type_changed_is_breaking() {
    let report = report_of(|r| {
        r["schemas/fake/v1/update.json"]["properties"]["note"] = json!({"type": "integer"});
    });
    assert_eq!(
        only(&report),
        (
            Class::Breaking,
            "type Update".into(),
            "field note: type changed: Option<String> -> Option<i64>".into()
        )
    );
}

/// Rucio's OpenAPI description goes through the same comparison: itself, no change; one
/// operation fewer, that method removed.
#[test]
fn rucio_spec() {
    let spec = workspace().join("references/rucio/rest_api_doc_spec.yaml");
    let spec = spec.to_str().unwrap();
    let (text, report) = xtask::api_diff::run(spec, spec).unwrap();
    assert!(report.changes.is_empty(), "{text}");
    assert!(text.contains("rucio-client"), "{text}");
    assert!(text.contains("no change to the public API"), "{text}");
}

/// The command: `cargo xtask api-diff OLD NEW` prints the report and exits 0; a missing side is
/// an error naming it.
#[test]
fn command_prints_the_report() {
    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["api-diff", &bundle("v95.0.0"), &bundle("v106.0.0")])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert!(stdout.contains("fn change_task_priority (changeTaskPriority): added"));
    assert!(stdout.contains("\nqueue\n  breaking (3):\n"), "{stdout}");

    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["api-diff", "no/such/v1.json", &bundle("v106.0.0")])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("no/such/v1.json"), "{stderr}");
}

/// What `import-references` prints: the pinned references before the import against after.
#[test]
fn import_reports_what_it_replaced() {
    let scratch = tempfile::tempdir().unwrap();
    let dest = scratch.path().join("references");
    let v95 = bundle("v95.0.0");
    let v106 = bundle("v106.0.0");
    assert!(xtask::api_diff::pinned(&dest, &v95).unwrap().is_none());
    xtask::import::import(&v95, &dest).unwrap();
    let before = xtask::api_diff::pinned(&dest, &v106).unwrap().unwrap();
    xtask::import::import(&v106, &dest).unwrap();
    let after = xtask::api_diff::pinned(&dest, &v106).unwrap().unwrap();
    let report = diff(&before, &after);
    let (_, direct) = xtask::api_diff::run(&v95, &v106).unwrap();
    assert_eq!(report.changes, direct.changes);
}

/// A path taken out of Rucio's OpenAPI description: its methods are removed, a breaking change.
#[test]
fn rucio_operation_removed() {
    let original = workspace().join("references/rucio/rest_api_doc_spec.yaml");
    let mut spec = tc_codegen::openapi::load(&original).unwrap().doc;
    let path = "/config/{section}/{option}/{value}";
    assert!(
        spec["paths"]
            .as_object_mut()
            .unwrap()
            .remove(path)
            .is_some()
    );
    let scratch = tempfile::tempdir().unwrap();
    // JSON is YAML: the front end reads it as it reads the original.
    let changed = scratch.path().join("rest_api_doc_spec.yaml");
    fs::write(&changed, serde_json::to_vec_pretty(&spec).unwrap()).unwrap();
    let (text, report) =
        xtask::api_diff::run(original.to_str().unwrap(), changed.to_str().unwrap()).unwrap();
    println!("{text}");
    let removed: Vec<&str> = report
        .changes
        .iter()
        .filter(|c| c.item.starts_with("fn "))
        .inspect(|c| assert_eq!(c.class, Class::Breaking, "{c:?}"))
        .map(|c| c.what.as_str())
        .collect();
    assert!(!removed.is_empty(), "{text}");
    assert!(
        removed.iter().all(
            |w| w.starts_with("removed: ") && w.contains(" config/<section>/<option>/<value>]")
        ),
        "{removed:?}"
    );
    assert_eq!(report.class(), Some(Class::Breaking));
}
