//! Downloads and uploads (`rucio_client::transfer`, `Rucio::download`, `Rucio::upload`) against
//! real peers, no mocks: a Rucio 41.5.1 server (`tc_testkit::rucio::RucioServer`), real storage
//! behind its RSEs, and Rucio's own Python clients (`UploadClient`, `DownloadClient`, `Client`,
//! from the server's venv) as the reference.
//!
//! RSEs the test adds through Rucio's RSE API (`add_rse`, `add_protocol` with lan and wan
//! read/write/delete):
//! - `POSIX_A`, `POSIX_B`: scheme `file`, prefixes in the test's scratch directory (a copy);
//! - `DAV`: scheme `https` on a real WebDAV server (`tc_testkit::webdav::WebDavServer`: wsgidav
//!   and cheroot) on 127.0.0.1 (GET, PUT, MKCOL, MOVE, DELETE), with a certificate of the x509
//!   tests' CA (`runtime/rucio/tests/rucio_x509/`), which our client trusts;
//! - `DAV_RO`: scheme `http`, on a read-only share (every write answers 403);
//! - `CLOSED`: posix, `availability_write` false;
//! - `DAV_DOWN`: WebDAV on a loopback port nothing listens on;
//! - `XROOT`: only a `root` protocol, which this client does not speak.
//!
//! Flows covered:
//! 1. ours uploads to WebDAV into a new dataset, and downloads it back byte for byte; the bytes
//!    are on the WebDAV server at the path `lfns2pfns` chose, under no temporary name; a
//!    download broken off (a partial `.first.dat.part`) resumes with a `Range` request; Rucio's
//!    `DownloadClient` downloads the dataset from WebDAV with identical bytes;
//! 2. ours uploads to posix, Rucio's `DownloadClient` downloads identical bytes; Rucio's
//!    `UploadClient` uploads, ours downloads identical bytes; both register the same replica
//!    facts (RSE, bytes, adler32, md5) as Rucio's `list_replicas` shows them;
//! 3. a dataset of 20 files downloaded with at most 4 at a time (checked by the progress
//!    observer), every file verified;
//! 4. a file with replicas on `POSIX_A` and `DAV`: each copy missing in turn (the WebDAV one
//!    answers 404) is fallen back from; each RSE made unavailable for reading in turn is
//!    skipped (one attempt, from the other); both copies missing is `NotFound` with
//!    `TransferFailure::NoReplicaLeft` naming both, nothing left in the target directory;
//! 5. corrupted data on the RSE: `HashMismatch` with `TransferFailure::ChecksumMismatch`, no
//!    file (not even a temporary one) left in the target directory;
//! 6. RSEs that refuse writes (`CLOSED`, `DAV_RO`): `TransferFailure::WriteRefused`, nothing
//!    left on the storage, nothing registered;
//! 7. an unreachable storage (`DAV_DOWN`): retried (`with_retries`, seen by the progress
//!    observer), then a `Transport` error naming the replica when it is the only one, and the
//!    next replica when there is another;
//! 8. an unsupported scheme (`XROOT`'s `root`, and `root` asked for a download):
//!    `ErrorKind::Unsupported` with `TransferFailure::UnsupportedScheme` naming it.
//!
//! The test needs the server and the WebDAV server; if either does not start it fails (it never
//! passes silently). It is `#[ignore]`d like the other server tests: CI runs it with
//! `--include-ignored`.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use rucio_client::transfer::{Did, TransferEvent, TransferFailure, checksums};
use rucio_client::{Auth, ErrorKind, Rucio, RucioConfig};
use tc_testkit::rucio::RucioServer;
use tc_testkit::webdav::WebDavServer;

/// Runs `script` with Rucio's Python client; its stdout.
fn python(server: &RucioServer, script: &str) -> String {
    server
        .python(script)
        .unwrap_or_else(|e| panic!("the Python step failed: {e}\n{script}"))
}

