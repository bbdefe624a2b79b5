//! Transport behaviour against a scripted raw-TCP HTTP server on 127.0.0.1: retries (5xx,
//! connection resets, timeouts; never 4xx), fresh signatures per attempt, error details,
//! redirects, schema errors, the proxy and connection reuse.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Deserialize;
use tc_runtime::{Client, ClientConfig, Credentials, ErrorKind, Method, RetryConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[derive(Clone)]
enum Action {
    Respond(u16, &'static str, &'static str),
    Reset,
    Hang,
}

#[derive(Debug, Clone)]
struct Seen {
    target: String,
    authorization: Option<String>,
}

#[derive(Default)]
struct State {
    script: VecDeque<Action>,
    seen: Vec<Seen>,
    connections: usize,
}

struct Server {
    port: u16,
    state: Arc<Mutex<State>>,
}

impl Server {
    async fn start(script: Vec<Action>) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let state = Arc::new(Mutex::new(State {
            script: script.into(),
            ..State::default()
        }));
        let st = state.clone();
        tokio::spawn(async move {
            while let Ok((conn, _)) = listener.accept().await {
                st.lock().unwrap().connections += 1;
                tokio::spawn(serve(conn, st.clone()));
            }
        });
        Server { port, state }
    }

    fn seen(&self) -> Vec<Seen> {
        self.state.lock().unwrap().seen.clone()
    }

    fn connections(&self) -> usize {
        self.state.lock().unwrap().connections
    }

    fn config(&self) -> ClientConfig {
        ClientConfig::new(format!("http://127.0.0.1:{}", self.port))
            .with_credentials(Credentials::new("me", "secret-key"))
            .with_retry_config(fast_retries(5))
    }
}

fn fast_retries(retries: u32) -> RetryConfig {
    RetryConfig {
        retries,
        delay_factor: Duration::from_millis(1),
        ..RetryConfig::default()
    }
}

async fn serve(mut conn: TcpStream, state: Arc<Mutex<State>>) {
    let mut buf = Vec::new();
    loop {
        // Read one request: headers, then Content-Length bytes of body.
        let head_end = loop {
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            let mut chunk = [0u8; 4096];
            match conn.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
        let header = |name: &str| {
            head.lines().find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.eq_ignore_ascii_case(name).then(|| v.trim().to_owned())
            })
        };
        let len: usize = header("content-length").map_or(0, |v| v.parse().unwrap());
        while buf.len() < head_end + len {
            let mut chunk = [0u8; 4096];
            match conn.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
        buf.drain(..head_end + len);
        let target = head.split(' ').nth(1).unwrap_or("").to_owned();
        let action = {
            let mut st = state.lock().unwrap();
            st.seen.push(Seen {
                target,
                authorization: header("authorization"),
            });
            st.script
                .pop_front()
                .unwrap_or(Action::Respond(500, "", "script exhausted"))
        };
        match action {
            Action::Respond(status, extra_headers, body) => {
                let resp = format!(
                    "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\n{extra_headers}content-length: {}\r\n\r\n{body}",
                    body.len()
                );
                if conn.write_all(resp.as_bytes()).await.is_err() {
                    return;
                }
            }
            Action::Reset => {
                let _ = conn.set_zero_linger();
                return;
            }
            Action::Hang => {
                tokio::time::sleep(Duration::from_secs(5)).await;
                return;
            }
        }
    }
}

#[derive(Debug, Deserialize, PartialEq)]
struct Ok200 {
    ok: bool,
}

