//! The authentication seam: what makes a request the caller's. Taskcluster signs each
//! attempt with Hawk; Rucio sends a token it logs in for, renews, and re-obtains once when the
//! server refuses it.

use std::fmt;
use std::time::SystemTime;

use futures_util::future::BoxFuture;
use url::Url;

use crate::error::{Error, ErrorKind, Result};
use crate::transport::Outgoing;

/// Authenticates requests to a client's own hosts (never to a host a call is redirected to).
pub trait Auth: fmt::Debug + Send + Sync + 'static {
    /// Adds what authenticates `request` (one attempt: called afresh for each). An
    /// authentication that must call a service itself (a login) keeps its own client for it.
    fn authorize<'a>(&'a self, request: &'a mut Outgoing) -> BoxFuture<'a, Result<()>>;

    /// The server refused the credentials `request` carried with `error`: whether sending it
    /// once more may succeed (after forgetting a refused token). The default never does.
    fn refused<'a>(&'a self, request: &'a Outgoing, error: &'a Error) -> BoxFuture<'a, bool> {
        let _ = (request, error);
        Box::pin(async { false })
    }

    /// `url` with a signature valid until `expiry`, for someone without credentials (a Hawk
    /// bewit). The default cannot sign URLs.
    fn sign_url(&self, url: &Url, expiry: SystemTime) -> Result<String> {
        let _ = (url, expiry);
        Err(Error::new(
            ErrorKind::Unsupported,
            "these credentials cannot sign URLs",
        ))
    }
}
