//! Runtime for the generated Taskcluster client: configuration and credentials, Taskcluster's
//! URL rules, Hawk signing (headers, signed URLs, temporary credentials), and an HTTP
//! transport with retries and one rich [`Error`] type.
//!
//! Generated service clients wrap a [`Client`]; a [`ClientConfig`] is shared by all of them and
//! so is its HTTP connection pool.
//!
//! ```no_run
//! use std::time::Duration;
//! use tc_runtime::{Client, ClientConfig, Credentials, Method};
//!
//! # async fn demo() -> tc_runtime::Result<()> {
//! let config = ClientConfig::new("https://tc.example.com")
//!     .with_credentials(Credentials::new("my-client", "my-access-token"))
//!     .with_timeout(Duration::from_secs(10))
//!     .with_retries(3);
//! // Or: let config = ClientConfig::from_env()?;
//! let queue = Client::new(&config, "queue", "v1");
//! let task_id = "fN1SbArXTPSVFNUvaOlinQ";
//! let status: serde_json::Value = queue
//!     .request(Method::GET, format!("task/{}/status", tc_runtime::escape(task_id)))
//!     .send()
//!     .await?;
//! let listing: serde_json::Value = queue
//!     .request(Method::GET, format!("task-group/{}/list", tc_runtime::escape(task_id)))
//!     .query("limit", Some(10))
//!     .query("continuationToken", None::<&str>)
//!     .send()
//!     .await?;
//! let signed = queue
//!     .request(Method::GET, format!("task/{}", tc_runtime::escape(task_id)))
//!     .signed_url(Duration::from_secs(900))?;
//! # let _ = (status, listing, signed);
//! # Ok(())
//! # }
//! ```
//!
//! Every request is signed afresh (new timestamp and nonce) on each attempt, over the full path
//! *and query string*, and JSON bodies carry a Hawk payload hash.

use std::fmt;
use std::fmt::Write as _;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderValue};
use url::{Position, Url};

pub mod credentials;
mod error;
pub mod hawk;
pub mod urls;

pub use credentials::{Certificate, Credentials};
pub use error::{Error, ErrorKind, Result};
pub use reqwest::Method;

const JSON: &str = "application/json";

/// How failed attempts are retried: 5xx answers and transport errors (connection refused or
/// reset, timeouts) are; 4xx answers never are.
///
/// Before retry number `n` (0 for the first retry) the client waits
/// `min(2^n × delay_factor × random(1 ± randomization_factor), max_delay)`.
#[derive(Clone, Debug, PartialEq)]
pub struct RetryConfig {
    /// How many times a failed attempt is retried (so at most `retries + 1` attempts). Default 5.
    pub retries: u32,
    /// Base delay. Default 100 ms.
    pub delay_factor: Duration,
    /// Random spread of each delay. Default 0.25, i.e. ×0.75 to ×1.25.
    pub randomization_factor: f64,
    /// Longest delay. Default 30 s.
    pub max_delay: Duration,
}

impl Default for RetryConfig {
    fn default() -> Self {
        RetryConfig {
            retries: 5,
            delay_factor: Duration::from_millis(100),
            randomization_factor: 0.25,
            max_delay: Duration::from_secs(30),
        }
    }
}

impl RetryConfig {
    /// The delay before retry number `retry` (0 for the first retry).
    pub fn delay(&self, retry: u32) -> Duration {
        let spread = self.randomization_factor * (fastrand::f64() * 2.0 - 1.0) + 1.0;
        let base = self.delay_factor.as_secs_f64() * 2f64.powi(retry.min(62) as i32);
        let secs = (base * spread).max(0.0);
        Duration::try_from_secs_f64(secs)
            .unwrap_or(self.max_delay)
            .min(self.max_delay)
    }
}

/// The default timeout of one HTTP attempt: 30 s.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

type HttpSlot = Arc<OnceLock<std::result::Result<reqwest::Client, String>>>;

