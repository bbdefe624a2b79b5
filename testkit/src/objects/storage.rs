//! A loopback storage server that behaves as S3 does for presigned URLs: unauthenticated,
//! `PUT /put/<key>` with exactly the headers the object service named (else 403) and a
//! `Content-Length` (else 411), `GET /get/<key>` with `Range: bytes=N-`; bodies stream to and
//! from files, so it holds no object in memory. Faults are scripted per key.

use std::collections::{HashMap, HashSet, VecDeque};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use aws_lc_rs::digest::{Context, SHA256, SHA512};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the next request for a key does instead of succeeding.
#[derive(Clone, Debug)]
pub enum Fault {
    /// Answers with this status (after reading a PUT's body, as S3 does).
    Status(u16),
    /// Sends (or reads) this many body bytes, then drops the connection.
    DropAfter(u64),
}

/// A request the storage server saw.
#[derive(Clone, Debug)]
pub struct StorageRequest {
    pub method: String,
    pub key: String,
    pub headers: Vec<(String, String)>,
    pub status: u16,
}

impl StorageRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Default)]
pub struct StorageState {
    /// Headers a PUT to the key must carry (set when the object service hands out a putUrl).
    pub put_headers: HashMap<String, Vec<(String, String)>>,
    pub faults: HashMap<String, VecDeque<Fault>>,
    /// Stored objects: length and hex (sha256, sha512) of what was received.
    pub stored: HashMap<String, (u64, String, String)>,
    /// Keys served with one byte flipped.
    pub corrupt: HashSet<String>,
    /// Keys served gzip-encoded (when the client accepts gzip).
    pub gzip: HashSet<String>,
    /// Answer `Range` requests with the whole body.
    pub ignore_range: bool,
    /// Extra headers for GET answers (e.g. a content type).
    pub content_types: HashMap<String, String>,
    pub log: Vec<StorageRequest>,
}

