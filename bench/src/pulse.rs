//! Pulse consume rows: messages per second consumed from a queue pre-filled with
//! `task-completed` messages, ours (`tc_runtime::pulse::Consumer` decoding into the generated
//! `tc_client::queue::events::QueueEvent`, the program acking each) against a Python `pika`
//! consumer doing `json.loads` and raw `lapin` consumers that ack without decoding. Ours sends
//! the program's acks in runs (one `basic.ack` with `multiple` for many messages), so each peer
//! runs twice: acking one by one, as its users write it, and acking in runs of [`RUN`] as ours
//! does. The floor is lapin acking in runs: the same crate, the same frames on the wire, no
//! decoding. All use a prefetch of [`PREFETCH`].
//!
//! Needs a RabbitMQ broker: `TC_BROKER_URL`, as `bash runtime/taskcluster/tests/broker/start.sh`
//! prints it, or guest/guest on 127.0.0.1:5672; without one the rows are skipped. Each consumer is a child process (this binary's
//! `pulse-child` mode, or `peers/pika_consume.py` in a venv under `target/`), started once its
//! queue holds all the messages, and timed by itself from connecting to its last ack, so the
//! publishing and the interpreter's start-up do not count. Every queue is fresh (one per
//! consumer and round), declared as our consumer declares its queues (durable, quorum), bound
//! to a task group of its own so that no other queue receives its messages, checked empty
//! after its consumer has gone, and deleted.

use std::collections::VecDeque;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail, ensure};
use lapin::options::{
    BasicAckOptions, BasicConsumeOptions, BasicPublishOptions, BasicQosOptions,
    ConfirmSelectOptions, ExchangeDeclareOptions, ExchangeDeleteOptions, QueueBindOptions,
    QueueDeclareOptions, QueueDeleteOptions,
};
use lapin::types::{AMQPValue, FieldArray, FieldTable};
use lapin::{
    BasicProperties, Channel, Confirmation, Connection, ConnectionProperties, ExchangeKind,
};
use serde_json::json;
use tc_client::queue::events::{QueueEvent, TaskCompleted};
use tc_runtime::StreamExt;
use tc_runtime::pulse::{Consumer, Event, PulseConfig};

use crate::objects::SECONDS_FILE;
use crate::process::timed;
use crate::stats::{Row, Samples, rate, ratio, speedups};

/// The broker: `TC_BROKER_URL` (what `runtime/taskcluster/tests/broker/start.sh` prints, a
/// node on a free port of 127.0.0.1) or, without it, guest/guest on 127.0.0.1:5672.
fn broker() -> String {
    std::env::var("TC_BROKER_URL")
        .unwrap_or_else(|_| "amqp://guest:guest@127.0.0.1:5672/%2F".to_owned())
}

/// The broker's `host:port`, to see whether it answers.
fn address() -> anyhow::Result<std::net::SocketAddr> {
    let url = url::Url::parse(&broker())?;
    let host = url.host_str().unwrap_or("127.0.0.1");
    let port = url.port().unwrap_or(5672);
    Ok(format!("{host}:{port}").parse()?)
}
/// Our consumer names its queues `queue/<namespace>/<name>`: all of ours are `queue/bench/...`.
const NAMESPACE: &str = "bench";
/// Unacknowledged messages the broker sends ahead, the same for every consumer.
const PREFETCH: u16 = 200;
/// The peers acking in runs ack every this many messages: half the prefetch, as ours does.
const RUN: usize = PREFETCH as usize / 2;
/// Publisher confirms outstanding at most while filling a queue.
const CONFIRM_WINDOW: usize = 1000;
/// A child that has not consumed everything by then has lost messages, not time.
const CHILD_TIMEOUT: Duration = Duration::from_secs(600);
/// How long each consumer waits, untimed, between its last ack and closing: RabbitMQ (3.10,
/// quorum queues) sometimes does not apply acks that arrive just before their channel closes,
/// and requeues those messages, which the check that every queue ends empty would report.
/// `peers/pika_consume.py` waits as long.
const SETTLE: Duration = Duration::from_millis(500);

/// One consumer of the comparison.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Who {
    Ours,
    /// Acking each delivery.
    Lapin,
    /// Acking in runs of [`RUN`].
    LapinRuns,
    Pika,
    PikaRuns,
}

