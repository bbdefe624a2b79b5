//! The generator's promise on bad input, class by class, on a small reference set of one
//! service: an error naming the file and the JSON path, a non-zero exit, no panic output, and
//! `generated/` exactly as it was.

use std::fs;
use std::path::Path;
use std::process::Command;

use serde_json::{Value, json};

mod common;
use common::read_tree;

/// A valid reference set: service `fake`, three methods, one schema.
fn write_fixture(refs: &Path) {
    let write = |rel: &str, value: Value| {
        let path = refs.join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, serde_json::to_vec_pretty(&value).unwrap()).unwrap();
    };
    write(
        "manifest.json",
        json!({"references": ["/references/fake/v1/api.json"]}),
    );
    write(
        "fake/v1/api.json",
        json!({
            "$schema": "/schemas/common/api-reference-v0.json#",
            "serviceName": "fake", "apiVersion": "v1", "title": "Fake", "description": "A fake.",
            "entries": [
                {"type": "function", "name": "ping", "method": "get", "route": "/ping",
                 "args": [], "title": "Ping", "description": "", "stability": "stable",
                 "category": "x"},
                {"type": "function", "name": "thing", "method": "get", "route": "/thing/<thingId>",
                 "args": ["thingId"], "query": ["limit"], "title": "Thing", "description": "",
                 "stability": "stable", "category": "x", "output": "v1/thing.json#"},
                {"type": "function", "name": "update", "method": "put", "route": "/thing/<thingId>",
                 "args": ["thingId"], "title": "Update", "description": "", "stability": "stable",
                 "category": "x", "input": "v1/thing.json#", "output": "v1/thing.json#"}
            ]
        }),
    );
    write(
        "schemas/fake/v1/thing.json",
        json!({
            "$id": "/schemas/fake/v1/thing.json#",
            "type": "object",
            "properties": {"name": {"type": "string"}, "count": {"type": "integer"}},
            "required": ["name"]
        }),
    );
}

fn generate(dir: &Path) -> (bool, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args([
            "generate",
            "--references",
            "references",
            "--out",
            "generated",
        ])
        .current_dir(dir)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stderr).into_owned()
        + &String::from_utf8_lossy(&output.stdout);
    (output.status.success(), text)
}

