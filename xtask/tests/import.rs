//! `cargo xtask import-references`: from a bundle, a directory and a root URL (served by a small
//! HTTP server on 127.0.0.1), and its failures, which must leave the destination untouched.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use serde_json::{Value, json};

mod common;
use common::read_tree;
use xtask::import::{SourceKind, import};

fn bundle_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/references/taskcluster/v106.0.0.json")
}

/// The v106 bundle as served path -> document.
fn bundle() -> BTreeMap<String, Value> {
    let text = fs::read(bundle_path()).expect("read the v106 bundle");
    let entries: Vec<Value> = serde_json::from_slice(&text).unwrap();
    entries
        .into_iter()
        .map(|mut e| {
            let name = e["filename"].as_str().unwrap().to_string();
            (name, e["content"].take())
        })
        .collect()
}

fn pretty(doc: &Value) -> Vec<u8> {
    let mut bytes = serde_json::to_vec_pretty(doc).unwrap();
    bytes.push(b'\n');
    bytes
}

/// Where the importer puts a served path.
fn dest_name(served: &str) -> String {
    served
        .strip_prefix("references/")
        .unwrap_or(served)
        .to_string()
}

fn lock(tree: &BTreeMap<String, Vec<u8>>) -> Value {
    serde_json::from_slice(&tree["source.json"]).unwrap()
}

fn without_lock(mut tree: BTreeMap<String, Vec<u8>>) -> BTreeMap<String, Vec<u8>> {
    tree.remove("source.json");
    tree
}

/// A tiny HTTP/1.1 server on 127.0.0.1 serving `files` (path -> body); 404 for anything else.
fn serve(files: HashMap<String, Vec<u8>>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let root = format!("http://{}", listener.local_addr().unwrap());
    let files = Arc::new(files);
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let files = Arc::clone(&files);
            thread::spawn(move || respond(stream, &files));
        }
    });
    root
}

fn respond(mut stream: TcpStream, files: &HashMap<String, Vec<u8>>) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let Ok(read_half) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(read_half);
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
        return;
    }
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
    }
    let path = request_line.split_whitespace().nth(1).unwrap_or("/");
    let (status, body) = match files.get(path) {
        Some(body) => ("200 OK", body.clone()),
        None => ("404 Not Found", b"{\"message\": \"not found\"}".to_vec()),
    };
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(&body);
}

/// The bundle served as a deployment would: `/references/...`, `/schemas/...`.
fn served_bundle() -> HashMap<String, Vec<u8>> {
    bundle()
        .iter()
        .map(|(name, doc)| (format!("/{name}"), pretty(doc)))
        .collect()
}

fn strip_fragment(reference: &str) -> &str {
    reference.split('#').next().unwrap()
}

/// Served path (without leading `/`) of a `$ref` in the schema whose `$id` is `id`; `None` for
/// same-document and external references.
fn ref_target(id: &str, reference: &str) -> Option<String> {
    let reference = strip_fragment(reference);
    if reference.is_empty() || reference.contains("://") {
        return None;
    }
    let reference = reference.trim_start_matches("./");
    if let Some(absolute) = reference.strip_prefix('/') {
        return Some(absolute.to_string());
    }
    let dir = strip_fragment(id)
        .trim_start_matches('/')
        .rsplit_once('/')
        .unwrap()
        .0;
    Some(format!("{dir}/{reference}"))
}

fn refs_of(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, value) in map {
                if let (true, Some(r)) = (key == "$ref", value.as_str()) {
                    out.push(r.to_string());
                }
                refs_of(value, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| refs_of(v, out)),
        _ => {}
    }
}