impl Who {
    fn name(self) -> &'static str {
        match self {
            Who::Ours => "ours",
            Who::Lapin => "lapin",
            Who::LapinRuns => "lapin-runs",
            Who::Pika => "pika",
            Who::PikaRuns => "pika-runs",
        }
    }
}

/// Options of these rows.
pub struct PulseOptions {
    /// Messages per queue (default 100 000).
    pub messages: usize,
    /// Rounds, each consumer once per round (default 3).
    pub rounds: usize,
}

fn full_queue(name: &str) -> String {
    format!("queue/{NAMESPACE}/{name}")
}

// ---- the messages --------------------------------------------------------------------------

/// Message `i` of task group `group`, as the queue service publishes it on `task-completed`:
/// its routing key (`_` for the unset `reserved`), its `CC` routes and its JSON payload.
fn message(group: &str, i: usize) -> (String, Vec<String>, Vec<u8>) {
    let task_id = tc_runtime::slugid::nice();
    let (worker_group, worker_id) = ("us-east1", format!("i-0{:016x}", i * 7919));
    let (provisioner, worker_type, scheduler) = ("proj-bench", "b-linux-gcp", "gecko-level-3");
    let key = format!(
        "primary.{task_id}.0.{worker_group}.{worker_id}.{provisioner}.{worker_type}.{scheduler}.{group}._"
    );
    let routes = vec![format!("tc-treeherder.v2.bench.{group}.{i}")];
    let payload = json!({
        "status": {
            "taskId": task_id,
            "provisionerId": provisioner,
            "workerType": worker_type,
            "taskQueueId": format!("{provisioner}/{worker_type}"),
            "schedulerId": scheduler,
            "projectId": "bench",
            "taskGroupId": group,
            "deadline": "2026-12-02T09:21:07.393Z",
            "expires": "2027-12-01T09:21:07.393Z",
            "retriesLeft": 5,
            "state": "completed",
            "runs": [{
                "runId": 0,
                "state": "completed",
                "reasonCreated": "scheduled",
                "reasonResolved": "completed",
                "workerGroup": worker_group,
                "workerId": worker_id,
                "takenUntil": "2026-12-01T09:41:12.518Z",
                "scheduled": "2026-12-01T09:21:08.011Z",
                "started": "2026-12-01T09:21:12.518Z",
                "resolved": "2026-12-01T09:38:44.102Z",
            }],
        },
        "runId": 0,
        "workerGroup": worker_group,
        "workerId": worker_id,
        "task": {"tags": {"kind": "build", "label": "build-linux64/opt", "os": "linux"}},
        "version": 1,
    });
    (key, routes, serde_json::to_vec(&payload).expect("JSON"))
}

/// Checks that a message decodes as the generated `TaskCompletedMessage` and that its routing
/// key parses as `task-completed`'s; returns its size.
fn check_message() -> anyhow::Result<usize> {
    let group = tc_runtime::slugid::nice();
    let (key, _, payload) = message(&group, 1);
    let event = QueueEvent::decode(TaskCompleted::EXCHANGE, &key, &payload)?;
    let QueueEvent::TaskCompleted(m) = event else {
        bail!("decoded as {event:?}");
    };
    let fields = TaskCompleted::parse(&key).context("the routing key has another shape")?;
    ensure!(fields.task_id.as_deref() == Some(m.status.task_id.as_str()));
    ensure!(fields.task_group_id.as_deref() == Some(group.as_str()));
    ensure!(fields.reserved.is_none() && m.unknown_fields.is_empty());
    Ok(payload.len())
}

// ---- the child side ------------------------------------------------------------------------

/// `tc-bench pulse-child <ours|lapin|lapin-runs> QUEUE TASK_GROUP N`: consumes N messages from
/// `queue/bench/QUEUE`, its seconds written to `$TC_BENCH_SECONDS_FILE`. `None` when not in
/// child mode.
pub fn child_main() -> Option<anyhow::Result<()>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) != Some("pulse-child") {
        return None;
    }
    Some(child(&args[1..]))
}

