//! One request: building it, sending it (authentication, redirects, retries, one re-login),
//! and reading the answer, for every family.

use std::fmt;
use std::fmt::Write as _;
use std::pin::Pin;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use futures_core::Stream;
use futures_util::StreamExt;
use reqwest::Method;
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue, LOCATION};
use serde::de::DeserializeOwned;
use tracing::Instrument;
use url::Url;

use crate::client::Client;
use crate::error::{Error, ErrorKind, Result};
use crate::escape::{Escaper, push_escaped};
use crate::json::{self, CallInfo};
use crate::retry::Attempts;
use crate::trace::{self, CallTrace};
use crate::transport::{Body, EndpointInfo, Failure, Incoming, Outgoing, Transport};

const JSON: &str = "application/json";
const JSON_STREAM: &str = "application/x-json-stream";
/// Some servers (Rucio) answer 406 when `Accept` does not list what an endpoint produces, and
/// their specs do not always say which one that is, so each way of reading an answer accepts
/// both and copes with either.
const ACCEPT_WHOLE: &str = "application/json, application/x-json-stream;q=0.5";
const ACCEPT_STREAM: &str = "application/x-json-stream, application/json;q=0.5";
const ACCEPT_ANY: &str = "*/*";
const MAX_REDIRECTS: u32 = 10;

/// Items of a streamed answer, decoded as they arrive; see [`Request::send_stream`].
pub type ItemStream<T> = Pin<Box<dyn Stream<Item = Result<T>> + Send>>;

/// One request being built; see [`Client::request`].
#[must_use]
pub struct Request {
    client: Client,
    pub(crate) method: Method,
    name: Option<&'static str>,
    /// Relative to the service's base.
    path: String,
    query: String,
    headers: Vec<(String, String)>,
    body: Option<std::result::Result<Vec<u8>, serde_json::Error>>,
    anonymous: bool,
    follow: Option<bool>,
}

impl fmt::Debug for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Not the headers or the body: a caller may put secrets there.
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("query", &self.query)
            .finish_non_exhaustive()
    }
}

/// A request ready to send (again): what every attempt starts from.
struct Prepared {
    method: Method,
    name: Option<&'static str>,
    /// The URL as built, for errors and spans (it never holds a secret).
    url: String,
    parsed: Url,
    headers: HeaderMap,
    body: Option<Bytes>,
    anonymous: bool,
    follow: bool,
    endpoint: EndpointInfo,
}

/// A successful answer: the body read whole, or still to stream.
struct Answer {
    status: u16,
    headers: HeaderMap,
    body: Body,
    attempts: u32,
}

impl Answer {
    fn info(&self, client: &Client, prepared: &Prepared) -> CallInfo {
        CallInfo {
            method: prepared.method.clone(),
            url: prepared.url.clone(),
            status: self.status,
            attempts: self.attempts,
            ids: (client.inner.family.answer_ids)(&self.headers),
        }
    }

    fn content_type(&self) -> &str {
        header(&self.headers, CONTENT_TYPE.as_str()).unwrap_or("")
    }

    fn whole(&self) -> &[u8] {
        match &self.body {
            Body::Bytes(b) => b,
            Body::Http(_) => &[],
        }
    }
}

fn header<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn is_json_stream(content_type: &str) -> bool {
    content_type.trim_start().starts_with(JSON_STREAM)
}

impl Client {
    /// Starts a request to `path`, relative to the service's base URL (a leading `/` is
    /// ignored), with path parameters already escaped ([`escape`](crate::escape)).
    pub fn request(&self, method: Method, path: impl Into<String>) -> Request {
        let path = path.into();
        let path = match path.strip_prefix('/') {
            Some(rest) => rest.to_owned(),
            None => path,
        };
        Request {
            client: self.clone(),
            method,
            name: None,
            path,
            query: String::new(),
            headers: Vec::new(),
            body: None,
            anonymous: false,
            follow: None,
        }
    }
}

