//! Pulse: consuming and publishing Taskcluster's events over AMQP 0-9-1 (RabbitMQ), as
//! Taskcluster's own `libraries/pulse` does. Behind the `pulse` cargo feature; needs a tokio
//! runtime.
//!
//! ```no_run
//! use tc_runtime::StreamExt;
//! use tc_runtime::pulse::{Binding, Consumer, PulseConfig};
//!
//! # async fn demo() -> Result<(), tc_runtime::pulse::Error> {
//! let config = PulseConfig::from_env()?; // PULSE_USERNAME, PULSE_PASSWORD, PULSE_HOSTNAME, ...
//! let mut messages = Consumer::new(&config)
//!     .queue("task-events") // durable: queue/<namespace>/task-events
//!     .bind(Binding::new("exchange/taskcluster-queue/v1/task-completed", "primary.#"))
//!     .bind(Binding::new("exchange/taskcluster-queue/v1/task-failed", "route.index.my-project.#"))
//!     .stream::<serde_json::Value>() // or a generated service's event enum
//!     .await?;
//! while let Some(message) = messages.next().await {
//!     let message = message?; // a payload that does not decode is an error item; go on or stop
//!     println!("{} {} {:?}", message.exchange, message.routing_key, message.routes);
//!     message.ack().await?;
//! }
//! # Ok(())
//! # }
//! ```
//!
//! Delivery is at least once: a message is acked only when the program says so, a broker
//! connection lost or restarted is re-established by the stream itself (which re-declares and
//! re-binds its queue), and what was in flight is redelivered by the broker. Programs must
//! therefore handle duplicates. Acks reach the broker in runs, one AMQP ack for many messages;
//! a program that stops consuming calls [`MessageStream::close`] to send the last ones.
//! [`Publisher`] publishes exactly as Taskcluster's services do.

mod acks;
mod config;
mod consumer;
mod error;
mod message;
mod publisher;

use std::time::Duration;

use lapin::options::ExchangeDeclareOptions;
use lapin::types::{FieldTable, ShortString};
use lapin::{
    Channel, ChannelStatus, Connection, ConnectionProperties, ConnectionStatus, ExchangeKind,
};

/// The broker-independent half, shared with the generated event types.
pub use crate::events::{Binding, DecodeError, Event, decode_json};
pub use config::PulseConfig;
pub use consumer::{Consumer, MessageStream};
pub use error::{Error, ErrorKind};
pub use message::Message;
pub use publisher::Publisher;

/// Longest wait between two reconnection attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// Connecting and setting up a channel give up after this long (lapin's own connect has no
/// timeout; Taskcluster's socket timeout is 30 s).
const SETUP_TIMEOUT: Duration = Duration::from_secs(20);

/// The pause before reconnection attempt `failures + 1`: capped exponential from 100 ms to
/// [`MAX_BACKOFF`], with jitter (half fixed, half random) so that many clients do not come back
/// in lockstep.
fn backoff(failures: u32) -> Duration {
    let full = Duration::from_millis(100)
        .saturating_mul(1 << failures.min(16))
        .min(MAX_BACKOFF);
    full / 2 + full.mul_f64(fastrand::f64() / 2.0)
}

/// Opens a connection named `name` (shown by `rabbitmqctl list_connections client_properties`).
async fn connect(config: &PulseConfig, name: &str) -> Result<Connection, Error> {
    let properties = ConnectionProperties::default().with_connection_name(name.into());
    Connection::connect_uri(config.uri.clone(), properties)
        .await
        .map_err(|e| {
            // The one channel-level error while connecting is ACCESS_REFUSED, for the login.
            let kind = if e.is_amqp_soft_error() {
                ErrorKind::Authentication
            } else {
                ErrorKind::Connection
            };
            Error::amqp(&format!("cannot connect to {}", config.redacted_url()), e).with_kind(kind)
        })
}

/// An AMQP short string (exchange, queue, routing key): at most 255 bytes.
fn short(s: &str) -> Result<ShortString, Error> {
    ShortString::try_new(s).map_err(|_| {
        Error::new(
            ErrorKind::Config,
            format!("{s:?} is longer than AMQP's 255 bytes"),
        )
    })
}

/// Declares a topic exchange as Taskcluster does: durable, not auto-deleted, not internal.
async fn declare_exchange(channel: &Channel, name: &str) -> Result<(), Error> {
    let options = ExchangeDeclareOptions {
        durable: true,
        ..Default::default()
    };
    channel
        .exchange_declare(
            short(name)?,
            ExchangeKind::Topic,
            options,
            FieldTable::default(),
        )
        .await
        .map_err(|e| Error::amqp(&format!("cannot declare exchange {name}"), e))
}

/// Whether a channel and its connection are still up, as lapin last saw them.
#[derive(Clone)]
struct Liveness {
    connection: ConnectionStatus,
    channel: ChannelStatus,
}

impl Liveness {
    fn of(connection: &Connection, channel: &Channel) -> Liveness {
        Liveness {
            connection: connection.status().clone(),
            channel: channel.status().clone(),
        }
    }

    fn alive(&self) -> bool {
        self.connection.connected() && self.channel.connected()
    }

    /// Awaits `future` (a publisher confirm, an ack) unless the channel goes down first: lapin
    /// can leave such a future pending forever when the connection dies under it.
    async fn unless_down<T>(&self, future: impl Future<Output = T>) -> Option<T> {
        let mut future = std::pin::pin!(future);
        // Done at once (as an ack often is): no timer to arm and disarm.
        if let Some(value) = futures_util::FutureExt::now_or_never(future.as_mut()) {
            return Some(value);
        }
        loop {
            match tokio::time::timeout(Duration::from_millis(250), future.as_mut()).await {
                Ok(value) => return Some(value),
                Err(_) if self.alive() => {}
                Err(_) => return None,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_is_capped_exponential_with_jitter() {
        for failures in [0, 1, 3, 6, 30, u32::MAX] {
            let full = Duration::from_millis(100 << failures.min(6)).min(MAX_BACKOFF);
            let pauses: Vec<_> = (0..50).map(|_| backoff(failures)).collect();
            assert!(
                pauses.iter().all(|p| *p >= full / 2 && *p <= full),
                "{pauses:?}"
            );
            assert!(
                pauses.iter().any(|p| *p != pauses[0]),
                "no jitter: {pauses:?}"
            );
        }
        assert!(backoff(u32::MAX) <= MAX_BACKOFF);
    }
}
