//! An OpenAPI document as read: its operations, their parameters, bodies and answers, before
//! any repair.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::error::{Error, Result, pointer_token};
use crate::front::api::HttpMethod;

/// The repair rule that takes a parameter `in: body` (OpenAPI 2's form) as the request body;
/// applied as the operation is read (see [`repairs`](super::repairs)).
pub const BODY_PARAMETER: &str = "body-parameter";

/// An OpenAPI document and where it came from.
#[derive(Debug)]
pub struct Spec {
    pub file: PathBuf,
    pub doc: Value,
}

/// Reads the OpenAPI document at `file` (YAML or JSON).
pub fn load(file: &Path) -> Result<Spec> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| Error::new(file, "", format!("cannot read: {e}")))?;
    let doc: Value = serde_yaml_ng::from_str(&text)
        .map_err(|e| Error::new(file, "", format!("not YAML or JSON: {e}")))?;
    let version = doc.get("openapi").and_then(Value::as_str).unwrap_or("");
    if !version.starts_with("3.") {
        return Err(Error::new(
            file,
            "/openapi",
            format!("{version:?} is not an OpenAPI 3 version"),
        ));
    }
    Ok(Spec {
        file: file.to_owned(),
        doc,
    })
}

/// One operation, repaired and named.
#[derive(Debug)]
pub struct Operation {
    /// The first tag (`Rucio Storage Elements`): which client the method belongs to.
    pub tag: String,
    /// `add_rse`: see [`naming`](super::naming).
    pub function: String,
    /// Other names to find it by (the name by rule, when Rucio's client's name replaced it).
    pub aliases: Vec<String>,
    /// The Python client's method for it (`DIDClient.get_did`), if it has one.
    pub counterpart: Option<String>,
    pub summary: String,
    pub description: String,
    pub http: HttpMethod,
    /// The path as the server routes it, after repairs.
    pub path: Vec<Segment>,
    pub params: Vec<Parameter>,
    /// The `application/json` request body's schema.
    pub body: Option<Value>,
    pub response: Response,
    /// Whether the call sends `X-Rucio-Auth-Token` (not the `/auth/*` calls that issue it).
    pub needs_token: bool,
    /// Whether the spec marks the operation `deprecated`.
    pub deprecated: bool,
    /// Where the operation is in the spec (`/paths/~1rses~1{rse}/post`), for errors.
    pub pointer: String,
    /// The repairs that changed it, by rule name.
    pub repairs: Vec<&'static str>,
}

/// A piece of a path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Segment {
    Literal(String),
    /// A parameter, by name.
    Param(String),
}

/// Where a parameter goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Location {
    Path,
    Query,
    Header,
}

/// A parameter of an operation.
#[derive(Clone, Debug)]
pub struct Parameter {
    pub name: String,
    pub location: Location,
    pub required: bool,
    pub description: String,
    pub schema: Value,
}

/// What a successful call answers.
#[derive(Clone, Debug, PartialEq)]
pub enum Response {
    /// One JSON document of this schema.
    Json(Value),
    /// `application/x-json-stream`: one JSON document of this schema per line.
    Stream(Value),
    /// Text (`text/plain`, metalink XML): given to the caller as it is.
    Text,
    /// Nothing the caller needs (a 201 or 204, or headers only).
    Empty,
    /// A redirect (303) to where the data is: the URL, not followed.
    Location,
}

/// Every operation of `spec` as written (but for a body given as a parameter: see
/// [`BODY_PARAMETER`]), neither repaired nor named.
pub fn read_operations(spec: &Spec) -> Result<Vec<Operation>> {
    let paths = spec
        .doc
        .get("paths")
        .and_then(Value::as_object)
        .ok_or_else(|| Error::new(&spec.file, "/paths", "no paths"))?;
    let mut ops = Vec::new();
    for (path, item) in paths {
        let Some(item) = item.as_object() else {
            let at = format!("/paths/{}", pointer_token(path));
            return Err(Error::new(&spec.file, at, "not a path item"));
        };
        for (method, op) in item {
            let Some(http) = HttpMethod::parse(method) else {
                continue;
            };
            let pointer = format!("/paths/{}/{method}", pointer_token(path));
            ops.push(read_operation(spec, &pointer, http, path, op)?);
        }
    }
    Ok(ops)
}

