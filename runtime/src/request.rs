//! One request: building, signing, sending with retries, and reading the answer.

use std::fmt;
use std::fmt::Write as _;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderValue};
use url::{Position, Url};

use tracing::Instrument;

use crate::Client;
use crate::config::Attempts;
use crate::trace::{self, CallTrace, Family};
use crate::urls::{Escaper, push_escaped};
use crate::{Error, ErrorKind, Method, Result, hawk};

const JSON: &str = "application/json";

/// One request being built; see [`Client::request`].
#[must_use]
pub struct Request<'a> {
    pub(crate) client: &'a Client,
    pub(crate) method: Method,
    /// The API method's name (`task`), for traces.
    pub(crate) name: Option<&'static str>,
    pub(crate) path: String,
    pub(crate) query: String,
    pub(crate) body: Option<Result<Vec<u8>, serde_json::Error>>,
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

impl Answer {
    /// The body as `T`; else a schema error that names the field and keeps the body.
    fn parse<T: serde::de::DeserializeOwned>(self, method: &Method, url: &str) -> Result<T> {
        let schema_error = |message: String, path: String| {
            Error::new(ErrorKind::Schema, message)
                .with_call(method, url, self.attempts)
                .with_response(self.status, self.request_id.clone(), self.trace_id.clone())
                .with_schema_path(path)
                .with_document(self.body.clone())
        };
        if self.body.iter().all(u8::is_ascii_whitespace) {
            return Err(schema_error(
                "empty response body, expected JSON".into(),
                ".".into(),
            ));
        }
        // Tracking the path costs about 40% of a parse, so it is done only to explain a failure:
        // the second parse fails the same way and says where.
        if let Ok(value) = serde_json::from_slice(&self.body) {
            return Ok(value);
        }
        let mut de = serde_json::Deserializer::from_slice(&self.body);
        let value = serde_path_to_error::deserialize(&mut de)
            .map_err(|e| schema_error(e.inner().to_string(), e.path().to_string()))?;
        de.end()
            .map_err(|e| schema_error(e.to_string(), ".".into()))?;
        Ok(value)
    }
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

/// Taskcluster's error body; or, for `getArtifact` and `getLatestArtifact` meeting an error
/// artifact (HTTP 424), the artifact's `reason` and `message`.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct ErrorBody {
    code: Option<String>,
    message: Option<String>,
    request_info: Option<serde_json::Value>,
    reason: Option<String>,
}

/// The header the queue sets on artifact answers, `error` for an error artifact.
const ARTIFACT_STORAGE_TYPE: &str = "x-taskcluster-artifact-storage-type";

/// What an answer's headers say about it.
#[derive(Default)]
struct ErrorHeaders {
    request_id: Option<String>,
    trace_id: Option<String>,
    /// `x-taskcluster-artifact-storage-type`.
    storage_type: Option<String>,
}

impl ErrorHeaders {
    fn of(headers: &HeaderMap) -> ErrorHeaders {
        ErrorHeaders {
            request_id: header_string(headers, "x-for-request-id"),
            trace_id: header_string(headers, "x-for-trace-id"),
            storage_type: header_string(headers, ARTIFACT_STORAGE_TYPE),
        }
    }
}

fn error_from_answer(status: u16, headers: ErrorHeaders, body: &[u8]) -> Error {
    let (code, message, info, reason) = match serde_json::from_slice::<ErrorBody>(body) {
        Ok(b) => (b.code, b.message, b.request_info, b.reason),
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
            (None, Some(text), None, None)
        }
    };
    // The queue answers a plain `getArtifact` of an error artifact with 424 and the artifact's
    // reason and message (no `code`), as `x-taskcluster-artifact-storage-type: error`.
    let error_artifact = status == 424
        && (headers.storage_type.as_deref() == Some("error")
            || (reason.is_some() && code.is_none()));
    let kind = if error_artifact {
        ErrorKind::Artifact
    } else {
        ErrorKind::from_status(status)
    };
    let mut error = Error::new(kind, message.unwrap_or_default())
        .with_response(status, headers.request_id, headers.trace_id)
        .with_body(code, info);
    if error_artifact {
        error = error.with_artifact_reason(reason.unwrap_or_default());
    }
    error
}

