//! Moving data: downloads of a DID (file, dataset or container) from its replicas into a
//! directory, and uploads of a file to an RSE, registered as a replica and optionally attached
//! to a dataset, as Rucio's own `rucio download` and `rucio upload` do.
//!
//! The transfers call Rucio through the [`ReplicaService`] seam, which the generated
//! `rucio_client::Rucio` implements with its generated methods; that crate's `Rucio::download`
//! and `Rucio::upload` start a [`Download`] or an [`Upload`] on it.
//!
//! - Protocols: `file` (posix: a copy), `https`, `http` and `davs` (WebDAV: GET, PUT, MKCOL,
//!   MOVE, DELETE). A PFN of another scheme is an [`ErrorKind::Unsupported`] error whose
//!   [`TransferFailure::UnsupportedScheme`] names it.
//! - Downloads verify the adler32 and md5 Rucio recorded (and the size) over the bytes written
//!   to a temporary file beside the target, renamed into place only once verified: a failed
//!   download leaves nothing in the target directory. A replica that fails (missing, corrupt,
//!   unreachable after retries) is followed by the file's next replica.
//! - Uploads compute adler32 and md5 while reading the file, ask `lfns2pfns` where the file
//!   goes, place it under a temporary name and move it into place, register it
//!   (`add_replicas`) and attach it to a dataset if asked; on failure what was placed is
//!   deleted and what was registered is tombstoned.
//!
//! Errors are the runtime's [`Error`]; the transfer-specific ones carry a
//! [`TransferFailure`] as their [`detail`](crate::Error::detail).
//!
//! [`ErrorKind::Unsupported`]: crate::ErrorKind::Unsupported

mod checksum;
mod download;
mod progress;
mod protocol;
mod service;
mod upload;

use std::fmt;
use std::str::FromStr;

pub use checksum::{Checksummer, Checksums, checksums};
pub use download::{Download, DownloadedFile};
pub use futures_util::future::BoxFuture;
pub use progress::{Progress, TransferEvent};
pub use service::{FileReplicas, NewReplica, Replica, ReplicaService, RseStatus};
pub use upload::{Upload, Uploaded};

use crate::{Error, ErrorKind};

/// The schemes this client reads and writes, in its order of preference.
pub const SUPPORTED_SCHEMES: &[&str] = &["file", "davs", "https", "http"];

/// A data identifier: `scope:name`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Did {
    /// The scope.
    pub scope: String,
    /// The name within the scope.
    pub name: String,
}

impl Did {
    /// The DID `scope:name`.
    pub fn new(scope: impl Into<String>, name: impl Into<String>) -> Did {
        Did {
            scope: scope.into(),
            name: name.into(),
        }
    }
}

impl fmt::Display for Did {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.scope, self.name)
    }
}

impl FromStr for Did {
    type Err = Error;

    /// Parses `scope:name` (at the first `:`).
    fn from_str(s: &str) -> Result<Did, Error> {
        match s.split_once(':') {
            Some((scope, name)) if !scope.is_empty() && !name.is_empty() => {
                Ok(Did::new(scope, name))
            }
            _ => Err(Error::new(
                ErrorKind::InvalidInput,
                format!("{s:?} is not a DID: expected scope:name"),
            )),
        }
    }
}

/// What went wrong in a transfer, beyond the API's own errors: the
/// [`detail`](crate::Error::detail) of the error.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransferFailure {
    /// The data read does not have the checksums (or size) Rucio recorded
    /// ([`ErrorKind::HashMismatch`]).
    ChecksumMismatch {
        /// The file.
        did: Did,
        /// The replica's PFN.
        pfn: String,
        /// `adler32`, `md5` or `bytes`.
        checksum: &'static str,
        /// What Rucio recorded.
        expected: String,
        /// What the data has.
        actual: String,
    },
    /// No replica of the file could be read ([`ErrorKind::NotFound`] when there was none to
    /// try or every one was missing; else the kind of the last failure).
    NoReplicaLeft {
        /// The file.
        did: Did,
        /// The PFNs tried, each with why it failed.
        tried: Vec<(String, String)>,
    },
    /// A PFN's scheme is not one this client speaks ([`ErrorKind::Unsupported`]).
    UnsupportedScheme {
        /// The scheme, such as `root` or `srm`.
        scheme: String,
        /// The PFN.
        pfn: String,
    },
    /// The RSE does not take the file: not available for writing, or its storage refused
    /// the data ([`ErrorKind::Forbidden`] or [`ErrorKind::Storage`]).
    WriteRefused {
        /// The RSE.
        rse: String,
        /// Why.
        reason: String,
    },
}

impl fmt::Display for TransferFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TransferFailure::ChecksumMismatch {
                did,
                pfn,
                checksum,
                expected,
                actual,
            } => write!(
                f,
                "{did} from {pfn}: {checksum} is {actual}, Rucio recorded {expected}"
            ),
            TransferFailure::NoReplicaLeft { did, tried } if tried.is_empty() => {
                write!(f, "{did} has no replica this client can read")
            }
            TransferFailure::NoReplicaLeft { did, tried } => {
                write!(f, "no replica of {did} could be read:")?;
                for (pfn, why) in tried {
                    write!(f, " {pfn} ({why});")?;
                }
                Ok(())
            }
            TransferFailure::UnsupportedScheme { scheme, pfn } => write!(
                f,
                "the scheme {scheme:?} of {pfn} is not supported (supported: {})",
                SUPPORTED_SCHEMES.join(", ")
            ),
            TransferFailure::WriteRefused { rse, reason } => {
                write!(f, "the RSE {rse} refused the write: {reason}")
            }
        }
    }
}

/// An error of `kind` with `failure` as its detail and message.
pub(crate) fn failure(kind: ErrorKind, failure: TransferFailure) -> Error {
    Error::new(kind, failure.to_string()).with_detail(failure)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dids_parse_and_print() {
        let did: Did = "user.root:data/a:b".parse().unwrap();
        assert_eq!(did, Did::new("user.root", "data/a:b"));
        assert_eq!(did.to_string(), "user.root:data/a:b");
        for bad in ["", "scope", ":name", "scope:"] {
            assert_eq!(
                bad.parse::<Did>().unwrap_err().kind(),
                ErrorKind::InvalidInput
            );
        }
    }
}
