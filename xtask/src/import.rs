//! `cargo xtask import-references SOURCE`: fill `references/` with Taskcluster's API references.
//!
//! A source is one of:
//! - a bundle file: a JSON array of `{"filename", "content"}` (Taskcluster's
//!   `generated/references.json`);
//! - a directory laid out as a deployment serves it (`references/manifest.json`,
//!   `references/<svc>/v1/api.json`, `schemas/<svc>/v1/*.json`, ...);
//! - a root URL (`http://...`, `https://...`): the manifest, every reference it lists, and
//!   every schema those use, transitively (plus the `/schemas/common/` metaschemas the
//!   documents name in `$schema`, when the deployment serves them).
//!
//! Bundles and directories are imported whole; a root URL yields the reachable set.
//!
//! Layout written: a served path `references/X` is written to `<dest>/X`, a served path
//! `schemas/X` to `<dest>/schemas/X`; every document as pretty JSON (2-space indent, keys in
//! their original order, trailing newline). `<dest>/source.json` records the source, its kind,
//! the number of documents and a SHA-256 over them: for each document in order of its path
//! relative to `<dest>` (with `/` separators), the bytes `<path>\n<length in bytes>\n<content>`.
//!
//! The new tree is built in a sibling directory and swapped in by renames, so a failure leaves
//! `<dest>` as it was.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// Name of the lock file written next to the documents.
pub const LOCK_FILE: &str = "source.json";

/// Served path of the manifest.
const MANIFEST: &str = "references/manifest.json";

/// How many documents are fetched at once from a root URL.
const FETCH_THREADS: usize = 8;

/// Largest document accepted from a server.
const MAX_DOCUMENT_BYTES: u64 = 64 << 20;

/// What kind of source the documents came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    Bundle,
    Directory,
    RootUrl,
}

impl SourceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Bundle => "bundle",
            SourceKind::Directory => "directory",
            SourceKind::RootUrl => "root-url",
        }
    }
}

/// What an import wrote.
#[derive(Debug, Clone)]
pub struct Summary {
    pub source: String,
    pub kind: SourceKind,
    /// Documents written (excluding the lock file).
    pub documents: usize,
    /// Documents under `references/` as served, the manifest included.
    pub references: usize,
    /// Documents under `schemas/` as served.
    pub schemas: usize,
    /// Number of reference documents the manifest lists.
    pub listed: usize,
    /// The lock file's hash over the documents.
    pub sha256: String,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "imported {} documents from {} ({}): manifest + {} references ({} listed), {} schemas\nsha256 {}",
            self.documents,
            self.source,
            self.kind.as_str(),
            self.references.saturating_sub(1),
            self.listed,
            self.schemas,
            self.sha256
        )
    }
}

/// Documents by served path (relative, e.g. `schemas/queue/v1/task.json`).
type Documents = BTreeMap<String, Value>;

/// Import `source` (bundle file, directory or root URL) into `dest`, replacing its contents.
pub fn import(source: &str, dest: &Path) -> Result<Summary> {
    let (kind, docs) = if source.starts_with("http://") || source.starts_with("https://") {
        (SourceKind::RootUrl, load_root_url(source)?)
    } else {
        let meta = fs::metadata(source).map_err(|e| anyhow!("{source}: {e}"))?;
        if meta.is_dir() {
            (SourceKind::Directory, load_directory(source)?)
        } else {
            (SourceKind::Bundle, load_bundle(source)?)
        }
    };
    let listed = check_manifest(source, kind, &docs)?;

    let mut files: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    for (served, doc) in &docs {
        let mut bytes = serde_json::to_vec_pretty(doc)
            .with_context(|| format!("{source}: {served}: cannot serialize"))?;
        bytes.push(b'\n');
        files.insert(dest_path(served).to_string(), bytes);
    }
    let sha256 = digest(&files);
    let summary = Summary {
        source: source.to_string(),
        kind,
        documents: files.len(),
        references: docs.keys().filter(|p| p.starts_with("references/")).count(),
        schemas: docs.keys().filter(|p| p.starts_with("schemas/")).count(),
        listed,
        sha256,
    };

    let mut lock = serde_json::Map::new();
    lock.insert("source".into(), source.into());
    lock.insert("kind".into(), kind.as_str().into());
    lock.insert("sha256".into(), summary.sha256.clone().into());
    lock.insert("documents".into(), summary.documents.into());
    let mut lock = serde_json::to_vec_pretty(&Value::Object(lock))?;
    lock.push(b'\n');
    files.insert(LOCK_FILE.to_string(), lock);

    // The other family's pinned input (`rucio/`, see [`import_openapi`]) stays as it is.
    for (rel, bytes) in read_tree_under(dest, OPENAPI_DIR)? {
        files.insert(rel, bytes);
    }
    write_atomically(dest, &files)?;
    Ok(summary)
}

