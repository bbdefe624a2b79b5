//! Taskcluster's references as the model has them: each `api.json` entry a method (route
//! parsed, scope expression read, stability checked), each `exchanges.json` entry an exchange,
//! every body named by the schema reference the entry writes.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use super::references::{ApiEntry, ExchangesReference, References};
use crate::error::{Error, Result};
use crate::front::api::{
    Answer, Events, Exchange, HttpMethod, KeyPart, Method, Param, PathPart, QueryKind, QueryParam,
    SchemaRef, ScopeExpr, Service, Stability, check_service_name,
};
use crate::front::docs::markdown;
use crate::idents::{Claimed, pascal, snake};

/// Every service of `refs`, sorted by name: one per `api.json`, `exchanges.json` or both.
pub fn describe(refs: &References) -> Result<Vec<Service<SchemaRef>>> {
    check(refs)?;
    refs.service_names()
        .into_iter()
        .map(|name| {
            let api = refs.services.iter().find(|s| s.api.service_name == name);
            let exchanges = refs.exchanges.iter().find(|e| e.doc.service_name == name);
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
            let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
            for (i, entry) in entries.iter().enumerate() {
                let at = format!("/entries/{i}");
                let method = method(file, &at, entry)?;
                if let Some(first) = seen.insert(&entry.name, i) {
                    return Err(Error::new(
                        file,
                        format!("{at}/name"),
                        format!(
                            "method name {:?} is already used by /entries/{first}",
                            entry.name
                        ),
                    ));
                }
                methods.push(method);
            }
            Ok(Service {
                name: service_name.clone(),
                api_version: Some(api_version.clone()),
                title: markdown(title),
                description: markdown(description),
                plain_title: title.clone(),
                methods,
                events: exchanges.map(events).transpose()?,
                file: file.clone(),
            })
        })
        .collect()
}

/// Checks what the later stages build on: each service's name (a URL segment, a module, a
/// cargo feature) and API version.
fn check(refs: &References) -> Result<()> {
    let apis = refs
        .services
        .iter()
        .map(|a| (&a.file, &a.api.service_name, &a.api.api_version));
    let exchanges = refs
        .exchanges
        .iter()
        .map(|e| (&e.file, &e.doc.service_name, &e.doc.api_version));
    // By service, each service's `api.json` before its `exchanges.json`.
    let mut documents: Vec<_> = apis.chain(exchanges).collect();
    documents.sort_by_key(|(_, name, _)| name.as_str());
    for (file, name, version) in documents {
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
    Ok(())
}

fn method(file: &Path, at: &str, entry: &ApiEntry) -> Result<Method<SchemaRef>> {
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
            description: String::new(),
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
            kind: query_kind(name),
            description: String::new(),
        })
        .collect();
    let scopes = entry
        .scopes
        .as_ref()
        .map(|s| parse_scopes(s).map_err(|m| err("scopes", m)))
        .transpose()?;
    let body = |key: &str, reference: &Option<String>| {
        reference.as_ref().map(|r| SchemaRef {
            reference: r.clone(),
            file: file.to_owned(),
            pointer: format!("{at}/{key}"),
        })
    };
    Ok(Method {
        name: entry.name.clone(),
        function: snake(&entry.name),
        title: markdown(&entry.title),
        description: markdown(&entry.description),
        plain_description: entry.description.clone(),
        http,
        path,
        args,
        query,
        headers: Vec::new(),
        input: body("input", &entry.input),
        output: body("output", &entry.output),
        scopes,
        stability,
        stream_function: None,
        answer: Answer::Json,
        authenticated: true,
        aliases: Vec::new(),
        counterpart: None,
    })
}

/// The type of a query parameter: the references give only names; these are the types
/// Taskcluster's services validate them as.
fn query_kind(name: &str) -> QueryKind {
    match name {
        "limit" => QueryKind::Integer,
        "quarantined" | "includeArchived" => QueryKind::Boolean,
        _ => QueryKind::String,
    }
}

/// The exchanges of `reference`.
fn events(reference: &ExchangesReference) -> Result<Events<SchemaRef>> {
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
                summary: markdown(&part.summary),
                multiple_words: part.multiple_words,
                required: part.required,
                constant: part.constant.clone(),
            });
        }
        exchanges.push(Exchange {
            name: entry.name.clone(),
            ident: idents.claim(&pascal(&entry.name)),
            exchange: entry.exchange.clone(),
            title: markdown(&entry.title),
            description: markdown(&entry.description),
            routing_key,
            message: SchemaRef {
                reference: entry.schema.clone(),
                file: file.clone(),
                pointer: format!("{at}/schema"),
            },
        });
    }
    Ok(Events {
        title: markdown(&doc.title),
        description: markdown(&doc.description),
        prefix: doc.exchange_prefix.clone(),
        exchanges,
        file: file.clone(),
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
                description: String::new(),
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

    #[test]
    fn an_entry_becomes_a_method_naming_its_body_where_the_entry_does() {
        let refs = super::super::references::fixture::one_method(&[], "answer.json");
        let services = describe(&refs).unwrap_or_else(|e| panic!("{e}"));
        let [service] = services.as_slice() else {
            panic!("one service");
        };
        assert_eq!(service.api_version.as_deref(), Some("v1"));
        let [method] = service.methods.as_slice() else {
            panic!("one method");
        };
        assert_eq!(
            (method.name.as_str(), method.function.as_str()),
            ("get", "get")
        );
        assert_eq!(method.path, [PathPart::Literal("thing".into())]);
        assert_eq!(method.stability, Stability::Stable);
        assert!(method.headers.is_empty() && method.authenticated);
        let output = method.output.as_ref().unwrap();
        assert_eq!(output.reference, "v1/answer.json#");
        assert_eq!(output.pointer, "/entries/0/output");
    }

    #[test]
    fn an_unknown_stability_is_an_error_at_the_entry() {
        let mut refs = super::super::references::fixture::one_method(&[], "answer.json");
        refs.services[0].api.entries[0].stability = "beta".into();
        let e = describe(&refs).unwrap_err().to_string();
        assert!(e.contains("/entries/0/stability"), "{e}");
        assert!(e.contains("unknown stability \"beta\""), "{e}");
    }
}
