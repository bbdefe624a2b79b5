//! The consumer: a queue, its bindings, and a stream of messages that survives reconnections.

use std::collections::BTreeSet;
use std::fmt;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use futures_core::Stream;
use futures_util::{FutureExt, StreamExt};
use lapin::options::{BasicConsumeOptions, BasicQosOptions, QueueBindOptions, QueueDeclareOptions};
use lapin::types::{AMQPValue, FieldTable};
use lapin::{Channel, Connection};
use tracing::{debug, info};

use super::acks::Acks;
use super::config::PulseConfig;
use super::connection::{Liveness, SETUP_TIMEOUT, backoff, connect, declare_exchange, short};
use super::error::{Error, ErrorKind};
use super::message::Message;
use crate::events::{Binding, Event};

/// A connection that stayed up this long was healthy: the next outage starts its backoff anew.
const STABLE: Duration = Duration::from_secs(10);

/// How often an idle consumer checks that its connection is still up.
const HEALTH_CHECK: Duration = Duration::from_secs(5);

/// Builds a consumer: its queue, bindings and prefetch; [`stream`](Self::stream) starts it.
#[derive(Clone, Debug)]
pub struct Consumer {
    config: PulseConfig,
    queue: Option<Queue>,
    bindings: Vec<Binding>,
    prefetch: u16,
    outage_after: Duration,
}

#[derive(Clone, Debug)]
enum Queue {
    Named(String),
    Ephemeral,
}

impl Consumer {
    /// A consumer with no queue yet (call [`queue`](Self::queue) or
    /// [`ephemeral`](Self::ephemeral)), no bindings and a prefetch of 5.
    pub fn new(config: &PulseConfig) -> Consumer {
        Consumer {
            config: config.clone(),
            queue: None,
            bindings: Vec::new(),
            prefetch: 5,
            outage_after: Duration::from_secs(60),
        }
    }

    /// Consumes from the durable queue `queue/<namespace>/<name>`, declared as Taskcluster
    /// declares it (durable, not exclusive, not auto-deleted, a quorum queue): it keeps its
    /// bindings and collects messages while no consumer runs, and several consumers of one
    /// queue share its messages.
    pub fn queue(mut self, name: impl Into<String>) -> Consumer {
        self.queue = Some(Queue::Named(name.into()));
        self
    }

    /// Consumes from an exclusive, auto-deleted classic queue `queue/<namespace>/<random>`, a
    /// new one on each connection: nothing is kept while disconnected, so after a reconnection
    /// the stream yields an error of kind [`ErrorKind::Reconnected`] before going on.
    pub fn ephemeral(mut self) -> Consumer {
        self.queue = Some(Queue::Ephemeral);
        self
    }

    /// Adds a binding (any number; also `route.<...>` patterns for CC'd routes). Exchanges in
    /// our namespace (`exchange/<namespace>/...`) are declared before binding; the others
    /// belong to their publishers (Pulse does not let us declare them).
    pub fn bind(mut self, binding: Binding) -> Consumer {
        self.bindings.push(binding);
        self
    }

    /// How many unacknowledged messages the broker sends ahead (default 5, Taskcluster's).
    pub fn prefetch(mut self, prefetch: u16) -> Consumer {
        self.prefetch = prefetch;
        self
    }

    /// While reconnecting, the stream yields the last failure (usually of kind
    /// [`ErrorKind::Connection`]; [`ErrorKind::Authentication`] or [`ErrorKind::Channel`] if
    /// the broker now refuses the login or a binding) once the outage has lasted this long
    /// (default 60 s), and again after each further such period; it keeps retrying until
    /// dropped. Shorter outages are silent.
    pub fn outage_after(mut self, period: Duration) -> Consumer {
        self.outage_after = period;
        self
    }

