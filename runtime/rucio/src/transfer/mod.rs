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
//! Errors are the runtime's [`Error`](crate::Error); the transfer-specific ones carry a
//! [`TransferFailure`] as their [`detail`](crate::Error::detail).
//!
//! [`ErrorKind::Unsupported`]: crate::ErrorKind::Unsupported

mod checksum;
mod did;
mod download;
mod failure;
mod progress;
mod protocol;
mod service;
mod upload;

pub use checksum::{Checksummer, Checksums, checksums};
pub use did::Did;
pub use download::{Download, DownloadedFile};
pub use failure::{SUPPORTED_SCHEMES, TransferFailure};
pub use futures_util::future::BoxFuture;
pub use progress::{Progress, TransferEvent};
pub use service::{FileReplicas, NewReplica, Replica, ReplicaService, RseStatus};
pub use upload::{Upload, Uploaded};
