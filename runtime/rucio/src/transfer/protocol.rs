//! The storage protocols: posix (`file://`: the local file system) and WebDAV (`https://`,
//! `http://`, `davs://`: GET, HEAD, PUT, MKCOL, MOVE, DELETE over reqwest).
//!
//! Writes go to `<pfn>.rucio.upload` first and are moved into place once complete, so a reader
//! never sees half a file. Errors name the PFN without its query string (where signed URLs keep
//! their signatures).

use std::path::{Path, PathBuf};

use futures_util::StreamExt;
use reqwest::{Method, StatusCode};
use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};

use super::checksum::{Checksummer, Checksums};
use super::failure::{TransferFailure, failure};
use crate::{Error, ErrorKind, Result, RucioClient};

/// How much is read or written at a time.
const CHUNK: usize = 256 * 1024;

/// Where a download resumes: the bytes a partial file holds already, and their checksums so far.
#[derive(Default)]
pub(crate) struct Resumed {
    pub(crate) done: u64,
    pub(crate) summer: Checksummer,
}
/// The suffix of a file being written, as Rucio's own upload client names it.
const PARTIAL: &str = ".rucio.upload";

/// Where a PFN points.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Location {
    /// A path on this machine.
    Posix(PathBuf),
    /// A WebDAV URL (http or https).
    WebDav(url::Url),
}

impl Location {
    /// The location of `pfn`, or an [`ErrorKind::Unsupported`] error naming its scheme.
    pub(crate) fn of(pfn: &str) -> Result<Location> {
        let scheme = pfn.split_once("://").map_or("", |(s, _)| s);
        let invalid = |e: url::ParseError| {
            Error::new(
                ErrorKind::InvalidInput,
                format!("the PFN {} is not a URL: {e}", redact(pfn)),
            )
        };
        match scheme.to_ascii_lowercase().as_str() {
            "file" => {
                // `file:///p`, `file://localhost/p`, and Rucio's `file://localhost:0/p`, which
                // is no valid URL (a file URL has no port): the path is what follows the
                // authority, as Rucio writes it (not percent-encoded).
                let rest = &pfn[scheme.len() + 3..];
                let path = rest.find('/').map(|i| &rest[i..]).unwrap_or_default();
                let path = path.split('?').next().unwrap_or_default();
                if path.is_empty() {
                    return Err(Error::new(
                        ErrorKind::InvalidInput,
                        format!("the PFN {} has no absolute path", redact(pfn)),
                    ));
                }
                Ok(Location::Posix(PathBuf::from(path)))
            }
            "http" | "https" => Ok(Location::WebDav(url::Url::parse(pfn).map_err(invalid)?)),
            // WebDAV's own names for the same protocol over TLS and in the clear.
            "davs" | "dav" => {
                let web = if scheme.eq_ignore_ascii_case("davs") {
                    "https"
                } else {
                    "http"
                };
                let rest = &pfn[scheme.len()..];
                Ok(Location::WebDav(
                    url::Url::parse(&format!("{web}{rest}")).map_err(invalid)?,
                ))
            }
            _ => Err(failure(
                ErrorKind::Unsupported,
                TransferFailure::UnsupportedScheme {
                    scheme: scheme.to_owned(),
                    pfn: redact(pfn),
                },
            )),
        }
    }
}

/// `pfn` without its query string and user information.
pub(crate) fn redact(pfn: &str) -> String {
    match url::Url::parse(pfn) {
        Ok(mut url) => {
            url.set_query(None);
            let _ = url.set_username("");
            let _ = url.set_password(None);
            url.to_string()
        }
        Err(_) => pfn.split('?').next().unwrap_or_default().to_owned(),
    }
}

/// The storage clients of one transfer.
#[derive(Clone, Debug)]
pub(crate) struct Storage {
    http: reqwest::Client,
}

impl Storage {
    /// Storage clients trusting what `rucio` trusts, with its timeout and, for x509 logins, its
    /// client certificate. No Rucio token is ever sent to storage.
    pub(crate) fn new(rucio: &RucioClient) -> Result<Storage> {
        let config = rucio.config();
        let mut builder = reqwest::Client::builder()
            .user_agent(crate::client::USER_AGENT)
            .connect_timeout(config.timeout())
            .read_timeout(config.timeout());
        if let Some(path) = config.ca_cert() {
            builder = builder.tls_certs_only(crate::client::read_ca(path)?);
        }
        // Storage that authenticates does so by the same x509 certificate (or proxy) as Rucio.
        if let Some(identity) = config
            .auth()
            .map(crate::Auth::identity)
            .transpose()?
            .flatten()
        {
            builder = builder.identity(identity);
        }
        let http = builder.build().map_err(|e| {
            Error::new(
                ErrorKind::Config,
                format!("cannot build the storage client: {e}"),
            )
        })?;
        Ok(Storage { http })
    }