fn child(args: &[String]) -> anyhow::Result<()> {
    let [who, queue, group, n] = args else {
        bail!("usage: tc-bench pulse-child <ours|lapin|lapin-runs> QUEUE TASK_GROUP N");
    };
    let n: usize = n.parse()?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let secs = rt.block_on(async {
        let consume = async {
            match who.as_str() {
                "ours" => consume_ours(queue, group, n).await,
                "lapin" => consume_lapin(&full_queue(queue), n, 1).await,
                "lapin-runs" => consume_lapin(&full_queue(queue), n, RUN).await,
                _ => bail!("unknown child {who}"),
            }
        };
        tokio::time::timeout(CHILD_TIMEOUT, consume)
            .await
            .with_context(|| format!("{who} did not consume {n} messages in time"))?
    })?;
    std::fs::write(std::env::var(SECONDS_FILE)?, format!("{secs}"))?;
    Ok(())
}

/// What a user of ours writes: a consumer of the queue bound with the generated binding, a
/// stream of the queue service's events, an ack per message.
async fn consume_ours(queue: &str, group: &str, n: usize) -> anyhow::Result<f64> {
    let start = Instant::now();
    let config = PulseConfig::from_connection_string(&broker())?.with_namespace(NAMESPACE);
    let mut messages = Consumer::new(&config)
        .queue(queue)
        .bind(TaskCompleted::new().with_task_group_id(group).binding())
        .prefetch(PREFETCH)
        .stream::<QueueEvent>()
        .await?;
    for _ in 0..n {
        let message = messages.next().await.context("the stream ended")??;
        let QueueEvent::TaskCompleted(event) = &message.payload else {
            bail!("not a task-completed message: {message:?}");
        };
        ensure!(event.version == 1, "unexpected message {event:?}");
        message.ack().await?;
    }
    let secs = start.elapsed().as_secs_f64();
    tokio::time::sleep(SETTLE).await;
    messages.close().await?;
    Ok(secs)
}

