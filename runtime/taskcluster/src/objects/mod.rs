//! Object and artifact transfer, as Taskcluster's clients do it: uploads to and downloads
//! from the object service, and queue artifacts of every storage type.
//!
//! - **Uploads** (`createUpload`, then the data inline if it is under
//!   [`DATA_INLINE_MAX_SIZE`] bytes and the service takes it so, else a PUT to `putUrl` with
//!   exactly the headers it asks for, then `finishUpload` with the SHA-256 and SHA-512
//!   computed on the way), from bytes, a file or an `AsyncRead + AsyncSeek` of known length.
//! - **Downloads** (`startDownload` for a `getUrl`, a GET of it, hashes verified: every hash
//!   computed that the object has must match and it must have `sha256` or `sha512`) to a file
//!   (written beside it under a temporary name, renamed only once verified), a `Vec` or an
//!   `AsyncWrite` (which may have received data before an error: trust it only on success).
//!   `gzip`-encoded answers are decoded; hashes are of the decoded data.
//! - **Artifacts**: downloads follow `queue.artifact`'s storage type (`s3` and `reference` as
//!   plain URLs, `object` through the object service with the temporary credentials the queue
//!   returns, `error` as an error whose [`artifact_reason`](crate::TaskclusterError::artifact_reason)
//!   says why), and
//!   uploads are one call: `createArtifact` (`storageType: object`; `contentLength` only if
//!   asked for, see [`ArtifactUpload::with_content_length`]), the object upload,
//!   `finishArtifact`.
//!
//! Everything streams in bounded chunks (memory stays flat whatever the size), reports
//! [`Progress`] to an optional observer, and retries 5xx answers and transport errors with the
//! client's [`RetryConfig`](crate::RetryConfig), never 4xx answers nor hash mismatches. A
//! retried upload reads its source again from the start (a reader is sought back to where it
//! was); a retried download resumes where it stopped (see [`download_to_file`]), and asks for
//! a fresh `getUrl` once the last one has expired. A storage URL's refusal (a 4xx, such as
//! an expired signature's 403) is an [`ErrorKind::Storage`](crate::ErrorKind::Storage) error, never one about scopes.
//! Storage URLs get no `Authorization` header, have their own HTTP client (no overall
//! deadline; the configured timeout applies to each connect and each read) and appear in
//! errors without their query string, where signed URLs carry credentials.
//!
//! The transfers take the object service and the queue through two seams, [`ObjectService`]
//! and [`ArtifactService`], which the generated `tc_client::object::Object` and
//! `tc_client::queue::Queue` implement with their own methods and types (and give one method per
//! transfer: `object.upload_from_file(..)`, `queue.download_artifact_to_vec(..)`):
//!
//! ```no_run
//! use std::sync::Arc;
//! use tc_runtime::objects::{self, ArtifactService, DownloadOptions, ObjectService, Upload};
//!
//! # async fn demo(object: &impl ObjectService, queue: &impl ArtifactService) -> tc_runtime::Result<()> {
//! let expires = chrono::Utc::now() + chrono::Duration::days(1);
//! let upload = Upload::new("my-project", "my/object.tar.gz", expires)
//!     .with_content_type("application/gzip")
//!     .with_progress(Arc::new(|p| eprintln!("{} of {:?} bytes", p.done, p.total)));
//! objects::upload_from_file(object, &upload, "object.tar.gz").await?;
//! objects::download_to_file(object, "my/object.tar.gz", "copy.tar.gz", &DownloadOptions::default()).await?;
//!
//! let (log, _) = objects::download_artifact_to_vec(
//!     queue, "fN1SbArXTPSVFNUvaOlinQ", None, "public/logs/live.log", &DownloadOptions::default(),
//! ).await?;
//! # let _ = log; Ok(()) }
//! ```

mod artifact;
mod artifacts;
mod download;
mod hashing;
mod progress;
mod service;
mod trace;
mod transfer;
mod upload;

use std::path::Path;

// What the transfers' signatures take, so a caller needs neither `bytes` nor `tokio` as a
// dependency of its own to name them.
pub use bytes::Bytes;
/// What the seams' methods return (a boxed `Send` future).
pub use futures_util::future::BoxFuture;
pub use tokio::io::{AsyncRead, AsyncSeek, AsyncWrite};

pub use artifact::ArtifactUpload;
pub use download::{DownloadOptions, Downloaded};
pub use hashing::Hashes;
pub use progress::{Progress, ProgressFn};
pub use service::{
    ArtifactLocation, ArtifactService, GetUrl, ObjectArtifact, ObjectService, UploadAgreement,
    UploadProposal,
};
pub use upload::{DATA_INLINE_MAX_SIZE, Upload, UploadMethod, Uploaded};

use download::{FileOutput, Output};
use upload::Source;

use crate::Result;

