//! The object and artifact transfers (`runtime::objects`, through the generated `Object` and
//! `Queue` clients, whose methods and types they call) against a loopback object service and storage server that behave as
//! the real ones do (`tc_testkit::objects`): Hawk-checked API calls, unauthenticated storage URLs,
//! `putUrl` headers enforced, faults scripted per object. Also: a 64 MiB round trip whose peak
//! RSS is checked in a process of its own, and cross-checks with Taskcluster's Python client
//! (needs the peers: `bash runtime/taskcluster/tests/peers/install.sh`).

use std::io::Write;
use std::process::Command;
use std::sync::{Arc, Mutex};

use aws_lc_rs::digest::{Context, SHA256};
use chrono::{Duration, Utc};
use serde_json::json;
use tc_client::object::Object;
use tc_client::queue::Queue;
use tc_client::runtime::objects::{
    self, ArtifactUpload, DATA_INLINE_MAX_SIZE, DownloadOptions, Hashes, Progress, Upload,
    UploadMethod,
};
use tc_client::{ErrorKind, TaskclusterError};

use tc_testkit::objects::{
    ACCESS_TOKEN, Artifact, CLIENT_ID, Deployment, Fault, PROJECT, data, temp_dir,
};

fn upload(name: &str) -> Upload {
    Upload::new(PROJECT, name, Utc::now() + Duration::days(1))
        .with_content_type("application/x-test")
}

fn no_options() -> DownloadOptions {
    DownloadOptions::default()
}

