//! Calls per second through each client against the loopback server.
//!
//! Each round runs every client for the same bounded number of calls, one client after the
//! other in a rotating order, so that all of them share the machine's noise; each round gives
//! one sample per client.

use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, ensure};
use serde_json::Value;

use crate::stats::Samples;

pub const TASK_ID: &str = "fN1SbArXTPSVFNUvaOlinQ";

/// The three clients, built once and shared by every measure.
pub struct Clients {
    pub ours: tc_client::queue::Queue,
    pub peer: Arc<taskcluster::Queue>,
    pub floor: reqwest::Client,
    pub floor_url: String,
    /// The same GET by hand: a reqwest client, our Hawk signer and the generated `Task`.
    pub hand_signer: tc_runtime::hawk::Signer,
    /// `(host, port, path)` that the hand-written GET signs.
    pub hand_target: (String, u16, String),
    /// What `create_task` sends, typed for ours and as JSON for the peer.
    pub ours_def: Arc<tc_client::queue::types::TaskDefinitionRequest>,
    pub peer_def: Arc<Value>,
}

const CLIENT_ID: &str = "project/releng/bench";
const ACCESS_TOKEN: &str = "eGxVa3pXbUtJR3NHZ0tRbldBTWxwYk91RWNRd2l6WGt1U2Z5";

impl Clients {
    pub fn new(root_url: &str, task_json: &[u8]) -> anyhow::Result<Clients> {
        let config = tc_runtime::ClientConfig::new(root_url)
            .with_credentials(tc_runtime::Credentials::new(CLIENT_ID, ACCESS_TOKEN));
        let ours = tc_client::queue::Queue::new(&config);
        let peer = taskcluster::Queue::new(
            taskcluster::ClientBuilder::new(root_url)
                .credentials(taskcluster::Credentials::new(CLIENT_ID, ACCESS_TOKEN)),
        )?;
        let ours_def = serde_json::from_slice(task_json)
            .context("the task definition does not parse as TaskDefinitionRequest")?;
        let floor_url = format!("{root_url}/api/queue/v1/task/{TASK_ID}");
        let parsed = url::Url::parse(&floor_url)?;
        let hand_target = (
            parsed.host_str().unwrap_or("").to_owned(),
            parsed.port_or_known_default().unwrap_or(80),
            parsed.path().to_owned(),
        );
        Ok(Clients {
            ours,
            peer: Arc::new(peer),
            floor: reqwest::Client::new(),
            floor_url,
            hand_signer: tc_runtime::hawk::Signer::new(CLIENT_ID, ACCESS_TOKEN, None),
            hand_target,
            ours_def: Arc::new(ours_def),
            peer_def: Arc::new(serde_json::from_slice(task_json)?),
        })
    }

    /// One call of each kind through each client, checking the answers.
    /// Also checks that ours and the peer signed their calls and the floor did not.
    pub async fn check(&self, server: &crate::server::Server) -> anyhow::Result<()> {
        use std::sync::atomic::Ordering::Relaxed;
        let before = (
            server.counts.requests.load(Relaxed),
            server.counts.hawk_signed.load(Relaxed),
        );
        let task = self.ours.task(TASK_ID).await?;
        ensure!(
            task.metadata.name == "build-linux64/opt",
            "ours: wrong task"
        );
        let task = self.peer.task(TASK_ID).await?;
        ensure!(
            task["metadata"]["name"] == "build-linux64/opt",
            "peer: wrong task"
        );
        let status = self.ours.create_task(TASK_ID, &self.ours_def).await?;
        ensure!(status.status.task_id == TASK_ID, "ours: wrong status");
        let status = self.peer.createTask(TASK_ID, &self.peer_def).await?;
        ensure!(status["status"]["taskId"] == TASK_ID, "peer: wrong status");
        let body = self
            .floor
            .get(&self.floor_url)
            .send()
            .await?
            .error_for_status()?
            .bytes()
            .await?;
        ensure!(body.len() > 1000, "floor: short body");
        let task = by_hand(self).await?;
        ensure!(
            task.metadata.name == "build-linux64/opt",
            "by hand: wrong task"
        );
        let (requests, signed) = (
            server.counts.requests.load(Relaxed) - before.0,
            server.counts.hawk_signed.load(Relaxed) - before.1,
        );
        ensure!(
            requests == 6 && signed == 5,
            "expected 5 Hawk-signed requests of 6, the server saw {signed} of {requests}"
        );
        Ok(())
    }
}

/// Which call a measure makes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Call {
    Get,
    Put,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Who {
    Ours,
    Peer,
    Floor,
    /// Ours with a `tracing` subscriber installed that drops everything.
    OursDropAll,
    /// The same GET written by hand: reqwest, the Hawk signer, a serde-derived struct.
    ByHand,
}