/// Lapin's own consumer, acking the deliveries undecoded: each one (`run` 1), or every `run`th
/// with `multiple` (and the last).
async fn consume_lapin(queue: &str, n: usize, run: usize) -> anyhow::Result<f64> {
    let start = Instant::now();
    let connection = Connection::connect(&broker(), ConnectionProperties::default()).await?;
    let channel = connection.create_channel().await?;
    channel
        .basic_qos(PREFETCH, BasicQosOptions::default())
        .await?;
    let mut deliveries = channel
        .basic_consume(
            queue.into(),
            "".into(),
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await?;
    for i in 1..=n {
        let delivery = deliveries.next().await.context("the consumer ended")??;
        if run == 1 {
            let acked = delivery.acker.ack(BasicAckOptions::default()).await?;
            ensure!(acked, "lapin did not ack: the channel has closed");
        } else if i % run == 0 || i == n {
            let all_up_to = BasicAckOptions { multiple: true };
            channel.basic_ack(delivery.delivery_tag, all_up_to).await?;
        }
    }
    let secs = start.elapsed().as_secs_f64();
    tokio::time::sleep(SETTLE).await;
    channel.close(200, "OK".into()).await?;
    connection.close(200, "OK".into()).await?;
    Ok(secs)
}

// ---- the parent side -----------------------------------------------------------------------

/// The parent's connection to the broker: it declares, fills, checks and deletes the queues.
struct Broker {
    _connection: Connection,
    channel: Channel,
    /// Whether we declared the exchange (it did not exist), so delete it at the end.
    declared_exchange: bool,
    queues: Vec<String>,
}

impl Broker {
    async fn connect() -> anyhow::Result<Broker> {
        let connection = Connection::connect(&broker(), ConnectionProperties::default()).await?;
        // A passive declare of a missing exchange closes its channel: ask on a throwaway one.
        let probe = connection.create_channel().await?;
        let passive = ExchangeDeclareOptions {
            passive: true,
            ..Default::default()
        };
        let exists = probe
            .exchange_declare(
                TaskCompleted::EXCHANGE.into(),
                ExchangeKind::Topic,
                passive,
                FieldTable::default(),
            )
            .await
            .is_ok();
        let channel = connection.create_channel().await?;
        channel
            .confirm_select(ConfirmSelectOptions::default())
            .await?;
        if !exists {
            // As the queue service declares its exchanges.
            let durable = ExchangeDeclareOptions {
                durable: true,
                ..Default::default()
            };
            channel
                .exchange_declare(
                    TaskCompleted::EXCHANGE.into(),
                    ExchangeKind::Topic,
                    durable,
                    FieldTable::default(),
                )
                .await?;
        }
        Ok(Broker {
            _connection: connection,
            channel,
            declared_exchange: !exists,
            queues: Vec::new(),
        })
    }

    /// Declares `queue` as our consumer does, binds it to `group`'s messages and publishes `n`.
    async fn fill(&mut self, queue: &str, group: &str, n: usize) -> anyhow::Result<()> {
        let mut arguments = FieldTable::default();
        arguments.insert(
            "x-queue-type".into(),
            AMQPValue::LongString("quorum".into()),
        );
        let durable = QueueDeclareOptions {
            durable: true,
            ..Default::default()
        };
        self.channel
            .queue_declare(queue.into(), durable, arguments)
            .await?;
        self.queues.push(queue.into());
        let pattern = TaskCompleted::new()
            .with_task_group_id(group)
            .routing_key_pattern();
        self.channel
            .queue_bind(
                queue.into(),
                TaskCompleted::EXCHANGE.into(),
                pattern.into(),
                QueueBindOptions::default(),
                FieldTable::default(),
            )
            .await?;
        let mut pending = VecDeque::new();
        for i in 0..n {
            let (key, routes, payload) = message(group, i);
            let confirm = self
                .channel
                .basic_publish(
                    TaskCompleted::EXCHANGE.into(),
                    key.into(),
                    BasicPublishOptions::default(),
                    &payload,
                    properties(&routes),
                )
                .await?;
            pending.push_back(confirm);
            if pending.len() >= CONFIRM_WINDOW
                && let Some(c) = pending.pop_front()
            {
                confirmed(c.await?)?;
            }
        }
        for c in pending {
            confirmed(c.await?)?;
        }
        let (ready, _) = self.await_counts(queue, |ready, _| ready >= n).await?;
        ensure!(ready == n, "{queue} holds {ready} messages, not {n}");
        Ok(())
    }

    /// `(ready messages, consumers)` of `queue` once `done` says so (or after 30 s).
    async fn await_counts(
        &self,
        queue: &str,
        done: impl Fn(usize, usize) -> bool,
    ) -> anyhow::Result<(usize, usize)> {
        let passive = QueueDeclareOptions {
            passive: true,
            ..Default::default()
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let q = self
                .channel
                .queue_declare(queue.into(), passive, FieldTable::default())
                .await?;
            let counts = (q.message_count() as usize, q.consumer_count() as usize);
            if done(counts.0, counts.1) || Instant::now() > deadline {
                return Ok(counts);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Checks that `queue`'s consumer acked everything (once it has gone, the broker would have
    /// requeued what it had not), then deletes the queue.
    async fn finish(&mut self, queue: &str) -> anyhow::Result<()> {
        let (ready, consumers) = self.await_counts(queue, |_, c| c == 0).await?;
        ensure!(
            ready == 0 && consumers == 0,
            "{queue}: {ready} messages left, {consumers} consumers"
        );
        self.channel
            .queue_delete(queue.into(), QueueDeleteOptions::default())
            .await?;
        self.queues.retain(|q| q != queue);
        Ok(())
    }

    /// Deletes what is left of ours: queues of a failed run, and the exchange if we declared it
    /// and nothing else is bound to it.
    async fn cleanup(&mut self) {
        for q in std::mem::take(&mut self.queues) {
            let _ = self
                .channel
                .queue_delete(q.as_str().into(), QueueDeleteOptions::default())
                .await;
        }
        if self.declared_exchange {
            let unused = ExchangeDeleteOptions {
                if_unused: true,
                ..Default::default()
            };
            let _ = self
                .channel
                .exchange_delete(TaskCompleted::EXCHANGE.into(), unused)
                .await;
        }
    }
}

/// The properties Taskcluster's services (and `tc_runtime::pulse::Publisher`) publish with:
/// persistent, JSON, and the task's routes as `route.<r>` in the `CC` header.
fn properties(routes: &[String]) -> BasicProperties {
    let cc: Vec<AMQPValue> = routes
        .iter()
        .map(|r| AMQPValue::LongString(format!("route.{r}").into()))
        .collect();
    let mut headers = FieldTable::default();
    headers.insert("CC".into(), AMQPValue::FieldArray(FieldArray::from(cc)));
    BasicProperties::default()
        .with_delivery_mode(2)
        .with_content_type("application/json".into())
        .with_content_encoding("utf-8".into())
        .with_headers(headers)
}

fn confirmed(c: Confirmation) -> anyhow::Result<()> {
    match c {
        Confirmation::Ack(_) => Ok(()),
        other => bail!("the broker did not take a message: {other:?}"),
    }
}

/// The venv's Python with pika, installed under `target/` from `peers/requirements.txt` if
/// missing.
fn pika_python(bench_dir: &Path) -> anyhow::Result<PathBuf> {
    let venv = bench_dir.join("target/pulse-venv");
    let python = venv.join("bin/python");
    let has_pika = || {
        Command::new(&python)
            .args(["-c", "import pika"])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if has_pika() {
        return Ok(python);
    }
    eprintln!("installing pika into {} ...", venv.display());
    let run = |cmd: &mut Command| -> anyhow::Result<()> {
        let out = cmd
            .output()
            .with_context(|| format!("cannot run {cmd:?}"))?;
        ensure!(
            out.status.success(),
            "{cmd:?} failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        Ok(())
    };
    if !python.exists() {
        run(Command::new("python3").args(["-m", "venv"]).arg(&venv))?;
    }
    run(Command::new(&python)
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "-r",
        ])
        .arg(bench_dir.join("peers/requirements.txt")))?;
    ensure!(has_pika(), "pika does not import after installing it");
    Ok(python)
}

fn command(who: Who, queue: &str, group: &str, n: usize, python: &Path, script: &Path) -> Command {
    match who {
        Who::Pika | Who::PikaRuns => {
            let run = if who == Who::Pika { 1 } else { RUN };
            let mut c = Command::new(python);
            c.arg(script)
                .arg(full_queue(queue))
                .arg(n.to_string())
                .arg(PREFETCH.to_string())
                .arg(run.to_string());
            c
        }
        Who::Ours | Who::Lapin | Who::LapinRuns => {
            let mut c = Command::new(std::env::current_exe().expect("own path"));
            c.args(["pulse-child", who.name(), queue, group])
                .arg(n.to_string());
            c
        }
    }
}

/// The Pulse rows; none (with a message) when no broker answers.
pub fn measure(bench_dir: &Path, o: &PulseOptions) -> anyhow::Result<Vec<Row>> {
    let address = address()?;
    if TcpStream::connect_timeout(&address, Duration::from_secs(2)).is_err() {
        eprintln!(
            "no broker answers on {address} (start one with `bash runtime/taskcluster/tests/broker/start.sh` \
             and export the TC_BROKER_URL it prints): no Pulse rows"
        );
        return Ok(Vec::new());
    }
    let size = check_message()?;
    let mut clients = vec![Who::Ours, Who::LapinRuns, Who::Lapin];
    let python = match pika_python(bench_dir) {
        Ok(p) => {
            clients.extend([Who::Pika, Who::PikaRuns]);
            p
        }
        Err(e) => {
            eprintln!("no pika ({e:#}): no pika row");
            PathBuf::new()
        }
    };
    let script = bench_dir.join("peers/pika_consume.py");
    let dir = bench_dir.join("target/pulse");
    std::fs::create_dir_all(&dir)?;
    let seconds = dir.join("seconds");
    // The parent's connection lives on worker threads, so it keeps its heartbeats while the
    // main thread waits for a child.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    let mut broker = rt.block_on(Broker::connect())?;
    eprintln!(
        "measuring Pulse consumers: {} messages of {size} bytes per queue, prefetch {PREFETCH} ...",
        o.messages
    );
    let mut rates = vec![Samples::default(); clients.len()];
    let mut cpu = vec![Samples::default(); clients.len()];
    let mut run = || -> anyhow::Result<()> {
        for round in 0..o.rounds {
            for i in 0..clients.len() {
                let k = (i + round) % clients.len();
                let who = clients[k];
                let group = tc_runtime::slugid::nice();
                let queue = format!("pulse-{}-{group}", who.name());
                rt.block_on(broker.fill(&full_queue(&queue), &group, o.messages))?;
                let _ = std::fs::remove_file(&seconds);
                let mut cmd = command(who, &queue, &group, o.messages, &python, &script);
                let child = timed(cmd.env(SECONDS_FILE, &seconds))?;
                let secs: f64 = std::fs::read_to_string(&seconds)
                    .with_context(|| format!("{cmd:?} wrote no seconds"))?
                    .trim()
                    .parse()?;
                rt.block_on(broker.finish(&full_queue(&queue)))?;
                let r = o.messages as f64 / secs;
                eprintln!(
                    "  round {}/{}: {} {}",
                    round + 1,
                    o.rounds,
                    who.name(),
                    rate(r)
                );
                rates[k].push(r);
                cpu[k].push(child.cpu.as_secs_f64() * 1e6 / o.messages as f64);
            }
        }
        Ok(())
    };
    let result = run();
    rt.block_on(broker.cleanup());
    result?;

    let measure = format!(
        "Pulse: `task-completed` messages/s consumed from a pre-filled queue ({} × {size} B, \
         decoded, each acked by the program; prefetch {PREFETCH}) vs pika acking one by one",
        o.messages
    );
    let mut rows = Vec::new();
    // A row against a peer, with a target or for information.
    let mut row = |who: Who, measure: String, min: Option<f64>| {
        let Some(k) = clients.iter().position(|c| *c == who) else {
            return;
        };
        let r = speedups(&rates[0], &rates[k], true);
        rows.push(Row {
            measure,
            ours: rates[0].show(rate),
            peer: format!("{}: {}", who.name(), rates[k].show(rate)),
            ratio: r.show(ratio),
            target: min.map_or("—".into(), |min| format!("≥ {min}×")),
            met: min.map(|min| r.median() >= min),
        });
    };
    row(Who::Pika, measure, Some(3.0));
    row(
        Who::LapinRuns,
        format!(
            "the same vs raw lapin acking every {RUN}th with `multiple`, as ours does, \
             undecoded: the floor"
        ),
        Some(0.8),
    );
    row(
        Who::Lapin,
        "(info) the same vs raw lapin acking one by one, undecoded".into(),
        None,
    );
    row(
        Who::PikaRuns,
        format!("(info) the same vs pika acking every {RUN}th with `multiple`"),
        None,
    );
    // Where the time goes: the broker shares the CPUs, so what a consumer computes per
    // message slows the broker down too.
    let micros = |v: f64| format!("{v:.1} µs");
    let peers: Vec<String> = clients[1..]
        .iter()
        .enumerate()
        .map(|(k, who)| format!("{}: {}", who.name(), cpu[k + 1].show(micros)))
        .collect();
    rows.push(Row {
        measure: "(info) the same: CPU time of the consumer process per message (user + sys, \
                  set-up included)"
            .into(),
        ours: cpu[0].show(micros),
        peer: peers.join("; "),
        ratio: "—".into(),
        target: "—".into(),
        met: None,
    });
    rows.push(decode_row(o.rounds));
    Ok(rows)
}

/// What decoding alone costs ours, in process: the payload into the generated `QueueEvent`,
/// beside `serde_json::Value` (what the floor would pay if it parsed at all).
fn decode_row(rounds: usize) -> Row {
    const DECODES: u32 = 100_000;
    let (key, _, payload) = message(&tc_runtime::slugid::nice(), 1);
    let mut typed = Samples::default();
    let mut value = Samples::default();
    for _ in 0..rounds.max(1) {
        let started = Instant::now();
        for _ in 0..DECODES {
            let event = QueueEvent::decode(TaskCompleted::EXCHANGE, &key, &payload);
            std::hint::black_box(event.is_ok());
        }
        typed.push(started.elapsed().as_secs_f64() * 1e6 / f64::from(DECODES));
        let started = Instant::now();
        for _ in 0..DECODES {
            let parsed = serde_json::from_slice::<serde_json::Value>(&payload);
            std::hint::black_box(parsed.is_ok());
        }
        value.push(started.elapsed().as_secs_f64() * 1e6 / f64::from(DECODES));
    }
    let micros = |v: f64| format!("{v:.2} µs");
    Row {
        measure: format!(
            "(info) decoding one {} B `task-completed` payload, in process ({DECODES} decodes a round)",
            payload.len()
        ),
        ours: format!("QueueEvent: {}", typed.show(micros)),
        peer: format!("serde_json::Value: {}", value.show(micros)),
        ratio: "—".into(),
        target: "—".into(),
        met: None,
    }
}