fn text(v: &Value, key: &str) -> String {
    v.get(key).and_then(Value::as_str).unwrap_or("").to_owned()
}

fn read_operation(
    spec: &Spec,
    pointer: &str,
    http: HttpMethod,
    path: &str,
    op: &Value,
) -> Result<Operation> {
    let err = |at: &str, message: String| Error::new(&spec.file, format!("{pointer}{at}"), message);
    let tag = op
        .get("tags")
        .and_then(|t| t.get(0))
        .and_then(Value::as_str)
        .ok_or_else(|| err("/tags", "an operation needs a tag (its client)".into()))?;
    let mut params = Vec::new();
    let mut body_parameter = None;
    for (i, p) in op
        .get("parameters")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let at = format!("/parameters/{i}");
        let location = match p.get("in").and_then(Value::as_str) {
            Some("path") => Location::Path,
            Some("query") => Location::Query,
            Some("header") => Location::Header,
            // OpenAPI 2's way of giving the body, met in a 3.0 spec: see `repairs`.
            Some("body") => {
                body_parameter = p.pointer("/content/application~1json/schema").cloned();
                continue;
            }
            other => return Err(err(&at, format!("parameter in {other:?} is not supported"))),
        };
        params.push(Parameter {
            name: text(p, "name"),
            location,
            required: p.get("required").and_then(Value::as_bool) == Some(true)
                || location == Location::Path,
            description: text(p, "description"),
            schema: p.get("schema").cloned().unwrap_or(Value::Bool(true)),
        });
    }
    let mut repairs = Vec::new();
    let mut body = op
        .pointer("/requestBody/content/application~1json/schema")
        .cloned();
    if body.is_none() && body_parameter.is_some() {
        body = body_parameter;
        repairs.push(BODY_PARAMETER);
    }
    Ok(Operation {
        tag: tag.to_owned(),
        function: String::new(),
        aliases: Vec::new(),
        counterpart: None,
        summary: text(op, "summary"),
        description: text(op, "description"),
        http,
        path: parse_path(path).map_err(|m| err("", m))?,
        params,
        body,
        response: response(op),
        needs_token: true,
        deprecated: op.get("deprecated").and_then(Value::as_bool) == Some(true),
        pointer: pointer.to_owned(),
        repairs,
    })
}

/// `/rses/{rse}/attr/{key}` → literals and parameters; a trailing `/` is kept, since the
/// server routes `/x` and `/x/` apart.
fn parse_path(path: &str) -> std::result::Result<Vec<Segment>, String> {
    let rest = path
        .strip_prefix('/')
        .ok_or_else(|| format!("path {path:?} does not start with /"))?;
    rest.split('/')
        .map(
            |s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(name) if !name.is_empty() => Ok(Segment::Param(name.to_owned())),
                Some(_) => Err(format!("path {path:?} has an unnamed parameter")),
                None if s.contains(['{', '}']) => Err(format!(
                    "path {path:?}: a parameter must be a whole segment"
                )),
                None => Ok(Segment::Literal(s.to_owned())),
            },
        )
        .collect()
}

/// The first 2xx answer's content, as the caller will see it.
fn response(op: &Value) -> Response {
    let Some(responses) = op.get("responses").and_then(Value::as_object) else {
        return Response::Empty;
    };
    let Some(ok) = responses
        .iter()
        .find(|(code, _)| code.starts_with('2'))
        .map(|(_, r)| r)
    else {
        return Response::Empty;
    };
    let content = ok.get("content").and_then(Value::as_object);
    let schema = |ct: &str| content?.get(ct).map(|c| c.get("schema").cloned());
    if let Some(s) = schema("application/x-json-stream") {
        // The spec writes a stream as an array of its items.
        let item = s
            .as_ref()
            .and_then(|s| s.get("items").cloned())
            .unwrap_or(Value::Bool(true));
        return Response::Stream(item);
    }
    if let Some(s) = schema("application/json") {
        return Response::Json(s.unwrap_or(Value::Bool(true)));
    }
    if content.is_some_and(|c| !c.is_empty()) {
        return Response::Text;
    }
    Response::Empty
}
