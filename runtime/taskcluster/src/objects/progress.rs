//! Progress reports for a CLI's progress bar.

use std::fmt;
use std::sync::Arc;

/// How far a transfer is: bytes moved so far and, when known, how many there are in all.
///
/// `done` counts the bytes of the current attempt: it starts again from 0 when an upload is
/// retried, and a download retried after `n` bytes resumes at `n`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress {
    /// Bytes sent or received (decoded, for a gzip-encoded download).
    pub done: u64,
    /// All the bytes, when known: an upload's length, a download's `Content-Length`.
    pub total: Option<u64>,
}

/// Called as bytes move (about every chunk: tens to hundreds of KiB), from the task doing the
/// transfer; keep it quick.
pub type ProgressFn = Arc<dyn Fn(Progress) + Send + Sync>;

/// Reports progress to an optional observer.
#[derive(Clone, Default)]
pub(crate) struct Reporter {
    observer: Option<ProgressFn>,
    total: Option<u64>,
}

impl fmt::Debug for Reporter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Reporter")
            .field("observer", &self.observer.is_some())
            .field("total", &self.total)
            .finish()
    }
}

impl Reporter {
    pub(crate) fn new(observer: Option<ProgressFn>) -> Self {
        Reporter {
            observer,
            total: None,
        }
    }

    pub(crate) fn set_total(&mut self, total: Option<u64>) {
        self.total = total;
    }

    pub(crate) fn report(&self, done: u64) {
        if let Some(f) = &self.observer {
            f(Progress {
                done,
                total: self.total,
            });
        }
    }
}
