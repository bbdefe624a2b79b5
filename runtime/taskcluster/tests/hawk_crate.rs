//! Cross-check of `tc_runtime::hawk` against the `hawk` crate (Mozilla's Rust Hawk
//! implementation) for fixed timestamps and nonces: same header MAC, payload hash and bewit.

use std::time::{Duration, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use tc_runtime::Credentials;
use tc_runtime::hawk::{Signer, payload_hash};

fn mac_attr(header: &str) -> String {
    header
        .split("mac=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_owned()
}

#[test]
fn headers_and_bewits_match_the_hawk_crate() {
    let start = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    let perm = Credentials::new("client/x", "access-token-xyz");
    let temp = perm
        .create_temporary(
            Some("client/y"),
            &["a:b".to_string()],
            start,
            start + Duration::from_secs(3600),
        )
        .unwrap();
    let restricted = perm.clone().with_authorized_scopes(["a:*"]);
    let body = br#"{"a":[1,2,3],"b":"\u00e9"}"#;
    for creds in [perm, temp, restricted] {
        let ext = creds.hawk_ext();
        let ours = Signer::new(&creds.client_id, &creds.access_token, ext.clone());
        let theirs = hawk::Credentials {
            id: creds.client_id.clone(),
            key: hawk::Key::new(&creds.access_token, hawk::DigestAlgorithm::Sha256).unwrap(),
        };
        for (path, port) in [
            ("/api/queue/v1/task/a%2Fb?limit=3&x=%20", 443),
            ("/p", 8080),
        ] {
            let ts = UNIX_EPOCH + Duration::from_secs(1_700_000_123);
            // GET, no payload.
            let req = hawk::RequestBuilder::new("GET", "tc.example.com", port, path)
                .ext(ext.as_deref())
                .request();
            let header = req.make_header_full(&theirs, ts, "nonce1").unwrap();
            let mine = ours.header(
                "GET",
                path,
                "tc.example.com",
                port,
                1_700_000_123,
                "nonce1",
                None,
            );
            assert_eq!(mac_attr(&mine), mac_attr(&header.to_string()), "{path}");

            // PUT with a JSON payload hash.
            let raw_hash = hawk::PayloadHasher::hash(
                "application/json",
                hawk::DigestAlgorithm::Sha256,
                &body[..],
            )
            .unwrap();
            let hash = payload_hash("application/json", body);
            assert_eq!(hash, STANDARD.encode(&raw_hash));
            let req = hawk::RequestBuilder::new("PUT", "tc.example.com", port, path)
                .ext(ext.as_deref())
                .hash(&raw_hash[..])
                .request();
            let header = req.make_header_full(&theirs, ts, "nonce2").unwrap();
            let mine = ours.header(
                "PUT",
                path,
                "tc.example.com",
                port,
                1_700_000_123,
                "nonce2",
                Some(&hash),
            );
            assert_eq!(mac_attr(&mine), mac_attr(&header.to_string()), "{path}");

            // Bewit.
            let req = hawk::RequestBuilder::new("GET", "tc.example.com", port, path)
                .ext(ext.as_deref())
                .request();
            let bewit = req.make_bewit(&theirs, ts).unwrap();
            assert_eq!(
                ours.bewit(path, "tc.example.com", port, 1_700_000_123),
                bewit.to_str()
            );
        }
    }
}
