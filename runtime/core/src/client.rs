//! A client of one service: where its calls go, how they are authenticated and sent, and the
//! rules of its API family.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::HeaderMap;
use tracing::Span;
use url::Url;

use crate::auth::Auth;
use crate::error::{Error, ErrorKind, Result};
use crate::retry::RetryConfig;
use crate::transport::{DEFAULT_TIMEOUT, HttpTransport, Transport};

/// The rules of one API family, which the core follows for every call.
#[derive(Clone, Copy)]
pub struct Family {
    /// The span of one call (`tc.call`, `rucio.call`): the family names it.
    pub call_span: fn(service: &str, method: Option<&'static str>, http: &reqwest::Method) -> Span,
    /// The error for an answer with status 400 or more.
    pub error: fn(status: u16, headers: &HeaderMap, body: &[u8]) -> Error,
    /// The request and trace ids an answer gives, for spans.
    pub answer_ids: fn(headers: &HeaderMap) -> (Option<String>, Option<String>),
    /// Whether calls that are not idempotent (`POST`, `PATCH`) are retried after a 5xx or a
    /// lost connection: Taskcluster's APIs are written so they can be; Rucio's are not.
    pub retry_writes: bool,
    /// Whether redirects are followed (Rucio) or are the answer (Taskcluster's 303s carry JSON).
    pub follow_redirects: bool,
}

impl fmt::Debug for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Family")
            .field("retry_writes", &self.retry_writes)
            .field("follow_redirects", &self.follow_redirects)
            .finish_non_exhaustive()
    }
}

pub(crate) struct Inner {
    pub(crate) family: Family,
    pub(crate) service: &'static str,
    /// Where requests go (a proxy's base, or the public one), ending in `/`.
    pub(crate) request_base: String,
    /// The service's public base, for [`Request::url`] and signed URLs, ending in `/`.
    pub(crate) public_base: String,
    /// Why a base is invalid, reported by every request (a client is made without failing).
    pub(crate) base_error: Option<String>,
    /// Only these get the authentication and the client's headers.
    pub(crate) origins: Vec<url::Origin>,
    pub(crate) auth: Option<Arc<dyn Auth>>,
    pub(crate) url_auth: Option<Arc<dyn Auth>>,
    pub(crate) transport: std::result::Result<Arc<dyn Transport>, String>,
    pub(crate) retry: RetryConfig,
    pub(crate) timeout: Option<Duration>,
    pub(crate) headers: HeaderMap,
}

/// A client of one service: cheap to clone (clones share the connection pool and the
/// credentials' state, such as a token).
///
/// Family crates make them (Taskcluster's `Client::new`, Rucio's `RucioClient::new`);
/// generated methods call [`Client::request`](crate::Client::request).
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.inner;
        f.debug_struct("Client")
            .field("service", &i.service)
            .field("base_url", &i.public_base)
            .field("auth", &i.auth)
            .field("transport", &i.transport.as_ref().ok())
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Starts a client of `service` of a `family` at `base_url` (the URL its paths are
    /// relative to).
    pub fn builder(family: Family, service: &'static str, base_url: &str) -> ClientBuilder {
        ClientBuilder {
            family,
            service,
            public_base: with_slash(base_url),
            request_base: None,
            extra_origins: Vec::new(),
            auth: None,
            url_auth: None,
            transport: None,
            retry: RetryConfig::default(),
            timeout: None,
            headers: HeaderMap::new(),
        }
    }

    /// The service's name (`"queue"`).
    pub fn service(&self) -> &'static str {
        self.inner.service
    }

    /// The service's base URL (ending in `/`): the public one, even through a proxy.
    pub fn base_url(&self) -> &str {
        &self.inner.public_base
    }

    /// The retry policy.
    pub fn retry_config(&self) -> &RetryConfig {
        &self.inner.retry
    }

    /// The transport, or why it could not be made.
    pub fn transport(&self) -> Result<&Arc<dyn Transport>> {
        self.inner
            .transport
            .as_ref()
            .map_err(|e| Error::new(ErrorKind::Config, e.clone()))
    }

    /// The authentication of requests, if any.
    pub fn auth(&self) -> Option<&Arc<dyn Auth>> {
        self.inner.auth.as_ref()
    }
}

