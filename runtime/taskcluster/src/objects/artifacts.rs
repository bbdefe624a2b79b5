//! Queue artifacts: downloads following the storage type `queue.artifact` answers with, and
//! object-artifact uploads (`createArtifact`, the object upload, `finishArtifact`).

use super::artifact::ArtifactUpload;
use super::download::{self, DownloadOptions, Downloaded, Output};
use super::service::{ArtifactLocation, ArtifactService};
use super::upload::{self, Source, Upload, Uploaded};
use crate::{Error, ErrorArtifact, ErrorKind, Result};

fn schema(message: String) -> Error {
    Error::new(ErrorKind::Schema, message)
}

/// Downloads artifact `name` of `task_id`, run `run_id` (`None`: the latest run), into `out`.
pub(crate) async fn download_artifact<Q: ArtifactService + ?Sized>(
    queue: &Q,
    task_id: &str,
    run_id: Option<u32>,
    name: &str,
    out: Output<'_>,
    options: &DownloadOptions,
) -> Result<Downloaded> {
    match queue.locate_artifact(task_id, run_id, name).await? {
        ArtifactLocation::Url(url) => {
            download::download_url(queue.client_config(), &url, out, options).await
        }
        ArtifactLocation::Object { name, credentials } => {
            let object = queue.objects_with(credentials);
            download::download_object(&object, &name, out, options).await
        }
        ArtifactLocation::Error { reason, message } => {
            Err(Error::new(ErrorKind::ClientError, message).with_detail(ErrorArtifact { reason }))
        }
        ArtifactLocation::Unsupported(other) => Err(schema(format!(
            "unsupported artifact storageType {other:?}"
        ))),
    }
}

/// Creates the artifact, uploads `length` bytes of `source` to the object service with the
/// queue's temporary credentials, and finishes the artifact.
pub(crate) async fn upload_artifact<Q: ArtifactService + ?Sized>(
    queue: &Q,
    artifact: &ArtifactUpload,
    source: Source,
    length: u64,
) -> Result<Uploaded> {
    let created = queue
        .create_object_artifact(artifact, artifact.content_length.then_some(length))
        .await?;
    let object = queue.objects_with(created.credentials);
    let mut upload = Upload::new(created.project_id, created.name, created.expires)
        .with_content_type(artifact.content_type.clone())
        .with_upload_id(created.upload_id.clone());
    if let Some(p) = &artifact.progress {
        upload = upload.with_progress(p.clone());
    }
    let uploaded = upload::upload(&object, &upload, source, length).await?;
    queue
        .complete_artifact(artifact, &created.upload_id)
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
