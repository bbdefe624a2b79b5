//! `tc_runtime::pulse` against a real RabbitMQ on 127.0.0.1, publishing exactly as a Taskcluster
//! service does (topic exchanges, `_` for missing routing-key fields, `CC: route.<r>`,
//! persistent JSON): bindings, CC routes, decode errors, nack, durable and ephemeral queues,
//! and no message lost across a cut of every connection or a broker restart.
//!
//! The broker is `tc_testkit::broker`'s: the run's under `cargo xtask test` (started from empty
//! state for the run), `PULSE_CONNECTION_STRING` if set, else one of this process's own. Without
//! one the tests fail under CI and are skipped, saying so, elsewhere. Tests that cut connections
//! or restart the broker need one that `rabbitmqctl` controls, and run alone. Each test declares
//! what it uses in a namespace of its own and deletes it at the end.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use serde::Deserialize;
use serde_json::{Value, json};
use tc_runtime::StreamExt;
use tc_runtime::pulse::{
    Binding, Consumer, DecodeError, ErrorKind, Event, Message, MessageStream, Publisher,
    PulseConfig, decode_json,
};
use tc_testkit::broker::{Broker, broker, controlled, rabbitmqctl};
use tokio::sync::RwLock;
use tokio::time::timeout;

/// Tests that cut connections or restart the broker hold it exclusively, the others shared.
static DISRUPTION: RwLock<()> = RwLock::const_new(());

/// `name type durable auto_delete exclusive` of each queue.
fn queue_table() -> HashMap<String, String> {
    rabbitmqctl(&[
        "-q",
        "list_queues",
        "--no-table-headers",
        "name",
        "type",
        "durable",
        "auto_delete",
        "exclusive",
    ])
    .lines()
    .filter_map(|l| {
        let (name, rest) = l.split_once('\t')?;
        Some((name.to_string(), rest.replace('\t', " ").trim().to_string()))
    })
    .collect()
}

/// A namespace of its own per test and run, and what it declares, deleted at the end.
struct Scope {
    config: PulseConfig,
    broker: &'static Broker,
}

impl Scope {
    fn new(broker: &'static Broker) -> Scope {
        let namespace = format!("tc-test-{}", tc_runtime::slugid::nice());
        let config = PulseConfig::from_connection_string(&broker.url)
            .unwrap()
            .with_namespace(namespace);
        Scope { config, broker }
    }

    fn exchange(&self, name: &str) -> String {
        format!("exchange/{}/v1/{name}", self.config.namespace())
    }

    fn queue(&self, name: &str) -> String {
        format!("queue/{}/{name}", self.config.namespace())
    }

    fn publisher(&self) -> Publisher {
        Publisher::new(&self.config)
    }

    /// A stream of `queue/<namespace>/<queue>`, bound to `exchange` with `pattern`.
    async fn durable(
        &self,
        queue: &str,
        prefetch: u16,
        exchange: &str,
        pattern: &str,
    ) -> MessageStream<Value> {
        self.consumer()
            .queue(queue)
            .prefetch(prefetch)
            .bind(Binding::new(exchange, pattern))
            .stream()
            .await
            .unwrap()
    }

    /// Our exchange `name`, declared, and a publisher.
    async fn declared(&self, name: &str) -> (String, Publisher) {
        let exchange = self.exchange(name);
        let publisher = self.publisher();
        publisher.declare_exchange(&exchange).await.unwrap();
        (exchange, publisher)
    }

    fn consumer(&self) -> Consumer {
        Consumer::new(&self.config)
    }

    /// Deletes the named queues and the exchanges of this scope.
    async fn cleanup(self, queues: &[&str], exchanges: &[&str]) {
        let queues: Vec<String> = queues.iter().map(|q| self.queue(q)).collect();
        let exchanges: Vec<String> = exchanges.iter().map(|e| self.exchange(e)).collect();
        let queues: Vec<&str> = queues.iter().map(String::as_str).collect();
        let exchanges: Vec<&str> = exchanges.iter().map(String::as_str).collect();
        self.broker.delete(&queues, &exchanges).await;
    }
}

