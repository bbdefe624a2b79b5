//! Uploads to the object service: `createUpload`, the data inline or PUT to `putUrl`, then
//! `finishUpload` with the hashes.

use std::collections::BTreeMap;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use bytes::{Bytes, BytesMut};
use chrono::{DateTime, Utc};
use reqwest::header::{CONTENT_LENGTH, HeaderMap, HeaderName, HeaderValue};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncSeek, AsyncSeekExt};
use tokio::sync::mpsc;
use tracing::Instrument;

use super::hashing::{Hasher, Hashes};
use super::progress::{ProgressFn, Reporter};
use super::service::{ObjectService, UploadAgreement, UploadProposal};
use super::trace::{self, TransferTrace};
use super::transfer::{self, Failure, Redirects};
use crate::{Error, ErrorKind, Method, Result};
use runtime_core::Attempts;

/// Objects shorter than this are proposed inline (`dataInline`) as well as by `putUrl`, as
/// Taskcluster's clients do (`DATA_INLINE_MAX_SIZE`).
pub const DATA_INLINE_MAX_SIZE: u64 = 8192;

/// Bytes read from the source per chunk.
const CHUNK: usize = 256 * 1024;

/// What to upload: the object's name, project, expiry and content type, and optionally the
/// upload id and a progress observer.
#[derive(Clone)]
pub struct Upload {
    pub(crate) project_id: String,
    pub(crate) name: String,
    pub(crate) expires: DateTime<Utc>,
    pub(crate) content_type: String,
    pub(crate) upload_id: Option<String>,
    pub(crate) progress: Option<ProgressFn>,
}

impl fmt::Debug for Upload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Upload")
            .field("project_id", &self.project_id)
            .field("name", &self.name)
            .field("expires", &self.expires)
            .field("content_type", &self.content_type)
            .field("upload_id", &self.upload_id)
            .field("progress", &self.progress.is_some())
            .finish()
    }
}

impl Upload {
    /// An upload of object `name` in project `project_id`, expiring at `expires`, with content
    /// type `application/octet-stream` and a fresh upload id.
    pub fn new(
        project_id: impl Into<String>,
        name: impl Into<String>,
        expires: DateTime<Utc>,
    ) -> Self {
        Upload {
            project_id: project_id.into(),
            name: name.into(),
            expires,
            content_type: "application/octet-stream".into(),
            upload_id: None,
            progress: None,
        }
    }

    /// Sets the content type the object is served with.
    pub fn with_content_type(mut self, content_type: impl Into<String>) -> Self {
        self.content_type = content_type.into();
        self
    }

    /// Sets the upload id (a slugid), instead of a fresh [`slugid::nice`](crate::slugid::nice).
    pub fn with_upload_id(mut self, upload_id: impl Into<String>) -> Self {
        self.upload_id = Some(upload_id.into());
        self
    }

    /// Calls `observer` as bytes are sent.
    pub fn with_progress(mut self, observer: ProgressFn) -> Self {
        self.progress = Some(observer);
        self
    }
}

/// How the object service took the data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum UploadMethod {
    /// In the `createUpload` request itself (small objects).
    DataInline,
    /// By a PUT to the URL `createUpload` answered with.
    PutUrl,
}

/// A finished upload.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Uploaded {
    /// The object's name.
    pub name: String,
    /// The upload id used.
    pub upload_id: String,
    /// The length in bytes.
    pub length: u64,
    /// The hashes sent with `finishUpload`.
    pub hashes: Hashes,
    /// How the data went.
    pub method: UploadMethod,
}

/// Where upload data comes from; every attempt reads it again from the start.
pub(crate) enum Source {
    Bytes {
        data: Bytes,
        at: usize,
    },
    File {
        path: PathBuf,
        file: tokio::fs::File,
    },
    Reader {
        reader: Box<dyn ReadSeek>,
        start: u64,
    },
}

/// An `AsyncRead` that can be rewound for a retry.
pub(crate) trait ReadSeek: AsyncRead + AsyncSeek + Send + Unpin {}

impl<T: AsyncRead + AsyncSeek + Send + Unpin> ReadSeek for T {}