impl Request {
    /// Names the API method this request calls (`"createTask"`), for the call's span and the
    /// fake; generated clients set it.
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
    /// value is an [`ErrorKind::Config`] error when the request is sent. It goes only to the
    /// client's own hosts, as its authentication does.
    pub fn header(mut self, name: &str, value: impl fmt::Display) -> Self {
        self.headers.push((name.to_owned(), value.to_string()));
        self
    }

    /// Sets a JSON body.
    pub fn json<B: serde::Serialize + ?Sized>(mut self, body: &B) -> Self {
        self.body = Some(serde_json::to_vec(body));
        self
    }

    /// Sends the request without authentication (the calls that log in).
    pub fn without_auth(mut self) -> Self {
        self.anonymous = true;
        self
    }

    fn full_url(&self, base: &str) -> String {
        let mut url = String::with_capacity(base.len() + self.path.len() + self.query.len());
        url.push_str(base);
        url.push_str(&self.path);
        url.push_str(&self.query);
        url
    }

    /// The request's URL, unsigned, on the service's public base (never a proxy's): for
    /// resources anyone may read, or a client that authenticates by itself.
    pub fn url(&self) -> Result<String> {
        let inner = &self.client.inner;
        if let Some(e) = &inner.base_error {
            return Err(Error::new(ErrorKind::Config, e.clone()));
        }
        parse_url(&self.full_url(&inner.public_base)).map(String::from)
    }

    /// The request's URL signed for `ttl` (a Hawk bewit), to hand to someone without
    /// credentials.
    pub fn signed_url(self, ttl: Duration) -> Result<String> {
        self.signed_url_expiring_at(SystemTime::now() + ttl)
    }

    /// [`Request::signed_url`], expiring at `expiry` (whole seconds).
    pub fn signed_url_expiring_at(self, expiry: SystemTime) -> Result<String> {
        let url = self.url()?;
        let auth =
            self.client.inner.url_auth.as_ref().ok_or_else(|| {
                Error::new(ErrorKind::Credentials, "signed URLs need credentials")
            })?;
        auth.sign_url(&parse_url(&url)?, expiry)
    }

    /// Sends the request and parses the JSON answer as `T`.
    ///
    /// An `application/x-json-stream` answer is read as a JSON array of its lines, so
    /// `send::<Vec<T>>()` works on list endpoints too. An empty body is `null` (fine for `()`
    /// and `Option`); one that does not match `T` is an [`ErrorKind::Schema`] error whose
    /// [`Error::schema_path`] names the field and whose [`Error::document`] is the body.
    pub async fn send<T: DeserializeOwned>(self) -> Result<T> {
        self.execute(ACCEPT_WHOLE, |answer, call| {
            let body = answer.whole();
            if is_json_stream(answer.content_type()) {
                return json::parse(&lines_as_array(body), None, call);
            }
            if body.iter().all(u8::is_ascii_whitespace) {
                return json::parse(b"null", None, call).map_err(|_| {
                    call.error(ErrorKind::Schema, "empty response body, expected JSON")
                        .with_schema_path(".".into())
                });
            }
            json::parse(body, None, call)
        })
        .await
    }

    /// Sends the request and returns the JSON answer whatever its shape: `null` for an empty
    /// body. A body that is not JSON is an [`ErrorKind::Schema`] error (with its
    /// [`Error::document`]).
    pub async fn send_json(self) -> Result<serde_json::Value> {
        self.send().await
    }

    /// Sends the request, expecting no meaningful answer.
    pub async fn send_empty(self) -> Result<()> {
        self.execute(ACCEPT_ANY, |_, _| Ok(())).await
    }

    /// Sends the request and returns the answer as text.
    pub async fn send_text(self) -> Result<String> {
        self.execute(ACCEPT_ANY, |answer, call| {
            String::from_utf8(answer.whole().to_vec()).map_err(|e| {
                call.error(ErrorKind::Schema, "the answer is not UTF-8 text")
                    .with_source(e)
            })
        })
        .await
    }

