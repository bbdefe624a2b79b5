//! `tc_runtime::rucio` against a real Rucio 41.5.1 server (`tc_testkit::rucio::RucioServer`):
//! userpass login, whoami through its redirect, scopes, RSEs as a stream, errors, refused and
//! expiring tokens, concurrent first calls, the auth host, and Rucio's own Python client on the
//! same server. Transport details Rucio cannot be made to show (5xx, a second refusal, redirects
//! to another host, a stream that arrives slowly) run against loopback servers of this file.
//!
//! x509 here: one test shows that the login goes to `/auth/x509` and Rucio's refusal over plain
//! HTTP ("Cannot get DN") comes back typed; another runs the TLS part against a loopback HTTPS
//! server that asks for client certificates: the certificate goes to the login only, and the CA
//! setting decides what is trusted. The login end to end, over HTTPS with the DN taken from the
//! verified certificate as Apache's mod_ssl would, is in `rucio/tests/conformance.rs`
//! (`RucioServer::start_with_tls`).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde::Deserialize;
use serde_json::{Value, json};
use tc_runtime::rucio::{Auth, AuthToken, RucioClient, RucioConfig};
use tc_runtime::{ErrorKind, Method, RetryConfig, StreamExt, TryStreamExt};
use tc_testkit::rucio::RucioServer;
use tc_testkit::{Reply, Server};

fn start(server: Result<RucioServer, String>) -> RucioServer {
    server.unwrap_or_else(|e| panic!("the Rucio test server did not start: {e}"))
}

fn config(server: &RucioServer) -> RucioConfig {
    RucioConfig::new(&server.host)
        .with_account(&server.account)
        .with_auth(Auth::userpass(&server.username, &server.password))
}

fn client(config: &RucioConfig) -> RucioClient {
    RucioClient::new(config).expect("a Rucio client")
}

static SENTINELS: AtomicUsize = AtomicUsize::new(0);

