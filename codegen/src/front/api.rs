//! What every front end produces: its services and their methods in the model's own terms
//! (parameters by location, body, answer, authentication, docs as rustdoc markdown), each body
//! named by the schema that describes it. Stage 2 resolves those schemas; stage 3 replaces each
//! [`SchemaRef`] with the id of the type the schema became ([`Method::with_types`],
//! [`crate::model::TypeId`]).
//!
//! Fields one family lacks are `Option`s or empty, never a placeholder: an OpenAPI service has
//! no API version, an OpenAPI method no scope expression, a Taskcluster method no headers.

use std::path::PathBuf;

use crate::idents::pascal;

/// One service, as a front end describes it; `T` is how a body's type is named ([`SchemaRef`]
/// in the front ends, a [`crate::model::TypeId`] in the model).
#[derive(Debug)]
pub struct Service<T> {
    /// `purge-cache`.
    pub name: String,
    /// `v1`: Taskcluster's services have one; an OpenAPI tag has none.
    pub api_version: Option<String>,
    /// Title and description as rustdoc markdown.
    pub title: String,
    pub description: String,
    /// The title as the description has it, for plain-text help.
    pub plain_title: String,
    pub methods: Vec<Method<T>>,
    /// The Pulse exchanges (Taskcluster's `exchanges.json`), if the service has any.
    pub events: Option<Events<T>>,
    /// The document this came from (`api.json`, else `exchanges.json`; the OpenAPI spec).
    pub file: PathBuf,
}

/// Where a front end found the schema of a body or message: the reference as written, which
/// stage 2 follows from `/schemas/<service>/`, and the place that names it (for errors).
#[derive(Clone, Debug)]
pub struct SchemaRef {
    /// `v1/task.json#`.
    pub reference: String,
    /// The document that names it.
    pub file: PathBuf,
    /// JSON pointer of the name in that document, e.g. `/entries/12/input`.
    pub pointer: String,
}

/// One API method.
#[derive(Debug)]
pub struct Method<T> {
    /// `createTask`, as in the reference.
    pub name: String,
    /// `create_task`; stage 3 makes it unique in its service.
    pub function: String,
    /// Title and description as rustdoc markdown.
    pub title: String,
    pub description: String,
    /// The description as the reference has it, for plain-text help.
    pub plain_description: String,
    pub http: HttpMethod,
    pub path: Vec<PathPart>,
    /// Route parameters, in the order the route has them.
    pub args: Vec<Param>,
    /// Query-string parameters.
    pub query: Vec<QueryParam>,
    /// Header parameters (an OpenAPI front end's; Taskcluster's methods have none).
    pub headers: Vec<HeaderParam>,
    /// The request body's type.
    pub input: Option<T>,
    /// The response body's type (of each item, for a stream).
    pub output: Option<T>,
    /// Taskcluster's required scopes; OpenAPI has none.
    pub scopes: Option<ScopeExpr>,
    pub stability: Stability,
    /// `list_task_group_stream`: the name of the method streaming every item, for a method
    /// taking a `continuationToken` (whether it streams depends on its output, see
    /// [`crate::types::paging`]); stage 3 names it, after every method's own name.
    pub stream_function: Option<String>,
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

impl<T> Method<T> {
    /// `CreateTaskQuery`: the struct holding the query parameters, when there are any.
    pub fn query_struct(&self) -> String {
        format!("{}Query", pascal(&self.function))
    }

    /// The same method, its body types named by `name` (a [`crate::model::TypeId`] in stage 3).
    pub fn with_types<U>(self, mut name: impl FnMut(T) -> U) -> Method<U> {
        Method {
            input: self.input.map(&mut name),
            output: self.output.map(&mut name),
            name: self.name,
            function: self.function,
            title: self.title,
            description: self.description,
            plain_description: self.plain_description,
            http: self.http,
            path: self.path,
            args: self.args,
            query: self.query,
            headers: self.headers,
            scopes: self.scopes,
            stability: self.stability,
            stream_function: self.stream_function,
            answer: self.answer,
            authenticated: self.authenticated,
            aliases: self.aliases,
            counterpart: self.counterpart,
        }
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
    /// What it means, as the reference says it (an OpenAPI front end's; Taskcluster's
    /// references say nothing).
    pub description: String,
}

/// A query-string parameter; all are optional.
#[derive(Debug)]
pub struct QueryParam {
    pub name: String,
    pub ident: String,
    pub kind: QueryKind,
    /// What it means, as rustdoc markdown (an OpenAPI front end's; Taskcluster's references
    /// say nothing).
    pub description: String,
}

/// The Rust type of a query parameter.
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

/// A service's Pulse exchanges.
#[derive(Debug)]
pub struct Events<T> {
    pub title: String,
    pub description: String,
    /// `exchange/taskcluster-queue/v1/`.
    pub prefix: String,
    pub exchanges: Vec<Exchange<T>>,
    /// The `exchanges.json` this came from.
    pub file: PathBuf,
}

impl<T> Events<T> {
    /// The same exchanges, their messages' types named by `name` (a [`crate::model::TypeId`]
    /// in stage 3).
    pub fn with_types<U>(self, mut name: impl FnMut(T) -> U) -> Events<U> {
        Events {
            exchanges: self
                .exchanges
                .into_iter()
                .map(|e| Exchange {
                    message: name(e.message),
                    name: e.name,
                    ident: e.ident,
                    exchange: e.exchange,
                    title: e.title,
                    description: e.description,
                    routing_key: e.routing_key,
                })
                .collect(),
            title: self.title,
            description: self.description,
            prefix: self.prefix,
            file: self.file,
        }
    }
}

/// One exchange.
#[derive(Debug)]
pub struct Exchange<T> {
    /// `taskCompleted`.
    pub name: String,
    /// `TaskCompleted`: the routing-key struct and the service enum's variant.
    pub ident: String,
    /// `task-completed`.
    pub exchange: String,
    pub title: String,
    pub description: String,
    pub routing_key: Vec<KeyPart>,
    /// The message's type.
    pub message: T,
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

/// Checks a service name, which becomes a path segment of every URL, a module and a cargo
/// feature: what Taskcluster allows (`api-reference-v0.json`), which an OpenAPI front end's
/// names must meet too.
pub fn check_service_name(name: &str) -> std::result::Result<(), String> {
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

/// A schema document and where it came from.
#[derive(Debug)]
pub struct SchemaDocument {
    /// Path of the file (the references directory joined with its place in it), or the place
    /// in the spec for an OpenAPI front end's inline schemas.
    pub file: PathBuf,
    /// The document as read.
    pub content: serde_json::Value,
}

/// Every schema document a front end read, keyed by its `$id` without the trailing `#`.
pub type Schemas = std::collections::BTreeMap<String, SchemaDocument>;