/// Nothing in `dir` but `keep`.
fn only_file(dir: &std::path::Path, keep: Option<&str>) {
    let names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let want: Vec<String> = keep.into_iter().map(str::to_owned).collect();
    assert_eq!(names, want, "files in {}", dir.display());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn round_trips_around_the_inline_threshold() {
    let tc = Deployment::start().await;
    let object = Object::new(&tc.config());
    let t = DATA_INLINE_MAX_SIZE as usize;
    let dir = temp_dir("round-trips");
    for (i, len) in [0, 1, t - 1, t, t + 1, 3 << 20].into_iter().enumerate() {
        let name = format!("round/trip {i}");
        let bytes = data(len, i as u8);
        let up = objects::upload_from_bytes(&object, &upload(&name), bytes.clone())
            .await
            .unwrap();
        assert_eq!(up.length, len as u64);
        assert_eq!(up.hashes, Hashes::of(&bytes));
        let inline = (len as u64) < DATA_INLINE_MAX_SIZE;
        let want = if inline {
            UploadMethod::DataInline
        } else {
            UploadMethod::PutUrl
        };
        assert_eq!(up.method, want, "{len} bytes");
        let key = tc.key_of(&name);
        let puts = tc.storage.requests_for("PUT", &key);
        assert_eq!(puts.len(), usize::from(!inline), "{len} bytes");
        for put in &puts {
            assert_eq!(put.status, 200);
            assert!(put.header("authorization").is_none());
            assert_eq!(put.header("content-length"), Some(len.to_string().as_str()));
        }
        // The finishUpload call carried both hashes (the service checked them).
        let finish = tc
            .calls()
            .into_iter()
            .rfind(|c| c.path.contains("/finish-upload/"))
            .unwrap();
        assert_eq!(
            finish.body.unwrap()["hashes"]["sha512"],
            json!(up.hashes.sha512)
        );

        let (got, done) = objects::download_to_vec(&object, &name, &no_options())
            .await
            .unwrap();
        assert!(got == bytes, "{len} bytes differ");
        assert_eq!(done.hashes.as_ref(), Some(&up.hashes));
        assert_eq!(
            done.content_type.as_deref(),
            Some("application/octet-stream")
        );
        let path = dir.join(format!("out-{i}"));
        objects::download_to_file(&object, &name, &path, &no_options())
            .await
            .unwrap();
        assert!(std::fs::read(&path).unwrap() == bytes);
        let mut sink = Vec::new();
        objects::download_to_writer(&object, &name, &mut sink, &no_options())
            .await
            .unwrap();
        assert!(sink == bytes);
        for get in tc.storage.requests_for("GET", &key) {
            assert!(get.header("authorization").is_none());
            assert_eq!(get.status, 200);
        }
    }
    // Every API call was signed with the test's credentials (unsigned ones are refused).
    assert!(tc.calls().iter().all(|c| c.client_id == CLIENT_ID));
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn small_objects_go_by_put_url_when_inline_is_refused() {
    let tc = Deployment::start().await;
    tc.knobs(|k| k.inline = false);
    let object = Object::new(&tc.config());
    let up = objects::upload_from_bytes(&object, &upload("tiny"), &b"x"[..])
        .await
        .unwrap();
    assert_eq!(up.method, UploadMethod::PutUrl);
    let (got, _) = objects::download_to_vec(&object, "tiny", &no_options())
        .await
        .unwrap();
    assert_eq!(got, b"x");
    // createUpload proposed both methods, with the data inline.
    let create = tc
        .calls()
        .into_iter()
        .find(|c| c.path.contains("/upload/"))
        .unwrap();
    let proposed = &create.body.unwrap()["proposedUploadMethods"];
    assert_eq!(proposed["dataInline"]["objectData"], json!("eA=="));
    assert_eq!(
        proposed["putUrl"],
        json!({"contentType": "application/x-test", "contentLength": 1})
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upload_from_file_and_reader_with_ids_and_lengths_checked() {
    let tc = Deployment::start().await;
    let object = Object::new(&tc.config());
    let dir = temp_dir("sources");
    let bytes = data(100_000, 7);
    let file = dir.join("in.bin");
    std::fs::write(&file, &bytes).unwrap();
    let id = tc_client::runtime::slugid::nice();
    let up = objects::upload_from_file(&object, &upload("from-file").with_upload_id(&id), &file)
        .await
        .unwrap();
    assert_eq!((up.upload_id.as_str(), up.length), (id.as_str(), 100_000));
    assert_eq!(tc.obj("from-file").upload_id, id);

    // A reader is read from where it stands.
    let mut cursor = std::io::Cursor::new(bytes.clone());
    cursor.set_position(1000);
    objects::upload_from_reader(&object, &upload("from-reader"), cursor, 99_000)
        .await
        .unwrap();
    let (got, _) = objects::download_to_vec(&object, "from-reader", &no_options())
        .await
        .unwrap();
    assert!(got == bytes[1000..]);

    // Declared lengths are checked: shorter and longer sources fail, before finishUpload.
    for declared in [100_001, 99_999, 5_000] {
        let cursor = std::io::Cursor::new(bytes.clone());
        let name = format!("wrong-length-{declared}");
        let err = objects::upload_from_reader(&object, &upload(&name), cursor, declared)
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Io, "{declared}: {err}");
        let finished = tc
            .state
            .lock()
            .unwrap()
            .objects
            .get(&name)
            .map(|o| o.finished);
        assert_ne!(finished, Some(true), "{declared}");
    }
    let err = objects::upload_from_file(&object, &upload("missing"), dir.join("nope"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Io);
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corrupted_download_is_detected_and_not_retried() {
    let tc = Deployment::start().await;
    let object = Object::new(&tc.config());
    let bytes = data(300_000, 3);
    tc.seed_object("corrupt", &bytes);
    let key = tc.key_of("corrupt");
    tc.storage.state.lock().unwrap().corrupt.insert(key.clone());
    let dir = temp_dir("corrupt");
    let dest = dir.join("out.bin");
    let err = objects::download_to_file(&object, "corrupt", &dest, &no_options())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::HashMismatch, "{err}");
    assert_eq!(tc.storage.requests_for("GET", &key).len(), 1);
    // Nothing is left that looks like a download, complete or not.
    only_file(&dir, None);
    let err = objects::download_to_vec(&object, "corrupt", &no_options())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::HashMismatch);
    // A wrong hash from the service is a mismatch too, and one matching hash is not enough.
    tc.storage.state.lock().unwrap().corrupt.clear();
    let good = Hashes::of(&bytes);
    tc.knobs(|k| {
        k.hashes_override = Some(json!({"sha256": good.sha256, "sha512": "0".repeat(128)}))
    });
    let err = objects::download_to_vec(&object, "corrupt", &no_options())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::HashMismatch);
    // Only one acceptable hash present, and right: fine.
    tc.knobs(|k| k.hashes_override = Some(json!({"sha512": good.sha512, "md5": "whatever"})));
    objects::download_to_vec(&object, "corrupt", &no_options())
        .await
        .unwrap();
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_hashes_are_rejected_before_any_data_moves() {
    let tc = Deployment::start().await;
    let object = Object::new(&tc.config());
    tc.seed_object("unhashed", b"some data");
    let key = tc.key_of("unhashed");
    for hashes in [json!({}), json!({"md5": "abc", "sha1": "def"})] {
        tc.knobs(|k| k.hashes_override = Some(hashes.clone()));
        let err = objects::download_to_vec(&object, "unhashed", &no_options())
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::MissingHashes, "{hashes}: {err}");
    }
    assert!(tc.storage.requests_for("GET", &key).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn storage_failing_twice_with_503_then_succeeding() {
    let tc = Deployment::start().await;
    tc.knobs(|k| k.inline = false);
    let object = Object::new(&tc.config());
    let bytes = data(200_000, 9);
    let name = "flaky";
    let progress = Arc::new(Mutex::new(Vec::<Progress>::new()));
    let p = progress.clone();
    let up = upload(name).with_progress(Arc::new(move |x| p.lock().unwrap().push(x)));
    tc.knobs(|k| k.next_key = Some("flaky-key".into()));
    tc.storage.fault("flaky-key", Fault::Status(503));
    tc.storage.fault("flaky-key", Fault::Status(503));
    let done = objects::upload_from_bytes(&object, &up, bytes.clone())
        .await
        .unwrap();
    assert_eq!(done.hashes, Hashes::of(&bytes));
    let statuses: Vec<u16> = tc
        .storage
        .requests_for("PUT", "flaky-key")
        .iter()
        .map(|r| r.status)
        .collect();
    assert_eq!(statuses, [503, 503, 200]);
    let seen = progress.lock().unwrap().clone();
    assert_eq!(
        seen.last(),
        Some(&Progress {
            done: 200_000,
            total: Some(200_000)
        })
    );

    // Download: two 503s, then the data.
    tc.storage.fault("flaky-key", Fault::Status(503));
    tc.storage.fault("flaky-key", Fault::Status(503));
    let (got, done) = objects::download_to_vec(&object, name, &no_options())
        .await
        .unwrap();
    assert!(got == bytes);
    assert_eq!(done.attempts, 3);
    let statuses: Vec<u16> = tc
        .storage
        .requests_for("GET", "flaky-key")
        .iter()
        .map(|r| r.status)
        .collect();
    assert_eq!(statuses, [503, 503, 200]);

    // Retries run out: a 5xx error after retries + 1 attempts.
    for _ in 0..5 {
        tc.storage.fault("flaky-key", Fault::Status(500));
    }
    let err = objects::download_to_vec(&object, name, &no_options())
        .await
        .unwrap_err();
    assert_eq!(
        (err.kind(), err.status(), err.attempts()),
        (ErrorKind::ServerError, Some(500), 5)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_hundreds_are_not_retried_and_urls_keep_their_secrets() {
    let tc = Deployment::start().await;
    let object = Object::new(&tc.config());
    tc.seed_object("forbidden", &data(50_000, 1));
    let key = tc.key_of("forbidden");
    tc.storage.fault(&key, Fault::Status(403));
    let err = objects::download_to_vec(&object, "forbidden", &no_options())
        .await
        .unwrap_err();
    assert_eq!(
        (err.kind(), err.status(), err.attempts()),
        (ErrorKind::Storage, Some(403), 1)
    );
    assert_eq!(tc.storage.requests_for("GET", &key).len(), 1);
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains("SECRET"), "{shown}");
    assert!(!shown.contains(ACCESS_TOKEN), "{shown}");
    assert!(shown.contains(&format!("/get/{key}")), "{shown}");
    assert!(shown.contains("SlowDown"), "{shown}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn storage_refusals_are_storage_errors_not_missing_scopes() {
    let tc = Deployment::start().await;
    tc.knobs(|k| k.inline = false);
    let base = tc.storage.base();

    // A getUrl that storage refuses (an expired signature, say).
    let object = Object::new(&tc.config());
    tc.seed_object("signed/get", &data(10_000, 1));
    let key = tc.key_of("signed/get");
    tc.storage.fault(&key, Fault::Status(403));
    let err = objects::download_to_vec(&object, "signed/get", &no_options())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Storage);
    assert!(!err.is_insufficient_scopes());
    assert_eq!((err.status(), err.code()), (Some(403), None));
    assert_eq!(err.message(), "SlowDown: storage says no");
    assert_eq!(
        err.to_string(),
        format!(
            "GET {base}/get/{key}: storage refused the request (HTTP 403): SlowDown: storage says no"
        )
    );

    // A putUrl likewise.
    tc.knobs(|k| k.next_key = Some("signed-put".into()));
    tc.storage.fault("signed-put", Fault::Status(403));
    let err = objects::upload_from_bytes(&object, &upload("signed/put"), data(10_000, 2))
        .await
        .unwrap_err();
    assert_eq!(
        (err.kind(), err.status(), err.attempts()),
        (ErrorKind::Storage, Some(403), 1)
    );
    assert_eq!(
        err.to_string(),
        format!(
            "PUT {base}/put/signed-put: storage refused the request (HTTP 403): AccessDenied: \
             storage says no"
        )
    );

    // An S3 artifact's URL; and one that is gone from the bucket is no API's 404.
    let queue = Queue::new(&tc.config());
    let task = "fN1SbArXTPSVFNUvaOlinQ";
    tc.storage.put_bytes("s3-key", &data(1_000, 3));
    let signed = format!("{base}/get/s3-key?X-Amz-Signature=SECRET-S3-SIGNATURE");
    tc.add_artifact(task, 0, "public/s3.bin", Artifact::S3(signed.clone()));
    tc.storage.fault("s3-key", Fault::Status(403));
    let err =
        objects::download_artifact_to_vec(&queue, task, Some(0), "public/s3.bin", &no_options())
            .await
            .unwrap_err();
    assert_eq!((err.kind(), err.status()), (ErrorKind::Storage, Some(403)));
    assert_eq!(err.url(), Some(format!("{base}/get/s3-key").as_str()));
    let gone = format!("{base}/get/no-such-key?X-Amz-Signature=SECRET-S3-SIGNATURE");
    tc.add_artifact(task, 0, "public/gone.bin", Artifact::S3(gone));
    let err =
        objects::download_artifact_to_vec(&queue, task, Some(0), "public/gone.bin", &no_options())
            .await
            .unwrap_err();
    assert_eq!((err.kind(), err.status()), (ErrorKind::Storage, Some(404)));
    assert!(!err.is_not_found());
    assert_eq!(
        err.to_string(),
        format!(
            "GET {base}/get/no-such-key: storage refused the request (HTTP 404): NoSuchKey: \
             storage says no"
        )
    );
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains("SECRET"), "{shown}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_storage_url_that_cannot_be_reached_says_why_and_keeps_its_signature() {
    let tc = Deployment::start().await;
    let queue = Queue::new(&tc.config().with_retries(0));
    let (port, _) = tc_testkit::closed_port();
    let task = "fN1SbArXTPSVFNUvaOlinQ";
    let url = format!("http://127.0.0.1:{port}/get/k?X-Amz-Signature=SECRET-S3-SIGNATURE");
    tc.add_artifact(task, 0, "public/far.bin", Artifact::S3(url));
    let err =
        objects::download_artifact_to_vec(&queue, task, Some(0), "public/far.bin", &no_options())
            .await
            .unwrap_err();
    let refused = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Transport);
    assert_eq!(err.message(), format!("cannot connect: {refused}"));
    assert_eq!(
        err.to_string(),
        format!("GET http://127.0.0.1:{port}/get/k: transport error: cannot connect: {refused}")
    );
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains("SECRET"), "{shown}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_artifact_calls_carry_an_error_artifacts_reason() {
    // `getArtifact` and `getLatestArtifact` as the generated methods make them: a plain call,
    // which the queue answers with 424 and the artifact's reason for an error artifact.
    let tc = Deployment::start().await;
    let task = "fN1SbArXTPSVFNUvaOlinQ";
    tc.add_artifact(
        task,
        1,
        "public/missing.log",
        Artifact::Error {
            reason: "file-missing-on-worker".into(),
            message: "no such file".into(),
        },
    );
    let name = tc_client::runtime::escape("public/missing.log");
    // The plain request, as `getArtifact` makes it, through a raw client.
    let raw = tc_client::runtime::Client::new(&tc.config(), "queue", "v1");
    for path in [
        format!("task/{task}/runs/1/artifacts/{name}"),
        format!("task/{task}/artifacts/{name}"),
    ] {
        let err = raw
            .request(tc_client::runtime::Method::GET, path.clone())
            .call::<serde_json::Value>()
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ClientError, "{err}");
        assert_eq!(err.artifact_reason(), Some("file-missing-on-worker"));
        assert_eq!(err.message(), "no such file");
        assert_eq!((err.status(), err.code()), (Some(424), None));
        assert_eq!(err.attempts(), 1);
        assert_eq!(
            err.to_string(),
            format!(
                "GET {}/api/queue/v1/{path}: request rejected (HTTP 424): error artifact \
                 (file-missing-on-worker): no such file",
                tc.api.root_url()
            )
        );
    }
    // Other artifacts still answer with their redirect.
    tc.add_artifact(
        task,
        1,
        "public/ref",
        Artifact::Reference("https://example.com/x".into()),
    );
    let answer: serde_json::Value = raw
        .request(
            tc_client::runtime::Method::GET,
            format!("task/{task}/runs/1/artifacts/public%2Fref"),
        )
        .call()
        .await
        .unwrap();
    assert_eq!(
        answer,
        json!({"storageType": "reference", "url": "https://example.com/x"})
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_put_without_the_put_url_headers_is_refused() {
    let tc = Deployment::start().await;
    tc.knobs(|k| k.inline = false);
    let object = Object::new(&tc.config());
    let name = "strict";
    objects::upload_from_bytes(&object, &upload(name), &b"hello"[..])
        .await
        .unwrap();
    // The same PUT without the headers putUrl named (as a client ignoring them would send).
    let key = tc.key_of(name);
    let http = reqwest::Client::new();
    let resp = http
        .put(format!("{}/put/{key}", tc.storage.base()))
        .body("hello")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 403);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_dropped_mid_body_resumes_or_restarts() {
    let tc = Deployment::start().await;
    let object = Object::new(&tc.config());
    let bytes = data(2_000_000, 5);
    tc.seed_object("dropped", &bytes);
    let key = tc.key_of("dropped");
    let dir = temp_dir("dropped");

    // Download resumes with Range where the connection dropped.
    tc.storage.fault(&key, Fault::DropAfter(700_000));
    let dest = dir.join("out.bin");
    let done = objects::download_to_file(&object, "dropped", &dest, &no_options())
        .await
        .unwrap();
    assert!(std::fs::read(&dest).unwrap() == bytes);
    assert_eq!(done.attempts, 2);
    let gets = tc.storage.requests_for("GET", &key);
    assert_eq!(gets.len(), 2);
    let range = gets[1].header("range").unwrap();
    let resumed_at: u64 = range
        .strip_prefix("bytes=")
        .unwrap()
        .strip_suffix('-')
        .unwrap()
        .parse()
        .unwrap();
    assert!(resumed_at > 0 && resumed_at <= 700_000, "{range}");
    assert_eq!(gets[1].status, 206);
    only_file(&dir, Some("out.bin"));

    // A server that ignores Range sends everything again; what was written is skipped.
    tc.storage.state.lock().unwrap().ignore_range = true;
    tc.storage.fault(&key, Fault::DropAfter(1_234_567));
    let (got, done) = objects::download_to_vec(&object, "dropped", &no_options())
        .await
        .unwrap();
    assert!(got == bytes);
    assert_eq!(done.attempts, 2);
    assert_eq!(
        tc.storage.requests_for("GET", &key).last().unwrap().status,
        200
    );

    // An upload dropped mid-body starts again from the first byte.
    tc.knobs(|k| {
        k.inline = false;
        k.next_key = Some("dropped-up-key".into());
    });
    let up_key = "dropped-up-key";
    tc.storage.fault(up_key, Fault::DropAfter(500_000));
    let file = dir.join("in.bin");
    std::fs::write(&file, &bytes).unwrap();
    let done = objects::upload_from_file(&object, &upload("dropped-up"), &file)
        .await
        .unwrap();
    assert_eq!(done.hashes, Hashes::of(&bytes));
    let puts = tc.storage.requests_for("PUT", up_key);
    assert_eq!(puts.iter().map(|p| p.status).collect::<Vec<_>>(), [0, 200]);
    let (got, _) = objects::download_to_vec(&object, "dropped-up", &no_options())
        .await
        .unwrap();
    assert!(got == bytes);
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_get_url_is_refreshed_before_a_retry() {
    let tc = Deployment::start().await;
    let object = Object::new(&tc.config());
    tc.seed_object("expiring", &data(100_000, 2));
    let key = tc.key_of("expiring");
    let starts = || {
        tc.calls()
            .iter()
            .filter(|c| c.path.contains("/start-download/"))
            .count()
    };
    // A URL that has not expired is reused for the retry ...
    tc.storage.fault(&key, Fault::Status(503));
    objects::download_to_vec(&object, "expiring", &no_options())
        .await
        .unwrap();
    assert_eq!(starts(), 1);
    // ... one that has is replaced first.
    tc.knobs(|k| k.geturl_ttl_secs = -1);
    tc.storage.fault(&key, Fault::Status(503));
    tc.storage.fault(&key, Fault::Status(503));
    objects::download_to_vec(&object, "expiring", &no_options())
        .await
        .unwrap();
    assert_eq!(starts(), 1 + 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gzip_encoded_answers_are_decoded_and_hashed_decoded() {
    let tc = Deployment::start().await;
    let object = Object::new(&tc.config());
    let text: Vec<u8> = "log line, again and again\n".repeat(20_000).into_bytes();
    tc.seed_object("log", &text);
    let key = tc.key_of("log");
    tc.storage.state.lock().unwrap().gzip.insert(key.clone());
    let progress = Arc::new(Mutex::new(Vec::<Progress>::new()));
    let p = progress.clone();
    let options =
        DownloadOptions::default().with_progress(Arc::new(move |x| p.lock().unwrap().push(x)));
    let (got, done) = objects::download_to_vec(&object, "log", &options)
        .await
        .unwrap();
    assert!(got == text);
    assert_eq!(done.length, text.len() as u64);
    let get = &tc.storage.requests_for("GET", &key)[0];
    assert_eq!(get.header("accept-encoding"), Some("gzip"));
    let seen = progress.lock().unwrap().clone();
    assert!(seen.windows(2).all(|w| w[0].done <= w[1].done));
    assert_eq!(seen.last().unwrap().done, text.len() as u64);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn artifacts_of_every_storage_type() {
    let tc = Deployment::start().await;
    let queue = Queue::new(&tc.config());
    let task = "fN1SbArXTPSVFNUvaOlinQ";
    let s3 = data(40_000, 11);
    tc.storage.put_bytes("s3-key", &s3);
    tc.add_artifact(
        task,
        0,
        "public/s3.bin",
        Artifact::S3(format!(
            "{}/get/s3-key?X-Amz-Signature=SECRET",
            tc.storage.base()
        )),
    );
    // A reference to an external server, which redirects to where the data is.
    let target = format!("{}/get/s3-key", tc.storage.base());
    let external = tc_testkit::Server::start(move |_| {
        tc_testkit::Reply::Raw(302, vec![("location".into(), target.clone())], vec![])
    })
    .await;
    tc.add_artifact(
        task,
        0,
        "public/ref.bin",
        Artifact::Reference(format!("{}/elsewhere", external.root_url())),
    );
    let obj = data(123_456, 12);
    tc.seed_object(&format!("t/{task}/1/private/obj.bin"), &obj);
    tc.add_artifact(task, 1, "private/obj.bin", Artifact::Object);
    tc.add_artifact(
        task,
        1,
        "public/missing.log",
        Artifact::Error {
            reason: "file-missing-on-worker".into(),
            message: "no such file".into(),
        },
    );

    let (got, done) =
        objects::download_artifact_to_vec(&queue, task, Some(0), "public/s3.bin", &no_options())
            .await
            .unwrap();
    assert!(got == s3);
    assert_eq!(done.hashes, None);
    let (got, _) =
        objects::download_artifact_to_vec(&queue, task, Some(0), "public/ref.bin", &no_options())
            .await
            .unwrap();
    assert!(got == s3);
    let ext = external.requests();
    assert_eq!(ext.len(), 1);
    assert!(ext[0].header("authorization").is_none());

    // Object artifacts go through the object service with the queue's temporary credentials;
    // `None` is the latest run.
    let dir = temp_dir("artifacts");
    let dest = dir.join("obj.bin");
    let done = objects::download_artifact_to_file(
        &queue,
        task,
        None,
        "private/obj.bin",
        &dest,
        &no_options(),
    )
    .await
    .unwrap();
    assert!(std::fs::read(&dest).unwrap() == obj);
    assert_eq!(done.hashes, Some(Hashes::of(&obj)));
    let start = tc
        .calls()
        .into_iter()
        .find(|c| c.path.contains("/start-download/"))
        .unwrap();
    assert_eq!(
        start.client_id,
        format!("artifact-download/{task}/1/private/obj.bin")
    );

    let err = objects::download_artifact_to_vec(
        &queue,
        task,
        Some(1),
        "public/missing.log",
        &no_options(),
    )
    .await
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ClientError);
    assert_eq!(err.artifact_reason(), Some("file-missing-on-worker"));
    assert_eq!(err.message(), "no such file");
    let err = objects::download_artifact_to_file(
        &queue,
        task,
        Some(1),
        "public/missing.log",
        dir.join("x"),
        &no_options(),
    )
    .await
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ClientError);
    only_file(&dir, Some("obj.bin"));
    let err = objects::download_artifact_to_vec(&queue, task, Some(0), "nope", &no_options())
        .await
        .unwrap_err();
    assert!(err.is_not_found());
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn artifact_upload_in_one_call() {
    let tc = Deployment::start().await;
    tc.knobs(|k| k.inline = false);
    let queue = Queue::new(&tc.config());
    let task = "eDeWfIn6Spy2Dn6Uh2UeMg";
    let bytes = data(500_000, 4);
    let artifact = ArtifactUpload::new(
        task,
        2,
        "public/build/target.tar.gz",
        Utc::now() + Duration::days(3),
    )
    .with_content_type("application/gzip");
    let up = objects::upload_artifact_from_bytes(&queue, &artifact, bytes.clone())
        .await
        .unwrap();
    assert_eq!(up.name, format!("t/{task}/2/public/build/target.tar.gz"));
    let calls = tc.calls();
    let kinds: Vec<(String, String)> = calls
        .iter()
        .map(|c| {
            (
                c.method.clone(),
                c.path
                    .rsplit_once("/v1/")
                    .unwrap()
                    .1
                    .split('/')
                    .next()
                    .unwrap()
                    .to_owned(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("POST", "task"),
            ("PUT", "upload"),
            ("POST", "finish-upload"),
            ("PUT", "task")
        ]
        .map(|(m, p)| (m.to_owned(), p.to_owned()))
    );
    // The object calls used the queue's temporary credentials; createArtifact asked for an object.
    assert!(
        calls[1].client_id.starts_with("artifact-upload/")
            && calls[2].client_id == calls[1].client_id
    );
    let create = calls[0].body.as_ref().unwrap();
    assert_eq!(create["storageType"], json!("object"));
    // No contentLength unless asked for (see `content_length_is_the_callers_choice`).
    assert_eq!(create.get("contentLength"), None);
    assert_eq!(
        calls[3].body.as_ref().unwrap()["uploadId"],
        json!(up.upload_id)
    );
    let (got, _) = objects::download_artifact_to_vec(
        &queue,
        task,
        Some(2),
        "public/build/target.tar.gz",
        &no_options(),
    )
    .await
    .unwrap();
    assert!(got == bytes);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn content_length_is_the_callers_choice() {
    use tc_testkit::objects::ContentLength;
    let tc = Deployment::start().await;
    let queue = Queue::new(&tc.config());
    let task = "eDeWfIn6Spy2Dn6Uh2UeMg";
    let expires = Utc::now() + Duration::days(3);
    let creates = |tc: &Deployment| -> Vec<serde_json::Value> {
        tc.calls()
            .into_iter()
            .filter(|c| c.method == "POST" && c.path.contains("/artifacts/"))
            .map(|c| c.body.unwrap())
            .collect()
    };
    let finishes = |tc: &Deployment| {
        tc.calls()
            .into_iter()
            .filter(|c| c.method == "PUT" && c.path.contains("/artifacts/"))
            .count()
    };

    // As v106 does: the default upload works, one with contentLength fails at finishArtifact
    // (every retry too), and the error says why.
    let plain = ArtifactUpload::new(task, 0, "public/plain.bin", expires);
    objects::upload_artifact_from_bytes(&queue, &plain, data(100, 1))
        .await
        .unwrap();
    let sized = ArtifactUpload::new(task, 0, "public/sized.bin", expires).with_content_length(true);
    let err = objects::upload_artifact_from_bytes(&queue, &sized, data(100, 2))
        .await
        .unwrap_err();
    assert_eq!(creates(&tc)[1]["contentLength"], json!(100));
    assert_eq!(err.kind(), ErrorKind::ServerError);
    assert_eq!(
        (err.status(), err.code()),
        (Some(500), Some("InternalServerError"))
    );
    assert_eq!(err.attempts(), 5);
    assert_eq!(finishes(&tc), 1 + 5);
    let said = "Internal Server Error, incidentId 8e0b0d6e-0d5c-4b8c-9f0a-3c1f5e2a7d41.";
    let message = format!(
        "finishArtifact failed after an upload that sent contentLength: queues v96.7.0 to \
         v106.0.0 store the length, then cannot publish the artifact-created message, whose \
         schema does not allow it; the data is uploaded and the artifact probably present, but \
         unannounced. Upload without contentLength (ArtifactUpload::with_content_length(false), \
         the default) (the queue said: {said})"
    );
    assert_eq!(err.message(), message);
    assert_eq!(
        err.to_string(),
        format!(
            "PUT {}/api/queue/v1/task/{task}/runs/0/artifacts/public%2Fsized.bin: server error \
             (HTTP 500): InternalServerError: {message}",
            tc.api.root_url()
        )
    );

    // Before v96.7.0 the field is refused at once; the default still works there.
    tc.knobs(|k| k.content_length = ContentLength::Refused);
    let err = objects::upload_artifact_from_bytes(&queue, &sized, data(100, 2))
        .await
        .unwrap_err();
    assert_eq!(
        (err.kind(), err.code()),
        (ErrorKind::ClientError, Some("InputValidationError"))
    );
    assert!(!err.message().contains("finishArtifact"), "{err}");
    let plain = ArtifactUpload::new(task, 0, "public/plain-old.bin", expires);
    objects::upload_artifact_from_bytes(&queue, &plain, data(100, 3))
        .await
        .unwrap();
    assert_eq!(creates(&tc).last().unwrap().get("contentLength"), None);

    // A queue that takes it.
    tc.knobs(|k| k.content_length = ContentLength::Accepted);
    let sized =
        ArtifactUpload::new(task, 0, "public/sized-ok.bin", expires).with_content_length(true);
    objects::upload_artifact_from_bytes(&queue, &sized, data(300, 4))
        .await
        .unwrap();
    assert_eq!(creates(&tc).last().unwrap()["contentLength"], json!(300));
}

// ---- Memory: a 64 MiB round trip (file → object service → file) keeps memory flat ----------

const MIB: usize = 1 << 20;

fn status_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("no {field} in /proc/self/status"))
}

fn sha256_of_file(path: &std::path::Path) -> String {
    let mut file = std::fs::File::open(path).unwrap();
    let mut ctx = Context::new(&SHA256);
    let mut buf = vec![0u8; MIB];
    loop {
        let n = std::io::Read::read(&mut file, &mut buf).unwrap();
        if n == 0 {
            break;
        }
        ctx.update(&buf[..n]);
    }
    tc_testkit::objects::storage::hex(ctx.finish().as_ref())
}

/// Runs [`memory_child`] alone in a new process of this test binary, so that no other test's
/// allocations count in its peak RSS.
#[test]
fn a_64_mib_round_trip_keeps_memory_flat() {
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "memory_child",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success() && text.contains("1 passed"),
        "the memory child failed:\n{text}"
    );
    eprintln!(
        "{}",
        text.lines().find(|l| l.contains("peak RSS")).unwrap_or("")
    );
}

/// The peak RSS (`VmHWM`, reset through `/proc/self/clear_refs`) grows by far less than the
/// 64 MiB object over an upload from a file and a download to a file.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "run by a_64_mib_round_trip_keeps_memory_flat in a process of its own"]
async fn memory_child() {
    let tc = Deployment::start().await;
    let object = Object::new(&tc.config());
    let dir = temp_dir("memory");
    let source = dir.join("in.bin");
    let mut file = std::fs::File::create(&source).unwrap();
    for i in 0..64 {
        file.write_all(&data(MIB, i)).unwrap();
    }
    drop(file);
    let want = sha256_of_file(&source);

    // Warm up (thread pools, connection pool, TLS-free HTTP client) with a small transfer.
    let up = Upload::new(PROJECT, "warm", Utc::now() + Duration::days(1));
    objects::upload_from_bytes(&object, &up, data(2 * MIB, 99))
        .await
        .unwrap();
    objects::download_to_vec(&object, "warm", &DownloadOptions::default())
        .await
        .unwrap();

    let reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
    let before = if reset {
        status_kib("VmRSS:")
    } else {
        status_kib("VmHWM:")
    };
    let up = Upload::new(PROJECT, "big/object", Utc::now() + Duration::days(1));
    let uploaded = objects::upload_from_file(&object, &up, &source)
        .await
        .unwrap();
    assert_eq!(uploaded.method, UploadMethod::PutUrl);
    assert_eq!(uploaded.length, 64 * MIB as u64);
    assert_eq!(uploaded.hashes.sha256, want);
    let dest = dir.join("out.bin");
    let done = objects::download_to_file(&object, "big/object", &dest, &DownloadOptions::default())
        .await
        .unwrap();
    let after = status_kib("VmHWM:");
    assert_eq!(done.length, 64 * MIB as u64);
    assert_eq!(sha256_of_file(&dest), want);
    let grew_mib = after.saturating_sub(before) as f64 / 1024.0;
    eprintln!("peak RSS grew by {grew_mib:.1} MiB over {before} kB (reset: {reset})");
    assert!(
        grew_mib < 32.0,
        "peak RSS grew by {grew_mib:.1} MiB for a 64 MiB round trip"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

// ---- Cross-checks with Taskcluster's Python client ------------------------------------------

/// Runs `objects_peer.py` with `args` after the credentials.
async fn python(tc: &Deployment, args: Vec<String>) {
    let script = tc_testkit::peers::peers_dir().join("objects_peer.py");
    let root = tc.api.root_url();
    let out = tokio::task::spawn_blocking(move || {
        Command::new("python3")
            .arg(script)
            .arg(args[0].clone())
            .args([root.as_str(), CLIENT_ID, ACCESS_TOKEN])
            .args(&args[1..])
            .output()
    })
    .await
    .unwrap()
    .unwrap_or_else(|e| {
        panic!("python3 is missing ({e}): run `bash runtime/taskcluster/tests/peers/install.sh`")
    });
    assert!(
        out.status.success(),
        "objects_peer.py failed (is `taskcluster` installed? run `bash runtime/taskcluster/tests/peers/install.sh`):\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_downloads_what_we_upload_and_we_download_what_python_uploads() {
    let tc = Deployment::start().await;
    let object = Object::new(&tc.config());
    let dir = temp_dir("peer");
    for (i, len) in [5_000usize, 1_500_000].into_iter().enumerate() {
        let bytes = data(len, 40 + i as u8);

        // Ours up, Python down.
        let name = format!("peer/from-rust-{len}");
        let up = Upload::new(PROJECT, &name, Utc::now() + Duration::days(1));
        objects::upload_from_bytes(&object, &up, bytes.clone())
            .await
            .unwrap();
        let theirs = dir.join(format!("python-got-{len}"));
        python(
            &tc,
            vec![
                "download".into(),
                name.clone(),
                theirs.display().to_string(),
            ],
        )
        .await;
        assert!(
            std::fs::read(&theirs).unwrap() == bytes,
            "{len} bytes via Python"
        );

        // Python up, ours down (and the hashes Python sent are ours).
        let name = format!("peer/from-python-{len}");
        let source = dir.join(format!("python-sends-{len}"));
        std::fs::write(&source, &bytes).unwrap();
        python(
            &tc,
            vec![
                "upload".into(),
                PROJECT.into(),
                name.clone(),
                source.display().to_string(),
            ],
        )
        .await;
        let puts = tc.storage.requests_for("PUT", &tc.key_of(&name));
        assert_eq!(
            puts.len(),
            usize::from(len >= 8192),
            "Python's PUTs for {len} bytes"
        );
        let ours = dir.join(format!("rust-got-{len}"));
        let done = objects::download_to_file(&object, &name, &ours, &DownloadOptions::default())
            .await
            .unwrap();
        assert!(
            std::fs::read(&ours).unwrap() == bytes,
            "{len} bytes from Python"
        );
        assert_eq!(done.hashes, Some(Hashes::of(&bytes)));
    }
    // Python signed every call too (the service refuses anything else).
    assert!(tc.calls().iter().all(|c| c.client_id == CLIENT_ID));
    std::fs::remove_dir_all(dir).unwrap();
}

/// A current-thread runtime: the recorder listens on this thread only.
#[tokio::test]
async fn transfers_are_traced_with_bytes_hashes_and_refreshes_and_no_secret() {
    let recorder = tc_testkit::traces::Recorder::new();
    let _guard = recorder.install();
    let tc = Deployment::start().await;
    tc.knobs(|k| {
        k.inline = false;
        k.next_key = Some("traced-key".into());
    });
    let object = Object::new(&tc.config());
    let bytes = data(200_000, 3);
    tc.storage.fault("traced-key", Fault::Status(503));
    objects::upload_from_bytes(&object, &upload("traced"), bytes.clone())
        .await
        .unwrap();
    // The getUrl expires at once: the retry after the 503 asks for a fresh one.
    tc.knobs(|k| k.geturl_ttl_secs = -1);
    tc.storage.fault("traced-key", Fault::Status(503));
    let (got, _) = objects::download_to_vec(&object, "traced", &no_options())
        .await
        .unwrap();
    assert!(got == bytes);
    // An object artifact: the queue hands out temporary credentials.
    tc.knobs(|k| k.geturl_ttl_secs = 60);
    let task = "fN1SbArXTPSVFNUvaOlinQ";
    tc.seed_object(&format!("t/{task}/0/private/obj.bin"), &data(1000, 4));
    tc.add_artifact(task, 0, "private/obj.bin", Artifact::Object);
    objects::download_artifact_to_vec(
        &Queue::new(&tc.config()),
        task,
        Some(0),
        "private/obj.bin",
        &no_options(),
    )
    .await
    .unwrap();

    let transfers = recorder.spans("tc.transfer");
    assert_eq!(transfers.len(), 3, "{transfers:#?}");
    let (up, down, artifact) = (&transfers[0], &transfers[1], &transfers[2]);
    let storage = tc.storage.base();
    for (span, fields) in [
        (
            up,
            vec![
                ("tc.transfer.direction", "upload".to_owned()),
                ("tc.object.name", "traced".to_owned()),
                ("tc.transfer.bytes", "200000".to_owned()),
                ("tc.transfer.hashes", "sha256,sha512".to_owned()),
                ("tc.transfer.url_refreshed", "0".to_owned()),
                ("tc.attempts", "2".to_owned()),
                ("url.full", format!("{storage}/put/traced-key")),
            ],
        ),
        (
            down,
            vec![
                ("tc.transfer.direction", "download".to_owned()),
                ("tc.transfer.bytes", "200000".to_owned()),
                ("tc.transfer.hashes", "sha256,sha512".to_owned()),
                ("tc.transfer.url_refreshed", "1".to_owned()),
                ("tc.attempts", "2".to_owned()),
                ("url.full", format!("{storage}/get/traced-key")),
            ],
        ),
        (
            artifact,
            vec![
                ("tc.transfer.bytes", "1000".to_owned()),
                ("tc.transfer.hashes", "sha256,sha512".to_owned()),
                ("tc.attempts", "1".to_owned()),
            ],
        ),
    ] {
        for (field, value) in fields {
            assert_eq!(
                span.field(field),
                Some(value.as_str()),
                "{field}: {span:#?}"
            );
        }
        assert!(span.field("tc.transfer.rate_mb_s").is_some());
        assert!(span.field("tc.transfer.duration_ms").is_some());
    }
    assert_eq!(recorder.events("transfer done").len(), 3);
    let retries = recorder.events("retrying");
    assert_eq!(retries.len(), 2, "{retries:#?}");
    for retry in &retries {
        assert!(retry.within("tc.transfer"));
        assert_eq!(retry.field("error.type"), Some("503"));
    }
    let refreshed = recorder.events("the storage URL expired");
    assert_eq!(refreshed.len(), 1);
    // The object service's calls are spans inside the transfers (the queue's `artifact` call
    // comes before its transfer).
    let calls = recorder.spans("tc.call");
    for call in &calls {
        let object = call.field("tc.service") == Some("object");
        assert_eq!(call.within("tc.transfer"), object, "{call:#?}");
    }
    assert!(
        calls
            .iter()
            .any(|c| c.field("url.full").unwrap().contains("/start-download/"))
    );

    let state = tc.state.lock().unwrap();
    let mut secrets: Vec<String> = state.keys.values().cloned().collect();
    for certificate in &state.certificates {
        let parsed: serde_json::Value = serde_json::from_str(certificate).unwrap();
        secrets.push(parsed["signature"].as_str().unwrap().to_owned());
        secrets.push(certificate.clone());
    }
    assert!(!state.certificates.is_empty());
    secrets.push("SECRET".into());
    let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
    recorder.assert_no_secret(&secrets);
}
