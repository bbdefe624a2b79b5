//! Object transfer rows: upload and download of a large object over loopback, MB/s and peak RSS,
//! ours (`tc_runtime::objects`) against Taskcluster's Python client helpers
//! (`taskcluster.upload.uploadFromFile`, `taskcluster.download.downloadToFile`) and the published
//! Rust crates `taskcluster-upload` / `taskcluster-download`.
//!
//! Each client runs in a child process of its own (this binary's `objects-child` mode, or
//! `runtime/taskcluster/tests/peers/objects_peer.py`), timed by [`crate::process::timed`] for its peak RSS;
//! MB/s is the size over the transfer time the child measures itself (no interpreter start-up).
//! The parent serves a minimal object service (`createUpload` → `putUrl`, `finishUpload`
//! checks the SHA-256 the storage computed of what it received, `startDownload` → `getUrl`
//! with both hashes) and the storage URLs, with hyper on a runtime of its own. Every client
//! verifies the hashes of what it downloads.

use std::collections::HashMap;
use std::convert::Infallible;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};

use anyhow::{Context as _, bail};
use aws_lc_rs::digest::{Context, SHA256, SHA512};
use bytes::Bytes;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};

use crate::process::timed;
use crate::stats::{Row, Samples, ratio, speedups};

const CLIENT_ID: &str = "bench/objects";
const ACCESS_TOKEN: &str = "bench-objects-token";
const PROJECT: &str = "bench";
const MB: f64 = 1e6;
/// Environment variable naming the file a child writes its transfer seconds to.
pub const SECONDS_FILE: &str = "TC_BENCH_SECONDS_FILE";

/// One client of the comparison.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
enum Who {
    Ours,
    Python,
    Crates,
}

impl Who {
    fn name(self, upload: bool) -> &'static str {
        match (self, upload) {
            (Who::Ours, _) => "ours",
            (Who::Python, _) => "python taskcluster",
            (Who::Crates, true) => "taskcluster-upload",
            (Who::Crates, false) => "taskcluster-download",
        }
    }
}

// ---- the child side ------------------------------------------------------------------------

/// `tc-bench objects-child <ours|crates> <upload|download> ROOT_URL NAME FILE`: one transfer,
/// its seconds written to `$TC_BENCH_SECONDS_FILE`. `None` when not in child mode.
pub fn child_main() -> Option<anyhow::Result<()>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) != Some("objects-child") {
        return None;
    }
    Some(child(&args[1..]))
}