    /// Connects, declares the queue (and our exchanges), binds it and starts consuming; when
    /// this returns the bindings are in place, so nothing published afterwards is missed.
    ///
    /// This first connection is tried once: its failure (unreachable broker, wrong credentials,
    /// refused binding) is the error. Later connection losses are handled by the stream.
    pub async fn stream<E: Event>(self) -> Result<MessageStream<E>, Error> {
        let Some(queue) = self.queue.clone() else {
            return Err(Error::new(
                ErrorKind::Config,
                "a consumer needs a queue: call .queue(name) or .ephemeral()",
            ));
        };
        let current = Arc::new(Current::default());
        let live = setup(&self, &queue, &current, false).await?;
        let now = Instant::now();
        let worker = Worker {
            consumer: self,
            queue,
            live: Some(live),
            current: current.clone(),
            failures: 0,
            down_since: now,
            reported: now,
        };
        let inner = futures_util::stream::unfold(worker, |mut worker| async move {
            let item = worker.next::<E>().await;
            Some((item, worker))
        });
        Ok(MessageStream {
            inner: Box::pin(inner),
            current,
            _event: PhantomData,
        })
    }
}

/// The messages of a [`Consumer`], as a [`Stream`] that never ends on its own. To stop,
/// [`close`](Self::close) it, or drop it: either way the broker redelivers what was not acked,
/// and messages still held can no longer be acked.
///
/// Items are messages or errors; an error item does not end the stream: a payload that did
/// not decode ([`ErrorKind::Decode`]), a long outage ([`ErrorKind::Connection`]), an ephemeral
/// queue replaced ([`ErrorKind::Reconnected`]). Reconnections it recovers from are silent.
pub struct MessageStream<E> {
    inner: Pin<Box<dyn Stream<Item = Result<Message<E>, Error>> + Send>>,
    /// The connection now consumed from, for [`close`](Self::close).
    current: Arc<Current>,
    _event: PhantomData<fn() -> E>,
}

/// RabbitMQ's quorum queues may requeue messages whose acks arrive just before their channel
/// closes (rabbitmq-server#10327): closing waits this long after the last acks are written.
const ACKS_SETTLE: Duration = Duration::from_millis(200);

impl<E> MessageStream<E> {
    /// Stops consuming: sends the acks not sent yet, waits until they are written to the
    /// broker (and 200 ms more, for RabbitMQ's sake), and closes the channel and the connection. Call it
    /// before a program exits: dropping the stream does the same in the background, which a
    /// program that exits at once does not leave time for. Messages not acked by then are
    /// redelivered, to this queue's next consumer.
    ///
    /// Fails (kind [`ErrorKind::Channel`] or [`ErrorKind::Connection`]) if the connection was
    /// down, or went down before the acks were sent: the broker then redelivers what they were
    /// for.
    pub async fn close(self) -> Result<(), Error> {
        let handles = self.current.replace(None);
        // The stream's own connection handles are gone with it; `handles` keeps it open.
        drop(self);
        let Some(handles) = handles else {
            return Err(Error::new(
                ErrorKind::Connection,
                "not connected: the broker redelivers the messages whose acks were not sent",
            ));
        };
        match tokio::time::timeout(SETUP_TIMEOUT, handles.close()).await {
            Ok(result) => result,
            Err(_) => Err(Error::new(
                ErrorKind::Connection,
                format!(
                    "the connection did not close within {} s; the broker redelivers the \
                     messages whose acks were not sent",
                    SETUP_TIMEOUT.as_secs()
                ),
            )),
        }
    }
}

impl<E> Drop for MessageStream<E> {
    fn drop(&mut self) {
        // As `close`, in the background (without a runtime the connection just ends).
        if let (Some(handles), Ok(runtime)) = (
            self.current.replace(None),
            tokio::runtime::Handle::try_current(),
        ) {
            runtime.spawn(async move {
                let _ = tokio::time::timeout(SETUP_TIMEOUT, handles.close()).await;
            });
        }
    }
}

impl<E> Stream for MessageStream<E> {
    type Item = Result<Message<E>, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().inner.as_mut().poll_next(cx)
    }
}

impl<E> fmt::Debug for MessageStream<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MessageStream").finish_non_exhaustive()
    }
}

/// What the stream owns: the consumer's settings and its current connection, if any.
struct Worker {
    consumer: Consumer,
    queue: Queue,
    live: Option<Live>,
    current: Arc<Current>,
    /// Failed attempts (or unstable connections) since the last stable connection.
    failures: u32,
    /// When the current outage began, and when it was last reported.
    down_since: Instant,
    reported: Instant,
}

