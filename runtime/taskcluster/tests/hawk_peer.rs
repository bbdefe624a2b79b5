//! Requests signed by tc-runtime, validated by npm's `hawk` with Taskcluster's `ext` rules
//! (`tests/peers/hawk_server.js`), through the `testAuthenticate` / `testAuthenticateGet` calls.
//!
//! Needs the peers: `bash runtime/taskcluster/tests/peers/install.sh`.

use std::time::{Duration, SystemTime};

use serde::Deserialize;
use serde_json::json;
use tc_runtime::{Client, ClientConfig, Credentials, ErrorKind, Method, Result};

#[derive(Debug, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
struct TestAuthenticateResponse {
    client_id: String,
    scopes: Vec<String>,
}

fn auth_client(port: u16, credentials: Credentials) -> Client {
    let config = ClientConfig::new(format!("http://127.0.0.1:{port}"))
        .with_credentials(credentials)
        .with_retries(0);
    Client::new(&config, "auth", "v1")
}

fn tester() -> Credentials {
    Credentials::new("tester", "no-secret")
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

async fn test_authenticate(
    client: &Client,
    client_scopes: &[&str],
    required_scopes: &[&str],
    query: bool,
) -> Result<TestAuthenticateResponse> {
    let mut req = client.request(Method::POST, "test-authenticate");
    if query {
        req = req
            .query("limit", Some(20))
            .query("continuationToken", Some("a b/c+d=é"))
            .query("prefix", Some("x&y"));
    }
    req.json(&json!({"clientScopes": client_scopes, "requiredScopes": required_scopes}))
        .send()
        .await
}

async fn test_authenticate_get(client: &Client, query: bool) -> Result<TestAuthenticateResponse> {
    let mut req = client.request(Method::GET, "test-authenticate-get/");
    if query {
        req = req
            .query("limit", Some(1000))
            .query("continuationToken", Some("~tok en%2F"));
    }
    req.send().await
}

fn hours(h: u64) -> Duration {
    Duration::from_secs(h * 3600)
}

fn temporary(name: Option<&str>, scopes: &[&str]) -> Credentials {
    let now = SystemTime::now();
    tester()
        .create_temporary(name, &strings(scopes), now - hours(1), now + hours(1))
        .expect("create temporary credentials")
}

#[tokio::test]
async fn permanent_credentials_with_and_without_query() {
    let server = tc_testkit::peers::start_hawk_server();
    let client = auth_client(server.port, tester());
    for query in [false, true] {
        let r = test_authenticate(
            &client,
            &["test:a", "test:b*"],
            &["test:a", "test:bc"],
            query,
        )
        .await
        .unwrap();
        assert_eq!(r.client_id, "tester");
        assert_eq!(
            r.scopes,
            strings(&["test:a", "test:b*", "assume:anonymous"])
        );
        let r = test_authenticate_get(&client, query).await.unwrap();
        assert_eq!(r.client_id, "tester");
        assert_eq!(
            r.scopes,
            strings(&["test:*", "auth:create-client:test:*", "assume:anonymous"])
        );
    }
}

#[tokio::test]
async fn temporary_credentials_unnamed_and_named() {
    let server = tc_testkit::peers::start_hawk_server();
    for query in [false, true] {
        let unnamed = auth_client(server.port, temporary(None, &["test:temp"]));
        let r = test_authenticate(&unnamed, &["test:*"], &["test:temp"], query)
            .await
            .unwrap();
        assert_eq!(r.client_id, "tester");
        assert_eq!(r.scopes, strings(&["test:temp", "assume:anonymous"]));
        let r = test_authenticate_get(
            &auth_client(server.port, temporary(None, &["test:authenticate-get"])),
            query,
        )
        .await
        .unwrap();
        assert_eq!(
            r.scopes,
            strings(&["test:authenticate-get", "assume:anonymous"])
        );

        let named = auth_client(server.port, temporary(Some("test:my-name"), &["test:x"]));
        let r = test_authenticate(
            &named,
            &["test:*", "auth:create-client:test:*"],
            &["test:x"],
            query,
        )
        .await
        .unwrap();
        assert_eq!(r.client_id, "test:my-name");
        assert_eq!(r.scopes, strings(&["test:x", "assume:anonymous"]));
        let named_get = auth_client(
            server.port,
            temporary(Some("test:getter"), &["test:authenticate-get"]),
        );
        let r = test_authenticate_get(&named_get, query).await.unwrap();
        assert_eq!(r.client_id, "test:getter");
    }
}

#[tokio::test]
async fn authorized_scopes_restrict() {
    let server = tc_testkit::peers::start_hawk_server();
    for query in [false, true] {
        let restricted = auth_client(server.port, tester().with_authorized_scopes(["test:a"]));
        let r = test_authenticate(&restricted, &["test:*"], &["test:a"], query)
            .await
            .unwrap();
        assert_eq!(r.scopes, strings(&["test:a", "assume:anonymous"]));
        let e = test_authenticate(&restricted, &["test:*"], &["test:b"], query)
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Forbidden, "{e}");
        assert_eq!(e.status(), Some(403));
        assert_eq!(e.code(), Some("InsufficientScopes"));

        // Some(vec![]) means no scopes at all (but still assume:anonymous).
        let none = auth_client(
            server.port,
            tester().with_authorized_scopes(Vec::<String>::new()),
        );
        let r = test_authenticate(&none, &["test:*"], &[], query)
            .await
            .unwrap();
        assert_eq!(r.scopes, strings(&["assume:anonymous"]));
        let e = test_authenticate(&none, &["test:*"], &["test:a"], query)
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Forbidden);

        // Temporary credentials further restricted by authorizedScopes.
        let both = auth_client(
            server.port,
            temporary(None, &["test:a", "test:b"]).with_authorized_scopes(["test:b"]),
        );
        let r = test_authenticate(&both, &["test:*"], &["test:b"], query)
            .await
            .unwrap();
        assert_eq!(r.scopes, strings(&["test:b", "assume:anonymous"]));

        let get = auth_client(
            server.port,
            tester().with_authorized_scopes(["test:authenticate-get"]),
        );
        let r = test_authenticate_get(&get, query).await.unwrap();
        assert_eq!(
            r.scopes,
            strings(&["test:authenticate-get", "assume:anonymous"])
        );
    }
}