/// Configuration shared by every service client: root URL, credentials, HTTP settings.
///
/// Clones share one HTTP client (connection pool), built on first use; the setters that change
/// HTTP settings start a new one. `Debug` never shows secrets.
#[derive(Clone, Debug)]
pub struct ClientConfig {
    root_url: String,
    credentials: Option<Credentials>,
    proxy_url: Option<String>,
    timeout: Duration,
    retry: RetryConfig,
    http: HttpSlot,
}

impl ClientConfig {
    /// A configuration for `root_url`, without credentials.
    pub fn new(root_url: impl Into<String>) -> Self {
        ClientConfig {
            root_url: root_url.into(),
            credentials: None,
            proxy_url: None,
            timeout: DEFAULT_TIMEOUT,
            retry: RetryConfig::default(),
            http: HttpSlot::default(),
        }
    }

    /// A configuration from the environment: `TASKCLUSTER_ROOT_URL` (required),
    /// `TASKCLUSTER_CLIENT_ID`, `TASKCLUSTER_ACCESS_TOKEN`, `TASKCLUSTER_CERTIFICATE` and
    /// `TASKCLUSTER_PROXY_URL`. Empty values count as unset; without a client id calls are
    /// unauthenticated, and with a proxy URL they go unsigned through taskcluster-proxy.
    pub fn from_env() -> Result<Self> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self> {
        let get = |k: &str| get(k).filter(|v| !v.is_empty());
        let root = get("TASKCLUSTER_ROOT_URL")
            .ok_or_else(|| Error::new(ErrorKind::Config, "TASKCLUSTER_ROOT_URL is not set"))?;
        let mut config = ClientConfig::new(root);
        config.credentials = Credentials::from_lookup(get)?;
        config.proxy_url = get("TASKCLUSTER_PROXY_URL");
        Ok(config)
    }

    /// Uses `credentials` to sign requests.
    pub fn with_credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// Sends requests unauthenticated.
    pub fn without_credentials(mut self) -> Self {
        self.credentials = None;
        self
    }

    /// Sends requests, unsigned, through the taskcluster-proxy at `proxy_url` (which signs
    /// them). URLs from [`Request::url`] and [`Request::signed_url`] still use the root URL.
    pub fn with_proxy_url(mut self, proxy_url: impl Into<String>) -> Self {
        self.proxy_url = Some(proxy_url.into()).filter(|u| !u.is_empty());
        self
    }

    /// Sets the timeout of each HTTP attempt (default 30 s).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self.http = HttpSlot::default();
        self
    }

    /// Sets how many times failed attempts are retried (default 5).
    pub fn with_retries(mut self, retries: u32) -> Self {
        self.retry.retries = retries;
        self
    }

    /// Sets the whole retry policy.
    pub fn with_retry_config(mut self, retry: RetryConfig) -> Self {
        self.retry = retry;
        self
    }

    /// Uses `client` for HTTP. It should not follow redirects (Taskcluster answers some calls,
    /// like `queue.getArtifact`, with a 303 whose JSON body is the result), and its own
    /// timeout applies instead of [`ClientConfig::with_timeout`]'s.
    pub fn with_http_client(mut self, client: reqwest::Client) -> Self {
        let slot = OnceLock::new();
        let _ = slot.set(Ok(client));
        self.http = Arc::new(slot);
        self
    }

    /// The root URL.
    pub fn root_url(&self) -> &str {
        &self.root_url
    }

    /// The credentials, if any.
    pub fn credentials(&self) -> Option<&Credentials> {
        self.credentials.as_ref()
    }

    /// The taskcluster-proxy URL, if any.
    pub fn proxy_url(&self) -> Option<&str> {
        self.proxy_url.as_deref()
    }

    /// The timeout of each HTTP attempt.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The retry policy.
    pub fn retry_config(&self) -> &RetryConfig {
        &self.retry
    }

    /// The shared HTTP client, built on first use: rustls, no redirects, the configured
    /// timeout, connection reuse.
    pub fn http_client(&self) -> Result<reqwest::Client> {
        self.http
            .get_or_init(|| {
                reqwest::Client::builder()
                    .timeout(self.timeout)
                    .redirect(reqwest::redirect::Policy::none())
                    .tcp_nodelay(true)
                    .build()
                    .map_err(|e| format!("cannot build the HTTP client: {e}"))
            })
            .clone()
            .map_err(|e| Error::new(ErrorKind::Config, e))
    }
}