/// The server's access log as (method, path, status), in order, once it holds every request
/// answered so far: gunicorn writes a line after sending its answer, so the last one may still
/// be on its way. A `/ping` with a unique query marks the end; its line is left out.
async fn access_log(server: &RucioServer) -> Vec<(String, String, u16)> {
    let marker = format!(
        "/ping?sentinel={}",
        SENTINELS.fetch_add(1, Ordering::SeqCst)
    );
    let _: Value = client(&RucioConfig::new(&server.host))
        .request(Method::GET, &marker[1..])
        .send()
        .await
        .unwrap();
    for _ in 0..1500 {
        let log = parse_access_log(server);
        if let Some(end) = log.iter().position(|(_, p, _)| *p == marker) {
            return log[..end]
                .iter()
                .filter(|(_, p, _)| !p.starts_with("/ping?sentinel="))
                .cloned()
                .collect();
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("{marker} never reached the access log:\n{}", server.log());
}

fn parse_access_log(server: &RucioServer) -> Vec<(String, String, u16)> {
    server
        .log()
        .lines()
        .filter_map(|line| {
            let request = line.split('"').nth(1)?;
            let mut parts = request.split(' ');
            let (method, path) = (parts.next()?, parts.next()?);
            let status = line
                .split('"')
                .nth(2)?
                .split_whitespace()
                .next()?
                .parse()
                .ok()?;
            Some((method.to_owned(), path.to_owned(), status))
        })
        .collect()
}

fn logins_in(log: &[(String, String, u16)]) -> usize {
    log.iter().filter(|(_, p, _)| p == "/auth/userpass").count()
}

#[derive(Debug, Deserialize)]
struct Rse {
    rse: String,
    rse_type: String,
    deterministic: bool,
}

#[derive(Debug, Deserialize)]
struct Account {
    account: String,
    status: String,
}

#[tokio::test]
#[ignore = "slow: starts a Rucio server (about 12 s alone); CI runs it with --include-ignored"]
async fn userpass_whoami_scopes_rses_and_errors() {
    let server = start(RucioServer::start());
    let config = config(&server);
    let rucio = client(&config);

    // No token needed, none asked for.
    let anonymous = client(&RucioConfig::new(&server.host));
    let ping: Value = anonymous
        .request(Method::GET, "/ping")
        .send()
        .await
        .unwrap();
    assert_eq!(ping["version"], "41.5.1");
    assert_eq!(anonymous.logins(), 0);

    // whoami answers 303 with `Location: root`: followed, with the token.
    let me: Account = rucio
        .request(Method::GET, "accounts/whoami")
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", server.log()));
    assert_eq!(
        (me.account.as_str(), me.status.as_str()),
        ("root", "ACTIVE")
    );
    assert_eq!(rucio.logins(), 1);

    // The expiry we parsed is the one the server keeps (/auth/validate prints its record, in
    // Python's repr: `'lifetime': datetime.datetime(2026, 12, 1, 11, 53, 29, 7706)`).
    let expires = rucio.token_expires().await.expect("an expiry");
    let record = rucio
        .request(Method::GET, "auth/validate")
        .send_text()
        .await
        .unwrap();
    let lifetime = record
        .split("'lifetime': datetime.datetime(")
        .nth(1)
        .and_then(|rest| rest.split(')').next())
        .unwrap_or_else(|| panic!("no lifetime in {record}"));
    let fields: Vec<u32> = lifetime
        .split(',')
        .map(|f| f.trim().parse().unwrap())
        .collect();
    assert_eq!(
        expires.format("%Y %-m %-d %-H %-M %-S").to_string(),
        fields[..6]
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(" "),
        "{record}"
    );

    // Scopes: add two, list them (JSON arrays, not streams) three ways.
    for scope in ["tc_rust_a", "tc_rust_b"] {
        rucio
            .request(Method::POST, format!("accounts/root/scopes/{scope}"))
            .send_empty()
            .await
            .unwrap();
    }
    let duplicate = rucio
        .request(Method::POST, "accounts/root/scopes/tc_rust_a")
        .send_empty()
        .await
        .unwrap_err();
    assert_eq!(duplicate.kind(), ErrorKind::ClientError);
    assert_eq!(duplicate.status(), Some(409));
    assert_eq!(duplicate.code(), Some("Duplicate"));
    assert_eq!(duplicate.message(), "Scope 'tc_rust_a' already exists!");
    assert_eq!(duplicate.method(), Some(&Method::POST));
    let all: Vec<String> = rucio.request(Method::GET, "scopes/").send().await.unwrap();
    // Without the slash Rucio answers 308 to it: followed too.
    let owned: Vec<String> = rucio
        .request(Method::GET, "accounts/root/scopes")
        .send()
        .await
        .unwrap();
    let streamed: Vec<String> = rucio
        .request(Method::GET, "scopes/root/scopes")
        .send_stream()
        .try_collect()
        .await
        .unwrap();
    for listing in [&all, &owned, &streamed] {
        assert!(
            listing.contains(&"tc_rust_a".into()) && listing.contains(&"tc_rust_b".into()),
            "{listing:?}"
        );
    }

    // RSEs: `GET /rses/` is an application/x-json-stream.
    for rse in ["TC_RSE_A", "TC_RSE_B"] {
        rucio
            .request(Method::POST, format!("rses/{rse}"))
            .json(&json!({"deterministic": rse == "TC_RSE_A"}))
            .send_empty()
            .await
            .unwrap();
    }
    let rses: Vec<Rse> = rucio
        .request(Method::GET, "rses/")
        .send_stream()
        .try_collect()
        .await
        .unwrap();
    let mut names: Vec<(&str, bool)> = rses
        .iter()
        .map(|r| (r.rse.as_str(), r.deterministic))
        .collect();
    names.sort();
    assert_eq!(names, [("TC_RSE_A", true), ("TC_RSE_B", false)]);
    assert!(rses.iter().all(|r| r.rse_type == "DISK"), "{rses:?}");
    // With an expression Rucio answers only names (and ids).
    let only_a: Vec<Value> = rucio
        .request(Method::GET, "rses/")
        .query("expression", Some("TC_RSE_A"))
        .send_stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(only_a.len(), 1, "{only_a:?}");
    assert_eq!(only_a[0]["rse"], "TC_RSE_A");
    // The spec calls this answer a JSON array: `send::<Vec<_>>` reads the stream as one.
    let whole: Vec<Rse> = rucio.request(Method::GET, "rses/").send().await.unwrap();
    assert_eq!(whole.len(), 2);
    // Items that are not what the caller expects are errors with the item and field.
    #[derive(Debug, Deserialize)]
    struct Wrong {
        #[serde(rename = "rse")]
        _rse: u32,
    }
    let wrong: Vec<_> = rucio
        .request(Method::GET, "rses/")
        .send_stream::<Wrong>()
        .collect()
        .await;
    assert_eq!(wrong.len(), 2);
    let err = wrong[1].as_ref().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Schema);
    assert_eq!(err.schema_path(), Some("[1].rse"));

    // Rucio's errors, typed, with the call and never the token.
    let token = rucio.token().await.unwrap();
    let missing = rucio
        .request(Method::GET, "rses/TC_NOPE")
        .send::<Value>()
        .await
        .unwrap_err();
    assert!(missing.is_not_found());
    assert_eq!(missing.status(), Some(404));
    assert_eq!(missing.code(), Some("RSENotFound"));
    assert_eq!(
        missing.message(),
        "RSE 'TC_NOPE' cannot be found in vo 'def'"
    );
    assert_eq!(
        missing.url(),
        Some(format!("{}/rses/TC_NOPE", server.host).as_str())
    );
    let missing_stream: Vec<_> = rucio
        .request(Method::GET, "rses/TC_NOPE/attr/")
        .send_stream::<Value>()
        .collect()
        .await;
    assert_eq!(missing_stream.len(), 1);
    assert_eq!(
        missing_stream[0].as_ref().unwrap_err().code(),
        Some("RSENotFound")
    );
    for shown in [
        format!("{missing} {missing:?}"),
        format!("{rucio:?} {config:?} {token:?}"),
        format!(
            "{:?}",
            rucio.request(Method::GET, "x").header("X-Secret", "s3cr3t")
        ),
    ] {
        assert!(!shown.contains(token.secret()), "{shown}");
        assert!(!shown.contains(&server.password), "{shown}");
        assert!(!shown.contains("s3cr3t"), "{shown}");
    }

    // One login served all of it.
    assert_eq!(rucio.logins(), 1);
    assert_eq!(logins_in(&access_log(&server).await), 1);
}

#[tokio::test]
#[ignore = "slow: starts a Rucio server (about 12 s alone); CI runs it with --include-ignored"]
async fn refused_tokens_passwords_and_other_logins() {
    let server = start(RucioServer::start());

    // A wrong password: the login's own 401, typed, without the password anywhere.
    let wrong = client(
        &RucioConfig::new(&server.host)
            .with_account(&server.account)
            .with_auth(Auth::userpass(&server.username, "not-the-password")),
    );
    let err = wrong
        .request(Method::GET, "accounts/whoami")
        .send::<Value>()
        .await
        .unwrap_err();
    assert!(err.is_authentication_failed(), "{err}");
    assert_eq!(err.status(), Some(401));
    assert_eq!(err.code(), Some("CannotAuthenticate"));
    assert_eq!(
        err.message(),
        "Cannot authenticate to account root with given credentials"
    );
    assert_eq!(
        err.url(),
        Some(format!("{}/auth/userpass", server.host).as_str())
    );
    assert!(!format!("{err} {err:?} {wrong:?}").contains("not-the-password"));
    assert_eq!(wrong.logins(), 0);

    // A forged token: refused once, one login, then the call succeeds.
    let before = access_log(&server).await.len();
    let forged = client(&config(&server).with_token(AuthToken::new("root-tc-test-forged")));
    let me: Account = forged
        .request(Method::GET, "accounts/whoami")
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", server.log()));
    assert_eq!(me.account, "root");
    assert_eq!(forged.logins(), 1);
    let seen: Vec<_> = access_log(&server).await[before..]
        .iter()
        .map(|(m, p, s)| format!("{m} {p} {s}"))
        .collect();
    assert_eq!(
        seen,
        [
            "GET /accounts/whoami 401",
            "GET /auth/userpass 200",
            "GET /accounts/whoami 303",
            "GET /accounts/root 200"
        ]
    );

    // A forged token and no way to log in: the refusal is the error.
    let stuck = client(
        &RucioConfig::new(&server.host)
            .with_account("root")
            .with_token(AuthToken::new("root-tc-test-forged")),
    );
    let err = stuck
        .request(Method::GET, "accounts/whoami")
        .send::<Value>()
        .await
        .unwrap_err();
    assert_eq!(
        (err.status(), err.code()),
        (Some(401), Some("CannotAuthenticate"))
    );
    assert_eq!(stuck.logins(), 0);
    // A forged token and a wrong password: the login's refusal is the error.
    let err = client(
        &RucioConfig::new(&server.host)
            .with_account("root")
            .with_auth(Auth::userpass(&server.username, "not-the-password"))
            .with_token(AuthToken::new("root-tc-test-forged")),
    )
    .request(Method::GET, "accounts/whoami")
    .send::<Value>()
    .await
    .unwrap_err();
    assert!(err.url().unwrap().ends_with("/auth/userpass"), "{err}");

    // Eight clones calling at once before any token exists: one login.
    let before = logins_in(&access_log(&server).await);
    let shared = client(&config(&server));
    let calls = (0..8).map(|_| {
        let rucio = shared.clone();
        tokio::spawn(async move {
            rucio
                .request(Method::GET, "accounts/root")
                .send::<Account>()
                .await
        })
    });
    for call in futures_util::future::join_all(calls).await {
        assert_eq!(call.unwrap().unwrap().account, "root");
    }
    assert_eq!(shared.logins(), 1);
    assert_eq!(logins_in(&access_log(&server).await), before + 1);

    // x509 over plain HTTP: the identity is loaded and the login goes to /auth/x509, but no
    // certificate reaches the server without TLS, so Rucio refuses it.
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/rucio_x509");
    let x509 = client(
        &RucioConfig::new(&server.host)
            .with_account("root")
            .with_auth(Auth::x509(
                fixtures.join("client.pem"),
                Some(fixtures.join("client.key")),
            )),
    );
    let err = x509.token().await.unwrap_err();
    assert!(err.is_authentication_failed(), "{err}");
    assert_eq!(err.code(), Some("CannotAuthenticate"));
    assert_eq!(err.message(), "Cannot get DN");
    assert_eq!(
        err.url(),
        Some(format!("{}/auth/x509", server.host).as_str())
    );

    // Methods that are only typed say so, and send nothing.
    let before = access_log(&server).await.len();
    for auth in [Auth::Gss, Auth::Oidc] {
        let name = auth.name();
        let err = client(
            &RucioConfig::new(&server.host)
                .with_account("root")
                .with_auth(auth),
        )
        .request(Method::GET, "accounts/whoami")
        .send::<Value>()
        .await
        .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Unsupported);
        assert!(err.message().contains(&format!("`{name}`")), "{err}");
    }
    assert_eq!(access_log(&server).await.len(), before);

    // A separate auth host: logins go there, calls to the host with the token it issued.
    let host = Server::start(|seen| match seen.path() {
        "/accounts/whoami" => Reply::Json(200, json!({"account": "root", "status": "ACTIVE"})),
        _ => Reply::Json(404, json!({})),
    })
    .await;
    let split = client(
        &RucioConfig::new(host.root_url())
            .with_auth_host(&server.host)
            .with_account("root")
            .with_auth(Auth::userpass(&server.username, &server.password)),
    );
    let me: Account = split
        .request(Method::GET, "accounts/whoami")
        .send()
        .await
        .unwrap();
    assert_eq!(me.account, "root");
    let requests = host.requests();
    assert_eq!(requests.len(), 1, "{requests:?}");
    assert_eq!(requests[0].header("X-Rucio-Account"), Some("root"));
    let issued = requests[0].header("X-Rucio-Auth-Token").expect("a token");
    let check = client(&RucioConfig::new(&server.host).with_token(AuthToken::new(issued)));
    let me: Account = check
        .request(Method::GET, "accounts/whoami")
        .send()
        .await
        .unwrap();
    assert_eq!(me.account, "root");
}

