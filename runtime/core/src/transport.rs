//! The transport seam: how a request reaches a server and its answer comes back. Two
//! implementations: [`HttpTransport`] (reqwest, the network) and the in-process
//! [`Fake`](crate::fake::Fake) for tests.

use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use futures_util::future::BoxFuture;
use futures_util::stream::BoxStream;
use futures_util::{StreamExt, TryStreamExt};
use reqwest::header::HeaderMap;
use url::Url;

use crate::error::{Error, ErrorKind, Result};
use reqwest::Method;

/// The default timeout of one HTTP attempt: 30 s.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// One attempt of a request, as it goes out.
#[derive(Debug)]
pub struct Outgoing {
    /// The HTTP method.
    pub method: Method,
    /// The full URL, query included.
    pub url: Url,
    /// Headers, the authentication's included once [`Auth`](crate::Auth) has seen it.
    pub headers: HeaderMap,
    /// The body, if any.
    pub body: Option<Bytes>,
    /// How long the whole exchange, answer included, may take (`None` for streamed answers).
    pub timeout: Option<Duration>,
    /// What the request calls, for transports that answer by endpoint (the fake).
    pub endpoint: EndpointInfo,
}

/// What a request calls, independent of where it is sent.
#[derive(Clone, Debug)]
pub struct EndpointInfo {
    /// The service (`"queue"`, `"rucio"`).
    pub service: &'static str,
    /// The API method's name (`"createTask"`), when the request carries it.
    pub name: Option<&'static str>,
    /// The path relative to the service's base URL, as sent (escaped), without the query.
    pub path: String,
    /// The query string, with its `?` (or empty).
    pub query: String,
}

/// An answer: status, headers and a body to read whole or as it arrives.
pub struct Incoming {
    /// The HTTP status.
    pub status: u16,
    /// The answer's headers.
    pub headers: HeaderMap,
    /// The body.
    pub body: Body,
}

impl fmt::Debug for Incoming {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Incoming")
            .field("status", &self.status)
            .finish_non_exhaustive()
    }
}

/// An answer's body: in memory, or still arriving from the network.
pub enum Body {
    /// The whole body.
    Bytes(Bytes),
    /// A network answer whose body has not been read.
    Http(reqwest::Response),
}

impl Body {
    /// The whole body.
    pub async fn bytes(self) -> std::result::Result<Bytes, reqwest::Error> {
        match self {
            Body::Bytes(b) => Ok(b),
            Body::Http(r) => r.bytes().await,
        }
    }

    /// The body as it arrives.
    pub fn into_stream(self) -> BoxStream<'static, std::result::Result<Bytes, reqwest::Error>> {
        match self {
            Body::Bytes(b) => futures_util::stream::iter([Ok(b)]).boxed(),
            Body::Http(r) => r.bytes_stream().map_err(|e| e.without_url()).boxed(),
        }
    }
}

/// Why an attempt got no answer.
#[derive(Debug)]
pub enum Failure {
    /// The network failed (connection refused or reset, timeout, …): maybe worth retrying.
    Network(reqwest::Error),
    /// Nothing a retry would change (a fake's error answer, an unanswered fake call).
    Final(Error),
}

/// How requests reach a server: the seam between the calls and the network.
pub trait Transport: fmt::Debug + Send + Sync + 'static {
    /// Sends one attempt and returns its answer, whatever its status.
    fn send(&self, request: Outgoing) -> BoxFuture<'_, std::result::Result<Incoming, Failure>>;
}

/// The network, through a reqwest client (which holds the connection pool).
#[derive(Clone, Debug)]
pub struct HttpTransport {
    client: reqwest::Client,
}

impl HttpTransport {
    /// Sends through `client`. It should not follow redirects: the calls decide which to
    /// follow and where credentials may go.
    pub fn new(client: reqwest::Client) -> HttpTransport {
        HttpTransport { client }
    }

    /// The one way this project builds an HTTP client: rustls, no redirects, `timeout` for
    /// connecting and between reads, connection reuse; `configure` adds what a family needs
    /// (a TLS identity, CA roots, a user agent).
    pub fn build(
        timeout: Duration,
        configure: impl FnOnce(reqwest::ClientBuilder) -> reqwest::ClientBuilder,
    ) -> Result<HttpTransport> {
        let builder = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(timeout)
            .read_timeout(timeout)
            .tcp_nodelay(true);
        configure(builder)
            .build()
            .map(HttpTransport::new)
            .map_err(|e| {
                Error::new(
                    ErrorKind::Config,
                    format!("cannot build the HTTP client: {e}"),
                )
                .with_source(e)
            })
    }

    /// The reqwest client, for requests outside the API (storage URLs of transfers).
    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }
}

impl Transport for HttpTransport {
    fn send(&self, request: Outgoing) -> BoxFuture<'_, std::result::Result<Incoming, Failure>> {
        Box::pin(async move {
            let mut out = reqwest::Request::new(request.method, request.url);
            *out.headers_mut() = request.headers;
            *out.timeout_mut() = request.timeout;
            if let Some(body) = request.body {
                *out.body_mut() = Some(body.into());
            }
            let response = self.client.execute(out).await.map_err(Failure::Network)?;
            Ok(Incoming {
                status: response.status().as_u16(),
                headers: response.headers().clone(),
                body: Body::Http(response),
            })
        })
    }
}
