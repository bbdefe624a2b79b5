//! What a front end hands the later stages: the references, laid out as Taskcluster's
//! (`api.json` and `exchanges.json` documents, schema documents by `$id`), whichever family
//! they came from.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Deserialize;
use serde_json::Value;

use crate::error::{Error, Result};

/// Everything the generator reads.
#[derive(Debug)]
pub struct References {
    /// One entry per service with an `api.json`, sorted by service name.
    pub services: Vec<ServiceReference>,
    /// One entry per `exchanges.json`, sorted by service name.
    pub exchanges: Vec<ExchangesReference>,
    /// Every schema document, keyed by its `$id` without the trailing `#`.
    pub schemas: BTreeMap<String, SchemaDocument>,
}

/// A schema document and where it came from.
#[derive(Debug)]
pub struct SchemaDocument {
    /// Path of the file (the references directory joined with its place in it).
    pub file: PathBuf,
    /// The document as read.
    pub content: Value,
}

/// One service's `api.json`.
#[derive(Debug)]
pub struct ServiceReference {
    /// Path of the file (the references directory joined with its place in it).
    pub file: PathBuf,
    /// The parsed document.
    pub api: ApiReference,
}

/// One service's `exchanges.json`.
#[derive(Debug)]
pub struct ExchangesReference {
    /// Path of the file.
    pub file: PathBuf,
    pub doc: ExchangesDocument,
}

/// An `exchanges.json` document (`/schemas/common/exchanges-reference-v0.json#`).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExchangesDocument {
    pub service_name: String,
    pub api_version: String,
    pub title: String,
    pub description: String,
    pub exchange_prefix: String,
    pub entries: Vec<ExchangeEntry>,
}

/// One exchange.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExchangeEntry {
    /// `task-completed`.
    pub exchange: String,
    /// `taskCompleted`.
    pub name: String,
    pub title: String,
    pub description: String,
    pub routing_key: Vec<RoutingKeyEntry>,
    /// The message schema, relative to `/schemas/<service>/`.
    pub schema: String,
}

/// One word (or, for one entry at most, several words) of a routing key.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoutingKeyEntry {
    pub name: String,
    pub summary: String,
    pub multiple_words: bool,
    pub required: bool,
    #[serde(default)]
    pub constant: Option<String>,
}

/// An `api.json` document (`/schemas/common/api-reference-v0.json#`).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiReference {
    pub service_name: String,
    pub api_version: String,
    pub title: String,
    pub description: String,
    pub entries: Vec<ApiEntry>,
}

/// One method of an API.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiEntry {
    pub name: String,
    pub method: String,
    pub route: String,
    #[serde(default)]
    pub args: Vec<String>,
    #[serde(default)]
    pub query: Vec<String>,
    pub title: String,
    pub description: String,
    pub stability: String,
    #[serde(default)]
    pub input: Option<String>,
    #[serde(default)]
    pub output: Option<String>,
    #[serde(default)]
    pub scopes: Option<Value>,
}

impl References {
    /// Every service's name, sorted, once: a service has an `api.json`, an `exchanges.json` or
    /// both.
    pub fn service_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self
            .services
            .iter()
            .map(|s| s.api.service_name.as_str())
            .chain(self.exchanges.iter().map(|e| e.doc.service_name.as_str()))
            .collect();
        names.sort();
        names.dedup();
        names
    }
}

/// Checks what the later stages build on: each service's name (a URL segment, a module, a
/// cargo feature) and API version.
pub fn check(refs: &References) -> Result<()> {
    for name in refs.service_names() {
        let api = refs.services.iter().find(|s| s.api.service_name == name);
        let exchanges = refs.exchanges.iter().find(|e| e.doc.service_name == name);
        for (file, name, version) in api
            .map(|a| (&a.file, &a.api.service_name, &a.api.api_version))
            .into_iter()
            .chain(exchanges.map(|e| (&e.file, &e.doc.service_name, &e.doc.api_version)))
        {
            check_service_name(name).map_err(|m| Error::new(file, "/serviceName", m))?;
            let version_ok = version
                .strip_prefix('v')
                .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()));
            if !version_ok {
                return Err(Error::new(
                    file,
                    "/apiVersion",
                    format!("{version:?} is not an API version like \"v1\""),
                ));
            }
        }
    }
    Ok(())
}

/// What Taskcluster allows as a service name (`api-reference-v0.json`): it becomes a path
/// segment of every URL, a module and a cargo feature.
fn check_service_name(name: &str) -> std::result::Result<(), String> {
    let mut chars = name.chars();
    let valid = chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
        && name.len() <= 22;
    if valid {
        Ok(())
    } else {
        Err(format!(
            "{name:?} is not a Taskcluster service name (lower-case ASCII letters, digits, `-` and \
             `_`, starting with a letter, at most 22 characters)"
        ))
    }
}

/// An HTTP method, as both families use them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HttpMethod {
    Get,
    Post,
    Put,
    Delete,
    Patch,
}

impl HttpMethod {
    const ALL: [HttpMethod; 5] = [
        HttpMethod::Get,
        HttpMethod::Post,
        HttpMethod::Put,
        HttpMethod::Delete,
        HttpMethod::Patch,
    ];

    /// `get`, as `api.json` and OpenAPI write it.
    pub fn lowercase(self) -> &'static str {
        match self {
            HttpMethod::Get => "get",
            HttpMethod::Post => "post",
            HttpMethod::Put => "put",
            HttpMethod::Delete => "delete",
            HttpMethod::Patch => "patch",
        }
    }

    /// `GET`, as HTTP writes it.
    pub fn uppercase(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
            HttpMethod::Put => "PUT",
            HttpMethod::Delete => "DELETE",
            HttpMethod::Patch => "PATCH",
        }
    }

    /// The method written `lowercase`, if it is one.
    pub fn parse(lowercase: &str) -> Option<HttpMethod> {
        Self::ALL.into_iter().find(|m| m.lowercase() == lowercase)
    }
}

/// Small in-memory references for the later stages' unit tests.
#[cfg(test)]
pub(crate) mod fixture {
    use super::*;

    /// Service `fake` (`/references/fake/v1/api.json`) whose one method, `get`, answers
    /// `/schemas/fake/v1/<output>`; `schemas` are the documents under `/schemas/fake/v1/`.
    pub(crate) fn one_method(schemas: &[(&str, Value)], output: &str) -> References {
        let api: ApiReference = serde_json::from_value(serde_json::json!({
            "serviceName": "fake", "apiVersion": "v1", "title": "Fake", "description": "",
            "entries": [{
                "type": "function", "name": "get", "method": "get", "route": "/thing",
                "title": "Get", "description": "", "stability": "stable",
                "output": format!("v1/{output}#"),
            }],
        }))
        .unwrap();
        let schemas = schemas
            .iter()
            .map(|(name, content)| {
                let id = format!("/schemas/fake/v1/{name}");
                let mut content = content.clone();
                content["$id"] = Value::String(format!("{id}#"));
                let file = PathBuf::from(format!("schemas/fake/v1/{name}"));
                (id, SchemaDocument { file, content })
            })
            .collect();
        References {
            services: vec![ServiceReference {
                file: PathBuf::from("fake/v1/api.json"),
                api,
            }],
            exchanges: Vec::new(),
            schemas,
        }
    }
}