#[tokio::test]
#[ignore = "slow: starts a Rucio server, waits for tokens to expire (about 15 s); CI runs it with --include-ignored"]
async fn expiring_tokens_are_renewed_unnoticed() {
    let lifetime = Duration::from_secs(2);
    let server = start(RucioServer::start_with_token_lifetime(lifetime));
    let rucio = client(&config(&server));
    let me: Account = rucio
        .request(Method::GET, "accounts/root")
        .send()
        .await
        .unwrap();
    assert_eq!(me.account, "root");
    let first = rucio.token().await.unwrap();
    assert_eq!(rucio.logins(), 1);

    // Past the token's expiry: renewed before it is sent, so the server never refuses one.
    tokio::time::sleep(lifetime + Duration::from_secs(1)).await;
    let me: Account = rucio
        .request(Method::GET, "accounts/whoami")
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", server.log()));
    assert_eq!(me.account, "root");
    assert_eq!(rucio.logins(), 2);
    let second = rucio.token().await.unwrap();
    assert_ne!(first, second);
    tokio::time::sleep(lifetime + Duration::from_secs(1)).await;
    let scopes: Vec<String> = rucio
        .request(Method::GET, "scopes/")
        .send_stream()
        .try_collect()
        .await
        .unwrap();
    assert!(scopes.is_empty(), "{scopes:?}");
    assert_eq!(rucio.logins(), 3);
    let log = access_log(&server).await;
    assert!(log.iter().all(|(_, _, s)| *s != 401), "{log:?}");

    // A client that cannot know the expiry (its token came from elsewhere) finds out from the
    // server's refusal, logs in and goes on.
    let given = client(&config(&server).with_token(first));
    let me: Account = given
        .request(Method::GET, "accounts/root")
        .send()
        .await
        .unwrap();
    assert_eq!(me.account, "root");
    assert_eq!(given.logins(), 1);
    let log = access_log(&server).await;
    assert_eq!(
        log.iter().filter(|(_, _, s)| *s == 401).count(),
        1,
        "{log:?}"
    );
}