/// Uploads `data` as `upload` describes, through `object` (a client for the object service
/// with credentials that have `object:upload:<projectId>:<name>`).
pub async fn upload_from_bytes(
    object: &(impl ObjectService + ?Sized),
    upload: &Upload,
    data: impl Into<Bytes>,
) -> Result<Uploaded> {
    let data = data.into();
    let length = data.len() as u64;
    upload::upload(object, upload, Source::bytes(data), length).await
}

/// Uploads the file at `path` (its length when opened is the object's length; a retry reads
/// it again from the start).
pub async fn upload_from_file(
    object: &(impl ObjectService + ?Sized),
    upload: &Upload,
    path: impl AsRef<Path>,
) -> Result<Uploaded> {
    let (source, length) = Source::file(path.as_ref()).await?;
    upload::upload(object, upload, source, length).await
}

/// Uploads `length` bytes of `reader` from where it is now. A retry seeks it back there, hence
/// `AsyncSeek`; a source that cannot seek can be copied to a file first. A reader that ends
/// before `length` bytes, or goes on after them, fails the upload with
/// [`ErrorKind::Io`](crate::ErrorKind::Io).
pub async fn upload_from_reader<R>(
    object: &(impl ObjectService + ?Sized),
    upload: &Upload,
    reader: R,
    length: u64,
) -> Result<Uploaded>
where
    R: AsyncRead + AsyncSeek + Send + Unpin + 'static,
{
    let source = Source::reader(reader).await?;
    upload::upload(object, upload, source, length).await
}

/// Downloads object `name` through `object` (credentials with `object:download:<name>`) to
/// `path`, verifying its hashes.
///
/// The data goes to a hidden temporary file beside `path` (`.<file name>.<random>.part`),
/// renamed to `path` once complete and verified, and removed on failure. A retried GET asks
/// for the rest with `Range` and, if the server sends the whole object again, skips what was
/// already written; the hashes cover exactly the bytes written.
pub async fn download_to_file(
    object: &(impl ObjectService + ?Sized),
    name: &str,
    path: impl AsRef<Path>,
    options: &DownloadOptions,
) -> Result<Downloaded> {
    let out = Output::File(FileOutput::create(path.as_ref())?);
    download::download_object(object, name, out, options).await
}

/// Downloads object `name` into memory, verifying its hashes.
pub async fn download_to_vec(
    object: &(impl ObjectService + ?Sized),
    name: &str,
    options: &DownloadOptions,
) -> Result<(Vec<u8>, Downloaded)> {
    let mut data = Vec::new();
    let done = download::download_object(object, name, Output::Vec(&mut data), options).await?;
    Ok((data, done))
}

/// Downloads object `name` into `writer`, verifying its hashes once all is written: on an
/// error, `writer` may hold partial or unverified data.
pub async fn download_to_writer<W>(
    object: &(impl ObjectService + ?Sized),
    name: &str,
    writer: &mut W,
    options: &DownloadOptions,
) -> Result<Downloaded>
where
    W: AsyncWrite + Send + Unpin,
{
    download::download_object(object, name, Output::Writer(writer), options).await
}

/// Downloads artifact `name` of task `task_id`, run `run_id` (`None` for the latest run)
/// through `queue` (credentials with `queue:get-artifact:<name>`), to `path`, as
/// [`download_to_file`] does. Object artifacts are verified by hash; S3 and reference
/// artifacts have no hashes to verify.
pub async fn download_artifact_to_file(
    queue: &(impl ArtifactService + ?Sized),
    task_id: &str,
    run_id: Option<u32>,
    name: &str,
    path: impl AsRef<Path>,
    options: &DownloadOptions,
) -> Result<Downloaded> {
    let out = Output::File(FileOutput::create(path.as_ref())?);
    artifacts::download_artifact(queue, task_id, run_id, name, out, options).await
}

/// Downloads an artifact into memory; see [`download_artifact_to_file`].
pub async fn download_artifact_to_vec(
    queue: &(impl ArtifactService + ?Sized),
    task_id: &str,
    run_id: Option<u32>,
    name: &str,
    options: &DownloadOptions,
) -> Result<(Vec<u8>, Downloaded)> {
    let mut data = Vec::new();
    let out = Output::Vec(&mut data);
    let done = artifacts::download_artifact(queue, task_id, run_id, name, out, options).await?;
    Ok((data, done))
}

/// Downloads an artifact into `writer`; see [`download_artifact_to_file`] and
/// [`download_to_writer`].
pub async fn download_artifact_to_writer<W>(
    queue: &(impl ArtifactService + ?Sized),
    task_id: &str,
    run_id: Option<u32>,
    name: &str,
    writer: &mut W,
    options: &DownloadOptions,
) -> Result<Downloaded>
where
    W: AsyncWrite + Send + Unpin,
{
    let out = Output::Writer(writer);
    artifacts::download_artifact(queue, task_id, run_id, name, out, options).await
}

