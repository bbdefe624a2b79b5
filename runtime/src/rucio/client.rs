//! [`RucioClient`] and [`RucioRequest`]: the calls the generated Rucio methods make, with the
//! token sent, renewed and re-obtained, redirects followed, retries and Rucio's errors.

use std::fmt;
use std::fmt::Write as _;
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use chrono::{DateTime, Utc};
use futures_core::Stream;
use futures_util::StreamExt;
use reqwest::header::{ACCEPT, CONTENT_TYPE, DATE, HeaderMap, HeaderName, HeaderValue, LOCATION};
use serde::de::DeserializeOwned;
use tracing::{Instrument, debug};
use url::Url;

use super::error as rucio_error;
use super::stream::{self, CallInfo};
use super::token::{self, Cached};
use super::{AuthToken, RucioConfig};
use crate::config::Attempts;
use crate::trace::{self, CallTrace, Family};
use crate::urls::{Escaper, push_escaped};
use crate::{Error, ErrorKind, Method, Result};

const TOKEN_HEADER: &str = "x-rucio-auth-token";
const JSON: &str = "application/json";
const JSON_STREAM: &str = "application/x-json-stream";
/// Rucio answers 406 when `Accept` does not list what an endpoint produces, and its spec does
/// not always say which one that is (it documents `GET /rses/` as JSON, which streams), so each
/// way of reading an answer accepts both and copes with either.
const ACCEPT_WHOLE: &str = "application/json, application/x-json-stream;q=0.5";
const ACCEPT_STREAM: &str = "application/x-json-stream, application/json;q=0.5";
const ACCEPT_ANY: &str = "*/*";
const MAX_REDIRECTS: u32 = 10;
const USER_AGENT: &str = concat!("tc-runtime/", env!("CARGO_PKG_VERSION"), " (rucio)");

/// Items of a streamed list, decoded as they arrive; see [`RucioRequest::send_stream`].
pub type RucioStream<T> = Pin<Box<dyn Stream<Item = Result<T>> + Send>>;

struct Inner {
    config: RucioConfig,
    /// The host's base URL, ending in `/`.
    base: String,
    /// The auth host's base URL, ending in `/`.
    auth_base: String,
    /// Only these get the token (not a storage server a call redirects to).
    origins: [url::Origin; 2],
    /// With the TLS client identity of the x509 methods, for every call: logins need it, and
    /// so do views that read the caller's DN beside its token (`PUT /identities/{account}/x509`).
    /// Rucio's own client presents it to logins only, so it cannot make those calls.
    http: reqwest::Client,
    /// The key of `Auth::Ssh`, read when the client is made.
    ssh: Option<super::SshKey>,
    /// `X-Rucio-Account` and `X-Rucio-VO`, sent with every request as Rucio's client does.
    common: HeaderMap,
    /// Behind an async mutex so that concurrent calls that find no fresh token log in once.
    token: tokio::sync::Mutex<Option<Cached>>,
    logins: AtomicU64,
}

/// A client for one Rucio server and account; cheap to clone, and clones share the connection
/// pool and the token.
///
/// It logs in when it first needs a token, sends it as `X-Rucio-Auth-Token`, logs in again
/// shortly before the token expires, and once more if the server refuses it with
/// `CannotAuthenticate` (then the call is retried once). `Debug` never shows secrets.
#[derive(Clone)]
pub struct RucioClient {
    inner: Arc<Inner>,
}

impl fmt::Debug for RucioClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = &self.inner.config;
        f.debug_struct("RucioClient")
            .field("host", &c.host)
            .field("auth_host", &c.auth_host())
            .field("account", &c.account)
            .field("auth", &c.auth.as_ref().map(super::Auth::name))
            .field("logins", &self.logins())
            .finish_non_exhaustive()
    }
}