/// Host and port of a base URL, as Hawk signs them.
#[derive(Debug)]
struct Endpoint {
    host: String,
    port: u16,
}

fn endpoint(base: &str) -> std::result::Result<Endpoint, String> {
    let url = Url::parse(base).map_err(|e| format!("invalid URL {base:?}: {e}"))?;
    let host = url
        .host_str()
        .ok_or_else(|| format!("URL {base:?} has no host"))?;
    let port = url
        .port_or_known_default()
        .ok_or_else(|| format!("URL {base:?} has no port"))?;
    Ok(Endpoint {
        host: host.to_owned(),
        port,
    })
}

#[derive(Debug)]
struct ClientInner {
    service: &'static str,
    api_version: &'static str,
    /// Where requests go: the root URL's API base, or the proxy's.
    request_base_url: String,
    /// The root URL's API base, for [`Request::url`] and [`Request::signed_url`].
    base_url_public: String,
    /// Host and port of `base_url_public`, or why it is invalid.
    public: std::result::Result<Endpoint, String>,
    /// Why `request_base_url` is invalid, if it is (it differs from `base_url_public` only with a proxy).
    base_error: Option<String>,
    /// Signs requests: `None` without credentials or through a proxy.
    request_signer: Option<hawk::Signer>,
    /// Signs URLs: `None` without credentials.
    url_signer: Option<hawk::Signer>,
    http: std::result::Result<reqwest::Client, String>,
    retry: RetryConfig,
}

/// A client for one service of one deployment; cheap to clone.
///
/// It caches the base URL, the host and port Hawk signs, and the keyed HMAC, and shares its
/// configuration's HTTP client.
#[derive(Clone, Debug)]
pub struct Client {
    inner: Arc<ClientInner>,
}

impl Client {
    /// A client for `service` at `api_version` (for example `"queue"`, `"v1"`).
    ///
    /// Never fails: an invalid root URL or HTTP setting is reported by each request.
    pub fn new(config: &ClientConfig, service: &'static str, api_version: &'static str) -> Self {
        let base_url_public = urls::api_base(&config.root_url, service, api_version);
        let public = endpoint(&base_url_public);
        let (base_url, base_error) = match &config.proxy_url {
            Some(proxy) => {
                let base = urls::api_base(proxy, service, api_version);
                let err = endpoint(&base).err();
                (base, err)
            }
            None => (base_url_public.clone(), public.as_ref().err().cloned()),
        };
        let url_signer = config
            .credentials
            .as_ref()
            .map(|c| hawk::Signer::new(&c.client_id, &c.access_token, c.hawk_ext()));
        let request_signer = if config.proxy_url.is_some() {
            None
        } else {
            url_signer.clone()
        };
        Client {
            inner: Arc::new(ClientInner {
                service,
                api_version,
                request_base_url: base_url,
                base_url_public,
                public,
                base_error,
                request_signer,
                url_signer,
                http: config.http_client().map_err(|e| e.message().to_owned()),
                retry: config.retry.clone(),
            }),
        }
    }

    /// The service name, e.g. `"queue"`.
    pub fn service(&self) -> &'static str {
        self.inner.service
    }

    /// The API version, e.g. `"v1"`.
    pub fn api_version(&self) -> &'static str {
        self.inner.api_version
    }

    /// The service's base URL on the deployment (ending in `/`).
    pub fn base_url(&self) -> &str {
        &self.inner.base_url_public
    }

    /// Starts a request to `path` (relative to the service's base URL, already escaped).
    pub fn request(&self, method: Method, path: String) -> Request<'_> {
        Request {
            client: self,
            method,
            path,
            query: String::new(),
            body: None,
        }
    }
}

