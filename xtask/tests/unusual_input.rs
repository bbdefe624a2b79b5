//! The generator's promise on input that is valid but unusual: code that compiles, passes
//! clippy and rustdoc with `-D warnings`, and whose documentation runs nothing. One reference set
//! holds every class of trouble found so far: names that collide after case conversion or with
//! the crate's own, keywords, types named like std's, recursion, impossible or unbounded types,
//! and descriptions full of markdown that rustdoc would run or warn about.
//!
//! Slow (it compiles the generated crate), so ignored by default; CI runs it.

use std::fs;
use std::path::Path;

use serde_json::{Value, json};
use xtask::releases::{scratch_cargo, scratch_workspace};

/// Markdown rustdoc would run as doc tests or warn about.
const HAZARDS: &str = "Fenced Rust:\n\n```rust\nfn main() { panic!(\"ran\") }\n```\n\nBare:\n\n```\n\
panic!(\"ran\");\n```\n\n~~~no_run\npanic!(\"ran\");\n~~~\n\nIndented:\n\n    panic!(\"ran\");\n\n\
#[derive(Debug)] and [taskId] and a lone ` before <b>bold</b>, <taskId>, https://example.com/x.\n\n\
```rust\nfn never_closed() { panic!(\"ran\") }";

fn entry(name: &str, method: &str, route: &str, args: &[&str], extra: Value) -> Value {
    let mut e = json!({
        "type": "function", "name": name, "method": method, "route": route, "args": args,
        "title": format!("{name} [title]"), "description": HAZARDS, "stability": "stable",
        "category": "x"
    });
    e.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    e
}

fn api(service: &str, entries: Vec<Value>) -> Value {
    json!({
        "$schema": "/schemas/common/api-reference-v0.json#",
        "serviceName": service, "apiVersion": "v1", "title": format!("{service} <service>"),
        "description": HAZARDS, "entries": entries
    })
}

fn odd_schema(service: &str) -> Value {
    json!({
        "$id": format!("/schemas/{service}/v1/odd.json#"),
        "title": "Odd", "description": HAZARDS, "type": "object",
        "properties": {
            "taskId": {"type": "string", "description": HAZARDS},
            "task_id": {"type": "string"},
            "type": {"type": "string"}, "gen": {"type": "string"}, "self": {"type": "string"},
            "unknown_fields": {"type": "string"}, "title": {"type": "string"},
            "": {"type": "string"}, "3d": {"type": "boolean"}, "größe": {"type": "number"},
            "a b": {"type": "string"},
            "choice": {"enum": ["a-b", "a_b", "A B", "Unknown", "", "1st", "self"],
                       "description": HAZARDS},
            "version": {"enum": [1, 2]},
            "huge": {"type": "integer", "minimum": -1e20, "maximum": 1e20},
            "unsigned": {"type": "integer", "minimum": 0, "maximum": 1e30},
            "forbidden": {"not": {}},
            "negated": {"type": "string", "not": {"enum": ["x"]}},
            "both": {"allOf": [{"type": "object", "properties": {"a": {"type": "string"}}},
                               {"properties": {"b": {"type": "integer"}}, "required": ["b"]}]},
            "maybe": {"oneOf": [{"type": "null"}, {"type": "string"}]},
            "nullable": {"type": ["string", "null"]},
            "tree": {"$ref": "tree.json#"},
            "ping": {"$ref": "a.json#"},
            "shape": {"oneOf": [
                {"type": "object", "properties": {"kind": {"const": "circle"}, "r": {"type": "number"}}},
                {"type": "object", "properties": {"kind": {"enum": ["square"]}, "side": {"type": "number"}}}
            ]},
            "either": {"oneOf": [{"type": "string"}, {"type": "string", "title": "String"},
                                  {"type": "array", "items": {"type": "string"}}]},
            "String": {"$ref": "string.json#"},
            "Value": {"$ref": "value.json#"},
            "default": {"$ref": "a.json#"},
            "enum": {"type": "object", "properties": {"properties": {"$ref": "b.json#"}}},
            "$ref": {"type": "string"}
        },
        "required": ["taskId", "type", "nullable", "choice"]
    })
}