impl RucioClient {
    /// A client for `config`.
    ///
    /// Fails (with [`ErrorKind::Config`]) on an invalid host URL, unreadable CA or x509 files
    /// or an account that cannot be sent in a header: problems no retry can fix, reported
    /// before the first call.
    pub fn new(config: &RucioConfig) -> Result<RucioClient> {
        let (base, base_origin) = base_url(&config.host, "host")?;
        let (auth_base, auth_origin) = base_url(config.auth_host(), "auth host")?;
        let roots = config.ca_cert.as_deref().map(read_ca).transpose()?;
        let build = |identity: Option<reqwest::Identity>| {
            let mut builder = reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .connect_timeout(config.timeout)
                .read_timeout(config.timeout)
                .tcp_nodelay(true)
                .user_agent(USER_AGENT);
            if let Some(roots) = &roots {
                builder = builder.tls_certs_only(roots.iter().cloned());
            }
            if let Some(identity) = identity {
                builder = builder.identity(identity);
            }
            builder.build().map_err(|e| {
                Error::new(
                    ErrorKind::Config,
                    format!("cannot build the HTTP client: {e}"),
                )
                .with_source(e)
            })
        };
        let identity = config
            .auth
            .as_ref()
            .map(super::Auth::identity)
            .transpose()?;
        let http = build(identity.flatten())?;
        let ssh = match &config.auth {
            Some(super::Auth::Ssh { private_key }) => Some(super::SshKey::load(private_key)?),
            _ => None,
        };
        let mut common = HeaderMap::new();
        for (name, value, what) in [
            ("x-rucio-account", &config.account, "account"),
            ("x-rucio-vo", &config.vo, "VO"),
        ] {
            if let Some(value) = value {
                let value = HeaderValue::from_str(value).map_err(|_| {
                    Error::new(
                        ErrorKind::Config,
                        format!("the Rucio {what} {value:?} cannot be sent in an HTTP header"),
                    )
                })?;
                common.insert(HeaderName::from_static(name), value);
            }
        }
        Ok(RucioClient {
            inner: Arc::new(Inner {
                config: config.clone(),
                base,
                auth_base,
                origins: [base_origin, auth_origin],
                http,
                ssh,
                common,
                token: tokio::sync::Mutex::new(config.token.clone().map(Cached::preset)),
                logins: AtomicU64::new(0),
            }),
        })
    }

    /// Starts a request to `path`, relative to the host (`accounts/whoami`; a leading `/` is
    /// ignored), with path parameters already escaped ([`crate::escape`]).
    pub fn request(&self, method: Method, path: impl Into<String>) -> RucioRequest {
        RucioRequest {
            client: self.clone(),
            method,
            name: None,
            path: path.into(),
            query: String::new(),
            headers: Vec::new(),
            body: None,
            anonymous: false,
        }
    }

    /// A token that is not about to expire, logging in if there is none: for handing to tools
    /// that talk to Rucio themselves.
    pub async fn token(&self) -> Result<AuthToken> {
        self.current_token().await?.ok_or_else(|| {
            Error::new(
                ErrorKind::Credentials,
                "no Rucio token and no authentication method to get one (RucioConfig::with_auth)",
            )
        })
    }

    /// When the token held now expires, as the server said (`X-Rucio-Auth-Token-Expires`);
    /// `None` before the first login or for a token given with
    /// [`RucioConfig::with_token`](super::RucioConfig::with_token). Does not log in.
    pub async fn token_expires(&self) -> Option<DateTime<Utc>> {
        self.inner
            .token
            .lock()
            .await
            .as_ref()
            .and_then(|c| c.expires)
    }

    /// How many times this client and its clones have logged in: a measure of how well the
    /// token is reused.
    pub fn logins(&self) -> u64 {
        self.inner.logins.load(Ordering::Relaxed)
    }

    /// The configuration this client was made from.
    pub fn config(&self) -> &RucioConfig {
        &self.inner.config
    }

    /// The token to send, logging in when there is none or it is about to expire; `None`
    /// without a token and a way to get one (calls such as `/ping` need none).
    async fn current_token(&self) -> Result<Option<AuthToken>> {
        let mut slot = self.inner.token.lock().await;
        let can_login = self.inner.config.auth.is_some();
        if let Some(cached) = slot.as_ref()
            && (!can_login || cached.is_fresh(Instant::now()))
        {
            return Ok(Some(cached.token.clone()));
        }
        if !can_login {
            return Ok(None);
        }
        let reason = match slot.as_ref() {
            Some(_) => LoginReason::Expiring,
            None if self.logins() == 0 => LoginReason::First,
            None => LoginReason::Refused,
        };
        let fresh = self.login(reason).await?;
        let token = fresh.token.clone();
        *slot = Some(fresh);
        Ok(Some(token))
    }