fn child(args: &[String]) -> anyhow::Result<()> {
    let [who, what, root, name, file] = args else {
        bail!("usage: tc-bench objects-child <ours|crates> <upload|download> ROOT_URL NAME FILE");
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let start = std::time::Instant::now();
    rt.block_on(async {
        let expires = chrono::Utc::now() + chrono::Duration::days(1);
        match (who.as_str(), what.as_str()) {
            ("ours", "upload") => {
                let object = ours_client(root);
                let up = tc_runtime::objects::Upload::new(PROJECT, name.as_str(), expires);
                tc_runtime::objects::upload_from_file(&object, &up, file).await?;
            }
            ("ours", "download") => {
                let object = ours_client(root);
                let options = tc_runtime::objects::DownloadOptions::default();
                tc_runtime::objects::download_to_file(&object, name, file, &options).await?;
            }
            ("crates", "upload") => {
                let object = peer_client(root)?;
                let f = tokio::fs::File::open(file).await?;
                let id = tc_runtime::slugid::nice();
                let retry = taskcluster::retry::Retry::default();
                taskcluster_upload::upload_from_file(
                    PROJECT,
                    name,
                    "application/octet-stream",
                    &expires,
                    f,
                    &retry,
                    &object,
                    &id,
                )
                .await?;
            }
            ("crates", "download") => {
                let object = peer_client(root)?;
                let f = tokio::fs::File::create(file).await?;
                let retry = taskcluster::retry::Retry::default();
                taskcluster_download::download_to_file(name, &retry, &object, f).await?;
            }
            _ => bail!("unknown child {who} {what}"),
        }
        anyhow::Ok(())
    })?;
    let secs = start.elapsed().as_secs_f64();
    if let Ok(path) = std::env::var(SECONDS_FILE) {
        std::fs::write(path, format!("{secs}"))?;
    }
    Ok(())
}

fn ours_client(root: &str) -> tc_client::object::Object {
    let config = tc_runtime::ClientConfig::new(root)
        .with_credentials(tc_runtime::Credentials::new(CLIENT_ID, ACCESS_TOKEN));
    tc_client::object::Object::new(&config)
}

fn peer_client(root: &str) -> anyhow::Result<taskcluster::Object> {
    taskcluster::Object::new(
        taskcluster::ClientBuilder::new(root)
            .credentials(taskcluster::Credentials::new(CLIENT_ID, ACCESS_TOKEN)),
    )
}

// ---- the server side -----------------------------------------------------------------------

#[derive(Default)]
struct ServerState {
    /// Object name → (storage key, sha256, sha512) of finished objects.
    objects: HashMap<String, (String, String, String)>,
    /// Storage key → file served for it.
    files: HashMap<String, PathBuf>,
    /// Storage key → (bytes, sha256) received by a PUT.
    received: HashMap<String, (u64, String)>,
    /// Object name → storage key of an upload in progress.
    uploads: HashMap<String, String>,
    api_unsigned: u64,
    storage_signed: u64,
    next_key: u64,
}

type Shared = Arc<Mutex<ServerState>>;
type Body = http_body_util::combinators::BoxBody<Bytes, std::io::Error>;

fn full(status: u16, body: Value) -> Response<Body> {
    let mut r = Response::new(
        Full::new(Bytes::from(body.to_string()))
            .map_err(|never| match never {})
            .boxed(),
    );
    *r.status_mut() = hyper::StatusCode::from_u16(status).expect("status");
    r.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/json"),
    );
    r
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unescape(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && let Some(v) = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(v);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

async fn handle(req: Request<Incoming>, state: Shared, base: String) -> Response<Body> {
    let path = req.uri().path().to_owned();
    let signed = req.headers().contains_key(hyper::header::AUTHORIZATION);
    let method = req.method().clone();
    if let Some(key) = path.strip_prefix("/storage/") {
        if signed {
            state.lock().unwrap().storage_signed += 1;
        }
        let key = key.rsplit('/').next().unwrap_or("").to_owned();
        return match method {
            Method::PUT => storage_put(req, &state, key).await,
            Method::GET => storage_get(&state, &key).await,
            _ => full(405, json!({})),
        };
    }
    if !signed {
        state.lock().unwrap().api_unsigned += 1;
    }
    let body = match req.into_body().collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => return full(400, json!({"message": "bad body"})),
    };
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let Some(rest) = path.strip_prefix("/api/object/v1/") else {
        return full(404, json!({"message": "no such service"}));
    };
    let (route, name) = rest.split_once('/').unwrap_or((rest, ""));
    let name = unescape(name);
    let mut s = state.lock().unwrap();
    match (method, route) {
        (Method::PUT, "upload") => {
            s.next_key += 1;
            let key = format!("up-{}", s.next_key);
            s.uploads.insert(name, key.clone());
            let put = &body["proposedUploadMethods"]["putUrl"];
            full(
                200,
                json!({
                    "projectId": body["projectId"], "uploadId": body["uploadId"],
                    "expires": body["expires"],
                    "uploadMethod": {"putUrl": {
                        "url": format!("{base}/storage/put/{key}?X-Amz-Signature=bench"),
                        "expires": (chrono::Utc::now() + chrono::Duration::minutes(45)).to_rfc3339(),
                        "headers": {
                            "Content-Type": put["contentType"],
                            "Content-Length": put["contentLength"].to_string(),
                            "Content-Encoding": "identity",
                        },
                    }},
                }),
            )
        }
        (Method::POST, "finish-upload") => {
            let Some(key) = s.uploads.get(&name).cloned() else {
                return full(404, json!({"message": "no such upload"}));
            };
            let Some((_, sha256)) = s.received.get(&key).cloned() else {
                return full(400, json!({"message": "no data received"}));
            };
            if body["hashes"]["sha256"].as_str() != Some(sha256.as_str()) {
                return full(400, json!({"message": "sha256 does not match the data"}));
            }
            let sha512 = body["hashes"]["sha512"].as_str().unwrap_or("").to_owned();
            s.objects.insert(name, (key, sha256, sha512));
            full(200, json!({}))
        }
        (Method::PUT, "start-download") => {
            let Some((key, sha256, sha512)) = s.objects.get(&name).cloned() else {
                return full(404, json!({"message": "no such object"}));
            };
            full(
                200,
                json!({
                    "method": "getUrl",
                    "url": format!("{base}/storage/get/{key}?X-Amz-Signature=bench"),
                    "expires": (chrono::Utc::now() + chrono::Duration::minutes(10)).to_rfc3339(),
                    "hashes": {"sha256": sha256, "sha512": sha512},
                }),
            )
        }
        _ => full(404, json!({"message": "no such method"})),
    }
}

/// Receives a PUT, hashing (SHA-256) and discarding the data.
async fn storage_put(req: Request<Incoming>, state: &Shared, key: String) -> Response<Body> {
    let mut body = req.into_body();
    let mut ctx = Context::new(&SHA256);
    let mut len = 0u64;
    while let Some(frame) = body.frame().await {
        let Ok(frame) = frame else {
            return full(400, json!({}));
        };
        if let Ok(data) = frame.into_data() {
            ctx.update(&data);
            len += data.len() as u64;
        }
    }
    state
        .lock()
        .unwrap()
        .received
        .insert(key, (len, hex(ctx.finish().as_ref())));
    full(200, json!({}))
}

/// Serves a file in 1 MiB frames.
async fn storage_get(state: &Shared, key: &str) -> Response<Body> {
    let Some(path) = state.lock().unwrap().files.get(key).cloned() else {
        return full(404, json!({}));
    };
    let Ok(file) = tokio::fs::File::open(&path).await else {
        return full(404, json!({}));
    };
    let len = file.metadata().await.map(|m| m.len()).unwrap_or(0);
    let frames = file_frames(file);
    let mut r = Response::new(StreamBody::new(frames).boxed());
    r.headers_mut().insert(
        hyper::header::CONTENT_LENGTH,
        hyper::header::HeaderValue::from(len),
    );
    r.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/octet-stream"),
    );
    r
}

