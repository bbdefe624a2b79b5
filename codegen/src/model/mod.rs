//! Stage 3: the client model, everything the emitters need and nothing they must look up,
//! from the references and each service's schemas as stage 2 resolved them.

pub(crate) mod docs;
pub mod openapi;
pub mod scope_params;

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::idents::{Claimed, pascal, snake};
use serde_json::Value;

use crate::error::{Error, Result};
use crate::front::references::{ApiEntry, ExchangesReference, References, ServiceReference};
use crate::resolve::ResolvedSchemas;

pub use crate::front::references::HttpMethod;

/// One service's client.
#[derive(Debug)]
pub struct Service {
    /// `purge-cache`.
    pub name: String,
    /// `purge_cache`: module and cargo feature.
    pub module: String,
    /// `PurgeCache`: the client struct.
    pub client: String,
    /// `v1`.
    pub api_version: String,
    /// Title and description as rustdoc markdown (made safe by the `docs` module).
    pub title: String,
    pub description: String,
    /// The title as the reference has it, for plain-text help.
    pub plain_title: String,
    pub methods: Vec<Method>,
    /// The Pulse exchanges of `exchanges.json`, if the service has one.
    pub events: Option<Events>,
    pub schemas: ResolvedSchemas,
    /// The `api.json` this came from (or the `exchanges.json`, for a service with no API).
    pub file: PathBuf,
}

/// A service's Pulse exchanges.
#[derive(Debug)]
pub struct Events {
    pub title: String,
    pub description: String,
    /// `exchange/taskcluster-queue/v1/`.
    pub prefix: String,
    pub exchanges: Vec<Exchange>,
    /// The `exchanges.json` this came from.
    pub file: PathBuf,
}

/// One exchange.
#[derive(Debug)]
pub struct Exchange {
    /// `taskCompleted`.
    pub name: String,
    /// `TaskCompleted`: the routing-key struct and the service enum's variant.
    pub ident: String,
    /// `task-completed`.
    pub exchange: String,
    pub title: String,
    pub description: String,
    pub routing_key: Vec<KeyPart>,
    /// Type name of the message.
    pub message: String,
}

/// One entry of a routing key.
#[derive(Debug)]
pub struct KeyPart {
    /// `taskId`.
    pub name: String,
    /// `task_id`: the routing-key struct's field.
    pub ident: String,
    pub summary: String,
    pub multiple_words: bool,
    pub required: bool,
    /// The one value this entry has (`primary`): not a field.
    pub constant: Option<String>,
}

/// One API method.
#[derive(Debug)]
pub struct Method {
    /// `createTask`, as in the reference.
    pub name: String,
    /// `create_task`.
    pub function: String,
    /// Title and description as rustdoc markdown (made safe by the `docs` module).
    pub title: String,
    pub description: String,
    /// The description as the reference has it, for plain-text help.
    pub plain_description: String,
    pub http: HttpMethod,
    pub path: Vec<PathPart>,
    pub args: Vec<Param>,
    pub query: Vec<QueryParam>,
    /// Type name of the request body.
    pub input: Option<String>,
    /// Type name of the response body.
    pub output: Option<String>,
    pub scopes: Option<ScopeExpr>,
    pub stability: Stability,
    /// `list_task_group_stream`: the name of the method streaming every item, for a method
    /// taking a `continuationToken` (whether it streams depends on its output, see
    /// [`crate::types::paging`]).
    pub stream_function: Option<String>,
    /// Header parameters (an OpenAPI front end's; Taskcluster's methods have none).
    pub headers: Vec<HeaderParam>,
    /// How the answer is read.
    pub answer: Answer,
    /// Whether the call carries the client's credentials (not the calls that issue them).
    pub authenticated: bool,
    /// Other names users search for it by (rustdoc `doc(alias)`).
    pub aliases: Vec<String>,
    /// The same call in the family's reference client (`DIDClient.get_did` in Rucio's Python
    /// client), named in the docs.
    pub counterpart: Option<String>,
}

/// A request header the method takes as an argument.
#[derive(Debug)]
pub struct HeaderParam {
    /// `X-Rucio-Account`, as sent.
    pub name: String,
    /// `x_rucio_account`: the argument.
    pub ident: String,
    pub required: bool,
    pub description: String,
}

/// How a method's answer is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    /// One JSON document (of `output`'s type, or nothing to read without one).
    Json,
    /// Newline-delimited JSON: a stream of `output`'s type.
    Stream,
    /// Text, given as it is.
    Text,
    /// A redirect, not followed: the URL it points to (`Location`).
    Location,
}

impl Method {
    /// `CreateTaskQuery`: the struct holding the query parameters, when there are any.
    pub fn query_struct(&self) -> String {
        format!("{}Query", pascal(&self.function))
    }
}