    /// A challenge for an SSH login (`GET /auth/ssh_challenge_token`, answered in the
    /// `X-Rucio-SSH-Challenge-Token` header), valid for seconds: sign it with
    /// [`SshKey::sign`](super::SshKey::sign) and send it to `GET /auth/ssh`. A client made with
    /// [`Auth::Ssh`](super::Auth::Ssh) does this by itself when it logs in.
    pub async fn ssh_challenge(&self) -> Result<String> {
        let exchange = self.login_exchange(
            "auth/ssh_challenge_token",
            Some("ssh_challenge"),
            HeaderMap::new(),
        )?;
        let answer = traced(&exchange, self.attempts(&exchange, true, None)).await?;
        rucio_error::header(&answer.headers, "x-rucio-ssh-challenge-token")
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
            .ok_or_else(|| {
                answer.call(&exchange).error(
                    ErrorKind::ServerError,
                    "the answer has no X-Rucio-SSH-Challenge-Token",
                )
            })
    }

    /// Forgets `refused`, unless another call has replaced it already.
    async fn forget(&self, refused: &AuthToken) {
        let mut slot = self.inner.token.lock().await;
        if slot.as_ref().is_some_and(|c| &c.token == refused) {
            *slot = None;
        }
    }

    /// Logs in, telling `tracing` why and how it went (never the token or the password).
    async fn login(&self, reason: LoginReason) -> Result<Cached> {
        let started = Instant::now();
        let result = self.login_untraced().await;
        let config = &self.inner.config;
        let method = config.auth.as_ref().map(super::Auth::name);
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        match &result {
            Ok(cached) => debug!(
                rucio.auth.method = method,
                rucio.account = config.account.as_deref(),
                rucio.login.reason = reason.as_str(),
                rucio.token.expires = cached.expires.map(|t| t.to_rfc3339()),
                tc.duration_ms = ms,
                "{}",
                reason.done(),
            ),
            Err(e) => debug!(
                rucio.auth.method = method,
                rucio.account = config.account.as_deref(),
                rucio.login.reason = reason.as_str(),
                http.response.status_code = e.status(),
                error.type = trace::error_type(e),
                error.message = e.message(),
                tc.duration_ms = ms,
                "Rucio login failed",
            ),
        }
        result
    }

