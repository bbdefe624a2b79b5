//! Downloads of DIDs (files, datasets, containers) into a directory: Rucio's `rucio download`.

use std::future::IntoFuture;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use futures_util::future::BoxFuture;
use tokio::io::{AsyncReadExt, AsyncSeekExt};

use super::checksum::{Checksums, same_adler32};
use super::did::Did;
use super::failure::{SUPPORTED_SCHEMES, TransferFailure, failure};
use super::progress::{Observer, Progress, TransferEvent};
use super::protocol::{Location, Resumed, Storage, io_error, redact};
use super::service::{FileReplicas, ReplicaService};
use crate::{Error, ErrorKind, Result};

/// A file in place, verified.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct DownloadedFile {
    /// The file.
    pub did: Did,
    /// Where it was written.
    pub path: PathBuf,
    /// The RSE it came from.
    pub rse: String,
    /// The replica's PFN (without its query string).
    pub pfn: String,
    /// Its size and checksums, as verified against Rucio's.
    pub checksums: Checksums,
    /// Attempts it took, over every replica tried.
    pub attempts: u32,
}

/// A download of DIDs into a directory, started by `.await` (or [`run`](Self::run)).
///
/// Files go where `rucio download` puts them: a file DID asked for by itself to
/// `<dir>/<scope>/<name>`, the files of a dataset or container to
/// `<dir>/<dataset name>/<file name>`; directly in `<dir>` with
/// [`without_subdir`](Self::without_subdir). Each input DID is listed with its own
/// `list_replicas` call. Files are
/// downloaded [`with_concurrency`](Self::with_concurrency) at a time (4 by default), each from
/// its replicas in Rucio's order, each replica tried again after transport and server errors
/// ([`with_retries`](Self::with_retries), 2 by default) and left for the next after a missing
/// file or a checksum mismatch. Data goes to `.<name>.part` beside the file, renamed once its
/// size and checksums are verified: the file itself is never half-written. What a broken
/// connection leaves there is kept, and the next attempt (or the next run) resumes from it
/// (`Range` for WebDAV, a seek for posix, the checksums taken over the whole file).
#[must_use = "a download does nothing until awaited"]
pub struct Download<'a, S: ?Sized> {
    service: &'a S,
    dids: Vec<Did>,
    dir: PathBuf,
    schemes: Vec<String>,
    rse_expression: Option<String>,
    concurrency: usize,
    retries: u32,
    subdir: bool,
    observer: Observer,
}

impl<S: ?Sized> std::fmt::Debug for Download<'_, S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Download")
            .field("dids", &self.dids)
            .field("dir", &self.dir)
            .field("schemes", &self.schemes)
            .field("rse_expression", &self.rse_expression)
            .field("concurrency", &self.concurrency)
            .field("retries", &self.retries)
            .field("subdir", &self.subdir)
            .field("progress", &self.observer)
            .finish()
    }
}

impl<'a, S: ReplicaService + ?Sized> Download<'a, S> {
    /// A download of `dids` into `dir` through `service`.
    pub fn new(
        service: &'a S,
        dids: impl IntoIterator<Item = Did>,
        dir: impl Into<PathBuf>,
    ) -> Self {
        Download {
            service,
            dids: dids.into_iter().collect(),
            dir: dir.into(),
            schemes: SUPPORTED_SCHEMES.iter().map(|s| (*s).to_owned()).collect(),
            rse_expression: None,
            concurrency: 4,
            retries: 2,
            subdir: true,
            observer: Observer::default(),
        }
    }

    /// Only replicas of these schemes (all [`SUPPORTED_SCHEMES`] by default); one this client
    /// does not speak fails the download before anything is asked.
    pub fn with_schemes(mut self, schemes: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.schemes = schemes.into_iter().map(Into::into).collect();
        self
    }

    /// Only replicas on RSEs matching `expression` (`rucio download --rses`).
    pub fn with_rse_expression(mut self, expression: impl Into<String>) -> Self {
        self.rse_expression = Some(expression.into());
        self
    }

    /// At most `files` files at a time (at least one).
    pub fn with_concurrency(mut self, files: usize) -> Self {
        self.concurrency = files.max(1);
        self
    }

