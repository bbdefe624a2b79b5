//! The one error type of every API family: what went wrong ([`ErrorKind`], from the status or
//! the client's own checks), what the server said (status, code, message, ids), where (method,
//! URL, JSON path) and a family's own detail ([`Error::detail`]).

use std::error::Error as StdError;
use std::fmt;

use reqwest::Method;

/// What went wrong; see [`Error::kind`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The deployment refused the credentials (HTTP 401).
    AuthenticationFailed,
    /// The server refused the call for these credentials (HTTP 403): Taskcluster's
    /// `InsufficientScopes`, Rucio's `AccessDenied`; [`Error::code`] says which.
    Forbidden,
    /// The resource does not exist (HTTP 404).
    NotFound,
    /// Any other 4xx answer, for example a payload that fails validation.
    ClientError,
    /// A storage URL refused the request: a transfer's request to storage (a signed S3 or GCS
    /// URL, a replica's URL on a storage element), not to the API, answered with a 4xx or a
    /// redirect, such as an expired or mismatched signature (HTTP 403) or data missing from the
    /// bucket (404). [`Error::status`] says which and [`Error::message`] holds the storage's own
    /// code and message. The API's credentials are not in question: the service that handed out
    /// the URL accepted them. (A 5xx from storage is retried, then [`ErrorKind::ServerError`].)
    Storage,
    /// A 5xx answer, after all retries.
    ServerError,
    /// The request never got an HTTP answer (connection refused or reset, a failed DNS
    /// lookup, a timeout, TLS, …), after all retries. The message ends with the innermost
    /// cause, such as `Connection refused (os error 111)`.
    Transport,
    /// The answer does not match the expected schema; [`Error::schema_path`] says where and
    /// [`Error::document`] holds the answer as it came.
    Schema,
    /// The request body could not be serialized.
    Serialization,
    /// Bad configuration: base URL, environment, HTTP client settings.
    Config,
    /// Credentials are missing or invalid for the operation (for example a signed URL without
    /// credentials, or temporary credentials lasting more than 31 days).
    Credentials,
    /// Downloaded data does not match the hashes or checksums the service recorded (never
    /// retried).
    HashMismatch,
    /// The data has none of the hashes or checksums a download can verify.
    MissingHashes,
    /// Reading or writing local data failed (a file, a reader or writer, a source shorter or
    /// longer than its declared length).
    Io,
    /// An argument the client checks before anything is sent is invalid: a time offset
    /// (Taskcluster's `time::from_now`), the parameters of a scope template (a service's
    /// `required_scopes`). The message says which and why.
    InvalidInput,
    /// The configuration asks for something this client does not implement, such as a Rucio
    /// authentication method it cannot log in with, or a signed URL from credentials that
    /// cannot sign one; the message names it.
    Unsupported,
    /// A call to a [`Fake`](crate::fake::Fake) that no [`Fake::on`](crate::fake::Fake::on)
    /// answers: a test that forgot an endpoint, not an answer a deployment would give. The
    /// message names the endpoint (service, method name when known, HTTP method and path).
    /// [`Fake::strict`](crate::fake::Fake::strict) panics instead.
    FakeUnanswered,
}

impl ErrorKind {
    fn describe(self) -> &'static str {
        match self {
            ErrorKind::AuthenticationFailed => "authentication failed",
            ErrorKind::Forbidden => "forbidden",
            ErrorKind::NotFound => "not found",
            ErrorKind::ClientError => "request rejected",
            ErrorKind::Storage => "storage refused the request",
            ErrorKind::ServerError => "server error",
            ErrorKind::Transport => "transport error",
            ErrorKind::Schema => "response does not match its schema",
            ErrorKind::Serialization => "cannot serialize the request body",
            ErrorKind::Config => "invalid configuration",
            ErrorKind::Credentials => "invalid credentials",
            ErrorKind::HashMismatch => "hash mismatch",
            ErrorKind::MissingHashes => "no verifiable hash",
            ErrorKind::Io => "local I/O error",
            ErrorKind::InvalidInput => "invalid input",
            ErrorKind::Unsupported => "not supported",
            ErrorKind::FakeUnanswered => "unanswered by the fake",
        }
    }

    /// The kind for an HTTP error status.
    pub fn from_status(status: u16) -> ErrorKind {
        match status {
            401 => ErrorKind::AuthenticationFailed,
            403 => ErrorKind::Forbidden,
            404 => ErrorKind::NotFound,
            500..=599 => ErrorKind::ServerError,
            _ => ErrorKind::ClientError,
        }
    }
}