    /// Reads `from` into `to`, calling `advanced` with the bytes so far; the checksums of what
    /// was written.
    pub(crate) async fn read(
        &self,
        from: &Location,
        pfn: &str,
        to: &mut tokio::fs::File,
        mut resumed: Resumed,
        mut advanced: impl FnMut(u64),
    ) -> Result<Checksums> {
        let write_error = |e: std::io::Error| io_error(e, "cannot write the downloaded data");
        match from {
            Location::Posix(path) => {
                let mut file = tokio::fs::File::open(path)
                    .await
                    .map_err(|e| read_error(e, pfn))?;
                if resumed.done > 0 {
                    file.seek(std::io::SeekFrom::Start(resumed.done))
                        .await
                        .map_err(|e| read_error(e, pfn))?;
                }
                let mut buffer = vec![0u8; CHUNK];
                loop {
                    let n = file
                        .read(&mut buffer)
                        .await
                        .map_err(|e| read_error(e, pfn))?;
                    if n == 0 {
                        break;
                    }
                    resumed.summer.update(&buffer[..n]);
                    to.write_all(&buffer[..n]).await.map_err(write_error)?;
                    resumed.done += n as u64;
                    advanced(resumed.done);
                }
            }
            Location::WebDav(url) => {
                let mut request = self.http.get(url.clone());
                if resumed.done > 0 {
                    request =
                        request.header(reqwest::header::RANGE, format!("bytes={}-", resumed.done));
                }
                let response = self.send(request, pfn).await?;
                if resumed.done > 0 && response.status() != StatusCode::PARTIAL_CONTENT {
                    // The storage ignored the range: it sends the whole file.
                    to.set_len(0).await.map_err(write_error)?;
                    to.seek(std::io::SeekFrom::Start(0))
                        .await
                        .map_err(write_error)?;
                    resumed = Resumed::default();
                }
                let mut body = response.bytes_stream();
                while let Some(chunk) = body.next().await {
                    let chunk = chunk.map_err(|e| transport(e, pfn))?;
                    resumed.summer.update(&chunk);
                    to.write_all(&chunk).await.map_err(write_error)?;
                    resumed.done += chunk.len() as u64;
                    advanced(resumed.done);
                }
            }
        }
        to.flush().await.map_err(write_error)?;
        to.sync_all().await.map_err(write_error)?;
        Ok(resumed.summer.finish())
    }

    /// Whether something is at `at`.
    pub(crate) async fn exists(&self, at: &Location, pfn: &str) -> Result<bool> {
        match at {
            Location::Posix(path) => Ok(tokio::fs::try_exists(path)
                .await
                .map_err(|e| read_error(e, pfn))?),
            Location::WebDav(url) => match self.send(self.http.head(url.clone()), pfn).await {
                Ok(_) => Ok(true),
                Err(e) if e.kind() == ErrorKind::NotFound => Ok(false),
                Err(e) => Err(e),
            },
        }
    }

    /// Writes the file `source` to `at`: under a temporary name, then moved into place;
    /// parent directories (collections) are created as needed. The temporary file is removed
    /// if the write fails.
    pub(crate) async fn place(&self, source: &Path, at: &Location, pfn: &str) -> Result<()> {
        match at {
            Location::Posix(path) => {
                let partial = PathBuf::from(format!("{}{PARTIAL}", path.display()));
                let result = async {
                    if let Some(parent) = path.parent() {
                        tokio::fs::create_dir_all(parent)
                            .await
                            .map_err(|e| write_refused(e, pfn))?;
                    }
                    tokio::fs::copy(source, &partial)
                        .await
                        .map_err(|e| write_refused(e, pfn))?;
                    tokio::fs::rename(&partial, path)
                        .await
                        .map_err(|e| write_refused(e, pfn))
                }
                .await;
                if result.is_err() {
                    let _ = tokio::fs::remove_file(&partial).await;
                }
                result
            }
            Location::WebDav(url) => {
                let mut partial = url.clone();
                partial.set_path(&format!("{}{PARTIAL}", url.path()));
                let result = self.put(source, url, &partial, pfn).await;
                if result.is_err() {
                    let _ = self.send(self.http.delete(partial), pfn).await;
                }
                result
            }
        }
    }

    async fn put(
        &self,
        source: &Path,
        url: &url::Url,
        partial: &url::Url,
        pfn: &str,
    ) -> Result<()> {
        // The collections first, then the data, never the other way round: a server that
        // refuses a PUT (409, a missing collection) before reading its body leaves the rest of
        // it on a kept-alive connection, where the next request reads as garbage (wsgidav then
        // answers 400).
        self.make_collections(url, pfn).await?;
        let file = tokio::fs::File::open(source)
            .await
            .map_err(|e| io_error(e, "cannot read the file to upload"))?;
        let length = file
            .metadata()
            .await
            .map_err(|e| io_error(e, "cannot read the file to upload"))?
            .len();
        // The length up front, not a chunked body: storage servers may refuse a PUT without
        // one, and it lets them refuse a file too large before it is sent.
        let put = self
            .http
            .put(partial.clone())
            .header(reqwest::header::CONTENT_LENGTH, length)
            .body(reqwest::Body::from(file));
        self.send(put, pfn).await?;
        let destination = reqwest::header::HeaderValue::from_str(url.as_str())
            .map_err(|_| Error::new(ErrorKind::InvalidInput, format!("bad PFN {}", redact(pfn))))?;
        let rename = self
            .http
            .request(
                Method::from_bytes(b"MOVE").expect("a valid method"),
                partial.clone(),
            )
            .header("Destination", destination)
            .header("Overwrite", "T");
        self.send(rename, pfn).await.map(drop)
    }

