//! What the consumer and the publisher share: connecting (with a timeout and capped
//! backoff), declaring exchanges, and telling whether a connection is still alive.

use std::time::Duration;

use lapin::options::ExchangeDeclareOptions;
use lapin::types::{FieldTable, ShortString};
use lapin::{
    Channel, ChannelStatus, Connection, ConnectionProperties, ConnectionStatus, ExchangeKind,
};

use super::config::PulseConfig;
use super::error::{Error, ErrorKind};

/// Longest wait between two reconnection attempts.
pub(crate) const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// Connecting and setting up a channel give up after this long (lapin's own connect has no
/// timeout; Taskcluster's socket timeout is 30 s).
pub(crate) const SETUP_TIMEOUT: Duration = Duration::from_secs(20);

/// The pause before reconnection attempt `failures + 1`: capped exponential from 100 ms to
/// [`MAX_BACKOFF`], with jitter (half fixed, half random) so that many clients do not come back
/// in lockstep.
pub(crate) fn backoff(failures: u32) -> Duration {
    let full = Duration::from_millis(100)
        .saturating_mul(1 << failures.min(16))
        .min(MAX_BACKOFF);
    full / 2 + full.mul_f64(fastrand::f64() / 2.0)
}

/// Opens a connection named `name` (shown by `rabbitmqctl list_connections client_properties`).
pub(crate) async fn connect(config: &PulseConfig, name: &str) -> Result<Connection, Error> {
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
pub(crate) fn short(s: &str) -> Result<ShortString, Error> {
    ShortString::try_new(s).map_err(|_| {
        Error::new(
            ErrorKind::Config,
            format!("{s:?} is longer than AMQP's 255 bytes"),
        )
    })
}

/// Declares a topic exchange as Taskcluster does: durable, not auto-deleted, not internal.
pub(crate) async fn declare_exchange(channel: &Channel, name: &str) -> Result<(), Error> {
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
pub(crate) struct Liveness {
    connection: ConnectionStatus,
    channel: ChannelStatus,
}

impl Liveness {
    pub(crate) fn of(connection: &Connection, channel: &Channel) -> Liveness {
        Liveness {
            connection: connection.status().clone(),
            channel: channel.status().clone(),
        }
    }

    pub(crate) fn alive(&self) -> bool {
        self.connection.connected() && self.channel.connected()
    }

    /// Awaits `future` (a publisher confirm, an ack) unless the channel goes down first: lapin
    /// can leave such a future pending forever when the connection dies under it.
    pub(crate) async fn unless_down<T>(&self, future: impl Future<Output = T>) -> Option<T> {
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
