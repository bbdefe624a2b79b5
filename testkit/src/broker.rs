//! A real RabbitMQ for the Pulse tests: `PULSE_CONNECTION_STRING` if set, else guest on
//! 127.0.0.1:5672, started with `runtime/tests/broker/start.sh` when none answers (and stopped
//! once the test process exits). [`broker`] is `None`, saying so, only when no broker can be
//! started, and never under CI (`CI` set), where that is a failure.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;

const DEFAULT_URL: &str = "amqp://guest:guest@127.0.0.1:5672/%2F";

/// A RabbitMQ broker to test against.
pub struct Broker {
    /// Its connection string.
    pub url: String,
    /// `rabbitmqctl` controls it: it can cut connections and restart it.
    pub local: bool,
}

/// `runtime/tests/broker`: the scripts that start and stop a local broker.
pub fn broker_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../runtime/tests/broker")
}

/// The broker, started if need be; `None` (with a message) if none can be had.
pub fn broker() -> Option<&'static Broker> {
    static BROKER: OnceLock<Option<Broker>> = OnceLock::new();
    BROKER.get_or_init(find_broker).as_ref()
}

fn find_broker() -> Option<Broker> {
    if let Ok(url) = std::env::var("PULSE_CONNECTION_STRING") {
        return Some(Broker { url, local: false });
    }
    let start = broker_dir().join("start.sh");
    let output = Command::new("bash")
        .arg(&start)
        .stderr(Stdio::inherit())
        .output();
    match output {
        Ok(out) if out.status.success() => {
            if String::from_utf8_lossy(&out.stdout).contains("started") {
                stop_when_we_exit();
            }
        }
        other => {
            let why = match other {
                Ok(out) => format!("{} exited with {}", start.display(), out.status),
                Err(e) => format!("cannot run {}: {e}", start.display()),
            };
            assert!(std::env::var_os("CI").is_none(), "CI needs a broker: {why}");
            eprintln!("SKIPPED: no RabbitMQ broker for the pulse tests ({why})");
            return None;
        }
    }
    let local = Command::new("rabbitmqctl")
        .args(["-q", "status"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    Some(Broker {
        url: DEFAULT_URL.into(),
        local,
    })
}

/// We started the broker: a detached watcher stops it once this test process has exited.
fn stop_when_we_exit() {
    let script = format!(
        "(while kill -0 {} 2>/dev/null; do sleep 0.5; done; exec bash '{}') \
         </dev/null >/dev/null 2>&1 &",
        std::process::id(),
        broker_dir().join("stop.sh").display()
    );
    let status = Command::new("bash").args(["-c", &script]).status();
    assert!(
        status.is_ok_and(|s| s.success()),
        "start the broker's stopper"
    );
}

/// Runs `rabbitmqctl` with `args`; its output, or a panic saying why not.
pub fn rabbitmqctl(args: &[&str]) -> String {
    let out = Command::new("rabbitmqctl")
        .args(args)
        .output()
        .expect("run rabbitmqctl");
    assert!(
        out.status.success(),
        "rabbitmqctl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}