/// Where an OpenAPI family's spec is pinned, under the references directory.
pub const OPENAPI_DIR: &str = "rucio";

/// Pins the OpenAPI description at `source` (Rucio's `rest_api_doc_spec.yaml`) as
/// `<dest>/rucio/<its file name>`, byte for byte, once the front end reads it without error.
pub fn import_openapi(source: &Path, dest: &Path) -> Result<String> {
    let spec = tc_codegen::openapi::load(source)?;
    let operations = tc_codegen::openapi::operations(&spec)?;
    let name = source
        .file_name()
        .ok_or_else(|| anyhow!("{}: not a file", source.display()))?;
    let dir = dest.join(OPENAPI_DIR);
    fs::create_dir_all(&dir).map_err(|e| anyhow!("{}: {e}", dir.display()))?;
    let bytes = fs::read(source).map_err(|e| anyhow!("{}: {e}", source.display()))?;
    let target = dir.join(name);
    let text = String::from_utf8(bytes).map_err(|_| anyhow!("{}: not UTF-8", source.display()))?;
    tc_codegen::write::write_file(&target, &text)
        .map_err(|e| anyhow!("{}: {e}", target.display()))?;
    Ok(format!(
        "imported {} ({} operations) as {}",
        source.display(),
        operations.len(),
        target.display()
    ))
}

/// The files under `dest/sub`, by path relative to `dest`.
fn read_tree_under(dest: &Path, sub: &str) -> Result<Vec<(String, Vec<u8>)>> {
    let mut out = Vec::new();
    let mut stack = vec![dest.join(sub)];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(rel) = path.strip_prefix(dest) {
                let rel = rel.to_string_lossy().replace('\\', "/");
                out.push((rel, fs::read(&path)?));
            }
        }
    }
    Ok(out)
}

/// Where a served path goes under the destination: `references/X` -> `X`, `schemas/X` -> `schemas/X`.
fn dest_path(served: &str) -> &str {
    served.strip_prefix("references/").unwrap_or(served)
}

/// Check that a served path is one we can write: relative, plain components, under
/// `references/` or `schemas/`, a `.json` file, and not colliding with the layout.
fn check_served_path(path: &str) -> Result<(), String> {
    if !(path.starts_with("references/") || path.starts_with("schemas/")) {
        return Err(format!(
            "{path:?} is neither under references/ nor under schemas/"
        ));
    }
    if !path.ends_with(".json") {
        return Err(format!("{path:?} is not a .json file"));
    }
    for component in path.split('/') {
        if component.is_empty()
            || component == "."
            || component == ".."
            || component.contains(['\\', ':', '\0'])
        {
            return Err(format!("{path:?} is not a plain relative path"));
        }
    }
    let dest = dest_path(path);
    if path.starts_with("references/") && (dest.starts_with("schemas/") || dest == LOCK_FILE) {
        return Err(format!(
            "{path:?} would collide with the layout of the references directory"
        ));
    }
    Ok(())
}

fn insert_document(docs: &mut Documents, path: String, doc: Value) -> Result<(), String> {
    check_served_path(&path)?;
    if docs.contains_key(&path) {
        return Err(format!("duplicate document {path:?}"));
    }
    docs.insert(path, doc);
    Ok(())
}