impl Source {
    pub(crate) fn bytes(data: Bytes) -> Source {
        Source::Bytes { data, at: 0 }
    }

    /// Opens `path`; returns the source and its length.
    pub(crate) async fn file(path: &Path) -> Result<(Source, u64)> {
        let what = || format!("cannot read {}", path.display());
        let file = tokio::fs::File::open(path)
            .await
            .map_err(|e| transfer::io_error(&what(), e))?;
        let length = file
            .metadata()
            .await
            .map_err(|e| transfer::io_error(&what(), e))?
            .len();
        let path = path.to_owned();
        Ok((Source::File { path, file }, length))
    }

    /// A reader, rewound to where it is now on each attempt.
    pub(crate) async fn reader<R: AsyncRead + AsyncSeek + Send + Unpin + 'static>(
        mut reader: R,
    ) -> Result<Source> {
        let start = reader
            .stream_position()
            .await
            .map_err(|e| transfer::io_error("cannot find the reader's position", e))?;
        Ok(Source::Reader {
            reader: Box::new(reader),
            start,
        })
    }

    fn describe(&self) -> String {
        match self {
            Source::Bytes { .. } => "the data".into(),
            Source::File { path, .. } => path.display().to_string(),
            Source::Reader { .. } => "the reader".into(),
        }
    }

    async fn rewind(&mut self) -> io::Result<()> {
        match self {
            Source::Bytes { at, .. } => *at = 0,
            Source::File { file, .. } => {
                file.seek(io::SeekFrom::Start(0)).await?;
            }
            Source::Reader { reader, start } => {
                reader.seek(io::SeekFrom::Start(*start)).await?;
            }
        }
        Ok(())
    }

    /// Up to `max` bytes (fewer only at the end), or `None` at the end.
    async fn read(&mut self, max: usize) -> io::Result<Option<Bytes>> {
        let reader: &mut (dyn AsyncRead + Send + Unpin) = match self {
            Source::Bytes { data, at } => {
                let end = data.len().min(*at + max);
                let chunk = data.slice(*at..end);
                *at = end;
                return Ok((!chunk.is_empty()).then_some(chunk));
            }
            Source::File { file, .. } => file,
            Source::Reader { reader, .. } => reader,
        };
        let mut buf = BytesMut::with_capacity(max);
        while buf.len() < max {
            let mut limited = (&mut *reader).take((max - buf.len()) as u64);
            if limited.read_buf(&mut buf).await? == 0 {
                break;
            }
        }
        Ok((!buf.is_empty()).then(|| buf.freeze()))
    }

    /// The whole source, which must be exactly `length` bytes (small sources only).
    async fn read_all(&mut self, length: u64) -> Result<Bytes> {
        self.rewind()
            .await
            .map_err(|e| transfer::io_error("cannot rewind the source", e))?;
        let data = match self.read(length as usize).await {
            Ok(d) => d.unwrap_or_default(),
            Err(e) => {
                return Err(transfer::io_error(
                    &format!("cannot read {}", self.describe()),
                    e,
                ));
            }
        };
        self.check_end(data.len() as u64, length).await?;
        Ok(data)
    }

    /// Checks that the source ended after `read` bytes, as declared.
    async fn check_end(&mut self, read: u64, length: u64) -> Result<()> {
        let more = self
            .read(1)
            .await
            .map_err(|e| transfer::io_error(&format!("cannot read {}", self.describe()), e))?;
        if read < length || more.is_some() {
            let got = if more.is_some() {
                "more than that".to_owned()
            } else {
                format!("{read}")
            };
            return Err(Error::new(
                ErrorKind::Io,
                format!(
                    "{} was declared as {length} bytes but has {got}",
                    self.describe()
                ),
            ));
        }
        Ok(())
    }
}

/// Uploads `length` bytes from `source` as `upload` describes, through `object` (a client for
/// the object service).
pub(crate) async fn upload<O: ObjectService + ?Sized>(
    object: &O,
    upload: &Upload,
    source: Source,
    length: u64,
) -> Result<Uploaded> {
    let trace = trace::transfer_span("upload", &upload.name);
    let result = upload_traced(object, upload, source, length, &trace)
        .instrument(trace.span.clone())
        .await;
    if let Err(e) = &result {
        trace.failed(e);
    }
    result
}

