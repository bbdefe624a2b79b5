//! A call to one method: awaited for its result, streamed, or turned into its URL.

use std::fmt;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::time::{Duration, SystemTime};

use serde::de::DeserializeOwned;

use crate::request::ItemStream;
use reqwest::Method;

use crate::error::{Error, ErrorKind, Result};
use crate::request::Request;

type Sending<T> = Pin<Box<dyn Future<Output = Result<T>> + Send>>;

/// One call of a service method, ready to go: the one idiom of every family's generated
/// methods.
///
/// `.await` it to send it (with retries) and get the typed result; or await
/// [`json`](Call::json) for the answer untyped; for a list, take its items as they arrive
/// with [`stream`](Call::stream); or, for a `GET`, take its [`url`](Call::url) or a
/// [`signed_url`](Call::signed_url) to hand to someone else.
///
/// An answer that does not fit the type is an [`ErrorKind::Schema`] error that keeps the
/// answer ([`Error::document`]): a newer deployment that renamed a required field loses
/// nothing, and no second request is needed to see what it sent.
#[must_use = "a call does nothing until it is awaited"]
pub struct Call<T> {
    request: Request,
    answer: Answer,
    _result: std::marker::PhantomData<fn() -> T>,
}

/// What the answer holds.
#[derive(Clone, Copy, Debug)]
enum Answer {
    Json,
    /// Nothing of interest (the call's result is `()`).
    Nothing,
    /// Text (the call's result is a `String`).
    Text,
    /// The URL the answer redirects to (the call's result is a `String`).
    Location,
}

impl<T> fmt::Debug for Call<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Call").field(&self.request).finish()
    }
}

impl Request {
    fn into_call<T>(self, answer: Answer) -> Call<T> {
        Call {
            request: self,
            answer,
            _result: std::marker::PhantomData,
        }
    }

    /// This request as a call whose answer is JSON of type `T` (a JSON array, or one document
    /// per line, for a `Vec`).
    pub fn call<T: DeserializeOwned>(self) -> Call<T> {
        self.into_call(Answer::Json)
    }

    /// This request as a call whose answer's body, if any, is of no interest.
    pub fn call_empty(self) -> Call<()> {
        self.into_call(Answer::Nothing)
    }

    /// This request as a call whose answer is text.
    pub fn call_text(self) -> Call<String> {
        self.into_call(Answer::Text)
    }

    /// This request as a call whose answer is where the server redirects it, not followed.
    pub fn call_location(self) -> Call<String> {
        self.into_call(Answer::Location)
    }
}

impl<T> Call<T> {
    /// Sends the call (with retries) and returns its answer as JSON, whatever its shape:
    /// nothing is checked against the method's types, so an answer from a release whose schema
    /// differs from this client's is read all the same. An empty answer is `null`.
    pub fn json(self) -> impl Future<Output = Result<serde_json::Value>> + Send {
        self.request.send_json()
    }

    /// The call's URL, unsigned: for resources anyone may read, or to hand to a client that
    /// authenticates by itself.
    pub fn url(self) -> Result<String> {
        self.request.url()
    }

    /// The call's URL with a signature (Taskcluster's Hawk bewit) valid for `ttl`, to hand to a
    /// client without credentials. Only `GET` calls can be signed this way.
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

impl<T: DeserializeOwned + Send + 'static> Call<Vec<T>> {
    /// The answer's items as they arrive, each decoded on its own: for lists of any length in
    /// little memory. A failed call is the only item; an item that is not a `T` is an error
    /// item and the stream goes on.
    pub fn stream(self) -> ItemStream<T> {
        self.request.send_stream()
    }
}

// Generic over `T` (nothing is built until a call is awaited), so the code that parses each
// answer is compiled where it is used, for the methods a program uses.
impl<T: DeserializeOwned + Send + 'static> IntoFuture for Call<T> {
    type Output = Result<T>;
    type IntoFuture = Sending<T>;

    fn into_future(self) -> Self::IntoFuture {
        let request = self.request;
        match self.answer {
            Answer::Json => Box::pin(request.send()),
            Answer::Nothing => Box::pin(async move {
                request.send_empty().await?;
                // Only `call_empty` makes these, for `T = ()`, which `null` is.
                from_value(serde_json::Value::Null)
            }),
            Answer::Text => Box::pin(async move {
                from_value(serde_json::Value::String(request.send_text().await?))
            }),
            Answer::Location => Box::pin(async move {
                from_value(serde_json::Value::String(
                    request.send_for_location().await?,
                ))
            }),
        }
    }
}

fn from_value<T: DeserializeOwned>(value: serde_json::Value) -> Result<T> {
    T::deserialize(value).map_err(|e| Error::new(ErrorKind::Schema, e.to_string()))
}
