//! [`WebDavServer`]: a real WebDAV server on 127.0.0.1 for tests of storage transfers (the
//! WebDAV RSEs of the Rucio transfer tests).
//!
//! PyPI's `wsgidav` served by `cheroot`, both installed into the Rucio test venv by
//! `rucio/tests/server/install.sh` (pinned in its `requirements.txt` and `constraints.txt`),
//! sharing an empty scratch directory as `/`, read-write (or read-only), without
//! authentication, on a free loopback port. Dropping it stops the server and removes the
//! directory; the server also exits by itself when the test process is gone.
//!
//! ```no_run
//! let dav = tc_testkit::webdav::WebDavServer::start().expect("a WebDAV server");
//! // PUT http://127.0.0.1:<port>/a/b lands in dav.root()/a/b.
//! println!("{} serves {}", dav.url, dav.root().display());
//! ```

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// wsgidav's command line, which also exits when the process given as its first argument (this
/// test binary) is gone, so a test that dies without dropping the server leaves none running.
const WATCHED: &str = "import os, sys, threading, time
parent, config = int(sys.argv[1]), sys.argv[2]
def watch():
    while True:
        try:
            os.kill(parent, 0)
        except OSError:
            os._exit(0)
        time.sleep(1)
threading.Thread(target=watch, daemon=True).start()
sys.argv = ['wsgidav', '-c', config]
from wsgidav.server.server_cli import run
sys.exit(run())
";

/// wsgidav starts in about a second; this is a backstop.
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// A WebDAV server on 127.0.0.1, stopped (and its directory removed) when dropped.
#[derive(Debug)]
pub struct WebDavServer {
    /// `http://127.0.0.1:<port>` (`https://…` from [`start_with_tls`](Self::start_with_tls)),
    /// without a trailing slash.
    pub url: String,
    /// The port.
    pub port: u16,
    dir: PathBuf,
    child: Child,
}

impl WebDavServer {
    /// A read-write server of an empty directory.
    pub fn start() -> Result<WebDavServer, String> {
        Self::launch(false, None)
    }

    /// A server whose share refuses writes (PUT, MKCOL, DELETE, MOVE answer 403).
    pub fn start_read_only() -> Result<WebDavServer, String> {
        Self::launch(true, None)
    }

    /// Like [`start`](Self::start), but over HTTPS (`url` is `https://127.0.0.1:<port>`) with
    /// `tls_dir`'s `server.pem` and `server.key` (valid for 127.0.0.1); clients must trust the
    /// CA that signed them.
    pub fn start_with_tls(tls_dir: &Path) -> Result<WebDavServer, String> {
        Self::launch(false, Some(tls_dir))
    }

    fn launch(read_only: bool, tls_dir: Option<&Path>) -> Result<WebDavServer, String> {
        let scripts = Path::new(env!("CARGO_MANIFEST_DIR")).join("../rucio/tests/server");
        let install = Command::new("bash")
            .arg(scripts.join("install.sh"))
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run rucio/tests/server/install.sh: {e}"))?;
        if !install.status.success() {
            return Err(format!(
                "rucio/tests/server/install.sh failed: {}",
                String::from_utf8_lossy(&install.stderr)
            ));
        }
        let venv = std::env::var_os("RUCIO_VENV")
            .map(PathBuf::from)
            .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/rucio-venv"));
        let dir = std::env::temp_dir().join(crate::unique("tc-webdav-", 12));
        let root = dir.join("root");
        std::fs::create_dir_all(&root)
            .map_err(|e| format!("cannot create {}: {e}", root.display()))?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| format!("no free loopback port: {e}"))?
            .port();
        let mut config = serde_json::json!({
            "host": "127.0.0.1",
            "port": port,
            "server": "cheroot",
            "provider_mapping": { "/": { "root": root, "readonly": read_only } },
            "simple_dc": { "user_mapping": { "*": true } },
            "http_authenticator": { "domain_controller": null, "accept_basic": true, "accept_digest": false, "default_to_digest": false },
            // Collections answer GET and HEAD with a listing (Rucio's webdav protocol checks its
            // prefix with a HEAD before it reads).
            "dir_browser": { "enable": true },
            "verbose": 1,
            "logging": { "enable_loggers": [] },
        });
        if let Some(tls) = tls_dir {
            config["ssl_certificate"] = tls.join("server.pem").display().to_string().into();
            config["ssl_private_key"] = tls.join("server.key").display().to_string().into();
            config["ssl_adapter"] = "builtin".into();
        }
        let config_file = dir.join("wsgidav.json");
        std::fs::write(&config_file, config.to_string())
            .map_err(|e| format!("cannot write {}: {e}", config_file.display()))?;
        let log = std::fs::File::create(dir.join("wsgidav.log"))
            .map_err(|e| format!("cannot create the log: {e}"))?;
        let child = Command::new(venv.join("bin/python"))
            .arg("-c")
            .arg(WATCHED)
            .arg(std::process::id().to_string())
            .arg(&config_file)
            .current_dir(&dir)
            .stdin(Stdio::null())
            .stdout(log.try_clone().map_err(|e| e.to_string())?)
            .stderr(log)
            .spawn()
            .map_err(|e| format!("cannot start wsgidav from {}: {e}", venv.display()))?;
        let mut server = WebDavServer {
            url: format!(
                "{}://127.0.0.1:{port}",
                if tls_dir.is_some() { "https" } else { "http" }
            ),
            port,
            dir,
            child,
        };
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Ok(server);
            }
            if let Ok(Some(status)) = server.child.try_wait() {
                return Err(format!("wsgidav exited ({status}): {}", server.log()));
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "wsgidav did not listen within {START_TIMEOUT:?}: {}",
                    server.log()
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The directory the server shares as `/`.
    pub fn root(&self) -> PathBuf {
        self.dir.join("root")
    }

    /// The server's log, for the message of a failed assertion.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("wsgidav.log")).unwrap_or_default()
    }
}

impl Drop for WebDavServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
