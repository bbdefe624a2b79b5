//! Taskcluster's references as read: `api.json` and `exchanges.json` documents, and the schema
//! documents by `$id`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Deserialize;
use serde_json::Value;

pub use crate::front::api::SchemaDocument;

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