/// A piece of a route: literal text, or the route parameter at an index of `args`.
#[derive(Debug, PartialEq)]
pub enum PathPart {
    Literal(String),
    Param(usize),
}

/// A route parameter.
#[derive(Debug)]
pub struct Param {
    /// `taskId`.
    pub name: String,
    /// `task_id`.
    pub ident: String,
}

/// A query-string parameter; all are optional.
#[derive(Debug)]
pub struct QueryParam {
    pub name: String,
    pub ident: String,
    pub kind: QueryKind,
    /// What it means (an OpenAPI front end's; Taskcluster's references say nothing).
    pub description: String,
}

/// The Rust type of a query parameter. The references give only names; these are the types
/// Taskcluster's services validate them as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QueryKind {
    String,
    Integer,
    Boolean,
    /// Any number of `key=value` pairs, each a parameter of its own (filters whose keys are
    /// open: account attributes, DID metadata); an OpenAPI front end's, never Taskcluster's.
    Pairs,
}

impl QueryKind {
    /// The kind a JSON schema's `type` says (`string` for anything else).
    pub fn of_schema(schema: &serde_json::Value) -> Self {
        match schema.get("type").and_then(serde_json::Value::as_str) {
            Some("integer") => QueryKind::Integer,
            Some("boolean") => QueryKind::Boolean,
            Some("object") => QueryKind::Pairs,
            _ => QueryKind::String,
        }
    }