fn edit(path: &Path, edit: impl FnOnce(&mut Value)) {
    let mut doc: Value = serde_json::from_slice(&fs::read(path).unwrap()).unwrap();
    edit(&mut doc);
    fs::write(path, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
}

fn thing(refs: &Path) -> std::path::PathBuf {
    refs.join("schemas/fake/v1/thing.json")
}

fn api(refs: &Path) -> std::path::PathBuf {
    refs.join("fake/v1/api.json")
}

/// Generates the fixture, breaks it with `break_it`, and checks the promise; `expected` is the
/// whole one-line error after `error: `.
fn refused(break_it: impl FnOnce(&Path), expected: &str) {
    let dir = tempfile::tempdir().unwrap();
    let refs = dir.path().join("references");
    write_fixture(&refs);
    let (ok, text) = generate(dir.path());
    assert!(ok, "the fixture generates: {text}");
    let before = read_tree(&dir.path().join("generated"));

    break_it(&refs);
    let (ok, text) = generate(dir.path());
    assert!(!ok, "must fail, got: {text}");
    assert_eq!(
        text,
        format!("error: {expected}\n"),
        "the one line, and nothing else"
    );
    assert_eq!(
        read_tree(&dir.path().join("generated")),
        before,
        "generated/ must be left as it was"
    );
}

#[test]
fn a_schema_that_is_not_an_object() {
    for (value, kind) in [
        (json!([1]), "an array"),
        (json!(5), "a number"),
        (json!(null), "null"),
    ] {
        refused(
            |refs| fs::write(thing(refs), value.to_string()).unwrap(),
            &format!(
                "references/schemas/fake/v1/thing.json: a schema must be an object or a boolean, \
                 not {kind}"
            ),
        );
    }
}

#[test]
fn a_property_that_is_not_a_schema() {
    refused(
        |refs| {
            edit(&thing(refs), |d| {
                d["properties"]["count"] = json!("integer")
            })
        },
        "references/schemas/fake/v1/thing.json: /properties/count: a schema must be an object or \
         a boolean, not a string",
    );
}

#[test]
fn a_ref_that_is_not_a_string() {
    refused(
        |refs| {
            edit(&thing(refs), |d| {
                d["properties"]["name"] = json!({"$ref": 5})
            })
        },
        "references/schemas/fake/v1/thing.json: /properties/name/$ref: `$ref` must be a string, \
         not a number",
    );
}

#[test]
fn properties_that_are_not_an_object() {
    refused(
        |refs| edit(&thing(refs), |d| d["properties"] = json!(["name"])),
        "references/schemas/fake/v1/thing.json: /properties: `properties` must be an object, not \
         an array",
    );
}

#[test]
fn an_unknown_type_name() {
    refused(
        |refs| {
            edit(&thing(refs), |d| {
                d["properties"]["name"]["type"] = json!("strnig")
            })
        },
        "references/schemas/fake/v1/thing.json: /properties/name/type: unknown `type` \"strnig\": \
         expected one of null, boolean, object, array, number, string, integer",
    );
}

#[test]
fn an_empty_enum() {
    refused(
        |refs| {
            edit(&thing(refs), |d| {
                d["properties"]["name"]["enum"] = json!([])
            })
        },
        "references/schemas/fake/v1/thing.json: /properties/name/enum: `enum` is empty: no value \
         can match",
    );
}

#[test]
fn a_schema_that_is_only_a_reference_to_itself() {
    refused(
        |refs| {
            fs::write(
                thing(refs),
                r##"{"$id": "/schemas/fake/v1/thing.json#", "$ref": "#"}"##,
            )
            .unwrap()
        },
        "references/schemas/fake/v1/thing.json: a `$ref` cycle with no object in between: \
         references/schemas/fake/v1/thing.json# → references/schemas/fake/v1/thing.json#",
    );
}

#[test]
fn references_that_go_round_in_a_circle() {
    refused(
        |refs| {
            fs::write(
                thing(refs),
                r#"{"$id": "/schemas/fake/v1/thing.json#", "$ref": "other.json#"}"#,
            )
            .unwrap();
            fs::write(
                refs.join("schemas/fake/v1/other.json"),
                r#"{"$id": "/schemas/fake/v1/other.json#", "$ref": "thing.json#"}"#,
            )
            .unwrap();
        },
        "references/schemas/fake/v1/thing.json: a `$ref` cycle with no object in between: \
         references/schemas/fake/v1/thing.json# → references/schemas/fake/v1/thing.json#",
    );
}

#[test]
fn bytes_that_are_not_utf8() {
    refused(
        |refs| fs::write(thing(refs), b"{\"title\": \"caf\xe9\"}").unwrap(),
        "references/schemas/fake/v1/thing.json: not UTF-8: invalid bytes at byte offset 14",
    );
}

#[test]
fn a_listed_file_that_is_missing() {
    refused(
        |refs| {
            edit(&refs.join("manifest.json"), |d| {
                d["references"]
                    .as_array_mut()
                    .unwrap()
                    .push(json!("/references/gone/v1/api.json"))
            })
        },
        "references/manifest.json: /references/1: lists references/gone/v1/api.json, which does \
         not exist",
    );
}

#[test]
fn service_names_taskcluster_would_refuse() {
    for name in [
        "fake service",
        "fäke",
        "Fake",
        "",
        "fake-service-with-a-far-too-long-name",
    ] {
        refused(
            |refs| edit(&api(refs), |d| d["serviceName"] = json!(name)),
            &format!(
                "references/fake/v1/api.json: /serviceName: {name:?} is not a Taskcluster service \
                 name (lower-case ASCII letters, digits, `-` and `_`, starting with a letter, at \
                 most 22 characters)"
            ),
        );
    }
}

#[test]
fn an_api_version_that_is_not_one() {
    refused(
        |refs| edit(&api(refs), |d| d["apiVersion"] = json!("1.0")),
        "references/fake/v1/api.json: /apiVersion: \"1.0\" is not an API version like \"v1\"",
    );
}

#[test]
fn a_method_name_that_is_not_one() {
    refused(
        |refs| edit(&api(refs), |d| d["entries"][1]["name"] = json!("get thing")),
        "references/fake/v1/api.json: /entries/1/name: \"get thing\" is not a method name",
    );
}

#[test]
fn references_in_a_circle_inside_a_property() {
    refused(
        |refs| {
            edit(&thing(refs), |d| {
                d["properties"]["count"] = json!({"$ref": "a.json#"})
            });
            fs::write(
                refs.join("schemas/fake/v1/a.json"),
                r#"{"$id": "/schemas/fake/v1/a.json#", "$ref": "b.json#"}"#,
            )
            .unwrap();
            fs::write(
                refs.join("schemas/fake/v1/b.json"),
                r#"{"$id": "/schemas/fake/v1/b.json#", "$ref": "a.json#"}"#,
            )
            .unwrap();
        },
        "references/schemas/fake/v1/a.json: a schema that refers to itself without being an \
         object or union",
    );
}