    /// The collections above `url`: MKCOL of its parent, and when that parent's own parent is
    /// missing too (409), of each ancestor from the top; existing ones answer 405.
    async fn make_collections(&self, url: &url::Url, pfn: &str) -> Result<()> {
        let segments: Vec<&str> = url.path().trim_matches('/').split('/').collect();
        let mut collection = url.clone();
        if segments.len() > 1 {
            collection.set_path(&format!("/{}/", segments[..segments.len() - 1].join("/")));
            let mkcol = self.http.request(
                Method::from_bytes(b"MKCOL").expect("a valid method"),
                collection.clone(),
            );
            match self.send(mkcol, pfn).await {
                Ok(_) => return Ok(()),
                Err(e) if e.status() == Some(405) => return Ok(()),
                Err(e) if e.status() == Some(409) => {}
                Err(e) => return Err(e),
            }
        }
        for depth in 1..segments.len() {
            collection.set_path(&format!("/{}/", segments[..depth].join("/")));
            let mkcol = self.http.request(
                Method::from_bytes(b"MKCOL").expect("a valid method"),
                collection.clone(),
            );
            match self.send(mkcol, pfn).await {
                Ok(_) => {}
                Err(e) if e.status() == Some(405) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Deletes what is at `at`; nothing there is no error.
    pub(crate) async fn delete(&self, at: &Location, pfn: &str) -> Result<()> {
        match at {
            Location::Posix(path) => match tokio::fs::remove_file(path).await {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(write_refused(e, pfn)),
                _ => Ok(()),
            },
            Location::WebDav(url) => match self.send(self.http.delete(url.clone()), pfn).await {
                Err(e) if e.kind() != ErrorKind::NotFound => Err(e),
                _ => Ok(()),
            },
        }
    }

    /// Sends `request`; a non-2xx answer is an error: 404 [`ErrorKind::NotFound`], other 4xx
    /// [`ErrorKind::Storage`], 5xx [`ErrorKind::ServerError`] (each with the status).
    async fn send(&self, request: reqwest::RequestBuilder, pfn: &str) -> Result<reqwest::Response> {
        let response = request.send().await.map_err(|e| transport(e, pfn))?;
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        let kind = match status {
            StatusCode::NOT_FOUND => ErrorKind::NotFound,
            s if s.is_server_error() => ErrorKind::ServerError,
            _ => ErrorKind::Storage,
        };
        Err(Error::new(
            kind,
            format!("the storage answered {status} for {}", redact(pfn)),
        )
        .with_response(status.as_u16(), None, None))
    }
}

fn transport(e: reqwest::Error, pfn: &str) -> Error {
    // reqwest's message holds the URL: say it without the query instead.
    let mut cause: &dyn std::error::Error = &e;
    while let Some(inner) = cause.source() {
        cause = inner;
    }
    Error::new(
        ErrorKind::Transport,
        format!("cannot reach the storage of {}: {cause}", redact(pfn)),
    )
}

fn read_error(e: std::io::Error, pfn: &str) -> Error {
    let kind = if e.kind() == std::io::ErrorKind::NotFound {
        ErrorKind::NotFound
    } else {
        ErrorKind::Io
    };
    Error::new(kind, format!("cannot read {}: {e}", redact(pfn))).with_source(e)
}

fn write_refused(e: std::io::Error, pfn: &str) -> Error {
    Error::new(
        ErrorKind::Storage,
        format!("cannot write {}: {e}", redact(pfn)),
    )
    .with_source(e)
}

pub(crate) fn io_error(e: std::io::Error, what: &str) -> Error {
    Error::new(ErrorKind::Io, format!("{what}: {e}")).with_source(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_of_pfns() {
        assert_eq!(
            Location::of("file://localhost/tmp/rse/a/b").unwrap(),
            Location::Posix("/tmp/rse/a/b".into())
        );
        assert_eq!(
            Location::of("file://localhost:0/tmp/rse/a").unwrap(),
            Location::Posix("/tmp/rse/a".into())
        );
        assert_eq!(
            Location::of("file:///tmp/x").unwrap(),
            Location::Posix("/tmp/x".into())
        );
        assert_eq!(
            Location::of("davs://h:8443/p/f").unwrap(),
            Location::WebDav(url::Url::parse("https://h:8443/p/f").unwrap())
        );
        let e = Location::of("root://eos.example:1094//eos/f").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Unsupported);
        assert!(matches!(
            e.detail::<TransferFailure>(),
            Some(TransferFailure::UnsupportedScheme { scheme, .. }) if scheme == "root"
        ));
        assert_eq!(redact("https://u:p@h/f?sig=x"), "https://h/f");
    }
}
