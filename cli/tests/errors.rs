//! `tc`'s one line and exit code for failures whose cause is not the deployment's answer: a
//! host that cannot be reached or resolved (for API calls and for `tc listen`'s broker), a
//! storage URL's refusal, an error artifact met by a plain call, and an upload with
//! `--content-length` on a queue that breaks on it.

use std::process::{Command, Output, Stdio};

use tc_testkit::objects::{ACCESS_TOKEN, Artifact, CLIENT_ID, Deployment, Fault, data, temp_dir};

/// Runs `tc args…` with `env` (and nothing of the caller's `TASKCLUSTER_*` or `PULSE_*`).
fn tc(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tc"));
    cmd.args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, _) in std::env::vars() {
        if k.starts_with("TASKCLUSTER_") || k.starts_with("PULSE_") {
            cmd.env_remove(k);
        }
    }
    cmd.envs(env.iter().copied());
    cmd.output().expect("tc runs")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// What the resolver says of a `.invalid` name (RFC 6761: it never resolves).
fn lookup_failure(host: &str) -> String {
    std::net::ToSocketAddrs::to_socket_addrs(&(host, 80))
        .map(|a| a.count())
        .expect_err("a .invalid name must not resolve")
        .to_string()
}

#[test]
fn unreachable_and_unresolvable_hosts_say_why() {
    let (port, refused) = tc_testkit::closed_port();
    let root = format!("http://127.0.0.1:{port}");
    let out = tc(&["queue", "task", "abc", "--root-url", &root], &[]);
    assert_eq!(out.status.code(), Some(7), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        format!("tc: GET {root}/api/queue/v1/task/abc: Transport: cannot connect: {refused}\n")
    );

    let host = "no-such-host.invalid";
    let lookup = lookup_failure(host);
    let out = tc(
        &[
            "queue",
            "task",
            "abc",
            "--root-url",
            &format!("http://{host}"),
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(7), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        format!(
            "tc: GET http://{host}/api/queue/v1/task/abc: Transport: cannot connect: {lookup}\n"
        )
    );
}

#[test]
fn listen_exits_with_the_transport_code_when_the_broker_is_unreachable() {
    let (port, refused) = tc_testkit::closed_port();
    let url = format!("amqp://listener:pulse-password@127.0.0.1:{port}/");
    let out = tc(
        &["listen", "queue", "task-completed", "--pulse-url", &url],
        &[],
    );
    assert_eq!(out.status.code(), Some(7), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        format!(
            "tc: connection error: cannot connect to amqp://listener@127.0.0.1:{port}/%2F: IO \
             error: {refused}\n"
        )
    );

    // The same from PULSE_*, and for a host that does not resolve.
    let host = "no-such-host.invalid";
    let lookup = lookup_failure(host);
    let env = [
        ("PULSE_USERNAME", "listener"),
        ("PULSE_PASSWORD", "pulse-password"),
        ("PULSE_HOSTNAME", host),
        ("PULSE_VHOST", "/"),
    ];
    let out = tc(&["listen", "queue", "task-completed"], &env);
    assert_eq!(out.status.code(), Some(7), "{}", stderr(&out));
    let line = stderr(&out);
    assert!(
        line.starts_with(&format!(
            "tc: connection error: cannot connect to amqps://listener@{host}"
        )) && line.ends_with(&format!(": IO error: {lookup}\n")),
        "{line}"
    );
    assert!(!line.contains("pulse-password"), "{line}");
}

/// `TASKCLUSTER_*` for the loopback deployment of `tc_testkit::objects`.
fn deployment_env(tc: &Deployment) -> Vec<(&'static str, String)> {
    vec![
        ("TASKCLUSTER_ROOT_URL", tc.api.root_url()),
        ("TASKCLUSTER_CLIENT_ID", CLIENT_ID.to_owned()),
        ("TASKCLUSTER_ACCESS_TOKEN", ACCESS_TOKEN.to_owned()),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn storage_refusals_error_artifacts_and_content_length() {
    let deployment = Deployment::start().await;
    deployment.knobs(|k| k.inline = false);
    let owned = deployment_env(&deployment);
    let env: Vec<(&str, &str)> = owned.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let root = deployment.api.root_url();
    let base = deployment.storage.base();
    let task = "fN1SbArXTPSVFNUvaOlinQ";

    // An S3 artifact whose signed URL storage refuses: "another 4xx" (6), not 403's scopes (4),
    // and the signature stays out of the line.
    deployment.storage.put_bytes("s3-key", &data(1_000, 1));
    deployment.add_artifact(
        task,
        0,
        "public/s3.bin",
        Artifact::S3(format!(
            "{base}/get/s3-key?X-Amz-Signature=SECRET-SIGNATURE"
        )),
    );
    deployment.storage.fault("s3-key", Fault::Status(403));
    let out = tc(
        &[
            "artifact",
            "download",
            task,
            "public/s3.bin",
            "--run",
            "0",
            "-o",
            "-",
        ],
        &env,
    );
    assert_eq!(out.status.code(), Some(6), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        format!("tc: GET {base}/get/s3-key: HTTP 403: SlowDown: storage says no\n")
    );

    // A plain getArtifact of an error artifact: the reason, as `tc artifact download` gives it.
    deployment.add_artifact(
        task,
        1,
        "public/missing.log",
        Artifact::Error {
            reason: "file-missing-on-worker".into(),
            message: "no such file".into(),
        },
    );
    let out = tc(
        &["queue", "get-artifact", task, "1", "public/missing.log"],
        &env,
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        format!(
            "tc: GET {root}/api/queue/v1/task/{task}/runs/1/artifacts/public%2Fmissing.log: \
             HTTP 424 file-missing-on-worker: no such file\n"
        )
    );

    // --content-length on a queue that breaks on it (as v96.7.0 to v106.0.0 do).
    let dir = temp_dir("cli-errors");
    let file = dir.join("a.bin");
    std::fs::write(&file, data(10_000, 2)).unwrap();
    let file = file.to_str().unwrap();
    let out = tc(
        &[
            "artifact",
            "upload",
            task,
            "0",
            "public/a.bin",
            file,
            "--content-length",
        ],
        &env,
    );
    assert_eq!(out.status.code(), Some(7), "{}", stderr(&out));
    let line = stderr(&out);
    assert!(
        line.starts_with(&format!(
            "tc: PUT {root}/api/queue/v1/task/{task}/runs/0/artifacts/public%2Fa.bin: HTTP 500 \
             InternalServerError: finishArtifact failed after an upload that sent contentLength:"
        )),
        "{line}"
    );
    assert!(
        line.contains("Upload without contentLength") && line.lines().count() == 1,
        "{line}"
    );
    // Without it, the same upload goes through.
    let out = tc(
        &["artifact", "upload", task, "0", "public/b.bin", file],
        &env,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    std::fs::remove_dir_all(dir).unwrap();
}

/// A reader that stops early (`tc completions bash | head -1`) is no failure: no panic, exit 0.
#[test]
fn a_reader_that_closes_early_is_no_failure() {
    use std::io::{BufRead, BufReader};
    let mut child = Command::new(env!("CARGO_BIN_EXE_tc"))
        .args(["completions", "bash"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    // The pipe closes here, before tc has written the rest.
    assert!(!first.is_empty());
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{:?}: {err}", out.status);
    assert!(!err.contains("panicked"), "{err}");
}