pub struct Storage {
    port: u16,
    pub dir: PathBuf,
    pub state: Arc<Mutex<StorageState>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Storage {
    fn drop(&mut self) {
        self.task.abort();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl Storage {
    pub async fn start() -> Storage {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let dir = std::env::temp_dir().join(format!(
            "tc-objects-storage-{}-{}",
            std::process::id(),
            tc_runtime::slugid::nice()
        ));
        std::fs::create_dir_all(&dir).expect("storage dir");
        let state = Arc::new(Mutex::new(StorageState::default()));
        let (d, s) = (dir.clone(), state.clone());
        let task = tokio::spawn(async move {
            while let Ok((conn, _)) = listener.accept().await {
                tokio::spawn(serve(conn, d.clone(), s.clone()));
            }
        });
        Storage {
            port,
            dir,
            state,
            task,
        }
    }

    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn path_of(&self, key: &str) -> PathBuf {
        self.dir.join(key)
    }

    /// Stores `data` under `key` directly (inline uploads, fixtures).
    pub fn put_bytes(&self, key: &str, data: &[u8]) {
        std::fs::write(self.path_of(key), data).expect("write object");
        let (mut a, mut b) = (Context::new(&SHA256), Context::new(&SHA512));
        a.update(data);
        b.update(data);
        self.state.lock().unwrap().stored.insert(
            key.to_owned(),
            (
                data.len() as u64,
                hex(a.finish().as_ref()),
                hex(b.finish().as_ref()),
            ),
        );
    }

    pub fn fault(&self, key: &str, fault: Fault) {
        let mut s = self.state.lock().unwrap();
        s.faults.entry(key.to_owned()).or_default().push_back(fault);
    }

    pub fn log(&self) -> Vec<StorageRequest> {
        self.state.lock().unwrap().log.clone()
    }

    pub fn requests_for(&self, method: &str, key: &str) -> Vec<StorageRequest> {
        self.log()
            .into_iter()
            .filter(|r| r.method == method && r.key == key)
            .collect()
    }
}

struct Head {
    method: String,
    key: String,
    headers: Vec<(String, String)>,
}

impl Head {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

async fn read_head(conn: &mut TcpStream, buf: &mut Vec<u8>) -> Option<Head> {
    let end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let mut chunk = [0u8; 16384];
        let n = conn.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let text = String::from_utf8_lossy(&buf[..end]).into_owned();
    buf.drain(..end);
    let mut lines = text.lines();
    let mut start = lines.next()?.split(' ');
    let method = start.next()?.to_owned();
    let target = start.next()?.to_owned();
    let path = target.split('?').next().unwrap_or("");
    let key = path.rsplit('/').next().unwrap_or("").to_owned();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    Some(Head {
        method,
        key,
        headers,
    })
}

async fn respond(
    conn: &mut TcpStream,
    status: u16,
    headers: &[(String, String)],
    body: &[u8],
) -> bool {
    let mut head = format!(
        "HTTP/1.1 {status} Status\r\ncontent-length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    conn.write_all(head.as_bytes()).await.is_ok() && conn.write_all(body).await.is_ok()
}

fn error_xml(code: &str) -> Vec<u8> {
    format!("<Error><Code>{code}</Code><Message>storage says no</Message><StringToSign>SECRET-STRING-TO-SIGN</StringToSign></Error>").into_bytes()
}

async fn serve(mut conn: TcpStream, dir: PathBuf, state: Arc<Mutex<StorageState>>) {
    let mut buf = Vec::new();
    while let Some(head) = read_head(&mut conn, &mut buf).await {
        let fault = state
            .lock()
            .unwrap()
            .faults
            .get_mut(&head.key)
            .and_then(VecDeque::pop_front);
        // Logged before answering: a client may be done before this task runs again.
        let index = {
            let mut s = state.lock().unwrap();
            s.log.push(StorageRequest {
                method: head.method.clone(),
                key: head.key.clone(),
                headers: head.headers.clone(),
                status: 0,
            });
            s.log.len() - 1
        };
        let status_slot = state.clone();
        let set_status = move |status: u16| status_slot.lock().unwrap().log[index].status = status;
        let (status, keep) = match head.method.as_str() {
            "PUT" => put(&mut conn, &mut buf, &head, fault, &dir, &state, set_status).await,
            "GET" => get(&mut conn, &head, fault, &dir, &state, set_status).await,
            _ => (405, respond(&mut conn, 405, &[], b"").await),
        };
        let _ = status;
        if !keep {
            return;
        }
    }
}

/// Reads `len` body bytes (some may already be in `buf`), handing each piece to `sink`;
/// stops after `limit` bytes if given. Returns whether all `len` bytes arrived.
async fn read_body(
    conn: &mut TcpStream,
    buf: &mut Vec<u8>,
    len: u64,
    limit: Option<u64>,
    mut sink: impl FnMut(&[u8]),
) -> bool {
    let stop = limit.unwrap_or(len).min(len);
    let mut got = 0u64;
    let first = (buf.len() as u64).min(stop) as usize;
    sink(&buf[..first]);
    buf.drain(..first);
    got += first as u64;
    let mut chunk = vec![0u8; 256 * 1024];
    while got < stop {
        let want = ((stop - got) as usize).min(chunk.len());
        match conn.read(&mut chunk[..want]).await {
            Ok(0) | Err(_) => return false,
            Ok(n) => {
                sink(&chunk[..n]);
                got += n as u64;
            }
        }
    }
    got == len
}

async fn put(
    conn: &mut TcpStream,
    buf: &mut Vec<u8>,
    head: &Head,
    fault: Option<Fault>,
    dir: &std::path::Path,
    state: &Arc<Mutex<StorageState>>,
    set_status: impl Fn(u16),
) -> (u16, bool) {
    let Some(len) = head
        .header("content-length")
        .and_then(|v| v.parse::<u64>().ok())
    else {
        set_status(411);
        let _ = respond(conn, 411, &[], &error_xml("MissingContentLength")).await;
        return (411, false);
    };
    let expected = state.lock().unwrap().put_headers.get(&head.key).cloned();
    let headers_ok = head.header("authorization").is_none()
        && expected
            .is_some_and(|want| want.iter().all(|(k, v)| head.header(k) == Some(v.as_str())));
    let mut file = None;
    if headers_ok && fault.is_none() {
        file = std::fs::File::create(dir.join(format!("{}.partial", head.key))).ok();
    }
    let (mut a, mut b) = (Context::new(&SHA256), Context::new(&SHA512));
    let limit = match fault {
        Some(Fault::DropAfter(n)) => Some(n),
        _ => None,
    };
    let mut write_failed = false;
    let complete = read_body(conn, buf, len, limit, |piece| {
        if let Some(f) = &mut file {
            use std::io::Write;
            write_failed |= f.write_all(piece).is_err();
            a.update(piece);
            b.update(piece);
        }
    })
    .await;
    if limit.is_some() || !complete {
        return (0, false);
    }
    if !headers_ok {
        set_status(403);
        let ok = respond(conn, 403, &[], &error_xml("SignatureDoesNotMatch")).await;
        return (403, ok);
    }
    if let Some(Fault::Status(s)) = fault {
        set_status(s);
        // As S3 says when a presigned PUT's signature has expired.
        let code = if s == 403 {
            "AccessDenied"
        } else {
            "InternalError"
        };
        let ok = respond(conn, s, &[], &error_xml(code)).await;
        return (s, ok);
    }
    drop(file);
    assert!(!write_failed, "storage could not write");
    std::fs::rename(
        dir.join(format!("{}.partial", head.key)),
        dir.join(&head.key),
    )
    .expect("rename stored object");
    state.lock().unwrap().stored.insert(
        head.key.clone(),
        (len, hex(a.finish().as_ref()), hex(b.finish().as_ref())),
    );
    set_status(200);
    (200, respond(conn, 200, &[], b"").await)
}

async fn get(
    conn: &mut TcpStream,
    head: &Head,
    fault: Option<Fault>,
    dir: &std::path::Path,
    state: &Arc<Mutex<StorageState>>,
    set_status: impl Fn(u16),
) -> (u16, bool) {
    if let Some(Fault::Status(s)) = fault {
        set_status(s);
        return (s, respond(conn, s, &[], &error_xml("SlowDown")).await);
    }
    let path = dir.join(&head.key);
    let Ok(mut file) = tokio::fs::File::open(&path).await else {
        set_status(404);
        return (404, respond(conn, 404, &[], &error_xml("NoSuchKey")).await);
    };
    let size = file.metadata().await.expect("metadata").len();
    let (corrupt, gzip, ignore_range, content_type) = {
        let s = state.lock().unwrap();
        (
            s.corrupt.contains(&head.key),
            s.gzip.contains(&head.key)
                && head
                    .header("accept-encoding")
                    .is_some_and(|v| v.contains("gzip")),
            s.ignore_range,
            s.content_types.get(&head.key).cloned(),
        )
    };
    let mut headers = vec![(
        "content-type".to_owned(),
        content_type.unwrap_or_else(|| "application/octet-stream".into()),
    )];
    if gzip {
        let data = tokio::fs::read(&path).await.expect("read object");
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut enc, &data).expect("gzip");
        let body = enc.finish().expect("gzip");
        headers.push(("content-encoding".into(), "gzip".into()));
        set_status(200);
        return (200, respond(conn, 200, &headers, &body).await);
    }
    let start = head
        .header("range")
        .and_then(|r| r.strip_prefix("bytes="))
        .and_then(|r| r.strip_suffix('-'))
        .and_then(|n| n.parse::<u64>().ok())
        .filter(|_| !ignore_range);
    let (status, from) = match start {
        Some(n) if n >= size => {
            set_status(416);
            return (416, respond(conn, 416, &[], b"").await);
        }
        Some(n) => {
            headers.push((
                "content-range".into(),
                format!("bytes {n}-{}/{size}", size - 1),
            ));
            (206, n)
        }
        None => (200, 0),
    };
    use tokio::io::AsyncSeekExt;
    file.seek(std::io::SeekFrom::Start(from))
        .await
        .expect("seek");
    let len = size - from;
    let mut head_text = format!("HTTP/1.1 {status} Status\r\ncontent-length: {len}\r\n");
    for (k, v) in &headers {
        head_text.push_str(&format!("{k}: {v}\r\n"));
    }
    head_text.push_str("\r\n");
    set_status(status);
    if conn.write_all(head_text.as_bytes()).await.is_err() {
        return (status, false);
    }
    let limit = match fault {
        Some(Fault::DropAfter(n)) => n.min(len),
        _ => len,
    };
    let mut sent = 0u64;
    let mut chunk = vec![0u8; 256 * 1024];
    while sent < limit {
        let want = ((limit - sent) as usize).min(chunk.len());
        let n = match file.read(&mut chunk[..want]).await {
            Ok(0) | Err(_) => return (status, false),
            Ok(n) => n,
        };
        if corrupt && from + sent == 0 {
            chunk[0] ^= 0xff;
        }
        if conn.write_all(&chunk[..n]).await.is_err() {
            return (status, false);
        }
        sent += n as u64;
    }
    (status, sent == len)
}