/// A file as a stream of 1 MiB data frames, read ahead by a task.
fn file_frames(
    mut file: tokio::fs::File,
) -> impl futures_core::Stream<Item = Result<Frame<Bytes>, std::io::Error>> + Send + Sync + 'static
{
    use tokio::io::AsyncReadExt;
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Frame<Bytes>, std::io::Error>>(4);
    tokio::spawn(async move {
        loop {
            let mut buf = bytes::BytesMut::with_capacity(1 << 20);
            match file.read_buf(&mut buf).await {
                Ok(0) => break,
                Ok(_) => {
                    if tx.send(Ok(Frame::data(buf.freeze()))).await.is_err() {
                        break;
                    }
                }
                Err(e) => {
                    let _ = tx.send(Err(e)).await;
                    break;
                }
            }
        }
    });
    receiver_stream(rx)
}

fn receiver_stream<T: Send + 'static>(
    rx: tokio::sync::mpsc::Receiver<T>,
) -> impl futures_core::Stream<Item = T> + Send + Sync + 'static {
    struct Rx<T>(tokio::sync::mpsc::Receiver<T>);
    impl<T> futures_core::Stream for Rx<T> {
        type Item = T;
        fn poll_next(
            mut self: std::pin::Pin<&mut Self>,
            cx: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Option<T>> {
            self.0.poll_recv(cx)
        }
    }
    Rx(rx)
}

struct ObjectServer {
    root_url: String,
    state: Shared,
    _rt: tokio::runtime::Runtime,
}

impl ObjectServer {
    fn start() -> anyhow::Result<ObjectServer> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()?;
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let root_url = format!("http://{}", listener.local_addr()?);
        let state = Shared::default();
        let (st, base) = (state.clone(), root_url.clone());
        rt.spawn(async move {
            let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
            while let Ok((stream, _)) = listener.accept().await {
                let _ = stream.set_nodelay(true);
                let (st, base) = (st.clone(), base.clone());
                tokio::spawn(async move {
                    let svc = service_fn(move |req| {
                        let (st, base) = (st.clone(), base.clone());
                        async move { Ok::<_, Infallible>(handle(req, st, base).await) }
                    });
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), svc)
                        .await;
                });
            }
        });
        Ok(ObjectServer {
            root_url,
            state,
            _rt: rt,
        })
    }

    /// Registers `file` as finished object `name`.
    fn add_object(&self, name: &str, file: &Path, sha256: &str, sha512: &str) {
        let mut s = self.state.lock().unwrap();
        let key = format!("seed-{name}");
        s.files.insert(key.clone(), file.to_owned());
        s.objects
            .insert(name.into(), (key, sha256.into(), sha512.into()));
    }
}

// ---- the measurement -----------------------------------------------------------------------