/// What the worker consumes with; [`Handles`] keep its connection open.
struct Live {
    liveness: Liveness,
    acks: Acks,
    deliveries: lapin::Consumer,
    up_since: Instant,
}

/// What closing a consumer's connection takes; also what keeps it open.
struct Handles {
    connection: Connection,
    channel: Channel,
    acks: Acks,
}

impl Handles {
    /// Sends the acks collected, lets them settle, closes the channel and the connection.
    async fn close(self) -> Result<(), Error> {
        self.acks.sent().await?;
        tokio::time::sleep(ACKS_SETTLE).await;
        self.channel
            .close(200, "OK".into())
            .await
            .map_err(|e| Error::amqp("cannot close the channel", e))?;
        self.connection
            .close(200, "OK".into())
            .await
            .map_err(|e| Error::amqp("cannot close the connection", e))
    }
}

/// The handles of the connection now consumed from, shared by the stream and its worker.
#[derive(Default)]
struct Current(Mutex<Option<Handles>>);

impl Current {
    fn replace(&self, handles: Option<Handles>) -> Option<Handles> {
        let mut current = self.0.lock().unwrap_or_else(|p| p.into_inner());
        std::mem::replace(&mut current, handles)
    }
}

impl Worker {
    async fn next<E: Event>(&mut self) -> Result<Message<E>, Error> {
        loop {
            if let Some(live) = &mut self.live {
                // A delivery already waiting (the usual case with a prefetch window) is taken
                // without arming the health-check timer: a timer per message costs more than
                // the rest of the stream's work.
                let next = match live.deliveries.next().now_or_never() {
                    Some(ready) => Ok(ready),
                    None => {
                        // The broker may be waiting for these before it sends more.
                        live.acks.flush();
                        tokio::time::timeout(HEALTH_CHECK, live.deliveries.next()).await
                    }
                };
                match next {
                    Ok(Some(Ok(delivery))) => {
                        return Message::from_delivery(delivery, &live.acks);
                    }
                    // Idle: check that lapin did not miss the end of the connection.
                    Err(_) if live.liveness.alive() => {}
                    // The channel or connection closed, or the broker cancelled us (the queue
                    // was deleted): start over. The broker requeues what we had not acked.
                    _ => {
                        if live.up_since.elapsed() >= STABLE {
                            self.failures = 0;
                        }
                        // `info`: nothing else tells the caller (a durable queue's stream
                        // just goes on after the reconnection).
                        info!(
                            pulse.url = self.consumer.config.redacted_url(),
                            "the Pulse connection was lost: reconnecting"
                        );
                        self.live = None;
                        self.current.replace(None);
                        self.down_since = Instant::now();
                        self.reported = self.down_since;
                    }
                }
                continue;
            }
            let pause = backoff(self.failures);
            tokio::time::sleep(pause).await;
            self.failures = self.failures.saturating_add(1);
            match setup(&self.consumer, &self.queue, &self.current, true).await {
                Ok(live) => {
                    self.live = Some(live);
                    info!(
                        pulse.url = self.consumer.config.redacted_url(),
                        pulse.attempts = self.failures,
                        pulse.down_ms = self.down_since.elapsed().as_secs_f64() * 1000.0,
                        "reconnected to Pulse"
                    );
                    if let Queue::Ephemeral = self.queue {
                        return Err(Error::new(
                            ErrorKind::Reconnected,
                            "the ephemeral queue was lost with its connection; messages \
                             published until its replacement was bound were missed",
                        ));
                    }
                }
                Err(e)
                    if log_failure(&e, pause, self.failures)
                        && self.reported.elapsed() >= self.consumer.outage_after =>
                {
                    self.reported = Instant::now();
                    let down = self.down_since.elapsed().as_secs();
                    let message = format!(
                        "no connection for {down} s, still retrying: {}",
                        e.message()
                    );
                    return Err(e.with_message(message));
                }
                Err(_) => {}
            }
        }
    }
}