/// Runs `future` to completion on a new single-threaded Tokio runtime, for calling the client
/// from synchronous code (a `main` without `#[tokio::main]`, a test, a build script).
///
/// Do not call it from inside an async runtime; `.await` the call there instead.
///
/// ```
/// let config = tc_runtime::ClientConfig::new("https://tc.example.com");
/// let client = tc_runtime::Client::new(&config, "queue", "v1");
/// let url = tc_runtime::block_on(async { client.request(tc_runtime::Method::GET, "ping".into()).url() });
/// assert_eq!(url.unwrap(), "https://tc.example.com/api/queue/v1/ping");
/// ```
pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("cannot start a Tokio runtime")
        .block_on(future)
}

/// Percent-escapes one route parameter so that `/`, spaces, `%` and unicode round-trip.
///
/// Everything but the unreserved characters `A-Z a-z 0-9 - _ . ~` is escaped as UTF-8 `%XX`
/// (like Python's `quote(s, safe="")`; JavaScript's `encodeURIComponent` leaves `!'()*`
/// as they are, and Taskcluster decodes both).
pub fn escape(param: &str) -> String {
    let mut out = String::with_capacity(param.len() + 8);
    push_escaped(&mut out, param);
    out
}

fn push_escaped(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(HEX[usize::from(b >> 4)] as char);
            out.push(HEX[usize::from(b & 15)] as char);
        }
    }
}

/// A `fmt::Write` that percent-escapes what is written through it.
struct Escaper<'a>(&'a mut String);

impl fmt::Write for Escaper<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        push_escaped(self.0, s);
        Ok(())
    }
}

/// One request being built; see [`Client::request`].
#[must_use]
pub struct Request<'a> {
    client: &'a Client,
    method: Method,
    path: String,
    query: String,
    body: Option<Result<Vec<u8>, serde_json::Error>>,
}

impl fmt::Debug for Request<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("query", &self.query)
            .finish_non_exhaustive()
    }
}

/// A successful answer (2xx, or 3xx such as `queue.getArtifact`'s 303).
struct Answer {
    status: u16,
    request_id: Option<String>,
    trace_id: Option<String>,
    body: Bytes,
    attempts: u32,
}

fn header_string(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Taskcluster's error body.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct ErrorBody {
    code: Option<String>,
    message: Option<String>,
    request_info: Option<serde_json::Value>,
}

fn error_from_answer(
    status: u16,
    request_id: Option<String>,
    trace_id: Option<String>,
    body: &[u8],
) -> Error {
    let (code, message, info) = match serde_json::from_slice::<ErrorBody>(body) {
        Ok(b) => (b.code, b.message, b.request_info),
        Err(_) => {
            let text = String::from_utf8_lossy(body);
            let mut text = text.trim().to_owned();
            if text.len() > 500 {
                let mut cut = 500;
                while !text.is_char_boundary(cut) {
                    cut -= 1;
                }
                text.truncate(cut);
                text.push('…');
            }
            (None, Some(text), None)
        }
    };
    Error::new(ErrorKind::from_status(status), message.unwrap_or_default())
        .with_response(status, request_id, trace_id)
        .with_body(code, info)
}

