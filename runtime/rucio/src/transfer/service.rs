//! The calls transfers make to Rucio, in Rucio's terms: the seam between the transfers (protocols,
//! checksums, retries; here) and the API (the generated `rucio_client::Rucio` implements
//! [`ReplicaService`] with its `replicas`, `rucio_storage_elements` and `data_identifiers`
//! methods and types, so a change of the API reaches the transfers through them).

use futures_util::future::BoxFuture;

use super::did::Did;
use crate::{Result, RucioClient};

/// One replica of a file: where it is and how to reach it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Replica {
    /// The RSE holding it.
    pub rse: String,
    /// Its URL (`file://…`, `https://…`, `davs://…`).
    pub pfn: String,
    /// Rucio's preference among a file's replicas: lower first.
    pub priority: i64,
}

impl Replica {
    /// The replicas of `list_replicas`'s `pfns` member (PFN to `rse`, `priority`, …), in
    /// Rucio's order of preference.
    pub fn from_pfns(pfns: Option<&serde_json::Value>) -> Vec<Replica> {
        let mut replicas: Vec<Replica> = pfns
            .and_then(serde_json::Value::as_object)
            .into_iter()
            .flatten()
            .filter_map(|(pfn, about)| {
                Some(Replica {
                    rse: about.get("rse")?.as_str()?.to_owned(),
                    pfn: pfn.clone(),
                    priority: about
                        .get("priority")
                        .and_then(serde_json::Value::as_i64)
                        .unwrap_or(i64::MAX),
                })
            })
            .collect();
        replicas.sort_by_key(|r| r.priority);
        replicas
    }
}

/// A file and its replicas, as `list_replicas` answers for it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct FileReplicas {
    /// The file.
    pub did: Did,
    /// Its size, as registered.
    pub bytes: Option<u64>,
    /// Its adler32, as registered.
    pub adler32: Option<String>,
    /// Its md5, as registered.
    pub md5: Option<String>,
    /// Its replicas on available RSEs, in order of preference.
    pub replicas: Vec<Replica>,
}

impl FileReplicas {
    /// A file with what Rucio recorded about it.
    pub fn new(
        did: Did,
        bytes: Option<u64>,
        adler32: Option<String>,
        md5: Option<String>,
        replicas: Vec<Replica>,
    ) -> FileReplicas {
        FileReplicas {
            did,
            bytes,
            adler32,
            md5,
            replicas,
        }
    }
}

/// What an upload needs to know of an RSE.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RseStatus {
    /// Whether the RSE takes writes (`availability_write`).
    pub writable: bool,
    /// Whether paths follow from names (`deterministic`): uploads need it.
    pub deterministic: bool,
}

impl RseStatus {
    /// An RSE's state.
    pub fn new(writable: bool, deterministic: bool) -> RseStatus {
        RseStatus {
            writable,
            deterministic,
        }
    }
}

/// A replica to register: the file, its size and checksums, and where it was placed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct NewReplica {
    /// The file.
    pub did: Did,
    /// Its size.
    pub bytes: u64,
    /// Its adler32.
    pub adler32: String,
    /// Its md5.
    pub md5: String,
    /// Where it was placed.
    pub pfn: String,
}

/// Rucio's calls that downloads and uploads make.
pub trait ReplicaService: Send + Sync {
    /// The client the calls go through (its configuration: CA certificates, timeouts).
    fn rucio(&self) -> &RucioClient;

    /// `list_replicas` of `dids` (files, datasets or containers, resolved to their files)
    /// with PFNs of `schemes` only, on RSEs matching `rse_expression` if given.
    fn list_file_replicas<'a>(
        &'a self,
        dids: &'a [Did],
        schemes: &'a [String],
        rse_expression: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Vec<FileReplicas>>>;

    /// `get_rse`: whether `rse` takes writes.
    fn rse_status<'a>(&'a self, rse: &'a str) -> BoxFuture<'a, Result<RseStatus>>;

    /// `lfns2pfns` for writing `did` on `rse`, with the protocol of `scheme` if given.
    fn write_pfn<'a>(
        &'a self,
        rse: &'a str,
        did: &'a Did,
        scheme: Option<&'a str>,
    ) -> BoxFuture<'a, Result<String>>;

    /// `add_replicas` of `replica` on `rse`.
    fn add_replica<'a>(
        &'a self,
        rse: &'a str,
        replica: &'a NewReplica,
    ) -> BoxFuture<'a, Result<()>>;

    /// `add_did` of an open dataset.
    fn add_dataset<'a>(&'a self, dataset: &'a Did) -> BoxFuture<'a, Result<()>>;

    /// `attach_dids` of `files` to `dataset`.
    fn attach<'a>(&'a self, dataset: &'a Did, files: &'a [Did]) -> BoxFuture<'a, Result<()>>;

    /// `set_tombstone` on the replica of `did` on `rse`: the API has no call that deletes a
    /// replica; a tombstone lets Rucio's reaper remove it.
    fn tombstone<'a>(&'a self, rse: &'a str, did: &'a Did) -> BoxFuture<'a, Result<()>>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replicas_follow_rucios_priority() {
        let pfns = serde_json::json!({
            "http://b/x": {"rse": "B", "priority": 2, "type": "DISK"},
            "file://localhost/a/x": {"rse": "A", "priority": 1},
            "http://no-rse/x": {"priority": 0},
        });
        let replicas = Replica::from_pfns(Some(&pfns));
        let order: Vec<(&str, &str)> = replicas
            .iter()
            .map(|r| (r.rse.as_str(), r.pfn.as_str()))
            .collect();
        assert_eq!(order, [("A", "file://localhost/a/x"), ("B", "http://b/x")]);
        assert!(Replica::from_pfns(None).is_empty());
    }
}
