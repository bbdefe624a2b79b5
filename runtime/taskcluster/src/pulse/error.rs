//! The errors of the pulse module. None of them ever holds a password: connection strings are
//! never quoted, and lapin's errors do not carry credentials.

use std::error::Error as StdError;
use std::fmt;

use super::DecodeError;

/// What went wrong; see [`Error::kind`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Bad configuration: environment, connection string, a name longer than AMQP's 255 bytes.
    Config,
    /// The broker cannot be reached, or a consumer's connection has been down for its
    /// [`outage_after`](super::Consumer::outage_after) period (the stream goes on retrying).
    Connection,
    /// The broker refused the user name and password.
    Authentication,
    /// The broker refused an operation on a channel: access refused, an exchange that does not
    /// exist, a queue that exists with other arguments; or an ack or nack on a channel that has
    /// closed since (the broker redelivers that message).
    Channel,
    /// The broker did not confirm a published message before the send deadline.
    Publish,
    /// A message's payload did not decode as the event type ([`Error::json_path`] says where);
    /// the message was dropped (nack without requeue) since it can never decode, and its bytes
    /// are in [`Error::payload`].
    Decode,
    /// An ephemeral consumer lost its queue with its connection and now consumes from a new
    /// one: messages published in between were missed (Taskcluster's `onConnected`).
    Reconnected,
}

impl ErrorKind {
    fn describe(self) -> &'static str {
        match self {
            ErrorKind::Config => "invalid configuration",
            ErrorKind::Connection => "connection error",
            ErrorKind::Authentication => "authentication failed",
            ErrorKind::Channel => "refused by the broker",
            ErrorKind::Publish => "publish not confirmed",
            ErrorKind::Decode => "cannot decode message",
            ErrorKind::Reconnected => "reconnected on a new ephemeral queue",
        }
    }
}

/// An error from Pulse: configuration, connection, channel, publishing or decoding.
pub struct Error {
    inner: Box<Inner>,
}

struct Inner {
    kind: ErrorKind,
    message: String,
    exchange: Option<String>,
    routing_key: Option<String>,
    json_path: Option<String>,
    payload: Option<Vec<u8>>,
    source: Option<lapin::Error>,
}

impl Error {
    pub(crate) fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error {
            inner: Box::new(Inner {
                kind,
                message: message.into(),
                exchange: None,
                routing_key: None,
                json_path: None,
                payload: None,
                source: None,
            }),
        }
    }

    /// An error from lapin while doing `what`: a channel-level (soft) AMQP error is the broker
    /// refusing that operation, anything else a connection problem.
    pub(crate) fn amqp(what: &str, error: lapin::Error) -> Error {
        let kind = if error.is_amqp_soft_error() {
            ErrorKind::Channel
        } else {
            ErrorKind::Connection
        };
        let mut e = Error::new(kind, format!("{what}: {error}"));
        e.inner.source = Some(error);
        e
    }

    /// A message that did not decode: `payload` is what arrived.
    pub(crate) fn decode(e: DecodeError, routing_key: &str, payload: Vec<u8>) -> Error {
        let mut error = Error::new(ErrorKind::Decode, e.message());
        error.inner.exchange = Some(e.exchange().into());
        error.inner.routing_key = Some(routing_key.into());
        error.inner.json_path = Some(e.path().into());
        error.inner.payload = Some(payload);
        error
    }

    pub(crate) fn with_kind(mut self, kind: ErrorKind) -> Error {
        self.inner.kind = kind;
        self
    }

    pub(crate) fn with_message(mut self, message: String) -> Error {
        self.inner.message = message;
        self
    }

    pub(crate) fn message(&self) -> &str {
        &self.inner.message
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> ErrorKind {
        self.inner.kind
    }

    /// For [`ErrorKind::Decode`]: the exchange the message came from.
    pub fn exchange(&self) -> Option<&str> {
        self.inner.exchange.as_deref()
    }

    /// For [`ErrorKind::Decode`]: the message's routing key.
    pub fn routing_key(&self) -> Option<&str> {
        self.inner.routing_key.as_deref()
    }

    /// For [`ErrorKind::Decode`]: the JSON path of the offending field (`.` for the whole
    /// document), as [`crate::Error::schema_path`] writes it.
    pub fn json_path(&self) -> Option<&str> {
        self.inner.json_path.as_deref()
    }

    /// For [`ErrorKind::Decode`]: the payload as it arrived, to keep or publish elsewhere (the
    /// broker has dropped the message). Neither `Display` nor `Debug` shows it.
    pub fn payload(&self) -> Option<&[u8]> {
        self.inner.payload.as_deref()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.inner;
        write!(f, "{}: {}", i.kind.describe(), i.message)?;
        if let Some(exchange) = &i.exchange {
            write!(f, " (exchange {exchange}")?;
            if let Some(key) = &i.routing_key {
                write!(f, ", routing key {key}")?;
            }
            if let Some(path) = &i.json_path {
                write!(f, ", at {path}")?;
            }
            f.write_str(")")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.inner;
        let mut d = f.debug_struct("pulse::Error");
        d.field("kind", &i.kind).field("message", &i.message);
        if let Some(v) = &i.exchange {
            d.field("exchange", v);
        }
        if let Some(v) = &i.routing_key {
            d.field("routing_key", v);
        }
        if let Some(v) = &i.json_path {
            d.field("json_path", v);
        }
        if let Some(v) = &i.payload {
            d.field("payload", &format_args!("{} bytes", v.len()));
        }
        d.finish()
    }
}

impl StdError for Error {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.inner
            .source
            .as_ref()
            .map(|e| e as &(dyn StdError + 'static))
    }
}
