//! What the runtime tells the `tracing` crate: a span per call, events for retries, logins,
//! reconnections and transfers. Field names follow OpenTelemetry's HTTP semantic conventions
//! where one exists (`http.request.method`, `url.full`, …), so `tracing-opentelemetry` makes
//! standard client spans of them; the rest are under `tc.`, `rucio.` and `pulse.`.
//!
//! Levels: the call span and its events are `debug` (a library says nothing at `info` about a
//! call that worked); retries are `debug` too, since the caller gets the final error anyway
//! and a retry that succeeds is routine; a Pulse connection lost or regained is `info`, as
//! nothing else tells the caller.
//!
//! No field ever holds a secret: URLs go through [`url_full`], which drops user info and the
//! values of signature and token parameters (a bewit, S3's `X-Amz-Signature`, …).

use std::time::{Duration, Instant};

use tracing::field::Empty;
use tracing::{Span, debug, debug_span};
use url::Url;

use crate::Error;

/// What a redacted query parameter's value becomes (OpenTelemetry's choice).
const REDACTED: &str = "REDACTED";

/// Whether a query parameter's value may be a credential: Hawk's `bewit`, signed storage URLs'
/// signatures and keys, and anything called a token, password or secret.
fn secret_param(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    name == "sig"
        || [
            "bewit",
            "signature",
            "credential",
            "token",
            "key",
            "password",
            "secret",
            "auth",
        ]
        .iter()
        .any(|word| name.contains(word))
}

/// `url` as traces may show it: without user info or fragment, and with the values of
/// credential-like query parameters replaced by `REDACTED`.
pub(crate) fn url_full(url: &str) -> String {
    let Some(mut parsed) = without_user_info(url) else {
        return "(invalid URL)".to_owned();
    };
    if let Some(query) = parsed.query()
        && query
            .split('&')
            .any(|pair| secret_param(pair.split('=').next().unwrap_or("")))
    {
        let kept: Vec<String> = query
            .split('&')
            .map(|pair| {
                let name = pair.split('=').next().unwrap_or("");
                if secret_param(name) {
                    format!("{name}={REDACTED}")
                } else {
                    pair.to_owned()
                }
            })
            .collect();
        parsed.set_query(Some(&kept.join("&")));
    }
    parsed.into()
}

/// `url` parsed, without user info or fragment; `None` when it is no URL. What every URL a
/// trace or an error shows starts from.
pub(crate) fn without_user_info(url: &str) -> Option<Url> {
    let mut parsed = Url::parse(url).ok()?;
    let _ = parsed.set_username("");
    let _ = parsed.set_password(None);
    parsed.set_fragment(None);
    Some(parsed)
}

/// A call span called `$name` (a span's name is a literal), every field declared.
macro_rules! call_span {
    ($name:literal, $service:expr, $method:expr, $http_method:expr) => {
        debug_span!(
            $name,
            otel.kind = "client",
            otel.name = Empty,
            otel.status_code = Empty,
            tc.service = $service,
            tc.method = $method,
            http.request.method = $http_method,
            url.full = Empty,
            server.address = Empty,
            server.port = Empty,
            tc.attempts = Empty,
            http.request.resend_count = Empty,
            http.response.status_code = Empty,
            tc.request_id = Empty,
            tc.trace_id = Empty,
            error.type = Empty,
            tc.duration_ms = Empty,
        )
    };
}

/// The span of one call to a Taskcluster (`tc.call`) or Rucio (`rucio.call`) method.
pub(crate) fn call_span(
    family: Family,
    service: &str,
    method: Option<&'static str>,
    http_method: &reqwest::Method,
) -> Span {
    let http = http_method.as_str();
    let span = match family {
        Family::Taskcluster => call_span!("tc.call", service, method, http),
        Family::Rucio => call_span!("rucio.call", service, method, http),
    };
    if !span.is_disabled() {
        let name = match method {
            Some(m) => format!("{http} {service}.{m}"),
            None => format!("{http} {service}"),
        };
        span.record("otel.name", name);
    }
    span
}