/// A queue routing key as the queue service builds it: `_` for fields a message lacks.
fn routing_key(task_id: &str, run_id: Option<u32>, worker_type: &str) -> String {
    let run = run_id.map_or("_".to_string(), |r| r.to_string());
    let worker = if run_id.is_some() { "wg" } else { "_" };
    let worker_id = if run_id.is_some() { "w1" } else { "_" };
    format!("primary.{task_id}.{run}.{worker}.{worker_id}.prov.{worker_type}.sched.group._")
}

/// A hand-written event type, standing in for a generated service's.
#[derive(Debug, PartialEq)]
enum TestEvent {
    TaskDefined(TaskMessage),
    TaskCompleted(TaskMessage),
}

#[derive(Debug, PartialEq, Deserialize)]
struct TaskMessage {
    version: u32,
    status: TaskStatus,
    #[serde(rename = "runId")]
    run_id: Option<u32>,
}

#[derive(Debug, PartialEq, Deserialize)]
struct TaskStatus {
    #[serde(rename = "taskId")]
    task_id: String,
}

impl Event for TestEvent {
    fn decode(exchange: &str, _: &str, payload: &[u8]) -> Result<Self, DecodeError> {
        match exchange.rsplit('/').next() {
            Some("task-defined") => decode_json(exchange, payload).map(TestEvent::TaskDefined),
            Some("task-completed") => decode_json(exchange, payload).map(TestEvent::TaskCompleted),
            _ => Err(DecodeError::new(
                exchange,
                ".",
                "not an exchange of the test",
            )),
        }
    }
}

impl TestEvent {
    fn task_id(&self) -> &str {
        match self {
            TestEvent::TaskDefined(m) | TestEvent::TaskCompleted(m) => &m.status.task_id,
        }
    }
}

fn task_message(task_id: &str, run_id: Option<u32>) -> Vec<u8> {
    let mut m = json!({"version": 1, "status": {"taskId": task_id, "state": "pending"}});
    if let Some(run) = run_id {
        m["runId"] = run.into();
    }
    serde_json::to_vec(&m).unwrap()
}

/// The next item, within `secs`.
async fn next<E>(
    stream: &mut MessageStream<E>,
    secs: u64,
) -> Result<Message<E>, tc_runtime::pulse::Error> {
    timeout(Duration::from_secs(secs), stream.next())
        .await
        .expect("a message in time")
        .expect("the stream does not end")
}