fn load_bundle(source: &str) -> Result<Documents> {
    let bytes = fs::read(source).map_err(|e| anyhow!("{source}: {e}"))?;
    let bundle: Value =
        serde_json::from_slice(&bytes).map_err(|e| anyhow!("{source}: invalid JSON: {e}"))?;
    let Value::Array(entries) = bundle else {
        bail!("{source}: expected a JSON array of {{\"filename\", \"content\"}} entries");
    };
    let mut docs = Documents::new();
    for (i, mut entry) in entries.into_iter().enumerate() {
        let Some(obj) = entry.as_object_mut() else {
            bail!("{source}: entry {i}: expected an object");
        };
        let filename = match obj.get("filename") {
            Some(Value::String(s)) => s.clone(),
            Some(_) => bail!("{source}: entry {i}: \"filename\" is not a string"),
            None => bail!("{source}: entry {i}: missing \"filename\""),
        };
        let Some(content) = obj.get_mut("content").map(Value::take) else {
            bail!("{source}: entry {i} ({filename}): missing \"content\"");
        };
        insert_document(&mut docs, filename, content)
            .map_err(|e| anyhow!("{source}: entry {i}: {e}"))?;
    }
    Ok(docs)
}

fn load_directory(source: &str) -> Result<Documents> {
    let root = Path::new(source);
    if !root.join(MANIFEST).is_file() {
        bail!("{source}: not a references directory (no {MANIFEST})");
    }
    let mut docs = Documents::new();
    for top in ["references", "schemas"] {
        let dir = root.join(top);
        if dir.is_dir() {
            walk_directory(source, &dir, top, &mut docs)?;
        }
    }
    Ok(docs)
}

fn walk_directory(source: &str, dir: &Path, served: &str, docs: &mut Documents) -> Result<()> {
    let shown = |p: &Path| format!("{source}: {}", p.display());
    let mut entries = fs::read_dir(dir)
        .map_err(|e| anyhow!("{}: {e}", shown(dir)))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| anyhow!("{}: {e}", shown(dir)))?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
            bail!("{}: file name is not UTF-8", shown(&path));
        };
        let served = format!("{served}/{name}");
        let meta = fs::metadata(&path).map_err(|e| anyhow!("{}: {e}", shown(&path)))?;
        if meta.is_dir() {
            walk_directory(source, &path, &served, docs)?;
        } else if name.ends_with(".json") {
            let bytes = fs::read(&path).map_err(|e| anyhow!("{}: {e}", shown(&path)))?;
            let doc: Value = serde_json::from_slice(&bytes)
                .map_err(|e| anyhow!("{}: invalid JSON: {e}", shown(&path)))?;
            insert_document(docs, served, doc).map_err(|e| anyhow!("{}: {e}", shown(&path)))?;
        }
    }
    Ok(())
}

/// Check the manifest lists reference documents the source has; returns how many it lists.
fn check_manifest(source: &str, kind: SourceKind, docs: &Documents) -> Result<usize> {
    let Some(manifest) = docs.get(MANIFEST) else {
        bail!("{source}: no {MANIFEST}");
    };
    let listed = manifest_references(manifest).map_err(|e| anyhow!("{source}: {MANIFEST}: {e}"))?;
    for path in &listed {
        if !docs.contains_key(path.trim_start_matches('/')) {
            bail!(
                "{source}: {MANIFEST} lists {path}, which the {} does not contain",
                kind.as_str()
            );
        }
    }
    Ok(listed.len())
}

/// The served paths (`/references/...`) of the references a manifest lists.
fn manifest_references(manifest: &Value) -> Result<Vec<String>, String> {
    let Some(list) = manifest.get("references").and_then(Value::as_array) else {
        return Err("missing \"references\" array".into());
    };
    let mut paths = Vec::new();
    for (i, url) in list.iter().enumerate() {
        let Some(url) = url.as_str() else {
            return Err(format!("references[{i}] is not a string"));
        };
        // Absolute URLs name the deployment the manifest was made for: keep only their path.
        let path = match resolve(&format!("/{MANIFEST}"), url) {
            Target::Path(p) => p,
            Target::External(p) => p,
            Target::SameDocument => return Err(format!("references[{i}] {url:?} is empty")),
            Target::Invalid(e) => return Err(format!("references[{i}]: {e}")),
        };
        if !path.starts_with("/references/") {
            return Err(format!("references[{i}] {url:?} is not under /references/"));
        }
        paths.push(path);
    }
    Ok(paths)
}