#[tokio::test]
#[ignore = "slow: starts a Rucio server, runs its Python client (about 12 s); CI runs it with --include-ignored"]
async fn rucio_python_client_agrees() {
    let server = start(RucioServer::start());
    // The server's own rucio.cfg ([client] section) configures us as it does Rucio's client.
    let config = RucioConfig::from_file(server.config_path()).unwrap();
    assert_eq!(config.host(), server.host);
    assert_eq!(config.auth().map(Auth::name), Some("userpass"));
    let rucio = client(&config);

    rucio
        .request(Method::POST, "accounts/root/scopes/tc_from_rust")
        .send_empty()
        .await
        .unwrap();
    let python = |script: &str| {
        server
            .python(script)
            .unwrap_or_else(|e| panic!("{e}\n--- server log ---\n{}", server.log()))
    };
    let out = python(
        "import json\n\
         from rucio.client import Client\n\
         client = Client()\n\
         scopes = sorted(client.list_scopes())\n\
         client.add_scope('root', 'tc_from_python')\n\
         client.add_rse('TC_FROM_PYTHON')\n\
         print(json.dumps({'whoami': client.whoami()['account'], 'scopes': scopes}))\n",
    );
    let out: Value = serde_json::from_str(out.trim()).expect("JSON from the snippet");
    assert_eq!(out["whoami"], "root");
    assert_eq!(out["scopes"], json!(["tc_from_rust"]));

    let mut scopes: Vec<String> = rucio.request(Method::GET, "scopes/").send().await.unwrap();
    scopes.sort();
    assert_eq!(scopes, ["tc_from_python", "tc_from_rust"]);
    let rses: Vec<Rse> = rucio
        .request(Method::GET, "rses/")
        .send_stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(
        rses.iter().map(|r| r.rse.as_str()).collect::<Vec<_>>(),
        ["TC_FROM_PYTHON"]
    );
}

// Loopback servers, for what a Rucio server cannot be made to do.

fn quick_retries() -> RetryConfig {
    RetryConfig {
        retries: 2,
        delay_factor: Duration::from_millis(1),
        randomization_factor: 0.0,
        max_delay: Duration::from_millis(5),
    }
}

fn refused(class: &str) -> Reply {
    let body = json!({"ExceptionClass": class, "ExceptionMessage": "no"});
    Reply::Raw(
        401,
        vec![
            ("ExceptionClass".into(), class.into()),
            ("content-type".into(), "application/octet-stream".into()),
        ],
        body.to_string().into_bytes(),
    )
}

fn loopback_config(server: &Server) -> RucioConfig {
    RucioConfig::new(server.root_url())
        .with_account("root")
        .with_auth(Auth::userpass("tc-test", "pw"))
        .with_retry_config(quick_retries())
}