/// Errors from a call or from the client's configuration, for every API family.
///
/// It carries everything known about the failed call: the HTTP status, the error's `code` and
/// `message` and structured [`details`](Error::details) from the answer, the request and trace
/// ids the server gave, the method and URL, for schema mismatches the JSON path of the
/// offending field and the document, and a family's own [`detail`](Error::detail). It never
/// carries secrets: URLs are the unsigned ones.
///
/// Each family fills the shared fields its own way: Taskcluster's `code`, `message` and
/// `requestInfo`; Rucio's `ExceptionClass` and `ExceptionMessage`.
pub struct Error {
    inner: Box<Inner>,
}

struct Inner {
    kind: ErrorKind,
    message: String,
    status: Option<u16>,
    code: Option<String>,
    details: Option<serde_json::Value>,
    request_id: Option<String>,
    trace_id: Option<String>,
    method: Option<Method>,
    url: Option<String>,
    schema_path: Option<String>,
    detail: Option<Box<dyn Detail>>,
    document: Option<bytes::Bytes>,
    attempts: u32,
    source: Option<Box<dyn StdError + Send + Sync>>,
}

impl Error {
    /// An error of `kind` saying `message`; the `with_*` methods add what is known.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error {
            inner: Box::new(Inner {
                kind,
                message: message.into(),
                status: None,
                code: None,
                details: None,
                request_id: None,
                trace_id: None,
                method: None,
                url: None,
                schema_path: None,
                detail: None,
                document: None,
                attempts: 0,
                source: None,
            }),
        }
    }

    /// A request that got no HTTP answer (or lost its body): kind `Config` for one that could
    /// not be built, else `Transport`, saying how it failed and, after a colon, the innermost
    /// cause (`cannot connect: Connection refused (os error 111)`, `cannot connect: failed to
    /// lookup address information: Name or service not known`). The URL is left out of the
    /// source (it may carry a bewit or a signature); callers add it redacted.
    pub fn transport(e: reqwest::Error) -> Error {
        let (kind, what) = if e.is_builder() {
            (ErrorKind::Config, "invalid request")
        } else if e.is_timeout() {
            (ErrorKind::Transport, "timed out")
        } else if e.is_connect() {
            (ErrorKind::Transport, "cannot connect")
        } else if e.is_body() || e.is_decode() {
            (
                ErrorKind::Transport,
                "the connection failed during the body",
            )
        } else {
            (ErrorKind::Transport, "request failed")
        };
        let e = e.without_url();
        // A timeout's innermost cause only says it again ("operation timed out").
        let message = match innermost_cause(&e) {
            Some(cause) if !e.is_timeout() => format!("{what}: {cause}"),
            _ => what.to_owned(),
        };
        Error::new(kind, message).with_source(e)
    }

    /// Keeps `source` as the error's cause.
    pub fn with_source(mut self, source: impl StdError + Send + Sync + 'static) -> Error {
        self.inner.source = Some(Box::new(source));
        self
    }

    /// Says which call failed (method and URL without secrets) after how many attempts.
    pub fn with_call(mut self, method: &Method, url: &str, attempts: u32) -> Error {
        self.inner.method = Some(method.clone());
        self.inner.url = Some(url.to_owned());
        self.inner.attempts = attempts;
        self
    }

    /// Counts `attempts` HTTP attempts in all (the call's and its retries', a re-login's).
    pub fn with_attempts(mut self, attempts: u32) -> Error {
        self.inner.attempts = attempts;
        self
    }

    /// Keeps the answer's status and the request and trace ids it gave.
    pub fn with_response(
        mut self,
        status: u16,
        request_id: Option<String>,
        trace_id: Option<String>,
    ) -> Error {
        self.inner.status = Some(status);
        self.inner.request_id = request_id;
        self.inner.trace_id = trace_id;
        self
    }

    /// Keeps what the error answer's body said: its code and structured details.
    pub fn with_body(mut self, code: Option<String>, details: Option<serde_json::Value>) -> Error {
        self.inner.code = code;
        self.inner.details = details;
        self
    }

    /// For [`ErrorKind::Schema`], where the document did not fit.
    pub fn with_schema_path(mut self, path: String) -> Error {
        self.inner.schema_path = Some(path);
        self
    }

    /// Keeps a family's own detail, read back with [`Error::detail`]; its `Display`, unless
    /// empty, comes before the message in the error's.
    pub fn with_detail(mut self, detail: impl Detail) -> Error {
        self.inner.detail = Some(Box::new(detail));
        self
    }

    /// Keeps the document an answer held, for [`Error::document`].
    pub fn with_document(mut self, document: bytes::Bytes) -> Error {
        self.inner.document = Some(document);
        self
    }

    /// Replaces the message (to say what a failure means where it happened).
    pub fn with_message(mut self, message: String) -> Error {
        self.inner.message = message;
        self
    }

    /// What went wrong.
    pub fn kind(&self) -> ErrorKind {
        self.inner.kind
    }

    /// The message: the server's for HTTP errors (Taskcluster's `message`, Rucio's
    /// `ExceptionMessage`), otherwise a description.
    pub fn message(&self) -> &str {
        &self.inner.message
    }

    /// The HTTP status of the (last) answer, if there was one.
    pub fn status(&self) -> Option<u16> {
        self.inner.status
    }

    /// The error's code: Taskcluster's `code` (`"InsufficientScopes"`,
    /// `"InputValidationError"`), Rucio's `ExceptionClass` (`"DataIdentifierNotFound"`).
    pub fn code(&self) -> Option<&str> {
        self.inner.code.as_deref()
    }

    /// The structured details of the error body (Taskcluster's `requestInfo`).
    pub fn details(&self) -> Option<&serde_json::Value> {
        self.inner.details.as_ref()
    }

    /// The request id the server gave (Taskcluster's `x-for-request-id`).
    pub fn request_id(&self) -> Option<&str> {
        self.inner.request_id.as_deref()
    }

    /// The trace id the server gave (Taskcluster's `x-for-trace-id`).
    pub fn trace_id(&self) -> Option<&str> {
        self.inner.trace_id.as_deref()
    }

    /// The method of the failed call.
    pub fn method(&self) -> Option<&Method> {
        self.inner.method.as_ref()
    }

    /// The URL of the failed call (unsigned, without credentials).
    pub fn url(&self) -> Option<&str> {
        self.inner.url.as_deref()
    }

    /// For [`ErrorKind::Schema`], the JSON path of the field that did not match (`.` for the
    /// whole document), e.g. `tasks[0].status.state`.
    pub fn schema_path(&self) -> Option<&str> {
        self.inner.schema_path.as_deref()
    }

    /// A family's own detail of type `T`, if the error has one (Taskcluster's error artifacts).
    pub fn detail<T: Detail>(&self) -> Option<&T> {
        let detail: &dyn std::any::Any = self.inner.detail.as_deref()?;
        detail.downcast_ref()
    }

    /// For [`ErrorKind::Schema`]: the document that did not fit, as it came (the answer's body;
    /// for a Rucio list, the one line), so that nothing the server sent is lost when it no
    /// longer matches the client's types, for example after a newer release renamed a
    /// required field. Neither `Display` nor `Debug` shows it (`Debug` gives its length).
    ///
    /// ```no_run
    /// # async fn demo(queue: runtime_core::Client) -> runtime_core::Result<()> {
    /// # #[derive(serde::Deserialize)] struct Task {}
    /// match queue.request(runtime_core::Method::GET, "task/abc").send::<Task>().await {
    ///     Ok(_task) => { /* typed */ }
    ///     Err(e) if e.kind() == runtime_core::ErrorKind::Schema => {
    ///         let raw: serde_json::Value =
    ///             serde_json::from_slice(e.document().unwrap_or(b"null")).unwrap_or_default();
    ///         eprintln!("{e}; the server sent {raw}");
    ///     }
    ///     Err(e) => return Err(e),
    /// }
    /// # Ok(()) }
    /// ```
    pub fn document(&self) -> Option<&[u8]> {
        self.inner.document.as_deref()
    }

    /// How many HTTP attempts were made (0 when none was).
    pub fn attempts(&self) -> u32 {
        self.inner.attempts
    }

    /// Whether this is [`ErrorKind::AuthenticationFailed`].
    pub fn is_authentication_failed(&self) -> bool {
        self.kind() == ErrorKind::AuthenticationFailed
    }

    /// Whether this is [`ErrorKind::Forbidden`].
    pub fn is_forbidden(&self) -> bool {
        self.kind() == ErrorKind::Forbidden
    }

    /// Whether this is [`ErrorKind::NotFound`].
    pub fn is_not_found(&self) -> bool {
        self.kind() == ErrorKind::NotFound
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &*self.inner;
        if let (Some(method), Some(url)) = (&i.method, &i.url) {
            write!(f, "{method} {url}: ")?;
        }
        f.write_str(i.kind.describe())?;
        if let Some(status) = i.status {
            write!(f, " (HTTP {status})")?;
        }
        if let Some(path) = &i.schema_path {
            write!(f, " at `{path}`")?;
        }
        if let Some(code) = &i.code {
            write!(f, ": {code}")?;
        }
        if let Some(detail) = &i.detail {
            let text = detail.to_string();
            if !text.is_empty() {
                write!(f, ": {text}")?;
            }
        }
        if !i.message.is_empty() {
            write!(f, ": {}", i.message)?;
        }
        if let Some(id) = &i.request_id {
            write!(f, " (request id {id})")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &*self.inner;
        let mut d = f.debug_struct("Error");
        d.field("kind", &i.kind).field("message", &i.message);
        if let Some(status) = i.status {
            d.field("status", &status);
        }
        if let Some(code) = &i.code {
            d.field("code", code);
        }
        if let Some(method) = &i.method {
            d.field("method", method);
        }
        if let Some(url) = &i.url {
            d.field("url", url);
        }
        if let Some(v) = &i.request_id {
            d.field("request_id", v);
        }
        if let Some(v) = &i.trace_id {
            d.field("trace_id", v);
        }
        if let Some(v) = &i.schema_path {
            d.field("schema_path", v);
        }
        if let Some(v) = &i.detail {
            d.field("detail", v);
        }
        if let Some(v) = &i.details {
            d.field("details", v);
        }
        if let Some(v) = &i.document {
            d.field("document", &format_args!("{} bytes", v.len()));
        }
        if i.attempts > 0 {
            d.field("attempts", &i.attempts);
        }
        if let Some(s) = &i.source {
            d.field("source", s);
        }
        d.finish()
    }
}

