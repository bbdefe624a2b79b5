//! The runtime core every generated API family stands on: one [`Request`] and [`Call`], one
//! transport loop with one retry policy ([`RetryConfig`]), one [`Error`], JSON read with the
//! path of a mismatch, newline-delimited JSON streams, pages, and spans.
//!
//! Two seams make a family: [`Auth`] (Taskcluster's Hawk signer; Rucio's token login) and
//! [`Transport`] ([`HttpTransport`] on reqwest; the in-process [`fake::Fake`]). A family crate
//! adds its [`Family`] rules (how its errors read, whether writes are retried, whether
//! redirects are followed) and makes [`Client`]s; generated methods build [`Request`]s and
//! return [`Call`]s.

#![warn(missing_docs)]

mod auth;
mod builder;
mod call;
mod client;
mod error;
mod escape;
pub mod fake;
mod fixture;
mod json;
mod pages;
mod request;
mod retry;
pub mod trace;
pub mod transport;
pub mod wire;

pub use auth::Auth;
pub use builder::MissingFields;
pub use call::Call;
pub use client::{Client, ClientBuilder, Family};
pub use error::{Detail, Error, ErrorKind, Result, text_excerpt};
pub use escape::escape;
/// Streams, for the paginated and streamed calls: `StreamExt::next` and friends.
pub use futures_util::{Stream, StreamExt, TryStreamExt};
pub use pages::pages;
pub use request::{ItemStream, Request};
pub use reqwest::Method;
pub use retry::{Attempts, RetryConfig};
pub use transport::{DEFAULT_TIMEOUT, HttpTransport, Transport};

#[doc(hidden)]
pub use tracing as __tracing;