impl Request<'_> {
    /// Adds `name=value` to the query string when `value` is `Some`.
    pub fn query(mut self, name: &'static str, value: Option<impl fmt::Display>) -> Self {
        if let Some(v) = value {
            self.query
                .push(if self.query.is_empty() { '?' } else { '&' });
            push_escaped(&mut self.query, name);
            self.query.push('=');
            // Writing into a String cannot fail.
            let _ = write!(Escaper(&mut self.query), "{v}");
        }
        self
    }

    /// Sets a JSON body.
    pub fn json<B: serde::Serialize + ?Sized>(mut self, body: &B) -> Self {
        self.body = Some(serde_json::to_vec(body));
        self
    }

    fn full_url(&self, base: &str) -> String {
        let mut url = String::with_capacity(base.len() + self.path.len() + self.query.len());
        url.push_str(base);
        url.push_str(&self.path);
        url.push_str(&self.query);
        url
    }

    /// Sends the request and parses the JSON response as `T`.
    ///
    /// An empty body, or one that does not match `T`, is an [`ErrorKind::Schema`] error whose
    /// [`Error::schema_path`] names the offending field.
    pub async fn send<T: serde::de::DeserializeOwned>(self) -> Result<T> {
        let method = self.method.clone();
        let url = self.full_url(&self.client.inner.request_base_url);
        let answer = self.execute(&url).await?;
        let schema_error = |message: String, path: String| {
            Error::new(ErrorKind::Schema, message)
                .with_call(&method, &url, answer.attempts)
                .with_response(
                    answer.status,
                    answer.request_id.clone(),
                    answer.trace_id.clone(),
                )
                .with_schema_path(path)
        };
        if answer.body.iter().all(u8::is_ascii_whitespace) {
            return Err(schema_error(
                "empty response body, expected JSON".into(),
                ".".into(),
            ));
        }
        // Tracking the path costs about 40% of a parse, so it is done only to explain a failure:
        // the second parse fails the same way and says where.
        if let Ok(value) = serde_json::from_slice(&answer.body) {
            return Ok(value);
        }
        let mut de = serde_json::Deserializer::from_slice(&answer.body);
        let value = serde_path_to_error::deserialize(&mut de)
            .map_err(|e| schema_error(e.inner().to_string(), e.path().to_string()))?;
        de.end()
            .map_err(|e| schema_error(e.to_string(), ".".into()))?;
        Ok(value)
    }

    /// Sends the request, expecting no meaningful response body.
    pub async fn send_empty(self) -> Result<()> {
        let url = self.full_url(&self.client.inner.request_base_url);
        self.execute(&url).await.map(drop)
    }

    /// The request's URL, unsigned.
    pub fn url(self) -> Result<String> {
        let inner = &self.client.inner;
        if let Err(e) = &inner.public {
            return Err(Error::new(ErrorKind::Config, e.clone()));
        }
        let url = self.full_url(&inner.base_url_public);
        Url::parse(&url)
            .map(String::from)
            .map_err(|e| Error::new(ErrorKind::Config, format!("invalid URL {url:?}: {e}")))
    }

    /// The request's URL with a Hawk bewit valid for `ttl`.
    pub fn signed_url(self, ttl: Duration) -> Result<String> {
        self.signed_url_expiring_at(SystemTime::now() + ttl)
    }

    /// The request's URL with a Hawk bewit that expires at `expiry` (whole seconds).
    pub fn signed_url_expiring_at(self, expiry: SystemTime) -> Result<String> {
        let inner = &self.client.inner;
        let public = inner
            .public
            .as_ref()
            .map_err(|e| Error::new(ErrorKind::Config, e.clone()))?;
        let signer = inner
            .url_signer
            .as_ref()
            .ok_or_else(|| Error::new(ErrorKind::Credentials, "signed URLs need credentials"))?;
        let url = self.full_url(&inner.base_url_public);
        let parsed = Url::parse(&url)
            .map_err(|e| Error::new(ErrorKind::Config, format!("invalid URL {url:?}: {e}")))?;
        let exp = expiry.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
        let resource = &parsed[Position::BeforePath..Position::AfterQuery];
        let bewit = signer.bewit(resource, &public.host, public.port, exp);
        let mut out = String::from(parsed);
        out.push(if out.contains('?') { '&' } else { '?' });
        out.push_str("bewit=");
        out.push_str(&bewit);
        Ok(out)
    }

    /// Sends the request with retries; returns the successful answer.
    async fn execute(self, url_str: &str) -> Result<Answer> {
        let inner = &*self.client.inner;
        let method = self.method;
        let fail = |e: Error, attempts: u32| e.with_call(&method, url_str, attempts);
        if let Some(e) = &inner.base_error {
            return Err(fail(Error::new(ErrorKind::Config, e.clone()), 0));
        }
        let http = inner
            .http
            .as_ref()
            .map_err(|e| fail(Error::new(ErrorKind::Config, e.clone()), 0))?;
        let url = Url::parse(url_str).map_err(|e| {
            fail(
                Error::new(ErrorKind::Config, format!("invalid URL: {e}")).with_source(e),
                0,
            )
        })?;
        let body: Option<Bytes> = match self.body {
            None => None,
            Some(Ok(v)) => Some(Bytes::from(v)),
            Some(Err(e)) => {
                return Err(fail(
                    Error::new(ErrorKind::Serialization, e.to_string()).with_source(e),
                    0,
                ));
            }
        };
        // Signing needs the host and port of the URL the request goes to.
        let signing = match (&inner.request_signer, &inner.public) {
            (Some(s), Ok(ep)) => Some((s, ep)),
            _ => None,
        };
        let payload_hash = match (&signing, &body) {
            (Some(_), Some(b)) => Some(hawk::payload_hash(JSON, b)),
            _ => None,
        };
        let resource = &url[Position::BeforePath..Position::AfterQuery];
        let mut attempt: u32 = 0;
        loop {
            attempt += 1;
            let retries_left = attempt <= inner.retry.retries;
            let mut req = reqwest::Request::new(method.clone(), url.clone());
            let headers = req.headers_mut();
            headers.insert(ACCEPT, HeaderValue::from_static(JSON));
            if let Some(b) = &body {
                headers.insert(CONTENT_TYPE, HeaderValue::from_static(JSON));
                *req.body_mut() = Some(b.clone().into());
            }
            if let Some((signer, ep)) = signing {
                let nonce = hawk::nonce();
                let mut auth = String::new();
                signer.header_into(
                    &mut auth,
                    method.as_str(),
                    resource,
                    &ep.host,
                    ep.port,
                    now_secs(),
                    std::str::from_utf8(&nonce).unwrap_or("nonce0"),
                    payload_hash.as_deref(),
                );
                let value = HeaderValue::try_from(auth).map_err(|e| {
                    fail(
                        Error::new(
                            ErrorKind::Credentials,
                            "the client id cannot be sent in an HTTP header",
                        )
                        .with_source(e),
                        0,
                    )
                })?;
                req.headers_mut().insert(AUTHORIZATION, value);
            }
            let outcome = match http.execute(req).await {
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    let ids = (
                        header_string(resp.headers(), "x-for-request-id"),
                        header_string(resp.headers(), "x-for-trace-id"),
                    );
                    resp.bytes().await.map(|body| (status, ids, body))
                }
                Err(e) => Err(e),
            };
            match outcome {
                Ok((status, (request_id, trace_id), body)) if status < 400 => {
                    return Ok(Answer {
                        status,
                        request_id,
                        trace_id,
                        body,
                        attempts: attempt,
                    });
                }
                Ok((status, _, _)) if status >= 500 && retries_left => {}
                Ok((status, (request_id, trace_id), body)) => {
                    return Err(fail(
                        error_from_answer(status, request_id, trace_id, &body),
                        attempt,
                    ));
                }
                Err(e) if retries_left && !e.is_builder() => {}
                Err(e) => {
                    let kind = if e.is_builder() {
                        ErrorKind::Config
                    } else {
                        ErrorKind::Transport
                    };
                    let what = if e.is_timeout() {
                        "timed out"
                    } else if e.is_connect() {
                        "cannot connect"
                    } else {
                        "request failed"
                    };
                    return Err(fail(
                        Error::new(kind, what).with_source(e.without_url()),
                        attempt,
                    ));
                }
            }
            tokio::time::sleep(inner.retry.delay(attempt - 1)).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_round_trips_awkward_ids() {
        assert_eq!(escape("abc-_.~XYZ09"), "abc-_.~XYZ09");
        assert_eq!(escape("a/b c"), "a%2Fb%20c");
        assert_eq!(escape("100%"), "100%25");
        assert_eq!(escape("é?&=#+"), "%C3%A9%3F%26%3D%23%2B");
        assert_eq!(escape("!'()*"), "%21%27%28%29%2A");
        for id in ["a/b c", "100%", "ünï/cødé ☃", "?x=1&y", "..", ""] {
            let decoded: String =
                url::form_urlencoded::parse(format!("k={}", escape(id)).as_bytes())
                    .next()
                    .map(|(_, v)| v.into_owned())
                    .unwrap_or_default();
            assert_eq!(decoded, id);
        }
    }

    #[test]
    fn retry_delays_follow_the_formula() {
        let r = RetryConfig::default();
        for retry in 0..12 {
            let nominal = 0.1 * 2f64.powi(retry as i32);
            for _ in 0..50 {
                let d = r.delay(retry).as_secs_f64();
                assert!(d >= (nominal * 0.75).min(30.0) - 1e-9, "{retry}: {d}");
                assert!(d <= (nominal * 1.25).min(30.0) + 1e-9, "{retry}: {d}");
            }
        }
        assert_eq!(r.delay(1000), Duration::from_secs(30));
    }

    #[test]
    fn config_from_env_lookup() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.to_string())
            }
        };
        assert!(ClientConfig::from_lookup(env(&[])).is_err());
        assert!(ClientConfig::from_lookup(env(&[("TASKCLUSTER_ROOT_URL", "")])).is_err());
        let c = ClientConfig::from_lookup(env(&[
            ("TASKCLUSTER_ROOT_URL", "https://tc.example.com"),
            ("TASKCLUSTER_CLIENT_ID", ""),
            ("TASKCLUSTER_PROXY_URL", ""),
        ]))
        .unwrap();
        assert!(c.credentials().is_none() && c.proxy_url().is_none());
        let c = ClientConfig::from_lookup(env(&[
            ("TASKCLUSTER_ROOT_URL", "https://tc.example.com"),
            ("TASKCLUSTER_CLIENT_ID", "me"),
            ("TASKCLUSTER_ACCESS_TOKEN", "secret-token"),
            ("TASKCLUSTER_PROXY_URL", "http://taskcluster"),
        ]))
        .unwrap();
        assert_eq!(c.credentials().unwrap().client_id, "me");
        assert_eq!(c.proxy_url(), Some("http://taskcluster"));
        assert!(!format!("{c:?}").contains("secret-token"));
    }

    #[test]
    fn urls_and_query_strings() {
        let config = ClientConfig::new("https://tc.example.com/");
        let queue = Client::new(&config, "queue", "v1");
        let url = queue
            .request(Method::GET, format!("task-group/{}/list", escape("a/b c")))
            .query("continuationToken", Some("x y&z"))
            .query("limit", Some(5))
            .query("prefix", None::<&str>)
            .url()
            .unwrap();
        assert_eq!(
            url,
            "https://tc.example.com/api/queue/v1/task-group/a%2Fb%20c/list?continuationToken=x%20y%26z&limit=5"
        );
        let legacy = Client::new(&ClientConfig::new("https://taskcluster.net"), "queue", "v1");
        assert_eq!(
            legacy.request(Method::GET, "ping".into()).url().unwrap(),
            "https://queue.taskcluster.net/v1/ping"
        );
        let err = queue
            .request(Method::GET, "x".into())
            .signed_url(Duration::from_secs(60))
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Credentials);
    }

    #[test]
    fn clients_share_one_http_client() {
        let config = ClientConfig::new("https://tc.example.com");
        config.http_client().unwrap();
        // Clones and non-HTTP setters keep the slot (and so the pool); HTTP setters replace it.
        assert!(Arc::ptr_eq(
            &config.http,
            &config.clone().with_retries(1).http
        ));
        assert!(!Arc::ptr_eq(
            &config.http,
            &config.clone().with_timeout(Duration::from_secs(1)).http
        ));
    }

    #[tokio::test]
    async fn invalid_root_url_is_reported_by_requests() {
        let client = Client::new(&ClientConfig::new("not a url"), "queue", "v1");
        let err = client
            .request(Method::GET, "ping".into())
            .send_empty()
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config);
        assert_eq!(err.attempts(), 0);
        assert!(client.request(Method::GET, "ping".into()).url().is_err());
    }
}
