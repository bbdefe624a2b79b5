//! The Rucio test server works: its REST API answers plain HTTP/1.1 (login, whoami, ping), Rucio's
//! own Python client works against it, and it is gone once dropped. Also: tokens of a server
//! started with a short token lifetime expire.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use tc_testkit::rucio::RucioServer;

/// An answer to [`get`].
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.body))
    }
}

/// A blocking HTTP/1.1 GET of `path` on `host` (`http://127.0.0.1:<port>`), one connection per
/// request, redirects not followed.
fn get(host: &str, path: &str, headers: &[(&str, &str)]) -> Answer {
    let authority = host.strip_prefix("http://").expect("an http:// host");
    let mut conn = TcpStream::connect(authority).expect("connect to the Rucio server");
    conn.set_read_timeout(Some(Duration::from_secs(60)))
        .expect("a read timeout");
    let mut request = format!("GET {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n");
    for (k, v) in headers {
        request.push_str(&format!("{k}: {v}\r\n"));
    }
    request.push_str("\r\n");
    conn.write_all(request.as_bytes())
        .expect("send the request");
    let mut raw = Vec::new();
    conn.read_to_end(&mut raw).expect("read the answer");

    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("an answer head");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .expect("a status line");
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    let chunked = headers.iter().any(|(k, v)| {
        k.eq_ignore_ascii_case("transfer-encoding") && v.eq_ignore_ascii_case("chunked")
    });
    if chunked {
        body = dechunk(&body);
    }
    Answer {
        status,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    }
}

fn dechunk(mut rest: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = rest.windows(2).position(|w| w == b"\r\n") {
        let size = String::from_utf8_lossy(&rest[..eol]);
        let size = usize::from_str_radix(size.split(';').next().unwrap_or("").trim(), 16)
            .expect("a chunk size");
        if size == 0 {
            break;
        }
        let start = eol + 2;
        out.extend_from_slice(&rest[start..start + size]);
        rest = &rest[start + size + 2..];
    }
    out
}

/// Logs in with the server's userpass identity; returns the token.
fn login(server: &RucioServer) -> String {
    let answer = get(
        &server.host,
        "/auth/userpass",
        &[
            ("X-Rucio-Account", &server.account),
            ("X-Rucio-Username", &server.username),
            ("X-Rucio-Password", &server.password),
        ],
    );
    assert_eq!(answer.status, 200, "login: {}", answer.body);
    let expires = answer
        .header("X-Rucio-Auth-Token-Expires")
        .expect("X-Rucio-Auth-Token-Expires");
    assert!(expires.ends_with("UTC"), "{expires}");
    let token = answer.header("X-Rucio-Auth-Token").expect("a token");
    assert!(!token.is_empty());
    token.to_owned()
}

fn started(server: Result<RucioServer, String>) -> RucioServer {
    server.unwrap_or_else(|e| panic!("the Rucio test server did not start: {e}"))
}

