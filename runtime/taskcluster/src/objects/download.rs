//! Downloads: an object by `startDownload` and its `getUrl` (hash-verified), or a plain URL
//! (S3 and reference artifacts), to a file, a `Vec` or an `AsyncWrite`.
//!
//! A retried GET resumes where the last attempt stopped: it asks for the rest with `Range`,
//! and if the server answers with the whole body instead, skips what was already written.
//! This assumes the content does not change, as objects and artifacts do not; an object's
//! hashes are checked over exactly the bytes written, whichever attempts they came from.

use std::fmt;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

use bytes::{Bytes, BytesMut};
use chrono::Utc;
use reqwest::header::{ACCEPT_ENCODING, CONTENT_ENCODING, CONTENT_RANGE, CONTENT_TYPE, RANGE};
use tokio::io::{AsyncWrite, AsyncWriteExt};
use tracing::Instrument;

use super::hashing::{self, Hasher, Hashes, Worker};
use super::progress::{ProgressFn, Reporter};
use super::service::{GetUrl, ObjectService};
use super::trace::{self, TransferTrace};
use super::transfer::{self, Failure, Redirects};
use crate::{ClientConfig, Error, ErrorKind, Method, Result, RetryConfig};
use runtime_core::Attempts;

/// Options of a download: a progress observer.
#[derive(Clone, Default)]
pub struct DownloadOptions {
    pub(crate) progress: Option<ProgressFn>,
}

impl fmt::Debug for DownloadOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DownloadOptions")
            .field("progress", &self.progress.is_some())
            .finish()
    }
}

impl DownloadOptions {
    /// Calls `observer` as bytes arrive.
    pub fn with_progress(mut self, observer: ProgressFn) -> Self {
        self.progress = Some(observer);
        self
    }
}

/// A finished download.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Downloaded {
    /// Bytes written (decoded, if the server sent them gzip-encoded).
    pub length: u64,
    /// The `Content-Type` the data was served with.
    pub content_type: Option<String>,
    /// The hashes verified against the object's (`None` for S3 and reference artifacts, which
    /// have none to verify).
    pub hashes: Option<Hashes>,
    /// HTTP attempts the data took.
    pub attempts: u32,
}

/// Where downloaded bytes go.
pub(crate) enum Output<'a> {
    /// A temporary file beside the destination, renamed over it on success.
    File(FileOutput),
    Vec(&'a mut Vec<u8>),
    Writer(&'a mut (dyn AsyncWrite + Send + Unpin)),
}

/// A download's temporary file: written by a worker thread, removed unless committed.
pub(crate) struct FileOutput {
    temp: PathBuf,
    dest: PathBuf,
    worker: Option<Worker<std::fs::File>>,
}

impl FileOutput {
    /// Creates `.<name>.<random>.part` beside `dest`.
    pub(crate) fn create(dest: &Path) -> Result<FileOutput> {
        let name = dest.file_name().ok_or_else(|| {
            Error::new(
                ErrorKind::Io,
                format!("{} is not a file name", dest.display()),
            )
        })?;
        let mut temp_name = std::ffi::OsString::from(".");
        temp_name.push(name);
        temp_name.push(format!(".{}.part", crate::slugid::nice()));
        let temp = dest.with_file_name(temp_name);
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)
            .map_err(|e| transfer::io_error(&format!("cannot create {}", temp.display()), e))?;
        Ok(FileOutput {
            temp,
            dest: dest.to_owned(),
            worker: Some(Worker::spawn(file, |f, chunk| f.write_all(chunk))),
        })
    }

    async fn commit(mut self) -> Result<()> {
        let what = || format!("cannot write {}", self.temp.display());
        if let Some(worker) = self.worker.take() {
            let file = worker
                .finish()
                .await
                .map_err(|e| transfer::io_error(&what(), e))?;
            drop(file);
        }
        tokio::fs::rename(&self.temp, &self.dest)
            .await
            .map_err(|e| {
                transfer::io_error(
                    &format!("cannot rename the download to {}", self.dest.display()),
                    e,
                )
            })?;
        // Renamed: nothing left to remove.
        self.temp = PathBuf::new();
        Ok(())
    }
}

