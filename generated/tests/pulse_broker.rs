//! Every v106 exchange through a real RabbitMQ: sample messages built from each exchange's
//! schema are published as the service would (its exchange, a routing key with every
//! reference field, `CC: route.<r>`, persistent JSON) and consumed with `runtime::pulse` into
//! the service's generated event enum, each as the variant of its exchange, which writes it
//! back as the same JSON.
//!
//! The broker is `tc_testkit::broker`'s: the run's node under `cargo xtask test`; the test skips,
//! saying so, only when none can be had, and never under CI. It deletes the exchanges it
//! declared.

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::path::{Path, PathBuf};
use std::time::Duration;

use tc_client::runtime::StreamExt;
use tc_client::runtime::events::Event;
use tc_client::runtime::pulse::{Binding, Consumer, Publisher, PulseConfig};
use tc_client::serde_json::{self, Value};
use tc_testkit::samples::{Samples, read_schemas};

fn references() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../references")
}

/// A message to send and what must come back.
struct Sent {
    exchange: String,
    routing_key: String,
    /// The variant of the service's enum, as `Debug` names it (the exchange's reference name).
    variant: String,
    payload: Vec<u8>,
}

/// A routing key with every field of `entry`'s reference filled in: constants as given, other
/// words made up (`<name>-<n>`), multi-word fields two words long.
fn routing_key(entry: &Value, n: usize) -> String {
    entry["routingKey"]
        .as_array()
        .unwrap()
        .iter()
        .map(|part| {
            let name = part["name"].as_str().unwrap();
            match part["constant"].as_str() {
                Some(constant) => constant.to_owned(),
                None if part["multipleWords"].as_bool() == Some(true) => {
                    format!("{name}-{n}.more")
                }
                None => format!("{name}-{n}"),
            }
        })
        .collect::<Vec<_>>()
        .join(".")
}

/// Every sample message of every exchange of `service`.
fn messages(service: &str, schemas: &BTreeMap<String, Value>) -> Vec<Sent> {
    let path = references().join(format!("{service}/v1/exchanges.json"));
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let prefix = doc["exchangePrefix"].as_str().unwrap();
    let mut sent = Vec::new();
    for entry in doc["entries"].as_array().unwrap() {
        let exchange = format!("{prefix}{}", entry["exchange"].as_str().unwrap());
        let name = entry["name"].as_str().unwrap();
        let variant = format!("{}{}", name[..1].to_uppercase(), &name[1..]);
        let root = tc_testkit::samples::locate(
            &format!("/schemas/{service}/"),
            entry["schema"].as_str().unwrap(),
        );
        for sample in Samples::new(schemas).documents(&root) {
            sent.push(Sent {
                exchange: exchange.clone(),
                routing_key: routing_key(entry, sent.len()),
                variant: variant.clone(),
                payload: serde_json::to_vec(&sample).unwrap(),
            });
        }
    }
    sent
}

/// Publishes `service`'s samples and consumes them as `E`; returns (exchanges, messages).
async fn round_trip<E: Event + Debug + serde::Serialize + ExchangeOf>(
    config: &PulseConfig,
    service: &str,
    schemas: &BTreeMap<String, Value>,
) -> (usize, usize) {
    let sent = messages(service, schemas);
    let mut exchanges: Vec<&str> = sent.iter().map(|s| s.exchange.as_str()).collect();
    exchanges.dedup();
    let publisher = Publisher::new(config);
    let mut consumer = Consumer::new(config).ephemeral();
    for exchange in &exchanges {
        publisher.declare_exchange(exchange).await.unwrap();
        consumer = consumer.bind(Binding::new(*exchange, "#"));
    }
    let mut stream = consumer.stream::<E>().await.unwrap();
    for (n, s) in sent.iter().enumerate() {
        let cc = [format!("test.{service}.{n}")];
        publisher
            .publish(&s.exchange, &s.routing_key, &cc, &s.payload)
            .await
            .unwrap();
    }
    let mut seen = vec![false; sent.len()];
    for _ in 0..sent.len() {
        let next = tokio::time::timeout(Duration::from_secs(30), stream.next());
        let message = next
            .await
            .unwrap_or_else(|_| panic!("{service}: a message within 30 s"))
            .expect("the stream goes on")
            .unwrap_or_else(|e| panic!("{service}: {e}"));
        let [route] = message.routes.as_slice() else {
            panic!("{service}: routes {:?}", message.routes);
        };
        let n: usize = route.rsplit('.').next().unwrap().parse().unwrap();
        let s = &sent[n];
        assert_eq!(message.exchange, s.exchange);
        assert_eq!(message.routing_key, s.routing_key);
        let debug = format!("{:?}", message.payload);
        let variant = debug.split('(').next().unwrap();
        assert_eq!(variant, s.variant, "{}: {}", s.exchange, debug);
        assert_eq!(message.payload.exchange_of(), s.exchange);
        let sent: Value = serde_json::from_slice(&s.payload).unwrap();
        let written = serde_json::to_value(&message.payload).unwrap();
        assert_eq!(written, sent, "{}: written back differently", s.exchange);
        assert!(!std::mem::replace(&mut seen[n], true), "{route} twice");
        message.ack().await.unwrap();
    }
    stream.close().await.unwrap();
    // What this test declared goes, so that no other test meets it.
    let broker = tc_testkit::broker::broker().expect("the broker this test used");
    broker.delete(&[], &exchanges).await;
    (exchanges.len(), sent.len())
}

/// The generated enums' `exchange()`, for [`round_trip`].
trait ExchangeOf {
    fn exchange_of(&self) -> &'static str;
}

macro_rules! exchange_of {
    ($($event:ty),*) => {$(
        impl ExchangeOf for $event {
            fn exchange_of(&self) -> &'static str {
                self.exchange()
            }
        }
    )*};
}

exchange_of!(
    tc_client::auth::events::AuthEvent,
    tc_client::github::events::GithubEvent,
    tc_client::hooks::events::HooksEvent,
    tc_client::notify::events::NotifyEvent,
    tc_client::queue::events::QueueEvent,
    tc_client::worker_manager::events::WorkerManagerEvent
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_exchange_arrives_as_its_generated_type() {
    let Some(broker) = tc_testkit::broker::broker() else {
        return;
    };
    let config = PulseConfig::from_connection_string(&broker.url).unwrap();
    let schemas = read_schemas(&references().join("schemas"));
    use tc_client::{auth, github, hooks, notify, queue, worker_manager};
    let counts = [
        round_trip::<auth::events::AuthEvent>(&config, "auth", &schemas).await,
        round_trip::<github::events::GithubEvent>(&config, "github", &schemas).await,
        round_trip::<hooks::events::HooksEvent>(&config, "hooks", &schemas).await,
        round_trip::<notify::events::NotifyEvent>(&config, "notify", &schemas).await,
        round_trip::<queue::events::QueueEvent>(&config, "queue", &schemas).await,
        round_trip::<worker_manager::events::WorkerManagerEvent>(
            &config,
            "worker-manager",
            &schemas,
        )
        .await,
    ];
    let exchanges: usize = counts.iter().map(|c| c.0).sum();
    let messages: usize = counts.iter().map(|c| c.1).sum();
    assert_eq!(exchanges, 36, "every v106 exchange");
    println!("{exchanges} exchanges, {messages} messages through the broker");
}
