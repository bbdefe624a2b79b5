//! Progress of transfers, for a progress bar or a log: a [`Progress`] observer gets a
//! [`TransferEvent`] as each file starts, moves bytes, and ends.

use std::sync::Arc;

use super::did::Did;

/// What happened to one file of a transfer.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransferEvent {
    /// A file's transfer from or to `pfn` (a replica's URL) starts; `bytes` is its size when
    /// known.
    Started {
        /// The file.
        did: Did,
        /// The replica's PFN.
        pfn: String,
        /// The file's size, when known.
        bytes: Option<u64>,
    },
    /// Bytes moved: `done` of the current attempt so far.
    Advanced {
        /// The file.
        did: Did,
        /// Bytes moved in this attempt.
        done: u64,
        /// The file's size, when known.
        total: Option<u64>,
    },
    /// An attempt failed; the transfer tries again or moves to another replica.
    Retrying {
        /// The file.
        did: Did,
        /// The PFN that failed.
        pfn: String,
        /// Why.
        reason: String,
    },
    /// The file is in place, verified (and for uploads, registered).
    Finished {
        /// The file.
        did: Did,
        /// The RSE it came from or went to.
        rse: String,
    },
}

/// Observes transfers. Called from the tasks doing them: keep it quick. Any
/// `Fn(&TransferEvent) + Send + Sync` is one.
pub trait Progress: Send + Sync {
    /// Called for each event.
    fn event(&self, event: &TransferEvent);
}

impl<F: Fn(&TransferEvent) + Send + Sync> Progress for F {
    fn event(&self, event: &TransferEvent) {
        self(event)
    }
}

/// An optional observer, shared by a transfer's tasks.
#[derive(Clone, Default)]
pub(crate) struct Observer(pub(crate) Option<Arc<dyn Progress>>);

impl Observer {
    pub(crate) fn send(&self, event: TransferEvent) {
        if let Some(observer) = &self.0 {
            observer.event(&event);
        }
    }
}

impl std::fmt::Debug for Observer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() { "Some(..)" } else { "None" })
    }
}