/// A failed reconnection attempt, for `tracing` (`true`, to sit in a match guard).
fn log_failure(e: &Error, pause: Duration, attempt: u32) -> bool {
    debug!(
        pulse.attempts = attempt,
        pulse.pause_ms = pause.as_secs_f64() * 1000.0,
        error.type = ?e.kind(),
        error.message = e.message(),
        "reconnecting to Pulse failed"
    );
    true
}

/// One connection's setup, as Taskcluster's consumer does it on each connection: channel,
/// prefetch, queue, exchanges, bindings, consume. `again` after a lost connection.
async fn setup(
    consumer: &Consumer,
    queue: &Queue,
    current: &Current,
    again: bool,
) -> Result<Live, Error> {
    match tokio::time::timeout(SETUP_TIMEOUT, try_setup(consumer, queue, current, again)).await {
        Ok(result) => result,
        Err(_) => Err(Error::new(
            ErrorKind::Connection,
            format!(
                "no connection to {} after {} s",
                consumer.config.redacted_url(),
                SETUP_TIMEOUT.as_secs()
            ),
        )),
    }
}

async fn try_setup(
    consumer: &Consumer,
    queue: &Queue,
    current: &Current,
    again: bool,
) -> Result<Live, Error> {
    let config = &consumer.config;
    let (name, options, arguments) = match queue {
        Queue::Named(name) => {
            let mut arguments = FieldTable::default();
            arguments.insert(
                "x-queue-type".into(),
                AMQPValue::LongString("quorum".into()),
            );
            let options = QueueDeclareOptions {
                durable: true,
                ..Default::default()
            };
            (config.full_name("queue", name), options, arguments)
        }
        // A new name each time: the previous queue may not be deleted yet.
        Queue::Ephemeral => {
            let options = QueueDeclareOptions {
                exclusive: true,
                auto_delete: true,
                ..Default::default()
            };
            let name = config.full_name("queue", &crate::slugid::nice());
            (name, options, FieldTable::default())
        }
    };
    let queue = short(&name)?;
    let connection = connect(config, &format!("tc-runtime consumer of {name}")).await?;
    debug!(
        pulse.url = config.redacted_url(),
        server.address = config.uri.authority.host.as_str(),
        server.port = config.uri.authority.port,
        pulse.queue = name.as_str(),
        pulse.reconnect = again,
        "connected to Pulse"
    );
    let channel = connection
        .create_channel()
        .await
        .map_err(|e| Error::amqp("cannot open a channel", e))?;
    channel
        .basic_qos(consumer.prefetch, BasicQosOptions::default())
        .await
        .map_err(|e| Error::amqp("cannot set the prefetch", e))?;
    channel
        .queue_declare(queue.clone(), options, arguments)
        .await
        .map_err(|e| Error::amqp(&format!("cannot declare queue {name}"), e))?;
    let ours = config.full_name("exchange", "");
    let mut declared = BTreeSet::new();
    for binding in &consumer.bindings {
        let exchange = &binding.exchange;
        if exchange.starts_with(&ours) && declared.insert(exchange) {
            declare_exchange(&channel, exchange).await?;
        }
        let pattern = &binding.routing_key_pattern;
        channel
            .queue_bind(
                queue.clone(),
                short(exchange)?,
                short(pattern)?,
                QueueBindOptions::default(),
                FieldTable::default(),
            )
            .await
            .map_err(|e| {
                Error::amqp(
                    &format!("cannot bind {name} to {exchange} with {pattern}"),
                    e,
                )
            })?;
        debug!(
            pulse.queue = name.as_str(),
            pulse.exchange = exchange.as_str(),
            pulse.routing_key_pattern = pattern.as_str(),
            pulse.reconnect = again,
            "{}",
            if again {
                "re-bound the queue"
            } else {
                "bound the queue"
            }
        );
    }
    let deliveries = channel
        .basic_consume(
            queue,
            "".into(),
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await
        .map_err(|e| Error::amqp(&format!("cannot consume from {name}"), e))?;
    let liveness = Liveness::of(&connection, &channel);
    let acks = Acks::new(&channel, liveness.clone(), consumer.prefetch)?;
    let handles = Handles {
        connection,
        channel,
        acks: acks.clone(),
    };
    current.replace(Some(handles));
    Ok(Live {
        acks,
        liveness,
        deliveries,
        up_since: Instant::now(),
    })
}