    /// Sends the request and answers where the server redirects it (`Location`, made
    /// absolute), without following: calls that redirect to the data (a replica on its
    /// storage).
    pub async fn send_for_location(mut self) -> Result<String> {
        self.follow = Some(false);
        let base = self.url();
        self.execute(ACCEPT_ANY, move |answer, call| {
            let location = header(&answer.headers, LOCATION.as_str())
                .filter(|_| (300..400).contains(&answer.status))
                .ok_or_else(|| call.error(ErrorKind::ServerError, "the answer is no redirect"))?;
            let base = parse_url(&base?)?;
            base.join(location).map(String::from).map_err(|_| {
                call.error(ErrorKind::ServerError, "a redirect to an invalid Location")
            })
        })
        .await
    }

    /// Sends the request and returns the answer's status and headers, its body unread: calls
    /// whose answer is in its headers (a login's token).
    pub async fn send_for_headers(self) -> Result<(u16, HeaderMap)> {
        self.execute(ACCEPT_ANY, |answer, _| {
            Ok((answer.status, answer.headers.clone()))
        })
        .await
    }

    /// Sends the request and decodes the answer's items as they arrive.
    ///
    /// For list endpoints that answer `application/x-json-stream` (one JSON document per
    /// line): each line is decoded when it is complete, so memory stays small however long the
    /// list. A JSON array answer yields its elements. A failed request is the only item; an
    /// item that is not a `T` is an error item and the stream goes on; a broken connection is a
    /// last error item. Retries and re-logins happen before the first item, never after.
    pub fn send_stream<T: DeserializeOwned + Send + 'static>(self) -> ItemStream<T> {
        Box::pin(
            futures_util::stream::once(self.open_stream::<T>()).flat_map(|opened| match opened {
                Ok(items) => items,
                Err(e) => Box::pin(futures_util::stream::iter([Err(e)])),
            }),
        )
    }

    async fn open_stream<T: DeserializeOwned + Send + 'static>(self) -> Result<ItemStream<T>> {
        let client = self.client.clone();
        let prepared = self.prepare(ACCEPT_STREAM)?;
        let span =
            (client.inner.family.call_span)(client.inner.service, prepared.name, &prepared.method);
        let call = CallTrace::new(span, &prepared.url);
        let opened = send_with_auth(&client, &prepared, false)
            .instrument(call.span.clone())
            .await;
        let answer = match opened {
            Ok(answer) => {
                let (request_id, trace_id) = (client.inner.family.answer_ids)(&answer.headers);
                call.succeeded(
                    answer.status,
                    answer.attempts,
                    request_id.as_deref(),
                    trace_id.as_deref(),
                );
                answer
            }
            Err(e) => {
                call.failed(&e);
                return Err(e);
            }
        };
        let info = answer.info(&client, &prepared);
        if is_json_stream(answer.content_type()) {
            return Ok(Box::pin(json::decode::<T, _, _>(
                answer.body.into_stream(),
                info,
            )));
        }
        // Not a stream: read it whole, then yield an array's elements (or the one document).
        let body = answer.body.bytes().await.map_err(|e| {
            info.error(ErrorKind::Transport, "the answer broke off")
                .with_source(e.without_url())
        })?;
        let starts_array = body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[');
        if !starts_array {
            let once = futures_util::stream::iter([Ok(body)]);
            return Ok(Box::pin(json::decode::<T, _, std::io::Error>(once, info)));
        }
        let values: Vec<serde_json::Value> = json::parse(&body, None, &info)?;
        let items = values.into_iter().enumerate().map(move |(n, value)| {
            serde_path_to_error::deserialize(value).map_err(|e| info.schema_error(Some(n), &e))
        });
        Ok(Box::pin(futures_util::stream::iter(items)))
    }

    /// Sends the request, its answer read whole, and reads it with `read`, all in the call's
    /// span (an answer that does not parse is the call's failure).
    async fn execute<T>(
        self,
        accept: &'static str,
        read: impl FnOnce(&Answer, &CallInfo) -> Result<T>,
    ) -> Result<T> {
        let client = self.client.clone();
        let prepared = self.prepare(accept)?;
        let family = &client.inner.family;
        let span = (family.call_span)(client.inner.service, prepared.name, &prepared.method);
        let call = CallTrace::new(span, &prepared.url);
        let answer = match send_with_auth(&client, &prepared, true)
            .instrument(call.span.clone())
            .await
        {
            Ok(answer) => answer,
            Err(e) => {
                call.failed(&e);
                return Err(e);
            }
        };
        let info = answer.info(&client, &prepared);
        let result = read(&answer, &info);
        match &result {
            Ok(_) => call.succeeded(
                info.status,
                info.attempts,
                info.ids.0.as_deref(),
                info.ids.1.as_deref(),
            ),
            Err(e) => call.failed(e),
        }
        result
    }

    fn prepare(self, accept: &'static str) -> Result<Prepared> {
        let inner = &self.client.inner;
        let url = self.full_url(&inner.request_base);
        let method = self.method;
        let fail = |e: Error| e.with_call(&method, &url, 0);
        if let Some(e) = &inner.base_error {
            return Err(fail(Error::new(ErrorKind::Config, e.clone())));
        }
        let mut headers = HeaderMap::new();
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
        let endpoint = EndpointInfo {
            service: inner.service,
            name: self.name,
            path: self.path,
            query: self.query,
        };
        Ok(Prepared {
            follow: self.follow.unwrap_or(inner.family.follow_redirects),
            method,
            name: self.name,
            url,
            parsed,
            headers,
            body,
            anonymous: self.anonymous,
            endpoint,
        })
    }
}