/// Uploads `data` as an object artifact through `queue` (credentials with
/// `queue:create-artifact:<taskId>/<runId>`): `createArtifact`, the object upload with the
/// queue's temporary credentials, `finishArtifact`.
pub async fn upload_artifact_from_bytes(
    queue: &(impl ArtifactService + ?Sized),
    artifact: &ArtifactUpload,
    data: impl Into<Bytes>,
) -> Result<Uploaded> {
    let data = data.into();
    let length = data.len() as u64;
    artifacts::upload_artifact(queue, artifact, Source::bytes(data), length).await
}

/// Uploads the file at `path` as an object artifact; see [`upload_artifact_from_bytes`].
pub async fn upload_artifact_from_file(
    queue: &(impl ArtifactService + ?Sized),
    artifact: &ArtifactUpload,
    path: impl AsRef<Path>,
) -> Result<Uploaded> {
    let (source, length) = Source::file(path.as_ref()).await?;
    artifacts::upload_artifact(queue, artifact, source, length).await
}

/// Uploads `length` bytes of `reader` as an object artifact; see [`upload_from_reader`] and
/// [`upload_artifact_from_bytes`].
pub async fn upload_artifact_from_reader<R>(
    queue: &(impl ArtifactService + ?Sized),
    artifact: &ArtifactUpload,
    reader: R,
    length: u64,
) -> Result<Uploaded>
where
    R: AsyncRead + AsyncSeek + Send + Unpin + 'static,
{
    let source = Source::reader(reader).await?;
    artifacts::upload_artifact(queue, artifact, source, length).await
}

#[cfg(test)]
mod tests {
    use futures_util::future::BoxFuture;

    use super::*;
    use crate::{ClientConfig, Credentials, Error, ErrorKind};

    /// A service that refuses every call: enough to build the transfers' futures.
    struct Refusing(ClientConfig);

    fn refused<'a, T: Send + 'a>() -> BoxFuture<'a, Result<T>> {
        Box::pin(async { Err(Error::new(ErrorKind::Unsupported, "refused")) })
    }

    impl ObjectService for Refusing {
        fn client_config(&self) -> &ClientConfig {
            &self.0
        }
        fn propose_upload<'a>(
            &'a self,
            _: &'a str,
            _: &'a UploadProposal,
        ) -> BoxFuture<'a, Result<UploadAgreement>> {
            refused()
        }
        fn complete_upload<'a>(
            &'a self,
            _: &'a str,
            _: &'a UploadProposal,
            _: &'a Hashes,
        ) -> BoxFuture<'a, Result<()>> {
            refused()
        }
        fn get_url<'a>(&'a self, _: &'a str) -> BoxFuture<'a, Result<GetUrl>> {
            refused()
        }
    }

    impl ArtifactService for Refusing {
        type Objects = Refusing;
        fn client_config(&self) -> &ClientConfig {
            &self.0
        }
        fn locate_artifact<'a>(
            &'a self,
            _: &'a str,
            _: Option<u32>,
            _: &'a str,
        ) -> BoxFuture<'a, Result<ArtifactLocation>> {
            refused()
        }
        fn create_object_artifact<'a>(
            &'a self,
            _: &'a ArtifactUpload,
            _: Option<u64>,
        ) -> BoxFuture<'a, Result<ObjectArtifact>> {
            refused()
        }
        fn complete_artifact<'a>(
            &'a self,
            _: &'a ArtifactUpload,
            _: &'a str,
        ) -> BoxFuture<'a, Result<()>> {
            refused()
        }
        fn objects_with(&self, _: Credentials) -> Refusing {
            Refusing(self.0.clone())
        }
    }

    fn is_send<T: Send>(_: &T) {}

    #[test]
    fn transfers_are_send() {
        let service = Refusing(ClientConfig::new("https://tc.example.com"));
        let upload = Upload::new("p", "n", chrono::Utc::now());
        let options = DownloadOptions::default();
        let mut sink = Vec::new();
        is_send(&upload_from_bytes(&service, &upload, Bytes::new()));
        is_send(&upload_from_file(&service, &upload, "x"));
        is_send(&upload_from_reader(
            &service,
            &upload,
            std::io::Cursor::new(vec![1]),
            1,
        ));
        is_send(&download_to_file(&service, "n", "x", &options));
        is_send(&download_to_writer(&service, "n", &mut sink, &options));
        let artifact = ArtifactUpload::new("t", 0, "n", chrono::Utc::now());
        is_send(&upload_artifact_from_file(&service, &artifact, "x"));
        is_send(&download_artifact_to_vec(
            &service, "t", None, "n", &options,
        ));
    }

    #[tokio::test]
    async fn the_service_s_errors_are_the_transfer_s() {
        let service = Refusing(ClientConfig::new("https://tc.example.com"));
        let options = DownloadOptions::default();
        let err = download_to_vec(&service, "n", &options).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Unsupported);
    }
}
