//! The built `tc` against loopback servers: calls with route and query parameters, bodies from a
//! file and from stdin, signed URLs and signed calls that Taskcluster's Hawk validator (npm
//! `hawk`, runtime/taskcluster/tests/peers) accepts, errors with their exit codes, input that does not fit,
//! help with the required scopes.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use tc_client::serde_json::{self, Value, json};
use tc_testkit::{Reply, Server};

/// Runs `tc args…` with `env` (and nothing of the caller's `TASKCLUSTER_*`), feeding `stdin`.
/// It blocks: tests with a server run on a multi-threaded runtime, so the server goes on.
fn tc(args: &[&str], env: &[(&str, &str)], stdin: &str) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tc"));
    cmd.args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, _) in std::env::vars() {
        if k.starts_with("TASKCLUSTER_") {
            cmd.env_remove(k);
        }
    }
    cmd.envs(env.iter().copied());
    let mut child = cmd.spawn().expect("tc runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn task(id: &str) -> Value {
    let at = "2024-05-14T09:21:07.393Z";
    json!({
        "task": {
            "provisionerId": "p", "workerType": "w", "taskQueueId": "p/w", "schedulerId": "-",
            "taskGroupId": "G", "dependencies": [], "requires": "all-completed", "routes": [],
            "priority": "lowest", "retries": 5, "created": at, "deadline": at, "scopes": [],
            "payload": {}, "metadata": {"name": id, "description": "", "owner": "o@example.com",
            "source": "https://example.com"}, "tags": {}, "extra": {}
        },
        "status": {
            "taskId": id, "provisionerId": "p", "workerType": "w", "taskQueueId": "p/w",
            "schedulerId": "-", "projectId": "none", "taskGroupId": "G", "deadline": at,
            "expires": at, "retriesLeft": 5, "state": "pending", "runs": []
        }
    })
}

