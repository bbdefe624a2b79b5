//! A fake service in process, for unit tests of code that calls a generated client: no network,
//! no HTTP to write. A test answers the methods it expects with typed values; the client under
//! test is the real one, made from [`Fake::config`], so its calls go through the same
//! serialization and error handling as against a deployment. The fake is a
//! [`Transport`]: only the last step, the network, is replaced.
//!
//! Generated clients have an [`Endpoint`] constant for every method
//! (`tc_client::queue::endpoints::TASK`, `rucio_client::account::endpoints::GET_ACCOUNT`).

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;
use std::sync::{Arc, Mutex};

use serde::Serialize;
use serde::de::DeserializeOwned;

use futures_util::future::BoxFuture;

pub use crate::fixture::Fixture;

use crate::error::{Error, ErrorKind};
use crate::transport::{Body, Failure, Incoming as Answered, Outgoing, Transport};

/// One method of one service: its HTTP method and route (`task/<taskId>`, relative to the
/// service's base URL), with the types of its request body `I` and answer `O` (`()` for none).
pub struct Endpoint<I, O> {
    service: &'static str,
    method: &'static str,
    route: &'static str,
    _types: PhantomData<fn(I) -> O>,
}

impl<I, O> Endpoint<I, O> {
    /// The endpoint `method route` of `service` (`"queue"`, `"GET"`, `"task/<taskId>"`).
    pub const fn new(service: &'static str, method: &'static str, route: &'static str) -> Self {
        Endpoint {
            service,
            method,
            route,
            _types: PhantomData,
        }
    }
}

impl<I, O> Clone for Endpoint<I, O> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<I, O> Copy for Endpoint<I, O> {}

impl<I, O> fmt::Debug for Endpoint<I, O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.service, self.method, self.route)
    }
}

/// A call the fake received, typed: its route parameters, query and body.
#[derive(Debug)]
pub struct FakeRequest<I> {
    args: BTreeMap<String, String>,
    query: Vec<(String, String)>,
    /// The request body as the method's input type (`()` for methods without one).
    pub body: I,
}

impl<I> FakeRequest<I> {
    /// The route parameter `name` (decoded), or `""` if the route has none of that name.
    pub fn arg(&self, name: &str) -> &str {
        self.args.get(name).map_or("", String::as_str)
    }

    /// The query parameter `name` (decoded), if sent.
    pub fn query(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// An error answer: what a deployment would send (status, the error's code, message).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FakeError {
    /// The HTTP status (`404`).
    pub status: u16,
    /// The error's code (Taskcluster's `ResourceNotFound`, Rucio's `AccountNotFound`).
    pub code: String,
    /// The error's message.
    pub message: String,
}

impl FakeError {
    /// The answer `status` with the error's `code` and `message`.
    pub fn new(status: u16, code: impl Into<String>, message: impl Into<String>) -> Self {
        FakeError {
            status,
            code: code.into(),
            message: message.into(),
        }
    }
}

/// A call the fake received, as recorded: for tests that check what their code sent.
#[derive(Clone, Debug, PartialEq)]
pub struct FakeCall {
    /// `"queue"`.
    pub service: String,
    /// `"PUT"`.
    pub method: String,
    /// Relative to the service's base URL, as sent (`task/abc`).
    pub path: String,
    /// The query parameters, decoded, in the order sent.
    pub query: Vec<(String, String)>,
    /// The JSON body, if any.
    pub body: Option<serde_json::Value>,
}

type Answer = dyn Fn(&Incoming<'_>) -> Result<Vec<u8>, FakeError> + Send + Sync;

struct Route {
    service: &'static str,
    method: &'static str,
    route: &'static str,
    answer: Box<Answer>,
}

/// What the fake reads of one request.
struct Incoming<'a> {
    service: &'a str,
    /// The API method's name (`createTask`), when the request carries it.
    name: Option<&'a str>,
    method: &'a str,
    /// Path relative to the service base, and query string (with its `?`).
    path: &'a str,
    query: &'a str,
    body: Option<&'a [u8]>,
}

/// A fake deployment: cheap to clone, clones share their answers and record.
#[derive(Clone, Default)]
pub struct Fake {
    inner: Arc<FakeInner>,
}

#[derive(Default)]
struct FakeInner {
    routes: Mutex<Vec<Route>>,
    calls: Mutex<Vec<FakeCall>>,
    /// Panic on an unanswered call instead of failing it.
    strict: bool,
}

/// Why the fake did not answer a request with a body.
enum Refusal {
    /// The test's answer was an error.
    Error(FakeError),
    /// Nothing answers the endpoint: what it was, for [`ErrorKind::FakeUnanswered`].
    Unanswered(String),
}

impl fmt::Debug for Fake {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let routes = self.inner.routes.lock().map_or(0, |r| r.len());
        f.debug_struct("Fake")
            .field("answers", &routes)
            .field("strict", &self.inner.strict)
            .finish()
    }
}