/// Sends `prepared` with the client's authentication; if the server refuses it (401) and the
/// authentication says another try may succeed (a fresh login), sends it once more: a second
/// refusal is the error.
async fn send_with_auth(client: &Client, prepared: &Prepared, whole: bool) -> Result<Answer> {
    let auth = client.inner.auth.as_ref().filter(|_| !prepared.anonymous);
    let mut sent = None;
    let first = attempts(client, prepared, whole, &mut sent).await;
    let (Some(auth), Err(e)) = (auth, &first) else {
        return first;
    };
    let refused = e.status() == Some(401)
        && match &sent {
            Some(outgoing) => auth.refused(outgoing, e).await,
            None => false,
        };
    if !refused {
        return first;
    }
    tracing::debug!(
        http.response.status_code = 401,
        error.type = e.code().unwrap_or("401"),
        "the server refused the credentials: trying once more"
    );
    let earlier = e.attempts();
    match attempts(client, prepared, whole, &mut sent).await {
        Ok(mut answer) => {
            answer.attempts += earlier;
            Ok(answer)
        }
        Err(e) => {
            let attempts = earlier + e.attempts();
            Err(e.with_attempts(attempts))
        }
    }
}

/// Sends `prepared` until it succeeds or fails for good: 5xx answers and network errors are
/// retried for idempotent methods (for any method in a family whose writes may be retried), a
/// refused connection for any. With `whole`, reading the body is part of the attempt. `sent`
/// keeps the last attempt as authenticated (for [`Auth::refused`](crate::Auth::refused)).
async fn attempts(
    client: &Client,
    prepared: &Prepared,
    whole: bool,
    sent: &mut Option<Outgoing>,
) -> Result<Answer> {
    let inner = &*client.inner;
    let fail = |e: Error, attempts: u32| e.with_call(&prepared.method, &prepared.url, attempts);
    let transport = client.transport().map_err(|e| fail(e, 0))?;
    let idempotent = inner.family.retry_writes
        || matches!(
            prepared.method,
            Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS
        );
    let timeout = if whole { inner.timeout } else { None };
    let mut attempts = Attempts::new(&inner.retry);
    loop {
        attempts.start();
        let retries_left = attempts.may_retry();
        let network_error =
            match transmit(client, transport.as_ref(), prepared, timeout, sent).await {
                // An error of a call the authentication made (a login) keeps that call's URL.
                Err(Failure::Final(e)) if e.url().is_some() => return Err(e),
                Err(Failure::Final(e)) => return Err(fail(e, attempts.made())),
                Err(Failure::Network(e)) => e,
                Ok(incoming) => {
                    let status = incoming.status;
                    if status >= 400 {
                        if status >= 500 && idempotent && retries_left {
                            let _ = incoming.body.bytes().await;
                            let status = status.to_string();
                            attempts.retry(&status, &format!("HTTP {status}")).await;
                            continue;
                        }
                        let body = incoming.body.bytes().await.unwrap_or_default();
                        let error = (inner.family.error)(status, &incoming.headers, &body);
                        return Err(fail(error, attempts.made()));
                    }
                    let mut answer = Answer {
                        status,
                        headers: incoming.headers,
                        body: incoming.body,
                        attempts: attempts.made(),
                    };
                    if !whole {
                        return Ok(answer);
                    }
                    match answer.body.bytes().await {
                        Ok(body) => {
                            answer.body = Body::Bytes(body);
                            return Ok(answer);
                        }
                        Err(e) => e,
                    }
                }
            };
        let e = network_error;
        if retries_left && !e.is_builder() && (idempotent || e.is_connect()) {
            let e = Error::transport(e);
            attempts.retry(&trace::error_type(&e), e.message()).await;
            continue;
        }
        return Err(fail(Error::transport(e), attempts.made()));
    }
}