#[test]
fn rest_api_and_rucio_own_client_work_against_the_server() {
    let begun = Instant::now();
    let server = started(RucioServer::start());
    eprintln!(
        "Rucio server on {} after {:.1} s (start.sh: {:.1} s)",
        server.host,
        begun.elapsed().as_secs_f64(),
        server.startup_time().as_secs_f64()
    );
    assert!(
        !format!("{server:?}").contains(&server.password),
        "Debug shows the password"
    );

    let ping = get(&server.host, "/ping", &[]);
    assert_eq!(ping.status, 200, "{}", ping.body);
    assert_eq!(ping.json()["version"], "41.5.1");

    let refused = get(
        &server.host,
        "/auth/userpass",
        &[
            ("X-Rucio-Account", &server.account),
            ("X-Rucio-Username", &server.username),
            ("X-Rucio-Password", "not-the-password"),
        ],
    );
    assert_eq!(refused.status, 401, "{}", refused.body);
    assert_eq!(refused.header("ExceptionClass"), Some("CannotAuthenticate"));

    let token = login(&server);
    let auth = [("X-Rucio-Auth-Token", token.as_str())];

    // whoami redirects to the account; Rucio 41.5.1 sends a relative `Location: root`.
    let whoami = get(&server.host, "/accounts/whoami", &auth);
    assert_eq!(whoami.status, 303, "{}", whoami.body);
    let location = whoami.header("Location").expect("a Location");
    let target = match location {
        l if l.starts_with("http://") || l.starts_with("https://") => {
            l.splitn(4, '/').nth(3).map(|p| format!("/{p}")).unwrap()
        }
        l if l.starts_with('/') => l.to_owned(),
        l => format!("/accounts/{l}"),
    };
    assert_eq!(target, "/accounts/root", "Location: {location}");
    let account = get(&server.host, &target, &auth);
    assert_eq!(account.status, 200, "{}", account.body);
    assert_eq!(account.json()["account"], "root");

    // No token is a bad request to Rucio; a wrong one fails authentication.
    let anonymous = get(&server.host, "/accounts/whoami", &[]);
    assert_eq!(anonymous.status, 400, "{}", anonymous.body);
    assert_eq!(anonymous.header("ExceptionClass"), Some("ValueError"));
    let forged = get(
        &server.host,
        "/accounts/whoami",
        &[("X-Rucio-Auth-Token", "root-tc-test-forged")],
    );
    assert_eq!(forged.status, 401, "{}", forged.body);
    assert_eq!(forged.header("ExceptionClass"), Some("CannotAuthenticate"));

    let ping = get(&server.host, "/ping", &auth);
    assert_eq!(ping.status, 200, "{}", ping.body);

    // Rucio's own client, configured by the server's rucio.cfg, adds a scope and lists it.
    let out = server
        .python(
            "import json\n\
             from rucio.client import Client\n\
             client = Client()\n\
             client.add_scope('root', 'tc_smoke')\n\
             print(json.dumps({'whoami': client.whoami()['account'],\n\
                               'scopes': sorted(client.list_scopes())}))\n",
        )
        .unwrap_or_else(|e| panic!("{e}\n--- server log ---\n{}", server.log()));
    let out: serde_json::Value = serde_json::from_str(out.trim()).expect("JSON from the snippet");
    assert_eq!(out["whoami"], "root");
    assert!(
        out["scopes"]
            .as_array()
            .expect("scopes")
            .contains(&"tc_smoke".into()),
        "{out}"
    );
    // The REST API sees the same scope (without the slash: a 308 to it).
    let scopes = get(&server.host, "/accounts/root/scopes/", &auth);
    assert_eq!(scopes.status, 200, "{}", scopes.body);
    assert!(scopes.body.contains("\"tc_smoke\""), "{}", scopes.body);

    // Dropping the server stops it and removes its directory.
    let authority = server.host.trim_start_matches("http://").to_owned();
    let dir = server.config_path().parent().expect("a dir").to_owned();
    drop(server);
    assert!(
        TcpStream::connect(&authority).is_err(),
        "still answering on {authority}"
    );
    assert!(!dir.exists(), "{} is still there", dir.display());
    eprintln!("test wall time {:.1} s", begun.elapsed().as_secs_f64());
}

#[test]
fn tokens_of_a_short_lifetime_server_expire_and_rucio_client_renews_them() {
    let begun = Instant::now();
    let server = started(RucioServer::start_with_token_lifetime(Duration::from_secs(
        2,
    )));
    let token = login(&server);
    let issued = Instant::now();
    let auth = [("X-Rucio-Auth-Token", token.as_str())];
    let account = get(&server.host, "/accounts/root", &auth);
    assert_eq!(account.status, 200, "{}", account.body);

    std::thread::sleep(Duration::from_secs(3).saturating_sub(issued.elapsed()));
    let expired = get(&server.host, "/accounts/root", &auth);
    assert_eq!(expired.status, 401, "{}", expired.body);
    assert_eq!(expired.header("ExceptionClass"), Some("CannotAuthenticate"));
    let renewed = login(&server);
    assert_ne!(renewed, token);
    let account = get(
        &server.host,
        "/accounts/root",
        &[("X-Rucio-Auth-Token", &renewed)],
    );
    assert_eq!(account.status, 200, "{}", account.body);

    // Rucio's client logs in again when its token has expired.
    let out = server
        .python(
            "import time\n\
             from rucio.client import Client\n\
             client = Client()\n\
             print(client.whoami()['account'])\n\
             time.sleep(3)\n\
             print(client.whoami()['account'])\n",
        )
        .unwrap_or_else(|e| panic!("{e}\n--- server log ---\n{}", server.log()));
    assert_eq!(out.split_whitespace().collect::<Vec<_>>(), ["root", "root"]);
    eprintln!(
        "short-lifetime test wall time {:.1} s",
        begun.elapsed().as_secs_f64()
    );
}