    async fn login_untraced(&self) -> Result<Cached> {
        let config = &self.inner.config;
        let Some(auth) = &config.auth else {
            return Err(Error::new(
                ErrorKind::Credentials,
                "no authentication method",
            ));
        };
        if config.account.is_none() {
            return Err(Error::new(
                ErrorKind::Credentials,
                "logging in to Rucio needs an account (RucioConfig::with_account, RUCIO_ACCOUNT)",
            ));
        }
        let (path, mut headers) = auth.login_request()?;
        if let Some(key) = &self.inner.ssh {
            let signature = key.sign(&self.ssh_challenge().await?)?;
            let mut value = HeaderValue::from_str(&signature)
                .map_err(|_| Error::new(ErrorKind::Credentials, "an unsendable SSH signature"))?;
            value.set_sensitive(true);
            headers.insert(HeaderName::from_static("x-rucio-ssh-signature"), value);
        }
        let exchange = self.login_exchange(path, Some(auth.name()), headers)?;
        let answer = traced(&exchange, self.attempts(&exchange, true, None)).await?;
        self.inner.logins.fetch_add(1, Ordering::Relaxed);
        let received = Instant::now();
        let headers = &answer.headers;
        let token = rucio_error::header(headers, TOKEN_HEADER)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                answer.call(&exchange).error(
                    ErrorKind::ServerError,
                    "the login answer has no X-Rucio-Auth-Token",
                )
            })?;
        let server_now = rucio_error::header(headers, DATE.as_str()).and_then(token::parse_date);
        let expires =
            rucio_error::header(headers, "x-rucio-auth-token-expires").and_then(token::parse_date);
        Ok(Cached::from_login(
            AuthToken::new(token),
            received,
            server_now,
            expires,
        ))
    }

    /// A `GET` of `path` on the auth host, without a token, with `headers` and those every
    /// request carries.
    fn login_exchange(
        &self,
        path: &str,
        name: Option<&'static str>,
        mut headers: HeaderMap,
    ) -> Result<Exchange> {
        headers.extend(self.inner.common.clone());
        headers.insert(ACCEPT, HeaderValue::from_static(ACCEPT_ANY));
        let url = format!("{}{path}", self.inner.auth_base);
        Ok(Exchange {
            http: self.inner.http.clone(),
            method: Method::GET,
            name,
            parsed: parse_url(&url)?,
            url,
            headers,
            body: None,
            anonymous: true,
            follow: true,
        })
    }

    /// Sends `exchange` with the client's token; if the server refuses the token
    /// (401 `CannotAuthenticate`) and the client can log in, logs in again and sends it once
    /// more: a second refusal is the error.
    async fn call(&self, exchange: &Exchange, whole: bool) -> Result<Answer> {
        traced(exchange, self.call_untraced(exchange, whole)).await
    }

    async fn call_untraced(&self, exchange: &Exchange, whole: bool) -> Result<Answer> {
        if exchange.anonymous {
            return self.attempts(exchange, whole, None).await;
        }
        let mut earlier_attempts = 0;
        let mut logged_in_again = false;
        loop {
            let token = self.current_token().await?;
            match self.attempts(exchange, whole, token.as_ref()).await {
                Err(e)
                    if e.status() == Some(401)
                        && e.code() == Some("CannotAuthenticate")
                        && !logged_in_again
                        && self.inner.config.auth.is_some()
                        && let Some(refused) = &token =>
                {
                    debug!(
                        http.response.status_code = 401,
                        error.type = "CannotAuthenticate",
                        "Rucio refused the token: logging in again"
                    );
                    logged_in_again = true;
                    earlier_attempts += e.attempts();
                    self.forget(refused).await;
                }
                Err(e) if earlier_attempts > 0 => {
                    let attempts = earlier_attempts + e.attempts();
                    return Err(e.with_call(&exchange.method, &exchange.url, attempts));
                }
                Ok(mut answer) => {
                    answer.attempts += earlier_attempts;
                    return Ok(answer);
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Sends `exchange` (with `token`, if any) until it succeeds or fails for good: 5xx answers
    /// and transport errors are retried for idempotent methods, a refused connection for any.
    /// With `whole`, reading the body is part of the attempt.
    async fn attempts(
        &self,
        exchange: &Exchange,
        whole: bool,
        token: Option<&AuthToken>,
    ) -> Result<Answer> {
        let retry = &self.inner.config.retry;
        let idempotent = matches!(
            exchange.method,
            Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS
        );
        let fail = |e: Error, attempts: u32| e.with_call(&exchange.method, &exchange.url, attempts);
        let timeout = whole.then_some(self.inner.config.timeout);
        let mut attempts = Attempts::new(retry);
        loop {
            attempts.start();
            let retries_left = attempts.may_retry();
            let transport_error = match self.transmit(exchange, token, timeout).await {
                Err(Trouble::Fatal(e)) => return Err(fail(e, attempts.made())),
                Err(Trouble::Transport(e)) => e,
                Ok(response) => {
                    let status = response.status().as_u16();
                    if status >= 400 {
                        if status >= 500 && idempotent && retries_left {
                            let _ = response.bytes().await;
                            let status = status.to_string();
                            attempts.retry(&status, &format!("HTTP {status}")).await;
                            continue;
                        }
                        let headers = response.headers().clone();
                        let body = response.bytes().await.unwrap_or_default();
                        return Err(fail(
                            rucio_error::from_answer(status, &headers, &body),
                            attempts.made(),
                        ));
                    }
                    let mut answer = Answer {
                        status,
                        headers: response.headers().clone(),
                        body: Bytes::new(),
                        response: None,
                        attempts: attempts.made(),
                    };
                    if !whole {
                        answer.response = Some(response);
                        return Ok(answer);
                    }
                    match response.bytes().await {
                        Ok(body) => {
                            answer.body = body;
                            return Ok(answer);
                        }
                        Err(e) => e,
                    }
                }
            };
            let e = transport_error;
            if retries_left && !e.is_builder() && (idempotent || e.is_connect()) {
                let e = Error::transport(e);
                attempts.retry(&trace::error_type(&e), e.message()).await;
                continue;
            }
            return Err(fail(Error::transport(e), attempts.made()));
        }
    }

    /// One attempt, following redirects: 303 (and 301/302 after a POST) become a GET without
    /// body, 307/308 repeat the request; the token and the other `X-Rucio-*` headers go only to
    /// the host and auth host.
    async fn transmit(
        &self,
        exchange: &Exchange,
        token: Option<&AuthToken>,
        timeout: Option<Duration>,
    ) -> std::result::Result<reqwest::Response, Trouble> {
        let mut method = exchange.method.clone();
        let mut url = exchange.parsed.clone();
        let mut body = exchange.body.clone();
        for _ in 0..=MAX_REDIRECTS {
            let mut request = reqwest::Request::new(method.clone(), url.clone());
            *request.timeout_mut() = timeout;
            let headers = request.headers_mut();
            let ours = self.inner.origins.contains(&url.origin());
            // Rucio's headers (a login's password among them) stay with Rucio's hosts.
            headers.extend(
                exchange
                    .headers
                    .iter()
                    .filter(|(name, _)| ours || !name.as_str().starts_with("x-rucio-"))
                    .map(|(name, value)| (name.clone(), value.clone())),
            );
            if let Some(token) = token
                && ours
            {
                let mut value = HeaderValue::from_str(token.secret()).map_err(|_| {
                    Trouble::Fatal(Error::new(
                        ErrorKind::Credentials,
                        "the token cannot be sent in an HTTP header",
                    ))
                })?;
                value.set_sensitive(true);
                headers.insert(TOKEN_HEADER, value);
            }
            match &body {
                Some(b) => *request.body_mut() = Some(b.clone().into()),
                None => {
                    request.headers_mut().remove(CONTENT_TYPE);
                }
            }
            let response = exchange
                .http
                .execute(request)
                .await
                .map_err(Trouble::Transport)?;
            let status = response.status().as_u16();
            if !exchange.follow || !matches!(status, 301 | 302 | 303 | 307 | 308) {
                return Ok(response);
            }
            let location = rucio_error::header(response.headers(), LOCATION.as_str())
                .ok_or_else(|| redirect_error(status, "without a Location"))?;
            url = url
                .join(location)
                .map_err(|_| redirect_error(status, "to an invalid Location"))?;
            if status == 303 || (matches!(status, 301 | 302) && method == Method::POST) {
                if method != Method::HEAD {
                    method = Method::GET;
                }
                body = None;
            }
            // Read the short redirect page so the connection can be reused.
            let _ = response.bytes().await;
        }
        Err(redirect_error(0, "more than 10 times"))
    }
}

/// Runs `work`, the sending of `exchange`, in a `rucio.call` span.
async fn traced(exchange: &Exchange, work: impl Future<Output = Result<Answer>>) -> Result<Answer> {
    let span = trace::call_span(Family::Rucio, "rucio", exchange.name, &exchange.method);
    let call = CallTrace::new(span, &exchange.url);
    let result = work.instrument(call.span.clone()).await;
    match &result {
        Ok(a) => call.succeeded(a.status, a.attempts, None, None),
        Err(e) => call.failed(e),
    }
    result
}

/// Why the client logs in.
#[derive(Clone, Copy)]
enum LoginReason {
    /// It had no token yet.
    First,
    /// Its token is about to expire: a renewal.
    Expiring,
    /// The server refused its token.
    Refused,
}

impl LoginReason {
    fn as_str(self) -> &'static str {
        match self {
            LoginReason::First => "first",
            LoginReason::Expiring => "expiring",
            LoginReason::Refused => "refused",
        }
    }

    fn done(self) -> &'static str {
        match self {
            LoginReason::First => "logged in to Rucio",
            LoginReason::Expiring => "renewed the Rucio token before it expired",
            LoginReason::Refused => "logged in to Rucio again after a refused token",
        }
    }
}

fn redirect_error(status: u16, what: &str) -> Trouble {
    let mut e = Error::new(ErrorKind::ServerError, format!("redirected {what}"));
    if status != 0 {
        e = e.with_response(status, None, None);
    }
    Trouble::Fatal(e)
}

enum Trouble {
    /// No HTTP answer; maybe worth retrying.
    Transport(reqwest::Error),
    /// Nothing a retry would change.
    Fatal(Error),
}

/// One call, ready to send (again).
struct Exchange {
    /// The client's HTTP client (a cheap clone: a reference-counted pool).
    http: reqwest::Client,
    method: Method,
    /// The API method's name, for traces.
    name: Option<&'static str>,
    /// The URL as given, for errors (it never holds a secret).
    url: String,
    parsed: Url,
    headers: HeaderMap,
    body: Option<Bytes>,
    /// Sent without a token (the calls that issue one).
    anonymous: bool,
    /// Whether redirects are followed (not when the redirect is the answer).
    follow: bool,
}

/// A successful answer: the body read whole, or the response to stream it from.
struct Answer {
    status: u16,
    headers: HeaderMap,
    body: Bytes,
    response: Option<reqwest::Response>,
    attempts: u32,
}

impl Answer {
    fn call(&self, exchange: &Exchange) -> CallInfo {
        CallInfo {
            method: exchange.method.clone(),
            url: exchange.url.clone(),
            status: self.status,
            attempts: self.attempts,
        }
    }

    fn content_type(&self) -> &str {
        rucio_error::header(&self.headers, CONTENT_TYPE.as_str()).unwrap_or("")
    }
}

fn is_json_stream(content_type: &str) -> bool {
    content_type.trim_start().starts_with(JSON_STREAM)
}

/// One request being built; see [`RucioClient::request`].
#[must_use]
pub struct RucioRequest {
    client: RucioClient,
    method: Method,
    name: Option<&'static str>,
    path: String,
    query: String,
    headers: Vec<(String, String)>,
    body: Option<std::result::Result<Vec<u8>, serde_json::Error>>,
    anonymous: bool,
}

impl fmt::Debug for RucioRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Not the headers or the body: a caller may put secrets there.
        f.debug_struct("RucioRequest")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("query", &self.query)
            .finish_non_exhaustive()
    }
}

