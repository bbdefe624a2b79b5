//! Uploads of a file to an RSE: Rucio's `rucio upload`.

use std::future::IntoFuture;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::BoxFuture;
use tokio::io::AsyncReadExt;

use super::checksum::{Checksummer, Checksums};
use super::did::Did;
use super::failure::{TransferFailure, failure};
use super::progress::{Observer, Progress, TransferEvent};
use super::protocol::{Location, Storage, io_error, redact};
use super::service::{NewReplica, ReplicaService};
use crate::{Error, ErrorKind, Result};

/// A file uploaded and registered.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Uploaded {
    /// The file's DID.
    pub did: Did,
    /// The RSE it is on.
    pub rse: String,
    /// Where on the RSE (without a query string).
    pub pfn: String,
    /// Its size and checksums, as registered.
    pub checksums: Checksums,
    /// The dataset it was attached to.
    pub dataset: Option<Did>,
}

/// An upload of one file to an RSE under a scope, started by `.await` (or
/// [`run`](Self::run)).
///
/// The file's adler32 and md5 are computed while reading it; `lfns2pfns` says where it goes on
/// the RSE; it is written there under a temporary name and moved into place, registered with
/// `add_replicas`, and attached to [`with_dataset`](Self::with_dataset)'s dataset (created if
/// missing). If a step fails, what the earlier ones placed is deleted and what they registered
/// is tombstoned. A file already at the PFN is never overwritten.
#[must_use = "an upload does nothing until awaited"]
pub struct Upload<'a, S: ?Sized> {
    service: &'a S,
    path: PathBuf,
    rse: String,
    scope: String,
    name: Option<String>,
    dataset: Option<Did>,
    scheme: Option<String>,
    retries: u32,
    observer: Observer,
}

impl<S: ?Sized> std::fmt::Debug for Upload<'_, S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Upload")
            .field("path", &self.path)
            .field("rse", &self.rse)
            .field("scope", &self.scope)
            .field("name", &self.name)
            .field("dataset", &self.dataset)
            .field("scheme", &self.scheme)
            .field("retries", &self.retries)
            .field("progress", &self.observer)
            .finish()
    }
}

impl<'a, S: ReplicaService + ?Sized> Upload<'a, S> {
    /// An upload of the file at `path` to `rse`, as a file of `scope` named after the file.
    pub fn new(
        service: &'a S,
        path: impl Into<PathBuf>,
        rse: impl Into<String>,
        scope: impl Into<String>,
    ) -> Self {
        Upload {
            service,
            path: path.into(),
            rse: rse.into(),
            scope: scope.into(),
            name: None,
            dataset: None,
            scheme: None,
            retries: 2,
            observer: Observer::default(),
        }
    }

    /// The file's name in its scope (`rucio upload --name`); the file's own name by default.
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Attaches the file to `dataset`, which is created if it does not exist.
    pub fn with_dataset(mut self, dataset: Did) -> Self {
        self.dataset = Some(dataset);
        self
    }

    /// Uses the RSE's protocol of `scheme` (`rucio upload --scheme`); Rucio's choice by
    /// default.
    pub fn with_scheme(mut self, scheme: impl Into<String>) -> Self {
        self.scheme = Some(scheme.into());
        self
    }

    /// Tries the write `retries` more times after a transport or server error.
    pub fn with_retries(mut self, retries: u32) -> Self {
        self.retries = retries;
        self
    }

    /// Reports progress to `observer`.
    pub fn with_progress(mut self, observer: impl Progress + 'static) -> Self {
        self.observer = Observer(Some(Arc::new(observer)));
        self
    }

