//! Queue artifacts: downloads following the storage type `queue.artifact` answers with, and
//! object-artifact uploads (`createArtifact`, the object upload, `finishArtifact`).

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::download::{self, DownloadOptions, Downloaded, Output};
use super::progress::ProgressFn;
use super::upload::{self, Source, Upload, Uploaded};
use crate::{Certificate, Client, Credentials, Error, ErrorKind, Method, Result, escape};

/// Temporary credentials the queue hands out for the object service.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ObjectCredentials {
    client_id: String,
    access_token: String,
    #[serde(default)]
    certificate: Option<String>,
}

impl ObjectCredentials {
    fn into_credentials(self) -> Result<Credentials> {
        let mut c = Credentials::new(self.client_id, self.access_token);
        if let Some(cert) = self.certificate.filter(|c| !c.is_empty()) {
            c = c.with_certificate(Certificate::from_json(&cert)?);
        }
        Ok(c)
    }
}

/// A client for the object service on the queue's deployment with `credentials`: never
/// through taskcluster-proxy, which would sign with the task's credentials instead.
fn object_client(queue: &Client, credentials: ObjectCredentials) -> Result<Client> {
    let config = queue
        .config()
        .clone()
        .with_proxy_url("")
        .with_credentials(credentials.into_credentials()?);
    Ok(Client::new(&config, "object", "v1"))
}

/// `queue.artifact`'s answer (`artifact-content-response.json`).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactContent {
    storage_type: String,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    credentials: Option<ObjectCredentials>,
    #[serde(default)]
    reason: Option<String>,
    #[serde(default)]
    message: Option<String>,
}

fn schema(message: String) -> Error {
    Error::new(ErrorKind::Schema, message)
}

/// Downloads artifact `name` of `task_id`, run `run_id` (`None`: the latest run), into `out`.
pub(crate) async fn download_artifact(
    queue: &Client,
    task_id: &str,
    run_id: Option<u32>,
    name: &str,
    out: Output<'_>,
    options: &DownloadOptions,
) -> Result<Downloaded> {
    let path = match run_id {
        Some(run) => format!(
            "task/{}/runs/{run}/artifact-content/{}",
            escape(task_id),
            escape(name)
        ),
        None => format!("task/{}/artifact-content/{}", escape(task_id), escape(name)),
    };
    let content: ArtifactContent = queue.request(Method::GET, path).send().await?;
    let missing = |field: &str| {
        schema(format!(
            "queue.artifact answered storageType {:?} without {field}",
            content.storage_type
        ))
    };
    match content.storage_type.as_str() {
        "s3" | "reference" => {
            let url = content.url.as_deref().ok_or_else(|| missing("url"))?;
            download::download_url(queue, url, out, options).await
        }
        "object" => {
            let object_name = content.name.clone().ok_or_else(|| missing("name"))?;
            let credentials = content.credentials.ok_or_else(|| {
                schema("queue.artifact answered storageType \"object\" without credentials".into())
            })?;
            let object = object_client(queue, credentials)?;
            download::download_object(&object, &object_name, out, options).await
        }
        "error" => Err(Error::new(
            ErrorKind::ClientError,
            content.message.clone().unwrap_or_default(),
        )
        .with_detail(crate::ErrorArtifact {
            reason: content.reason.clone().unwrap_or_default(),
        })),
        other => Err(schema(format!(
            "unsupported artifact storageType {other:?}"
        ))),
    }
}

/// What to upload as an artifact: task, run, name, expiry, content type, progress observer.
#[derive(Clone)]
pub struct ArtifactUpload {
    pub(crate) task_id: String,
    pub(crate) run_id: u32,
    pub(crate) name: String,
    pub(crate) expires: DateTime<Utc>,
    pub(crate) content_type: String,
    pub(crate) content_length: bool,
    pub(crate) progress: Option<ProgressFn>,
}

impl fmt::Debug for ArtifactUpload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ArtifactUpload")
            .field("task_id", &self.task_id)
            .field("run_id", &self.run_id)
            .field("name", &self.name)
            .field("expires", &self.expires)
            .field("content_type", &self.content_type)
            .field("content_length", &self.content_length)
            .field("progress", &self.progress.is_some())
            .finish()
    }
}

impl ArtifactUpload {
    /// Artifact `name` of `task_id`, run `run_id`, expiring at `expires`, with content type
    /// `application/octet-stream`, created without `contentLength` (see
    /// [`with_content_length`](Self::with_content_length)).
    pub fn new(
        task_id: impl Into<String>,
        run_id: u32,
        name: impl Into<String>,
        expires: DateTime<Utc>,
    ) -> Self {
        ArtifactUpload {
            task_id: task_id.into(),
            run_id,
            name: name.into(),
            expires,
            content_type: "application/octet-stream".into(),
            content_length: false,
            progress: None,
        }
    }

