//! [`RucioServer`]: a real Rucio server on 127.0.0.1 for tests of a Rucio client.
//!
//! PyPI's `rucio` 41.5.1 served by gunicorn, with a fresh SQLite database and the account `root`
//! bootstrapped with a test-only userpass identity. The scripts that do the work are in
//! `rucio/tests/server/`: `install.sh` (a venv in `target/rucio-venv`, about a minute the first
//! time), `start.sh` and `stop.sh`; this module runs them. [`RucioServer::python`] runs Rucio's
//! own Python client against the same server: a peer to compare a client with.
//!
//! ```no_run
//! let server = tc_testkit::rucio::RucioServer::start().expect("a Rucio server");
//! let scopes = server
//!     .python("from rucio.client import Client\nprint(list(Client().list_scopes()))")
//!     .expect("Rucio's client");
//! println!("{} has {scopes}", server.host);
//! // Dropping `server` stops it and removes its directory.
//! ```

use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// How long a first install may take (it downloads about 225 MB of wheels).
const INSTALL_TIMEOUT: Duration = Duration::from_secs(900);
/// start.sh gives up on its own after 90 s waiting for `/ping`; this is a backstop.
const START_TIMEOUT: Duration = Duration::from_secs(240);
const STOP_TIMEOUT: Duration = Duration::from_secs(60);
/// A Python snippet that takes longer than this has hung.
const PYTHON_TIMEOUT: Duration = Duration::from_secs(180);

/// A Rucio server on 127.0.0.1, stopped (and its directory removed) when dropped.
///
/// `Debug` does not show the password.
pub struct RucioServer {
    /// `http://127.0.0.1:<port>` (`https://…` from [`start_with_tls`](Self::start_with_tls)).
    pub host: String,
    /// The account the identity logs in to: `root`.
    pub account: String,
    /// The userpass identity (`X-Rucio-Username`).
    pub username: String,
    /// Its password (`X-Rucio-Password`), a test-only value.
    pub password: String,
    dir: PathBuf,
    config: PathBuf,
    python: PathBuf,
    startup: Duration,
}

impl fmt::Debug for RucioServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RucioServer")
            .field("host", &self.host)
            .field("account", &self.account)
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .field("dir", &self.dir)
            .finish()
    }
}

impl RucioServer {
    /// Installs the server if needed (`install.sh`, which does nothing when the venv is there),
    /// starts one (`start.sh`) and waits until it answers `GET /ping`.
    pub fn start() -> Result<RucioServer, String> {
        Self::launch(None, None)
    }

    /// Like [`start`](Self::start), but over HTTPS with `tls_dir`'s `server.pem` and
    /// `server.key` (valid for 127.0.0.1), asking clients for a certificate signed by its
    /// `ca.pem` (optional: userpass clients are served too). The DN of a verified client
    /// certificate reaches Rucio as `SSL_CLIENT_S_DN`, as Apache's mod_ssl sets it, so x509
    /// logins and identities work. Clients must trust `ca.pem`; the `[client]` section does.
    pub fn start_with_tls(tls_dir: &Path) -> Result<RucioServer, String> {
        Self::launch(None, Some(tls_dir))
    }

    /// Like [`start`](Self::start), but userpass tokens expire after `lifetime` (whole seconds,
    /// at least one) instead of Rucio's hour, for tests of token renewal. Rucio has no setting
    /// for this; `rucio/tests/server/short_tokens.py` says how it is done.
    pub fn start_with_token_lifetime(lifetime: Duration) -> Result<RucioServer, String> {
        Self::launch(Some(lifetime.as_secs().max(1)), None)
    }

    fn launch(token_lifetime: Option<u64>, tls_dir: Option<&Path>) -> Result<RucioServer, String> {
        let scripts = scripts_dir();
        let mut install = Command::new("bash");
        install.arg(scripts.join("install.sh"));
        run(install, "rucio/tests/server/install.sh", INSTALL_TIMEOUT)?;

        let mut start = Command::new("bash");
        start
            .arg(scripts.join("start.sh"))
            // If this test binary dies without dropping the server, the server goes too.
            .env("RUCIO_WATCH_PID", std::process::id().to_string());
        if let Some(seconds) = token_lifetime {
            start.env("RUCIO_TOKEN_LIFETIME", seconds.to_string());
        }
        if let Some(dir) = tls_dir {
            start.env("RUCIO_TLS_DIR", dir);
        }
        let begun = Instant::now();
        let stdout = run(start, "rucio/tests/server/start.sh", START_TIMEOUT)?;
        let startup = begun.elapsed();

        let value = |key: &str| {
            stdout.lines().find_map(|line| {
                line.strip_prefix(key)
                    .and_then(|rest| rest.strip_prefix('='))
                    .map(str::to_owned)
            })
        };
        let dir = value("RUCIO_SERVER_DIR").map(PathBuf::from);
        let parsed = (|| {
            let host = value("RUCIO_HOST")?;
            // Loopback only; anything else would be a bug in start.sh.
            let scheme = if tls_dir.is_some() { "https" } else { "http" };
            host.starts_with(&format!("{scheme}://127.0.0.1:"))
                .then_some(())?;
            Some(RucioServer {
                host,
                account: value("RUCIO_ACCOUNT")?,
                username: value("RUCIO_USERNAME")?,
                password: value("RUCIO_PASSWORD")?,
                dir: dir.clone()?,
                config: value("RUCIO_CONFIG")?.into(),
                python: value("RUCIO_PYTHON")?.into(),
                startup,
            })
        })();
        match (parsed, dir) {
            (Some(server), _) => Ok(server),
            (None, dir) => {
                if let Some(dir) = dir {
                    stop(&dir);
                }
                Err(format!(
                    "rucio/tests/server/start.sh printed no complete server description \
                     (RUCIO_HOST on 127.0.0.1, RUCIO_ACCOUNT, RUCIO_USERNAME, RUCIO_PASSWORD, \
                     RUCIO_CONFIG, RUCIO_SERVER_DIR, RUCIO_PYTHON); its lines were: {:?}",
                    stdout
                        .lines()
                        .map(|l| l.split('=').next().unwrap_or(""))
                        .collect::<Vec<_>>()
                ))
            }
        }
    }