#[tokio::test]
async fn refusals() {
    let server = tc_testkit::peers::start_hawk_server();
    let wrong_key = auth_client(server.port, Credentials::new("tester", "wrong-secret"));
    let e = test_authenticate(&wrong_key, &["test:*"], &[], true)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::AuthenticationFailed, "{e}");
    assert_eq!(e.status(), Some(401));
    assert_eq!(e.code(), Some("AuthenticationFailed"));
    assert!(e.message().contains("Bad mac"), "{e}");
    assert!(e.request_id().is_some_and(|id| !id.is_empty()));
    assert!(e.trace_id().is_some_and(|id| id.starts_with("trace-")));
    assert!(e.details().is_some());
    assert_eq!(e.method(), Some(&Method::POST));
    assert!(
        e.url()
            .unwrap()
            .contains("/api/auth/v1/test-authenticate?limit=20")
    );
    assert_eq!(e.attempts(), 1);
    assert!(!format!("{e} {e:?}").contains("wrong-secret"));

    let unknown = auth_client(server.port, Credentials::new("nobody", "no-secret"));
    let e = test_authenticate_get(&unknown, false).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::AuthenticationFailed, "{e}");

    // Expired: valid from two days ago until one day ago.
    let now = SystemTime::now();
    let expired = tester()
        .create_temporary(
            None,
            &strings(&["test:a"]),
            now - hours(48),
            now - hours(24),
        )
        .unwrap();
    let e = test_authenticate(&auth_client(server.port, expired), &["test:*"], &[], false)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::AuthenticationFailed, "{e}");
    assert!(e.message().contains("expiry < now"), "{e}");

    // Certificate scopes the issuer does not have.
    let greedy = auth_client(server.port, temporary(None, &["other:scope"]));
    let e = test_authenticate(&greedy, &["test:*"], &[], false)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::AuthenticationFailed, "{e}");

    // Named temporary credentials without auth:create-client:<name>.
    let named = auth_client(server.port, temporary(Some("test:n"), &["test:a"]));
    let e = test_authenticate(&named, &["test:*"], &[], false)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::AuthenticationFailed, "{e}");
    assert!(e.message().contains("auth:create-client:test:n"), "{e}");

    // A tampered certificate (scopes changed after signing).
    let mut tampered = temporary(None, &["test:a"]);
    tampered.certificate.as_mut().unwrap().scopes = strings(&["test:b"]);
    let e = test_authenticate(&auth_client(server.port, tampered), &["test:*"], &[], false)
        .await
        .unwrap_err();
    assert!(e.message().contains("signature is not valid"), "{e}");

    // authorizedScopes the credentials do not satisfy.
    let unsatisfied = auth_client(server.port, tester().with_authorized_scopes(["nope:x"]));
    let e = test_authenticate(&unsatisfied, &["test:*"], &[], true)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::AuthenticationFailed, "{e}");
    assert!(
        e.message().contains("do not satisfy authorizedScopes"),
        "{e}"
    );

    // No credentials at all.
    let anonymous = Client::new(
        &ClientConfig::new(format!("http://127.0.0.1:{}", server.port)),
        "auth",
        "v1",
    );
    let e = test_authenticate_get(&anonymous, false).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::AuthenticationFailed);

    // An unknown endpoint is a NotFound.
    let e = wrong_key
        .request(Method::GET, "no-such-endpoint")
        .send_empty()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
}

