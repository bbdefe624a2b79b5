//! The calls a transfer makes to the object service and the queue, in the protocol's terms:
//! the seam between the transfers (streaming, hashing, retries; here) and the API (the
//! generated `object::Object` and `queue::Queue` clients implement these traits with their
//! own methods and types, so a reference change reaches the transfers through them).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use futures_util::future::BoxFuture;

use super::artifact::ArtifactUpload;
use super::hashing::Hashes;
use crate::{ClientConfig, Credentials, Result};

/// What an upload proposes to `createUpload`.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct UploadProposal {
    /// The project the object belongs to.
    pub project_id: String,
    /// The upload's id (a slugid), the same on every retry.
    pub upload_id: String,
    /// When the object expires.
    pub expires: DateTime<Utc>,
    /// The data's content type.
    pub content_type: String,
    /// The data's length in bytes.
    pub content_length: u64,
    /// The data, base64-encoded, when it is small enough to go inline (`dataInline`).
    pub data_inline_base64: Option<String>,
}

/// The upload method the object service chose.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum UploadAgreement {
    /// The data went with the `createUpload` call.
    DataInline,
    /// PUT the data to `url` with exactly `headers`, before `expires`.
    PutUrl {
        /// The signed URL.
        url: String,
        /// The headers the PUT must carry.
        headers: BTreeMap<String, String>,
        /// When the URL stops working.
        expires: Option<DateTime<Utc>>,
    },
    /// None of the proposed methods.
    None,
}

/// Where an object's data can be fetched (`startDownload`'s `getUrl` method).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct GetUrl {
    /// The signed URL.
    pub url: String,
    /// When the URL stops working.
    pub expires: Option<DateTime<Utc>>,
    /// The object's hashes by algorithm (`sha256`, `sha512`, and any a newer service adds).
    pub hashes: BTreeMap<String, serde_json::Value>,
}

impl GetUrl {
    /// A `getUrl` answer.
    pub fn new(
        url: String,
        expires: Option<DateTime<Utc>>,
        hashes: BTreeMap<String, serde_json::Value>,
    ) -> GetUrl {
        GetUrl {
            url,
            expires,
            hashes,
        }
    }
}

/// The object service's calls that transfers make.
pub trait ObjectService: Send + Sync {
    /// The configuration of the client (retries; the timeout of storage requests).
    fn client_config(&self) -> &ClientConfig;

    /// `createUpload` of object `name` with what `proposal` proposes.
    fn propose_upload<'a>(
        &'a self,
        name: &'a str,
        proposal: &'a UploadProposal,
    ) -> BoxFuture<'a, Result<UploadAgreement>>;

    /// `finishUpload` of object `name`, with the hashes of the data.
    fn complete_upload<'a>(
        &'a self,
        name: &'a str,
        proposal: &'a UploadProposal,
        hashes: &'a Hashes,
    ) -> BoxFuture<'a, Result<()>>;

    /// `startDownload` of object `name`, accepting the `getUrl` method.
    fn get_url<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<GetUrl>>;
}

/// Where `queue.artifact` says an artifact's data is.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum ArtifactLocation {
    /// A plain URL (`s3` and `reference` artifacts).
    Url(String),
    /// An object of the object service, readable with `credentials`.
    Object {
        /// The object's name.
        name: String,
        /// Temporary credentials for the download.
        credentials: Credentials,
    },
    /// An error artifact: why the data is missing.
    Error {
        /// The artifact's `reason`.
        reason: String,
        /// The artifact's `message`.
        message: String,
    },
    /// A storage type this client does not know.
    Unsupported(String),
}

/// What `createArtifact` answers for an object artifact: the upload to make.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ObjectArtifact {
    /// The object's name.
    pub name: String,
    /// The object's project.
    pub project_id: String,
    /// The upload id the queue registered.
    pub upload_id: String,
    /// The object's expiry, as the queue registered the upload.
    pub expires: DateTime<Utc>,
    /// Temporary credentials for the upload.
    pub credentials: Credentials,
}

impl ObjectArtifact {
    /// `createArtifact`'s object answer.
    pub fn new(
        name: String,
        project_id: String,
        upload_id: String,
        expires: DateTime<Utc>,
        credentials: Credentials,
    ) -> ObjectArtifact {
        ObjectArtifact {
            name,
            project_id,
            upload_id,
            expires,
            credentials,
        }
    }
}

/// The queue's calls that artifact transfers make.
pub trait ArtifactService: Send + Sync {
    /// The object service the queue's credentials lead to.
    type Objects: ObjectService;

    /// The configuration of the client.
    fn client_config(&self) -> &ClientConfig;

    /// `artifact` (run `run_id`) or `latestArtifact` (`None`): where the data is.
    fn locate_artifact<'a>(
        &'a self,
        task_id: &'a str,
        run_id: Option<u32>,
        name: &'a str,
    ) -> BoxFuture<'a, Result<ArtifactLocation>>;

    /// `createArtifact` with `storageType: object` (and `contentLength` if given).
    fn create_object_artifact<'a>(
        &'a self,
        artifact: &'a ArtifactUpload,
        content_length: Option<u64>,
    ) -> BoxFuture<'a, Result<ObjectArtifact>>;

    /// `finishArtifact` of the upload `upload_id`.
    fn complete_artifact<'a>(
        &'a self,
        artifact: &'a ArtifactUpload,
        upload_id: &'a str,
    ) -> BoxFuture<'a, Result<()>>;

    /// A client of the object service on the same deployment with `credentials`, never
    /// through taskcluster-proxy (which would sign with the task's credentials instead).
    fn objects_with(&self, credentials: Credentials) -> Self::Objects;
}