/// A reference (URL or relative path) resolved against a served path.
#[derive(Debug, PartialEq, Eq)]
enum Target {
    /// Fragment-only: the same document.
    SameDocument,
    /// A root-relative path, e.g. `/schemas/queue/v1/task.json` (no fragment or query).
    Path(String),
    /// An absolute URL; the payload is its path (which may or may not be on this root).
    External(String),
    /// Unusable (e.g. `..` above the root).
    Invalid(String),
}

/// Resolve `reference` against the served path `base` (e.g. `/schemas/queue/v1/task.json`),
/// dropping fragment and query.
fn resolve(base: &str, reference: &str) -> Target {
    let without_fragment = reference.split('#').next().unwrap_or("");
    let reference = without_fragment.split('?').next().unwrap_or("");
    if reference.is_empty() {
        return Target::SameDocument;
    }
    if let Some(rest) = reference
        .strip_prefix("//")
        .or_else(|| reference.split_once("://").map(|(_, rest)| rest))
    {
        let path = rest.find('/').map_or("/", |i| &rest[i..]);
        return match normalize(path) {
            Some(p) => Target::External(p),
            None => Target::Invalid(format!("{reference:?} has an invalid path")),
        };
    }
    let joined = if reference.starts_with('/') {
        reference.to_string()
    } else {
        let dir = base.rsplit_once('/').map_or("", |(dir, _)| dir);
        format!("{dir}/{reference}")
    };
    match normalize(&joined) {
        Some(p) => Target::Path(p),
        None => Target::Invalid(format!(
            "{reference:?} (relative to {base}) leaves the root"
        )),
    }
}

/// Remove `.`, `..` and empty components from a `/`-rooted path; `None` if `..` leaves the root.
fn normalize(path: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(format!("/{}", parts.join("/")))
}

/// A blocking HTTP client for one deployment root.
struct Fetcher {
    agent: ureq::Agent,
    root: String,
}

impl Fetcher {
    fn new(root: &str) -> Fetcher {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)))
            .user_agent("taskcluster-client-xtask")
            .build()
            .into();
        Fetcher {
            agent,
            root: root.trim_end_matches('/').to_string(),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.root)
    }

    /// GET a JSON document by served path (`/references/...`); `Ok(None)` on 404.
    fn get(&self, path: &str) -> Result<Option<Value>> {
        let url = self.url(path);
        let mut response = self
            .agent
            .get(&url)
            .header("Accept", "application/json")
            .call()
            .map_err(|e| anyhow!("{url}: {e}"))?;
        let status = response.status().as_u16();
        if status == 404 {
            return Ok(None);
        }
        if status != 200 {
            bail!("{url}: HTTP {status}");
        }
        let body = response
            .body_mut()
            .with_config()
            .limit(MAX_DOCUMENT_BYTES)
            .read_to_vec()
            .map_err(|e| anyhow!("{url}: {e}"))?;
        let doc = serde_json::from_slice(&body).map_err(|e| anyhow!("{url}: invalid JSON: {e}"))?;
        Ok(Some(doc))
    }

    /// GET several documents, a few at a time; results in the order of `paths`.
    fn get_all(&self, paths: &[String]) -> Vec<Result<Option<Value>>> {
        let next = Mutex::new(0usize);
        let results: Mutex<Vec<Option<Result<Option<Value>>>>> =
            Mutex::new(paths.iter().map(|_| None).collect());
        std::thread::scope(|scope| {
            for _ in 0..FETCH_THREADS.min(paths.len()) {
                scope.spawn(|| {
                    loop {
                        let i = {
                            let mut next = next.lock().unwrap_or_else(|e| e.into_inner());
                            let i = *next;
                            *next += 1;
                            i
                        };
                        let Some(path) = paths.get(i) else { break };
                        let result = self.get(path);
                        results.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(result);
                    }
                });
            }
        });
        results
            .into_inner()
            .unwrap_or_else(|e| e.into_inner())
            .into_iter()
            .map(|r| r.unwrap_or_else(|| Err(anyhow!("fetch did not run"))))
            .collect()
    }
}

