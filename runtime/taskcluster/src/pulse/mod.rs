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
mod connection;
mod consumer;
mod error;
mod message;
mod publisher;

/// The broker-independent half, shared with the generated event types.
pub use crate::events::{Binding, DecodeError, Event, decode_json};
pub use config::PulseConfig;
pub use consumer::{Consumer, MessageStream};
pub use error::{Error, ErrorKind};
pub use message::Message;
pub use publisher::Publisher;
