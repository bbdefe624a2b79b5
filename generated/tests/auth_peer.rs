//! The generated `Auth` client's `testAuthenticate` and `testAuthenticateGet` against the Hawk
//! test server (npm's `hawk` with Taskcluster's `ext` rules, `runtime/taskcluster/tests/peers`).
//!
//! Needs the peers: `bash runtime/taskcluster/tests/peers/install.sh`.

use std::time::{Duration, SystemTime};

use tc_client::ErrorKind;
use tc_client::auth::Auth;
use tc_client::auth::types::TestAuthenticateRequest;
use tc_client::{ClientConfig, Credentials};

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

fn auth(port: u16, credentials: Credentials) -> Auth {
    Auth::new(
        &ClientConfig::new(format!("http://127.0.0.1:{port}"))
            .with_credentials(credentials)
            .with_retries(0),
    )
}

fn request(client_scopes: &[&str], required_scopes: &[&str]) -> TestAuthenticateRequest {
    TestAuthenticateRequest::builder()
        .client_scopes(client_scopes.iter().copied())
        .required_scopes(required_scopes.iter().copied())
        .build()
        .unwrap()
}

#[tokio::test]
async fn generated_auth_test_authenticate() {
    let server = tc_testkit::peers::start_hawk_server();
    let tester = Credentials::new("tester", "no-secret");
    let now = SystemTime::now();
    let hour = Duration::from_secs(3600);
    let temp = |name: Option<&str>, scopes: &[&str]| {
        tester
            .create_temporary(name, &strings(scopes), now - hour, now + hour)
            .unwrap()
    };
    // (credentials, client scopes, required scopes, expected clientId, expected scopes)
    let cases = [
        (
            tester.clone(),
            vec!["test:*"],
            vec!["test:a"],
            "tester",
            vec!["test:*", "assume:anonymous"],
        ),
        (
            temp(None, &["test:a"]),
            vec!["test:*"],
            vec!["test:a"],
            "tester",
            vec!["test:a", "assume:anonymous"],
        ),
        (
            temp(Some("test:named"), &["test:a"]),
            vec!["test:*", "auth:create-client:test:*"],
            vec!["test:a"],
            "test:named",
            vec!["test:a", "assume:anonymous"],
        ),
        (
            tester.clone().with_authorized_scopes(["test:b"]),
            vec!["test:*"],
            vec!["test:b"],
            "tester",
            vec!["test:b", "assume:anonymous"],
        ),
    ];
    for (creds, client_scopes, required, client_id, scopes) in cases {
        let r = auth(server.port, creds)
            .test_authenticate(&request(&client_scopes, &required))
            .await
            .unwrap();
        assert_eq!(r.client_id, client_id);
        assert_eq!(r.scopes, strings(&scopes));
    }

    let get_cases = [
        (tester.clone(), "tester"),
        (temp(None, &["test:authenticate-get"]), "tester"),
        (
            temp(Some("test:getter"), &["test:authenticate-get"]),
            "test:getter",
        ),
        (
            tester
                .clone()
                .with_authorized_scopes(["test:authenticate-get"]),
            "tester",
        ),
    ];
    for (creds, client_id) in get_cases {
        let r = auth(server.port, creds)
            .test_authenticate_get()
            .await
            .unwrap();
        assert_eq!(r.client_id, client_id);
    }

    // Signed URLs from the generated `*_signed_url`, fetched without credentials.
    let config = ClientConfig::new(format!("http://127.0.0.1:{}", server.port));
    let http = config.http_client().unwrap();
    for (creds, status) in [
        (tester.clone(), 200),
        (temp(Some("test:signed"), &["test:authenticate-get"]), 200),
        (Credentials::new("tester", "wrong"), 401),
    ] {
        let url = auth(server.port, creds)
            .test_authenticate_get()
            .signed_url(Duration::from_secs(300))
            .unwrap();
        assert_eq!(
            http.get(&url).send().await.unwrap().status(),
            status,
            "{url}"
        );
    }

    let wrong = auth(server.port, Credentials::new("tester", "wrong"));
    let e = wrong.test_authenticate_get().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::AuthenticationFailed);
    let restricted = auth(
        server.port,
        tester.clone().with_authorized_scopes(["test:a"]),
    );
    let e = restricted
        .test_authenticate(&request(&["test:*"], &["test:b"]))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Forbidden);
    let expired = tester
        .create_temporary(
            None,
            &strings(&["test:a"]),
            now - 48 * hour,
            now - 24 * hour,
        )
        .unwrap();
    let e = auth(server.port, expired)
        .test_authenticate(&request(&["test:*"], &[]))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::AuthenticationFailed);
}