fn write_fixture(refs: &Path) {
    let write = |rel: &str, value: Value| {
        let path = refs.join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, serde_json::to_vec_pretty(&value).unwrap()).unwrap();
    };
    let services = ["client", "lib", "my-svc", "my_svc", "runtime"];
    let manifest: Vec<String> = services
        .iter()
        .map(|s| format!("/references/{s}/v1/api.json"))
        .collect();
    write("manifest.json", json!({ "references": manifest }));
    for service in services {
        let odd = json!({"output": "v1/odd.json#"});
        let entries = vec![
            entry("new", "get", "/new", &[], odd.clone()),
            entry(
                "task",
                "get",
                "/task/<taskId>/<task_id>",
                &["taskId", "task_id"],
                json!({}),
            ),
            entry("taskUrl", "get", "/task-url", &[], json!({})),
            entry(
                "type",
                "post",
                "/type/<payload>/<query>",
                &["payload", "query"],
                json!({"input": "v1/odd.json#", "output": "v1/list.json#",
                         "query": ["limit", "a-b", "a_b", "type"]}),
            ),
            entry(
                "gen",
                "put",
                "/gen/<self>",
                &["self"],
                json!({"input": "v1/tree.json#"}),
            ),
        ];
        write(&format!("{service}/v1/api.json"), api(service, entries));
        write(
            &format!("schemas/{service}/v1/odd.json"),
            odd_schema(service),
        );
        write(
            &format!("schemas/{service}/v1/tree.json"),
            json!({
                "$id": format!("/schemas/{service}/v1/tree.json#"), "title": "Self",
                "type": "object",
                "properties": {
                    "children": {"type": "array", "items": {"$ref": "#"}},
                    "parent": {"$ref": "#"},
                    "other": {"$ref": "a.json#"}
                }
            }),
        );
        write(
            &format!("schemas/{service}/v1/a.json"),
            json!({"$id": format!("/schemas/{service}/v1/a.json#"), "title": "Option",
                   "type": "object", "properties": {"b": {"$ref": "b.json#"}}, "required": ["b"]}),
        );
        write(
            &format!("schemas/{service}/v1/b.json"),
            json!({"$id": format!("/schemas/{service}/v1/b.json#"), "title": "Result",
                   "type": "object", "properties": {"a": {"$ref": "a.json#"}}}),
        );
        write(
            &format!("schemas/{service}/v1/list.json"),
            json!({"$id": format!("/schemas/{service}/v1/list.json#"),
                   "type": "array", "items": {"$ref": "#"}}),
        );
        write(
            &format!("schemas/{service}/v1/string.json"),
            json!({"$id": format!("/schemas/{service}/v1/string.json#"), "title": "String",
                   "enum": ["x", "y"]}),
        );
        write(
            &format!("schemas/{service}/v1/value.json"),
            json!({"$id": format!("/schemas/{service}/v1/value.json#"), "title": "Value",
                   "type": "object", "properties": {"map": {"type": "object",
                   "additionalProperties": {"$ref": "string.json#"}}}}),
        );
    }
}

fn cargo(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> String {
    let output = scratch_cargo(dir)
        .args(args)
        .envs(env.iter().copied())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stderr).into_owned()
        + &String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "cargo {args:?} failed:\n{text}");
    text
}

#[test]
#[ignore = "slow: compiles the generated crate; CI runs it with --include-ignored"]
fn unusual_references_give_clean_code() {
    let dir = tempfile::tempdir().unwrap();
    let refs = dir.path().join("references");
    write_fixture(&refs);
    let generated = tc_codegen::generate(&refs).unwrap_or_else(|e| panic!("{e}"));
    let lib = &generated.files[Path::new("src/lib.rs")];
    for module in [
        "client",
        "lib_service",
        "my_svc",
        "my_svc_2",
        "runtime_service",
    ] {
        assert!(
            lib.contains(&format!("pub mod {module};")),
            "{module} in {lib}"
        );
    }
    scratch_workspace(dir.path(), &generated, &[]).unwrap();
    if let Ok(keep) = std::env::var("KEEP_UNUSUAL") {
        let _ = fs::remove_dir_all(&keep);
        tc_codegen::write::write(&generated, Path::new(&keep)).unwrap();
    }
    cargo(
        dir.path(),
        &[
            "clippy",
            "--quiet",
            "-p",
            "tc-client",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ],
        &[],
    );
    cargo(
        dir.path(),
        &["doc", "--quiet", "-p", "tc-client", "--no-deps"],
        &[("RUSTDOCFLAGS", "-D warnings")],
    );
    // Only the generator's own examples (the crate docs', `UnknownValue`'s) are doc tests;
    // nothing from a description.
    let tests = cargo(dir.path(), &["test", "-p", "tc-client", "--doc"], &[]);
    let run: Vec<&str> = tests
        .lines()
        .filter(|l| l.starts_with("test ") && l.contains(" - "))
        .collect();
    assert!(!run.is_empty(), "{tests}");
    for line in &run {
        assert!(
            line.starts_with("test generated/src/lib.rs - (line")
                || line.starts_with("test generated/src/lib.rs - UnknownValue (line"),
            "a doc test from a description: {line}"
        );
    }
}