impl Request<'_> {
    /// Names the API method this request calls (`"task"`), for the call's span
    /// (`tc.method`); generated clients set it.
    pub fn name(mut self, name: &'static str) -> Self {
        self.name = Some(name);
        self
    }

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
    /// [`Error::schema_path`] names the offending field and whose [`Error::document`] is the
    /// body as it came.
    pub async fn send<T: serde::de::DeserializeOwned>(self) -> Result<T> {
        let method = self.method.clone();
        let url = self.full_url(&self.client.inner.request_base_url);
        self.execute(&url, |answer| answer.parse(&method, &url))
            .await
    }

    /// Sends the request and returns the JSON answer whatever its shape: `null` for an empty
    /// body. A body that is not JSON is an [`ErrorKind::Schema`] error (with its
    /// [`Error::document`]).
    pub async fn send_json(self) -> Result<serde_json::Value> {
        let method = self.method.clone();
        let url = self.full_url(&self.client.inner.request_base_url);
        self.execute(&url, |answer| {
            if answer.body.iter().all(u8::is_ascii_whitespace) {
                return Ok(serde_json::Value::Null);
            }
            answer.parse(&method, &url)
        })
        .await
    }

    /// Sends the request, expecting no meaningful response body.
    pub async fn send_empty(self) -> Result<()> {
        let url = self.full_url(&self.client.inner.request_base_url);
        self.execute(&url, |_| Ok(())).await
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

    /// Sends the request with retries and reads the successful answer with `read`, in a
    /// `tc.call` span (so that an answer that does not parse is the call's failure).
    async fn execute<T>(self, url_str: &str, read: impl FnOnce(Answer) -> Result<T>) -> Result<T> {
        let inner = &*self.client.inner;
        let span = trace::call_span(Family::Taskcluster, inner.service, self.name, &self.method);
        let call = CallTrace::new(span, url_str);
        let answer = match self.attempt(url_str).instrument(call.span.clone()).await {
            Ok(answer) => answer,
            Err(e) => {
                call.failed(&e);
                return Err(e);
            }
        };
        // Only when someone listens: the ids are copied for the span.
        let seen = (!call.span.is_disabled()).then(|| {
            (
                answer.status,
                answer.attempts,
                answer.request_id.clone(),
                answer.trace_id.clone(),
            )
        });
        let result = read(answer);
        match (&result, seen) {
            (Ok(_), Some((status, attempts, request_id, trace_id))) => {
                call.succeeded(status, attempts, request_id.as_deref(), trace_id.as_deref());
            }
            (Err(e), _) => call.failed(e),
            (Ok(_), None) => {}
        }
        result
    }

    async fn attempt(self, url_str: &str) -> Result<Answer> {
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
        if let Some(fake) = &inner.fake {
            let incoming = crate::fake::Incoming {
                service: inner.service,
                name: self.name,
                method: method.as_str(),
                path: &self.path,
                query: &self.query,
                body: body.as_deref(),
            };
            return match fake.answer(&incoming) {
                Ok(body) => Ok(Answer {
                    status: 200,
                    request_id: None,
                    trace_id: None,
                    body: body.into(),
                    attempts: 1,
                }),
                Err(crate::fake::Refusal::Unanswered(what)) => {
                    Err(fail(Error::new(ErrorKind::FakeUnanswered, what), 1))
                }
                Err(crate::fake::Refusal::Error(e)) => {
                    let body = serde_json::json!({"code": e.code, "message": e.message});
                    let error = error_from_answer(
                        e.status,
                        ErrorHeaders::default(),
                        body.to_string().as_bytes(),
                    );
                    Err(fail(error, 1))
                }
            };
        }
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
        let mut attempts = Attempts::new(&inner.retry);
        loop {
            attempts.start();
            let retries_left = attempts.may_retry();
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
                    let headers = ErrorHeaders::of(resp.headers());
                    resp.bytes().await.map(|body| (status, headers, body))
                }
                Err(e) => Err(e),
            };
            match outcome {
                Ok((status, headers, body)) if status < 400 => {
                    return Ok(Answer {
                        status,
                        request_id: headers.request_id,
                        trace_id: headers.trace_id,
                        body,
                        attempts: attempts.made(),
                    });
                }
                Ok((status, _, _)) if status >= 500 && retries_left => {
                    let status = status.to_string();
                    attempts.retry(&status, &format!("HTTP {status}")).await;
                }
                Ok((status, headers, body)) => {
                    return Err(fail(
                        error_from_answer(status, headers, &body),
                        attempts.made(),
                    ));
                }
                Err(e) if retries_left && !e.is_builder() => {
                    let e = Error::transport(e);
                    attempts.retry(&trace::error_type(&e), e.message()).await;
                }
                Err(e) => return Err(fail(Error::transport(e), attempts.made())),
            }
        }
    }
}