/// A queue that lists task group `G` in two pages, answers `createTask` with the task's status,
/// and knows nothing else.
async fn queue() -> Server {
    Server::start(|req| {
        let path = req.path();
        if path == "/api/queue/v1/task-group/G/list" {
            let mut page = json!({"taskGroupId": "G", "schedulerId": "-",
                                  "expires": "2025-05-14T09:21:07.393Z"});
            match req.query("continuationToken").as_deref() {
                None => {
                    page["tasks"] = json!([task("a")]);
                    page["continuationToken"] = json!("next");
                }
                Some("next") => page["tasks"] = json!([task("b")]),
                Some(other) => {
                    return Reply::Json(400, json!({"code": "InputError",
                        "message": format!("unknown continuationToken {other}"), "requestInfo": {}}));
                }
            }
            return Reply::Json(200, page);
        }
        if let Some(id) = path.strip_prefix("/api/queue/v1/task/")
            && req.method == "PUT"
        {
            let body = req.json();
            let mut status = task(id)["status"].clone();
            status["taskQueueId"] = body["taskQueueId"].clone();
            return Reply::Json(200, json!({"status": status}));
        }
        Reply::Json(
            404,
            json!({"code": "ResourceNotFound",
            "message": "no such thing\n\n---\n\n* method: task", "requestInfo": {}}),
        )
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_with_route_and_query_parameters() {
    let server = queue().await;
    let root = server.root_url();
    let out = tc(
        &["queue", "list-task-group", "G", "--limit", "10"],
        &[("TASKCLUSTER_ROOT_URL", &root)],
        "",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let page: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(page["tasks"][0]["status"]["taskId"], "a");
    assert_eq!(stdout(&out).lines().count(), 1, "compact JSON when piped");
    assert_eq!(
        server.requests()[0].target,
        "/api/queue/v1/task-group/G/list?limit=10"
    );

    // Every item of every page, one JSON line each; the reference's own name works too.
    let out = tc(
        &["--root-url", &root, "queue", "listTaskGroup", "G", "--all"],
        &[],
        "",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let ids: Vec<String> = stdout(&out)
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["status"]["taskId"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(ids, ["a", "b"]);

    let out = tc(
        &["queue", "task", "T", "--url"],
        &[("TASKCLUSTER_ROOT_URL", "https://tc.example.com")],
        "",
    );
    assert_eq!(
        stdout(&out).trim(),
        "https://tc.example.com/api/queue/v1/task/T"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn put_with_input_from_a_file_and_from_stdin() {
    let server = queue().await;
    let root = server.root_url();
    let definition = json!({
        "created": "2024-05-14T09:21:07.393Z", "deadline": "2024-05-14T10:21:07.393Z",
        "payload": {"command": ["true"]}, "taskQueueId": "proj/ci",
        "metadata": {"name": "n", "description": "d", "owner": "o@example.com", "source": "https://x.org"},
        "fieldFromTheFuture": {"kept": true}
    });
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("task.json");
    std::fs::write(&file, definition.to_string()).unwrap();
    let env = [("TASKCLUSTER_ROOT_URL", root.as_str())];
    for (input, stdin) in [
        (file.to_str().unwrap(), String::new()),
        ("-", definition.to_string()),
    ] {
        let out = tc(
            &["queue", "create-task", "T1", "--input", input],
            &env,
            &stdin,
        );
        assert!(out.status.success(), "{}", stderr(&out));
        let answer: Value = serde_json::from_str(&stdout(&out)).unwrap();
        assert_eq!(answer["status"]["taskQueueId"], "proj/ci");
        let sent = server.requests().last().unwrap().clone();
        assert_eq!(
            (sent.method.as_str(), sent.path()),
            ("PUT", "/api/queue/v1/task/T1")
        );
        assert_eq!(
            sent.json(),
            definition,
            "the body as given, unknown fields too"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn input_that_does_not_fit_names_the_path() {
    let server = queue().await;
    let out = tc(
        &[
            "--root-url",
            &server.root_url(),
            "queue",
            "create-task",
            "T",
            "--input",
            "-",
        ],
        &[],
        r#"{"created": "2024-05-14T09:21:07.393Z", "deadline": "2024-05-14T09:21:07.393Z",
            "payload": {}, "metadata": {"name": 5, "description": "", "owner": "", "source": ""}}"#,
    );
    assert_eq!(out.status.code(), Some(2), "a usage error");
    let err = stderr(&out);
    assert!(
        err.contains("stdin: at metadata.name: invalid type: integer `5`"),
        "{err}"
    );
    assert!(server.requests().is_empty(), "nothing is sent");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_are_one_line_with_their_exit_codes() {
    let server = queue().await;
    let out = tc(
        &["--root-url", &server.root_url(), "queue", "task", "nope"],
        &[],
        "",
    );
    assert_eq!(out.status.code(), Some(5), "404");
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("HTTP 404 ResourceNotFound: no such thing"),
        "{err}"
    );

    let hawk = tc_testkit::peers::start_hawk_server();
    let root = format!("http://127.0.0.1:{}", hawk.port);
    let creds = |token: &'static str| {
        [
            ("TASKCLUSTER_ROOT_URL", root.clone()),
            ("TASKCLUSTER_CLIENT_ID", "tester".into()),
            ("TASKCLUSTER_ACCESS_TOKEN", token.into()),
        ]
    };
    let env = |pairs: &[(&'static str, String); 3]| {
        pairs
            .iter()
            .map(|(k, v)| (*k, v.clone()))
            .collect::<Vec<_>>()
    };
    let run = |pairs: Vec<(&str, String)>, args: &[&str], stdin: &str| {
        let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        tc(args, &pairs, stdin)
    };
    let body = r#"{"clientScopes": ["test:a"], "requiredScopes": ["test:b"]}"#;
    let out = run(
        env(&creds("no-secret")),
        &["auth", "test-authenticate", "--input", "-"],
        body,
    );
    assert_eq!(out.status.code(), Some(4), "403: {}", stderr(&out));
    assert!(stderr(&out).contains("HTTP 403"), "{}", stderr(&out));

    let out = run(env(&creds("wrong")), &["auth", "test-authenticate-get"], "");
    assert_eq!(out.status.code(), Some(3), "401: {}", stderr(&out));

    // A signed call and a signed URL the Hawk peer accepts.
    let body = r#"{"clientScopes": ["test:*"], "requiredScopes": ["test:a"]}"#;
    let out = run(
        env(&creds("no-secret")),
        &["auth", "test-authenticate", "--input", "-"],
        body,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        serde_json::from_str::<Value>(&stdout(&out)).unwrap()["clientId"],
        "tester"
    );
    let out = run(
        env(&creds("no-secret")),
        &["auth", "test-authenticate-get", "--signed-url", "5 min"],
        "",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let url = stdout(&out).trim().to_owned();
    assert!(url.contains("bewit="), "{url}");
    let http = tc_client::ClientConfig::new(&root).http_client().unwrap();
    assert_eq!(http.get(&url).send().await.unwrap().status(), 200);
    let out = run(
        env(&creds("no-secret")),
        &[
            "signed-url",
            &format!("{root}/api/auth/v1/test-authenticate-get/"),
        ],
        "",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        http.get(stdout(&out).trim()).send().await.unwrap().status(),
        200
    );
}

#[test]
fn help_says_what_a_method_needs() {
    let out = tc(&["queue", "create-task", "--help"], &[], "");
    assert!(out.status.success());
    let help = stdout(&out);
    for expected in [
        "Create New Task",
        "Required scopes:",
        "queue:scheduler-id:<schedulerId>",
        "<taskId>",
        "--input <FILE|->",
    ] {
        assert!(help.contains(expected), "{expected} in\n{help}");
    }
    let out = tc(&["queue", "no-such-method"], &[], "");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn helpers() {
    let out = tc(&["slugid"], &[], "");
    let id = stdout(&out).trim().to_owned();
    assert!(out.status.success());
    assert_eq!(id.len(), 22);
    assert!(
        id.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
        "{id}"
    );
    assert_ne!(
        id,
        stdout(&tc(&["slugid"], &[], "")).trim(),
        "a fresh one each time"
    );
    let out = tc(&["from-now", "1 hour"], &[], "");
    let printed = tc_client::chrono::DateTime::parse_from_rfc3339(stdout(&out).trim())
        .unwrap_or_else(|e| panic!("{e}: {}", stdout(&out)));
    let expected = tc_client::chrono::Utc::now() + tc_client::chrono::Duration::hours(1);
    let off = (printed.to_utc() - expected).num_seconds().abs();
    assert!(off < 120, "{printed} is not an hour from now");
    let out = tc(&["from-now", "1 fortnight"], &[], "");
    assert_eq!(out.status.code(), Some(2));
    let out = tc(
        &[
            "scopes",
            "satisfies",
            "-s",
            "queue:*",
            r#"{"AllOf": ["queue:a", "index:b"]}"#,
        ],
        &[],
        "",
    );
    assert_eq!((out.status.code(), stdout(&out).trim()), (Some(1), "false"));
    let out = tc(&["scopes", "normalize", "b", "a*", "ab", "a"], &[], "");
    assert_eq!(stdout(&out), "a*\nb\n");
    let out = tc(&["completions", "bash"], &[], "");
    assert!(stdout(&out).contains("_tc()"), "a bash completion function");
}

#[test]
fn negative_offsets_need_no_double_dash() {
    let expected = tc_client::chrono::Utc::now() - tc_client::chrono::Duration::hours(1);
    for args in [
        &["from-now", "-1 hour"][..],
        &["from-now", "-1", "hour"],
        &["from-now", "-1h"],
    ] {
        let out = tc(args, &[], "");
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        let printed = tc_client::chrono::DateTime::parse_from_rfc3339(stdout(&out).trim())
            .unwrap_or_else(|e| panic!("{args:?}: {e}: {}", stdout(&out)));
        let off = (printed.to_utc() - expected).num_seconds().abs();
        assert!(off < 120, "{args:?}: {printed} is not an hour ago");
    }
    // `--help` before the offset is still help.
    let out = tc(&["from-now", "--help"], &[], "");
    assert!(out.status.success());
    assert!(
        stdout(&out).contains("Usage: tc from-now"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn service_help_lists_the_commands_before_the_prose() {
    let out = tc(&["queue", "--help"], &[], "");
    assert!(out.status.success());
    let help = stdout(&out);
    let at = |text: &str| {
        help.find(text)
            .unwrap_or_else(|| panic!("{text} in\n{help}"))
    };
    assert!(at("Queue Service") < at("Commands:"), "{help}");
    assert!(
        at("create-task") < at("## Artifact Storage Types"),
        "{help}"
    );
    assert!(
        help.lines()
            .take_while(|l| !l.starts_with("Commands:"))
            .count()
            < 10,
        "the commands come within the first lines:\n{help}"
    );
    // `-h` keeps to the summary.
    let out = tc(&["queue", "-h"], &[], "");
    assert!(
        !stdout(&out).contains("Artifact Storage Types"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn satisfies_explain_names_what_is_missing() {
    let satisfies = |args: &[&str]| {
        let mut all = vec![
            "scopes",
            "satisfies",
            "--explain",
            "-s",
            "queue:*",
            "-s",
            "x",
        ];
        all.extend_from_slice(args);
        let out = tc(&all, &[], "");
        (out.status.code(), stdout(&out))
    };
    assert_eq!(
        satisfies(&[r#"{"AllOf": ["queue:a", "index:b", {"AnyOf": ["y", "z"]}]}"#]),
        (
            Some(1),
            "false\nmissing: index:b\nmissing one of: [\"y\",\"z\"]\n".into()
        )
    );
    assert_eq!(
        satisfies(&["index:b"]),
        (Some(1), "false\nmissing: index:b\n".into())
    );
    // What is held leaves the expression (`x` of the `AllOf` here).
    assert_eq!(
        satisfies(&[r#"{"AnyOf": ["index:a", {"AllOf": ["x", "y"]}]}"#]),
        (
            Some(1),
            "false\nmissing one of: [\"index:a\",\"y\"]\n".into()
        )
    );
    // Satisfied: which of the expression's scopes were held.
    assert_eq!(
        satisfies(&[r#"{"AllOf": ["queue:b", "queue:a", {"AnyOf": ["x", "index:c"]}]}"#]),
        (
            Some(0),
            "true\nsatisfied: queue:a\nsatisfied: queue:b\nsatisfied: x\n".into()
        )
    );
    // Without --explain, only the answer.
    let out = tc(&["scopes", "satisfies", "-s", "a", "b"], &[], "");
    assert_eq!(
        (out.status.code(), stdout(&out)),
        (Some(1), "false\n".into())
    );
}

#[test]
fn readme_installs_with_the_tested_lockfile() {
    let readme = include_str!("../../README.md");
    let installs: Vec<&str> = readme
        .lines()
        .filter(|l| l.contains("cargo install --path cli"))
        .collect();
    assert!(!installs.is_empty(), "the README says how to install tc");
    for line in installs {
        assert!(line.contains("--locked"), "{line}");
    }
}

#[test]
fn help_of_one_service() {
    let out = tc(&["secrets", "--help"], &[], "");
    insta::assert_snapshot!("secrets_help", stdout(&out));
}

/// `TASKCLUSTER_*` for the loopback deployment of `tc_testkit::objects`.
fn deployment_env(tc: &tc_testkit::objects::Deployment) -> Vec<(&'static str, String)> {
    use tc_testkit::objects::{ACCESS_TOKEN, CLIENT_ID};
    vec![
        ("TASKCLUSTER_ROOT_URL", tc.api.root_url()),
        ("TASKCLUSTER_CLIENT_ID", CLIENT_ID.to_owned()),
        ("TASKCLUSTER_ACCESS_TOKEN", ACCESS_TOKEN.to_owned()),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn artifacts_up_and_down() {
    use tc_testkit::objects::{Artifact, Deployment, data, temp_dir};
    let tc_deployment = Deployment::start().await;
    tc_deployment.knobs(|k| k.inline = false);
    let owned = deployment_env(&tc_deployment);
    let env: Vec<(&str, &str)> = owned.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let dir = temp_dir("cli-artifacts");
    let source = dir.join("app.bin");
    let bytes = data(100_000, 7);
    std::fs::write(&source, &bytes).unwrap();
    let task = "eDeWfIn6Spy2Dn6Uh2UeMg";

    let file = source.to_str().unwrap();
    let args = ["artifact", "upload", task, "0", "public/app.bin", file];
    let out = tc(
        &[&args[..], &["--content-type", "application/x-test"]].concat(),
        &env,
        "",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let puts: Vec<_> = tc_deployment
        .storage
        .log()
        .into_iter()
        .filter(|r| r.method == "PUT")
        .collect();
    assert_eq!(puts.len(), 1);
    assert_eq!(puts[0].header("content-type"), Some("application/x-test"));
    let up: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(up["length"], json!(100_000));
    assert_eq!(up["object"], json!(format!("t/{task}/0/public/app.bin")));
    let hashes = tc_client::runtime::objects::Hashes::of(&bytes);
    assert_eq!(up["sha256"], json!(hashes.sha256));

    let copy = dir.join("copy.bin");
    let copy_arg = copy.to_str().unwrap();
    let out = tc(
        &[
            "artifact",
            "download",
            task,
            "public/app.bin",
            "-o",
            copy_arg,
        ],
        &env,
        "",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(std::fs::read(&copy).unwrap(), bytes);
    let out = tc(
        &[
            "artifact",
            "download",
            task,
            "public/app.bin",
            "--run",
            "0",
            "-o",
            "-",
        ],
        &env,
        "",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(out.stdout, bytes);

    // An error artifact: its reason on one line, exit code 1, no file.
    tc_deployment.add_artifact(
        task,
        0,
        "public/gone",
        Artifact::Error {
            reason: "file-missing-on-worker".into(),
            message: "no such file".into(),
        },
    );
    let gone = dir.join("gone");
    let gone_arg = gone.to_str().unwrap();
    let out = tc(
        &["artifact", "download", task, "public/gone", "-o", gone_arg],
        &env,
        "",
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("file-missing-on-worker"),
        "{}",
        stderr(&out)
    );
    assert_eq!(stderr(&out).lines().count(), 1, "{}", stderr(&out));
    assert!(!gone.exists());
    // An artifact the queue does not know: 404's exit code.
    let out = tc(
        &[
            "artifact",
            "download",
            task,
            "public/nothing",
            "-o",
            gone_arg,
        ],
        &env,
        "",
    );
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    std::fs::remove_dir_all(dir).unwrap();
}

/// `tc listen` binds to the queue service's own exchange, which the tests declare first (as the
/// queue service would have) and delete at the end: they take turns.
static QUEUE_EXCHANGE: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// `tc listen ARGS --pulse-url URL`, once it says that its queue is bound; returns it and that
/// line.
fn listen(args: &[&str], url: &str) -> (KillOnDrop, String) {
    use std::io::{BufRead, BufReader};
    let child = Command::new(env!("CARGO_BIN_EXE_tc"))
        .arg("listen")
        .args(args)
        .args(["--pulse-url", url])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("tc runs");
    // Stopped whatever happens, a failed assertion included.
    let mut child = KillOnDrop(child);
    let mut errors = BufReader::new(child.0.stderr.take().unwrap());
    let mut line = String::new();
    errors.read_line(&mut line).unwrap();
    assert!(line.starts_with("tc: listening to "), "{line}");
    (child, line)
}

/// The JSON lines `tc listen` printed, once it has exited successfully (within 30 s).
fn printed(mut child: KillOnDrop) -> Vec<Value> {
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.0.try_wait().unwrap() {
            break status;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(30),
            "tc listen did not stop after its --count"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert!(status.success());
    let mut out = String::new();
    std::io::Read::read_to_string(&mut child.0.stdout.take().unwrap(), &mut out).unwrap();
    out.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// A `task-completed` message of `task`: its routing key and payload.
fn completed(task: &str) -> (String, Vec<u8>) {
    let key = format!("primary.{task}.0.wg.wi.prov.wt.sched.G._");
    let payload = json!({"version": 1, "runId": 0, "workerGroup": "wg", "workerId": "wi",
        "status": {"taskId": task}});
    (key, serde_json::to_vec(&payload).unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listen_prints_what_its_bindings_select() {
    use tc_client::queue::events::TaskCompleted;
    use tc_client::runtime::pulse::{Publisher, PulseConfig};

    let Some(broker) = tc_testkit::broker::broker() else {
        return;
    };
    let _turn = QUEUE_EXCHANGE.lock().await;
    let publisher = Publisher::new(&PulseConfig::from_connection_string(&broker.url).unwrap());
    let exchange = TaskCompleted::EXCHANGE;
    publisher.declare_exchange(exchange).await.unwrap();
    let args = ["queue", "task-completed", "--task-id", "T1"];
    let (child, bound) = listen(
        &[&args[..], &["--route", "index.mine.#", "--count", "2"]].concat(),
        &broker.url,
    );
    assert!(bound.contains("primary.T1.*.*.*.*.*.*.*.#") && bound.contains("route.index.mine.#"));

    for (task, routes) in [
        ("T2", &["index.other.x"][..]), // selected by neither binding
        ("T1", &[]),                    // by the routing key
        ("T3", &["index.mine.build"]),  // by the route
    ] {
        let (key, body) = completed(task);
        let routes: Vec<String> = routes.iter().map(|r| r.to_string()).collect();
        publisher
            .publish(exchange, &key, &routes, &body)
            .await
            .unwrap();
    }
    let lines = printed(child);
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert_eq!(lines[0]["exchange"], json!(exchange));
    assert_eq!(lines[0]["routingKey"], json!(completed("T1").0));
    assert_eq!(lines[0]["payload"]["status"]["taskId"], json!("T1"));
    assert_eq!(lines[1]["routingKey"], json!(completed("T3").0));
    assert_eq!(lines[1]["routes"], json!(["index.mine.build"]));
    assert_eq!(lines[1]["redelivered"], json!(false));
    broker.delete(&[], &[exchange]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listen_on_a_durable_queue_acks_what_it_printed_before_exiting() {
    use tc_client::queue::events::TaskCompleted;
    use tc_client::runtime::pulse::{Publisher, PulseConfig};

    let Some(broker) = tc_testkit::broker::broker() else {
        return;
    };
    let task = format!("T-{}", tc_client::runtime::slugid::nice());
    let name = format!("tc-cli-test-{task}");
    let args = [
        "queue",
        "task-completed",
        "--task-id",
        &task,
        "--queue",
        &name,
    ];
    let args = [&args[..], &["--count", "1"]].concat();
    let _turn = QUEUE_EXCHANGE.lock().await;
    let publisher = Publisher::new(&PulseConfig::from_connection_string(&broker.url).unwrap());
    publisher
        .declare_exchange(TaskCompleted::EXCHANGE)
        .await
        .unwrap();
    let (first, _) = listen(&args, &broker.url);
    for run in ["0", "1"] {
        let (key, body) = completed(&task);
        let key = key.replacen(".0.", &format!(".{run}."), 1);
        publisher
            .publish(TaskCompleted::EXCHANGE, &key, &[], &body)
            .await
            .unwrap();
    }
    let run_of = |lines: &[Value]| {
        lines[0]["routingKey"]
            .as_str()
            .unwrap()
            .split('.')
            .nth(2)
            .map(String::from)
    };
    let lines = printed(first);
    assert_eq!((lines.len(), run_of(&lines).as_deref()), (1, Some("0")));
    // The queue kept the second message, and the first one's ack reached the broker.
    let (second, _) = listen(&args, &broker.url);
    let lines = printed(second);
    assert_eq!((lines.len(), run_of(&lines).as_deref()), (1, Some("1")));

    let queue = format!("queue/guest/{name}");
    broker.delete(&[&queue], &[TaskCompleted::EXCHANGE]).await;
}

/// A child process killed and reaped when dropped.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verbose_shows_calls_and_retries_on_stderr_and_is_silent_by_default() {
    let failed = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let once = failed.clone();
    let server = Server::start(move |_| {
        if !once.swap(true, std::sync::atomic::Ordering::SeqCst) {
            return Reply::Json(
                500,
                json!({"code": "InternalServerError", "message": "boom"}),
            );
        }
        Reply::Raw(
            200,
            vec![
                ("content-type".into(), "application/json".into()),
                ("x-for-request-id".into(), "rid-cli".into()),
            ],
            task("T").to_string().into_bytes(),
        )
    })
    .await;
    let root = server.root_url();
    let token = "cli-access-token-do-not-print";
    let env = [
        ("TASKCLUSTER_ROOT_URL", root.as_str()),
        ("TASKCLUSTER_CLIENT_ID", "tester"),
        ("TASKCLUSTER_ACCESS_TOKEN", token),
        ("RUST_LOG", ""),
    ];
    let reset = || failed.store(false, std::sync::atomic::Ordering::SeqCst);

    let out = tc(&["queue", "status", "T"], &env, "");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stderr(&out), "", "silent by default");

    reset();
    let out = tc(&["queue", "status", "T", "-v"], &env, "");
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    for expected in [
        "DEBUG",
        "tc.call",
        "tc.service=\"queue\"",
        "tc.method=\"status\"",
        "otel.name=\"GET queue.status\"",
        "retrying",
        "error.type=\"500\"",
        "call succeeded",
        "http.response.status_code=200",
        "tc.attempts=2",
        "tc.request_id=\"rid-cli\"",
        "/api/queue/v1/task/T/status",
    ] {
        assert!(err.contains(expected), "{expected} in {err}");
    }
    assert!(!err.contains(token), "{err}");
    assert!(!err.contains("TRACE"), "-v is debug: {err}");
    assert_eq!(
        stdout(&out).lines().count(),
        1,
        "stdout is the answer alone"
    );

    // RUST_LOG alone does the same.
    reset();
    let mut with_env = env;
    with_env[3] = ("RUST_LOG", "tc_runtime=debug,runtime_core=debug");
    let out = tc(&["queue", "status", "T"], &with_env, "");
    let err = stderr(&out);
    assert!(
        err.contains("retrying") && err.contains("call succeeded"),
        "{err}"
    );
    assert!(!err.contains(token), "{err}");
}
