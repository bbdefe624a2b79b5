//! The loopback server every client talks to: HTTP/1.1 with keep-alive on 127.0.0.1, port 0,
//! either on its own thread and single-threaded runtime or as a task of the caller's runtime. It answers instantly with fixed bytes (the
//! task definition for GET, the task status for anything else) after draining the request
//! body, and never checks signatures; it only counts how many requests carried a Hawk
//! `Authorization` header, so the benchmark can check that every client signs.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response};
use hyper_util::rt::TokioIo;

/// What the server has seen.
#[derive(Default)]
pub struct Counts {
    pub requests: AtomicU64,
    pub hawk_signed: AtomicU64,
}

pub struct Server {
    pub addr: SocketAddr,
    pub counts: Arc<Counts>,
}

impl Server {
    /// Starts the server on its own thread with its own runtime; it runs until the process
    /// exits.
    pub fn start_thread(task: Bytes, status: Bytes) -> anyhow::Result<Server> {
        let (listener, server) = bind()?;
        let c = server.counts.clone();
        std::thread::Builder::new()
            .name("loopback-server".into())
            .spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("server runtime");
                rt.block_on(serve(listener, task, status, c));
            })?;
        Ok(server)
    }

    /// Starts the server as a task of the current Tokio runtime (call it from inside one).
    pub fn start_here(task: Bytes, status: Bytes) -> anyhow::Result<Server> {
        let (listener, server) = bind()?;
        tokio::spawn(serve(listener, task, status, server.counts.clone()));
        Ok(server)
    }

    pub fn root_url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

fn bind() -> anyhow::Result<(std::net::TcpListener, Server)> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    listener.set_nonblocking(true)?;
    let addr = listener.local_addr()?;
    let counts = Arc::new(Counts::default());
    Ok((listener, Server { addr, counts }))
}

async fn serve(listener: std::net::TcpListener, task: Bytes, status: Bytes, counts: Arc<Counts>) {
    let listener = tokio::net::TcpListener::from_std(listener).expect("tokio listener");
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let _ = stream.set_nodelay(true);
        let (task, status, counts) = (task.clone(), status.clone(), counts.clone());
        tokio::spawn(async move {
            let svc = service_fn(move |req: Request<Incoming>| {
                let (task, status, counts) = (task.clone(), status.clone(), counts.clone());
                async move {
                    counts.requests.fetch_add(1, Ordering::Relaxed);
                    if req
                        .headers()
                        .get(AUTHORIZATION)
                        .is_some_and(|v| v.as_bytes().starts_with(b"Hawk "))
                    {
                        counts.hawk_signed.fetch_add(1, Ordering::Relaxed);
                    }
                    let body = if req.method() == Method::GET {
                        task
                    } else {
                        status
                    };
                    // Drain the request body so the connection can be reused.
                    let _ = req.into_body().collect().await;
                    let mut resp = Response::new(Full::new(body));
                    resp.headers_mut()
                        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
                    Ok::<_, Infallible>(resp)
                }
            });
            let _ = http1::Builder::new()
                .keep_alive(true)
                .serve_connection(TokioIo::new(stream), svc)
                .await;
        });
    }
}