/// `url` (any URL of the deployment) with a Hawk bewit valid for `ttl`, signed with `config`'s
/// credentials: for handing a resource to someone without credentials.
pub fn signed_url(config: &crate::ClientConfig, url: &str, ttl: Duration) -> Result<String> {
    let credentials = config
        .credentials()
        .ok_or_else(|| Error::new(ErrorKind::Credentials, "signed URLs need credentials"))?;
    let parsed = Url::parse(url)
        .map_err(|e| Error::new(ErrorKind::Config, format!("invalid URL {url:?}: {e}")))?;
    let endpoint = crate::client::endpoint(url).map_err(|e| Error::new(ErrorKind::Config, e))?;
    let signer = hawk::Signer::new(
        &credentials.client_id,
        &credentials.access_token,
        credentials.hawk_ext(),
    );
    let expiry = (SystemTime::now() + ttl)
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let resource = &parsed[Position::BeforePath..Position::AfterQuery];
    let bewit = signer.bewit(resource, &endpoint.host, endpoint.port, expiry);
    let mut out = String::from(parsed);
    out.push(if out.contains('?') { '&' } else { '?' });
    out.push_str("bewit=");
    out.push_str(&bewit);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ClientConfig, escape};

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
    fn error_artifacts_are_told_by_header_or_body() {
        let header = || ErrorHeaders {
            storage_type: Some("error".into()),
            ..ErrorHeaders::default()
        };
        // The queue's answer: header and body.
        let e = error_from_answer(424, header(), br#"{"reason":"r","message":"m"}"#);
        assert_eq!(
            (e.kind(), e.artifact_reason(), e.message(), e.status()),
            (ErrorKind::Artifact, Some("r"), "m", Some(424))
        );
        // The body alone (a proxy that drops the header) or the header alone.
        let e = error_from_answer(
            424,
            ErrorHeaders::default(),
            br#"{"reason":"r","message":"m"}"#,
        );
        assert_eq!(e.kind(), ErrorKind::Artifact);
        let e = error_from_answer(424, header(), b"not json");
        assert_eq!(
            (e.kind(), e.artifact_reason()),
            (ErrorKind::Artifact, Some(""))
        );
        // A Taskcluster error body with a 424 is not an error artifact.
        let e = error_from_answer(
            424,
            ErrorHeaders::default(),
            br#"{"code":"DependencyFailed","message":"m","reason":"x"}"#,
        );
        assert_eq!(
            (e.kind(), e.artifact_reason()),
            (ErrorKind::ClientError, None)
        );
        let e = error_from_answer(400, header(), br#"{"reason":"r","message":"m"}"#);
        assert_eq!(e.kind(), ErrorKind::ClientError);
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
