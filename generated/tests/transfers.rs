//! The transfer methods the generator gives the object and queue clients
//! (`Object::download_to_file`, `Queue::upload_artifact_from_file`, …), called as a user
//! would, against the loopback object service, queue and storage server of
//! `tc_testkit::objects`. The transfers themselves are tested in depth in
//! `runtime/taskcluster/tests/objects.rs`; this checks that each generated method reaches its transfer
//! with its arguments in place.

use std::sync::{Arc, Mutex};

use tc_client::ErrorKind;
use tc_client::chrono::{Duration, Utc};
use tc_client::object::Object;
use tc_client::queue::Queue;
use tc_client::runtime::objects::{ArtifactUpload, DownloadOptions, Hashes, Upload};
use tc_testkit::objects::{Artifact, Deployment, PROJECT, data, temp_dir};

const TASK: &str = "eDeWfIn6Spy2Dn6Uh2UeMg";

fn upload(name: &str) -> Upload {
    Upload::new(PROJECT, name, Utc::now() + Duration::days(1))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn object_methods_round_trip() {
    let tc = Deployment::start().await;
    tc.knobs(|k| k.inline = false);
    let object = Object::new(&tc.config());
    let dir = temp_dir("generated-objects");
    let options = DownloadOptions::default();

    let bytes = data(300_000, 1);
    let up = object
        .upload_from_bytes(&upload("a/bytes"), bytes.clone())
        .await
        .unwrap();
    assert_eq!((up.name.as_str(), up.length), ("a/bytes", 300_000));
    assert_eq!(up.hashes, Hashes::of(&bytes));

    let source = dir.join("source.bin");
    std::fs::write(&source, data(70_000, 2)).unwrap();
    object
        .upload_from_file(&upload("a/file"), &source)
        .await
        .unwrap();
    let reader = std::io::Cursor::new(data(20_000, 3));
    object
        .upload_from_reader(&upload("a/reader"), reader, 20_000)
        .await
        .unwrap();

    let copy = dir.join("copy.bin");
    let done = object
        .download_to_file("a/bytes", &copy, &options)
        .await
        .unwrap();
    assert_eq!(done.length, 300_000);
    assert_eq!(std::fs::read(&copy).unwrap(), bytes);
    let (got, _) = object.download_to_vec("a/file", &options).await.unwrap();
    assert_eq!(got, data(70_000, 2));
    let mut sink = Vec::new();
    object
        .download_to_writer("a/reader", &mut sink, &options)
        .await
        .unwrap();
    assert_eq!(sink, data(20_000, 3));

    // Progress reaches the observer through the generated method too.
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let watched = DownloadOptions::default()
        .with_progress(Arc::new(move |p| log.lock().unwrap().push(p.done)));
    object.download_to_vec("a/bytes", &watched).await.unwrap();
    assert_eq!(seen.lock().unwrap().last(), Some(&300_000));
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queue_artifact_methods_round_trip() {
    let tc = Deployment::start().await;
    tc.knobs(|k| k.inline = false);
    let queue = Queue::new(&tc.config());
    let dir = temp_dir("generated-artifacts");
    let options = DownloadOptions::default();
    let expires = Utc::now() + Duration::days(1);

    let bytes = data(100_000, 4);
    let artifact = ArtifactUpload::new(TASK, 0, "public/bytes.bin", expires);
    queue
        .upload_artifact_from_bytes(&artifact, bytes.clone())
        .await
        .unwrap();
    let source = dir.join("log.txt");
    std::fs::write(&source, data(9_000, 5)).unwrap();
    let artifact = ArtifactUpload::new(TASK, 0, "public/log.txt", expires);
    queue
        .upload_artifact_from_file(&artifact, &source)
        .await
        .unwrap();
    let artifact = ArtifactUpload::new(TASK, 0, "public/reader.bin", expires);
    let reader = std::io::Cursor::new(data(5_000, 6));
    queue
        .upload_artifact_from_reader(&artifact, reader, 5_000)
        .await
        .unwrap();

    // Run 1 has its own `public/bytes.bin`: `Some(0)` reads run 0's, `None` the latest run's.
    let artifact = ArtifactUpload::new(TASK, 1, "public/bytes.bin", expires);
    queue
        .upload_artifact_from_bytes(&artifact, data(1_000, 9))
        .await
        .unwrap();
    let (got, _) = queue
        .download_artifact_to_vec(TASK, Some(0), "public/bytes.bin", &options)
        .await
        .unwrap();
    assert_eq!(got, bytes);
    let (latest, _) = queue
        .download_artifact_to_vec(TASK, None, "public/bytes.bin", &options)
        .await
        .unwrap();
    assert_eq!(latest, data(1_000, 9));
    let copy = dir.join("log-copy.txt");
    queue
        .download_artifact_to_file(TASK, Some(0), "public/log.txt", &copy, &options)
        .await
        .unwrap();
    assert_eq!(std::fs::read(&copy).unwrap(), data(9_000, 5));
    let mut sink = Vec::new();
    queue
        .download_artifact_to_writer(TASK, Some(0), "public/reader.bin", &mut sink, &options)
        .await
        .unwrap();
    assert_eq!(sink, data(5_000, 6));

    // An error artifact is an error carrying its reason, and leaves no file behind.
    tc.add_artifact(
        TASK,
        0,
        "public/broken",
        Artifact::Error {
            reason: "file-missing-on-worker".into(),
            message: "the worker could not find it".into(),
        },
    );
    let broken = dir.join("broken");
    let err = queue
        .download_artifact_to_file(TASK, Some(0), "public/broken", &broken, &options)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ClientError);
    assert!(err.to_string().contains("file-missing-on-worker"), "{err}");
    assert!(!broken.exists());
    let mut left: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    left.sort();
    assert_eq!(
        left,
        ["log-copy.txt", "log.txt"],
        "no temporary file left behind"
    );
    std::fs::remove_dir_all(dir).unwrap();
}
