//! Byte-for-byte cross-checks with Python's `mohawk` (Hawk headers and bewits) and
//! Taskcluster's Python client `taskcluster` (ext, signed URLs, temporary credentials), with
//! fixed timestamps, nonces and seeds (`tests/peers/crosscheck.py`).
//!
//! Needs the peers: `bash runtime/taskcluster/tests/peers/install.sh`.

use std::time::{Duration, UNIX_EPOCH};

use serde_json::{Value, json};
use tc_runtime::hawk::{Signer, payload_hash};
use tc_runtime::{Client, ClientConfig, Credentials, Method};

const SEED: &str = "JYR4wzMCTG6XeDS2cDUCMwH0RFUXGfQjK7LgqD-e6lSQ";
const START: u64 = 1_700_000_000;
const EXPIRY: u64 = START + 7 * 24 * 3600;

fn secs(s: u64) -> std::time::SystemTime {
    UNIX_EPOCH + Duration::from_secs(s)
}

fn permanent() -> Credentials {
    Credentials::new("project/tc-runtime/ci", "a-secret-access-token-0123456789")
}

fn scopes(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

/// Credentials of every shape: permanent, unnamed and named temporary, authorizedScopes.
fn variants() -> Vec<(&'static str, Credentials)> {
    let temp = |name: Option<&str>| {
        permanent()
            .create_temporary_with_seed(
                name,
                &scopes(&["queue:create-task:*", "secrets:get:a/b"]),
                secs(START),
                secs(EXPIRY),
                SEED,
            )
            .unwrap()
    };
    vec![
        ("permanent", permanent()),
        ("unnamed temporary", temp(None)),
        ("named temporary", temp(Some("project/tc-runtime/temp"))),
        (
            "authorizedScopes",
            permanent().with_authorized_scopes(["queue:get-task:*", "index:find"]),
        ),
        (
            "no authorizedScopes",
            permanent().with_authorized_scopes(Vec::<String>::new()),
        ),
        (
            "temporary with authorizedScopes",
            temp(Some("project/x")).with_authorized_scopes(["secrets:get:a/b"]),
        ),
    ]
}

fn signer(c: &Credentials) -> Signer {
    Signer::new(&c.client_id, &c.access_token, c.hawk_ext())
}

fn mac_of(header: &str) -> &str {
    header.split("mac=\"").nth(1).unwrap().trim_end_matches('"')
}

#[test]
fn headers_and_bewits_match_mohawk() {
    let resources = [
        "/api/queue/v1/task/a%2Fb%20c",
        "/api/queue/v1/task-group/x/list?limit=5&continuationToken=x%20y%26z",
        "/api/index/v1/tasks/a.b?prefix=%C3%A9",
    ];
    let body = br#"{"clientScopes":["test:*"],"requiredScopes":["test:a"]}"#;
    let mut header_cases = Vec::new();
    let mut ours = Vec::new();
    let mut bewit_cases = Vec::new();
    let mut our_bewits = Vec::new();
    for (name, creds) in variants() {
        let s = signer(&creds);
        for (i, resource) in resources.iter().enumerate() {
            let url = format!("http://127.0.0.1:8080{resource}");
            let ts = 1_700_000_000 + i as u64;
            for (method, content) in [("GET", None), ("PUT", Some(&body[..]))] {
                let hash = content.map(|b| payload_hash("application/json", b));
                let h = s.header(
                    method,
                    resource,
                    "127.0.0.1",
                    8080,
                    ts,
                    "Ab3_-z",
                    hash.as_deref(),
                );
                header_cases.push(json!({
                    "id": creds.client_id, "key": creds.access_token, "ext": creds.hawk_ext(),
                    "method": method, "url": url, "ts": ts, "nonce": "Ab3_-z",
                    "content": content.map(|b| String::from_utf8(b.to_vec()).unwrap()),
                }));
                ours.push((name, method, *resource, mac_of(&h).to_owned(), hash));
            }
            bewit_cases.push(json!({
                "id": creds.client_id, "key": creds.access_token, "ext": creds.hawk_ext(),
                "url": url, "exp": ts + 900,
            }));
            our_bewits.push(s.bewit(resource, "127.0.0.1", 8080, ts + 900));
        }
    }
    let out = tc_testkit::peers::python_crosscheck(
        &json!({"headers": header_cases, "bewits": bewit_cases}),
    );
    let theirs = out["headers"].as_array().unwrap();
    assert_eq!(theirs.len(), ours.len());
    for ((name, method, resource, mac, hash), t) in ours.iter().zip(theirs) {
        assert_eq!(
            t["mac"],
            Value::from(mac.as_str()),
            "{name} {method} {resource}"
        );
        assert_eq!(t["hash"], json!(hash), "{name} {method} {resource}");
    }
    assert_eq!(out["bewits"], json!(our_bewits));
}

#[test]
fn ext_and_signed_urls_match_taskcluster_python() {
    let root = "https://tc.example.com";
    let now = 1_750_000_000;
    let ttl = 900;
    let mut ext_cases = Vec::new();
    let mut url_cases = Vec::new();
    let mut ours = Vec::new();
    for (_, creds) in variants() {
        let case = json!({
            "root_url": root, "client_id": creds.client_id, "access_token": creds.access_token,
            "certificate": creds.certificate.as_ref().map(|c| c.to_json()),
            "authorized_scopes": creds.authorized_scopes, "now": now, "ttl": ttl,
        });
        ext_cases.push(case.clone());
        url_cases.push(case);
        let client = Client::new(
            &ClientConfig::new(root).with_credentials(creds.clone()),
            "auth",
            "v1",
        );
        let url = client
            .request(Method::GET, "test-authenticate-get/")
            .signed_url_expiring_at(secs(now + ttl))
            .unwrap();
        ours.push((creds, url));
    }
    let out =
        tc_testkit::peers::python_crosscheck(&json!({"exts": ext_cases, "signed_urls": url_cases}));
    for (i, (creds, url)) in ours.iter().enumerate() {
        let their_ext = &out["exts"][i];
        let their_url = &out["signed_urls"][i];
        match creds.hawk_ext() {
            Some(ext) => {
                assert_eq!(their_ext, &Value::from(ext), "{creds:?}");
                assert_eq!(their_url, &Value::from(url.as_str()), "{creds:?}");
            }
            None => {
                // Taskcluster's Python client sends `ext` "{}" (base64 "e30=") even when there is
                // nothing to say; the issue (and the JS and Go clients) send no ext then, so the
                // bewits differ by exactly that ext. The bewit without ext is checked against
                // mohawk in `headers_and_bewits_match_mohawk`.
                assert_eq!(their_ext, "e30=");
                assert!(
                    url.starts_with(&format!("{root}/api/auth/v1/test-authenticate-get/?bewit="))
                );
            }
        }
    }
}

#[test]
fn temporary_credentials_match_taskcluster_python() {
    let perm = permanent();
    let cases = [
        (None, scopes(&["queue:create-task:*", "secrets:get:a/b"])),
        (Some("project/tc-runtime/temp"), scopes(&["a", "b*", "c:d"])),
        (None, Vec::new()),
    ];
    let mut input = Vec::new();
    let mut ours = Vec::new();
    for (name, sc) in &cases {
        input.push(json!({
            "client_id": perm.client_id, "access_token": perm.access_token,
            "start": START, "expiry": EXPIRY, "scopes": sc, "name": name, "seed": SEED,
        }));
        ours.push(
            perm.create_temporary_with_seed(*name, sc, secs(START), secs(EXPIRY), SEED)
                .unwrap(),
        );
    }
    let out = tc_testkit::peers::python_crosscheck(&json!({"temporary": input}));
    for (theirs, ours) in out["temporary"].as_array().unwrap().iter().zip(&ours) {
        assert_eq!(theirs["clientId"], Value::from(ours.client_id.as_str()));
        assert_eq!(
            theirs["accessToken"],
            Value::from(ours.access_token.as_str())
        );
        // Same certificate; Python puts `issuer` before `signature`, so compare as JSON values.
        let their_cert: Value =
            serde_json::from_str(theirs["certificate"].as_str().unwrap()).unwrap();
        let our_cert = ours.certificate.as_ref().unwrap();
        assert_eq!(their_cert, serde_json::to_value(our_cert).unwrap());
        assert_eq!(
            their_cert["signature"],
            Value::from(our_cert.signature.as_str())
        );
    }
}