impl Drop for FileOutput {
    fn drop(&mut self) {
        if !self.temp.as_os_str().is_empty() {
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}

impl Output<'_> {
    async fn write(&mut self, chunk: Bytes) -> io::Result<()> {
        match self {
            Output::File(f) => match &mut f.worker {
                Some(w) => w.send(chunk).await,
                None => Err(io::Error::other("file already closed")),
            },
            Output::Vec(v) => {
                v.extend_from_slice(&chunk);
                Ok(())
            }
            Output::Writer(w) => w.write_all(&chunk).await,
        }
    }

    async fn finish(self) -> Result<()> {
        match self {
            Output::File(f) => f.commit().await,
            Output::Vec(_) => Ok(()),
            Output::Writer(w) => w
                .flush()
                .await
                .map_err(|e| transfer::io_error("cannot flush the writer", e)),
        }
    }
}

/// Where the bytes come from, for each attempt.
enum Origin<'a, O: ?Sized> {
    Object {
        client: &'a O,
        name: &'a str,
        current: GetUrl,
        used: bool,
        /// How many times `current` expired and was replaced.
        refreshed: u32,
    },
    Url(String),
}

impl<O: ObjectService + ?Sized> Origin<'_, O> {
    /// The URL for the next attempt: for an object, a fresh one if the last has expired.
    async fn url(&mut self) -> Result<String> {
        match self {
            Origin::Url(url) => Ok(url.clone()),
            Origin::Object {
                client,
                name,
                current,
                used,
                refreshed,
            } => {
                if *used && current.expires.is_some_and(|t| t <= Utc::now()) {
                    *current = client.get_url(name).await?;
                    *refreshed += 1;
                    trace::url_refreshed(&current.url);
                }
                *used = true;
                Ok(current.url.clone())
            }
        }
    }
}

/// Downloads object `name` through `object` (a client for the object service) into `out`,
/// verifying its hashes.
pub(crate) async fn download_object<O: ObjectService + ?Sized>(
    object: &O,
    name: &str,
    out: Output<'_>,
    options: &DownloadOptions,
) -> Result<Downloaded> {
    let trace = trace::transfer_span("download", name);
    let result = download_object_traced(object, name, out, options, &trace)
        .instrument(trace.span.clone())
        .await;
    if let Err(e) = &result {
        trace.failed(e);
    }
    result
}

async fn download_object_traced<O: ObjectService + ?Sized>(
    object: &O,
    name: &str,
    out: Output<'_>,
    options: &DownloadOptions,
    trace: &TransferTrace,
) -> Result<Downloaded> {
    let current = object.get_url(name).await?;
    // Refuse before moving any data that could not be verified.
    hashing::check_verifiable(&current.hashes)?;
    let mut origin = Origin::Object {
        client: object,
        name,
        current,
        used: false,
        refreshed: 0,
    };
    let http = transfer::storage_client(object.client_config(), Redirects::Refuse)?;
    let retry = object.client_config().retry_config().clone();
    let fetched = fetch(
        &mut origin,
        &http,
        &retry,
        out,
        Some(Hasher::new()),
        options,
        trace,
    )
    .await?;
    let Origin::Object {
        current, refreshed, ..
    } = origin
    else {
        unreachable!("the origin is an object")
    };
    let hashes = fetched.hashes.clone().unwrap_or_else(|| Hashes::of(b""));
    hashing::verify(&hashes, &current.hashes).map_err(|e| {
        e.with_call(
            &Method::GET,
            &transfer::redact(&current.url),
            fetched.attempts,
        )
    })?;
    fetched.output.finish().await?;
    let verified: Vec<&str> = ["sha256", "sha512"]
        .into_iter()
        .filter(|a| current.hashes.contains_key(*a))
        .collect();
    trace.done(
        fetched.length,
        fetched.attempts,
        &verified.join(","),
        refreshed,
    );
    Ok(Downloaded {
        length: fetched.length,
        content_type: fetched.content_type,
        hashes: Some(hashes),
        attempts: fetched.attempts,
    })
}

/// Downloads a plain URL (no credentials; redirects followed) into `out`.
pub(crate) async fn download_url(
    config: &ClientConfig,
    url: &str,
    out: Output<'_>,
    options: &DownloadOptions,
) -> Result<Downloaded> {
    let trace = trace::transfer_span("download", "url");
    let result = async {
        let mut origin: Origin<'_, dyn ObjectService> = Origin::Url(url.to_owned());
        let http = transfer::storage_client(config, Redirects::Follow)?;
        let retry = config.retry_config().clone();
        let fetched = fetch(&mut origin, &http, &retry, out, None, options, &trace).await?;
        fetched.output.finish().await?;
        trace.done(fetched.length, fetched.attempts, "", 0);
        Ok(Downloaded {
            length: fetched.length,
            content_type: fetched.content_type,
            hashes: None,
            attempts: fetched.attempts,
        })
    }
    .instrument(trace.span.clone())
    .await;
    result.inspect_err(|e| trace.failed(e))
}

