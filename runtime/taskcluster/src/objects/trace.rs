//! The spans and events of object and artifact transfers (`tc.transfer`).

use std::time::Instant;

use tracing::field::Empty;
use tracing::{Span, debug, debug_span};

use crate::Error;
pub(crate) use runtime_core::trace::error_type;

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
            self.span.record("url.full", super::transfer::redact(url));
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
        url.full = super::transfer::redact(url),
        "the storage URL expired: asked for a fresh one"
    );
}