const OK: Action = Action::Respond(200, "", r#"{"ok":true}"#);

#[tokio::test]
async fn server_errors_are_retried_with_fresh_signatures() {
    let server = Server::start(vec![
        Action::Respond(
            500,
            "",
            r#"{"code":"InternalServerError","message":"boom"}"#,
        ),
        Action::Respond(503, "", "unavailable"),
        OK,
    ])
    .await;
    let client = Client::new(&server.config(), "queue", "v1");
    let r: Ok200 = client
        .request(Method::PUT, "task/abc".into())
        .query("limit", Some(2))
        .json(&serde_json::json!({"x": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(r, Ok200 { ok: true });
    let seen = server.seen();
    assert_eq!(seen.len(), 3);
    let auths: Vec<String> = seen
        .iter()
        .map(|s| s.authorization.clone().unwrap())
        .collect();
    let macs: std::collections::HashSet<&str> = auths
        .iter()
        .map(|a| a.split("mac=\"").nth(1).unwrap())
        .collect();
    assert_eq!(macs.len(), 3, "{auths:?}");
    for s in &seen {
        assert_eq!(s.target, "/api/queue/v1/task/abc?limit=2");
        assert!(s.authorization.as_ref().unwrap().contains("hash=\""));
    }
}

#[tokio::test]
async fn client_errors_are_not_retried_and_carry_details() {
    let server = Server::start(vec![
        Action::Respond(
            404,
            "x-for-request-id: rid-1\r\nx-for-trace-id: tid-1\r\n",
            r#"{"code":"ResourceNotFound","message":"no task","requestInfo":{"method":"task"}}"#,
        ),
        Action::Respond(
            400,
            "",
            r#"{"code":"InputValidationError","message":"bad"}"#,
        ),
        OK,
    ])
    .await;
    let client = Client::new(&server.config(), "queue", "v1");
    let e = client
        .request(Method::GET, format!("task/{}", tc_runtime::escape("a/b")))
        .send::<Ok200>()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert_eq!(e.status(), Some(404));
    assert_eq!(e.code(), Some("ResourceNotFound"));
    assert_eq!(e.message(), "no task");
    assert_eq!(e.request_id(), Some("rid-1"));
    assert_eq!(e.trace_id(), Some("tid-1"));
    assert_eq!(e.request_info().unwrap()["method"], "task");
    assert_eq!(
        e.url(),
        Some(format!("http://127.0.0.1:{}/api/queue/v1/task/a%2Fb", server.port).as_str())
    );
    assert_eq!(e.attempts(), 1);
    assert!(!format!("{e} {e:?}").contains("secret-key"));
    assert_eq!(server.seen().len(), 1);

    let e = client
        .request(Method::GET, "x".into())
        .send_empty()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ClientError);
    assert_eq!(e.code(), Some("InputValidationError"));
    assert_eq!(server.seen().len(), 2);
}

#[tokio::test]
async fn server_errors_after_all_retries() {
    let script = vec![Action::Respond(502, "", r#"{"message":"bad gateway"}"#); 3];
    let server = Server::start(script).await;
    let config = server.config().with_retry_config(fast_retries(2));
    let e = Client::new(&config, "queue", "v1")
        .request(Method::GET, "x".into())
        .send_empty()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ServerError);
    assert_eq!(e.status(), Some(502));
    assert_eq!(e.attempts(), 3);
    assert_eq!(server.seen().len(), 3);
}

#[tokio::test]
async fn connection_resets_are_retried() {
    let server = Server::start(vec![Action::Reset, Action::Reset, OK]).await;
    let r: Ok200 = Client::new(&server.config(), "queue", "v1")
        .request(Method::GET, "x".into())
        .send()
        .await
        .unwrap();
    assert!(r.ok);
    assert_eq!(server.seen().len(), 3);
}

#[tokio::test]
async fn timeouts_are_retried() {
    let server = Server::start(vec![Action::Hang, OK]).await;
    let config = server.config().with_timeout(Duration::from_millis(300));
    let r: Ok200 = Client::new(&config, "queue", "v1")
        .request(Method::GET, "x".into())
        .send()
        .await
        .unwrap();
    assert!(r.ok);
    assert_eq!(server.seen().len(), 2);

    // Without retries the timeout is reported as a transport error.
    let server = Server::start(vec![Action::Hang]).await;
    let config = server
        .config()
        .with_timeout(Duration::from_millis(300))
        .with_retries(0);
    let e = Client::new(&config, "queue", "v1")
        .request(Method::GET, "x".into())
        .send_empty()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Transport);
    assert_eq!(e.message(), "timed out");
}

#[tokio::test]
async fn refused_connections_are_transport_errors_after_retries() {
    let (port, _) = tc_testkit::closed_port();
    let config =
        ClientConfig::new(format!("http://127.0.0.1:{port}")).with_retry_config(fast_retries(2));
    let e = Client::new(&config, "queue", "v1")
        .request(Method::GET, "x".into())
        .send_empty()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Transport);
    assert_eq!(e.attempts(), 3);
    assert_eq!(e.status(), None);
    // The cause is in the message, not only in `source()`: the operating system's own words.
    let refused = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap_err();
    assert_eq!(e.message(), format!("cannot connect: {refused}"));
    assert_eq!(
        e.to_string(),
        format!(
            "GET http://127.0.0.1:{port}/api/queue/v1/x: transport error: cannot connect: {refused}"
        )
    );
}

#[tokio::test]
async fn a_failed_dns_lookup_says_so() {
    // `.invalid` never resolves (RFC 6761); the expected words are the resolver's, as std
    // reports them for the same lookup.
    let host = "no-such-host.invalid";
    let lookup = std::net::ToSocketAddrs::to_socket_addrs(&(host, 80))
        .map(|a| a.collect::<Vec<_>>())
        .expect_err("a .invalid name must not resolve");
    let config = ClientConfig::new(format!("http://{host}"))
        .with_credentials(Credentials::new("me", "secret-key"))
        .with_retries(0);
    let client = Client::new(&config, "queue", "v1");
    let e = client
        .request(Method::GET, "task/abc".into())
        .send_empty()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Transport);
    assert_eq!(e.message(), format!("cannot connect: {lookup}"));
    assert_eq!(
        e.to_string(),
        format!(
            "GET http://{host}/api/queue/v1/task/abc: transport error: cannot connect: {lookup}"
        )
    );
    // Another cause, another message: the two no longer read the same.
    assert_ne!(
        e.message(),
        format!(
            "cannot connect: {}",
            std::io::Error::from(std::io::ErrorKind::ConnectionRefused)
        )
    );
    assert!(!format!("{e} {e:?}").contains("secret-key"));
}

#[tokio::test]
async fn redirects_with_json_are_results_and_not_followed() {
    let server = Server::start(vec![
        Action::Respond(303, "location: /elsewhere\r\n", r#"{"ok":true}"#),
        Action::Respond(303, "location: /elsewhere\r\n", ""),
    ])
    .await;
    let client = Client::new(&server.config(), "queue", "v1");
    let r: Ok200 = client
        .request(Method::GET, "task/t/artifacts/a".into())
        .send()
        .await
        .unwrap();
    assert!(r.ok);
    let e = client
        .request(Method::GET, "task/t/artifacts/a".into())
        .send::<Ok200>()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Schema);
    assert_eq!(server.seen().len(), 2);
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)] // fields exist to be type-checked by serde
struct Listing {
    tasks: Vec<TaskEntry>,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct TaskEntry {
    status: Status,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct Status {
    state: String,
}

#[tokio::test]
async fn schema_errors_name_the_field() {
    let server = Server::start(vec![
        Action::Respond(
            200,
            "",
            r#"{"tasks":[{"status":{"state":"ok"}},{"status":{"state":7}}]}"#,
        ),
        Action::Respond(200, "", ""),
        Action::Respond(204, "", ""),
    ])
    .await;
    let client = Client::new(&server.config(), "queue", "v1");
    let e = client
        .request(Method::GET, "x".into())
        .send::<Listing>()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Schema);
    assert_eq!(e.schema_path(), Some("tasks[1].status.state"));
    assert_eq!(e.status(), Some(200));
    assert_eq!(
        e.document(),
        Some(&br#"{"tasks":[{"status":{"state":"ok"}},{"status":{"state":7}}]}"#[..])
    );
    let e = client
        .request(Method::GET, "x".into())
        .send::<Listing>()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Schema);
    assert!(e.message().contains("empty"), "{e}");
    client
        .request(Method::POST, "x".into())
        .send_empty()
        .await
        .unwrap();
}

#[tokio::test]
async fn proxy_requests_are_unsigned() {
    let server = Server::start(vec![OK, OK]).await;
    let config = ClientConfig::new("https://tc.example.com")
        .with_credentials(Credentials::new("me", "secret-key"))
        .with_proxy_url(format!("http://127.0.0.1:{}", server.port));
    let client = Client::new(&config, "secrets", "v1");
    let _: Ok200 = client
        .request(Method::GET, "secret/a%2Fb".into())
        .send()
        .await
        .unwrap();
    let seen = server.seen();
    assert_eq!(seen[0].target, "/api/secrets/v1/secret/a%2Fb");
    assert_eq!(seen[0].authorization, None);
    // URLs still name the deployment.
    assert_eq!(
        client.request(Method::GET, "x".into()).url().unwrap(),
        "https://tc.example.com/api/secrets/v1/x"
    );
}

#[tokio::test]
async fn service_clients_share_connections() {
    let server = Server::start(vec![OK; 6]).await;
    let config = server.config();
    let queue = Client::new(&config, "queue", "v1");
    let index = Client::new(&config, "index", "v1");
    for client in [&queue, &index, &queue, &index, &queue.clone(), &index] {
        let _: Ok200 = client
            .request(Method::GET, "x".into())
            .send()
            .await
            .unwrap();
    }
    assert_eq!(server.seen().len(), 6);
    assert_eq!(server.connections(), 1);
    assert_eq!(server.seen()[1].target, "/api/index/v1/x");
}

/// What an older client reads: a stable method's answer as its release described it.
#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct HookAction {
    action_type: String,
    name: String,
}