fn login_answer(token: &str) -> Reply {
    Reply::Raw(
        200,
        vec![
            ("X-Rucio-Auth-Token".into(), token.into()),
            (
                "X-Rucio-Auth-Token-Expires".into(),
                "Fri, 01 Jan 2100 00:00:00 UTC".into(),
            ),
        ],
        Vec::new(),
    )
}

#[tokio::test]
async fn server_errors_are_retried_for_idempotent_calls_only() {
    let failures = Arc::new(AtomicUsize::new(0));
    let counter = failures.clone();
    let server = Server::start(move |seen| match seen.path() {
        "/auth/userpass" => login_answer("root-t1"),
        "/flaky" if counter.fetch_add(1, Ordering::SeqCst) < 2 => Reply::Raw(
            503,
            vec![
                ("ExceptionClass".into(), "DatabaseException".into()),
                ("ExceptionMessage".into(), "try later".into()),
            ],
            b"busy".to_vec(),
        ),
        "/flaky" => Reply::Json(200, json!({"ok": true})),
        "/broken" => Reply::Raw(
            500,
            vec![
                ("ExceptionClass".into(), "DatabaseException".into()),
                ("ExceptionMessage".into(), "down".into()),
            ],
            b"down".to_vec(),
        ),
        _ => Reply::Json(
            404,
            json!({"ExceptionClass": "NotFound", "ExceptionMessage": "?"}),
        ),
    })
    .await;
    let rucio = client(&loopback_config(&server));
    let ok: Value = rucio.request(Method::GET, "flaky").send().await.unwrap();
    assert_eq!(ok["ok"], true);
    let flaky: Vec<_> = server
        .requests()
        .into_iter()
        .filter(|r| r.path() == "/flaky")
        .collect();
    assert_eq!(flaky.len(), 3);
    assert!(
        flaky
            .iter()
            .all(|r| r.header("X-Rucio-Auth-Token") == Some("root-t1"))
    );

    let err = rucio
        .request(Method::GET, "broken")
        .send_empty()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ServerError);
    assert_eq!(err.attempts(), 3);
    assert_eq!(
        (err.code(), err.message()),
        (Some("DatabaseException"), "down")
    );
    let err = rucio
        .request(Method::POST, "broken")
        .json(&json!({}))
        .send_empty()
        .await
        .unwrap_err();
    assert_eq!(err.attempts(), 1);
    let err = rucio
        .request(Method::GET, "nowhere")
        .send_empty()
        .await
        .unwrap_err();
    assert!(err.is_not_found());
    assert_eq!(err.attempts(), 1);
}

#[tokio::test]
async fn a_second_refusal_is_the_error_and_other_401s_are_not_retried() {
    let server = Server::start(|seen| match seen.path() {
        "/auth/userpass" => login_answer("root-fresh"),
        "/always-refused" => refused("CannotAuthenticate"),
        _ => refused("AccessDenied"),
    })
    .await;
    let rucio = client(&loopback_config(&server).with_token(AuthToken::new("root-stale")));
    let err = rucio
        .request(Method::GET, "always-refused")
        .send_empty()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("CannotAuthenticate"));
    assert_eq!(err.attempts(), 2);
    let seen: Vec<_> = server
        .requests()
        .iter()
        .map(|r| {
            format!(
                "{} {}",
                r.path(),
                r.header("X-Rucio-Auth-Token").unwrap_or("-")
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            "/always-refused root-stale",
            "/auth/userpass -",
            "/always-refused root-fresh"
        ]
    );
    assert_eq!(server.requests()[1].header("X-Rucio-Password"), Some("pw"));

    // A 401 that is not about the token: no login, no retry.
    let err = rucio
        .request(Method::GET, "other")
        .send_empty()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("AccessDenied"));
    assert_eq!(server.requests().len(), 4);
    assert_eq!(rucio.logins(), 1);
}

#[tokio::test]
async fn redirects_elsewhere_do_not_carry_the_token() {
    let storage = Server::start(|_| Reply::Raw(200, vec![], b"file contents".to_vec())).await;
    let target = format!("{}/data/file", storage.root_url());
    let rucio_host = Server::start(move |seen| match seen.path() {
        "/auth/userpass" => login_answer("root-t1"),
        _ => Reply::Raw(303, vec![("Location".into(), target.clone())], Vec::new()),
    })
    .await;
    let rucio = client(&loopback_config(&rucio_host));
    let text = rucio
        .request(Method::GET, "redirect/user.jdoe/file")
        .send_text()
        .await
        .unwrap();
    assert_eq!(text, "file contents");
    let asked = rucio_host.requests();
    assert_eq!(
        asked.last().unwrap().header("X-Rucio-Auth-Token"),
        Some("root-t1")
    );
    let fetched = storage.requests();
    assert_eq!(fetched.len(), 1);
    assert_eq!(fetched[0].path(), "/data/file");
    assert_eq!(fetched[0].header("X-Rucio-Auth-Token"), None);
    assert_eq!(fetched[0].header("X-Rucio-Account"), None);
    assert_eq!(
        asked.last().unwrap().header("X-Rucio-Account"),
        Some("root")
    );

    // A login redirected elsewhere does not take the password along.
    let elsewhere = format!("{}/auth/userpass", storage.root_url());
    let auth_host = Server::start(move |_| {
        Reply::Raw(
            307,
            vec![("Location".into(), elsewhere.clone())],
            Vec::new(),
        )
    })
    .await;
    let err = client(&loopback_config(&rucio_host).with_auth_host(auth_host.root_url()))
        .token()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ServerError, "{err}");
    assert_eq!(
        auth_host.requests()[0].header("X-Rucio-Password"),
        Some("pw")
    );
    let fetched = storage.requests();
    assert_eq!(fetched.len(), 2);
    assert_eq!(fetched[1].path(), "/auth/userpass");
    assert_eq!(fetched[1].header("X-Rucio-Password"), None);
    assert_eq!(fetched[1].header("X-Rucio-Username"), None);
}