/// The start of a script for Rucio's `DownloadClient`: the server's `rucio.cfg` sets
/// `extract_scope = dirac` (for its DIRAC endpoint), which makes the client misread `scope:name`;
/// the client gets a copy of the file without that line.
const WITHOUT_DIRAC_SCOPES: &str = "import os, tempfile\n\
    text = open(os.environ['RUCIO_CONFIG']).read().replace('extract_scope = dirac', '')\n\
    f = tempfile.NamedTemporaryFile('w', suffix='.cfg', delete=False); f.write(text); f.close()\n\
    os.environ['RUCIO_CONFIG'] = f.name\n";

/// The path of a `file://host[:port]/path` PFN.
fn local_path(pfn: &str) -> PathBuf {
    let rest = pfn.strip_prefix("file://").expect("a file PFN");
    PathBuf::from(&rest[rest.find('/').expect("a path")..])
}

/// Every file under `dir`, relative, sorted.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                found.push(path.strip_prefix(dir).unwrap().to_owned());
            }
        }
    }
    found.sort();
    found
}

/// Data of `len` bytes that differs with `seed`.
fn data(seed: u32, len: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect()
}

/// Rucio's record of a file's replicas: `[rse, bytes, adler32, md5]` per replica.
fn replica_facts(server: &RucioServer, did: &Did) -> Vec<(String, u64, String, String)> {
    let out = python(
        server,
        &format!(
            "import json\nfrom rucio.client import Client\n\
             rs = list(Client().list_replicas([{{'scope': '{}', 'name': '{}'}}]))\n\
             print(json.dumps([[rse, r['bytes'], r['adler32'], r['md5']] for r in rs for rse in sorted(r['rses'])]))",
            did.scope, did.name
        ),
    );
    serde_json::from_str(out.trim()).expect("JSON from the script")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "slow: starts a Rucio server and two WebDAV servers, runs Rucio's Python clients (about 40 s); CI runs it with --include-ignored"]