impl RucioRequest {
    /// Names the API method this request calls (`"whoami"`), for the call's span
    /// (`tc.method`); generated clients set it.
    pub fn name(mut self, name: &'static str) -> Self {
        self.name = Some(name);
        self
    }

    /// Adds `name=value` to the query string when `value` is `Some` (both percent-escaped).
    pub fn query(mut self, name: &str, value: Option<impl fmt::Display>) -> Self {
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

    /// Adds each `key=value` pair as a query parameter (filters whose keys are open).
    pub fn query_pairs(mut self, pairs: &[(String, String)]) -> Self {
        for (key, value) in pairs {
            self = self.query(key, Some(value));
        }
        self
    }

    /// Sets a header (replacing one of the same name, `Accept` included); an invalid name or
    /// value is an [`ErrorKind::Config`] error when the request is sent. `X-Rucio-Auth-Token`
    /// is the client's to set.
    pub fn header(mut self, name: &str, value: impl fmt::Display) -> Self {
        self.headers.push((name.to_owned(), value.to_string()));
        self
    }

    /// Sends the request without a token and without logging in: for the `/auth` calls,
    /// which are how one gets a token.
    pub fn without_token(mut self) -> Self {
        self.anonymous = true;
        self
    }

    /// Sets a JSON body.
    pub fn json<B: serde::Serialize + ?Sized>(mut self, body: &B) -> Self {
        self.body = Some(serde_json::to_vec(body));
        self
    }

    /// The request's URL (it never holds the token).
    pub fn url(&self) -> String {
        let base = &self.client.inner.base;
        format!("{base}{}{}", self.path.trim_start_matches('/'), self.query)
    }

    /// Sends the request and parses the JSON answer as `T`.
    ///
    /// An `application/x-json-stream` answer is read as a JSON array of its lines, so
    /// `send::<Vec<T>>()` works on list endpoints too. An empty body is `null` (fine for `()`
    /// and `Option`); one that does not match `T` is an [`ErrorKind::Schema`] error whose
    /// [`Error::schema_path`] names the field.
    pub async fn send<T: DeserializeOwned>(self) -> Result<T> {
        let client = self.client.clone();
        let exchange = self.prepare(ACCEPT_WHOLE)?;
        let answer = client.call(&exchange, true).await?;
        let call = answer.call(&exchange);
        let body = &answer.body[..];
        if is_json_stream(answer.content_type()) {
            let mut array = Vec::with_capacity(body.len() + 2);
            array.push(b'[');
            for line in body.split(|&b| b == b'\n') {
                if !line.iter().all(u8::is_ascii_whitespace) {
                    if array.len() > 1 {
                        array.push(b',');
                    }
                    array.extend_from_slice(line);
                }
            }
            array.push(b']');
            return stream::parse(&array, None, &call);
        }
        if body.iter().all(u8::is_ascii_whitespace) {
            return stream::parse(b"null", None, &call).map_err(|_| {
                call.error(ErrorKind::Schema, "empty response body, expected JSON")
                    .with_schema_path(".".into())
            });
        }
        stream::parse(body, None, &call)
    }

    /// Sends the request, expecting no meaningful answer (Rucio answers `Created`, `OK` or
    /// nothing to most changes).
    pub async fn send_empty(self) -> Result<()> {
        let client = self.client.clone();
        let exchange = self.prepare(ACCEPT_ANY)?;
        client.call(&exchange, true).await.map(drop)
    }

    /// Sends the request and returns the answer as text.
    pub async fn send_text(self) -> Result<String> {
        let client = self.client.clone();
        let exchange = self.prepare(ACCEPT_ANY)?;
        let answer = client.call(&exchange, true).await?;
        String::from_utf8(answer.body.to_vec()).map_err(|e| {
            answer
                .call(&exchange)
                .error(ErrorKind::Schema, "the answer is not UTF-8 text")
                .with_source(e)
        })
    }

    /// Sends the request and answers where the server redirects it (`Location`, made absolute),
    /// without following: calls that redirect to the data (a replica on its storage).
    pub async fn send_for_location(self) -> Result<String> {
        let client = self.client.clone();
        let mut exchange = self.prepare(ACCEPT_ANY)?;
        exchange.follow = false;
        let answer = client.call(&exchange, true).await?;
        let location = rucio_error::header(&answer.headers, LOCATION.as_str())
            .filter(|_| (300..400).contains(&answer.status))
            .ok_or_else(|| {
                answer
                    .call(&exchange)
                    .error(ErrorKind::ServerError, "the answer is no redirect")
            })?;
        exchange
            .parsed
            .join(location)
            .map(String::from)
            .map_err(|_| {
                answer
                    .call(&exchange)
                    .error(ErrorKind::ServerError, "a redirect to an invalid Location")
            })
    }

    /// Sends the request and decodes the answer's items as they arrive.
    ///
    /// For list endpoints, which answer `application/x-json-stream` (one JSON document per
    /// line): each line is decoded when it is complete, so memory stays small however long
    /// the list. A JSON array answer yields its elements. A failed request is the only item; an
    /// item that is not a `T` is an error item and the stream goes on; a broken connection is
    /// a last error item. Retries and re-logins happen before the first item, never after.
    pub fn send_stream<T: DeserializeOwned + Send + 'static>(self) -> RucioStream<T> {
        Box::pin(
            futures_util::stream::once(self.open_stream::<T>()).flat_map(|opened| match opened {
                Ok(items) => items,
                Err(e) => Box::pin(futures_util::stream::iter([Err(e)])),
            }),
        )
    }

