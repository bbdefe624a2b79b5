//! Taskcluster's rules for the core: its error answers, its request ids, writes retried (its
//! APIs are idempotent by design), redirects as answers (`getArtifact`'s 303 carries JSON).

use std::fmt;

use reqwest::header::HeaderMap;
use runtime_core::{Family, Method};
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
        Err(_) => (None, Some(excerpt(body)), None, None),
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

/// The start of a body that is not Taskcluster's error JSON, as the message.
pub(crate) fn excerpt(body: &[u8]) -> String {
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
