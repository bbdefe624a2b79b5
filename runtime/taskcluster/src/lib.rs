//! The Taskcluster family over the runtime core (`runtime-core`): configuration and
//! credentials, Taskcluster's URL rules, Hawk signing (headers, signed URLs, temporary
//! credentials), Taskcluster's error answers, scopes, time, slugids, events and Pulse, and
//! object and artifact transfers. Requests, calls, retries and the [`Error`] type are the
//! core's, shared with every family.
//!
//! Generated service clients wrap a [`Client`]; a [`ClientConfig`] is shared by all of them and
//! so is its HTTP connection pool.
//!
//! ```no_run
//! use std::time::Duration;
//! use tc_runtime::{Client, ClientConfig, Credentials, Method};
//!
//! # async fn demo() -> tc_runtime::Result<()> {
//! let config = ClientConfig::new("https://tc.example.com")
//!     .with_credentials(Credentials::new("my-client", "my-access-token"))
//!     .with_timeout(Duration::from_secs(10))
//!     .with_retries(3);
//! // Or: let config = ClientConfig::from_env()?;
//! let queue = Client::new(&config, "queue", "v1");
//! let task_id = "fN1SbArXTPSVFNUvaOlinQ";
//! let status: serde_json::Value = queue
//!     .request(Method::GET, format!("task/{}/status", tc_runtime::escape(task_id)))
//!     .send()
//!     .await?;
//! let listing: serde_json::Value = queue
//!     .request(Method::GET, format!("task-group/{}/list", tc_runtime::escape(task_id)))
//!     .query("limit", Some(10))
//!     .query("continuationToken", None::<&str>)
//!     .send()
//!     .await?;
//! let signed = queue
//!     .request(Method::GET, format!("task/{}", tc_runtime::escape(task_id)))
//!     .signed_url(Duration::from_secs(900))?;
//! # let _ = (status, listing, signed);
//! # Ok(())
//! # }
//! ```
//!
//! Every request is signed afresh (new timestamp and nonce) on each attempt, over the full path
//! *and query string*, and JSON bodies carry a Hawk payload hash.

#![warn(missing_docs)]

mod auth;
mod client;
mod config;
pub mod credentials;
pub mod events;
mod family;
pub mod hawk;
#[cfg(feature = "transfers")]
pub mod objects;
#[cfg(feature = "pulse")]
pub mod pulse;
pub mod scopes;
pub mod slugid;
pub mod time;
pub mod urls;

pub use auth::signed_url;
pub use client::Client;
pub use config::ClientConfig;
pub use credentials::{Certificate, Credentials};
pub use family::{ErrorArtifact, TaskclusterError};
#[doc(inline)]
pub use runtime_core::{
    Call, DEFAULT_TIMEOUT, Error, ErrorKind, Method, MissingFields, Request, Result, RetryConfig,
    Stream, StreamExt, TryStreamExt, escape, pages, wire,
};

/// A fake Taskcluster in process, for unit tests of code that calls the client; see
/// [`Fake`](fake::Fake).
///
/// ```
/// # async fn demo() -> tc_runtime::Result<()> {
/// use tc_runtime::fake::{Endpoint, Fake, FakeError};
/// use tc_runtime::{Client, Method};
///
/// // Generated clients have these for every method: `tc_client::queue::endpoints::TASK`.
/// const STATUS: Endpoint<(), serde_json::Value> = Endpoint::new("queue", "GET", "task/<taskId>/status");
///
/// let fake = Fake::new();
/// fake.on(STATUS, |call| match call.arg("taskId") {
///     "known" => Ok(serde_json::json!({"status": {"state": "completed"}})),
///     _ => Err(FakeError::new(404, "ResourceNotFound", "no such task")),
/// });
/// let queue = Client::new(&fake.config(), "queue", "v1");
/// let status: serde_json::Value = queue.request(Method::GET, "task/known/status").send().await?;
/// assert_eq!(status["status"]["state"], "completed");
/// assert_eq!(fake.calls().len(), 1);
/// # Ok(()) }
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(demo()).unwrap();
/// ```
pub mod fake {
    #[doc(inline)]
    pub use runtime_core::fake::*;
}
