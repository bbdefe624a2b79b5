//! The operations as the model has them: one service per tag, one method per operation, with
//! its parameters where the spec puts them (path, query, header), how its answer is read and
//! whether it is authenticated; each inline schema becomes a document of its own
//! (`<function>-request.json`, `-response.json`, `-item.json` for a stream's items), so that
//! the resolver and the type stage take Rucio as they take Taskcluster, and types are named
//! the same way (`add-rse-request.json` → `AddRseRequest`).

use std::collections::BTreeMap;
use std::path::PathBuf;

use heck::{ToKebabCase, ToLowerCamelCase};
use serde_json::Value;

use super::spec::{Location, Operation, Response, Segment, Spec};
use crate::error::{Error, Result};
use crate::front::api::{
    Answer, HeaderParam, Method, Param, PathPart, QueryKind, QueryParam, SchemaDocument, SchemaRef,
    Schemas, Service, Stability, check_service_name,
};
use crate::front::docs::markdown;
use crate::idents::{Claimed, snake};

/// The service (kebab-case tag) an operation belongs to.
pub fn service_name(op: &Operation) -> String {
    op.tag.to_kebab_case()
}

/// The method name (camelCase, as Taskcluster's references write them) of an operation.
pub fn method_name(op: &Operation) -> String {
    op.function.to_lower_camel_case()
}

/// What an OpenAPI front end produces: the services, and the schema documents their bodies
/// name.
#[derive(Debug)]
pub struct Described {
    pub services: Vec<Service<SchemaRef>>,
    pub schemas: Schemas,
}

/// `spec`'s operations as services, sorted by name, each with its operations in order.
pub fn describe(spec: &Spec, ops: &[Operation]) -> Result<Described> {
    let title = spec
        .doc
        .pointer("/info/title")
        .and_then(Value::as_str)
        .unwrap_or("Rucio");
    let mut services: BTreeMap<String, Service<SchemaRef>> = BTreeMap::new();
    let mut schemas = BTreeMap::new();
    for op in ops {
        let name = service_name(op);
        check_service_name(&name)
            .map_err(|m| Error::new(&spec.file, format!("{}/tags/0", op.pointer), m))?;
        let mut document = |suffix: &str, schema: &Value, at: &str| {
            let stem = op.function.to_kebab_case();
            let id = format!("/schemas/{name}/{stem}-{suffix}.json");
            let mut content = match schema {
                Value::Object(map) => Value::Object(map.clone()),
                // `true` (anything): an object schema that allows everything.
                _ => serde_json::json!({}),
            };
            content["$id"] = Value::String(format!("{id}#"));
            let file = PathBuf::from(format!("{} {}{at}", spec.file.display(), op.pointer));
            schemas.insert(id, SchemaDocument { file, content });
            SchemaRef {
                reference: format!("{stem}-{suffix}.json#"),
                file: spec.file.clone(),
                pointer: format!("{}{at}", op.pointer),
            }
        };
        let body_at = "/requestBody/content/application~1json/schema";
        let input = op.body.as_ref().map(|b| document("request", b, body_at));
        let (answer, output) = match &op.response {
            Response::Json(s) => (Answer::Json, Some(document("response", s, "/responses"))),
            Response::Stream(item) => (Answer::Stream, Some(document("item", item, "/responses"))),
            Response::Text => (Answer::Text, None),
            Response::Location => (Answer::Location, None),
            Response::Empty => (Answer::Json, None),
        };
        let service = services.entry(name.clone()).or_insert_with(|| Service {
            name,
            api_version: None,
            title: markdown(&op.tag),
            description: markdown(&format!("The {} calls of the {title} REST API.", op.tag)),
            plain_title: op.tag.clone(),
            methods: Vec::new(),
            events: None,
            file: spec.file.clone(),
        });
        let method_name = method_name(op);
        if service.methods.iter().any(|m| m.name == method_name) {
            return Err(Error::new(
                &spec.file,
                &op.pointer,
                format!("method name {method_name:?} is already used in {}", op.tag),
            ));
        }
        let (args, query, headers) = params(op);
        let path = path(op, &args).map_err(|m| Error::new(&spec.file, &op.pointer, m))?;
        service.methods.push(Method {
            function: snake(&method_name),
            name: method_name,
            title: markdown(&op.summary),
            description: markdown(&op.description),
            plain_description: op.description.clone(),
            http: op.http,
            path,
            args,
            query,
            headers,
            input,
            output,
            scopes: None,
            // OpenAPI marks only deprecation.
            stability: if op.deprecated {
                Stability::Deprecated
            } else {
                Stability::Stable
            },
            stream_function: None,
            answer,
            authenticated: op.needs_token,
            aliases: op.aliases.clone(),
            counterpart: op.counterpart.clone(),
        });
    }
    Ok(Described {
        services: services.into_values().collect(),
        schemas,
    })
}

