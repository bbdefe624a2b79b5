//! The generator's errors on broken references, in process: each names the file and the JSON
//! path of the fault. (`xtask/tests/bad_input.rs` checks the command's side of the promise:
//! the one line it prints, its exit status, the output crate left alone.)

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

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

fn edit(path: &Path, edit: impl FnOnce(&mut Value)) {
    let mut doc: Value = serde_json::from_slice(&fs::read(path).unwrap()).unwrap();
    edit(&mut doc);
    fs::write(path, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
}

const THING: &str = "schemas/fake/v1/thing.json";
const API: &str = "fake/v1/api.json";

/// Writes the fixture, checks that stages 1–4 take it, breaks it with `break_it`, and checks
/// that `generate` refuses it with an error at `file` (relative to the references), `pointer`,
/// saying `message` (where `{refs}` stands for the references directory).
fn refused(break_it: impl FnOnce(&Path), file: &str, pointer: &str, message: &str) {
    let dir = tempfile::tempdir().unwrap();
    let refs = dir.path().join("references");
    write_fixture(&refs);
    let loaded = tc_codegen::load::load(&refs).unwrap_or_else(|e| panic!("the fixture: {e}"));
    for service in tc_codegen::services(&loaded).unwrap_or_else(|e| panic!("the fixture: {e}")) {
        tc_codegen::typedefs::build("fake", &service).unwrap_or_else(|e| panic!("{e}"));
    }

    break_it(&refs);
    let e = match tc_codegen::generate(&refs) {
        Ok(_) => panic!("generated from broken references; expected {file}: {message}"),
        Err(e) => e,
    };
    let message = message.replace("{refs}", &refs.display().to_string());
    assert_eq!(
        (&e.file, e.pointer.as_str(), e.message.as_str()),
        (&refs.join(file), pointer, message.as_str()),
        "{e}"
    );
}

#[test]
fn the_fixture_generates() {
    let dir = tempfile::tempdir().unwrap();
    write_fixture(dir.path());
    let generated = tc_codegen::generate(dir.path()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(generated.summary.services, 1);
    assert_eq!(generated.summary.methods, 3);
    assert!(
        generated
            .files
            .contains_key(&PathBuf::from("src/fake/types.rs"))
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
            |refs| fs::write(refs.join(THING), value.to_string()).unwrap(),
            THING,
            "",
            &format!("a schema must be an object or a boolean, not {kind}"),
        );
    }
}

#[test]
fn a_property_that_is_not_a_schema() {
    refused(
        |refs| {
            edit(&refs.join(THING), |d| {
                d["properties"]["count"] = json!("integer")
            })
        },
        THING,
        "/properties/count",
        "a schema must be an object or a boolean, not a string",
    );
}

#[test]
fn a_ref_that_is_not_a_string() {
    refused(
        |refs| {
            edit(&refs.join(THING), |d| {
                d["properties"]["name"] = json!({"$ref": 5})
            })
        },
        THING,
        "/properties/name/$ref",
        "`$ref` must be a string, not a number",
    );
}

#[test]
fn properties_that_are_not_an_object() {
    refused(
        |refs| edit(&refs.join(THING), |d| d["properties"] = json!(["name"])),
        THING,
        "/properties",
        "`properties` must be an object, not an array",
    );
}

#[test]
fn an_unknown_type_name() {
    refused(
        |refs| {
            edit(&refs.join(THING), |d| {
                d["properties"]["name"]["type"] = json!("strnig")
            })
        },
        THING,
        "/properties/name/type",
        "unknown `type` \"strnig\": expected one of null, boolean, object, array, number, \
         string, integer",
    );
}

#[test]
fn an_empty_enum() {
    refused(
        |refs| {
            edit(&refs.join(THING), |d| {
                d["properties"]["name"]["enum"] = json!([])
            })
        },
        THING,
        "/properties/name/enum",
        "`enum` is empty: no value can match",
    );
}

#[test]
fn a_schema_that_is_only_a_reference_to_itself() {
    refused(
        |refs| {
            fs::write(
                refs.join(THING),
                r##"{"$id": "/schemas/fake/v1/thing.json#", "$ref": "#"}"##,
            )
            .unwrap()
        },
        THING,
        "",
        "a `$ref` cycle with no object in between: {refs}/schemas/fake/v1/thing.json# → \
         {refs}/schemas/fake/v1/thing.json#",
    );
}

#[test]
fn references_that_go_round_in_a_circle() {
    refused(
        |refs| {
            fs::write(
                refs.join(THING),
                r#"{"$id": "/schemas/fake/v1/thing.json#", "$ref": "other.json#"}"#,
            )
            .unwrap();
            fs::write(
                refs.join("schemas/fake/v1/other.json"),
                r#"{"$id": "/schemas/fake/v1/other.json#", "$ref": "thing.json#"}"#,
            )
            .unwrap();
        },
        THING,
        "",
        "a `$ref` cycle with no object in between: {refs}/schemas/fake/v1/thing.json# → \
         {refs}/schemas/fake/v1/thing.json#",
    );
}

#[test]
fn references_in_a_circle_inside_a_property() {
    refused(
        |refs| {
            edit(&refs.join(THING), |d| {
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
        "schemas/fake/v1/a.json",
        "",
        "a schema that refers to itself without being an object or union",
    );
}

#[test]
fn a_ref_to_a_schema_that_does_not_exist() {
    refused(
        |refs| {
            edit(&refs.join(API), |d| {
                d["entries"][1]["output"] = json!("v1/gone.json#")
            })
        },
        API,
        "/entries/1/output",
        "schema \"v1/gone.json#\" not found",
    );
}

#[test]
fn bytes_that_are_not_utf8() {
    refused(
        |refs| fs::write(refs.join(THING), b"{\"title\": \"caf\xe9\"}").unwrap(),
        THING,
        "",
        "not UTF-8: invalid bytes at byte offset 14",
    );
}

#[test]
fn json_that_does_not_parse() {
    refused(
        |refs| fs::write(refs.join(API), "{\"serviceName\": \"fake\",\n  oops}").unwrap(),
        API,
        "",
        "malformed JSON at line 2 column 3: key must be a string at line 2 column 3",
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
        "manifest.json",
        "/references/1",
        "lists {refs}/gone/v1/api.json, which does not exist",
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
            |refs| edit(&refs.join(API), |d| d["serviceName"] = json!(name)),
            API,
            "/serviceName",
            &format!(
                "{name:?} is not a Taskcluster service name (lower-case ASCII letters, digits, \
                 `-` and `_`, starting with a letter, at most 22 characters)"
            ),
        );
    }
}

#[test]
fn an_api_version_that_is_not_one() {
    refused(
        |refs| edit(&refs.join(API), |d| d["apiVersion"] = json!("1.0")),
        API,
        "/apiVersion",
        "\"1.0\" is not an API version like \"v1\"",
    );
}

#[test]
fn method_entries_that_are_not_methods() {
    refused(
        |refs| {
            edit(&refs.join(API), |d| {
                d["entries"][1]["name"] = json!("get thing")
            })
        },
        API,
        "/entries/1/name",
        "\"get thing\" is not a method name",
    );
    refused(
        |refs| {
            edit(&refs.join(API), |d| {
                d["entries"][2]["name"] = json!("thing")
            })
        },
        API,
        "/entries/2/name",
        "method name \"thing\" is already used by /entries/1",
    );
    refused(
        |refs| {
            edit(&refs.join(API), |d| {
                d["entries"][0]["method"] = json!("fetch")
            })
        },
        API,
        "/entries/0/method",
        "unknown HTTP method \"fetch\"",
    );
}