    async fn open_stream<T: DeserializeOwned + Send + 'static>(self) -> Result<RucioStream<T>> {
        let client = self.client.clone();
        let exchange = self.prepare(ACCEPT_STREAM)?;
        let answer = client.call(&exchange, false).await?;
        let call = answer.call(&exchange);
        let streamed = is_json_stream(answer.content_type());
        let Some(response) = answer.response else {
            return Err(call.error(ErrorKind::Transport, "no answer to stream"));
        };
        if streamed {
            let body = Box::pin(response.bytes_stream());
            return Ok(Box::pin(stream::decode::<T, _, _>(body, call)));
        }
        // Not a stream: read it whole, then yield an array's elements (or the one document).
        let body = response.bytes().await.map_err(|e| {
            call.error(ErrorKind::Transport, "the answer broke off")
                .with_source(e.without_url())
        })?;
        let starts_array = body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[');
        if !starts_array {
            let once = futures_util::stream::iter([Ok(body)]);
            return Ok(Box::pin(stream::decode::<T, _, std::io::Error>(once, call)));
        }
        let values: Vec<serde_json::Value> = stream::parse(&body, None, &call)?;
        let items = values.into_iter().enumerate().map(move |(n, value)| {
            serde_path_to_error::deserialize(value).map_err(|e| call.schema_error(Some(n), &e))
        });
        Ok(Box::pin(futures_util::stream::iter(items)))
    }