/// Nothing more arrives for a second.
async fn quiet<E: std::fmt::Debug>(stream: &mut MessageStream<E>) {
    if let Ok(item) = timeout(Duration::from_secs(1), stream.next()).await {
        panic!("unexpected {item:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bindings_filter_and_cc_routes_deliver_once() {
    let Some(broker) = broker() else { return };
    let _shared = DISRUPTION.read().await;
    let scope = Scope::new(broker);
    let (defined, completed) = (
        scope.exchange("task-defined"),
        scope.exchange("task-completed"),
    );
    let publisher = scope.publisher();
    publisher.declare_exchange(&defined).await.unwrap();
    publisher.declare_exchange(&completed).await.unwrap();
    let gaia = "primary.*.*.*.*.*.gaia.#";
    let mut stream = scope
        .consumer()
        .queue("filter")
        .bind(Binding::new(&defined, gaia))
        .bind(Binding::new(&completed, gaia))
        .bind(Binding::new(&completed, "route.index.project.#"))
        .stream::<TestEvent>()
        .await
        .unwrap();

    struct Case<'a> {
        id: &'a str,
        exchange: &'a str,
        run: Option<u32>,
        worker_type: &'a str,
        cc: Vec<String>,
        arrives: bool,
    }
    let case = |id, exchange, run, worker_type, cc: &[&str], arrives| Case {
        id,
        exchange,
        run,
        worker_type,
        cc: cc.iter().map(|s| s.to_string()).collect(),
        arrives,
    };
    let cases = [
        case("m1", &defined, None, "gaia", &[], true),
        case("m2", &defined, None, "other", &[], false),
        // task-defined has no CC binding.
        case("m3", &defined, None, "other", &["index.project.a"], false),
        case(
            "m4",
            &completed,
            Some(0),
            "other",
            &["index.project.b", "notify.x"],
            true,
        ),
        // Both the primary and the CC binding: once.
        case(
            "m5",
            &completed,
            Some(1),
            "gaia",
            &["index.project.c"],
            true,
        ),
        case("m6", &completed, Some(0), "other", &["other.thing"], false),
        case("m7", &completed, Some(2), "gaia", &[], true),
        case("last", &defined, None, "gaia", &[], true),
    ];
    for c in &cases {
        let key = routing_key(c.id, c.run, c.worker_type);
        publisher
            .publish(c.exchange, &key, &c.cc, &task_message(c.id, c.run))
            .await
            .unwrap();
    }
    // One channel publishes in order, so all that arrives has arrived with `last`.
    let mut seen = Vec::new();
    loop {
        let m = next(&mut stream, 10).await.unwrap();
        let id = m.payload.task_id().to_string();
        let c = cases.iter().find(|c| c.id == id).expect("a published id");
        assert_eq!(m.exchange, c.exchange);
        assert_eq!(m.routing_key, routing_key(&id, c.run, c.worker_type));
        assert_eq!(m.routes, c.cc, "{id}");
        assert!(!m.redelivered);
        let expected = TaskMessage {
            version: 1,
            status: TaskStatus {
                task_id: id.clone(),
            },
            run_id: c.run,
        };
        match &m.payload {
            TestEvent::TaskDefined(p) => assert_eq!((c.exchange, p), (&*defined, &expected)),
            TestEvent::TaskCompleted(p) => assert_eq!((c.exchange, p), (&*completed, &expected)),
        }
        m.ack().await.unwrap();
        seen.push(id.clone());
        if id == "last" {
            break;
        }
    }
    let expected: Vec<_> = cases.iter().filter(|c| c.arrives).map(|c| c.id).collect();
    assert_eq!(seen, expected, "each matching message once, no other");
    quiet(&mut stream).await;
    drop(stream);
    scope
        .cleanup(&["filter"], &["task-defined", "task-completed"])
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_payload_that_does_not_decode_is_an_error_item_and_dropped() {
    let Some(broker) = broker() else { return };
    let _shared = DISRUPTION.read().await;
    let scope = Scope::new(broker);
    let (defined, publisher) = scope.declared("task-defined").await;
    let mut stream = scope
        .consumer()
        .ephemeral()
        .bind(Binding::new(&defined, "primary.#"))
        .stream::<TestEvent>()
        .await
        .unwrap();
    let key = routing_key("t", None, "w");
    for payload in [
        task_message("before", None),
        br#"{"version": 1, "status": {"taskId": 42}}"#.to_vec(),
        b"not json".to_vec(),
        task_message("after", None),
    ] {
        publisher
            .publish(&defined, &key, &[], &payload)
            .await
            .unwrap();
    }
    let m = next(&mut stream, 10).await.unwrap();
    assert_eq!(m.payload.task_id(), "before");
    m.ack().await.unwrap();
    let e = next(&mut stream, 10).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode);
    assert_eq!(e.exchange(), Some(&*defined));
    assert_eq!(e.routing_key(), Some(&*key));
    assert_eq!(e.json_path(), Some("status.taskId"));
    assert!(e.to_string().contains("at status.taskId"), "{e}");
    let e = next(&mut stream, 10).await.unwrap_err();
    assert_eq!((e.kind(), e.json_path()), (ErrorKind::Decode, Some(".")));
    assert_eq!(e.payload(), Some(&b"not json"[..]), "kept, to dead-letter");
    let m = next(&mut stream, 10).await.unwrap();
    assert_eq!(m.payload.task_id(), "after");
    m.ack().await.unwrap();
    // Dropped, not requeued: they would be redelivered at once.
    quiet(&mut stream).await;
    drop(stream);
    scope.cleanup(&[], &["task-defined"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_nacked_message_is_redelivered_once_then_dropped() {
    let Some(broker) = broker() else { return };
    let _shared = DISRUPTION.read().await;
    let scope = Scope::new(broker);
    let (exchange, publisher) = scope.declared("events").await;
    let mut stream = scope.durable("nack", 5, &exchange, "#").await;
    publisher
        .publish(&exchange, "primary.one", &[], br#"{"id": 1}"#)
        .await
        .unwrap();
    let m = next(&mut stream, 10).await.unwrap();
    assert_eq!((m.payload["id"].as_u64(), m.redelivered), (Some(1), false));
    m.nack().await.unwrap();
    let m = next(&mut stream, 10).await.unwrap();
    assert_eq!((m.payload["id"].as_u64(), m.redelivered), (Some(1), true));
    m.nack().await.unwrap();
    quiet(&mut stream).await;

    // A message dropped unsettled counts as a nack: it comes back.
    publisher
        .publish(&exchange, "primary.two", &[], br#"{"id": 2}"#)
        .await
        .unwrap();
    let m = next(&mut stream, 10).await.unwrap();
    assert_eq!((m.payload["id"].as_u64(), m.redelivered), (Some(2), false));
    drop(m);
    let m = next(&mut stream, 10).await.unwrap();
    assert_eq!((m.payload["id"].as_u64(), m.redelivered), (Some(2), true));
    m.ack().await.unwrap();
    quiet(&mut stream).await;
    drop(stream);
    scope.cleanup(&["nack"], &["events"]).await;
}

/// The ids of the next `n` messages, with their messages, in id order.
async fn take_ids(stream: &mut MessageStream<Value>, n: usize) -> Vec<(u64, Message<Value>)> {
    let mut taken = Vec::new();
    for _ in 0..n {
        let m = next(stream, 10).await.unwrap();
        taken.push((m.payload["id"].as_u64().expect("an id"), m));
    }
    taken.sort_by_key(|(id, _)| *id);
    taken
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acks_reach_the_broker_and_never_cover_an_unsettled_message() {
    let Some(broker) = controlled() else {
        return;
    };
    let _alone = DISRUPTION.write().await;
    let scope = Scope::new(broker);
    let (exchange, publisher) = scope.declared("events").await;
    let mut stream = scope.durable("runs", 10, &exchange, "#").await;
    // One by one, so that delivery tags follow the ids.
    publish_in_order(&publisher, &exchange, 0..10).await;
    let mut held = take_ids(&mut stream, 10).await;
    // Ack all but id 2, out of order, and stop reading the stream. The timer sends the acks:
    // 0 and 1 as a run, those after the open message one by one.
    let (_, open) = held.remove(2);
    let after = held.split_off(2);
    for (_, m) in held.into_iter().chain(after.into_iter().rev()) {
        m.ack().await.unwrap();
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    // What the broker redelivers once the connection is cut is what it had not seen acked.
    tokio::task::spawn_blocking(|| {
        rabbitmqctl(&["-q", "close_all_connections", "test: what was acked?"]);
    })
    .await
    .unwrap();
    let back = next(&mut stream, 10).await.unwrap();
    assert_eq!(
        (back.payload["id"].as_u64(), back.redelivered),
        (Some(2), true)
    );
    let e = open.ack().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Channel, "{e}");
    back.ack().await.unwrap();
    quiet(&mut stream).await;
    // A nack goes before the run that covers it: the first of six is nacked, the others
    // acked, and it comes back, alone.
    publish_in_order(&publisher, &exchange, 10..16).await;
    let first = next(&mut stream, 10).await.unwrap();
    assert_eq!(first.payload["id"], 10);
    first.nack().await.unwrap();
    for _ in 11..16 {
        next(&mut stream, 10).await.unwrap().ack().await.unwrap();
    }
    let again = next(&mut stream, 10).await.unwrap();
    assert_eq!(
        (again.payload["id"].as_u64(), again.redelivered),
        (Some(10), true)
    );
    again.ack().await.unwrap();
    quiet(&mut stream).await;
    drop(stream);
    scope.cleanup(&["runs"], &["events"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_held_open_does_not_hold_up_the_others() {
    let Some(broker) = broker() else { return };
    let _shared = DISRUPTION.read().await;
    let scope = Scope::new(broker);
    let (exchange, publisher) = scope.declared("events").await;
    let mut stream = scope.durable("held", 4, &exchange, "#").await;
    publish_ids(&publisher, &exchange, 40).await;
    // As a program handling messages concurrently, one of them slowly: the others' acks cannot
    // join a run behind it, and must still reach the broker for it to send more.
    let slow = next(&mut stream, 10).await.unwrap();
    for _ in 1..40 {
        next(&mut stream, 10).await.unwrap().ack().await.unwrap();
    }
    slow.ack().await.unwrap();
    quiet(&mut stream).await;
    stream.close().await.unwrap();
    scope.cleanup(&["held"], &["events"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closing_a_stream_sends_its_acks_first() {
    let Some(broker) = broker() else { return };
    let _shared = DISRUPTION.read().await;
    let scope = Scope::new(broker);
    let (exchange, publisher) = scope.declared("events").await;
    let mut stream = scope.durable("close", 100, &exchange, "#").await;
    publish_ids(&publisher, &exchange, 30).await;
    for (_, m) in take_ids(&mut stream, 30).await {
        m.ack().await.unwrap();
    }
    // At once: the acks are still collecting into a run.
    stream.close().await.unwrap();
    let mut again = scope.durable("close", 100, &exchange, "#").await;
    quiet(&mut again).await;
    again.close().await.unwrap();
    scope.cleanup(&["close"], &["events"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_durable_queue_keeps_messages_while_its_consumer_is_down() {
    let Some(broker) = broker() else { return };
    let _shared = DISRUPTION.read().await;
    let scope = Scope::new(broker);
    let (exchange, publisher) = scope.declared("events").await;
    let stream = scope.durable("durable", 5, &exchange, "primary.#").await;
    if broker.local {
        assert_eq!(
            queue_table()
                .get(&scope.queue("durable"))
                .map(String::as_str),
            Some("quorum true false"),
            "type durable auto_delete (not exclusive: nothing)"
        );
    }
    drop(stream);
    for id in 0..3 {
        publisher
            .publish(
                &exchange,
                "primary.x",
                &[],
                json!({ "id": id }).to_string().as_bytes(),
            )
            .await
            .unwrap();
    }
    let mut stream = scope.durable("durable", 5, &exchange, "primary.#").await;
    for id in 0..3 {
        let m = next(&mut stream, 10).await.unwrap();
        assert_eq!(m.payload["id"], id);
        m.ack().await.unwrap();
    }
    quiet(&mut stream).await;
    drop(stream);
    scope.cleanup(&["durable"], &["events"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ephemeral_queue_is_exclusive_and_goes_with_its_consumer() {
    let Some(broker) = broker() else { return };
    let _shared = DISRUPTION.read().await;
    let scope = Scope::new(broker);
    let (exchange, publisher) = scope.declared("events").await;
    let mut stream = scope
        .consumer()
        .ephemeral()
        .bind(Binding::new(&exchange, "primary.*.gaia"))
        .stream::<Value>()
        .await
        .unwrap();
    let ours = |table: HashMap<String, String>| {
        let prefix = scope.queue("");
        table
            .into_iter()
            .filter(|(name, _)| name.starts_with(&prefix))
            .collect::<Vec<_>>()
    };
    if broker.local {
        let queues = ours(queue_table());
        assert_eq!(queues.len(), 1, "{queues:?}");
        let (name, properties) = &queues[0];
        assert_eq!(name.len(), scope.queue("").len() + 22, "a slugid: {name}");
        assert_eq!(properties, "classic false true true");
    }
    for (i, key) in ["primary.a.gaia", "primary.b.other", "primary.c.gaia"]
        .iter()
        .enumerate()
    {
        publisher
            .publish(
                &exchange,
                key,
                &[],
                json!({ "i": i }).to_string().as_bytes(),
            )
            .await
            .unwrap();
    }
    for i in [0, 2] {
        let m = next(&mut stream, 10).await.unwrap();
        assert_eq!(m.payload["i"], i);
        m.ack().await.unwrap();
    }
    quiet(&mut stream).await;
    drop(stream);
    if broker.local {
        // Auto-deleted with the connection, which closes in the background.
        let mut left = ours(queue_table());
        for _ in 0..50 {
            if left.is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
            left = ours(queue_table());
        }
        assert!(left.is_empty(), "{left:?}");
    }
    scope.cleanup(&[], &["events"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connection_errors_never_show_the_password() {
    let Some(broker) = broker() else { return };
    let _shared = DISRUPTION.read().await;
    let password = "Wr0ng-pa55word";
    let good = PulseConfig::from_connection_string(&broker.url).unwrap();
    let url = |scheme: &str| {
        let rest = broker.url.split_once('@').expect("user@host").1;
        format!("{scheme}://guest:{password}@{rest}")
    };
    let wrong = PulseConfig::from_connection_string(&url("amqp")).unwrap();
    // amqps to the plain port: TLS fails (and does not panic choosing a crypto provider).
    let tls = PulseConfig::from_connection_string(&url("amqps")).unwrap();
    for (config, kind) in [
        (&wrong, ErrorKind::Authentication),
        (&tls, ErrorKind::Connection),
    ] {
        let e = Consumer::new(config)
            .ephemeral()
            .stream::<Value>()
            .await
            .unwrap_err();
        let shown = format!("{e} {e:?} {:?}", std::error::Error::source(&e));
        assert_eq!(e.kind(), kind, "{shown}");
        assert!(!shown.contains(password), "{shown}");
        assert!(!format!("{config:?}").contains(password));
        let publisher = Publisher::new(config).with_send_deadline(Duration::from_secs(1));
        let e = publisher
            .publish("amq.topic", "x", &[], b"{}")
            .await
            .unwrap_err();
        let shown = format!("{e} {e:?}");
        assert!(!shown.contains(password), "{shown}");
    }
    // A missing exchange is the broker's answer, at once, not retried.
    let scope = Scope::new(broker);
    let publisher = Publisher::new(&good);
    let e = publisher
        .publish(&scope.exchange("missing"), "x", &[], b"{}")
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Channel, "{e}");
    let e = Consumer::new(&scope.config)
        .ephemeral()
        .bind(Binding::new("exchange/someone-else/v1/missing", "#"))
        .stream::<Value>()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Channel, "{e}");
    // And the publisher still works after a refusal.
    publisher
        .publish("amq.topic", "x", &[], b"{}")
        .await
        .unwrap();
}

/// Publishes `count` messages `{"id": i}` to `exchange`, 64 at a time, retrying as needed.
async fn publish_ids(publisher: &Publisher, exchange: &str, count: u32) {
    futures_util::stream::iter(0..count)
        .map(|i| publish_id(publisher, exchange, i))
        .buffer_unordered(64)
        .collect::<Vec<()>>()
        .await;
}

/// Publishes `{"id": i}` for each of `ids`, one after the other.
async fn publish_in_order(publisher: &Publisher, exchange: &str, ids: std::ops::Range<u32>) {
    for i in ids {
        publish_id(publisher, exchange, i).await;
    }
}

/// Publishes `{"id": i}` with routing key `primary.<i>`.
async fn publish_id(publisher: &Publisher, exchange: &str, i: u32) {
    let payload = json!({ "id": i }).to_string();
    publisher
        .publish(exchange, &format!("primary.{i}"), &[], payload.as_bytes())
        .await
        .unwrap_or_else(|e| panic!("publish {i}: {e}"));
}

/// Consumes until every id below `count` was seen, acking each; calls `disrupt` (on a blocking
/// thread) once `at` distinct ids have arrived. Returns (deliveries, error items).
async fn consume_all(
    stream: &mut MessageStream<Value>,
    count: u32,
    at: usize,
    disrupt: fn(),
) -> (usize, Vec<String>) {
    let mut seen = HashSet::new();
    let mut deliveries = 0;
    let mut errors = Vec::new();
    let mut disruption = None;
    while seen.len() < count as usize {
        match next(stream, 60).await {
            Ok(m) => {
                deliveries += 1;
                seen.insert(m.payload["id"].as_u64().expect("an id"));
                // After a reconnection the old channel's acks fail; the broker redelivers.
                let _ = m.ack().await;
            }
            Err(e) => errors.push(e.to_string()),
        }
        if seen.len() >= at && disruption.is_none() {
            disruption = Some(tokio::task::spawn_blocking(disrupt));
        }
    }
    disruption.expect("disrupted").await.unwrap();
    (deliveries, errors)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_connection_cut_in_the_middle_of_10000_messages_loses_none() {
    let Some(broker) = controlled() else {
        return;
    };
    let _alone = DISRUPTION.write().await;
    let scope = Scope::new(broker);
    let (exchange, publisher) = scope.declared("bulk").await;
    let mut stream = scope.durable("bulk", 50, &exchange, "primary.*").await;
    let mut ephemeral = scope
        .consumer()
        .ephemeral()
        .bind(Binding::new(&exchange, "none"))
        .stream::<Value>()
        .await
        .unwrap();
    let started = std::time::Instant::now();
    let publishing = async { publish_ids(&publisher, &exchange, 10_000).await };
    let cut = || {
        rabbitmqctl(&["-q", "close_all_connections", "test: cut every connection"]);
    };
    let (_, (deliveries, errors)) =
        tokio::join!(publishing, consume_all(&mut stream, 10_000, 3_000, cut));
    eprintln!(
        "10000 ids seen in {} deliveries, {:.1} s",
        deliveries,
        started.elapsed().as_secs_f64()
    );
    assert!(
        errors.is_empty(),
        "a recovered reconnection is silent: {errors:?}"
    );
    // The ephemeral consumer says that it lost its queue.
    let e = next(&mut ephemeral, 30).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Reconnected, "{e}");
    drop((stream, ephemeral));
    scope.cleanup(&["bulk"], &["bulk"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broker_restart_in_the_middle_of_10000_messages_loses_none() {
    let Some(broker) = controlled() else {
        return;
    };
    let _alone = DISRUPTION.write().await;
    let scope = Scope::new(broker);
    let exchange = scope.exchange("restart");
    let publisher = scope
        .publisher()
        .with_send_deadline(Duration::from_secs(90));
    publisher.declare_exchange(&exchange).await.unwrap();
    let mut stream = scope.durable("restart", 50, &exchange, "primary.*").await;
    // Another consumer reports the outage after 2 s, then goes on.
    let impatient = scope
        .consumer()
        .queue("impatient")
        .outage_after(Duration::from_secs(2))
        .bind(Binding::new(&exchange, "probe"))
        .stream::<Value>()
        .await
        .unwrap();
    let watcher = tokio::spawn(async move {
        let mut impatient = impatient;
        let mut errors = Vec::new();
        loop {
            match next(&mut impatient, 120).await {
                Ok(m) => {
                    m.ack().await.unwrap();
                    return errors;
                }
                Err(e) => errors.push((e.kind(), e.to_string())),
            }
        }
    });
    let started = std::time::Instant::now();
    let publishing = async { publish_ids(&publisher, &exchange, 10_000).await };
    let restart = || controlled().expect("a controlled broker").restart();
    let (_, (deliveries, errors)) =
        tokio::join!(publishing, consume_all(&mut stream, 10_000, 3_000, restart));
    eprintln!(
        "10000 ids seen in {} deliveries across a restart, {:.1} s",
        deliveries,
        started.elapsed().as_secs_f64()
    );
    assert!(
        errors.is_empty(),
        "a recovered reconnection is silent: {errors:?}"
    );
    publisher
        .publish(&exchange, "probe", &[], b"{}")
        .await
        .unwrap();
    let errors = timeout(Duration::from_secs(60), watcher)
        .await
        .expect("the impatient consumer recovers")
        .unwrap();
    assert!(
        errors
            .iter()
            .any(|(kind, message)| *kind == ErrorKind::Connection
                && message.contains("still retrying")),
        "{errors:?}"
    );
    drop(stream);
    scope.cleanup(&["restart", "impatient"], &["restart"]).await;
}

/// A current-thread runtime: the recorder listens on this thread only.
#[tokio::test]
async fn connects_reconnects_rebinds_and_decode_errors_are_traced_without_secrets() {
    let Some(broker) = controlled() else {
        return;
    };
    let _alone = DISRUPTION.write().await;
    let recorder = tc_testkit::traces::Recorder::new();
    let _guard = recorder.install();
    let scope = Scope::new(broker);
    let (exchange, publisher) = scope.declared("traced").await;
    let mut stream = scope.durable("traced", 5, &exchange, "#").await;
    publish_id(&publisher, &exchange, 1).await;
    next(&mut stream, 10).await.unwrap().ack().await.unwrap();
    tokio::task::spawn_blocking(|| {
        rabbitmqctl(&["-q", "close_all_connections", "test: traced reconnect"]);
    })
    .await
    .unwrap();
    publish_id(&publisher, &exchange, 2).await;
    let m = next(&mut stream, 30).await.unwrap();
    assert_eq!(m.payload["id"], 2);
    m.ack().await.unwrap();
    publisher
        .publish(&exchange, "x", &[], b"not json")
        .await
        .unwrap();
    let e = next(&mut stream, 10).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode);
    stream.close().await.unwrap();
    // A login refused: whatever lapin or we say about it holds no password.
    let password = "Wr0ng-pa55word-traced";
    let rest = broker.url.split_once('@').expect("user@host").1;
    let wrong =
        PulseConfig::from_connection_string(&format!("amqp://guest:{password}@{rest}")).unwrap();
    Consumer::new(&wrong)
        .ephemeral()
        .stream::<Value>()
        .await
        .unwrap_err();

    let connected = recorder.events("connected to Pulse");
    assert_eq!(connected.len(), 2, "{connected:#?}");
    assert_eq!(connected[0].field("pulse.reconnect"), Some("false"));
    assert_eq!(connected[1].field("pulse.reconnect"), Some("true"));
    assert_eq!(
        connected[0].field("pulse.queue"),
        Some(scope.queue("traced").as_str())
    );
    assert!(connected[0].field("server.address").is_some());
    let bound = recorder.events("bound the queue");
    assert_eq!(bound.len(), 1);
    assert_eq!(bound[0].field("pulse.exchange"), Some(exchange.as_str()));
    assert_eq!(bound[0].field("pulse.routing_key_pattern"), Some("#"));
    let rebound = recorder.events("re-bound the queue");
    assert_eq!(rebound.len(), 1, "{rebound:#?}");
    let lost = recorder.events("the Pulse connection was lost");
    assert_eq!(lost.len(), 1, "{lost:#?}");
    assert_eq!(lost[0].level, "INFO");
    let back = recorder.events("reconnected to Pulse");
    assert_eq!(back.len(), 1, "{back:#?}");
    assert_eq!(back[0].level, "INFO");
    assert!(back[0].field("pulse.down_ms").is_some());
    let undecoded = recorder.events("a Pulse message did not decode");
    assert_eq!(undecoded.len(), 1);
    assert_eq!(undecoded[0].field("pulse.routing_key"), Some("x"));

    // The test broker's password is its user name (`guest`), which traces may show: look for
    // it as a URL's password.
    let broker_password = broker
        .url
        .split_once("://")
        .and_then(|(_, rest)| rest.split_once('@'))
        .and_then(|(userinfo, _)| userinfo.split_once(':'))
        .map_or("", |(_, password)| password);
    recorder.assert_no_secret(&[password, &format!(":{broker_password}@")]);
    scope.cleanup(&["traced"], &["traced"]).await;
}