impl StdError for Error {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.inner
            .source
            .as_deref()
            .map(|s| s as &(dyn StdError + 'static))
    }
}

/// The start of an error answer's body that is no JSON the family reads, as the error's
/// message: trimmed, at most 500 bytes (cut on a character boundary, with `…`).
pub fn text_excerpt(body: &[u8]) -> String {
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
    text
}

/// The text of the last error in `e`'s chain of sources, if it has any.
fn innermost_cause(e: &(dyn StdError + 'static)) -> Option<String> {
    let mut cause = e.source()?;
    while let Some(next) = cause.source() {
        cause = next;
    }
    let text = cause.to_string();
    (!text.trim().is_empty()).then_some(text)
}

/// A family's own detail of an error: shown by `Debug`, by `Display` before the message in
/// the error's text, and read back typed with [`Error::detail`].
pub trait Detail: std::any::Any + fmt::Debug + fmt::Display + Send + Sync {}

impl<T: std::any::Any + fmt::Debug + fmt::Display + Send + Sync> Detail for T {}

/// Result of a call.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_from_status() {
        assert_eq!(ErrorKind::from_status(401), ErrorKind::AuthenticationFailed);
        assert_eq!(ErrorKind::from_status(403), ErrorKind::Forbidden);
        assert_eq!(ErrorKind::from_status(404), ErrorKind::NotFound);
        assert_eq!(ErrorKind::from_status(400), ErrorKind::ClientError);
        assert_eq!(ErrorKind::from_status(409), ErrorKind::ClientError);
        assert_eq!(ErrorKind::from_status(503), ErrorKind::ServerError);
    }

    #[test]
    fn display_has_call_status_code_and_message() {
        let e = Error::new(ErrorKind::Forbidden, "you need more")
            .with_call(&Method::GET, "https://tc.example.com/api/x/v1/y", 1)
            .with_response(403, Some("req-1".into()), Some("trace-1".into()))
            .with_body(Some("InsufficientScopes".into()), None);
        assert_eq!(
            e.to_string(),
            "GET https://tc.example.com/api/x/v1/y: forbidden (HTTP 403): \
             InsufficientScopes: you need more (request id req-1)"
        );
        assert_eq!(e.trace_id(), Some("trace-1"));
        assert!(e.is_forbidden());
    }
}
