//! The test peers other implementations provide (`runtime/taskcluster/tests/peers`: npm `hawk`, PyPI
//! `taskcluster` and `mohawk`, installed by its `install.sh`): where they are, and spawning them.

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

/// `runtime/taskcluster/tests/peers`.
pub fn peers_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../runtime/taskcluster/tests/peers")
}

fn missing(what: &str) -> ! {
    panic!(
        "{what} is missing: run `bash {}/install.sh` to install the test peers",
        peers_dir().display()
    )
}

/// A spawned peer process, killed when dropped.
pub struct Peer {
    child: Child,
    pub port: u16,
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `hawk_server.js` on 127.0.0.1 and returns it with its port.
pub fn start_hawk_server() -> Peer {
    let dir = peers_dir();
    if !dir.join("node_modules/hawk/package.json").exists() {
        missing("npm package `hawk` (runtime/taskcluster/tests/peers/node_modules)");
    }
    let mut child = Command::new("node")
        .arg(dir.join("hawk_server.js"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|e| missing(&format!("node ({e})")));
    let stdout = child.stdout.take().expect("piped stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("read the server's port");
    let port = line
        .trim()
        .strip_prefix("PORT ")
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("hawk_server.js printed {line:?} instead of `PORT <n>`"));
    Peer { child, port }
}

/// Runs `crosscheck.py` with `input` as JSON on stdin and returns its JSON output.
pub fn python_crosscheck(input: &serde_json::Value) -> serde_json::Value {
    let check = Command::new("python3")
        .args(["-c", "import taskcluster, mohawk"])
        .output()
        .unwrap_or_else(|e| missing(&format!("python3 ({e})")));
    if !check.status.success() {
        missing("Python packages `taskcluster` and `mohawk`");
    }
    let mut child = Command::new("python3")
        .arg(peers_dir().join("crosscheck.py"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn python3");
    child
        .stdin
        .take()
        .expect("piped stdin")
        .write_all(input.to_string().as_bytes())
        .expect("write to crosscheck.py");
    let out = child.wait_with_output().expect("run crosscheck.py");
    assert!(out.status.success(), "crosscheck.py failed");
    serde_json::from_slice(&out.stdout).expect("crosscheck.py prints JSON")
}
