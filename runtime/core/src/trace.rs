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

use tracing::{Span, debug};
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
pub fn url_full(url: &str) -> String {
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
pub fn without_user_info(url: &str) -> Option<Url> {
    let mut parsed = Url::parse(url).ok()?;
    let _ = parsed.set_username("");
    let _ = parsed.set_password(None);
    parsed.set_fragment(None);
    Some(parsed)
}

/// A call span called `$name` (a span's name is a literal, so each family names its own), every
/// field declared: what a [`Family`](crate::Family)'s `call_span` returns.
#[macro_export]
macro_rules! call_span {
    ($name:literal, $service:expr, $method:expr, $http_method:expr) => {{
        use $crate::__tracing::field::Empty;
        let (service, method, http): (&str, Option<&'static str>, &str) =
            ($service, $method, $http_method);
        $crate::trace::named(
            $crate::__tracing::debug_span!(
                $name,
                otel.kind = "client",
                otel.name = Empty,
                otel.status_code = Empty,
                tc.service = service,
                tc.method = method,
                http.request.method = http,
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
            ),
            service,
            method,
            http,
        )
    }};
}

/// Records a call span's OpenTelemetry name (`GET queue.task`), when someone listens.
pub fn named(span: Span, service: &str, method: Option<&str>, http: &str) -> Span {
    if !span.is_disabled() {
        let name = match method {
            Some(m) => format!("{http} {service}.{m}"),
            None => format!("{http} {service}"),
        };
        span.record("otel.name", name);
    }
    span
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

/// OpenTelemetry's `error.type`: the status code of an error answer, else the error's kind.
pub fn error_type(error: &Error) -> String {
    match error.status() {
        Some(status) if status >= 400 => status.to_string(),
        _ => format!("{:?}", error.kind()),
    }
}

/// A retry after attempt `attempt` failed (`reason`, whose `error.type` is `error_type`),
/// after `pause`.
pub fn retry(attempt: u32, pause: Duration, error_type: &str, reason: &str) {
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