/// A schema to fetch, and why.
struct Wanted {
    /// Who names it, for error messages.
    referrer: String,
    /// A `$schema` metaschema: skipped if the deployment does not serve it.
    optional: bool,
}

fn load_root_url(root: &str) -> Result<Documents> {
    let fetcher = Fetcher::new(root);
    let mut docs = Documents::new();
    let manifest_path = format!("/{MANIFEST}");
    let manifest = fetcher
        .get(&manifest_path)?
        .ok_or_else(|| anyhow!("{}: HTTP 404", fetcher.url(&manifest_path)))?;
    let listed = manifest_references(&manifest)
        .map_err(|e| anyhow!("{}: {e}", fetcher.url(&manifest_path)))?;
    let mut wanted: BTreeMap<String, Wanted> = BTreeMap::new();
    want_metaschema(&mut wanted, &manifest, &manifest_path);
    docs.insert(MANIFEST.to_string(), manifest);

    let results = fetcher.get_all(&listed);
    for (path, result) in listed.iter().zip(results) {
        let url = fetcher.url(path);
        let doc = result?.ok_or_else(|| {
            anyhow!(
                "{url}: HTTP 404 (listed in {})",
                fetcher.url(&manifest_path)
            )
        })?;
        want_metaschema(&mut wanted, &doc, path);
        want_entry_schemas(&mut wanted, &doc, path).map_err(|e| anyhow!("{url}: {e}"))?;
        insert_document(&mut docs, path[1..].to_string(), doc)
            .map_err(|e| anyhow!("{url}: {e}"))?;
    }

    // Fetch schemas breadth-first until no new `$ref` or `$schema` turns up.
    let mut seen: BTreeSet<String> = BTreeSet::new();
    while !wanted.is_empty() {
        let batch: Vec<(String, Wanted)> = std::mem::take(&mut wanted)
            .into_iter()
            .filter(|(path, _)| seen.insert(path.clone()))
            .collect();
        let paths: Vec<String> = batch.iter().map(|(p, _)| p.clone()).collect();
        let results = fetcher.get_all(&paths);
        for ((path, why), result) in batch.into_iter().zip(results) {
            let url = fetcher.url(&path);
            let Some(schema) = result? else {
                if why.optional {
                    continue;
                }
                bail!("{url}: HTTP 404 (referenced by {})", why.referrer);
            };
            want_metaschema(&mut wanted, &schema, &path);
            want_refs(&mut wanted, &schema, &path).map_err(|e| anyhow!("{url}: {e}"))?;
            insert_document(&mut docs, path[1..].to_string(), schema)
                .map_err(|e| anyhow!("{url}: {e}"))?;
        }
        wanted.retain(|path, _| !seen.contains(path));
    }
    Ok(docs)
}

/// Add a wanted schema; a required want wins over an optional one.
fn want(wanted: &mut BTreeMap<String, Wanted>, path: String, referrer: &str, optional: bool) {
    let entry = wanted.entry(path).or_insert_with(|| Wanted {
        referrer: referrer.to_string(),
        optional,
    });
    if !optional && entry.optional {
        entry.optional = false;
        entry.referrer = referrer.to_string();
    }
}

/// Want the document's `$schema` if it is one of the deployment's `/schemas/common/` metaschemas.
fn want_metaschema(wanted: &mut BTreeMap<String, Wanted>, doc: &Value, path: &str) {
    let Some(schema) = doc.get("$schema").and_then(Value::as_str) else {
        return;
    };
    let base = base_of(doc, path);
    let target = match resolve(&base, schema) {
        // An absolute `$schema` only counts if it names this root's schemas, e.g. the
        // deployment's own URL; json-schema.org's metaschemas are not served.
        Target::Path(p) | Target::External(p) => p,
        Target::SameDocument | Target::Invalid(_) => return,
    };
    if target.starts_with("/schemas/common/") {
        want(wanted, target, path, true);
    }
}