async fn upload_traced<O: ObjectService + ?Sized>(
    object: &O,
    upload: &Upload,
    mut source: Source,
    length: u64,
    trace: &TransferTrace,
) -> Result<Uploaded> {
    let mut refreshed = 0;
    let upload_id = upload.upload_id.clone().unwrap_or_else(crate::slugid::nice);
    let mut reporter = Reporter::new(upload.progress.clone());
    reporter.set_total(Some(length));
    let mut proposal = UploadProposal {
        project_id: upload.project_id.clone(),
        upload_id: upload_id.clone(),
        expires: upload.expires,
        content_type: upload.content_type.clone(),
        content_length: length,
        data_inline_base64: None,
    };
    let mut inline_hashes = None;
    if length < DATA_INLINE_MAX_SIZE {
        let data = source.read_all(length).await?;
        inline_hashes = Some(Hashes::of(&data));
        proposal.data_inline_base64 = Some(base64::engine::general_purpose::STANDARD.encode(&data));
    }
    let name = upload.name.as_str();
    let mut answer = object.propose_upload(name, &proposal).await?;
    let http = transfer::storage_client(object.client_config(), Redirects::Refuse)?;
    let retry = object.client_config().retry_config().clone();
    let mut attempts = Attempts::new(&retry);
    let (hashes, method) = loop {
        let put = match answer {
            UploadAgreement::DataInline => {
                let hashes = inline_hashes.clone().ok_or_else(|| {
                    Error::new(
                        ErrorKind::Schema,
                        "the object service chose dataInline, which was not proposed",
                    )
                })?;
                reporter.report(length);
                break (hashes, UploadMethod::DataInline);
            }
            UploadAgreement::PutUrl {
                url,
                headers,
                expires,
            } => PutUrl {
                url,
                headers,
                expires,
            },
            UploadAgreement::None => {
                return Err(Error::new(
                    ErrorKind::Schema,
                    "the object service accepted none of the proposed upload methods",
                ));
            }
        };
        attempts.start();
        trace.url(&put.url);
        let failure = match put_once(&http, &put, &mut source, length, &reporter).await {
            Ok(hashes) => break (hashes, UploadMethod::PutUrl),
            Err(f) => f,
        };
        let url = transfer::redact(&put.url);
        match failure {
            Failure::Retry(e) if attempts.may_retry() => {
                attempts.retry(&trace::error_type(&e), e.message()).await;
            }
            f => {
                let e = f.into_error();
                return Err(transfer::at(e, &Method::PUT, &url, attempts.made()));
            }
        }
        // A putUrl that expired is replaced by asking again (same upload id and expiry).
        answer = if put.expires.is_some_and(|t| t <= Utc::now()) {
            let fresh = object.propose_upload(name, &proposal).await?;
            refreshed += 1;
            if let UploadAgreement::PutUrl { url, .. } = &fresh {
                trace::url_refreshed(url);
            }
            fresh
        } else {
            UploadAgreement::PutUrl {
                url: put.url,
                headers: put.headers,
                expires: put.expires,
            }
        };
    };
    object.complete_upload(name, &proposal, &hashes).await?;
    // Data inline goes in the createUpload call: no storage request.
    trace.done(length, attempts.made(), "sha256,sha512", refreshed);
    Ok(Uploaded {
        name: upload.name.clone(),
        upload_id,
        length,
        hashes,
        method,
    })
}

/// A `putUrl` the object service chose.
struct PutUrl {
    url: String,
    headers: BTreeMap<String, String>,
    expires: Option<DateTime<Utc>>,
}