/// Makes a [`Client`]; see [`Client::builder`].
#[must_use]
pub struct ClientBuilder {
    family: Family,
    service: &'static str,
    public_base: String,
    request_base: Option<String>,
    extra_origins: Vec<String>,
    auth: Option<Arc<dyn Auth>>,
    url_auth: Option<Arc<dyn Auth>>,
    transport: Option<std::result::Result<Arc<dyn Transport>, String>>,
    retry: RetryConfig,
    timeout: Option<Duration>,
    headers: HeaderMap,
}

impl ClientBuilder {
    /// Sends requests to `base_url` instead (a proxy); URLs handed out keep the public base.
    pub fn request_base(mut self, base_url: &str) -> Self {
        self.request_base = Some(with_slash(base_url));
        self
    }

    /// Trusts `url`'s origin with the authentication and headers too (an auth host).
    pub fn origin(mut self, url: &str) -> Self {
        self.extra_origins.push(url.to_owned());
        self
    }

    /// Authenticates requests with `auth`, and signs URLs with it unless
    /// [`url_auth`](Self::url_auth) says otherwise.
    pub fn auth(mut self, auth: Option<Arc<dyn Auth>>) -> Self {
        if self.url_auth.is_none() {
            self.url_auth.clone_from(&auth);
        }
        self.auth = auth;
        self
    }

    /// Signs URLs with `auth` (with a proxy, requests go unsigned but URLs are signed).
    pub fn url_auth(mut self, auth: Option<Arc<dyn Auth>>) -> Self {
        self.url_auth = auth;
        self
    }

    /// Sends through `transport`, or reports `Err`'s reason on every request.
    pub fn transport(mut self, transport: std::result::Result<Arc<dyn Transport>, String>) -> Self {
        self.transport = Some(transport);
        self
    }

    /// Retries as `retry` says.
    pub fn retry(mut self, retry: RetryConfig) -> Self {
        self.retry = retry;
        self
    }

    /// Bounds each attempt that reads its whole answer.
    pub fn timeout(mut self, timeout: Option<Duration>) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sends `headers` with every request to the client's own hosts.
    pub fn headers(mut self, headers: HeaderMap) -> Self {
        self.headers = headers;
        self
    }

    /// The client. It never fails: an invalid base URL or transport is reported by each request.
    pub fn build(self) -> Client {
        let request_base = self
            .request_base
            .unwrap_or_else(|| self.public_base.clone());
        let mut base_error = None;
        let mut origins = Vec::new();
        for base in [&self.public_base, &request_base]
            .into_iter()
            .chain(&self.extra_origins)
        {
            match parse_base(base) {
                Ok(url) => origins.push(url.origin()),
                Err(e) => {
                    base_error.get_or_insert(e);
                }
            }
        }
        let transport = self.transport.unwrap_or_else(|| {
            HttpTransport::build(DEFAULT_TIMEOUT, |b| b)
                .map(|t| Arc::new(t) as Arc<dyn Transport>)
                .map_err(|e| e.message().to_owned())
        });
        Client {
            inner: Arc::new(Inner {
                family: self.family,
                service: self.service,
                request_base,
                public_base: self.public_base,
                base_error,
                origins,
                auth: self.auth,
                url_auth: self.url_auth,
                transport,
                retry: self.retry,
                timeout: self.timeout,
                headers: self.headers,
            }),
        }
    }
}

fn with_slash(base: &str) -> String {
    let mut base = base.to_owned();
    if !base.ends_with('/') {
        base.push('/');
    }
    base
}

/// A base URL: http(s), with a host.
fn parse_base(base: &str) -> std::result::Result<Url, String> {
    let url = Url::parse(base).map_err(|e| format!("invalid URL {base:?}: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") || !url.has_host() {
        return Err(format!("URL {base:?} is not an http(s) URL with a host"));
    }
    Ok(url)
}