/// One attempt, following redirects when the call does: 303 (and 301/302 after a POST) become
/// a GET without body, 307/308 repeat the request. Authentication and the client's headers go
/// only to the client's own hosts; elsewhere only `Accept` and `Content-Type` go.
async fn transmit(
    client: &Client,
    transport: &dyn Transport,
    prepared: &Prepared,
    timeout: Option<Duration>,
    sent: &mut Option<Outgoing>,
) -> std::result::Result<Incoming, Failure> {
    let inner = &*client.inner;
    let mut method = prepared.method.clone();
    let mut url = prepared.parsed.clone();
    let mut body = prepared.body.clone();
    for _ in 0..=MAX_REDIRECTS {
        let ours = inner.origins.contains(&url.origin());
        let mut headers = HeaderMap::new();
        if ours {
            headers.extend(inner.headers.clone());
            headers.extend(prepared.headers.clone());
        } else {
            for name in [ACCEPT, CONTENT_TYPE] {
                if let Some(value) = prepared.headers.get(&name) {
                    headers.insert(name, value.clone());
                }
            }
        }
        if body.is_none() {
            headers.remove(CONTENT_TYPE);
        }
        let mut outgoing = Outgoing {
            method: method.clone(),
            url: url.clone(),
            headers,
            body: body.clone(),
            timeout,
            endpoint: prepared.endpoint.clone(),
        };
        if ours
            && !prepared.anonymous
            && let Some(auth) = &inner.auth
        {
            auth.authorize(&mut outgoing)
                .await
                .map_err(Failure::Final)?;
            *sent = Some(Outgoing {
                method: outgoing.method.clone(),
                url: outgoing.url.clone(),
                headers: outgoing.headers.clone(),
                body: None,
                timeout,
                endpoint: outgoing.endpoint.clone(),
            });
        }
        let incoming = transport.send(outgoing).await?;
        let status = incoming.status;
        if !prepared.follow || !matches!(status, 301 | 302 | 303 | 307 | 308) {
            return Ok(incoming);
        }
        let location = header(&incoming.headers, LOCATION.as_str())
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
        let _ = incoming.body.bytes().await;
    }
    Err(redirect_error(0, "more than 10 times"))
}

fn redirect_error(status: u16, what: &str) -> Failure {
    let mut e = Error::new(ErrorKind::ServerError, format!("redirected {what}"));
    if status != 0 {
        e = e.with_response(status, None, None);
    }
    Failure::Final(e)
}

/// The lines of an `application/x-json-stream` body as one JSON array.
fn lines_as_array(body: &[u8]) -> Vec<u8> {
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
    array
}

pub(crate) fn parse_url(url: &str) -> Result<Url> {
    Url::parse(url).map_err(|e| {
        Error::new(ErrorKind::Config, format!("invalid URL {url:?}: {e}")).with_source(e)
    })
}
