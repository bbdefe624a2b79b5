//! `cargo xtask generate` on bad input: each case must fail with a message naming the file and
//! the JSON path, exit non-zero, and leave the output crate exactly as it was.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

mod common;
use common::read_tree;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Runs `xtask generate --references references --out generated` in `dir`.
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

fn edit_json(path: &Path, edit: impl FnOnce(&mut Value)) {
    let mut doc: Value = serde_json::from_slice(&fs::read(path).unwrap()).unwrap();
    edit(&mut doc);
    fs::write(path, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
}

/// Generates a good crate in a scratch copy of `references/`, breaks the references with
/// `break_it`, and checks that generation then fails with `expected` and changes nothing.
fn fails_cleanly(break_it: impl FnOnce(&Path), expected: &str) {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(
        &workspace().join("references"),
        &dir.path().join("references"),
    );
    let (ok, text) = generate(dir.path());
    assert!(ok, "the unbroken references generate: {text}");
    // A hand-written file beside the generated ones must survive too.
    fs::create_dir_all(dir.path().join("generated/tests")).unwrap();
    fs::write(dir.path().join("generated/tests/mine.rs"), "// mine\n").unwrap();
    let before = read_tree(&dir.path().join("generated"));

    break_it(&dir.path().join("references"));
    let (ok, text) = generate(dir.path());
    assert!(!ok, "broken references must fail, got: {text}");
    assert!(
        text.contains(expected),
        "error should contain {expected:?}, got: {text}"
    );
    assert!(!text.contains("panicked"), "no panic: {text}");
    assert_eq!(
        read_tree(&dir.path().join("generated")),
        before,
        "generated/ must be left as it was"
    );
    let leftovers: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n.to_string_lossy().starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "staging left behind: {leftovers:?}");
}

fn queue_api(refs: &Path) -> PathBuf {
    refs.join("queue/v1/api.json")
}

fn entry_index(refs: &Path, name: &str) -> usize {
    let doc: Value = serde_json::from_slice(&fs::read(queue_api(refs)).unwrap()).unwrap();
    doc["entries"]
        .as_array()
        .unwrap()
        .iter()
        .position(|e| e["name"] == name)
        .unwrap()
}

#[test]
fn malformed_json_names_the_file_and_position() {
    fails_cleanly(
        |refs| fs::write(queue_api(refs), "{\"entries\": [\n  {,\n").unwrap(),
        "references/queue/v1/api.json: malformed JSON at line 2 column 4",
    );
}

#[test]
fn missing_schema_names_the_entry_that_uses_it() {
    let refs = workspace().join("references");
    let i = entry_index(&refs, "createTask");
    fails_cleanly(
        |refs| {
            edit_json(&queue_api(refs), |doc| {
                doc["entries"][i]["input"] = "v1/no-such-schema.json#".into();
            })
        },
        &format!(
            "references/queue/v1/api.json: /entries/{i}/input: schema \"v1/no-such-schema.json#\" not found"
        ),
    );
}

#[test]
fn dangling_ref_names_the_schema_and_pointer() {
    fails_cleanly(
        |refs| {
            edit_json(
                &refs.join("schemas/queue/v1/task-status-response.json"),
                |doc| {
                    doc["properties"]["status"] = serde_json::json!({"$ref": "nowhere.json#"});
                },
            )
        },
        "references/schemas/queue/v1/task-status-response.json: /properties/status/$ref: schema \"/schemas/queue/v1/nowhere.json#\" not found",
    );
}

#[test]
fn entry_without_route_is_refused() {
    let refs = workspace().join("references");
    let i = entry_index(&refs, "task");
    fails_cleanly(
        |refs| {
            edit_json(&queue_api(refs), |doc| {
                doc["entries"][i].as_object_mut().unwrap().remove("route");
            })
        },
        &format!("references/queue/v1/api.json: /entries/{i}: missing field `route`"),
    );
}

#[test]
fn duplicate_method_name_is_refused() {
    let refs = workspace().join("references");
    let first = entry_index(&refs, "task");
    let second = entry_index(&refs, "status");
    fails_cleanly(
        |refs| {
            edit_json(&queue_api(refs), |doc| {
                doc["entries"][second]["name"] = "task".into();
            })
        },
        &format!(
            "references/queue/v1/api.json: /entries/{second}/name: method name \"task\" is already used by /entries/{first}"
        ),
    );
}

#[test]
fn route_parameter_missing_from_args_is_refused() {
    let refs = workspace().join("references");
    let i = entry_index(&refs, "task");
    fails_cleanly(
        |refs| {
            edit_json(&queue_api(refs), |doc| {
                doc["entries"][i]["args"] = serde_json::json!([]);
            })
        },
        &format!(
            "references/queue/v1/api.json: /entries/{i}/route: route parameter <taskId> is not in args"
        ),
    );
}