async fn fetch_signed(url: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(url)
        .send()
        .await
        .expect("GET the signed URL")
}

#[tokio::test]
async fn signed_urls() {
    let server = tc_testkit::peers::start_hawk_server();
    let ttl = Duration::from_secs(600);
    let cases = [
        (tester(), "tester"),
        (temporary(None, &["test:authenticate-get"]), "tester"),
        (
            temporary(Some("test:signed"), &["test:authenticate-get"]),
            "test:signed",
        ),
        (
            tester().with_authorized_scopes(["test:authenticate-get"]),
            "tester",
        ),
    ];
    for (creds, client_id) in cases {
        let client = auth_client(server.port, creds);
        for query in [false, true] {
            let mut req = client.request(Method::GET, "test-authenticate-get/");
            if query {
                req = req.query("limit", Some(3)).query("prefix", Some("a b&c"));
            }
            let url = req.signed_url(ttl).unwrap();
            assert!(url.contains("bewit="));
            let resp = fetch_signed(&url).await;
            assert_eq!(resp.status(), 200, "{url}");
            let body: TestAuthenticateResponse =
                serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap();
            assert_eq!(body.client_id, client_id);
        }
    }

    // Refused: a wrong key, an expired bewit, a bewit whose query was changed, and
    // unsatisfied authorizedScopes.
    let wrong = auth_client(server.port, Credentials::new("tester", "bad"));
    let url = wrong
        .request(Method::GET, "test-authenticate-get/")
        .signed_url(ttl)
        .unwrap();
    assert_eq!(fetch_signed(&url).await.status(), 401);
    let good = auth_client(server.port, tester());
    let url = good
        .request(Method::GET, "test-authenticate-get/")
        .signed_url(Duration::ZERO)
        .unwrap();
    assert_eq!(fetch_signed(&url).await.status(), 401);
    let url = good
        .request(Method::GET, "test-authenticate-get/")
        .query("limit", Some(3))
        .signed_url(ttl)
        .unwrap();
    assert_eq!(
        fetch_signed(&url.replace("limit=3", "limit=4"))
            .await
            .status(),
        401
    );
    let restricted = auth_client(server.port, tester().with_authorized_scopes(["nope"]));
    let url = restricted
        .request(Method::GET, "test-authenticate-get/")
        .signed_url(ttl)
        .unwrap();
    assert_eq!(fetch_signed(&url).await.status(), 401);
}

/// The server really checks what the runtime claims to sign: a header signed over the path
/// only (the published Rust client's bug) or over another payload is refused.
#[tokio::test]
async fn server_refuses_path_only_signatures_and_tampered_payloads() {
    let server = tc_testkit::peers::start_hawk_server();
    let signer = tc_runtime::hawk::Signer::new("tester", "no-secret", None);
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let http = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{}", server.port);
    let path = "/api/auth/v1/test-authenticate-get/";
    let send = |resource_signed: &'static str, sent: String| {
        let header = signer.header(
            "GET",
            resource_signed,
            "127.0.0.1",
            server.port,
            now,
            "abc123",
            None,
        );
        http.get(sent).header("authorization", header).send()
    };
    let ok = send(
        "/api/auth/v1/test-authenticate-get/?limit=1",
        format!("{base}{path}?limit=1"),
    )
    .await
    .unwrap();
    assert_eq!(ok.status(), 200);
    let path_only = send(
        "/api/auth/v1/test-authenticate-get/",
        format!("{base}{path}?limit=1"),
    )
    .await
    .unwrap();
    assert_eq!(path_only.status(), 401);

    let body = br#"{"clientScopes":["test:a"],"requiredScopes":[]}"#;
    let hash = tc_runtime::hawk::payload_hash("application/json", body);
    let post = |sent: &'static [u8]| {
        let header = signer.header(
            "POST",
            "/api/auth/v1/test-authenticate",
            "127.0.0.1",
            server.port,
            now,
            "abc124",
            Some(&hash),
        );
        http.post(format!("{base}/api/auth/v1/test-authenticate"))
            .header("authorization", header)
            .header("content-type", "application/json")
            .body(sent)
            .send()
    };
    assert_eq!(post(body).await.unwrap().status(), 200);
    let tampered = br#"{"clientScopes":["test:*"],"requiredScopes":[]}"#;
    assert_eq!(post(tampered).await.unwrap().status(), 401);
}
