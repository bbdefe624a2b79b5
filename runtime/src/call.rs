//! A call to one method: awaited for its result, or turned into its URL.

use std::fmt;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::time::{Duration, SystemTime};

use serde::de::DeserializeOwned;

use crate::{Error, ErrorKind, Method, Request, Result};

type Sending<'a, T> = Pin<Box<dyn Future<Output = Result<T>> + Send + 'a>>;

/// One call of a service method, ready to go.
///
/// `.await` it to send it (with retries) and get the typed result; or await
/// [`json`](Call::json) for the answer untyped; or, for a `GET`, take its [`url`](Call::url) or
/// a [`signed_url`](Call::signed_url) to hand to someone else.
///
/// An answer that does not fit the type is an [`ErrorKind::Schema`] error that keeps the
/// answer ([`Error::document`]): a newer deployment that renamed a required field loses
/// nothing, and no second request is needed to see what it sent.
///
/// ```no_run
/// # use std::time::Duration;
/// # async fn demo(queue: tc_runtime::Client) -> tc_runtime::Result<()> {
/// let task = || queue.request(tc_runtime::Method::GET, "task/abc".into()).call::<serde_json::Value>();
/// let definition = task().await?;
/// let link = task().signed_url(Duration::from_secs(600))?;
/// # Ok(()) }
/// ```
#[must_use = "a call does nothing until it is awaited"]
pub struct Call<'a, T> {
    request: Request<'a>,
    answer: Answer,
    _result: std::marker::PhantomData<fn() -> T>,
}

/// What the answer's body holds.
enum Answer {
    Json,
    /// Nothing of interest (the call's result is `()`).
    Nothing,
}

impl<T> fmt::Debug for Call<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Call").field(&self.request).finish()
    }
}

impl<'a> Request<'a> {
    /// This request as a call whose answer is JSON of type `T`.
    pub fn call<T: DeserializeOwned>(self) -> Call<'a, T> {
        Call {
            request: self,
            answer: Answer::Json,
            _result: std::marker::PhantomData,
        }
    }

    /// This request as a call whose answer's body, if any, is of no interest.
    pub fn call_empty(self) -> Call<'a, ()> {
        Call {
            request: self,
            answer: Answer::Nothing,
            _result: std::marker::PhantomData,
        }
    }
}

impl<'a, T> Call<'a, T> {
    /// Sends the call (with retries) and returns its answer as JSON, whatever its shape:
    /// nothing is checked against the method's types, so an answer from a release whose schema
    /// differs from this client's is read all the same. An empty answer is `null`.
    ///
    /// ```no_run
    /// # async fn demo(queue: tc_runtime::Client) -> tc_runtime::Result<()> {
    /// # #[derive(serde::Deserialize)] struct Task {}
    /// let task = || queue.request(tc_runtime::Method::GET, "task/abc".into()).call::<Task>();
    /// let raw: serde_json::Value = task().json().await?;
    /// # Ok(()) }
    /// ```
    pub fn json(self) -> impl Future<Output = Result<serde_json::Value>> + Send + 'a {
        self.request.send_json()
    }

    /// The call's URL, unsigned: for resources anyone may read, or to hand to a client that
    /// signs requests itself.
    pub fn url(self) -> Result<String> {
        self.request.url()
    }

    /// The call's URL with a Hawk signature (bewit) valid for `ttl`, to hand to a client
    /// without credentials. Only `GET` calls can be signed this way.
    pub fn signed_url(self, ttl: Duration) -> Result<String> {
        self.signed_url_expiring_at(SystemTime::now() + ttl)
    }

    /// [`Call::signed_url`], expiring at `expiry` (whole seconds).
    pub fn signed_url_expiring_at(self, expiry: SystemTime) -> Result<String> {
        if self.request.method != Method::GET {
            return Err(Error::new(
                ErrorKind::Config,
                format!(
                    "only GET calls have signed URLs, not {}",
                    self.request.method
                ),
            ));
        }
        self.request.signed_url_expiring_at(expiry)
    }
}

// Generic over `T` (nothing is built until a call is awaited), so the code that parses each
// answer is compiled where it is used, for the methods a program uses.
impl<'a, T: DeserializeOwned + Send + 'a> IntoFuture for Call<'a, T> {
    type Output = Result<T>;
    type IntoFuture = Sending<'a, T>;

    fn into_future(self) -> Self::IntoFuture {
        match self.answer {
            Answer::Json => Box::pin(self.request.send()),
            Answer::Nothing => Box::pin(async move {
                self.request.send_empty().await?;
                // Only `call_empty` makes these, for `T = ()`, which `null` is.
                T::deserialize(serde_json::Value::Null)
                    .map_err(|e| Error::new(ErrorKind::Schema, e.to_string()))
            }),
        }
    }
}