    fn of(name: &str) -> Self {
        match name {
            "limit" => QueryKind::Integer,
            "quarantined" | "includeArchived" => QueryKind::Boolean,
            _ => QueryKind::String,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stability {
    Stable,
    Experimental,
    Deprecated,
}

/// A required-scopes expression (Taskcluster's scope expression language).
#[derive(Debug, PartialEq)]
pub enum ScopeExpr {
    Scope(String),
    AllOf(Vec<ScopeExpr>),
    AnyOf(Vec<ScopeExpr>),
    /// `{if: <param>, then: expr, else: expr}`.
    If {
        condition: String,
        then: Box<ScopeExpr>,
        otherwise: Option<Box<ScopeExpr>>,
    },
    /// `{for: <var>, in: <param>, each: <template>}`.
    ForEach {
        variable: String,
        collection: String,
        each: String,
    },
}

/// Builds the model of every service in `refs`, whose schemas stage 2 resolved into `schemas`
/// (by service name).
pub fn build(
    refs: &References,
    mut schemas: BTreeMap<String, ResolvedSchemas>,
) -> Result<Vec<Service>> {
    let mut services: Vec<Service> = refs
        .service_names()
        .into_iter()
        .map(|name| {
            let api = refs.services.iter().find(|s| s.api.service_name == name);
            let exchanges = refs.exchanges.iter().find(|e| e.doc.service_name == name);
            let resolved = schemas
                .remove(name)
                .expect("the pipeline resolves every service before building it");
            build_service(api, exchanges, resolved)
        })
        .collect::<Result<_>>()?;
    // Modules (and features, and client names) are unique and never a name the crate uses
    // itself; services are sorted by name, so the numbering is stable.
    let mut modules = Claimed::reserving(CRATE_ITEMS);
    for service in &mut services {
        let base = if CRATE_ITEMS.contains(&service.module.as_str()) {
            format!("{}_service", service.module)
        } else {
            service.module.clone()
        };
        service.module = modules.claim(&base);
        if service.module != base {
            service.client = pascal(&service.module);
        }
    }
    Ok(services)
}

/// Names at the generated crate's root that a service module must not take.
pub const CRATE_ITEMS: &[&str] = &["chrono", "lib", "runtime", "serde_json"];

fn build_service(
    api: Option<&ServiceReference>,
    exchanges: Option<&ExchangesReference>,
    schemas: ResolvedSchemas,
) -> Result<Service> {
    let (service_name, api_version, title, description, file) = match (api, exchanges) {
        (Some(a), _) => (
            &a.api.service_name,
            &a.api.api_version,
            &a.api.title,
            &a.api.description,
            &a.file,
        ),
        (None, Some(e)) => (
            &e.doc.service_name,
            &e.doc.api_version,
            &e.doc.title,
            &e.doc.description,
            &e.file,
        ),
        (None, None) => unreachable!("a service comes from one reference or the other"),
    };
    let entries: &[ApiEntry] = api.map_or(&[], |a| &a.api.entries);
    let mut methods = Vec::with_capacity(entries.len());
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    // The client's own `new`; a method called `new` becomes `new_`.
    let mut functions = Claimed::reserving(&["new"]);
    for (i, entry) in entries.iter().enumerate() {
        let at = format!("/entries/{i}");
        let mut method = build_method(file, &at, entry)?;
        if let Some(first) = seen.insert(entry.name.clone(), i) {
            return Err(Error::new(
                file,
                format!("{at}/name"),
                format!(
                    "method name {:?} is already used by /entries/{first}",
                    entry.name
                ),
            ));
        }
        let base = if method.function == "new" {
            "new_".to_owned()
        } else {
            method.function.clone()
        };
        method.function = functions.claim(&base);
        methods.push(method);
    }
    // Then the names derived from methods' own, so that no method is renamed for them.
    for method in &mut methods {
        if method.query.iter().any(|q| q.name == "continuationToken") {
            method.stream_function = Some(functions.claim(&format!("{}_stream", method.function)));
        }
    }
    let mut events = match exchanges {
        Some(e) => Some(build_events(e)?),
        None => None,
    };
    for (method, entry) in methods.iter_mut().zip(entries) {
        method.input = entry.input.as_ref().map(|r| schemas.roots[r].clone());
        method.output = entry.output.as_ref().map(|r| schemas.roots[r].clone());
    }
    if let (Some(events), Some(reference)) = (&mut events, exchanges) {
        for (exchange, entry) in events.exchanges.iter_mut().zip(&reference.doc.entries) {
            exchange.message = schemas.roots[&entry.schema].clone();
        }
    }
    Ok(Service {
        name: service_name.clone(),
        module: snake(service_name),
        client: pascal(service_name),
        api_version: api_version.clone(),
        title: crate::model::docs::markdown(title),
        description: crate::model::docs::markdown(description),
        plain_title: title.clone(),
        methods,
        events,
        schemas,
        file: file.clone(),
    })
}

/// The exchanges of `reference`.
fn build_events(reference: &ExchangesReference) -> Result<Events> {
    let file = &reference.file;
    let doc = &reference.doc;
    let mut idents = Claimed::default();
    let mut names: BTreeMap<&str, usize> = BTreeMap::new();
    let mut exchanges = Vec::with_capacity(doc.entries.len());
    for (i, entry) in doc.entries.iter().enumerate() {
        let at = format!("/entries/{i}");
        let err = |field: &str, message: String| Error::new(file, format!("{at}/{field}"), message);
        if let Some(first) = names.insert(&entry.exchange, i) {
            return Err(err(
                "exchange",
                format!("exchange {:?} is also /entries/{first}", entry.exchange),
            ));
        }
        if entry.exchange.is_empty() || entry.exchange.contains(['*', '#', ' ']) {
            return Err(err(
                "exchange",
                format!("{:?} is not an exchange name", entry.exchange),
            ));
        }
        let mut fields = Claimed::default();
        let mut routing_key = Vec::with_capacity(entry.routing_key.len());
        for (j, part) in entry.routing_key.iter().enumerate() {
            if part.multiple_words && routing_key.iter().any(|p: &KeyPart| p.multiple_words) {
                return Err(err(
                    &format!("routingKey/{j}/multipleWords"),
                    "a routing key has at most one multiple-word entry".into(),
                ));
            }
            routing_key.push(KeyPart {
                name: part.name.clone(),
                ident: fields.claim(&snake(&part.name)),
                summary: crate::model::docs::markdown(&part.summary),
                multiple_words: part.multiple_words,
                required: part.required,
                constant: part.constant.clone(),
            });
        }
        exchanges.push(Exchange {
            name: entry.name.clone(),
            ident: idents.claim(&pascal(&entry.name)),
            exchange: entry.exchange.clone(),
            title: crate::model::docs::markdown(&entry.title),
            description: crate::model::docs::markdown(&entry.description),
            routing_key,
            message: String::new(),
        });
    }
    Ok(Events {
        title: crate::model::docs::markdown(&doc.title),
        description: crate::model::docs::markdown(&doc.description),
        prefix: doc.exchange_prefix.clone(),
        exchanges,
        file: file.clone(),
    })
}

fn build_method(file: &PathBuf, at: &str, entry: &ApiEntry) -> Result<Method> {
    let err = |field: &str, message: String| Error::new(file, format!("{at}/{field}"), message);
    if entry.name.is_empty() || !entry.name.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(err(
            "name",
            format!("{:?} is not a method name", entry.name),
        ));
    }
    let http = HttpMethod::parse(&entry.method)
        .ok_or_else(|| err("method", format!("unknown HTTP method {:?}", entry.method)))?;
    let stability = match entry.stability.as_str() {
        "stable" => Stability::Stable,
        "experimental" => Stability::Experimental,
        "deprecated" => Stability::Deprecated,
        other => return Err(err("stability", format!("unknown stability {other:?}"))),
    };
    // The method's other parameters; route parameters come first and must not shadow them.
    let mut idents = Claimed::reserving(&["payload", "query"]);
    let args: Vec<Param> = entry
        .args
        .iter()
        .map(|name| Param {
            name: name.clone(),
            ident: idents.claim(&snake(name)),
        })
        .collect();
    let path = parse_route(&entry.route, &args).map_err(|m| err("route", m))?;
    let mut query_idents = Claimed::default();
    let query = entry
        .query
        .iter()
        .map(|name| QueryParam {
            name: name.clone(),
            ident: query_idents.claim(&snake(name)),
            kind: QueryKind::of(name),
            description: String::new(),
        })
        .collect();
    let scopes = entry
        .scopes
        .as_ref()
        .map(|s| parse_scopes(s).map_err(|m| err("scopes", m)))
        .transpose()?;
    Ok(Method {
        name: entry.name.clone(),
        function: snake(&entry.name),
        title: crate::model::docs::markdown(&entry.title),
        description: crate::model::docs::markdown(&entry.description),
        plain_description: entry.description.clone(),
        http,
        path,
        args,
        query,
        input: None,
        output: None,
        scopes,
        stability,
        stream_function: None,
        headers: Vec::new(),
        answer: Answer::Json,
        authenticated: true,
        aliases: Vec::new(),
        counterpart: None,
    })
}

/// `/task/<taskId>/runs/<runId>` → literal and parameter parts, without the leading `/`.
fn parse_route(route: &str, args: &[Param]) -> std::result::Result<Vec<PathPart>, String> {
    let mut parts = Vec::new();
    let mut rest = route.trim_start_matches('/');
    let mut used = vec![false; args.len()];
    while !rest.is_empty() {
        match rest.find('<') {
            Some(start) => {
                if start > 0 {
                    parts.push(PathPart::Literal(rest[..start].to_owned()));
                }
                let end = rest[start..]
                    .find('>')
                    .map(|e| start + e)
                    .ok_or_else(|| format!("unclosed parameter in route {route:?}"))?;
                let name = &rest[start + 1..end];
                let index = args
                    .iter()
                    .position(|a| a.name == name)
                    .ok_or_else(|| format!("route parameter <{name}> is not in args"))?;
                used[index] = true;
                parts.push(PathPart::Param(index));
                rest = &rest[end + 1..];
            }
            None => {
                parts.push(PathPart::Literal(rest.to_owned()));
                rest = "";
            }
        }
    }
    if let Some(unused) = used.iter().position(|u| !u) {
        return Err(format!(
            "argument {:?} does not appear in route {route:?}",
            args[unused].name
        ));
    }
    Ok(parts)
}

fn parse_scopes(value: &Value) -> std::result::Result<ScopeExpr, String> {
    let list = |v: &Value| -> std::result::Result<Vec<ScopeExpr>, String> {
        v.as_array()
            .ok_or_else(|| "expected an array".to_owned())?
            .iter()
            .map(parse_scopes)
            .collect()
    };
    match value {
        Value::String(s) => Ok(ScopeExpr::Scope(s.clone())),
        Value::Object(map) => {
            if let Some(v) = map.get("AllOf") {
                Ok(ScopeExpr::AllOf(list(v)?))
            } else if let Some(v) = map.get("AnyOf") {
                Ok(ScopeExpr::AnyOf(list(v)?))
            } else if let Some(Value::String(condition)) = map.get("if") {
                let then = map.get("then").ok_or("`if` without `then`")?;
                Ok(ScopeExpr::If {
                    condition: condition.clone(),
                    then: Box::new(parse_scopes(then)?),
                    otherwise: map
                        .get("else")
                        .map(|e| parse_scopes(e).map(Box::new))
                        .transpose()?,
                })
            } else if let (Some(Value::String(v)), Some(Value::String(c)), Some(Value::String(e))) =
                (map.get("for"), map.get("in"), map.get("each"))
            {
                Ok(ScopeExpr::ForEach {
                    variable: v.clone(),
                    collection: c.clone(),
                    each: e.clone(),
                })
            } else {
                Err(format!("unknown scope expression {value}"))
            }
        }
        other => Err(format!("unknown scope expression {other}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(names: &[&str]) -> Vec<Param> {
        names
            .iter()
            .map(|n| Param {
                name: (*n).to_owned(),
                ident: snake(n),
            })
            .collect()
    }

    #[test]
    fn routes_split_into_literals_and_params() {
        let parts = parse_route("/task/<taskId>/runs/<runId>", &params(&["taskId", "runId"]));
        assert_eq!(
            parts.unwrap(),
            vec![
                PathPart::Literal("task/".into()),
                PathPart::Param(0),
                PathPart::Literal("/runs/".into()),
                PathPart::Param(1),
            ]
        );
        assert!(parse_route("/task/<taskId>", &params(&[])).is_err());
        assert!(parse_route("/task", &params(&["taskId"])).is_err());
    }
}