/// Writes (once) `mib` MiB of pseudo-random data and returns its path and hashes.
fn data_file(dir: &Path, mib: u64) -> anyhow::Result<(PathBuf, String, String)> {
    use std::io::Write;
    let path = dir.join(format!("object-{mib}MiB.bin"));
    let sums = dir.join(format!("object-{mib}MiB.hashes"));
    if path.metadata().is_ok_and(|m| m.len() == mib << 20)
        && let Ok(text) = std::fs::read_to_string(&sums)
        && let Some((a, b)) = text.trim().split_once(' ')
    {
        return Ok((path, a.into(), b.into()));
    }
    eprintln!("writing a {mib} MiB object to {} ...", path.display());
    let mut f = std::io::BufWriter::new(std::fs::File::create(&path)?);
    let (mut a, mut b) = (Context::new(&SHA256), Context::new(&SHA512));
    let mut x = 0x2545_F491_4F6C_DD1Du64;
    let mut buf = vec![0u8; 1 << 20];
    for _ in 0..mib {
        for chunk in buf.chunks_mut(8) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            chunk.copy_from_slice(&x.to_le_bytes()[..chunk.len()]);
        }
        a.update(&buf);
        b.update(&buf);
        f.write_all(&buf)?;
    }
    f.flush()?;
    let (a, b) = (hex(a.finish().as_ref()), hex(b.finish().as_ref()));
    std::fs::write(&sums, format!("{a} {b}\n"))?;
    Ok((path, a, b))
}

struct Run {
    mb_per_s: f64,
    rss_mb: f64,
}

fn run_child(cmd: &mut Command, bytes: u64, dir: &Path) -> anyhow::Result<Run> {
    let seconds = dir.join("seconds");
    let _ = std::fs::remove_file(&seconds);
    let run = timed(cmd.env(SECONDS_FILE, &seconds))?;
    let secs: f64 = std::fs::read_to_string(&seconds)
        .with_context(|| format!("{cmd:?} wrote no seconds"))?
        .trim()
        .parse()?;
    Ok(Run {
        mb_per_s: bytes as f64 / MB / secs,
        rss_mb: run.max_rss as f64 / MB,
    })
}

fn command(who: Who, upload: bool, root: &str, name: &str, file: &Path, python: &Path) -> Command {
    let what = if upload { "upload" } else { "download" };
    let mut cmd = match who {
        Who::Python => {
            let mut c = Command::new("python3");
            c.arg(python)
                .arg(what)
                .args([root, CLIENT_ID, ACCESS_TOKEN]);
            if upload {
                c.arg(PROJECT);
            }
            c
        }
        Who::Ours | Who::Crates => {
            let mut c = Command::new(std::env::current_exe().expect("own path"));
            let who = if who == Who::Ours { "ours" } else { "crates" };
            c.args(["objects-child", who, what, root]);
            c
        }
    };
    cmd.arg(name).arg(file);
    cmd
}

/// MB/s and peak RSS per client, per round.
#[derive(Default)]
struct Figures {
    rate: HashMap<(Who, bool), Samples>,
    rss: HashMap<(Who, bool), Samples>,
}

/// Options of these rows.
pub struct ObjectOptions {
    /// Size of the compared transfer, MiB (default 1024).
    pub mib: u64,
    /// Size of the ours-only transfer, MiB (default 4096; 0 skips it).
    pub big_mib: u64,
    /// Rounds of the compared transfer (default 3).
    pub rounds: usize,
}

fn python_ok() -> bool {
    Command::new("python3")
        .args(["-c", "import taskcluster.upload, taskcluster.download"])
        .output()
        .is_ok_and(|o| o.status.success())
}

fn measure_size(
    server: &ObjectServer,
    dir: &Path,
    python: &Path,
    clients: &[Who],
    mib: u64,
    rounds: usize,
) -> anyhow::Result<Figures> {
    let (source, sha256, sha512) = data_file(dir, mib)?;
    let bytes = mib << 20;
    let seeded = format!("seeded-{mib}");
    server.add_object(&seeded, &source, &sha256, &sha512);
    let out = dir.join("downloaded.bin");
    let mut f = Figures::default();
    for round in 0..rounds {
        for i in 0..clients.len() {
            let who = clients[(i + round) % clients.len()];
            for upload in [false, true] {
                eprintln!(
                    "  round {}/{rounds}: {} {mib} MiB, {}",
                    round + 1,
                    if upload { "upload" } else { "download" },
                    who.name(upload)
                );
                let run = if upload {
                    let name = format!("up/{}/{mib}/{round}", who.name(true));
                    let run = run_child(
                        &mut command(who, true, &server.root_url, &name, &source, python),
                        bytes,
                        dir,
                    )?;
                    let s = server.state.lock().unwrap();
                    let stored = s.objects.get(&name).map(|o| o.1.as_str());
                    anyhow::ensure!(
                        stored == Some(sha256.as_str()),
                        "{name}: the upload's sha256 differs"
                    );
                    run
                } else {
                    let _ = std::fs::remove_file(&out);
                    let run = run_child(
                        &mut command(who, false, &server.root_url, &seeded, &out, python),
                        bytes,
                        dir,
                    )?;
                    let len = std::fs::metadata(&out)?.len();
                    anyhow::ensure!(len == bytes, "{who:?} downloaded {len} bytes, not {bytes}");
                    std::fs::remove_file(&out)?;
                    run
                };
                f.rate.entry((who, upload)).or_default().push(run.mb_per_s);
                f.rss.entry((who, upload)).or_default().push(run.rss_mb);
            }
        }
    }
    let s = server.state.lock().unwrap();
    anyhow::ensure!(
        s.api_unsigned == 0,
        "{} object-service calls were not signed",
        s.api_unsigned
    );
    anyhow::ensure!(
        s.storage_signed == 0,
        "{} storage requests carried an Authorization header",
        s.storage_signed
    );
    Ok(f)
}