/// An operation's path, query and header parameters, each named as an argument that no other
/// argument of the method shadows.
fn params(op: &Operation) -> (Vec<Param>, Vec<QueryParam>, Vec<HeaderParam>) {
    let of = |location| op.params.iter().filter(move |p| p.location == location);
    let mut idents = Claimed::reserving(&["payload", "query"]);
    let args: Vec<Param> = of(Location::Path)
        .map(|p| Param {
            name: p.name.clone(),
            ident: idents.claim(&snake(&p.name)),
            description: p.description.clone(),
        })
        .collect();
    // Query parameters are fields of the method's query struct, so only unique among
    // themselves.
    let mut query_idents = Claimed::default();
    let query = of(Location::Query)
        .map(|p| QueryParam {
            name: p.name.clone(),
            ident: query_idents.claim(&snake(&p.name)),
            kind: QueryKind::of_schema(&p.schema),
            description: markdown(&p.description),
        })
        .collect();
    let headers = of(Location::Header)
        .map(|p| HeaderParam {
            name: p.name.clone(),
            ident: idents.claim(&snake(&p.name)),
            required: p.required,
            description: p.description.clone(),
        })
        .collect();
    (args, query, headers)
}

/// The path as literal text and the parameters of `args` between, without the leading `/`;
/// every path parameter must be one of `args`, and every one of `args` in the path.
fn path(op: &Operation, args: &[Param]) -> std::result::Result<Vec<PathPart>, String> {
    let mut parts = Vec::new();
    let mut literal = String::new();
    let mut used = vec![false; args.len()];
    for (i, segment) in op.path.iter().enumerate() {
        if i > 0 {
            literal.push('/');
        }
        match segment {
            Segment::Literal(l) => literal.push_str(l),
            Segment::Param(name) => {
                let index = args
                    .iter()
                    .position(|a| &a.name == name)
                    .ok_or_else(|| format!("path parameter {{{name}}} is not a parameter"))?;
                used[index] = true;
                if !literal.is_empty() {
                    parts.push(PathPart::Literal(std::mem::take(&mut literal)));
                }
                parts.push(PathPart::Param(index));
            }
        }
    }
    if !literal.is_empty() {
        parts.push(PathPart::Literal(literal));
    }
    if let Some(unused) = used.iter().position(|u| !u) {
        return Err(format!(
            "path parameter {:?} is not in the path",
            args[unused].name
        ));
    }
    Ok(parts)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::front::api::HttpMethod;

    /// A spec of two operations of one tag, read as published and named by hand.
    fn described() -> Described {
        let doc = json!({
            "openapi": "3.0.2",
            "info": {"title": "Things"},
            "paths": {
                "/things/{id}/parts/{query}/": {"get": {
                    "tags": ["Thing Store"],
                    "summary": "Parts",
                    "parameters": [
                        {"name": "id", "in": "path", "required": true, "schema": {"type": "string"}},
                        {"name": "query", "in": "path", "required": true, "schema": {"type": "string"}},
                        {"name": "limit", "in": "query", "description": "At most <n>.",
                         "schema": {"type": "integer"}},
                        {"name": "X-Trace", "in": "header", "schema": {"type": "string"}}
                    ],
                    "responses": {"200": {"content": {"application/x-json-stream": {
                        "schema": {"type": "array", "items": {"type": "object"}}
                    }}}}
                }},
                "/things": {"post": {
                    "tags": ["Thing Store"],
                    "deprecated": true,
                    "requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}},
                    "responses": {"200": {"content": {"text/plain": {}}}}
                }}
            }
        });
        let spec = Spec {
            file: PathBuf::from("things.yaml"),
            doc,
        };
        let mut ops = super::super::spec::read_operations(&spec).unwrap_or_else(|e| panic!("{e}"));
        for op in &mut ops {
            op.function = match op.http {
                HttpMethod::Get => "list_parts".into(),
                _ => "add_thing".into(),
            };
            // As the repair for calls that issue tokens would.
            op.needs_token = op.http == HttpMethod::Get;
        }
        describe(&spec, &ops).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn parameters_keep_their_location_and_the_answer_its_kind() {
        let described = described();
        let [service] = described.services.as_slice() else {
            panic!("one service per tag");
        };
        assert_eq!(service.name, "thing-store");
        assert_eq!(service.plain_title, "Thing Store");
        assert_eq!(service.api_version, None, "OpenAPI has no service versions");
        let parts = service
            .methods
            .iter()
            .find(|m| m.name == "listParts")
            .unwrap();
        assert_eq!(parts.function, "list_parts");
        let args: Vec<(&str, &str)> = parts
            .args
            .iter()
            .map(|a| (a.name.as_str(), a.ident.as_str()))
            .collect();
        // `query` would shadow the query struct's argument.
        assert_eq!(args, [("id", "id"), ("query", "query_2")]);
        assert_eq!(
            parts.path,
            [
                PathPart::Literal("things/".into()),
                PathPart::Param(0),
                PathPart::Literal("/parts/".into()),
                PathPart::Param(1),
                PathPart::Literal("/".into()),
            ]
        );
        let [limit] = parts.query.as_slice() else {
            panic!("one query parameter");
        };
        assert_eq!(
            (limit.ident.as_str(), limit.kind),
            ("limit", QueryKind::Integer)
        );
        // Made safe for rustdoc: `<n>` is text, not an HTML tag.
        assert_eq!(limit.description, "At most \\<n>.");
        let [trace] = parts.headers.as_slice() else {
            panic!("one header");
        };
        assert_eq!(
            (trace.name.as_str(), trace.ident.as_str()),
            ("X-Trace", "x_trace")
        );
        assert!(!trace.required);
        assert_eq!(parts.answer, Answer::Stream);
        assert!(parts.authenticated);
        assert!(parts.scopes.is_none() && parts.input.is_none());
        let item = parts.output.as_ref().unwrap();
        assert_eq!(item.reference, "list-parts-item.json#");
        assert_eq!(
            item.pointer,
            "/paths/~1things~1{id}~1parts~1{query}~1/get/responses"
        );
        let document = &described.schemas["/schemas/thing-store/list-parts-item.json"];
        assert_eq!(
            document.content,
            json!({"type": "object", "$id": "/schemas/thing-store/list-parts-item.json#"})
        );

        let add = service
            .methods
            .iter()
            .find(|m| m.name == "addThing")
            .unwrap();
        assert_eq!(add.answer, Answer::Text);
        assert_eq!(add.stability, Stability::Deprecated);
        assert_eq!(parts.stability, Stability::Stable);
        assert!(!add.authenticated);
        assert!(add.output.is_none());
        assert_eq!(
            add.input.as_ref().unwrap().reference,
            "add-thing-request.json#"
        );
        assert_eq!(add.path, [PathPart::Literal("things".into())]);
    }

    #[test]
    fn a_tag_that_cannot_name_a_service_is_an_error_at_the_operation() {
        let spec = Spec {
            file: PathBuf::from("things.yaml"),
            doc: json!({}),
        };
        let mut ops = Vec::new();
        let mut op = super::super::spec::read_operations(&Spec {
            file: spec.file.clone(),
            doc: json!({"paths": {"/x": {"get": {"tags": ["9 Lives"], "responses": {}}}}}),
        })
        .unwrap();
        op[0].function = "get_x".into();
        ops.append(&mut op);
        let e = describe(&spec, &ops).unwrap_err().to_string();
        assert!(e.contains("things.yaml: /paths/~1x/get/tags/0"), "{e}");
        assert!(
            e.contains("\"9-lives\" is not a Taskcluster service name"),
            "{e}"
        );
    }
}