    /// Runs the upload.
    pub async fn run(self) -> Result<Uploaded> {
        let name = match &self.name {
            Some(name) => name.clone(),
            None => self
                .path
                .file_name()
                .and_then(|n| n.to_str())
                .map(str::to_owned)
                .ok_or_else(|| {
                    Error::new(
                        ErrorKind::InvalidInput,
                        format!("{} has no file name to upload it as", self.path.display()),
                    )
                })?,
        };
        let did = Did::new(&self.scope, name);
        let checksums = self.checksums(&did).await?;

        let status = self.service.rse_status(&self.rse).await?;
        if !status.writable {
            return Err(self.refused("the RSE is not available for writing", ErrorKind::Forbidden));
        }
        if !status.deterministic {
            return Err(Error::new(
                ErrorKind::Unsupported,
                format!(
                    "the RSE {} is not deterministic: uploads to it need a PFN, which this client does not choose",
                    self.rse
                ),
            ));
        }
        let pfn = self
            .service
            .write_pfn(&self.rse, &did, self.scheme.as_deref())
            .await?;
        let location = Location::of(&pfn)?;
        let storage = Storage::new(self.service.rucio())?;
        if storage.exists(&location, &pfn).await? {
            return Err(Error::new(
                ErrorKind::ClientError,
                format!(
                    "{} already exists on {}: nothing was written or registered",
                    redact(&pfn),
                    self.rse
                ),
            ));
        }
        self.observer.send(TransferEvent::Started {
            did: did.clone(),
            pfn: redact(&pfn),
            bytes: Some(checksums.bytes),
        });
        self.place(&storage, &location, &pfn, &did).await?;

        let replica = NewReplica {
            did: did.clone(),
            bytes: checksums.bytes,
            adler32: checksums.adler32.clone(),
            md5: checksums.md5.clone(),
            pfn: pfn.clone(),
        };
        if let Err(e) = self.service.add_replica(&self.rse, &replica).await {
            let _ = storage.delete(&location, &pfn).await;
            return Err(e);
        }
        if let Some(dataset) = &self.dataset
            && let Err(e) = self.attach(dataset, &did).await
        {
            let _ = self.service.tombstone(&self.rse, &did).await;
            let _ = storage.delete(&location, &pfn).await;
            return Err(e);
        }
        self.observer.send(TransferEvent::Finished {
            did: did.clone(),
            rse: self.rse.clone(),
        });
        Ok(Uploaded {
            did,
            rse: self.rse.clone(),
            pfn: redact(&pfn),
            checksums,
            dataset: self.dataset.clone(),
        })
    }

    /// The file's size and checksums, read once.
    async fn checksums(&self, did: &Did) -> Result<Checksums> {
        let unreadable = |e| io_error(e, &format!("cannot read {}", self.path.display()));
        let mut file = tokio::fs::File::open(&self.path)
            .await
            .map_err(unreadable)?;
        let total = file.metadata().await.map_err(unreadable)?.len();
        let mut summer = Checksummer::new();
        let mut buffer = vec![0u8; 256 * 1024];
        let mut done = 0;
        loop {
            let n = file.read(&mut buffer).await.map_err(unreadable)?;
            if n == 0 {
                break;
            }
            summer.update(&buffer[..n]);
            done += n as u64;
            self.observer.send(TransferEvent::Advanced {
                did: did.clone(),
                done,
                total: Some(total),
            });
        }
        Ok(summer.finish())
    }

    /// Writes the file, retrying transport and server errors.
    async fn place(
        &self,
        storage: &Storage,
        location: &Location,
        pfn: &str,
        did: &Did,
    ) -> Result<()> {
        let mut attempt = 0;
        loop {
            match storage.place(&self.path, location, pfn).await {
                Ok(()) => return Ok(()),
                Err(e)
                    if matches!(e.kind(), ErrorKind::Transport | ErrorKind::ServerError)
                        && attempt < self.retries =>
                {
                    self.observer.send(TransferEvent::Retrying {
                        did: did.clone(),
                        pfn: redact(pfn),
                        reason: e.to_string(),
                    });
                    tokio::time::sleep(Duration::from_millis(100 << attempt)).await;
                    attempt += 1;
                }
                Err(e) if matches!(e.kind(), ErrorKind::Storage | ErrorKind::NotFound) => {
                    return Err(self.refused(e.message(), ErrorKind::Storage));
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Attaches `did` to `dataset`, creating the dataset if it does not exist.
    async fn attach(&self, dataset: &Did, did: &Did) -> Result<()> {
        let files = std::slice::from_ref(did);
        match self.service.attach(dataset, files).await {
            Err(e) if e.kind() == ErrorKind::NotFound => {
                match self.service.add_dataset(dataset).await {
                    Err(e) if e.code() != Some("DataIdentifierAlreadyExists") => return Err(e),
                    _ => {}
                }
                self.service.attach(dataset, files).await
            }
            other => other,
        }
    }

    fn refused(&self, reason: &str, kind: ErrorKind) -> Error {
        failure(
            kind,
            TransferFailure::WriteRefused {
                rse: self.rse.clone(),
                reason: reason.to_owned(),
            },
        )
    }
}

impl<'a, S: ReplicaService + ?Sized> IntoFuture for Upload<'a, S> {
    type Output = Result<Uploaded>;
    type IntoFuture = BoxFuture<'a, Self::Output>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.run())
    }
}