/// A one-connection HTTP/1.1 server that answers with a chunked `application/x-json-stream`:
/// the first line, then (only once `more` is notified) the second and the end.
async fn slow_stream_server(more: Arc<tokio::sync::Notify>) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let (mut conn, _) = listener.accept().await.unwrap();
        let mut head = Vec::new();
        while !head.ends_with(b"\r\n\r\n") {
            let mut byte = [0u8; 1];
            if conn.read(&mut byte).await.unwrap() == 0 {
                return;
            }
            head.push(byte[0]);
        }
        let chunk = |text: &str| format!("{:x}\r\n{text}\r\n", text.len());
        let start = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/x-json-stream\r\n\
             transfer-encoding: chunked\r\n\r\n{}",
            chunk(
                "{\"rse\": \"FIRST\", \"rse_type\": \"DISK\", \"deterministic\": true}\n{\"rse\""
            )
        );
        conn.write_all(start.as_bytes()).await.unwrap();
        more.notified().await;
        let rest = format!(
            "{}0\r\n\r\n",
            chunk(": \"SECOND\", \"rse_type\": \"TAPE\", \"deterministic\": false}\n")
        );
        conn.write_all(rest.as_bytes()).await.unwrap();
    });
    url
}

#[tokio::test]
async fn stream_items_arrive_before_the_answer_ends() {
    let more = Arc::new(tokio::sync::Notify::new());
    let url = slow_stream_server(more.clone()).await;
    let rucio = client(&RucioConfig::new(url).with_token(AuthToken::new("root-t1")));
    let mut rses = rucio.request(Method::GET, "rses/").send_stream::<Rse>();
    // The server sends the rest only after this item is out, so buffering the whole answer
    // would never end: the timeout turns that into a failure instead of a hang.
    let first = tokio::time::timeout(Duration::from_secs(60), rses.next())
        .await
        .expect("the first item before the answer ended")
        .unwrap()
        .unwrap();
    assert_eq!(first.rse, "FIRST");
    more.notify_one();
    let second = rses.next().await.unwrap().unwrap();
    assert_eq!(
        (second.rse.as_str(), second.rse_type.as_str()),
        ("SECOND", "TAPE")
    );
    assert!(rses.next().await.is_none());
}

/// What the TLS server saw: the path, whether the connection presented the fixture's client
/// certificate, and the token sent.
type TlsSeen = Arc<std::sync::Mutex<Vec<(String, bool, Option<String>)>>>;

/// An HTTPS server on 127.0.0.1 with the fixtures' server certificate that asks every client for
/// a certificate (but accepts connections without one) and plays Rucio's x509 login: a token for
/// `/auth/x509` only if the client certificate came in the TLS handshake.
async fn tls_auth_server() -> (String, TlsSeen) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio_rustls::rustls::pki_types::pem::PemObject;
    use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
    use tokio_rustls::rustls::{self, RootCertStore, ServerConfig};

    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/rucio_x509");
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut roots = RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_file(fixtures.join("ca.pem")).unwrap())
        .unwrap();
    let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
        Arc::new(roots),
        provider.clone(),
    )
    .allow_unauthenticated()
    .build()
    .unwrap();
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_client_cert_verifier(verifier)
        .with_single_cert(
            vec![CertificateDer::from_pem_file(fixtures.join("server.pem")).unwrap()],
            PrivateKeyDer::from_pem_file(fixtures.join("server.key")).unwrap(),
        )
        .unwrap();
    let client_cert = CertificateDer::from_pem_file(fixtures.join("client.pem")).unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "https://127.0.0.1:{}",
        listener.local_addr().unwrap().port()
    );
    let seen = TlsSeen::default();
    let record = seen.clone();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let (acceptor, record, client_cert) =
                (acceptor.clone(), record.clone(), client_cert.clone());
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let presented = tls
                    .get_ref()
                    .1
                    .peer_certificates()
                    .is_some_and(|certs| certs.first() == Some(&client_cert));
                let mut buf = Vec::new();
                loop {
                    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                        let mut chunk = [0u8; 4096];
                        match tls.read(&mut chunk).await {
                            Ok(n) if n > 0 => buf.extend_from_slice(&chunk[..n]),
                            _ => return,
                        }
                    }
                    let end = buf.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
                    let head = String::from_utf8_lossy(&buf[..end]).into_owned();
                    buf.drain(..end);
                    let path = head.split(' ').nth(1).unwrap_or("").to_owned();
                    let token = head.lines().find_map(|l| {
                        let (k, v) = l.split_once(':')?;
                        k.eq_ignore_ascii_case("x-rucio-auth-token")
                            .then(|| v.trim().to_owned())
                    });
                    record
                        .lock()
                        .unwrap()
                        .push((path.clone(), presented, token.clone()));
                    let answer = match (path.as_str(), presented, token.as_deref()) {
                        ("/auth/x509", true, _) => "HTTP/1.1 200 OK\r\n\
                            X-Rucio-Auth-Token: root-x509-token\r\n\
                            X-Rucio-Auth-Token-Expires: Fri, 01 Jan 2100 00:00:00 UTC\r\n\
                            content-length: 0\r\n\r\n"
                            .to_owned(),
                        ("/accounts/whoami", _, Some("root-x509-token")) => {
                            let body = r#"{"account": "root", "status": "ACTIVE"}"#;
                            format!(
                                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\
                                 content-length: {}\r\n\r\n{body}",
                                body.len()
                            )
                        }
                        _ => {
                            let body = r#"{"ExceptionClass": "CannotAuthenticate", "ExceptionMessage": "Cannot get DN"}"#;
                            format!(
                                "HTTP/1.1 401 UNAUTHORIZED\r\nExceptionClass: CannotAuthenticate\r\n\
                                 content-length: {}\r\n\r\n{body}",
                                body.len()
                            )
                        }
                    };
                    if tls.write_all(answer.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    (url, seen)
}

