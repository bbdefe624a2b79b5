//! Events, and the messages that carry them with their acknowledgement.

use std::fmt;

use lapin::message::Delivery;
use lapin::types::AMQPValue;

use super::acks::Acks;
use super::error::Error;
use crate::events::Event;

/// A message from Pulse: its decoded payload and where it came from.
///
/// Acknowledge it with [`ack`](Self::ack) once handled, or [`nack`](Self::nack) it to have it
/// retried once. A message dropped without either is nacked as a failed handler's would be
/// (requeued the first time, dropped if it was redelivered), so that it does not hold a
/// prefetch slot forever.
pub struct Message<E> {
    /// The decoded payload.
    pub payload: E,
    /// The exchange it was published to.
    pub exchange: String,
    /// Its (primary) routing key.
    pub routing_key: String,
    /// Its `CC` routes that start with `route.`, without that prefix: a task's `routes`.
    pub routes: Vec<String>,
    /// Whether the broker delivered it before (to this consumer or another) without an ack.
    pub redelivered: bool,
    /// Its delivery tag on the channel of `acks`.
    tag: u64,
    /// Until it is acked or nacked.
    acks: Option<Acks>,
}

impl<E: Event> Message<E> {
    /// Decodes a delivery; one that does not decode is dropped (nack without requeue, since it
    /// never will) and reported as the error.
    pub(super) fn from_delivery(delivery: Delivery, acks: &Acks) -> Result<Message<E>, Error> {
        acks.delivered(delivery.delivery_tag);
        let exchange = delivery.exchange.to_string();
        let routing_key = delivery.routing_key.to_string();
        match E::decode(&exchange, &routing_key, &delivery.data) {
            Ok(payload) => Ok(Message {
                payload,
                routes: routes(&delivery),
                exchange,
                routing_key,
                redelivered: delivery.redelivered,
                tag: delivery.delivery_tag,
                acks: Some(acks.clone()),
            }),
            Err(e) => {
                // If this nack fails the channel is gone and the broker redelivers it: reported
                // again then.
                let _ = acks.nack(delivery.delivery_tag, false);
                let error = Error::decode(e, &routing_key, delivery.data);
                // `debug`: the stream yields the error too.
                tracing::debug!(
                    pulse.exchange = exchange.as_str(),
                    pulse.routing_key = routing_key.as_str(),
                    error.message = error.message(),
                    "a Pulse message did not decode"
                );
                Err(error)
            }
        }
    }
}

/// The `CC` header's `route.<r>` entries, as `<r>`.
fn routes(delivery: &Delivery) -> Vec<String> {
    let cc = delivery
        .properties
        .headers()
        .as_ref()
        .and_then(|h| h.inner().get("CC"));
    let Some(AMQPValue::FieldArray(cc)) = cc else {
        return Vec::new();
    };
    cc.as_slice()
        .iter()
        .filter_map(|v| match v {
            AMQPValue::LongString(s) => std::str::from_utf8(s.as_bytes()).ok(),
            AMQPValue::ShortString(s) => Some(s.as_str()),
            _ => None,
        })
        .filter_map(|s| s.strip_prefix("route."))
        .map(String::from)
        .collect()
}

impl<E> Message<E> {
    /// Acknowledges the message: the broker forgets it.
    ///
    /// This returns before the ack is sent: acks go in runs, one AMQP ack for many
    /// consecutive messages, at the latest when half the prefetch window is acked, when the
    /// stream next waits for the broker, or 20 ms later. An ack that a message still being
    /// handled keeps out of a run (when messages are handled concurrently) is sent alone at
    /// that point. If the connection drops before then, the broker redelivers the message, as
    /// it would had the ack been lost on the way.
    /// [`MessageStream::close`](super::MessageStream::close) sends the last ones.
    ///
    /// Fails (kind [`ErrorKind::Channel`](super::ErrorKind::Channel)) if the channel it came
    /// on has closed since, as on a reconnect: the broker then redelivers the message.
    pub async fn ack(mut self) -> Result<(), Error> {
        let acks = self.acks.take().expect("acked or nacked once");
        acks.ack(self.tag)
    }

    /// Rejects the message, as Taskcluster's consumers do when a handler fails: a first
    /// delivery is requeued (retried once), one that was already redelivered is dropped. The
    /// nack is sent at once (after the acks made before it).
    ///
    /// Fails (kind [`ErrorKind::Channel`](super::ErrorKind::Channel)) if the channel it came
    /// on has closed since: the broker then redelivers the message.
    pub async fn nack(mut self) -> Result<(), Error> {
        let acks = self.acks.take().expect("acked or nacked once");
        acks.nack(self.tag, !self.redelivered)
    }
}

impl<E> Drop for Message<E> {
    fn drop(&mut self) {
        // Neither acked nor nacked: treat it as a failed handler. If the channel has closed
        // the broker requeues it anyway.
        if let Some(acks) = self.acks.take() {
            let _ = acks.nack(self.tag, !self.redelivered);
        }
    }
}

impl<E: fmt::Debug> fmt::Debug for Message<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Message")
            .field("payload", &self.payload)
            .field("exchange", &self.exchange)
            .field("routing_key", &self.routing_key)
            .field("routes", &self.routes)
            .field("redelivered", &self.redelivered)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pulse::ErrorKind;

    #[test]
    fn decode_errors_become_error_items() {
        let ex = "exchange/x/v1/y";
        let e = super::super::decode_json::<Vec<u32>>(ex, br#"[1, "two"]"#).unwrap_err();
        let e = Error::decode(e, "primary.x", br#"[1, "two"]"#.to_vec());
        assert_eq!(e.kind(), ErrorKind::Decode);
        assert_eq!(
            (e.exchange(), e.routing_key(), e.json_path()),
            (Some(ex), Some("primary.x"), Some("[1]"))
        );
        assert_eq!(
            e.to_string(),
            "cannot decode message: invalid type: string \"two\", expected u32 at line 1 column 9 \
             (exchange exchange/x/v1/y, routing key primary.x, at [1])"
        );
        assert_eq!(e.payload(), Some(&br#"[1, "two"]"#[..]));
        assert!(format!("{e:?}").contains("payload: 10 bytes"), "{e:?}");
    }
}