/// Want the schemas an API or exchanges reference's entries use (`input`, `output`, `schema`),
/// which are relative to `/schemas/<serviceName>/`.
fn want_entry_schemas(
    wanted: &mut BTreeMap<String, Wanted>,
    doc: &Value,
    path: &str,
) -> Result<(), String> {
    let Some(entries) = doc.get("entries").and_then(Value::as_array) else {
        return Ok(());
    };
    for (i, entry) in entries.iter().enumerate() {
        for key in ["input", "output", "schema"] {
            let Some(reference) = entry.get(key).and_then(Value::as_str) else {
                continue;
            };
            let Some(service) = doc.get("serviceName").and_then(Value::as_str) else {
                return Err(format!(
                    "entries[{i}].{key} is {reference:?} but there is no \"serviceName\""
                ));
            };
            let base = format!("/schemas/{service}/");
            let target = match resolve(&base, reference) {
                Target::Path(p) | Target::External(p) => p,
                Target::SameDocument => continue,
                Target::Invalid(e) => return Err(format!("entries[{i}].{key}: {e}")),
            };
            if !target.starts_with("/schemas/") {
                return Err(format!(
                    "entries[{i}].{key} {reference:?} is not under /schemas/"
                ));
            }
            want(wanted, target, path, false);
        }
    }
    Ok(())
}

/// The path a schema's relative references resolve against: its `$id` if it has one
/// (mapped onto this root if absolute), else where it was served.
fn base_of(doc: &Value, path: &str) -> String {
    match doc
        .get("$id")
        .and_then(Value::as_str)
        .map(|id| resolve(path, id))
    {
        Some(Target::Path(p) | Target::External(p)) => p,
        _ => path.to_string(),
    }
}

/// Want every schema a schema's `$ref`s point to (other than itself and other hosts).
fn want_refs(
    wanted: &mut BTreeMap<String, Wanted>,
    schema: &Value,
    path: &str,
) -> Result<(), String> {
    let base = base_of(schema, path);
    let mut refs = Vec::new();
    collect_refs(schema, &mut refs);
    for reference in refs {
        match resolve(&base, reference) {
            Target::SameDocument => {}
            // Absolute URLs elsewhere (e.g. json-schema.org) are not ours to fetch.
            Target::External(p) if !p.starts_with("/schemas/") => {}
            Target::External(p) | Target::Path(p) => {
                if !p.starts_with("/schemas/") {
                    return Err(format!("$ref {reference:?} is not under /schemas/"));
                }
                if p != path {
                    want(wanted, p, path, false);
                }
            }
            Target::Invalid(e) => return Err(format!("$ref {e}")),
        }
    }
    Ok(())
}

fn collect_refs<'a>(value: &'a Value, refs: &mut Vec<&'a str>) {
    match value {
        Value::Object(map) => {
            for (key, value) in map {
                if let (true, Some(reference)) = (key == "$ref", value.as_str()) {
                    refs.push(reference);
                }
                collect_refs(value, refs);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, refs)),
        _ => {}
    }
}