#[tokio::test]
async fn x509_presents_the_certificate_to_the_login_and_every_call() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/rucio_x509");
    let (url, seen) = tls_auth_server().await;
    let (cert, key) = (fixtures.join("client.pem"), fixtures.join("client.key"));
    let config = RucioConfig::new(&url)
        .with_account("root")
        .with_ca_cert(fixtures.join("ca.pem"))
        .with_retry_config(quick_retries())
        .with_auth(Auth::x509(&cert, Some(key.clone())));
    let me: Account = client(&config)
        .request(Method::GET, "accounts/whoami")
        .send()
        .await
        .unwrap();
    assert_eq!(me.account, "root");
    let token = Some("root-x509-token".to_owned());
    assert_eq!(
        *seen.lock().unwrap(),
        [
            ("/auth/x509".to_owned(), true, None),
            // Views such as `PUT /identities/{account}/x509` read the DN beside the token.
            ("/accounts/whoami".to_owned(), true, token.clone())
        ]
    );

    // A grid proxy: certificate and key in one file, `/auth/x509_proxy`, the same handshake.
    let dir = tempfile::tempdir().unwrap();
    let proxy = dir.path().join("x509up_u1000");
    let mut both = std::fs::read(&cert).unwrap();
    both.extend(std::fs::read(&key).unwrap());
    std::fs::write(&proxy, both).unwrap();
    seen.lock().unwrap().clear();
    let err = client(&config.clone().with_auth(Auth::X509Proxy { proxy }))
        .token()
        .await
        .unwrap_err();
    // This server plays only /auth/x509; what matters is what reached it.
    assert_eq!(err.code(), Some("CannotAuthenticate"));
    assert_eq!(
        *seen.lock().unwrap(),
        [("/auth/x509_proxy".to_owned(), true, None)]
    );

    // Without the CA the server's certificate is not trusted: nothing is sent.
    seen.lock().unwrap().clear();
    let untrusting = RucioConfig::new(&url)
        .with_account("root")
        .with_retry_config(quick_retries())
        .with_auth(Auth::x509(&cert, Some(key)));
    let err = client(&untrusting).token().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Transport, "{err}");
    assert!(seen.lock().unwrap().is_empty());
}

#[test]
fn x509_fixtures_are_what_the_tests_assume() {
    let fixtures: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/rucio_x509");
    let config = RucioConfig::new("https://127.0.0.1:1")
        .with_account("root")
        .with_ca_cert(fixtures.join("ca.pem"))
        .with_auth(Auth::x509(
            fixtures.join("client.pem"),
            Some(fixtures.join("client.key")),
        ));
    // The CA file and the identity load; a directory of CA files does too.
    RucioClient::new(&config).unwrap();
    RucioClient::new(&config.clone().with_ca_cert(&fixtures)).unwrap();
    let err = RucioClient::new(&config.with_ca_cert(fixtures.join("client.key"))).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    assert!(err.message().contains("client.key"), "{err}");
}

