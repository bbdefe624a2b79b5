//! What the project's tests share.
//!
//! [`Server`]: an HTTP/1.1 server on 127.0.0.1 that answers each request with what a handler
//! returns and records every request, for tests of the client against a loopback service.
//! It is small on purpose (keep-alive, `Content-Length` bodies, nothing else): the tests check
//! what the client sends, so the server must not be clever about it.
//!
//! [`broker`]: a real RabbitMQ for the Pulse tests, started if need be.
//!
//! [`objects`]: a loopback object service, queue artifact methods and storage server.
//!
//! [`peers`]: other implementations to check against (npm `hawk`, PyPI `taskcluster`).
//!
//! [`samples`]: documents from JSON schemas, for feeding generated types what a service could
//! send.
//!
//! [`traces`]: a `tracing` layer that records every span and event, and scans them for secrets.
//!
//! [`webdav`]: a real WebDAV server (wsgidav), for storage transfers.

pub mod broker;
pub mod objects;
pub mod peers;
pub mod rucio;
pub mod samples;
pub mod traces;
pub mod webdav;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A request the server received.
#[derive(Clone, Debug)]
pub struct Seen {
    pub method: String,
    /// Path and query, as sent.
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Seen {
    /// The first header called `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The path, without the query.
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }

    /// The query parameter `name`, percent-decoded (enough for tests: `%XX` and nothing else).
    pub fn query(&self, name: &str) -> Option<String> {
        let query = self.target.split_once('?')?.1;
        query.split('&').find_map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (k == name).then(|| percent_decode(v))
        })
    }

    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match (bytes[i], bytes.get(i + 1..i + 3)) {
            (b'%', Some(hex))
                if let Ok(b) = u8::from_str_radix(std::str::from_utf8(hex).unwrap_or("zz"), 16) =>
            {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// What the server does with a request.
pub enum Reply {
    /// A JSON answer with this status.
    Json(u16, serde_json::Value),
    /// An answer with these headers and body.
    Raw(u16, Vec<(String, String)>, Vec<u8>),
    /// Closes the connection without an answer.
    Close,
}

type Handler = dyn Fn(&Seen) -> Reply + Send + Sync;

/// The server; it stops when dropped.
pub struct Server {
    port: u16,
    seen: Arc<Mutex<Vec<Seen>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Server {
    /// Starts a server on 127.0.0.1 (a free port) that answers with `handler`.
    pub async fn start(handler: impl Fn(&Seen) -> Reply + Send + Sync + 'static) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1");
        let port = listener.local_addr().expect("an address").port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let handler: Arc<Handler> = Arc::new(handler);
        let record = seen.clone();
        let task = tokio::spawn(async move {
            while let Ok((conn, _)) = listener.accept().await {
                tokio::spawn(serve(conn, handler.clone(), record.clone()));
            }
        });
        Server { port, seen, task }
    }

    /// `http://127.0.0.1:<port>`, a root URL for `ClientConfig::new`.
    pub fn root_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Every request so far, in order.
    pub fn requests(&self) -> Vec<Seen> {
        self.seen.lock().expect("not poisoned").clone()
    }
}

async fn serve(mut conn: TcpStream, handler: Arc<Handler>, seen: Arc<Mutex<Vec<Seen>>>) {
    let mut buf = Vec::new();
    loop {
        let head_end = loop {
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            if !read_more(&mut conn, &mut buf).await {
                return;
            }
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
        let mut lines = head.lines();
        let mut start = lines.next().unwrap_or("").split(' ');
        let method = start.next().unwrap_or("").to_owned();
        let target = start.next().unwrap_or("").to_owned();
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
            .collect();
        let len: usize = headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(0);
        while buf.len() < head_end + len {
            if !read_more(&mut conn, &mut buf).await {
                return;
            }
        }
        let body = buf[head_end..head_end + len].to_vec();
        buf.drain(..head_end + len);
        let request = Seen {
            method,
            target,
            headers,
            body,
        };
        seen.lock().expect("not poisoned").push(request.clone());
        let (status, headers, body) = match handler(&request) {
            Reply::Json(status, value) => (
                status,
                vec![("content-type".to_owned(), "application/json".to_owned())],
                value.to_string().into_bytes(),
            ),
            Reply::Raw(status, headers, body) => (status, headers, body),
            Reply::Close => return,
        };
        let mut head = format!(
            "HTTP/1.1 {status} Status\r\ncontent-length: {}\r\n",
            body.len()
        );
        for (k, v) in headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str("\r\n");
        if conn.write_all(head.as_bytes()).await.is_err() || conn.write_all(&body).await.is_err() {
            return;
        }
    }
}

async fn read_more(conn: &mut TcpStream, buf: &mut Vec<u8>) -> bool {
    let mut chunk = [0u8; 8192];
    match tokio::time::timeout(Duration::from_secs(30), conn.read(&mut chunk)).await {
        Ok(Ok(n)) if n > 0 => {
            buf.extend_from_slice(&chunk[..n]);
            true
        }
        _ => false,
    }
}

/// A loopback port nothing listens on, and what connecting to it says (`Connection refused`),
/// for tests of unreachable hosts. It is below Linux's ephemeral range (32768 and up), where the
/// servers of concurrent tests land when they bind port 0, so none of them takes it between this
/// check and its use, as a port just freed by dropping a listener could be.
pub fn closed_port() -> (u16, String) {
    let start = 20_000 + (std::process::id() % 5_000) as u16;
    (start..30_000)
        .find_map(|port| {
            let refused = std::net::TcpStream::connect(("127.0.0.1", port)).err()?;
            Some((port, refused.to_string()))
        })
        .expect("a closed loopback port between 20000 and 30000")
}

/// `prefix` and `len` fresh lower-case letters and digits (at most 20): a name a test must not
/// share with another run, such as a Rucio scope.
pub fn unique(prefix: &str, len: usize) -> String {
    let id: String = tc_runtime::slugid::nice()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(len)
        .collect();
    format!("{prefix}{}", id.to_lowercase())
}