/// The schemas reachable from the bundle's references: entries' `input`/`output`/`schema`,
/// `$ref`s transitively, and `/schemas/common/` metaschemas named by `$schema`.
fn reachable_schemas(bundle: &BTreeMap<String, Value>) -> BTreeSet<String> {
    let mut todo = Vec::new();
    let meta = |doc: &Value, todo: &mut Vec<String>| {
        if let Some(s) = doc["$schema"].as_str()
            && let Some(path) = strip_fragment(s).strip_prefix('/')
            && path.starts_with("schemas/common/")
            && bundle.contains_key(path)
        {
            todo.push(path.to_string());
        }
    };
    for (name, doc) in bundle.iter().filter(|(n, _)| n.starts_with("references/")) {
        meta(doc, &mut todo);
        let entries = doc["entries"].as_array().cloned().unwrap_or_default();
        for entry in entries {
            for key in ["input", "output", "schema"] {
                if let Some(s) = entry[key].as_str() {
                    let service = doc["serviceName"].as_str().expect(name);
                    todo.push(format!("schemas/{service}/{}", strip_fragment(s)));
                }
            }
        }
    }
    let mut seen = BTreeSet::new();
    while let Some(path) = todo.pop() {
        if !seen.insert(path.clone()) {
            continue;
        }
        let doc = bundle
            .get(&path)
            .unwrap_or_else(|| panic!("bundle lacks {path}"));
        meta(doc, &mut todo);
        let id = doc["$id"].as_str().unwrap();
        let mut refs = Vec::new();
        refs_of(doc, &mut refs);
        todo.extend(refs.iter().filter_map(|r| ref_target(id, r)));
    }
    seen
}

/// A destination `references/` holding one sentinel file, in a fresh temporary directory.
fn sentinel_dest() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dest = tmp.path().join("references");
    fs::create_dir(&dest).unwrap();
    fs::write(dest.join("sentinel.txt"), "keep me\n").unwrap();
    (tmp, dest)
}

/// The sentinel destination is exactly as it was, with nothing left beside it.
fn assert_untouched(tmp: &tempfile::TempDir, dest: &Path) {
    let tree = read_tree(dest);
    assert_eq!(tree.len(), 1, "{:?}", tree.keys().collect::<Vec<_>>());
    assert_eq!(tree["sentinel.txt"], b"keep me\n");
    let siblings: Vec<_> = fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(siblings, ["references"]);
}