    /// Runs `script` with the venv's Python (`python -c`), `RUCIO_CONFIG` pointing at this
    /// server's `rucio.cfg`, whose `[client]` section logs in as [`account`](Self::account), so
    /// `from rucio.client import Client; Client()` talks to this server. Returns its stdout;
    /// an error (with its stderr) if it exits non-zero or runs for more than three minutes.
    pub fn python(&self, script: &str) -> Result<String, String> {
        let mut command = Command::new(&self.python);
        command
            .arg("-c")
            .arg(script)
            .env("RUCIO_CONFIG", &self.config)
            // These would override the config file's [client] section.
            .env_remove("RUCIO_ACCOUNT")
            .env_remove("RUCIO_AUTH_TYPE")
            .env_remove("RUCIO_VO");
        run(
            command,
            "a Python snippet for Rucio's client",
            PYTHON_TIMEOUT,
        )
    }

    /// This server's scratch directory; `etc/` in it is the server's `$RUCIO_HOME/etc`, where
    /// Rucio reads `rse-accounts.cfg` (storage credentials).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The `rucio.cfg` of this server (server settings and a `[client]` section).
    pub fn config_path(&self) -> &Path {
        &self.config
    }

    /// The server's log (gunicorn's and Rucio's messages, then the access log), for the
    /// message of a failed assertion.
    pub fn log(&self) -> String {
        let read = |name: &str| std::fs::read_to_string(self.dir.join(name)).unwrap_or_default();
        format!("{}{}", read("server.log"), read("access.log"))
    }

    /// How long `start.sh` took, from a fresh directory to the first answer of `/ping`.
    pub fn startup_time(&self) -> Duration {
        self.startup
    }

    /// Every request the server has received, in order (`recording.py`): `method`, `path`,
    /// `query` (each name's values), `headers` (the `X-Rucio-*` ones and `Content-Type`, secrets
    /// as `"<set>"`) and `body` (`{"json": ..}`, `{"text": ..}` or `null`).
    pub fn requests(&self) -> Vec<serde_json::Value> {
        let text = std::fs::read_to_string(self.dir.join("requests.jsonl")).unwrap_or_default();
        text.lines()
            .map(|line| serde_json::from_str(line).expect("recording.py writes JSON lines"))
            .collect()
    }
}

impl Drop for RucioServer {
    fn drop(&mut self) {
        stop(&self.dir);
    }
}

fn stop(dir: &Path) {
    let mut command = Command::new("bash");
    command.arg(scripts_dir().join("stop.sh")).arg(dir);
    if let Err(e) = run(command, "rucio/tests/server/stop.sh", STOP_TIMEOUT) {
        eprintln!("could not stop the Rucio server in {}: {e}", dir.display());
    }
}

fn scripts_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../rucio/tests/server")
}

/// Runs `command` without stdin; returns its stdout if it exits with 0 within `timeout`, else an
/// error naming `what` with its stderr. It is killed at the deadline; output still held open by
/// processes it left behind is not waited for.
fn run(mut command: Command, what: &str, timeout: Duration) -> Result<String, String> {
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command
        .spawn()
        .map_err(|e| format!("cannot run {what}: {e}"))?;
    let stdout = collect(child.stdout.take());
    let stderr = collect(child.stderr.take());
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Ok(status),
            Ok(None) if Instant::now() < deadline => thread::sleep(Duration::from_millis(20)),
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                break Err(format!(
                    "{what} did not finish within {timeout:?} and was killed"
                ));
            }
            Err(e) => break Err(format!("cannot wait for {what}: {e}")),
        }
    };
    // The pipes close when the process exits, unless a child it left running holds them: give
    // the readers a moment, then take what they have.
    let text = |(buffer, reader): (Arc<Mutex<Vec<u8>>>, thread::JoinHandle<()>)| {
        let until = Instant::now() + Duration::from_secs(2);
        while !reader.is_finished() && Instant::now() < until {
            thread::sleep(Duration::from_millis(10));
        }
        let bytes = buffer.lock().map(|b| b.clone()).unwrap_or_default();
        String::from_utf8_lossy(&bytes).into_owned()
    };
    let (stdout, stderr) = (text(stdout), text(stderr));
    match status {
        Ok(status) if status.success() => Ok(stdout),
        Ok(status) => Err(format!("{what} failed ({status}):\n{}", stderr.trim_end())),
        Err(message) => Err(format!("{message}:\n{}", stderr.trim_end())),
    }
}

/// Reads `pipe` to its end on a thread, into a buffer that can be read at any time.
fn collect(
    pipe: Option<impl Read + Send + 'static>,
) -> (Arc<Mutex<Vec<u8>>>, thread::JoinHandle<()>) {
    let buffer = Arc::new(Mutex::new(Vec::new()));
    let sink = buffer.clone();
    let reader = thread::spawn(move || {
        let Some(mut pipe) = pipe else { return };
        let mut chunk = [0u8; 8192];
        while let Ok(n) = pipe.read(&mut chunk) {
            if n == 0 {
                break;
            }
            if let Ok(mut sink) = sink.lock() {
                sink.extend_from_slice(&chunk[..n]);
            }
        }
    });
    (buffer, reader)
}