/// SHA-256 over `<path>\n<length>\n<content>` for each document, in path order.
fn digest(files: &BTreeMap<String, Vec<u8>>) -> String {
    let mut hasher = Sha256::new();
    for (path, content) in files {
        hasher.update(path.as_bytes());
        hasher.update(format!("\n{}\n", content.len()).as_bytes());
        hasher.update(content);
    }
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Write `files` (relative `/`-separated paths) as the whole contents of `dest`: build them in a
/// sibling temporary directory, then swap it in; on failure `dest` is left as it was.
fn write_atomically(dest: &Path, files: &BTreeMap<String, Vec<u8>>) -> Result<()> {
    let name = dest
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| anyhow!("{}: not a usable destination directory", dest.display()))?;
    let parent = match dest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let existed = match fs::symlink_metadata(dest) {
        Ok(meta) if meta.is_dir() => true,
        Ok(_) => bail!("{}: exists and is not a directory", dest.display()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
        Err(e) => bail!("{}: {e}", dest.display()),
    };
    fs::create_dir_all(&parent).map_err(|e| anyhow!("{}: {e}", parent.display()))?;

    let pid = std::process::id();
    let tmp = parent.join(format!("{name}.tmp-{pid}"));
    let old = parent.join(format!("{name}.old-{pid}"));
    for stale in [&tmp, &old] {
        if stale.exists() {
            fs::remove_dir_all(stale).map_err(|e| anyhow!("{}: {e}", stale.display()))?;
        }
    }

    let write_all = || -> Result<()> {
        for (rel, content) in files {
            let path = tmp.join(rel);
            if let Some(dir) = path.parent() {
                fs::create_dir_all(dir).map_err(|e| anyhow!("{}: {e}", dir.display()))?;
            }
            fs::write(&path, content).map_err(|e| anyhow!("{}: {e}", path.display()))?;
        }
        Ok(())
    };
    if let Err(e) = write_all() {
        let _ = fs::remove_dir_all(&tmp);
        return Err(e);
    }

    if existed && let Err(e) = fs::rename(dest, &old) {
        let _ = fs::remove_dir_all(&tmp);
        bail!("cannot move {} aside: {e}", dest.display());
    }
    if let Err(e) = fs::rename(&tmp, dest) {
        if existed {
            let _ = fs::rename(&old, dest);
        }
        let _ = fs::remove_dir_all(&tmp);
        bail!("cannot move {} into place: {e}", tmp.display());
    }
    if existed && let Err(e) = fs::remove_dir_all(&old) {
        eprintln!("warning: could not remove {}: {e}", old.display());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_references() {
        let base = "/schemas/queue/v1/task.json";
        let path = |p: &str| Target::Path(p.to_string());
        assert_eq!(resolve(base, "#/definitions/x"), Target::SameDocument);
        assert_eq!(
            resolve(base, "task-run.json#"),
            path("/schemas/queue/v1/task-run.json")
        );
        assert_eq!(resolve(base, "./a.json"), path("/schemas/queue/v1/a.json"));
        assert_eq!(
            resolve(base, "../v2/a.json#/x"),
            path("/schemas/queue/v2/a.json")
        );
        assert_eq!(
            resolve(base, "/schemas/common/m.json#"),
            path("/schemas/common/m.json")
        );
        assert_eq!(
            resolve(base, "https://tc.example.com/schemas/common/m.json#"),
            Target::External("/schemas/common/m.json".into())
        );
        assert_eq!(
            resolve(base, "http://json-schema.org/draft-06/schema#"),
            Target::External("/draft-06/schema".into())
        );
        assert!(matches!(
            resolve(base, "../../../../x.json"),
            Target::Invalid(_)
        ));
        assert_eq!(
            resolve("/schemas/queue/", "v1/task.json#"),
            path("/schemas/queue/v1/task.json")
        );
    }

    #[test]
    fn checks_served_paths() {
        assert!(check_served_path("references/queue/v1/api.json").is_ok());
        assert!(check_served_path("schemas/queue/v1/task.json").is_ok());
        for bad in [
            "/schemas/a.json",
            "schemas/../x.json",
            "schemas//x.json",
            "other/x.json",
            "schemas/x.txt",
            "references/schemas/x.json",
            "references/source.json",
        ] {
            assert!(check_served_path(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn manifest_urls_map_onto_the_root() {
        let manifest = serde_json::json!({"references": [
            "https://tc.example.com/references/queue/v1/api.json",
            "/references/auth/v1/api.json",
        ]});
        assert_eq!(
            manifest_references(&manifest).unwrap(),
            [
                "/references/queue/v1/api.json",
                "/references/auth/v1/api.json"
            ]
        );
        let bad = serde_json::json!({"references": ["/schemas/x.json"]});
        assert!(manifest_references(&bad).is_err());
    }
}
