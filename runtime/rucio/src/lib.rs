//! The Rucio family over the runtime core (`runtime-core`): configuration (code, environment, `rucio.cfg`), login and
//! token handling, and the HTTP calls the generated Rucio methods make.
//!
//! Rucio authenticates with a token: a client logs in (`GET /auth/userpass` and the like) on the
//! auth host and sends the token it gets as `X-Rucio-Auth-Token` on every call. A
//! [`RucioClient`] does that by itself: it logs in on first use (once, however many calls start
//! at the same time), renews the token shortly before it expires, and logs in again when the
//! server refuses it. Errors are the core's [`Error`]: [`Error::code`] is Rucio's
//! `ExceptionClass`, [`Error::message`] its `ExceptionMessage`, and the kind follows the status
//! (401 [`AuthenticationFailed`](crate::ErrorKind::AuthenticationFailed), 403
//! [`Forbidden`](crate::ErrorKind::Forbidden), 404
//! [`NotFound`](crate::ErrorKind::NotFound), other 4xx
//! [`ClientError`](crate::ErrorKind::ClientError), 5xx after retries
//! [`ServerError`](crate::ErrorKind::ServerError)), or the class where it says more: Rucio
//! answers 401 to more than refused credentials, so only `CannotAuthenticate` (and the
//! identity errors) is `AuthenticationFailed`, `AccessDenied` (the account may not do this) is
//! `Forbidden`, another 401 class (`UnsupportedOperation`) is `ClientError`, and a
//! `…NotFound` class is `NotFound`.
//!
//! ```no_run
//! use rucio_runtime::Method;
//! use rucio_runtime::StreamExt;
//! use rucio_runtime::{Auth, RucioClient, RucioConfig};
//!
//! # async fn demo() -> rucio_runtime::Result<()> {
//! // From RUCIO_CONFIG's [client] section and RUCIO_HOST, RUCIO_ACCOUNT, … ...
//! let config = RucioConfig::from_env()?;
//! // ... or explicitly.
//! let config = RucioConfig::new("https://rucio.example.org")
//!     .with_account("root")
//!     .with_auth(Auth::userpass("alice", "secret"));
//! let rucio = RucioClient::new(&config)?;
//!
//! // whoami answers 303 to the account; the redirect is followed.
//! let me: serde_json::Value = rucio.request(Method::GET, "accounts/whoami").send().await?;
//! rucio
//!     .request(Method::POST, format!("accounts/root/scopes/{}", rucio_runtime::escape("user.alice")))
//!     .send_empty()
//!     .await?;
//! // List endpoints stream one JSON document per line: items come as they arrive.
//! let mut rses = rucio
//!     .request(Method::GET, "rses/")
//!     .query("expression", Some("tier=1"))
//!     .send_stream::<serde_json::Value>();
//! while let Some(rse) = rses.next().await {
//!     println!("{}", rse?["rse"]);
//! }
//! # let _ = me;
//! # Ok(())
//! # }
//! ```
//!
//! [`Error::code`]: crate::Error::code
//! [`Error::message`]: crate::Error::message

#![warn(missing_docs)]

mod auth;
mod client;
mod config;
mod family;
mod ini;
mod ssh;
mod token;
pub mod transfer;

pub use auth::Auth;
pub use client::RucioClient;
pub use config::RucioConfig;
#[doc(inline)]
pub use runtime_core::{
    Call, Error, ErrorKind, ItemStream, Method, MissingFields, Request, Result, RetryConfig,
    Stream, StreamExt, TryStreamExt, escape, wire,
};
pub use ssh::SshKey;
pub use token::AuthToken;

/// Items of a streamed list, decoded as they arrive.
pub type RucioStream<T> = ItemStream<T>;

/// A fake Rucio in process, for unit tests of code that calls the client: answer the
/// endpoints a test expects (`rucio_client::<group>::endpoints::…`) and build the client from
/// [`Fake::config`](fake::Fake::config).
pub mod fake {
    #[doc(inline)]
    pub use runtime_core::fake::*;
}