#[test]
fn imports_the_v106_bundle() {
    let (tmp, dest) = sentinel_dest();
    let source = bundle_path().to_str().unwrap().to_string();
    let summary = import(&source, &dest).unwrap();
    assert_eq!(summary.kind, SourceKind::Bundle);
    assert_eq!(summary.documents, 246);
    assert_eq!(summary.references, 42); // manifest + 41 listed references
    assert_eq!(summary.listed, 41);
    assert_eq!(summary.schemas, 204);

    let tree = read_tree(&dest);
    assert!(
        !tree.contains_key("sentinel.txt"),
        "old contents are replaced"
    );
    assert_eq!(
        tree.keys().filter(|k| k.starts_with("schemas/")).count(),
        204
    );
    assert_eq!(
        tree.keys()
            .filter(|k| !k.starts_with("schemas/") && *k != "source.json")
            .count(),
        42
    );
    for (name, doc) in bundle() {
        assert_eq!(tree[&dest_name(&name)], pretty(&doc), "{name}");
    }

    // A known document, as served: key order kept, 2-space indent, trailing newline.
    let queue = std::str::from_utf8(&tree["queue/v1/api.json"]).unwrap();
    assert!(queue.starts_with(
        "{\n  \"$schema\": \"/schemas/common/api-reference-v0.json#\",\n  \"apiVersion\": \"v1\",\n"
    ));
    assert!(queue.ends_with("}\n"));
    let queue: Value = serde_json::from_str(queue).unwrap();
    assert_eq!(queue["serviceName"], "queue");
    let create_task = queue["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "createTask")
        .unwrap();
    assert_eq!(create_task["input"], "v1/create-task-request.json#");
    assert_eq!(create_task["method"], "put");
    assert!(tree.contains_key("schemas/queue/v1/create-task-request.json"));
    assert!(tree.contains_key("manifest.json"));

    let lock = lock(&tree);
    assert_eq!(lock["source"], source.as_str());
    assert_eq!(lock["kind"], "bundle");
    assert_eq!(lock["documents"], 246);
    assert_eq!(lock["sha256"], summary.sha256.as_str());
    assert_eq!(summary.sha256.len(), 64);
    let keys: Vec<_> = lock.as_object().unwrap().keys().cloned().collect();
    assert_eq!(keys, ["source", "kind", "sha256", "documents"]);

    // Re-importing is byte-identical and leaves nothing beside the destination.
    import(&source, &dest).unwrap();
    assert_eq!(read_tree(&dest), tree);
    let siblings: Vec<_> = fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(siblings, ["references"]);
}

#[test]
fn imports_a_directory_like_the_bundle() {
    let tmp = tempfile::tempdir().unwrap();
    let served = tmp.path().join("deployment");
    for (name, doc) in bundle() {
        let path = served.join(&name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, pretty(&doc)).unwrap();
    }
    // Files that are not JSON documents are ignored.
    fs::write(served.join("references/README.txt"), "not a document").unwrap();

    let from_bundle = tmp.path().join("a/references");
    let from_dir = tmp.path().join("b/references");
    let bundle_summary = import(bundle_path().to_str().unwrap(), &from_bundle).unwrap();
    let dir_summary = import(served.to_str().unwrap(), &from_dir).unwrap();
    assert_eq!(dir_summary.kind, SourceKind::Directory);
    assert_eq!(dir_summary.documents, 246);
    assert_eq!(dir_summary.sha256, bundle_summary.sha256);

    let (a, b) = (read_tree(&from_bundle), read_tree(&from_dir));
    assert_eq!(lock(&b)["kind"], "directory");
    assert_eq!(lock(&a)["sha256"], lock(&b)["sha256"]);
    assert_eq!(without_lock(a), without_lock(b));
}

#[test]
fn imports_a_root_url() {
    let bundle = bundle();
    let root = serve(served_bundle());
    let tmp = tempfile::tempdir().unwrap();
    let dest = tmp.path().join("references");
    let summary = import(&root, &dest).unwrap();
    assert_eq!(summary.kind, SourceKind::RootUrl);
    let tree = read_tree(&dest);

    // Every reference document (the manifest lists them all), identical to the bundle's.
    let references: Vec<_> = bundle
        .keys()
        .filter(|k| k.starts_with("references/"))
        .collect();
    for name in &references {
        assert_eq!(tree[&dest_name(name)], pretty(&bundle[*name]), "{name}");
    }

    // Exactly the reachable schemas, each identical to the bundle's.
    let reachable = reachable_schemas(&bundle);
    let imported: BTreeSet<String> = tree
        .keys()
        .filter(|k| k.starts_with("schemas/"))
        .cloned()
        .collect();
    assert_eq!(imported, reachable);
    assert!(reachable.len() < 204, "v106 has unreachable schemas");
    for name in &imported {
        assert_eq!(tree[name], pretty(&bundle[name]), "{name}");
    }
    assert_eq!(tree.len(), references.len() + reachable.len() + 1);
    assert_eq!(summary.documents, references.len() + reachable.len());
    assert_eq!(summary.schemas, reachable.len());

    // Every `$ref` target is there, and so is every entry's schema.
    for name in &imported {
        let doc: Value = serde_json::from_slice(&tree[name]).unwrap();
        let mut refs = Vec::new();
        refs_of(&doc, &mut refs);
        for r in refs {
            if let Some(target) = ref_target(doc["$id"].as_str().unwrap(), &r) {
                assert!(
                    tree.contains_key(&target),
                    "{name}: $ref {r} -> {target} missing"
                );
            }
        }
    }
    let queue: Value = serde_json::from_slice(&tree["queue/v1/api.json"]).unwrap();
    for entry in queue["entries"].as_array().unwrap() {
        for key in ["input", "output"] {
            if let Some(s) = entry[key].as_str() {
                assert!(tree.contains_key(&format!("schemas/queue/{}", strip_fragment(s))));
            }
        }
    }
    assert!(tree.contains_key("schemas/common/api-reference-v0.json"));
    assert!(tree.contains_key("schemas/common/metaschema.json"));

    let lock = lock(&tree);
    assert_eq!(lock["source"], root.as_str());
    assert_eq!(lock["kind"], "root-url");
}

#[test]
fn root_url_maps_absolute_manifest_urls_and_skips_unserved_metaschemas() {
    let doc = |v: Value| pretty(&v);
    let files: HashMap<String, Vec<u8>> = [
        (
            "/references/manifest.json",
            doc(json!({
                "$schema": "/schemas/common/manifest-v3.json#",
                "references": ["https://tc.example.com/references/svc/v1/api.json"]
            })),
        ),
        (
            "/references/svc/v1/api.json",
            doc(json!({
                "$schema": "/schemas/common/api-reference-v0.json#",
                "serviceName": "svc",
                "entries": [{"name": "a", "input": "v1/a.json#", "output": "v1/a.json#"}]
            })),
        ),
        (
            "/schemas/svc/v1/a.json",
            doc(json!({
                "$schema": "/schemas/common/metaschema.json#",
                "$id": "/schemas/svc/v1/a.json#",
                "properties": {
                    "b": {"$ref": "b.json#/definitions/x"},
                    "self": {"$ref": "#/properties/b"},
                    "any": {"$ref": "http://json-schema.org/draft-06/schema#"}
                }
            })),
        ),
        (
            "/schemas/svc/v1/b.json",
            doc(
                json!({"$id": "/schemas/svc/v1/b.json#", "definitions": {"x": {"type": "string"}}}),
            ),
        ),
        (
            "/schemas/svc/v1/unused.json",
            doc(json!({"$id": "/schemas/svc/v1/unused.json#"})),
        ),
        (
            "/schemas/common/metaschema.json",
            doc(json!({"$id": "/schemas/common/metaschema.json#"})),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let root = serve(files.clone());
    let tmp = tempfile::tempdir().unwrap();
    let dest = tmp.path().join("references");
    let summary = import(&format!("{root}/"), &dest).unwrap();
    let tree = read_tree(&dest);
    assert_eq!(
        tree.keys().map(String::as_str).collect::<Vec<_>>(),
        [
            "manifest.json",
            "schemas/common/metaschema.json",
            "schemas/svc/v1/a.json",
            "schemas/svc/v1/b.json",
            "source.json",
            "svc/v1/api.json",
        ]
    );
    assert_eq!(
        tree["schemas/svc/v1/a.json"],
        files["/schemas/svc/v1/a.json"]
    );
    assert_eq!(
        (summary.documents, summary.schemas, summary.listed),
        (5, 3, 1)
    );
}

#[test]
fn malformed_bundle_fails_and_leaves_the_destination() {
    let (tmp, dest) = sentinel_dest();
    let sources = tempfile::tempdir().unwrap();

    let truncated = sources.path().join("truncated.json");
    fs::write(
        &truncated,
        r#"[{"filename": "references/manifest.json", "content": {"#,
    )
    .unwrap();
    let truncated = truncated.to_str().unwrap();
    let err = import(truncated, &dest).unwrap_err().to_string();
    assert!(
        err.starts_with(&format!("{truncated}: invalid JSON")),
        "{err}"
    );
    assert_untouched(&tmp, &dest);

    let no_filename = sources.path().join("no-filename.json");
    fs::write(
        &no_filename,
        r#"[{"filename": "references/manifest.json", "content": {"references": []}}, {"content": {}}]"#,
    )
    .unwrap();
    let no_filename = no_filename.to_str().unwrap();
    let err = import(no_filename, &dest).unwrap_err().to_string();
    assert_eq!(err, format!("{no_filename}: entry 1: missing \"filename\""));
    assert_untouched(&tmp, &dest);

    let escaping = sources.path().join("escaping.json");
    fs::write(
        &escaping,
        r#"[{"filename": "schemas/../../x.json", "content": {}}]"#,
    )
    .unwrap();
    let err = import(escaping.to_str().unwrap(), &dest)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("entry 0") && err.contains("not a plain relative path"),
        "{err}"
    );
    assert_untouched(&tmp, &dest);

    let unlisted = sources.path().join("unlisted.json");
    fs::write(
        &unlisted,
        r#"[{"filename": "references/manifest.json", "content": {"references": ["/references/q/v1/api.json"]}}]"#,
    )
    .unwrap();
    let err = import(unlisted.to_str().unwrap(), &dest)
        .unwrap_err()
        .to_string();
    assert!(err.contains("lists /references/q/v1/api.json"), "{err}");
    assert_untouched(&tmp, &dest);
}

#[test]
fn missing_reference_on_the_server_fails_and_leaves_the_destination() {
    let (tmp, dest) = sentinel_dest();
    let mut files = served_bundle();
    files.remove("/references/queue/v1/api.json");
    let root = serve(files);
    let err = import(&root, &dest).unwrap_err().to_string();
    assert!(
        err.starts_with(&format!("{root}/references/queue/v1/api.json: HTTP 404")),
        "{err}"
    );
    assert_untouched(&tmp, &dest);

    // A missing schema names the document that references it.
    let mut files = served_bundle();
    files.remove("/schemas/queue/v1/task-run.json");
    let root = serve(files);
    let err = import(&root, &dest).unwrap_err().to_string();
    assert!(
        err.starts_with(&format!(
            "{root}/schemas/queue/v1/task-run.json: HTTP 404 (referenced by /schemas/queue/v1/"
        )),
        "{err}"
    );
    assert_untouched(&tmp, &dest);

    // No deployment at all.
    let root = serve(HashMap::new());
    let err = import(&root, &dest).unwrap_err().to_string();
    assert_eq!(err, format!("{root}/references/manifest.json: HTTP 404"));
    assert_untouched(&tmp, &dest);
}

#[test]
fn missing_source_fails_and_leaves_the_destination() {
    let (tmp, dest) = sentinel_dest();
    let missing = tmp.path().join("no-such-bundle.json");
    let missing = missing.to_str().unwrap();
    let err = import(missing, &dest).unwrap_err().to_string();
    assert!(err.starts_with(&format!("{missing}: ")), "{err}");
    fs::remove_file(tmp.path().join("no-such-bundle.json")).ok();
    assert_untouched(&tmp, &dest);

    // A directory without a manifest is not a source either.
    let empty = tempfile::tempdir().unwrap();
    let err = import(empty.path().to_str().unwrap(), &dest)
        .unwrap_err()
        .to_string();
    assert!(err.contains("not a references directory"), "{err}");
    assert_untouched(&tmp, &dest);
}

/// Rucio's spec is pinned under `references/rucio/` by its own import; a Taskcluster import
/// replaces everything else and leaves it byte for byte, and the spec's import checks it first.
#[test]
fn the_openapi_spec_is_pinned_beside_and_kept() {
    let tmp = tempfile::tempdir().unwrap();
    let dest = tmp.path().join("references");
    let spec = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/references/rucio/rest_api_doc_spec.yaml");
    let said = xtask::import::import_openapi(&spec, &dest).unwrap();
    assert!(said.contains("179 operations"), "{said}");
    let pinned = dest.join("rucio/rest_api_doc_spec.yaml");
    assert_eq!(fs::read(&pinned).unwrap(), fs::read(&spec).unwrap());

    import(bundle_path().to_str().unwrap(), &dest).unwrap();
    assert_eq!(fs::read(&pinned).unwrap(), fs::read(&spec).unwrap());
    assert!(dest.join("manifest.json").exists());

    // A spec the front end refuses is not pinned.
    let bad = tmp.path().join("bad.yaml");
    fs::write(&bad, "openapi: 2.0\npaths: {}\n").unwrap();
    let err = xtask::import::import_openapi(&bad, &dest).unwrap_err();
    assert!(format!("{err:#}").contains("bad.yaml"), "{err:#}");
    assert!(!dest.join("rucio/bad.yaml").exists());
}