struct Fetched<'a> {
    output: Output<'a>,
    length: u64,
    content_type: Option<String>,
    hashes: Option<Hashes>,
    attempts: u32,
}

/// What carries over from one attempt to the next.
struct State<'a> {
    output: Output<'a>,
    hasher: Option<Hasher>,
    reporter: Reporter,
    /// Bytes written so far (decoded).
    written: u64,
    /// Whether a retry may ask for the rest with `Range` (not after an encoded answer, whose
    /// ranges would count encoded bytes).
    resumable: bool,
    content_type: Option<String>,
    /// Received bytes not yet handed on: small network reads are batched, so that the hash
    /// and file workers wake once per [`BATCH`] rather than once per read.
    pending: BytesMut,
}

/// Bytes handed to the hashes and the output at a time.
const BATCH: usize = 256 * 1024;

async fn fetch<'a, O: ObjectService + ?Sized>(
    origin: &mut Origin<'_, O>,
    http: &reqwest::Client,
    retry: &RetryConfig,
    output: Output<'a>,
    hasher: Option<Hasher>,
    options: &DownloadOptions,
    trace: &TransferTrace,
) -> Result<Fetched<'a>> {
    let mut state = State {
        output,
        hasher,
        reporter: Reporter::new(options.progress.clone()),
        written: 0,
        resumable: true,
        content_type: None,
        pending: BytesMut::new(),
    };
    let mut attempts = Attempts::new(retry);
    loop {
        attempts.start();
        let url = origin.url().await?;
        trace.url(&url);
        let result = get_once(http, &url, &mut state).await;
        // What arrived counts, even from a failed attempt: the next one resumes after it.
        let failure = match (result, flush(&mut state).await) {
            (Ok(()), Ok(())) => break,
            (_, Err(f)) | (Err(f), Ok(())) => f,
        };
        match failure {
            Failure::Retry(e) if attempts.may_retry() => {
                attempts.retry(&trace::error_type(&e), e.message()).await;
            }
            f => {
                return Err(transfer::at(
                    f.into_error(),
                    &Method::GET,
                    &transfer::redact(&url),
                    attempts.made(),
                ));
            }
        }
    }
    let hashes = match state.hasher {
        Some(h) => Some(
            h.finish()
                .await
                .map_err(|e| transfer::io_error("cannot hash the data", e))?,
        ),
        None => None,
    };
    Ok(Fetched {
        output: state.output,
        length: state.written,
        content_type: state.content_type,
        hashes,
        attempts: attempts.made(),
    })
}

/// `bytes a-b/total` → (a, total).
fn content_range(value: &str) -> Option<(u64, Option<u64>)> {
    let rest = value.trim().strip_prefix("bytes ")?;
    let (range, total) = rest.split_once('/')?;
    let (start, _) = range.split_once('-')?;
    Some((start.trim().parse().ok()?, total.trim().parse().ok()))
}

/// Decoded output is handed on in pieces of about this size.
const DECODED_CHUNK: usize = 64 * 1024;
/// Encoded input is fed to the decoder this much at a time, which bounds each piece's output.
const DECODER_INPUT: usize = 2048;