impl Fake {
    /// A fake that answers nothing yet: a call is an error of kind
    /// [`ErrorKind::FakeUnanswered`], naming the endpoint,
    /// until [`Fake::on`] answers it. (A 404 would read as the deployment's answer; a test that
    /// wants one answers with `FakeError::new(404, "ResourceNotFound", ..)`.)
    pub fn new() -> Fake {
        Fake::default()
    }

    /// A fake that panics on a call nothing answers, naming the endpoint: for tests where such a
    /// call is a mistake in the test that the code under test might otherwise swallow (an error
    /// it retries, logs or maps to a default). The call is recorded before the panic.
    pub fn strict() -> Fake {
        Fake {
            inner: Arc::new(FakeInner {
                strict: true,
                ..FakeInner::default()
            }),
        }
    }

    /// A family's client configuration whose calls this fake answers (its URL is never
    /// contacted): `Queue::new(&fake.config())`, `Rucio::new(&fake.config())`.
    pub fn config<C: FromFake>(&self) -> C {
        C::from_fake(self.clone())
    }

    /// Answers calls of `endpoint` with `answer`; the latest answer for an endpoint wins.
    pub fn on<I, O>(
        &self,
        endpoint: Endpoint<I, O>,
        answer: impl Fn(FakeRequest<I>) -> Result<O, FakeError> + Send + Sync + 'static,
    ) -> &Self
    where
        I: DeserializeOwned + 'static,
        O: Serialize + 'static,
    {
        let route = endpoint.route;
        let answer = move |incoming: &Incoming<'_>| {
            let body: I = match incoming.body {
                Some(bytes) => serde_json::from_slice(bytes),
                None => serde_json::from_value(serde_json::Value::Null),
            }
            .map_err(|e| FakeError::new(400, "InputValidationError", e.to_string()))?;
            let request = FakeRequest {
                args: route_args(route, incoming.path).unwrap_or_default(),
                query: query_pairs(incoming.query),
                body,
            };
            let output = answer(request)?;
            serde_json::to_vec(&output)
                .map_err(|e| FakeError::new(500, "InternalServerError", e.to_string()))
        };
        let mut routes = self.inner.routes.lock().expect("not poisoned");
        routes.push(Route {
            service: endpoint.service,
            method: endpoint.method,
            route,
            answer: Box::new(answer),
        });
        drop(routes);
        self
    }

    /// Every call received so far, in order.
    pub fn calls(&self) -> Vec<FakeCall> {
        self.inner.calls.lock().expect("not poisoned").clone()
    }

    /// Answers one request: the body of a 200, the error answer, or that nothing answers it
    /// (a panic instead for a [strict](Fake::strict) fake).
    fn answer(&self, incoming: &Incoming<'_>) -> Result<Vec<u8>, Refusal> {
        self.inner
            .calls
            .lock()
            .expect("not poisoned")
            .push(FakeCall {
                service: incoming.service.to_owned(),
                method: incoming.method.to_owned(),
                path: incoming.path.to_owned(),
                query: query_pairs(incoming.query),
                body: incoming.body.and_then(|b| serde_json::from_slice(b).ok()),
            });
        let routes = self.inner.routes.lock().expect("not poisoned");
        let route = routes.iter().rev().find(|r| {
            r.service == incoming.service
                && r.method == incoming.method
                && route_args(r.route, incoming.path).is_some()
        });
        match route {
            Some(route) => (route.answer)(incoming).map_err(Refusal::Error),
            None => {
                drop(routes);
                let what = unanswered(incoming);
                if self.inner.strict {
                    panic!("the strict fake has no answer for {what}");
                }
                Err(Refusal::Unanswered(what))
            }
        }
    }
}