fn mbps(v: f64) -> String {
    format!("{v:.0} MB/s")
}

fn mb(v: f64) -> String {
    format!("{v:.0} MB")
}

fn size_label(mib: u64) -> String {
    if mib.is_multiple_of(1024) {
        format!("{} GiB", mib / 1024)
    } else {
        format!("{mib} MiB")
    }
}

/// The object-transfer rows.
pub fn measure(workspace: &Path, bench_dir: &Path, o: &ObjectOptions) -> anyhow::Result<Vec<Row>> {
    let dir = bench_dir.join("target/objects");
    std::fs::create_dir_all(&dir)?;
    let python = workspace.join("runtime/taskcluster/tests/peers/objects_peer.py");
    let mut peers = vec![Who::Crates];
    if python_ok() {
        peers.insert(0, Who::Python);
    } else {
        eprintln!(
            "python3 with `taskcluster` is missing (bash runtime/taskcluster/tests/peers/install.sh): no Python rows"
        );
    }
    let server = ObjectServer::start()?;
    let mut clients = vec![Who::Ours];
    clients.extend(&peers);
    eprintln!("measuring object transfers of {} MiB ...", o.mib);
    let f = measure_size(&server, &dir, &python, &clients, o.mib, o.rounds)?;
    let size = size_label(o.mib);
    let mut rows = Vec::new();
    for upload in [false, true] {
        let what = if upload { "upload" } else { "download" };
        let ours = &f.rate[&(Who::Ours, upload)];
        let fastest = peers
            .iter()
            .copied()
            .max_by(|a, b| {
                f.rate[&(*a, upload)]
                    .median()
                    .total_cmp(&f.rate[&(*b, upload)].median())
            })
            .expect("a peer");
        let r = speedups(ours, &f.rate[&(fastest, upload)], true);
        let list = |m: &HashMap<(Who, bool), Samples>, fmt: fn(f64) -> String| {
            peers
                .iter()
                .map(|p| format!("{}: {}", p.name(upload), m[&(*p, upload)].show(fmt)))
                .collect::<Vec<_>>()
                .join("; ")
        };
        rows.push(Row {
            measure: format!("{what} of a {size} object over loopback, MB/s (hashes verified)"),
            ours: ours.show(mbps),
            peer: list(&f.rate, mbps),
            ratio: format!("{} vs {}", r.show(ratio), fastest.name(upload)),
            target: "≥ 2× the fastest peer".into(),
            met: Some(r.median() >= 2.0),
        });
        let rss = &f.rss[&(Who::Ours, upload)];
        rows.push(Row {
            measure: format!("{what} of a {size} object, peak RSS of the client process"),
            ours: rss.show(mb),
            peer: list(&f.rss, mb),
            ratio: "—".into(),
            target: "< 64 MB".into(),
            met: Some(rss.max() < 64.0),
        });
    }
    if o.big_mib > 0 {
        eprintln!("measuring ours alone with {} MiB ...", o.big_mib);
        let f = measure_size(&server, &dir, &python, &[Who::Ours], o.big_mib, 1)?;
        let size = size_label(o.big_mib);
        for upload in [false, true] {
            let what = if upload { "upload" } else { "download" };
            let rss = &f.rss[&(Who::Ours, upload)];
            rows.push(Row {
                measure: format!(
                    "{what} of a {size} object (ours only): MB/s {}, peak RSS",
                    mbps(f.rate[&(Who::Ours, upload)].median())
                ),
                ours: rss.show(mb),
                peer: "—".into(),
                ratio: "—".into(),
                target: "< 64 MB".into(),
                met: Some(rss.max() < 64.0),
            });
        }
    }
    Ok(rows)
}
