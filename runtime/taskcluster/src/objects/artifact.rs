//! What to upload as an artifact: the description both the transfers and the queue's seam read.

use std::fmt;

use chrono::{DateTime, Utc};

use super::progress::ProgressFn;

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
    /// The task.
    pub fn task_id(&self) -> &str {
        &self.task_id
    }

    /// The run.
    pub fn run_id(&self) -> u32 {
        self.run_id
    }

    /// The artifact's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// When the artifact expires.
    pub fn expires(&self) -> DateTime<Utc> {
        self.expires
    }

    /// The data's content type.
    pub fn content_type(&self) -> &str {
        &self.content_type
    }

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
