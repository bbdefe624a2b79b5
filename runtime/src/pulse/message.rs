//! Events, and the messages that carry them with their acknowledgement.

use std::fmt;

use lapin::Acker;
use lapin::message::Delivery;
use lapin::options::{BasicAckOptions, BasicNackOptions};
use lapin::types::AMQPValue;

use super::{Error, ErrorKind, Event, Liveness};

/// A message from Pulse: its decoded payload and where it came from.
///
/// Acknowledge it with [`ack`](Self::ack) once handled, or [`nack`](Self::nack) it to have it
/// retried once. A message dropped without either is nacked in the background, so that it
/// neither holds a prefetch slot forever nor is lost.
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
    acker: Option<Acker>,
    liveness: Liveness,
}

impl<E: Event> Message<E> {
    /// Decodes a delivery; one that does not decode is dropped (nack without requeue, since it
    /// never will) and reported as the error.
    pub(super) async fn from_delivery(
        delivery: Delivery,
        liveness: &Liveness,
    ) -> Result<Message<E>, Error> {
        let exchange = delivery.exchange.to_string();
        let routing_key = delivery.routing_key.to_string();
        match E::decode(&exchange, &routing_key, &delivery.data) {
            Ok(payload) => Ok(Message {
                payload,
                routes: routes(&delivery),
                exchange,
                routing_key,
                redelivered: delivery.redelivered,
                acker: Some(delivery.acker),
                liveness: liveness.clone(),
            }),
            Err(e) => {
                // If this nack fails the channel is gone and the broker redelivers it: reported
                // again then.
                let drop_it = BasicNackOptions {
                    requeue: false,
                    ..Default::default()
                };
                let _ = settle(&delivery.acker, liveness, Settle::Nack(drop_it)).await;
                Err(Error::decode(e, &routing_key))
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
    /// Fails (kind [`ErrorKind::Channel`]) if the channel it came on has closed since, as on a
    /// reconnect: the broker then redelivers the message.
    pub async fn ack(mut self) -> Result<(), Error> {
        let acker = self.acker.take().expect("acked or nacked once");
        settle(&acker, &self.liveness, Settle::Ack).await
    }

    /// Rejects the message, as Taskcluster's consumers do when a handler fails: a first
    /// delivery is requeued (retried once), one that was already redelivered is dropped.
    ///
    /// Fails (kind [`ErrorKind::Channel`]) if the channel it came on has closed since: the
    /// broker then redelivers the message.
    pub async fn nack(mut self) -> Result<(), Error> {
        let acker = self.acker.take().expect("acked or nacked once");
        settle(
            &acker,
            &self.liveness,
            Settle::Nack(nack_options(self.redelivered)),
        )
        .await
    }
}

enum Settle {
    Ack,
    Nack(BasicNackOptions),
}

fn nack_options(redelivered: bool) -> BasicNackOptions {
    BasicNackOptions {
        multiple: false,
        requeue: !redelivered,
    }
}

async fn settle(acker: &Acker, liveness: &Liveness, how: Settle) -> Result<(), Error> {
    let (what, result) = match how {
        Settle::Ack => (
            "ack",
            liveness
                .unless_down(acker.ack(BasicAckOptions::default()))
                .await,
        ),
        Settle::Nack(options) => ("nack", liveness.unless_down(acker.nack(options)).await),
    };
    match result {
        Some(Ok(true)) => Ok(()),
        // Lapin's word for a channel that has closed.
        Some(Ok(false)) | None => Err(Error::new(
            ErrorKind::Channel,
            format!(
                "cannot {what}: the channel the message came on has closed; the broker redelivers it"
            ),
        )),
        Some(Err(e)) => Err(Error::amqp(&format!("cannot {what}"), e)),
    }
}

impl<E> Drop for Message<E> {
    fn drop(&mut self) {
        // Neither acked nor nacked: treat it as a failed handler. Without a runtime the
        // channel's closing requeues it.
        if let (Some(acker), Ok(runtime)) =
            (self.acker.take(), tokio::runtime::Handle::try_current())
        {
            let (options, liveness) = (nack_options(self.redelivered), self.liveness.clone());
            runtime.spawn(async move { settle(&acker, &liveness, Settle::Nack(options)).await });
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

    #[test]
    fn decode_errors_become_error_items() {
        let ex = "exchange/x/v1/y";
        let e = super::super::decode_json::<Vec<u32>>(ex, br#"[1, "two"]"#).unwrap_err();
        let e = Error::decode(e, "primary.x");
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
    }
}
