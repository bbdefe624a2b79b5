//! What goes wrong in a transfer beyond the API's own errors, as an error's detail.

use std::fmt;

use super::did::Did;
use crate::{Error, ErrorKind};

/// The schemes this client reads and writes, in its order of preference.
pub const SUPPORTED_SCHEMES: &[&str] = &["file", "davs", "https", "http"];

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