/// Which API family a call belongs to.
#[derive(Clone, Copy)]
pub(crate) enum Family {
    Taskcluster,
    Rucio,
}

/// A call span and when its call began (only measured when someone listens).
pub(crate) struct CallTrace {
    pub(crate) span: Span,
    started: Option<Instant>,
}

impl CallTrace {
    /// Starts timing `span`'s call to `url` (recorded redacted).
    pub(crate) fn new(span: Span, url: &str) -> CallTrace {
        if span.is_disabled() {
            return CallTrace {
                span,
                started: None,
            };
        }
        span.record("url.full", url_full(url));
        if let Ok(parsed) = Url::parse(url) {
            if let Some(host) = parsed.host_str() {
                span.record("server.address", host);
            }
            if let Some(port) = parsed.port_or_known_default() {
                span.record("server.port", port);
            }
        }
        CallTrace {
            span,
            started: Some(Instant::now()),
        }
    }

    fn finish_common(&self, attempts: u32, status: Option<u16>) -> Option<f64> {
        let span = &self.span;
        span.record("tc.attempts", attempts);
        if attempts > 1 {
            span.record("http.request.resend_count", attempts - 1);
        }
        if let Some(status) = status {
            span.record("http.response.status_code", status);
        }
        let ms = self.started.map(|t| t.elapsed().as_secs_f64() * 1000.0);
        if let Some(ms) = ms {
            span.record("tc.duration_ms", ms);
        }
        ms
    }

    /// The call got a successful answer.
    pub(crate) fn succeeded(
        &self,
        status: u16,
        attempts: u32,
        request_id: Option<&str>,
        trace_id: Option<&str>,
    ) {
        if self.span.is_disabled() {
            return;
        }
        let ms = self.finish_common(attempts, Some(status));
        let span = &self.span;
        if let Some(id) = request_id {
            span.record("tc.request_id", id);
        }
        if let Some(id) = trace_id {
            span.record("tc.trace_id", id);
        }
        debug!(
            parent: span,
            http.response.status_code = status,
            tc.attempts = attempts,
            tc.duration_ms = ms,
            "call succeeded"
        );
    }

    /// The call failed for good with `error`.
    pub(crate) fn failed(&self, error: &Error) {
        if self.span.is_disabled() {
            return;
        }
        let ms = self.finish_common(error.attempts(), error.status());
        let span = &self.span;
        if let Some(id) = error.request_id() {
            span.record("tc.request_id", id);
        }
        if let Some(id) = error.trace_id() {
            span.record("tc.trace_id", id);
        }
        let kind = error_type(error);
        span.record("error.type", kind.as_str());
        span.record("otel.status_code", "ERROR");
        debug!(
            parent: span,
            http.response.status_code = error.status(),
            error.type = kind.as_str(),
            error.message = error.message(),
            tc.attempts = error.attempts(),
            tc.duration_ms = ms,
            "call failed"
        );
    }
}

/// The span of one object or artifact transfer (`tc.transfer`): `direction` is `upload` or
/// `download`, `what` the object's name or `url` for a plain URL.
pub(crate) fn transfer_span(direction: &'static str, what: &str) -> TransferTrace {
    let span = debug_span!(
        "tc.transfer",
        tc.transfer.direction = direction,
        tc.object.name = what,
        url.full = Empty,
        tc.transfer.bytes = Empty,
        tc.transfer.duration_ms = Empty,
        tc.transfer.rate_mb_s = Empty,
        tc.transfer.hashes = Empty,
        tc.transfer.url_refreshed = Empty,
        tc.attempts = Empty,
        error.type = Empty,
    );
    let started = (!span.is_disabled()).then(Instant::now);
    TransferTrace { span, started }
}