async fn downloads_and_uploads_against_real_storage() {
    let server =
        RucioServer::start().unwrap_or_else(|e| panic!("the Rucio test server did not start: {e}"));
    // The test CA of the x509 tests signed a certificate for 127.0.0.1.
    let certs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../runtime/rucio/tests/rucio_x509");
    let dav = WebDavServer::start_with_tls(&certs)
        .unwrap_or_else(|e| panic!("wsgidav did not start: {e}"));
    let dav_ro =
        WebDavServer::start_read_only().unwrap_or_else(|e| panic!("wsgidav did not start: {e}"));
    let scratch = tempfile::tempdir().unwrap();
    let posix_a = scratch.path().join("posix_a");
    let posix_b = scratch.path().join("posix_b");
    let closed = scratch.path().join("closed");
    let local = scratch.path().join("local");
    for dir in [&posix_a, &posix_b, &closed, &local] {
        std::fs::create_dir_all(dir).unwrap();
    }
    let scope = tc_testkit::unique("user.t", 8);

    // The RSEs, through Rucio's RSE API (Rucio's own client makes the calls).
    python(
        &server,
        &format!(
            r#"from rucio.client import Client
c = Client()
c.add_scope('root', '{scope}')
domains = {{'lan': {{'read': 1, 'write': 1, 'delete': 1}},
            'wan': {{'read': 1, 'write': 1, 'delete': 1, 'third_party_copy_read': 1, 'third_party_copy_write': 1}}}}
def posix(rse, prefix):
    c.add_rse(rse)
    c.add_protocol(rse, {{'scheme': 'file', 'hostname': 'localhost', 'port': 0, 'prefix': prefix,
                         'impl': 'rucio.rse.protocols.posix.Default', 'domains': domains}})
    c.set_local_account_limit('root', rse, 10**12)
def webdav(rse, port, scheme='http'):
    c.add_rse(rse)
    c.add_protocol(rse, {{'scheme': scheme, 'hostname': '127.0.0.1', 'port': port, 'prefix': '/rucio/',
                         'impl': 'rucio.rse.protocols.webdav.Default', 'domains': domains}})
posix('POSIX_A', '{posix_a}/')
posix('POSIX_B', '{posix_b}/')
posix('CLOSED', '{closed}/')
c.update_rse('CLOSED', {{'availability_write': False}})
webdav('DAV', {dav_port}, 'https')
webdav('DAV_RO', {dav_ro_port})
webdav('DAV_DOWN', {down_port})
c.add_rse('XROOT')
c.add_protocol('XROOT', {{'scheme': 'root', 'hostname': 'xrootd.invalid', 'port': 1094, 'prefix': '//data/',
                        'impl': 'rucio.rse.protocols.xrootd.Default', 'domains': domains}})
"#,
            posix_a = posix_a.display(),
            posix_b = posix_b.display(),
            closed = closed.display(),
            dav_port = dav.port,
            dav_ro_port = dav_ro.port,
            down_port = tc_testkit::closed_port().0,
        ),
    );

    let config = RucioConfig::new(&server.host)
        .with_account(&server.account)
        .with_auth(Auth::userpass(&server.username, &server.password))
        .with_ca_cert(certs.join("ca.pem"));
    let rucio = Rucio::new(&config).unwrap();

    // 1. WebDAV: upload into a new dataset, download back.
    let first = local.join("first.dat");
    std::fs::write(&first, data(1, 300_000)).unwrap();
    let dataset = Did::new(&scope, "webdav.ds");
    let uploaded = rucio
        .upload(&first, "DAV", &scope)
        .with_dataset(dataset.clone())
        .await
        .unwrap_or_else(|e| panic!("upload to DAV: {e}\n{}", dav.log()));
    assert_eq!(uploaded.checksums, checksums(&data(1, 300_000)));
    assert!(
        uploaded.pfn.starts_with(&format!("{}/rucio/", dav.url)),
        "{}",
        uploaded.pfn
    );
    let on_dav = files_under(&dav.root());
    assert_eq!(on_dav.len(), 1, "{on_dav:?}");
    assert_eq!(
        std::fs::read(dav.root().join(&on_dav[0])).unwrap(),
        data(1, 300_000)
    );
    assert!(uploaded.pfn.ends_with(&*on_dav[0].to_string_lossy()));
    let back = scratch.path().join("back1");
    let got = rucio.download(&dataset, &back).await.unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].rse, "DAV");
    // A dataset's files go to a directory named after it, as with `rucio download`.
    assert_eq!(got[0].path, back.join("webdav.ds").join("first.dat"));
    assert_eq!(std::fs::read(&got[0].path).unwrap(), data(1, 300_000));
    assert_eq!(files_under(&back).len(), 1);
    // Resume: a download broken off left the first 100,000 bytes in `.first.dat.part`; the
    // next one asks WebDAV for the rest (`Range`), its first progress already past them, and the
    // whole file is verified.
    let resumed_into = scratch.path().join("resumed");
    std::fs::create_dir_all(resumed_into.join("webdav.ds")).unwrap();
    std::fs::write(
        resumed_into.join("webdav.ds").join(".first.dat.part"),
        &data(1, 300_000)[..100_000],
    )
    .unwrap();
    let first_progress = std::sync::Arc::new(std::sync::Mutex::new(None));
    let seen = first_progress.clone();
    let got = rucio
        .download(&dataset, &resumed_into)
        .with_progress(move |event: &TransferEvent| {
            if let TransferEvent::Advanced { done, .. } = event {
                seen.lock().unwrap().get_or_insert(*done);
            }
        })
        .await
        .unwrap();
    assert_eq!(std::fs::read(&got[0].path).unwrap(), data(1, 300_000));
    let first_done = first_progress.lock().unwrap().expect("progress");
    assert!(
        first_done > 100_000,
        "resumed from the partial file: {first_done}"
    );
    assert_eq!(
        files_under(&resumed_into).len(),
        1,
        "the partial file is gone"
    );
    // Rucio's own DownloadClient (its `webdav` protocol) reads what ours wrote there.
    let theirs_dir = scratch.path().join("theirs_download_dav");
    python(
        &server,
        &format!(
            // Its webdav protocol insists on an X509 proxy (one file, certificate and key),
            // which it presents to the storage: the x509 tests' client certificate.
            "{WITHOUT_DIRAC_SCOPES}\
             proxy = tempfile.NamedTemporaryFile('w', delete=False)\n\
             proxy.write(open('{certs}/client.pem').read() + open('{certs}/client.key').read()); proxy.close()\n\
             os.environ['X509_USER_PROXY'] = proxy.name\n\
             from rucio.client.downloadclient import DownloadClient\n\
             r = DownloadClient().download_dids([{{'did': '{dataset}', 'base_dir': '{}'}}])\n\
             assert [f['clientState'] for f in r] == ['DONE'], r",
            theirs_dir.display(),
            certs = certs.display(),
        ),
    );
    assert_eq!(
        std::fs::read(theirs_dir.join("webdav.ds").join("first.dat")).unwrap(),
        data(1, 300_000),
        "Rucio's DownloadClient got other bytes from WebDAV than ours uploaded"
    );

    // 2. Against Rucio's own clients, on posix.
    let ours = local.join("ours.dat");
    std::fs::write(&ours, data(2, 70_000)).unwrap();
    let ours_did = Did::new(&scope, "ours.dat");
    rucio.upload(&ours, "POSIX_A", &scope).await.unwrap();
    let theirs_dir = scratch.path().join("theirs_download");
    python(
        &server,
        &format!(
            "{WITHOUT_DIRAC_SCOPES}from rucio.client.downloadclient import DownloadClient\n\
             r = DownloadClient().download_dids([{{'did': '{ours_did}', 'base_dir': '{}'}}])\n\
             assert r[0]['clientState'] == 'DONE', r",
            theirs_dir.display()
        ),
    );
    assert_eq!(
        std::fs::read(theirs_dir.join(&scope).join("ours.dat")).unwrap(),
        data(2, 70_000),
        "Rucio's DownloadClient got other bytes than ours uploaded"
    );
    let theirs = local.join("theirs.dat");
    std::fs::write(&theirs, data(2, 70_000)).unwrap();
    python(
        &server,
        &format!(
            "from rucio.client.uploadclient import UploadClient\n\
             UploadClient().upload([{{'path': '{}', 'rse': 'POSIX_A', 'did_scope': '{scope}', 'did_name': 'theirs.dat'}}])",
            theirs.display()
        ),
    );
    let theirs_did = Did::new(&scope, "theirs.dat");
    let back = scratch.path().join("back2");
    let got = rucio.download(&theirs_did, &back).await.unwrap();
    assert_eq!(got[0].path, back.join(&scope).join("theirs.dat"));
    assert_eq!(std::fs::read(&got[0].path).unwrap(), data(2, 70_000));
    let facts_ours = replica_facts(&server, &ours_did);
    let facts_theirs = replica_facts(&server, &theirs_did);
    assert_eq!(
        facts_ours, facts_theirs,
        "the replicas ours and Rucio's register differ"
    );
    let sums = checksums(&data(2, 70_000));
    assert_eq!(
        facts_ours,
        vec![(
            "POSIX_A".to_owned(),
            70_000,
            sums.adler32.clone(),
            sums.md5.clone()
        )]
    );
    assert_eq!(got[0].checksums, sums);
    // Both at the same deterministic path under the prefix.
    assert!(
        posix_a
            .join(
                files_under(&posix_a)
                    .iter()
                    .find(|p| p.ends_with("theirs.dat"))
                    .unwrap()
            )
            .exists()
    );

    // 3. A dataset of 20 files, at most 4 at a time.
    let many = Did::new(&scope, "many.ds");
    for i in 0..20 {
        let path = local.join(format!("many{i:02}.dat"));
        std::fs::write(&path, data(100 + i, 5_000 + i as usize * 100)).unwrap();
        rucio
            .upload(&path, "POSIX_B", &scope)
            .with_dataset(many.clone())
            .await
            .unwrap();
    }
    let (running, most, finished) = (
        Arc::new(AtomicUsize::new(0)),
        Arc::new(AtomicUsize::new(0)),
        Arc::new(AtomicUsize::new(0)),
    );
    let observer = {
        let (running, most, finished) = (running.clone(), most.clone(), finished.clone());
        move |event: &TransferEvent| match event {
            TransferEvent::Started { .. } => {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
            }
            TransferEvent::Finished { .. } => {
                running.fetch_sub(1, Ordering::SeqCst);
                finished.fetch_add(1, Ordering::SeqCst);
            }
            _ => {}
        }
    };
    let back = scratch.path().join("back3");
    let got = rucio
        .download(&many, &back)
        .with_concurrency(4)
        .with_progress(observer)
        .await
        .unwrap();
    assert_eq!(got.len(), 20);
    assert_eq!(finished.load(Ordering::SeqCst), 20);
    let most = most.load(Ordering::SeqCst);
    assert!((1..=4).contains(&most), "{most} files at once");
    for (i, file) in got.iter().enumerate() {
        assert_eq!(file.did.name, format!("many{i:02}.dat"));
        assert_eq!(
            std::fs::read(&file.path).unwrap(),
            data(100 + i as u32, 5_000 + i * 100)
        );
    }
    assert_eq!(files_under(&back).len(), 20);
    assert!(
        got.iter()
            .all(|f| f.path.parent() == Some(&back.join("many.ds")))
    );

    // 4. Two replicas, each missing in turn, then both.
    let twice = local.join("twice.dat");
    std::fs::write(&twice, data(4, 40_000)).unwrap();
    let twice_did = Did::new(&scope, "twice.dat");
    let on_posix = rucio.upload(&twice, "POSIX_A", &scope).await.unwrap();
    let on_dav = rucio.upload(&twice, "DAV", &scope).await.unwrap();
    let posix_path = local_path(&on_posix.pfn);
    let dav_path = dav
        .root()
        .join(on_dav.pfn.trim_start_matches(&format!("{}/", dav.url)));
    assert!(
        posix_path.exists() && dav_path.exists(),
        "{} {}",
        on_posix.pfn,
        on_dav.pfn
    );
    for (gone, left) in [(&dav_path, "POSIX_A"), (&posix_path, "DAV")] {
        std::fs::rename(gone, scratch.path().join("aside")).unwrap();
        let back = scratch.path().join(format!("back4-{left}"));
        let got = rucio.download(&twice_did, &back).await.unwrap();
        assert_eq!(got[0].rse, left);
        assert_eq!(std::fs::read(&got[0].path).unwrap(), data(4, 40_000));
        std::fs::rename(scratch.path().join("aside"), gone).unwrap();
    }
    // An RSE not available for reading is skipped, though its copy is there.
    for (closed, open) in [("POSIX_A", "DAV"), ("DAV", "POSIX_A")] {
        let availability = |available: bool| {
            python(
                &server,
                &format!(
                    "from rucio.client import Client
Client().update_rse('{closed}', {{'availability_read': {}}})",
                    if available { "True" } else { "False" }
                ),
            )
        };
        availability(false);
        let back = scratch.path().join(format!("back4-closed-{closed}"));
        let got = rucio.download(&twice_did, &back).await.unwrap();
        assert_eq!(got[0].rse, open);
        assert_eq!(got[0].attempts, 1);
        availability(true);
    }
    std::fs::remove_file(&posix_path).unwrap();
    std::fs::remove_file(&dav_path).unwrap();
    let back = scratch.path().join("back4-none");
    let e = rucio.download(&twice_did, &back).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound, "{e}");
    match e.detail::<TransferFailure>() {
        Some(TransferFailure::NoReplicaLeft { did, tried }) => {
            assert_eq!(did, &twice_did);
            assert_eq!(tried.len(), 2, "{tried:?}");
        }
        other => panic!("{other:?}: {e}"),
    }
    assert_eq!(files_under(&back), Vec::<PathBuf>::new());

    // 5. Corrupted data on the RSE.
    let good = local.join("good.dat");
    std::fs::write(&good, data(5, 10_000)).unwrap();
    let corrupt = rucio.upload(&good, "POSIX_B", &scope).await.unwrap();
    let stored = local_path(&corrupt.pfn);
    let mut bad = data(5, 10_000);
    bad[5_000] ^= 0xff;
    std::fs::write(&stored, bad).unwrap();
    let back = scratch.path().join("back5");
    let e = rucio.download(&corrupt.did, &back).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::HashMismatch, "{e}");
    assert!(
        matches!(
            e.detail::<TransferFailure>(),
            Some(TransferFailure::ChecksumMismatch {
                checksum: "adler32",
                ..
            })
        ),
        "{e:?}"
    );
    assert_eq!(files_under(&back), Vec::<PathBuf>::new());

    // 6. RSEs that refuse writes: nothing placed, nothing registered.
    let refused = local.join("refused.dat");
    std::fs::write(&refused, data(6, 1_000)).unwrap();
    for (rse, kind) in [
        ("CLOSED", ErrorKind::Forbidden),
        ("DAV_RO", ErrorKind::Storage),
    ] {
        let e = rucio
            .upload(&refused, rse, &scope)
            .with_name(format!("refused.{rse}"))
            .await
            .unwrap_err();
        assert_eq!(e.kind(), kind, "{rse}: {e}");
        assert!(
            matches!(e.detail::<TransferFailure>(), Some(TransferFailure::WriteRefused { rse: r, .. }) if r == rse),
            "{rse}: {e:?}"
        );
        let registered = python(
            &server,
            &format!(
                "from rucio.client import Client\nprint(len(list(Client().list_replicas([{{'scope': '{scope}', 'name': 'refused.{rse}'}}], all_states=True))))"
            ),
        );
        assert_eq!(registered.trim(), "0", "{rse}: a replica was registered");
    }
    assert_eq!(files_under(&closed), Vec::<PathBuf>::new());
    assert_eq!(files_under(&dav_ro.root()), Vec::<PathBuf>::new());

    // 7. An unreachable storage: retried, then left for the next replica.
    let sums = checksums(&data(2, 70_000));
    python(
        &server,
        &format!(
            "from rucio.client import Client\n\
             Client().add_replicas(rse='DAV_DOWN', files=[{{'scope': '{scope}', 'name': 'ours.dat', 'bytes': 70000, 'adler32': '{}', 'md5': '{}'}}])",
            sums.adler32, sums.md5
        ),
    );
    let retried = Arc::new(AtomicUsize::new(0));
    let counter = retried.clone();
    let back = scratch.path().join("back8");
    let e = rucio
        .download(&ours_did, &back)
        .with_rse_expression("DAV_DOWN")
        .with_retries(1)
        .with_progress(move |event: &TransferEvent| {
            if let TransferEvent::Retrying { .. } = event {
                counter.fetch_add(1, Ordering::SeqCst);
            }
        })
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Transport, "{e}");
    assert!(
        matches!(e.detail::<TransferFailure>(), Some(TransferFailure::NoReplicaLeft { tried, .. }) if tried.len() == 1),
        "{e:?}"
    );
    assert_eq!(retried.load(Ordering::SeqCst), 2, "one try and one retry");
    assert_eq!(files_under(&back), Vec::<PathBuf>::new());
    let got = rucio
        .download(&ours_did, &back)
        .with_retries(0)
        .await
        .unwrap();
    assert_eq!(got[0].rse, "POSIX_A");
    assert_eq!(std::fs::read(&got[0].path).unwrap(), data(2, 70_000));

    // 8. A scheme this client does not speak.
    let e = rucio.upload(&refused, "XROOT", &scope).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported, "{e}");
    assert!(e.to_string().contains("\"root\""), "{e}");
    assert!(
        matches!(e.detail::<TransferFailure>(), Some(TransferFailure::UnsupportedScheme { scheme, .. }) if scheme == "root"),
        "{e:?}"
    );
    let e = rucio
        .download(&ours_did, scratch.path().join("back7"))
        .with_schemes(["root"])
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported, "{e}");
    assert!(
        matches!(e.detail::<TransferFailure>(), Some(TransferFailure::UnsupportedScheme { scheme, .. }) if scheme == "root"),
        "{e:?}"
    );
}