    /// Tries a replica `retries` more times after a transport or server error.
    pub fn with_retries(mut self, retries: u32) -> Self {
        self.retries = retries;
        self
    }

    /// Writes files directly in the directory, not in one per scope or dataset
    /// (`rucio download --no-subdir`).
    pub fn without_subdir(mut self) -> Self {
        self.subdir = false;
        self
    }

    /// Reports each file's progress to `observer`.
    pub fn with_progress(mut self, observer: impl Progress + 'static) -> Self {
        self.observer = Observer(Some(Arc::new(observer)));
        self
    }

    /// Runs the download: every file of the DIDs, verified and in place, or the first error
    /// (after the other files have finished; those that succeeded stay).
    pub async fn run(self) -> Result<Vec<DownloadedFile>> {
        if let Some(scheme) = self
            .schemes
            .iter()
            .find(|s| !SUPPORTED_SCHEMES.contains(&s.to_ascii_lowercase().as_str()))
        {
            return Err(failure(
                ErrorKind::Unsupported,
                TransferFailure::UnsupportedScheme {
                    scheme: scheme.clone(),
                    pfn: format!("{scheme}://"),
                },
            ));
        }
        let mut files = Vec::new();
        for input in &self.dids {
            let found = self
                .service
                .list_file_replicas(
                    std::slice::from_ref(input),
                    &self.schemes,
                    self.rse_expression.as_deref(),
                )
                .await?;
            // As Rucio's `DownloadClient`: a DID that names no file with a replica (no such
            // DID, an empty dataset) fails the download rather than downloading nothing.
            if found.is_empty() {
                return Err(failure(
                    ErrorKind::NotFound,
                    TransferFailure::NoReplicaLeft {
                        did: input.clone(),
                        tried: Vec::new(),
                    },
                ));
            }
            files.extend(
                found
                    .into_iter()
                    .map(|file| (self.target(input, &file.did), file)),
            );
        }
        // A file reached through two inputs with one destination is downloaded once.
        files.sort_by(|a, b| a.0.cmp(&b.0));
        files.dedup_by(|a, b| a.0 == b.0);
        let storage = Storage::new(self.service.rucio())?;
        let this = &self;
        let storage = &storage;
        let results: Vec<Result<DownloadedFile>> = futures_util::stream::iter(files)
            .map(|(target, file)| async move { this.file(storage, file, target).await })
            .buffer_unordered(self.concurrency)
            .collect()
            .await;
        let mut done = Vec::with_capacity(results.len());
        let mut first_error = None;
        for result in results {
            match result {
                Ok(file) => done.push(file),
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        match first_error {
            Some(e) => Err(e),
            None => {
                done.sort_by(|a, b| a.did.cmp(&b.did));
                Ok(done)
            }
        }
    }

    /// Where `file`, found through `input`, goes (as Rucio's `DownloadClient` decides).
    fn target(&self, input: &Did, file: &Did) -> PathBuf {
        let (subdir, name) = if input == file {
            (file.scope.as_str(), file.name.trim_start_matches('/'))
        } else {
            let name = match file.name.strip_prefix('/') {
                // Hierarchical names: the last element.
                Some(path) => path.rsplit('/').next().unwrap_or(path),
                None => file.name.as_str(),
            };
            (input.name.trim_start_matches('/'), name)
        };
        let mut target = self.dir.clone();
        let subdir = self.subdir.then_some(subdir);
        // Names may hold `/`: directories, as Rucio's client makes them; never `..`.
        for part in subdir
            .into_iter()
            .flat_map(|s| s.split('/'))
            .chain(name.split('/'))
            .filter(|p| !p.is_empty() && *p != "." && *p != "..")
        {
            target.push(part);
        }
        target
    }

    /// One file, from its replicas in order, to `target`.
    async fn file(
        &self,
        storage: &Storage,
        file: FileReplicas,
        target: PathBuf,
    ) -> Result<DownloadedFile> {
        let did = &file.did;
        let parent = target.parent().unwrap_or(&self.dir).to_owned();
        tokio::fs::create_dir_all(&parent)
            .await
            .map_err(|e| io_error(e, &format!("cannot create {}", parent.display())))?;
        let mut tried = Vec::new();
        let mut attempts = 0;
        let mut last: Option<Error> = None;
        let mut unsupported: Option<Error> = None;
        for replica in &file.replicas {
            let location = match Location::of(&replica.pfn) {
                Ok(location) => location,
                Err(e) => {
                    tried.push((redact(&replica.pfn), e.message().to_owned()));
                    unsupported.get_or_insert(e);
                    continue;
                }
            };
            self.observer.send(TransferEvent::Started {
                did: did.clone(),
                pfn: redact(&replica.pfn),
                bytes: file.bytes,
            });
            for attempt in 0..=self.retries {
                attempts += 1;
                let result = self
                    .attempt(storage, &file, &replica.pfn, &location, &parent, &target)
                    .await;
                match result {
                    Ok(checksums) => {
                        self.observer.send(TransferEvent::Finished {
                            did: did.clone(),
                            rse: replica.rse.clone(),
                        });
                        return Ok(DownloadedFile {
                            did: did.clone(),
                            path: target,
                            rse: replica.rse.clone(),
                            pfn: redact(&replica.pfn),
                            checksums,
                            attempts,
                        });
                    }
                    Err(e) => {
                        self.observer.send(TransferEvent::Retrying {
                            did: did.clone(),
                            pfn: redact(&replica.pfn),
                            reason: e.to_string(),
                        });
                        let again =
                            matches!(e.kind(), ErrorKind::Transport | ErrorKind::ServerError)
                                && attempt < self.retries;
                        if !again {
                            tried.push((redact(&replica.pfn), e.message().to_owned()));
                            // A mismatch says more than a later replica's absence.
                            if last
                                .as_ref()
                                .is_none_or(|l| l.kind() != ErrorKind::HashMismatch)
                            {
                                last = Some(e);
                            }
                            break;
                        }
                        tokio::time::sleep(Duration::from_millis(100 << attempt)).await;
                    }
                }
            }
        }
        Err(match (last, unsupported) {
            (None, Some(e)) => e,
            (Some(e), _) if e.kind() == ErrorKind::HashMismatch => e,
            (Some(e), _) if e.kind() != ErrorKind::NotFound => failure(
                e.kind(),
                TransferFailure::NoReplicaLeft {
                    did: did.clone(),
                    tried,
                },
            ),
            _ => failure(
                ErrorKind::NotFound,
                TransferFailure::NoReplicaLeft {
                    did: did.clone(),
                    tried,
                },
            ),
        })
    }

    /// One attempt at one replica: into a temporary file beside `target`, verified, renamed.
    async fn attempt(
        &self,
        storage: &Storage,
        file: &FileReplicas,
        pfn: &str,
        location: &Location,
        parent: &Path,
        target: &Path,
    ) -> Result<Checksums> {
        let (temp, mut out, resumed) = partial(parent, target, file.bytes).await?;
        let observer = &self.observer;
        let advanced = |done| {
            observer.send(TransferEvent::Advanced {
                did: file.did.clone(),
                done,
                total: file.bytes,
            })
        };
        let result: Result<Checksums> = async {
            let checksums = storage
                .read(location, pfn, &mut out, resumed, advanced)
                .await?;
            drop(out);
            verify(file, pfn, &checksums)?;
            tokio::fs::rename(&temp, target).await.map_err(|e| {
                io_error(e, &format!("cannot move the file to {}", target.display()))
            })?;
            Ok(checksums)
        }
        .await;
        // What a broken connection left is kept for the next attempt (or run) to resume;
        // anything else (a mismatch, a missing replica), or nothing at all, is removed.
        if let Err(e) = &result {
            let held = tokio::fs::metadata(&temp).await.map_or(0, |m| m.len());
            if e.kind() != ErrorKind::Transport || held == 0 {
                let _ = tokio::fs::remove_file(&temp).await;
            }
        }
        result
    }
}

impl<'a, S: ReplicaService + ?Sized> IntoFuture for Download<'a, S> {
    type Output = Result<Vec<DownloadedFile>>;
    type IntoFuture = BoxFuture<'a, Self::Output>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.run())
    }
}

/// The partial file of `target`, `.<name>.part` beside it, opened to append, with what it
/// holds already: a download broken off (by a lost connection, or a killed process) resumes
/// from there. A partial file as long as the whole file or longer starts again from nothing.
async fn partial(
    dir: &Path,
    target: &Path,
    bytes: Option<u64>,
) -> Result<(PathBuf, tokio::fs::File, Resumed)> {
    let name = target
        .file_name()
        .map_or_else(|| "file".into(), |n| n.to_string_lossy().into_owned());
    let path = dir.join(format!(".{name}.part"));
    let cannot = |e| io_error(e, &format!("cannot use {}", path.display()));
    let mut file = tokio::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .await
        .map_err(cannot)?;
    let held = file.metadata().await.map_err(cannot)?.len();
    let mut resumed = Resumed::default();
    if held > 0 && bytes.is_some_and(|bytes| held < bytes) {
        let mut buffer = vec![0u8; 256 * 1024];
        loop {
            let n = file.read(&mut buffer).await.map_err(cannot)?;
            if n == 0 {
                break;
            }
            resumed.summer.update(&buffer[..n]);
            resumed.done += n as u64;
        }
    } else if held > 0 {
        file.set_len(0).await.map_err(cannot)?;
    }
    file.seek(std::io::SeekFrom::Start(resumed.done))
        .await
        .map_err(cannot)?;
    Ok((path, file, resumed))
}

/// The data's size and checksums against what Rucio recorded; at least one checksum must be
/// recorded.
fn verify(file: &FileReplicas, pfn: &str, got: &Checksums) -> Result<()> {
    let mismatch = |checksum, expected: &str, actual: &str| {
        failure(
            ErrorKind::HashMismatch,
            TransferFailure::ChecksumMismatch {
                did: file.did.clone(),
                pfn: redact(pfn),
                checksum,
                expected: expected.to_owned(),
                actual: actual.to_owned(),
            },
        )
    };
    if let Some(bytes) = file.bytes
        && bytes != got.bytes
    {
        return Err(mismatch(
            "bytes",
            &bytes.to_string(),
            &got.bytes.to_string(),
        ));
    }
    if file.adler32.is_none() && file.md5.is_none() {
        return Err(Error::new(
            ErrorKind::MissingHashes,
            format!("Rucio records neither adler32 nor md5 of {}", file.did),
        ));
    }
    if let Some(adler32) = &file.adler32
        && !same_adler32(adler32, &got.adler32)
    {
        return Err(mismatch("adler32", adler32, &got.adler32));
    }
    if let Some(md5) = &file.md5
        && !md5.eq_ignore_ascii_case(&got.md5)
    {
        return Err(mismatch("md5", md5, &got.md5));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::checksum::checksums;
    use super::*;

    #[test]
    fn verification_checks_size_adler32_and_md5() {
        let good = checksums(b"data");
        let file = |bytes, adler32: Option<&str>, md5: Option<&str>| {
            FileReplicas::new(
                Did::new("s", "n"),
                bytes,
                adler32.map(str::to_owned),
                md5.map(str::to_owned),
                Vec::new(),
            )
        };
        let mismatch = |file: &FileReplicas| match verify(file, "http://h/f?sig=x", &good) {
            Err(e) => match e.detail::<TransferFailure>() {
                Some(TransferFailure::ChecksumMismatch { checksum, pfn, .. }) => {
                    assert_eq!(pfn, "http://h/f", "no query string in errors");
                    Some(*checksum)
                }
                _ => panic!("{e:?}"),
            },
            Ok(()) => None,
        };
        assert_eq!(
            mismatch(&file(Some(4), Some(&good.adler32), Some(&good.md5))),
            None
        );
        // Upper case and no leading zeros are Rucio's too.
        let short = good.adler32.trim_start_matches('0').to_uppercase();
        assert_eq!(mismatch(&file(None, Some(&short), None)), None);
        assert_eq!(
            mismatch(&file(Some(5), Some(&good.adler32), None)),
            Some("bytes")
        );
        assert_eq!(
            mismatch(&file(None, Some("00000001"), None)),
            Some("adler32")
        );
        assert_eq!(
            mismatch(&file(None, None, Some("d41d8cd98f00b204e9800998ecf8427e"))),
            Some("md5")
        );
        let none = verify(&file(Some(4), None, None), "http://h/f", &good).unwrap_err();
        assert_eq!(none.kind(), ErrorKind::MissingHashes);
    }
}