/// A transfer's span and when it began (only measured when someone listens).
pub(crate) struct TransferTrace {
    pub(crate) span: Span,
    started: Option<Instant>,
}

impl TransferTrace {
    /// The storage URL (signed: shown without its query).
    pub(crate) fn url(&self, url: &str) {
        if !self.span.is_disabled() {
            self.span
                .record("url.full", crate::objects::redacted_url(url));
        }
    }

    /// The transfer is done: `bytes` moved in `attempts` storage requests, the hashes
    /// `hashes` verified (a download) or sent (an upload), the storage URL replaced
    /// `refreshed` times as it expired.
    pub(crate) fn done(&self, bytes: u64, attempts: u32, hashes: &str, refreshed: u32) {
        let Some(started) = self.started else {
            return;
        };
        let seconds = started.elapsed().as_secs_f64();
        let ms = seconds * 1000.0;
        // MB of 10^6 bytes, as `tc-bench` reports them.
        let rate = if seconds > 0.0 {
            bytes as f64 / seconds / 1e6
        } else {
            0.0
        };
        let span = &self.span;
        span.record("tc.transfer.bytes", bytes);
        span.record("tc.transfer.duration_ms", ms);
        span.record("tc.transfer.rate_mb_s", rate);
        span.record("tc.transfer.hashes", hashes);
        span.record("tc.transfer.url_refreshed", refreshed);
        span.record("tc.attempts", attempts);
        debug!(
            parent: span,
            tc.transfer.bytes = bytes,
            tc.transfer.duration_ms = ms,
            tc.transfer.rate_mb_s = rate,
            tc.transfer.hashes = hashes,
            tc.transfer.url_refreshed = refreshed,
            tc.attempts = attempts,
            "transfer done"
        );
    }

    /// The transfer failed for good.
    pub(crate) fn failed(&self, error: &Error) {
        if self.span.is_disabled() {
            return;
        }
        let kind = error_type(error);
        self.span.record("error.type", kind.as_str());
        debug!(
            parent: &self.span,
            error.type = kind.as_str(),
            error.message = error.message(),
            tc.attempts = error.attempts(),
            "transfer failed"
        );
    }
}

/// A storage URL expired and the service gave a fresh one.
pub(crate) fn url_refreshed(url: &str) {
    debug!(
        url.full = crate::objects::redacted_url(url),
        "the storage URL expired: asked for a fresh one"
    );
}

/// OpenTelemetry's `error.type`: the status code of an error answer, else the error's kind.
pub(crate) fn error_type(error: &Error) -> String {
    match error.status() {
        Some(status) if status >= 400 => status.to_string(),
        _ => format!("{:?}", error.kind()),
    }
}

/// A retry after attempt `attempt` failed (`reason`, whose `error.type` is `error_type`),
/// after `pause`.
pub(crate) fn retry(attempt: u32, pause: Duration, error_type: &str, reason: &str) {
    debug!(
        http.request.resend_count = attempt,
        error.type = error_type,
        tc.retry.reason = reason,
        tc.retry.pause_ms = pause.as_secs_f64() * 1000.0,
        "retrying"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traced_urls_keep_no_secrets() {
        assert_eq!(
            url_full("https://user:pw@tc.example.com/api/queue/v1/task/x?bewit=abc&x=1#f"),
            "https://tc.example.com/api/queue/v1/task/x?bewit=REDACTED&x=1"
        );
        assert_eq!(
            url_full("https://b.s3.amazonaws.com/o?X-Amz-Credential=k&X-Amz-Signature=s&a=b"),
            "https://b.s3.amazonaws.com/o?X-Amz-Credential=REDACTED&X-Amz-Signature=REDACTED&a=b"
        );
        assert_eq!(
            url_full("http://127.0.0.1:1/api/queue/v1/tasks?limit=5"),
            "http://127.0.0.1:1/api/queue/v1/tasks?limit=5"
        );
        assert_eq!(url_full("no url?bewit=x"), "(invalid URL)");
    }
}
