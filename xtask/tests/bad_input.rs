//! The generator's promise on bad input, as the `xtask` binary keeps it: a non-zero exit, one
//! line naming the file and the JSON path, no panic output, and the output directory exactly as
//! it was. The classes of bad input themselves (every kind of broken schema, route, name) are
//! checked in process by `codegen/tests/bad_input.rs`; here the pinned references are broken
//! twice, once in a schema and once in the manifest.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};

mod common;
use common::read_tree;

/// The pinned references, copied into `dir/references`.
fn copy_references(dir: &Path) -> PathBuf {
    fn copy(from: &Path, to: &Path) {
        fs::create_dir_all(to).unwrap();
        for entry in fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            let target = to.join(entry.file_name());
            if entry.file_type().unwrap().is_dir() {
                copy(&entry.path(), &target);
            } else {
                fs::copy(entry.path(), target).unwrap();
            }
        }
    }
    let refs = dir.join("references");
    copy(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../references"),
        &refs,
    );
    refs
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

/// Generates the references, breaks them with `break_it`, and checks the promise; `expected`
/// is the whole one-line error after `error: `.
fn refused(break_it: impl FnOnce(&Path), expected: &str) {
    let dir = tempfile::tempdir().unwrap();
    let refs = copy_references(dir.path());
    let (ok, text) = generate(dir.path());
    assert!(ok, "the pinned references generate: {text}");
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
fn a_broken_schema_and_a_missing_file() {
    refused(
        |refs| {
            edit(&refs.join("schemas/queue/v1/task-metadata.json"), |d| {
                d["properties"] = json!(["name"])
            })
        },
        "references/schemas/queue/v1/task-metadata.json: /properties: `properties` must be an \
         object, not an array",
    );
    refused(
        |refs| {
            edit(&refs.join("manifest.json"), |d| {
                d["references"]
                    .as_array_mut()
                    .unwrap()
                    .push(json!("/references/gone/v1/api.json"))
            })
        },
        "references/manifest.json: /references/41: lists references/gone/v1/api.json, which \
         does not exist",
    );
}
