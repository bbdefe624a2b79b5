//! A real RabbitMQ for the Pulse tests.
//!
//! Which one, in this order:
//! 1. The run's: `cargo xtask test` starts one node per run from empty state in a scratch
//!    directory (`runtime/taskcluster/tests/broker/start.sh`) and gives every test process its address and
//!    directory (`TC_BROKER_URL`, `TC_BROKER_DIR`); it stops the node and removes the directory
//!    when the run ends. `rabbitmqctl` controls it ([`rabbitmqctl`], [`Broker::restart`]).
//! 2. `PULSE_CONNECTION_STRING`: a broker of yours, which the tests cannot control.
//! 3. Under CI (`CI` set) there is no other: a test that needs a broker **fails**.
//! 4. Else one of this test process's own, started with `start.sh` and stopped once the process
//!    exits (a watchdog runs `stop.sh`); if none can be started the test is skipped, saying so.
//!
//! Each process that starts a node has a node of its own, in its own directory on its own ports:
//! no test binary ever stops a node another one uses.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

/// A RabbitMQ broker to test against.
#[derive(Debug)]
pub struct Broker {
    /// Its connection string.
    pub url: String,
    /// `rabbitmqctl` controls it: it can list queues, cut connections and restart it.
    pub local: bool,
    /// The directory `start.sh` made for it, when it is a node of ours.
    dir: Option<PathBuf>,
}

/// `runtime/taskcluster/tests/broker`: the scripts that start, control and stop a test node.
pub fn broker_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../runtime/taskcluster/tests/broker")
}

/// The broker; `None`, saying so, when there is none outside CI. Under CI (`CI` set) a missing
/// broker is a panic: a test that needs one must not pass without it.
pub fn broker() -> Option<&'static Broker> {
    static BROKER: OnceLock<Option<Broker>> = OnceLock::new();
    BROKER.get_or_init(find_broker).as_ref()
}

/// The broker if `rabbitmqctl` controls it (for tests that list queues, cut connections or
/// restart it); `None`, saying so, when it does not, outside CI; a panic under CI.
pub fn controlled() -> Option<&'static Broker> {
    let broker = broker()?;
    if broker.local {
        return Some(broker);
    }
    missing("the broker of PULSE_CONNECTION_STRING is not one rabbitmqctl controls");
    None
}

fn under_ci() -> bool {
    std::env::var_os("CI").is_some_and(|v| !v.is_empty())
}

/// A test cannot have the broker it needs: a panic under CI, else a message that it is skipped.
fn missing(why: &str) {
    assert!(
        !under_ci(),
        "CI needs the run's RabbitMQ, and {why}: run the tests with `cargo xtask test`, which \
         starts one and sets TC_BROKER_URL and TC_BROKER_DIR"
    );
    eprintln!(
        "SKIPPED: a Pulse test ({why}); run `cargo xtask test`, or have \
         runtime/taskcluster/tests/broker/start.sh work"
    );
}

fn find_broker() -> Option<Broker> {
    if let (Ok(url), Some(dir)) = (
        std::env::var("TC_BROKER_URL"),
        std::env::var_os("TC_BROKER_DIR"),
    ) {
        return Some(Broker {
            url,
            local: true,
            dir: Some(dir.into()),
        });
    }
    if let Ok(url) = std::env::var("PULSE_CONNECTION_STRING") {
        return Some(Broker {
            url,
            local: false,
            dir: None,
        });
    }
    if under_ci() {
        missing("TC_BROKER_URL and TC_BROKER_DIR are not set");
    }
    match start_own() {
        Ok(broker) => Some(broker),
        Err(why) => {
            missing(&why);
            None
        }
    }
}

/// A node for this process alone, stopped by a watchdog once the process has exited.
fn start_own() -> Result<Broker, String> {
    let start = broker_dir().join("start.sh");
    let out = Command::new("bash")
        .arg(&start)
        .env("TC_BROKER_WATCH_PID", std::process::id().to_string())
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", start.display()))?;
    if !out.status.success() {
        return Err(format!("{} exited with {}", start.display(), out.status));
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    let value = |key: &str| {
        stdout.lines().find_map(|line| {
            line.strip_prefix(key)
                .and_then(|rest| rest.strip_prefix('='))
                .map(str::to_owned)
        })
    };
    match (value("TC_BROKER_URL"), value("TC_BROKER_DIR")) {
        (Some(url), Some(dir)) => Ok(Broker {
            url,
            local: true,
            dir: Some(dir.into()),
        }),
        _ => Err(format!(
            "{} printed no TC_BROKER_URL and TC_BROKER_DIR",
            start.display()
        )),
    }
}

impl Broker {
    fn node_dir(&self) -> &Path {
        self.dir
            .as_deref()
            .expect("a broker rabbitmqctl controls (tc_testkit::broker::controlled)")
    }

    /// Restarts the node with its data (durable queues and their messages survive) on the same
    /// ports; returns once it takes connections again. Blocks: call it from a blocking thread.
    pub fn restart(&self) {
        let script = broker_dir().join("restart.sh");
        let status = Command::new("bash")
            .arg(&script)
            .arg(self.node_dir())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .status()
            .expect("run restart.sh");
        assert!(
            status.success(),
            "{} exited with {status}",
            script.display()
        );
    }

    /// Deletes these queues and exchanges (named in full), which a test declared; one that is
    /// already gone is no error.
    pub async fn delete(&self, queues: &[&str], exchanges: &[&str]) {
        use lapin::options::{ExchangeDeleteOptions, QueueDeleteOptions};
        let connect = lapin::Connection::connect(&self.url, Default::default());
        let connection = tokio::time::timeout(Duration::from_secs(20), connect)
            .await
            .expect("an admin connection in time")
            .expect("an admin connection");
        let channel = connection.create_channel().await.expect("a channel");
        for q in queues {
            channel
                .queue_delete((*q).into(), QueueDeleteOptions::default())
                .await
                .unwrap_or_else(|e| panic!("delete queue {q}: {e}"));
        }
        for e in exchanges {
            channel
                .exchange_delete((*e).into(), ExchangeDeleteOptions::default())
                .await
                .unwrap_or_else(|err| panic!("delete exchange {e}: {err}"));
        }
        let _ = connection.close(200, "done".into()).await;
    }
}

/// Runs `rabbitmqctl ARGS` for the broker (which must be [`controlled`]); its output, or a panic
/// saying why not. Blocks: call it from a blocking thread.
pub fn rabbitmqctl(args: &[&str]) -> String {
    let broker = broker().expect("a broker");
    let out = Command::new("bash")
        .arg(broker_dir().join("ctl.sh"))
        .arg(broker.node_dir())
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run ctl.sh");
    assert!(
        out.status.success(),
        "rabbitmqctl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}
