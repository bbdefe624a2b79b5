//! Hawk `Authorization` header signing, ns per header, ours (`tc_runtime::hawk::Signer`)
//! against the `hawk` crate (what the published `taskcluster` crate uses).
//!
//! Both sign the same GET with a fresh timestamp and nonce each time and produce the header
//! value as a `String` ready to send, as the clients do per request: ours with
//! [`tc_runtime::hawk::nonce`] and [`tc_runtime::hawk::Signer::header`], the peer with
//! `hawk::RequestBuilder::new(..).request().make_header(&credentials)` formatted as
//! `Hawk {header}` (exactly what `taskcluster::Client` sends).

use std::hint::black_box;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::stats::{Samples, time_pair};

const ID: &str = "project/releng/bench";
const KEY: &str = "eGxVa3pXbUtJR3NHZ0tRbldBTWxwYk91RWNRd2l6WGt1U2Z5";
const HOST: &str = "127.0.0.1";
const PORT: u16 = 40123;
const PATH: &str = "/api/queue/v1/task/fN1SbArXTPSVFNUvaOlinQ";

fn ours_once(signer: &tc_runtime::hawk::Signer) -> String {
    let ts = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let nonce = tc_runtime::hawk::nonce();
    signer.header(
        "GET",
        PATH,
        HOST,
        PORT,
        ts,
        std::str::from_utf8(&nonce).unwrap_or("nonce0"),
        None,
    )
}

fn peer_once(credentials: &hawk::Credentials) -> String {
    let header = hawk::RequestBuilder::new("GET", HOST, PORT, PATH)
        .request()
        .make_header(credentials)
        .expect("hawk signs");
    format!("Hawk {header}")
}

/// ns per header for ours and the peer; `ops` headers per sample, rounds interleaved.
pub fn measure(ops: usize, rounds: usize) -> anyhow::Result<(Samples, Samples)> {
    let signer = tc_runtime::hawk::Signer::new(ID, KEY, None);
    let credentials = hawk::Credentials {
        id: ID.to_owned(),
        key: hawk::Key::new(KEY, hawk::SHA256)?,
    };
    // Same MAC for the same timestamp and nonce: both compute the same thing.
    let a = signer.header("GET", PATH, HOST, PORT, 1_700_000_000, "abcdef", None);
    let b = hawk::RequestBuilder::new("GET", HOST, PORT, PATH)
        .request()
        .make_header_full(
            &credentials,
            UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_000),
            "abcdef",
        )?;
    let mac = tc_runtime_mac(&a);
    anyhow::ensure!(
        format!("{b}").contains(&format!("mac=\"{mac}\"")),
        "ours and the hawk crate disagree: {a} vs {b}"
    );

    Ok(time_pair(
        ops,
        rounds,
        &|| {
            black_box(ours_once(black_box(&signer)));
        },
        &|| {
            black_box(peer_once(black_box(&credentials)));
        },
    ))
}

fn tc_runtime_mac(header: &str) -> &str {
    header
        .rsplit_once("mac=\"")
        .map_or("", |(_, m)| m.trim_end_matches('"'))
}