    fn prepare(self, accept: &'static str) -> Result<Exchange> {
        let url = self.url();
        let method = self.method;
        let fail = |e: Error| e.with_call(&method, &url, 0);
        let inner = &*self.client.inner;
        let mut headers = inner.common.clone();
        headers.insert(ACCEPT, HeaderValue::from_static(accept));
        for (name, value) in &self.headers {
            let name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
                fail(Error::new(
                    ErrorKind::Config,
                    format!("invalid header name {name:?}"),
                ))
            })?;
            let value = HeaderValue::from_str(value).map_err(|_| {
                fail(Error::new(
                    ErrorKind::Config,
                    format!("the value of header {name} cannot be sent"),
                ))
            })?;
            headers.insert(name, value);
        }
        let body = match self.body {
            None => None,
            Some(Ok(body)) => {
                if !headers.contains_key(CONTENT_TYPE) {
                    headers.insert(CONTENT_TYPE, HeaderValue::from_static(JSON));
                }
                Some(Bytes::from(body))
            }
            Some(Err(e)) => {
                return Err(fail(
                    Error::new(ErrorKind::Serialization, e.to_string()).with_source(e),
                ));
            }
        };
        let parsed = parse_url(&url).map_err(fail)?;
        Ok(Exchange {
            http: inner.http.clone(),
            method,
            name: self.name,
            url,
            parsed,
            headers,
            body,
            anonymous: self.anonymous,
            follow: true,
        })
    }
}

