//! The publisher: messages sent as a Taskcluster service sends them, confirmed by the broker.

use std::fmt;
use std::time::{Duration, Instant};

use lapin::options::{BasicPublishOptions, ConfirmSelectOptions};
use lapin::types::{AMQPValue, FieldArray, FieldTable};
use lapin::{BasicProperties, Channel, Confirmation, Connection};
use tokio::sync::Mutex;

use super::config::PulseConfig;
use super::connection::{Liveness, SETUP_TIMEOUT, backoff, connect, declare_exchange, short};
use super::error::{Error, ErrorKind};

/// Publishes messages on a confirm channel and waits for the broker's confirm, reconnecting and
/// retrying (at least once: a retried message may arrive twice) until a send deadline, 30 s by
/// default as in Taskcluster's publisher. It connects on first use; share it by reference.
pub struct Publisher {
    config: PulseConfig,
    send_deadline: Duration,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// Counts connections, so that a failed operation drops only the connection it used.
    generation: u64,
    live: Option<(Connection, Channel)>,
}

impl Publisher {
    /// A publisher for the broker of `config`; nothing happens until the first call.
    pub fn new(config: &PulseConfig) -> Publisher {
        Publisher {
            config: config.clone(),
            send_deadline: Duration::from_secs(30),
            state: Mutex::new(State::default()),
        }
    }

    /// How long [`publish`](Self::publish) and [`declare_exchange`](Self::declare_exchange)
    /// retry before giving up (default 30 s).
    pub fn with_send_deadline(mut self, deadline: Duration) -> Publisher {
        self.send_deadline = deadline;
        self
    }

    /// Declares the topic exchange `name` as Taskcluster's services declare theirs: durable,
    /// not auto-deleted. The name is taken as it is (ours are `exchange/<namespace>/...`).
    pub async fn declare_exchange(&self, name: &str) -> Result<(), Error> {
        self.retrying(ErrorKind::Connection, async |channel, _| {
            declare_exchange(&channel, name).await
        })
        .await
    }

    /// Publishes `payload` (JSON) to `exchange` with `routing_key`, also routed to `route.<r>`
    /// for each of `cc_routes` (the `CC` header, which consumers see as
    /// [`Message::routes`](super::Message::routes)); persistent, `application/json`, `utf-8`.
    /// Returns once the broker confirmed it.
    pub async fn publish(
        &self,
        exchange: &str,
        routing_key: &str,
        cc_routes: &[String],
        payload: &[u8],
    ) -> Result<(), Error> {
        let (exchange_name, routing_key) = (short(exchange)?, short(routing_key)?);
        // Always sent, even empty, as amqplib sends Taskcluster's `CC: [...]`.
        let cc: Vec<AMQPValue> = cc_routes
            .iter()
            .map(|r| AMQPValue::LongString(format!("route.{r}").into()))
            .collect();
        let mut headers = FieldTable::default();
        headers.insert("CC".into(), AMQPValue::FieldArray(FieldArray::from(cc)));
        let properties = BasicProperties::default()
            .with_delivery_mode(2)
            .with_content_type("application/json".into())
            .with_content_encoding("utf-8".into())
            .with_headers(headers);
        self.retrying(ErrorKind::Publish, async |channel, liveness| {
            let confirm = channel
                .basic_publish(
                    exchange_name.clone(),
                    routing_key.clone(),
                    BasicPublishOptions::default(),
                    payload,
                    properties.clone(),
                )
                .await
                .map_err(|e| Error::amqp(&format!("cannot publish to {exchange}"), e))?;
            let confirm = liveness.unless_down(confirm).await.ok_or_else(|| {
                Error::new(
                    ErrorKind::Connection,
                    "the connection closed before the broker confirmed",
                )
            })?;
            let confirm =
                confirm.map_err(|e| Error::amqp(&format!("no confirm from {exchange}"), e))?;
            match confirm {
                Confirmation::Ack(_) => Ok(()),
                Confirmation::Nack(_) | Confirmation::NotRequested => Err(Error::new(
                    ErrorKind::Publish,
                    format!("the broker did not take the message for {exchange} (nack)"),
                )),
            }
        })
        .await
    }

    /// Runs `op` on the confirm channel, reconnecting and retrying until the send deadline;
    /// the broker refusing the operation (a channel error) or the login, or bad input, is final
    /// at once.
    async fn retrying<T>(
        &self,
        give_up: ErrorKind,
        op: impl AsyncFn(Channel, Liveness) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let start = Instant::now();
        let mut failures = 0;
        loop {
            let error = match self.channel().await {
                Ok((generation, channel, liveness)) => {
                    // Bounded: a confirm lost with its connection must not hang the caller.
                    let left = self.send_deadline.saturating_sub(start.elapsed());
                    match tokio::time::timeout(left, op(channel, liveness)).await {
                        Ok(Ok(value)) => return Ok(value),
                        Ok(Err(e)) => {
                            self.discard(generation).await;
                            e
                        }
                        Err(_) => {
                            self.discard(generation).await;
                            Error::new(give_up, "no answer from the broker")
                        }
                    }
                }
                Err(e) => e,
            };
            if matches!(
                error.kind(),
                ErrorKind::Channel | ErrorKind::Config | ErrorKind::Authentication
            ) {
                return Err(error);
            }
            let pause = backoff(failures);
            failures += 1;
            if start.elapsed() + pause >= self.send_deadline {
                let message = format!(
                    "gave up after {failures} attempts in {} s: {error}",
                    start.elapsed().as_secs()
                );
                return Err(Error::new(give_up, message));
            }
            tokio::time::sleep(pause).await;
        }
    }

    /// The confirm channel, connecting if there is none (or it closed), with its generation
    /// and liveness.
    async fn channel(&self) -> Result<(u64, Channel, Liveness), Error> {
        let mut state = self.state.lock().await;
        if let Some((connection, channel)) = &state.live {
            let liveness = Liveness::of(connection, channel);
            if liveness.alive() {
                return Ok((state.generation, channel.clone(), liveness));
            }
        }
        state.live = None;
        let live = tokio::time::timeout(SETUP_TIMEOUT, async {
            let connection = connect(&self.config, "tc-runtime publisher").await?;
            let channel = connection
                .create_channel()
                .await
                .map_err(|e| Error::amqp("cannot open a channel", e))?;
            channel
                .confirm_select(ConfirmSelectOptions::default())
                .await
                .map_err(|e| Error::amqp("cannot enable publisher confirms", e))?;
            Ok::<_, Error>((connection, channel))
        })
        .await
        .unwrap_or_else(|_| {
            Err(Error::new(
                ErrorKind::Connection,
                format!(
                    "no connection to {} after {} s",
                    self.config.redacted_url(),
                    SETUP_TIMEOUT.as_secs()
                ),
            ))
        })?;
        state.generation += 1;
        let (channel, liveness) = (live.1.clone(), Liveness::of(&live.0, &live.1));
        state.live = Some(live);
        Ok((state.generation, channel, liveness))
    }

    /// Drops the connection of `generation` after a failure, unless it was replaced already.
    async fn discard(&self, generation: u64) {
        let mut state = self.state.lock().await;
        if state.generation == generation {
            state.live = None;
        }
    }
}

impl fmt::Debug for Publisher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Publisher")
            .field("config", &self.config)
            .field("send_deadline", &self.send_deadline)
            .finish_non_exhaustive()
    }
}