/// A family's configuration that a [`Fake`] can answer: what [`Fake::config`] makes.
pub trait FromFake {
    /// A configuration whose calls `fake` answers.
    fn from_fake(fake: Fake) -> Self;
}

impl Transport for Fake {
    fn send(&self, request: Outgoing) -> BoxFuture<'_, Result<Answered, Failure>> {
        let endpoint = &request.endpoint;
        let incoming = Incoming {
            service: endpoint.service,
            name: endpoint.name,
            method: request.method.as_str(),
            path: &endpoint.path,
            query: &endpoint.query,
            body: request.body.as_deref(),
        };
        let result = match self.answer(&incoming) {
            Ok(body) => Ok(Answered {
                status: 200,
                headers: reqwest::header::HeaderMap::new(),
                body: Body::Bytes(body.into()),
            }),
            Err(Refusal::Unanswered(what)) => {
                Err(Failure::Final(Error::new(ErrorKind::FakeUnanswered, what)))
            }
            // What a deployment's error answer would make, without the retries a 5xx would get:
            // the test said what to answer, and once is enough.
            Err(Refusal::Error(e)) => Err(Failure::Final(
                Error::new(ErrorKind::from_status(e.status), e.message)
                    .with_response(e.status, None, None)
                    .with_body(Some(e.code), None),
            )),
        };
        Box::pin(std::future::ready(result))
    }
}

/// `queue createTask (PUT task/abc): no Fake::on answers it`, or without the method's name
/// `queue PUT task/abc: …`.
fn unanswered(incoming: &Incoming<'_>) -> String {
    let Incoming {
        service,
        name,
        method,
        path,
        ..
    } = incoming;
    let endpoint = match name {
        Some(name) => format!("{service} {name} ({method} {path})"),
        None => format!("{service} {method} {path}"),
    };
    format!("{endpoint}: no `Fake::on` answers this endpoint")
}

/// The route parameters of `path` if it matches `route` (`task/<taskId>/runs/<runId>`).
fn route_args(route: &str, path: &str) -> Option<BTreeMap<String, String>> {
    let route_parts: Vec<&str> = route.split('/').collect();
    let path_parts: Vec<&str> = path.split('/').collect();
    if route_parts.len() != path_parts.len() {
        return None;
    }
    let mut args = BTreeMap::new();
    for (r, p) in route_parts.iter().zip(&path_parts) {
        match r.strip_prefix('<').and_then(|r| r.strip_suffix('>')) {
            Some(name) => {
                args.insert(name.to_owned(), percent_decode(p));
            }
            None if r == p => {}
            None => return None,
        }
    }
    Some(args)
}

/// `%XX` escapes decoded (what [`escape`](crate::escape) writes).
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn query_pairs(query: &str) -> Vec<(String, String)> {
    url::form_urlencoded::parse(query.trim_start_matches('?').as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_match_by_segment() {
        let args = route_args("task/<taskId>/runs/<runId>", "task/a%2Fb/runs/0").unwrap();
        assert_eq!(args["taskId"], "a/b");
        assert_eq!(args["runId"], "0");
        assert!(route_args("task/<taskId>", "task/a/status").is_none());
        assert!(route_args("task/<taskId>/status", "task/a/runs").is_none());
        assert_eq!(route_args("ping", "ping"), Some(BTreeMap::new()));
    }

    #[test]
    fn an_unanswered_call_names_its_endpoint() {
        let mut incoming = Incoming {
            service: "queue",
            name: Some("createTask"),
            method: "PUT",
            path: "task/abc",
            query: "",
            body: Some(b"{}"),
        };
        assert_eq!(
            unanswered(&incoming),
            "queue createTask (PUT task/abc): no `Fake::on` answers this endpoint"
        );
        incoming.name = None;
        let fake = Fake::new();
        match fake.answer(&incoming) {
            Err(Refusal::Unanswered(what)) => {
                assert_eq!(
                    what,
                    "queue PUT task/abc: no `Fake::on` answers this endpoint"
                )
            }
            _ => panic!("unanswered"),
        }
        assert_eq!(fake.calls().len(), 1);
    }
}
