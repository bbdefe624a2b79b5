//! `tc listen <service> <exchange> [--<field> VALUE…]`: Pulse messages as JSON lines. The
//! command tree and the bindings are generated (`api::listen_command`, `api::listen_binding`);
//! this is the listening.

use std::io::Write;

use clap::ArgMatches;
use serde_json::{Value, json};
use tc_client::runtime::StreamExt;
use tc_client::runtime::pulse::{Binding, Consumer, PulseConfig};

use crate::api;
use crate::run::{Outcome, Problem};

/// Listens as `args` (the exchange's command) says until `--count` messages or forever.
pub async fn run(args: &ArgMatches) -> Result<Outcome, Problem> {
    let (service, by_service) = args.subcommand().expect("a service is required");
    let (exchange, args) = by_service.subcommand().expect("an exchange is required");
    let (primary, narrowed) = api::listen_binding(service, exchange, args)
        .ok_or_else(|| Problem::usage(format!("no exchange {exchange} in {service}")))?;
    let routes: Vec<&String> = args.get_many("route").into_iter().flatten().collect();
    let mut bindings: Vec<Binding> = routes
        .iter()
        .map(|r| Binding::new(primary.exchange.clone(), format!("route.{r}")))
        .collect();
    // Routes alone select by route; with routing-key options too, either selects.
    if narrowed || bindings.is_empty() {
        bindings.push(primary);
    }
    let config = match args.get_one::<String>("pulse-url") {
        Some(url) => PulseConfig::from_connection_string(url),
        None => PulseConfig::from_env(),
    }
    .map_err(Problem::from)?;
    let mut consumer = Consumer::new(&config);
    consumer = match args.get_one::<String>("queue") {
        Some(name) => consumer.queue(name),
        None => consumer.ephemeral(),
    };
    for binding in &bindings {
        consumer = consumer.bind(binding.clone());
    }
    // An unreachable broker exits with the transport code, as an unreachable deployment does.
    let mut messages = consumer.stream::<Value>().await?;
    let patterns: Vec<&str> = bindings
        .iter()
        .map(|b| b.routing_key_pattern.as_str())
        .collect();
    eprintln!(
        "tc: listening to {} ({})",
        bindings[0].exchange,
        patterns.join(", ")
    );
    let limit = args.get_one::<u64>("count").copied();
    let mut printed = 0;
    while limit.is_none_or(|n| printed < n) {
        let Some(item) = messages.next().await else {
            break;
        };
        let message = match item {
            Ok(message) => message,
            // A payload that is not JSON, a reconnection: say so and go on.
            Err(e) => {
                eprintln!("tc: {e}");
                continue;
            }
        };
        let line = json!({
            "exchange": &message.exchange,
            "routingKey": &message.routing_key,
            "routes": &message.routes,
            "redelivered": message.redelivered,
            "payload": &message.payload,
        });
        let mut out = std::io::stdout().lock();
        writeln!(out, "{line}")
            .and_then(|()| out.flush())
            .map_err(|e| Problem::other(format!("cannot write the message: {e}")))?;
        drop(out);
        message.ack().await?;
        printed += 1;
    }
    // The last acks are still collecting into a run: send them before exiting.
    messages.close().await?;
    Ok(Outcome::Done)
}
