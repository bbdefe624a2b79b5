//! Pulse events without a broker: every exchange of the pinned references decodes sample
//! messages built from its own schema (every property, enum value and branch) into its variant
//! of the service's enum, and routing keys render and parse as Taskcluster's clients do.

use std::path::Path;

use tc_client::runtime::events::{DecodeError, Event};
use tc_client::serde_json::Value;
use tc_testkit::samples::{Samples, read_schemas};

type Decode = fn(&str, &[u8]) -> Result<String, DecodeError>;

/// Each service's enum, as a decoder that names the variant it decoded.
fn decoders() -> Vec<(&'static str, Decode)> {
    fn variant<E: Event + std::fmt::Debug>(
        exchange: &str,
        payload: &[u8],
    ) -> Result<String, DecodeError> {
        let event = E::decode(exchange, "", payload)?;
        Ok(format!("{event:?}")
            .split('(')
            .next()
            .unwrap_or("")
            .to_owned())
    }
    vec![
        ("auth", variant::<tc_client::auth::events::AuthEvent>),
        ("github", variant::<tc_client::github::events::GithubEvent>),
        ("hooks", variant::<tc_client::hooks::events::HooksEvent>),
        ("notify", variant::<tc_client::notify::events::NotifyEvent>),
        ("queue", variant::<tc_client::queue::events::QueueEvent>),
        (
            "worker-manager",
            variant::<tc_client::worker_manager::events::WorkerManagerEvent>,
        ),
    ]
}

#[test]
fn every_exchange_decodes_its_own_messages() {
    let references = Path::new(env!("CARGO_MANIFEST_DIR")).join("../references");
    let schemas = read_schemas(&references.join("schemas"));
    let mut exchanges = 0;
    let mut messages = 0;
    for (service, decode) in decoders() {
        let text = std::fs::read_to_string(references.join(format!("{service}/v1/exchanges.json")))
            .unwrap();
        let doc: Value = tc_client::serde_json::from_str(&text).unwrap();
        let prefix = doc["exchangePrefix"].as_str().unwrap();
        for entry in doc["entries"].as_array().unwrap() {
            let exchange = format!("{prefix}{}", entry["exchange"].as_str().unwrap());
            let name = entry["name"].as_str().unwrap();
            let variant = format!("{}{}", name[..1].to_uppercase(), &name[1..]);
            let root = tc_testkit::samples::locate(
                &format!("/schemas/{service}/"),
                entry["schema"].as_str().unwrap(),
            );
            for sample in Samples::new(&schemas).documents(&root) {
                let bytes = tc_client::serde_json::to_vec(&sample).unwrap();
                let decoded = decode(&exchange, &bytes).unwrap_or_else(|e| panic!("{e}: {sample}"));
                assert_eq!(decoded, variant, "{exchange}");
                messages += 1;
            }
            exchanges += 1;
        }
        let err = decode("exchange/elsewhere/v1/x", b"{}").unwrap_err();
        assert!(err.to_string().contains("not an exchange of"), "{err}");
    }
    assert_eq!(exchanges, 36, "every v106 exchange");
    println!("{exchanges} exchanges, {messages} sample messages decoded");
}

#[test]
fn a_payload_that_does_not_fit_names_the_field() {
    use tc_client::queue::events::{QueueEvent, TaskCompleted};
    let err = QueueEvent::decode(
        TaskCompleted::EXCHANGE,
        "",
        br#"{"version": 1, "status": {"taskId": 5}}"#,
    )
    .unwrap_err();
    assert_eq!(err.exchange(), TaskCompleted::EXCHANGE);
    assert!(err.path().starts_with("status"), "{err}");
}

#[test]
fn routing_keys_as_taskcluster_writes_them() {
    use tc_client::notify::events::Notify;
    use tc_client::queue::events::{TaskCompleted, TaskDefined};
    use tc_client::worker_manager::events::WorkerRunning;

    let binding = TaskDefined::new().with_worker_type("gaia").binding();
    assert_eq!(
        binding.exchange,
        "exchange/taskcluster-queue/v1/task-defined"
    );
    assert_eq!(binding.routing_key_pattern, "primary.*.*.*.*.*.gaia.*.*.#");
    assert_eq!(
        TaskCompleted::new().with_run_id("_").routing_key_pattern(),
        "primary.*._.*.*.*.*.*.*.#"
    );

    let key = "primary.T.0.wg.wi.prov.wt.sched.G._";
    let parsed = TaskCompleted::parse(key).unwrap();
    assert_eq!(parsed.task_id.as_deref(), Some("T"));
    assert_eq!(parsed.task_group_id.as_deref(), Some("G"));
    assert_eq!(parsed.reserved, None);
    assert!(TaskCompleted::parse("route.index.x").is_none());

    let topic = Notify::parse("primary.my.own.topic").unwrap();
    assert_eq!(topic.topic.as_deref(), Some("my.own.topic"));
    assert_eq!(Notify::new().routing_key_pattern(), "primary.#");

    let running = WorkerRunning::new().with_worker_type("wt");
    assert_eq!(running.routing_key_pattern(), "primary.*.*.wt.*.*.*.#");
}