#[tokio::test]
async fn logins_renewals_refusals_and_retries_are_traced_without_secrets() {
    let recorder = tc_testkit::traces::Recorder::new();
    let _guard = recorder.install();
    const PASSWORD: &str = "rucio-password-do-not-print";
    let tokens = [
        "root-tok-first-x1",
        "root-tok-renewed-x2",
        "root-tok-again-x3",
    ];
    let logins = Arc::new(AtomicUsize::new(0));
    let flaky = Arc::new(AtomicUsize::new(0));
    let (l, f) = (logins.clone(), flaky.clone());
    let server = Server::start(move |seen| match seen.path() {
        "/auth/userpass" => {
            let n = l.fetch_add(1, Ordering::SeqCst);
            // The first token expires as it is issued (its Date is its expiry): the next
            // call renews it.
            let date = if n == 0 {
                "Fri, 01 Jan 2100 00:00:00 UTC"
            } else {
                "Fri, 01 Jan 2099 00:00:00 UTC"
            };
            let Reply::Raw(status, mut headers, body) = login_answer(tokens[n.min(2)]) else {
                unreachable!()
            };
            headers.push(("Date".into(), date.into()));
            Reply::Raw(status, headers, body)
        }
        "/refused-once" if seen.header("X-Rucio-Auth-Token") == Some(tokens[1]) => {
            refused("CannotAuthenticate")
        }
        "/flaky" if f.fetch_add(1, Ordering::SeqCst) == 0 => Reply::Raw(
            503,
            vec![("ExceptionClass".into(), "DatabaseException".into())],
            b"busy".to_vec(),
        ),
        _ => Reply::Json(200, json!({"ok": true})),
    })
    .await;
    let config = RucioConfig::new(server.root_url())
        .with_account("root")
        .with_auth(Auth::userpass("tc-test", PASSWORD))
        .with_retry_config(quick_retries());
    let rucio = client(&config);
    for path in ["accounts/whoami", "flaky", "refused-once"] {
        let ok: Value = rucio
            .request(Method::GET, path)
            .name("traced")
            .send()
            .await
            .unwrap();
        assert_eq!(ok["ok"], true);
    }
    assert_eq!(rucio.logins(), 3);

    let logins = recorder.events("logged in to Rucio");
    assert_eq!(logins.len(), 2, "{logins:#?}");
    assert_eq!(logins[0].field("rucio.login.reason"), Some("first"));
    assert_eq!(logins[1].field("rucio.login.reason"), Some("refused"));
    let renewals = recorder.events("renewed the Rucio token");
    assert_eq!(renewals.len(), 1, "{renewals:#?}");
    let renewal = &renewals[0];
    assert_eq!(renewal.field("rucio.login.reason"), Some("expiring"));
    assert_eq!(renewal.field("rucio.auth.method"), Some("userpass"));
    assert_eq!(renewal.field("rucio.account"), Some("root"));
    assert_eq!(
        renewal.field("rucio.token.expires"),
        Some("2100-01-01T00:00:00+00:00")
    );
    assert!(renewal.within("rucio.call"));
    assert_eq!(recorder.events("Rucio refused the token").len(), 1);

    let calls = recorder.spans("rucio.call");
    // Each call, and each login inside one.
    let paths: Vec<_> = calls
        .iter()
        .map(|c| {
            c.field("url.full")
                .unwrap()
                .rsplit('/')
                .next()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(
        paths,
        [
            "whoami",
            "userpass",
            "flaky",
            "userpass",
            "refused-once",
            "userpass"
        ]
    );
    let flaky = &calls[2];
    assert_eq!(flaky.field("tc.method"), Some("traced"));
    assert_eq!(flaky.field("tc.service"), Some("rucio"));
    assert_eq!(flaky.field("tc.attempts"), Some("2"));
    assert_eq!(flaky.field("http.request.resend_count"), Some("1"));
    assert_eq!(flaky.field("http.response.status_code"), Some("200"));
    assert_eq!(calls[1].field("tc.method"), Some("userpass"));
    // The refused call: the first attempt, the login, the second.
    assert_eq!(calls[4].field("tc.attempts"), Some("2"));
    let retries = recorder.events("retrying");
    assert_eq!(retries.len(), 1, "{retries:#?}");
    assert_eq!(retries[0].field("error.type"), Some("503"));
    assert!(retries[0].field("tc.retry.pause_ms").is_some());

    let mut secrets = vec![PASSWORD];
    secrets.extend(tokens);
    recorder.assert_no_secret(&secrets);
}

#[tokio::test]
#[ignore = "slow: starts a Rucio server, waits for a token to expire (about 10 s); CI runs it with --include-ignored"]
async fn a_real_servers_renewal_is_traced_without_secrets() {
    let recorder = tc_testkit::traces::Recorder::new();
    let _guard = recorder.install();
    let lifetime = Duration::from_secs(2);
    let server = start(RucioServer::start_with_token_lifetime(lifetime));
    let rucio = client(&config(&server));
    let me: Account = rucio
        .request(Method::GET, "accounts/whoami")
        .send()
        .await
        .unwrap();
    assert_eq!(me.account, "root");
    let first = rucio.token().await.unwrap();
    tokio::time::sleep(lifetime + Duration::from_secs(1)).await;
    let me: Account = rucio
        .request(Method::GET, "accounts/whoami")
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", server.log()));
    assert_eq!(me.account, "root");
    let second = rucio.token().await.unwrap();
    assert_ne!(first, second);

    assert_eq!(recorder.events("logged in to Rucio").len(), 1);
    let renewals = recorder.events("renewed the Rucio token");
    assert_eq!(renewals.len(), 1, "{:#?}", recorder.all());
    assert!(renewals[0].field("rucio.token.expires").is_some());
    let calls = recorder.spans("rucio.call");
    // whoami (a login inside), whoami (a renewal inside).
    assert_eq!(calls.len(), 4, "{calls:#?}");
    assert!(
        calls
            .iter()
            .all(|c| c.field("http.response.status_code").is_some())
    );
    let host = server.host.trim_start_matches("http://");
    assert!(calls[0].field("url.full").unwrap().contains(host));
    recorder.assert_no_secret(&[&server.password, first.secret(), second.secret()]);
}
