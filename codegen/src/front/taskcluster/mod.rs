//! Stage 1, Taskcluster's front end: load the reference documents from a directory laid out
//! like `references/` ([`load`]), then describe each service as the model has it
//! ([`describe()`]).
//!
//! `manifest.json` lists the references; `<service>/<version>/api.json` describes methods and
//! `schemas/<service>/<version>/*.json` holds the payload schemas, keyed by their `$id`; one answer
//! the references leave out is added (`answers.rs`: the version object).

mod answers;
pub mod describe;
pub mod references;

pub use describe::describe;

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use crate::error::{Error, Result};
use references::{
    ApiEntry, ApiReference, ExchangeEntry, ExchangesDocument, ExchangesReference, References,
    SchemaDocument, ServiceReference,
};

/// Reads `dir` (the `references/` directory).
pub fn load(dir: &Path) -> Result<References> {
    let manifest_file = dir.join("manifest.json");
    let manifest = read_json(&manifest_file)?;
    let listed = manifest
        .get("references")
        .and_then(Value::as_array)
        .ok_or_else(|| Error::new(&manifest_file, "/references", "expected an array of URLs"))?;

    let mut services = Vec::new();
    let mut exchanges = Vec::new();
    for (i, url) in listed.iter().enumerate() {
        let url = url.as_str().ok_or_else(|| {
            Error::new(
                &manifest_file,
                format!("/references/{i}"),
                "expected a string",
            )
        })?;
        let Some(rel) = reference_path(url) else {
            return Err(Error::new(
                &manifest_file,
                format!("/references/{i}"),
                format!("{url:?} is not a /references/ URL"),
            ));
        };
        let is_api = rel.ends_with("/api.json");
        if !is_api && !rel.ends_with("/exchanges.json") {
            continue;
        }
        let file = dir.join(rel);
        if !file.is_file() {
            return Err(Error::new(
                &manifest_file,
                format!("/references/{i}"),
                format!("lists {}, which does not exist", file.display()),
            ));
        }
        let value = read_json(&file)?;
        if is_api {
            let api = parse_api(&file, value)?;
            services.push(ServiceReference { file, api });
        } else {
            let doc = parse_entries::<ExchangesDocument, ExchangeEntry>(&file, value)?;
            exchanges.push(ExchangesReference { file, doc });
        }
    }
    services.sort_by(|a, b| a.api.service_name.cmp(&b.api.service_name));
    exchanges.sort_by(|a, b| a.doc.service_name.cmp(&b.doc.service_name));

    let schemas = load_schemas(dir)?;
    let mut references = References {
        services,
        exchanges,
        schemas,
    };
    answers::add_missing(dir, &mut references);
    Ok(references)
}

/// `https://x/references/queue/v1/api.json` or `/references/queue/v1/api.json` → `queue/v1/api.json`.
fn reference_path(url: &str) -> Option<&str> {
    let at = url.find("/references/")?;
    Some(&url[at + "/references/".len()..])
}

fn parse_api(file: &Path, value: Value) -> Result<ApiReference> {
    parse_entries::<ApiReference, ApiEntry>(file, value)
}

/// A document with `entries`: each entry is checked first, so that an error names the entry.
fn parse_entries<D, E>(file: &Path, value: Value) -> Result<D>
where
    D: serde::de::DeserializeOwned,
    E: serde::de::DeserializeOwned,
{
    if let Some(entries) = value.get("entries").and_then(Value::as_array) {
        for (i, entry) in entries.iter().enumerate() {
            if let Err(e) = E::deserialize(entry) {
                return Err(Error::new(file, format!("/entries/{i}"), e.to_string()));
            }
        }
    }
    serde_json::from_value(value).map_err(|e| Error::new(file, "", e.to_string()))
}

fn load_schemas(dir: &Path) -> Result<BTreeMap<String, SchemaDocument>> {
    let mut schemas = BTreeMap::new();
    let mut stack = vec![dir.join("schemas")];
    let mut files = Vec::new();
    while let Some(d) = stack.pop() {
        let entries = std::fs::read_dir(&d).map_err(|e| Error::new(&d, "", e.to_string()))?;
        for entry in entries {
            let path = entry.map_err(|e| Error::new(&d, "", e.to_string()))?.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|x| x == "json") {
                files.push(path);
            }
        }
    }
    files.sort();
    for path in files {
        let content = read_json(&path)?;
        let file = path;
        let id = match content.get("$id").or_else(|| content.get("id")) {
            Some(Value::String(id)) => id.trim_end_matches('#').to_owned(),
            _ => {
                // A schema without `$id` is addressed by its path.
                let rel = file.strip_prefix(dir).unwrap_or(&file);
                format!("/{}", rel.to_string_lossy().replace('\\', "/"))
            }
        };
        if let Some(prev) = schemas.get(&id) {
            let prev: &SchemaDocument = prev;
            return Err(Error::new(
                &file,
                "/$id",
                format!("{id:?} is also the $id of {}", prev.file.display()),
            ));
        }
        schemas.insert(id, SchemaDocument { file, content });
    }
    Ok(schemas)
}

fn read_json(file: &Path) -> Result<Value> {
    let bytes = std::fs::read(file).map_err(|e| Error::new(file, "", e.to_string()))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        Error::new(
            file,
            "",
            format!(
                "not UTF-8: invalid bytes at byte offset {}",
                e.utf8_error().valid_up_to()
            ),
        )
    })?;
    serde_json::from_str(&text).map_err(|e| {
        Error::new(
            file,
            "",
            format!(
                "malformed JSON at line {} column {}: {e}",
                e.line(),
                e.column()
            ),
        )
    })
}
