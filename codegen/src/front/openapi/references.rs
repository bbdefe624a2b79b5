//! The operations as the references the rest of the pipeline reads: one service per tag, one
//! `api.json`-like entry per operation, and each inline schema as a document of its own
//! (`<function>-request.json`, `-response.json`, `-item.json` for a stream's items), so that
//! the resolver, the type stage and the emitters take Rucio as they take Taskcluster, and
//! types are named the same way (`add-rse-request.json` → `AddRseRequest`).

use std::collections::BTreeMap;
use std::path::PathBuf;

use heck::{ToKebabCase, ToLowerCamelCase};
use serde_json::Value;

use super::spec::{Location, Operation, Response, Segment, Spec};
use crate::front::references::{
    ApiEntry, ApiReference, References, SchemaDocument, ServiceReference,
};

/// The service (kebab-case tag) an operation belongs to.
pub fn service_name(op: &Operation) -> String {
    op.tag.to_kebab_case()
}

/// The method name (camelCase, as `api.json` writes them) of an operation.
pub fn method_name(op: &Operation) -> String {
    op.function.to_lower_camel_case()
}

/// `spec`'s operations as references.
pub fn references(spec: &Spec, ops: &[Operation]) -> References {
    let title = spec
        .doc
        .pointer("/info/title")
        .and_then(Value::as_str)
        .unwrap_or("Rucio");
    let mut by_service: BTreeMap<String, (String, Vec<ApiEntry>)> = BTreeMap::new();
    let mut schemas = BTreeMap::new();
    for op in ops {
        let service = service_name(op);
        let stem = op.function.to_kebab_case();
        let mut document = |suffix: &str, schema: &Value, at: &str| {
            let id = format!("/schemas/{service}/{stem}-{suffix}.json");
            let mut content = match schema {
                Value::Object(map) => Value::Object(map.clone()),
                // `true` (anything): an object schema that allows everything.
                _ => serde_json::json!({}),
            };
            content["$id"] = Value::String(format!("{id}#"));
            let file = PathBuf::from(format!("{} {}{at}", spec.file.display(), op.pointer));
            schemas.insert(id, SchemaDocument { file, content });
            format!("{stem}-{suffix}.json#")
        };
        let input = op.body.as_ref().map(|b| {
            document(
                "request",
                b,
                "/requestBody/content/application~1json/schema",
            )
        });
        let output = match &op.response {
            Response::Json(s) => Some(document("response", s, "/responses")),
            Response::Stream(item) => Some(document("item", item, "/responses")),
            Response::Text | Response::Empty | Response::Location => None,
        };
        let route: String = op
            .path
            .iter()
            .map(|s| match s {
                Segment::Literal(l) => format!("/{l}"),
                Segment::Param(p) => format!("/<{p}>"),
            })
            .collect();
        let of = |location| {
            op.params
                .iter()
                .filter(|p| p.location == location)
                .map(|p| p.name.clone())
                .collect::<Vec<_>>()
        };
        let entry = ApiEntry {
            name: method_name(op),
            method: op.http.lowercase().to_owned(),
            route,
            args: of(Location::Path),
            query: of(Location::Query),
            title: op.summary.clone(),
            description: op.description.clone(),
            stability: "stable".to_owned(),
            input,
            output,
            scopes: None,
        };
        by_service
            .entry(service)
            .or_insert_with(|| (op.tag.clone(), Vec::new()))
            .1
            .push(entry);
    }
    let services = by_service
        .into_iter()
        .map(|(service, (tag, entries))| ServiceReference {
            file: spec.file.clone(),
            api: ApiReference {
                service_name: service,
                api_version: "v1".to_owned(),
                title: tag.clone(),
                description: format!("The {tag} calls of the {title} REST API."),
                entries,
            },
        })
        .collect();
    References {
        services,
        exchanges: Vec::new(),
        schemas,
    }
}