async fn get_once(
    http: &reqwest::Client,
    url: &str,
    state: &mut State<'_>,
) -> std::result::Result<(), Failure> {
    let offset = state.written;
    let ranged = offset > 0 && state.resumable;
    let mut request = http.get(url).header(ACCEPT_ENCODING, "gzip");
    if ranged {
        request = request.header(RANGE, format!("bytes={offset}-"));
    }
    let mut response = request.send().await.map_err(transfer::transport)?;
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    if ranged && status == 416 {
        // The server cannot serve the rest by range: ask for everything next time.
        state.resumable = false;
        return Err(Failure::Retry(Error::new(
            ErrorKind::Transport,
            "the server refused to resume the download",
        )));
    }
    if !(200..300).contains(&status) {
        let body = transfer::error_body(response).await;
        return Err(transfer::status_failure(status, &headers, &body));
    }
    let header = |name| headers.get(name).and_then(|v| v.to_str().ok());
    let gzip = match header(CONTENT_ENCODING).map(str::trim) {
        None | Some("") => false,
        Some(e) if e.eq_ignore_ascii_case("identity") => false,
        Some(e) if e.eq_ignore_ascii_case("gzip") || e.eq_ignore_ascii_case("x-gzip") => true,
        Some(e) => {
            return Err(Failure::Fatal(Error::new(
                ErrorKind::Schema,
                format!("unsupported Content-Encoding {e:?}"),
            )));
        }
    };
    let (mut skip, total) = if status == 206 {
        match header(CONTENT_RANGE).and_then(content_range) {
            Some((start, total)) if ranged && start == offset && !gzip => (0, total),
            _ => {
                state.resumable = false;
                return Err(Failure::Retry(Error::new(
                    ErrorKind::Transport,
                    "the server answered with another range than asked for",
                )));
            }
        }
    } else {
        let length = header(reqwest::header::CONTENT_LENGTH).and_then(|v| v.parse().ok());
        (offset, if gzip { None } else { length })
    };
    if gzip {
        state.resumable = false;
    }
    state.content_type = header(CONTENT_TYPE).map(str::to_owned);
    state.reporter.set_total(total);
    state.reporter.report(state.written);
    let mut decoder = gzip.then(|| flate2::write::MultiGzDecoder::new(Vec::new()));
    loop {
        let chunk = match response.chunk().await {
            Ok(Some(chunk)) => chunk,
            Ok(None) => break,
            Err(e) => return Err(transfer::transport(e)),
        };
        match &mut decoder {
            None => deliver(state, &mut skip, chunk).await?,
            Some(d) => {
                for piece in chunk.chunks(DECODER_INPUT) {
                    d.write_all(piece).map_err(corrupt)?;
                    if d.get_ref().len() >= DECODED_CHUNK {
                        let out = Bytes::from(std::mem::take(d.get_mut()));
                        deliver(state, &mut skip, out).await?;
                    }
                }
            }
        }
    }
    if let Some(d) = decoder {
        let rest = d.finish().map_err(corrupt)?;
        deliver(state, &mut skip, Bytes::from(rest)).await?;
    }
    if skip > 0 {
        return Err(Failure::Fatal(Error::new(
            ErrorKind::Transport,
            "the content changed between attempts: the retry answered with less than was already written",
        )));
    }
    // A body cut short without a transport error (a connection closed early on a body whose
    // length the headers gave): not complete, so not to be kept as if it were.
    let delivered = state.written + state.pending.len() as u64;
    if let Some(total) = total.filter(|&t| delivered < t) {
        return Err(Failure::Retry(Error::new(
            ErrorKind::Transport,
            format!("the connection closed after {delivered} of {total} bytes"),
        )));
    }
    Ok(())
}

fn corrupt(e: io::Error) -> Failure {
    Failure::Retry(
        Error::new(ErrorKind::Transport, format!("invalid gzip data: {e}")).with_source(e),
    )
}

/// Queues `chunk` to be written, hashed and counted, after dropping what earlier attempts
/// already wrote.
async fn deliver(
    state: &mut State<'_>,
    skip: &mut u64,
    mut chunk: Bytes,
) -> std::result::Result<(), Failure> {
    if *skip > 0 {
        let drop_here = (*skip).min(chunk.len() as u64);
        chunk = chunk.slice(drop_here as usize..);
        *skip -= drop_here;
    }
    if state.pending.is_empty() && chunk.len() >= BATCH {
        return hand_on(state, chunk).await;
    }
    state.pending.extend_from_slice(&chunk);
    if state.pending.len() >= BATCH {
        flush(state).await?;
    }
    Ok(())
}

/// Hands on the batched bytes.
async fn flush(state: &mut State<'_>) -> std::result::Result<(), Failure> {
    let batch = std::mem::replace(&mut state.pending, BytesMut::with_capacity(BATCH)).freeze();
    hand_on(state, batch).await
}

/// Writes, hashes and counts `chunk`.
async fn hand_on(state: &mut State<'_>, chunk: Bytes) -> std::result::Result<(), Failure> {
    if chunk.is_empty() {
        return Ok(());
    }
    if let Some(h) = &mut state.hasher {
        h.update(&chunk)
            .await
            .map_err(|e| Failure::Fatal(transfer::io_error("cannot hash the data", e)))?;
    }
    let len = chunk.len() as u64;
    state
        .output
        .write(chunk)
        .await
        .map_err(|e| Failure::Fatal(transfer::io_error("cannot write the download", e)))?;
    state.written += len;
    state.reporter.report(state.written);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_ranges() {
        assert_eq!(content_range("bytes 10-99/100"), Some((10, Some(100))));
        assert_eq!(content_range("bytes 10-99/*"), Some((10, None)));
        assert_eq!(content_range("items 1-2/3"), None);
    }
}