    /// Whether `createArtifact` is told the artifact's length (`contentLength`); off by
    /// default, because no released queue takes it whole:
    ///
    /// - before v96.7.0 the request schema has no `contentLength` and `createArtifact`
    ///   refuses it (HTTP 400, `InputValidationError`);
    /// - from v96.7.0 to v106.0.0 (the newest release checked) the queue stores it, but
    ///   `finishArtifact` then fails with HTTP 500: it publishes the artifact-created Pulse
    ///   message with the length, which that message's schema does not allow
    ///   (`services/queue/src/artifacts.js`, `artifactUtils.serialize`). The artifact is marked
    ///   present before the message fails, so it is downloadable, but no message announces it,
    ///   and the upload is an error whose message says so.
    ///
    /// Turn it on only for a deployment whose queue has fixed that.
    pub fn with_content_length(mut self, send: bool) -> Self {
        self.content_length = send;
        self
    }

    /// Sets the artifact's content type.
    pub fn with_content_type(mut self, content_type: impl Into<String>) -> Self {
        self.content_type = content_type.into();
        self
    }

    /// Calls `observer` as bytes are sent.
    pub fn with_progress(mut self, observer: ProgressFn) -> Self {
        self.progress = Some(observer);
        self
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CreateObjectArtifact<'a> {
    storage_type: &'static str,
    expires: String,
    content_type: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    content_length: Option<u64>,
}

/// `createArtifact`'s answer for `storageType: object`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ObjectArtifactCreated {
    storage_type: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    project_id: Option<String>,
    #[serde(default)]
    upload_id: Option<String>,
    #[serde(default)]
    expires: Option<DateTime<Utc>>,
    #[serde(default)]
    credentials: Option<ObjectCredentials>,
}

/// Creates the artifact, uploads `length` bytes of `source` to the object service with the
/// queue's temporary credentials, and finishes the artifact.
pub(crate) async fn upload_artifact(
    queue: &Client,
    artifact: &ArtifactUpload,
    source: Source,
    length: u64,
) -> Result<Uploaded> {
    let path = format!(
        "task/{}/runs/{}/artifacts/{}",
        escape(&artifact.task_id),
        artifact.run_id,
        escape(&artifact.name)
    );
    let created: ObjectArtifactCreated = queue
        .request(Method::POST, path.clone())
        .json(&CreateObjectArtifact {
            storage_type: "object",
            expires: crate::wire::format_timestamp(&artifact.expires),
            content_type: &artifact.content_type,
            content_length: artifact.content_length.then_some(length),
        })
        .send()
        .await?;
    if created.storage_type != "object" {
        return Err(schema(format!(
            "createArtifact answered storageType {:?}, not \"object\"",
            created.storage_type
        )));
    }
    let missing = |field: &str| schema(format!("createArtifact answered without {field}"));
    let (Some(name), Some(project_id), Some(upload_id), Some(credentials)) = (
        created.name,
        created.project_id,
        created.upload_id,
        created.credentials,
    ) else {
        return Err(missing("name, projectId, uploadId or credentials"));
    };
    // The object's expiry must be the one the queue registered the upload with.
    let expires = created.expires.unwrap_or(artifact.expires);
    let object = object_client(queue, credentials)?;
    let mut upload = Upload::new(project_id, name, expires)
        .with_content_type(artifact.content_type.clone())
        .with_upload_id(upload_id.clone());
    if let Some(p) = &artifact.progress {
        upload = upload.with_progress(p.clone());
    }
    let uploaded = upload::upload(&object, &upload, source, length).await?;
    queue
        .request(Method::PUT, path)
        .json(&serde_json::json!({ "uploadId": upload_id }))
        .send_empty()
        .await
        .map_err(|e| {
            if artifact.content_length && e.status() == Some(500) {
                explain_content_length(e)
            } else {
                e
            }
        })?;
    Ok(uploaded)
}

/// `finishArtifact`'s 500 after a `createArtifact` with `contentLength`: what it means.
fn explain_content_length(e: Error) -> Error {
    let said = e.message().lines().next().unwrap_or("").trim();
    let said = if said.is_empty() {
        String::new()
    } else {
        format!(" (the queue said: {said})")
    };
    let message = format!(
        "finishArtifact failed after an upload that sent contentLength: queues v96.7.0 to \
         v106.0.0 store the length, then cannot publish the artifact-created message, whose \
         schema does not allow it; the data is uploaded and the artifact probably present, but \
         unannounced. Upload without contentLength (ArtifactUpload::with_content_length(false), \
         the default){said}"
    );
    e.with_message(message)
}
