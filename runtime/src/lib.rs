//! Runtime for the generated Taskcluster client.
//!
//! CONTRACT STUB: the public items below are what generated code calls. The runtime issue
//! replaces the bodies; the signatures are the interface with `codegen`.

use std::fmt;
use std::time::Duration;

pub use reqwest::Method;

/// Errors from a Taskcluster call.
#[derive(Debug)]
pub struct Error(String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

/// Result of a Taskcluster call.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Configuration shared by every service client: root URL, credentials, HTTP settings.
#[derive(Clone, Debug)]
pub struct ClientConfig {
    root_url: String,
}

impl ClientConfig {
    /// A configuration for `root_url`, without credentials.
    pub fn new(root_url: impl Into<String>) -> Self {
        ClientConfig {
            root_url: root_url.into(),
        }
    }
}

/// A client for one service of one deployment; cheap to clone.
#[derive(Clone, Debug)]
pub struct Client {
    service: &'static str,
    api_version: &'static str,
    config: ClientConfig,
}

impl Client {
    /// A client for `service` at `api_version` (for example `"queue"`, `"v1"`).
    pub fn new(config: &ClientConfig, service: &'static str, api_version: &'static str) -> Self {
        Client {
            service,
            api_version,
            config: config.clone(),
        }
    }

    /// Starts a request to `path` (relative to the service's base URL, already escaped).
    pub fn request(&self, method: Method, path: String) -> Request<'_> {
        let _ = (&self.service, &self.api_version, &self.config.root_url);
        Request {
            client: self,
            method,
            path,
            query: Vec::new(),
            body: None,
        }
    }
}

/// Percent-escapes one route parameter so that `/`, spaces, `%` and unicode round-trip.
pub fn escape(param: &str) -> String {
    param.to_owned()
}

/// One request being built; see [`Client::request`].
#[must_use]
pub struct Request<'a> {
    client: &'a Client,
    method: Method,
    path: String,
    query: Vec<(&'static str, String)>,
    body: Option<Result<Vec<u8>, serde_json::Error>>,
}

impl Request<'_> {
    /// Adds `name=value` to the query string when `value` is `Some`.
    pub fn query(mut self, name: &'static str, value: Option<impl fmt::Display>) -> Self {
        if let Some(v) = value {
            self.query.push((name, v.to_string()));
        }
        self
    }

    /// Sets a JSON body.
    pub fn json<B: serde::Serialize + ?Sized>(mut self, body: &B) -> Self {
        self.body = Some(serde_json::to_vec(body));
        self
    }

    /// Sends the request and parses the JSON response as `T`.
    pub async fn send<T: serde::de::DeserializeOwned>(self) -> Result<T> {
        let _ = (self.client, self.method, self.path, self.query, self.body);
        Err(Error("not implemented".into()))
    }

    /// Sends the request, expecting no meaningful response body.
    pub async fn send_empty(self) -> Result<()> {
        let _ = (self.client, self.method, self.path, self.query, self.body);
        Err(Error("not implemented".into()))
    }

    /// The request's URL, unsigned.
    pub fn url(self) -> Result<String> {
        Err(Error("not implemented".into()))
    }

    /// The request's URL with a Hawk bewit valid for `ttl`.
    pub fn signed_url(self, ttl: Duration) -> Result<String> {
        let _ = ttl;
        Err(Error("not implemented".into()))
    }
}
