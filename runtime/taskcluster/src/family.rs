//! Taskcluster's rules for the core: its error answers, its request ids, writes retried (its
//! APIs are idempotent by design), redirects as answers (`getArtifact`'s 303 carries JSON).

use std::fmt;

use reqwest::header::HeaderMap;
use runtime_core::{Family, Method, text_excerpt};
use tracing::Span;

use crate::{Error, ErrorKind};

/// The family of every Taskcluster service client.
pub(crate) const TASKCLUSTER: Family = Family {
    call_span,
    error: error_from_answer,
    answer_ids,
    retry_writes: true,
    follow_redirects: false,
};

fn call_span(service: &str, method: Option<&'static str>, http: &Method) -> Span {
    runtime_core::call_span!("tc.call", service, method, http.as_str())
}

fn header_string(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

fn answer_ids(headers: &HeaderMap) -> (Option<String>, Option<String>) {
    (
        header_string(headers, "x-for-request-id"),
        header_string(headers, "x-for-trace-id"),
    )
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

pub(crate) fn error_from_answer(status: u16, headers: &HeaderMap, body: &[u8]) -> Error {
    let (code, message, info, reason) = match serde_json::from_slice::<ErrorBody>(body) {
        Ok(b) => (b.code, b.message, b.request_info, b.reason),
        Err(_) => (None, Some(text_excerpt(body)), None, None),
    };
    // The queue answers a plain `getArtifact` of an error artifact with 424 and the artifact's
    // reason and message (no `code`), as `x-taskcluster-artifact-storage-type: error`.
    let error_artifact = status == 424
        && (header_string(headers, ARTIFACT_STORAGE_TYPE).as_deref() == Some("error")
            || (reason.is_some() && code.is_none()));
    let (request_id, trace_id) = answer_ids(headers);
    let error = Error::new(ErrorKind::from_status(status), message.unwrap_or_default())
        .with_response(status, request_id, trace_id)
        .with_body(code, info);
    if error_artifact {
        error.with_detail(ErrorArtifact {
            reason: reason.unwrap_or_default(),
        })
    } else {
        error
    }
}

/// The detail of an error that is an error artifact: the queue's answer to `getArtifact` (HTTP
/// 424), or an artifact download meeting one. Read it with [`TaskclusterError::artifact_reason`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ErrorArtifact {
    /// The artifact's `reason`, such as `"file-missing-on-worker"` (its `message` is the
    /// error's).
    pub reason: String,
}

impl fmt::Display for ErrorArtifact {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "error artifact ({})", self.reason)
    }
}

/// What only Taskcluster's errors say.
pub trait TaskclusterError {
    /// Whether the credentials lack a scope the call requires (HTTP 403).
    fn is_insufficient_scopes(&self) -> bool;
    /// For an error artifact, its `reason`, such as `"file-missing-on-worker"`.
    fn artifact_reason(&self) -> Option<&str>;
}

impl TaskclusterError for Error {
    fn is_insufficient_scopes(&self) -> bool {
        self.kind() == ErrorKind::Forbidden
    }

    fn artifact_reason(&self) -> Option<&str> {
        self.detail::<ErrorArtifact>().map(|a| a.reason.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn storage(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(ARTIFACT_STORAGE_TYPE, value.parse().unwrap());
        headers
    }

    #[test]
    fn error_artifacts_are_told_by_header_or_body() {
        let none = HeaderMap::new();
        // The queue's answer: header and body.
        let e = error_from_answer(424, &storage("error"), br#"{"reason":"r","message":"m"}"#);
        assert_eq!(
            (e.kind(), e.artifact_reason(), e.message(), e.status()),
            (ErrorKind::ClientError, Some("r"), "m", Some(424))
        );
        // The body alone (a proxy that drops the header) or the header alone.
        let e = error_from_answer(424, &none, br#"{"reason":"r","message":"m"}"#);
        assert_eq!(e.artifact_reason(), Some("r"));
        let e = error_from_answer(424, &storage("error"), b"not json");
        assert_eq!(e.artifact_reason(), Some(""));
        // A Taskcluster error body with a 424 is not an error artifact.
        let e = error_from_answer(
            424,
            &none,
            br#"{"code":"DependencyFailed","message":"m","reason":"x"}"#,
        );
        assert_eq!(
            (e.kind(), e.artifact_reason()),
            (ErrorKind::ClientError, None)
        );
        let e = error_from_answer(400, &storage("error"), br#"{"reason":"r","message":"m"}"#);
        assert_eq!(e.artifact_reason(), None);
    }

    #[test]
    fn a_403_is_insufficient_scopes_with_the_ids_and_details() {
        let mut headers = HeaderMap::new();
        headers.insert("x-for-request-id", "req-1".parse().unwrap());
        let e = error_from_answer(
            403,
            &headers,
            br#"{"code":"InsufficientScopes","message":"no","requestInfo":{"method":"task"}}"#,
        );
        assert!(e.is_insufficient_scopes());
        assert_eq!(e.code(), Some("InsufficientScopes"));
        assert_eq!(e.request_id(), Some("req-1"));
        assert_eq!(e.details().unwrap()["method"], "task");
    }
}