/// The headers `putUrl` asks for, verbatim, with `Content-Length` set once to `length`.
fn put_headers(put: &PutUrl, length: u64) -> Result<HeaderMap> {
    let mut headers = HeaderMap::new();
    for (name, value) in &put.headers {
        let bad = || {
            Error::new(
                ErrorKind::Schema,
                format!("putUrl has an invalid header {name:?}"),
            )
        };
        let name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| bad())?;
        let value = HeaderValue::from_str(value).map_err(|_| bad())?;
        headers.insert(name, value);
    }
    match headers.get(CONTENT_LENGTH) {
        Some(v) if v.to_str().ok().and_then(|v| v.trim().parse().ok()) != Some(length) => {
            return Err(Error::new(
                ErrorKind::Schema,
                format!("putUrl asks for Content-Length {v:?}, but the data has {length} bytes"),
            ));
        }
        Some(_) => {}
        None => {
            headers.insert(CONTENT_LENGTH, HeaderValue::from(length));
        }
    }
    Ok(headers)
}

/// Why the body stopped.
enum Stop {
    /// The source failed or had the wrong length: not worth retrying.
    Source(Error),
    /// The request stopped taking the body (it failed; its error says why).
    Request,
}

/// One PUT of the whole source, read from its start and hashed on the way.
async fn put_once(
    http: &reqwest::Client,
    put: &PutUrl,
    source: &mut Source,
    length: u64,
    reporter: &Reporter,
) -> std::result::Result<Hashes, Failure> {
    let headers = put_headers(put, length).map_err(Failure::Fatal)?;
    source
        .rewind()
        .await
        .map_err(|e| Failure::Fatal(transfer::io_error("cannot rewind the source", e)))?;
    let (tx, rx) = mpsc::channel::<io::Result<Bytes>>(4);
    let body = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    });
    let send = http
        .put(&put.url)
        .headers(headers)
        .body(reqwest::Body::wrap_stream(body))
        .send();
    let produce = produce(source, tx, length, reporter);
    tokio::pin!(send, produce);
    let mut produced = None;
    let response = loop {
        tokio::select! {
            r = &mut send => break r,
            p = &mut produce, if produced.is_none() => produced = Some(p),
        }
    };
    if let Some(Err(Stop::Source(e))) = produced {
        return Err(Failure::Fatal(e));
    }
    let response = response.map_err(transfer::transport)?;
    let status = response.status().as_u16();
    if !(200..300).contains(&status) {
        let headers = response.headers().clone();
        let body = transfer::error_body(response).await;
        return Err(transfer::status_failure(status, &headers, &body));
    }
    // The server took the whole body, so the producer has sent it all.
    let produced = match produced {
        Some(p) => p,
        None => produce.await,
    };
    match produced {
        Ok(hashes) => Ok(hashes),
        Err(Stop::Source(e)) => Err(Failure::Fatal(e)),
        Err(Stop::Request) => Err(Failure::Retry(Error::new(
            ErrorKind::Transport,
            "the storage server answered before taking the whole body",
        ))),
    }
}

/// Reads the source into the request body, hashing and counting it.
async fn produce(
    source: &mut Source,
    tx: mpsc::Sender<io::Result<Bytes>>,
    length: u64,
    reporter: &Reporter,
) -> std::result::Result<Hashes, Stop> {
    let mut hasher = Hasher::new();
    let mut done = 0u64;
    reporter.report(0);
    let failed = |e: Error| Stop::Source(e);
    while done < length {
        let want = (length - done).min(CHUNK as u64) as usize;
        let chunk = match source.read(want).await {
            Ok(Some(chunk)) => chunk,
            Ok(None) => break,
            Err(e) => {
                let _ = tx.send(Err(io::Error::other("the source failed"))).await;
                return Err(failed(transfer::io_error(
                    &format!("cannot read {}", source.describe()),
                    e,
                )));
            }
        };
        hasher
            .update(&chunk)
            .await
            .map_err(|e| failed(transfer::io_error("cannot hash the data", e)))?;
        done += chunk.len() as u64;
        if tx.send(Ok(chunk)).await.is_err() {
            return Err(Stop::Request);
        }
        reporter.report(done);
    }
    if let Err(e) = source.check_end(done, length).await {
        let _ = tx.send(Err(io::Error::other("wrong length"))).await;
        return Err(failed(e));
    }
    drop(tx);
    hasher
        .finish()
        .await
        .map_err(|e| failed(transfer::io_error("cannot hash the data", e)))
}