#[tokio::test]
async fn an_answer_that_no_longer_fits_is_kept() {
    // A newer server renamed a required field (`actionType` for `action_type`): the typed call
    // fails, and the document is in the error; awaited as JSON, the same call reads it.
    let renamed = r#"{"actionType":"hook","name":"marker-7f3a","extra":[1,2,3]}"#;
    let server = Server::start(vec![
        Action::Respond(200, "x-for-request-id: rid-7\r\n", renamed),
        Action::Respond(200, "", renamed),
        Action::Respond(204, "", ""),
        Action::Respond(200, "", "<html>not json</html>"),
    ])
    .await;
    let client = Client::new(&server.config(), "hooks", "v1");
    let call = || {
        client
            .request(Method::GET, "hooks/a/b".into())
            .call::<HookAction>()
    };

    let e = call().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Schema);
    assert_eq!(e.schema_path(), Some("."));
    assert_eq!(
        e.message(),
        "missing field `action_type` at line 1 column 58"
    );
    assert_eq!(e.document(), Some(renamed.as_bytes()));
    assert_eq!(e.attempts(), 1);
    // Neither Display nor Debug shows the document.
    assert_eq!(
        e.to_string(),
        format!(
            "GET http://127.0.0.1:{}/api/hooks/v1/hooks/a/b: response does not match its schema \
             (HTTP 200) at `.`: missing field `action_type` at line 1 column 58 (request id rid-7)",
            server.port
        )
    );
    let debug = format!("{e:?}");
    assert!(!debug.contains("marker-7f3a"), "{debug}");
    assert!(
        debug.contains(&format!("document: {} bytes", renamed.len())),
        "{debug}"
    );
    let kept: serde_json::Value = serde_json::from_slice(e.document().unwrap()).unwrap();
    assert_eq!(kept["actionType"], "hook");

    // Untyped: one request, the whole answer.
    let value = call().json().await.unwrap();
    assert_eq!(
        value,
        serde_json::from_str::<serde_json::Value>(renamed).unwrap()
    );
    assert_eq!(server.seen().len(), 2);
    // An empty answer is null; one that is not JSON is a schema error that keeps it.
    let empty = client
        .request(Method::POST, "x".into())
        .call_empty()
        .json()
        .await
        .unwrap();
    assert_eq!(empty, serde_json::Value::Null);
    let e = call().json().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Schema);
    assert_eq!(e.schema_path(), Some("."));
    assert_eq!(e.document(), Some(&b"<html>not json</html>"[..]));
    assert_eq!(server.seen().len(), 4);
}