fn parse_url(url: &str) -> Result<Url> {
    Url::parse(url).map_err(|e| {
        Error::new(ErrorKind::Config, format!("invalid URL {url:?}: {e}")).with_source(e)
    })
}

/// `host` as a base URL ending in `/`, and its origin.
fn base_url(host: &str, what: &str) -> Result<(String, url::Origin)> {
    let parsed = Url::parse(host)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.has_host() && u.query().is_none());
    let Some(parsed) = parsed else {
        return Err(Error::new(
            ErrorKind::Config,
            format!("the Rucio {what} {host:?} is not an http(s) URL"),
        ));
    };
    let mut base = String::from(parsed.clone());
    if !base.ends_with('/') {
        base.push('/');
    }
    Ok((base, parsed.origin()))
}

/// The CA certificates in a PEM file, or in the files of a directory (ignoring those that hold
/// none, such as a grid CA directory's `.signing_policy` files).
fn read_ca(path: &Path) -> Result<Vec<reqwest::Certificate>> {
    let unreadable = |e: std::io::Error, file: &Path| {
        Error::new(
            ErrorKind::Config,
            format!("cannot read the CA certificates {}: {e}", file.display()),
        )
        .with_source(e)
    };
    let files = if path.is_dir() {
        let mut files: Vec<_> = std::fs::read_dir(path)
            .map_err(|e| unreadable(e, path))?
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|p| p.is_file())
            .collect();
        files.sort();
        files
    } else {
        vec![path.to_owned()]
    };
    let mut certs = Vec::new();
    for file in &files {
        let pem = std::fs::read(file).map_err(|e| unreadable(e, file))?;
        if let Ok(found) = reqwest::Certificate::from_pem_bundle(&pem) {
            certs.extend(found);
        }
    }
    if certs.is_empty() {
        return Err(Error::new(
            ErrorKind::Config,
            format!("no PEM CA certificates in {}", path.display()),
        ));
    }
    Ok(certs)
}
