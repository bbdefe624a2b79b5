//! Runtime for the generated Taskcluster client: configuration and credentials, Taskcluster's
//! URL rules, Hawk signing (headers, signed URLs, temporary credentials), and an HTTP
//! transport with retries and one rich [`Error`] type.
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

mod call;
mod client;
mod config;
pub mod credentials;
mod error;
pub mod events;
pub mod fake;
pub mod hawk;
pub mod objects;
mod pages;
#[cfg(feature = "pulse")]
pub mod pulse;
mod request;
pub mod rucio;
pub mod scopes;
pub mod slugid;
pub mod time;
mod trace;
pub mod urls;
pub mod wire;

pub use call::Call;
pub use client::Client;
pub use config::{ClientConfig, DEFAULT_TIMEOUT, RetryConfig};
pub use credentials::{Certificate, Credentials};
pub use error::{Error, ErrorKind, Result};
/// Streams, for the paginated methods' `_stream` variants: `StreamExt::next` and friends.
pub use futures_util::{Stream, StreamExt, TryStreamExt};
pub use pages::pages;
pub use request::{Request, signed_url};
pub use reqwest::Method;
pub use urls::escape;