/// The runtime's own spans and events (not those of reqwest or hyper).
fn ours(recorder: &tc_testkit::traces::Recorder) -> Vec<tc_testkit::traces::Recorded> {
    recorder
        .all()
        .into_iter()
        .filter(|r| r.target.starts_with("tc_runtime"))
        .collect()
}

#[tokio::test]
async fn a_retried_call_is_one_span_with_a_retry_event_and_no_secret() {
    let recorder = tc_testkit::traces::Recorder::new();
    let _guard = recorder.install();
    let server = Server::start(vec![
        Action::Respond(
            500,
            "",
            r#"{"code":"InternalServerError","message":"boom"}"#,
        ),
        Action::Respond(
            200,
            "x-for-request-id: rid-9\r\nx-for-trace-id: tid-9\r\n",
            r#"{"ok":true}"#,
        ),
    ])
    .await;
    let client = Client::new(&server.config(), "queue", "v1");
    let r: Ok200 = client
        .request(Method::GET, "task/abc".into())
        .name("task")
        .query("limit", Some(2))
        .send()
        .await
        .unwrap();
    assert_eq!(r, Ok200 { ok: true });

    let spans = recorder.spans("tc.call");
    assert_eq!(spans.len(), 1, "{spans:#?}");
    let span = &spans[0];
    let url = format!(
        "http://127.0.0.1:{}/api/queue/v1/task/abc?limit=2",
        server.port
    );
    let port = server.port.to_string();
    for (field, value) in [
        ("tc.service", "queue"),
        ("tc.method", "task"),
        ("otel.name", "GET queue.task"),
        ("otel.kind", "client"),
        ("http.request.method", "GET"),
        ("url.full", url.as_str()),
        ("server.address", "127.0.0.1"),
        ("server.port", port.as_str()),
        ("tc.attempts", "2"),
        ("http.request.resend_count", "1"),
        ("http.response.status_code", "200"),
        ("tc.request_id", "rid-9"),
        ("tc.trace_id", "tid-9"),
    ] {
        assert_eq!(span.field(field), Some(value), "{field} in {span:#?}");
    }
    assert_eq!(span.level, "DEBUG");
    assert!(span.field("tc.duration_ms").is_some());
    assert_eq!(span.field("error.type"), None);

    let retries = recorder.events("retrying");
    assert_eq!(retries.len(), 1, "{retries:#?}");
    let retry = &retries[0];
    assert!(retry.within("tc.call"));
    assert_eq!(retry.field("error.type"), Some("500"));
    assert_eq!(retry.field("tc.retry.reason"), Some("HTTP 500"));
    assert_eq!(retry.field("http.request.resend_count"), Some("1"));
    assert!(retry.field("tc.retry.pause_ms").is_some());
    let done = recorder.events("call succeeded");
    assert_eq!(done.len(), 1);
    assert_eq!(done[0].field("tc.attempts"), Some("2"));
    // Nothing at `info` or above for a call that worked.
    let loud: Vec<_> = ours(&recorder)
        .into_iter()
        .filter(|r| r.level != "DEBUG" && r.level != "TRACE")
        .collect();
    assert!(loud.is_empty(), "{loud:#?}");

    // A failed call, and a signed URL made while the recorder listens.
    let err = client
        .request(Method::GET, "task/abc".into())
        .name("task")
        .send_empty()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ServerError);
    let failed = recorder.spans("tc.call").pop().unwrap();
    assert_eq!(failed.field("error.type"), Some("500"));
    assert_eq!(failed.field("otel.status_code"), Some("ERROR"));
    assert_eq!(failed.field("tc.attempts"), Some("6"));
    // An answer that does not fit its type fails the call.
    let misfit = Server::start(vec![Action::Respond(200, "", r#"{"ok":"yes"}"#)]).await;
    let err = Client::new(&misfit.config(), "queue", "v1")
        .request(Method::GET, "task/abc".into())
        .send::<Ok200>()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Schema);
    let failed = recorder.spans("tc.call").pop().unwrap();
    assert_eq!(failed.field("error.type"), Some("Schema"));
    assert_eq!(failed.field("http.response.status_code"), Some("200"));
    assert_eq!(recorder.events("call failed").len(), 2);
    let signed = client
        .request(Method::GET, "task/abc".into())
        .signed_url(Duration::from_secs(60))
        .unwrap();
    let bewit = signed.split("bewit=").nth(1).unwrap().to_owned();

    let mut secrets = vec!["secret-key".to_owned(), bewit];
    for seen in server.seen() {
        let authorization = seen.authorization.unwrap();
        secrets.push(authorization.split("mac=\"").nth(1).unwrap()[..20].to_owned());
        secrets.push(authorization);
    }
    let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
    recorder.assert_no_secret(&secrets);
}