/// A subscriber that asks about every callsite each time and wants nothing: the dearest way
/// of not listening (`NoSubscriber` would let `tracing` skip the callsites for good).
struct DropAll;

impl tracing::Subscriber for DropAll {
    fn register_callsite(
        &self,
        _: &'static tracing::Metadata<'static>,
    ) -> tracing::subscriber::Interest {
        tracing::subscriber::Interest::sometimes()
    }

    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        false
    }

    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }

    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}

    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}

    fn event(&self, _: &tracing::Event<'_>) {}

    fn enter(&self, _: &tracing::span::Id) {}

    fn exit(&self, _: &tracing::span::Id) {}
}

/// `GET queue.task` as a user would write it without our client.
async fn by_hand(c: &Clients) -> anyhow::Result<tc_client::queue::types::Task> {
    let (host, port, path) = &c.hand_target;
    let ts = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs();
    let nonce = tc_runtime::hawk::nonce();
    let nonce = std::str::from_utf8(&nonce)?;
    let authorization = c
        .hand_signer
        .header("GET", path, host, *port, ts, nonce, None);
    let body = c
        .floor
        .get(&c.floor_url)
        .header("authorization", authorization)
        .header("accept", "application/json")
        .send()
        .await?
        .error_for_status()?
        .bytes()
        .await?;
    Ok(serde_json::from_slice(&body)?)
}

async fn one(c: &Clients, who: Who, call: Call) -> anyhow::Result<()> {
    match (who, call) {
        (Who::Ours, Call::Get) => {
            std::hint::black_box(c.ours.task(TASK_ID).await?);
        }
        (Who::Ours, Call::Put) => {
            std::hint::black_box(c.ours.create_task(TASK_ID, &c.ours_def).await?);
        }
        (Who::Peer, Call::Get) => {
            std::hint::black_box(c.peer.task(TASK_ID).await?);
        }
        (Who::Peer, Call::Put) => {
            std::hint::black_box(c.peer.createTask(TASK_ID, &c.peer_def).await?);
        }
        (Who::Floor, Call::Get) => {
            let resp = c.floor.get(&c.floor_url).send().await?;
            std::hint::black_box(resp.bytes().await?);
        }
        (Who::OursDropAll, Call::Get) => {
            std::hint::black_box(c.ours.task(TASK_ID).await?);
        }
        (Who::OursDropAll, Call::Put) => {
            std::hint::black_box(c.ours.create_task(TASK_ID, &c.ours_def).await?);
        }
        (Who::ByHand, Call::Get) => {
            std::hint::black_box(by_hand(c).await?);
        }
        (Who::Floor | Who::ByHand, Call::Put) => anyhow::bail!("{who:?} only measures GET"),
    }
    Ok(())
}

/// Calls per second of `calls` calls spread over `concurrency` tasks sharing one client.
async fn run(
    c: &Arc<Clients>,
    who: Who,
    call: Call,
    calls: usize,
    concurrency: usize,
) -> anyhow::Result<f64> {
    // Thread-local, so for the sequential measures only (one thread runs client and server).
    let _listening = (who == Who::OursDropAll).then(|| {
        assert_eq!(
            concurrency, 1,
            "a thread's default subscriber: sequential only"
        );
        tracing::subscriber::set_default(DropAll)
    });
    let start = Instant::now();
    if concurrency == 1 {
        for _ in 0..calls {
            one(c, who, call).await?;
        }
    } else {
        let mut tasks = Vec::with_capacity(concurrency);
        for i in 0..concurrency {
            let c = c.clone();
            let n = calls / concurrency + usize::from(i < calls % concurrency);
            tasks.push(tokio::spawn(async move {
                for _ in 0..n {
                    one(&c, who, call).await?;
                }
                anyhow::Ok(())
            }));
        }
        for t in tasks {
            t.await??;
        }
    }
    Ok(calls as f64 / start.elapsed().as_secs_f64())
}

/// Rounds of `calls` calls through each of `whos`, rotating the order each round; one sample
/// per client and round.
pub async fn measure(
    c: &Arc<Clients>,
    whos: &[Who],
    call: Call,
    calls: usize,
    concurrency: usize,
    rounds: usize,
) -> anyhow::Result<Vec<Samples>> {
    // Warm up: connections, allocator, caches.
    for &who in whos {
        run(c, who, call, calls / 10 + concurrency, concurrency).await?;
    }
    let mut samples = vec![Samples::default(); whos.len()];
    for round in 0..rounds {
        for k in 0..whos.len() {
            let i = (round + k) % whos.len();
            samples[i].push(run(c, whos[i], call, calls, concurrency).await?);
        }
    }
    Ok(samples)
}
