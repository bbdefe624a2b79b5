//! Taskcluster's Pulse events without a broker: what a binding is, routing keys as
//! `exchanges.json` describes them (binding patterns from the fields a consumer cares about, the
//! fields of a concrete routing key), and decoding a message. The generated `events` modules
//! describe each exchange with [`KeyPart`]s and implement [`Event`] for each service's messages;
//! consuming from a broker is `crate::pulse`'s (feature `pulse`).

use std::fmt;

use serde::de::DeserializeOwned;

/// What a queue is bound to: an exchange and a topic pattern.
///
/// `routing_key_pattern` is an AMQP topic pattern: words separated by `.`, `*` for exactly one
/// word, `#` for any number. Taskcluster's routing keys start with `primary.` and messages also
/// reach `route.<r>` for each of a task's routes (the `CC` header), so a binding whose pattern
/// starts with `route.` selects messages by route.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Binding {
    /// The full exchange name, for example `exchange/taskcluster-queue/v1/task-completed`.
    pub exchange: String,
    /// The topic pattern, for example `primary.*.*.*.*.*.my-worker-type.#`.
    pub routing_key_pattern: String,
}

impl Binding {
    /// A binding to `exchange` with `routing_key_pattern`.
    pub fn new(exchange: impl Into<String>, routing_key_pattern: impl Into<String>) -> Binding {
        Binding {
            exchange: exchange.into(),
            routing_key_pattern: routing_key_pattern.into(),
        }
    }
}

/// A message type a consumer can decode: generated per service as an enum of its exchanges'
/// messages, or [`serde_json::Value`] for any JSON.
pub trait Event: Sized + Send + 'static {
    /// Decodes a message that arrived from `exchange` with `routing_key`.
    fn decode(exchange: &str, routing_key: &str, payload: &[u8]) -> Result<Self, DecodeError>;
}

/// Any JSON payload, undecoded.
impl Event for serde_json::Value {
    fn decode(exchange: &str, _routing_key: &str, payload: &[u8]) -> Result<Self, DecodeError> {
        decode_json(exchange, payload)
    }
}

/// Decodes a JSON payload as `T`, saying where it does not fit.
pub fn decode_json<T: DeserializeOwned>(exchange: &str, payload: &[u8]) -> Result<T, DecodeError> {
    // Tracking the path slows a parse down: only a failed parse is redone with it.
    if let Ok(value) = serde_json::from_slice(payload) {
        return Ok(value);
    }
    let mut de = serde_json::Deserializer::from_slice(payload);
    let value = serde_path_to_error::deserialize(&mut de)
        .map_err(|e| DecodeError::new(exchange, e.path().to_string(), e.inner().to_string()))?;
    de.end()
        .map_err(|e| DecodeError::new(exchange, ".", e.to_string()))?;
    Ok(value)
}

/// Why a payload is not a valid event: the exchange it came from, the JSON path of the offending
/// field (`.` for the whole document) and what is wrong there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodeError {
    exchange: String,
    path: String,
    message: String,
}

impl DecodeError {
    /// A decode error of a message from `exchange`, at `path`.
    pub fn new(
        exchange: impl Into<String>,
        path: impl Into<String>,
        message: impl Into<String>,
    ) -> DecodeError {
        DecodeError {
            exchange: exchange.into(),
            path: path.into(),
            message: message.into(),
        }
    }

    /// The exchange the message came from.
    pub fn exchange(&self) -> &str {
        &self.exchange
    }

    /// The JSON path of the offending field.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// What is wrong there.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "message from {} does not decode at {}: {}",
            self.exchange, self.path, self.message
        )
    }
}

impl std::error::Error for DecodeError {}

/// One entry of a routing key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeyPart {
    /// `taskId`.
    pub name: &'static str,
    /// The one value the entry has (`primary` for `routingKeyKind`).
    pub constant: Option<&'static str>,
    /// Whether the entry spans any number of words (at most one entry does).
    pub multiple_words: bool,
}

impl KeyPart {
    /// An entry of one word.
    pub const fn word(name: &'static str) -> KeyPart {
        KeyPart {
            name,
            constant: None,
            multiple_words: false,
        }
    }

    /// An entry of any number of words.
    pub const fn words(name: &'static str) -> KeyPart {
        KeyPart {
            name,
            constant: None,
            multiple_words: true,
        }
    }

    /// An entry that is always `value`.
    pub const fn constant(name: &'static str, value: &'static str) -> KeyPart {
        KeyPart {
            name,
            constant: Some(value),
            multiple_words: false,
        }
    }
}

/// The binding pattern for `parts` with `values` (one per part; constants ignore theirs): a
/// constant, else the given value, else `*` (one word) or `#` (several), as Taskcluster's
/// clients write it. To match messages without a value (a task with no run), pass `_`, which is
/// what services publish for a missing value.
pub fn pattern(parts: &[KeyPart], values: &[Option<&str>]) -> String {
    let words: Vec<&str> = parts
        .iter()
        .zip(values.iter().chain(std::iter::repeat(&None)))
        .map(|(part, value)| match (part.constant, value) {
            (Some(constant), _) => constant,
            (None, Some(value)) => value,
            (None, None) if part.multiple_words => "#",
            (None, None) => "*",
        })
        .collect();
    words.join(".")
}

/// The value of each part in a concrete `routing_key`, or `None` if the key does not have this
/// shape (too few words, a constant that differs). Single-word parts take words from the front
/// and the back; the multiple-word part, if any, the middle. `_` (a service's "no value") reads
/// as `None`, and so does a multiple-word part with no words.
pub fn parse(parts: &[KeyPart], routing_key: &str) -> Option<Vec<Option<String>>> {
    let words: Vec<&str> = routing_key.split('.').collect();
    let multi = parts.iter().position(|p| p.multiple_words);
    let singles = parts.len() - usize::from(multi.is_some());
    if words.len() < singles || (multi.is_none() && words.len() != singles) {
        return None;
    }
    let value = |part: &KeyPart, word: String| -> Option<Option<String>> {
        match part.constant {
            Some(c) if c != word => None,
            _ => Some((word != "_" && !word.is_empty()).then_some(word)),
        }
    };
    let mut out = Vec::with_capacity(parts.len());
    let split = multi.unwrap_or(parts.len());
    for (part, word) in parts[..split].iter().zip(&words) {
        out.push(value(part, (*word).to_owned())?);
    }
    if let Some(m) = multi {
        let tail = parts.len() - m - 1;
        let middle = words[m..words.len() - tail].join(".");
        out.push(value(&parts[m], middle)?);
        for (part, word) in parts[m + 1..].iter().zip(&words[words.len() - tail..]) {
            out.push(value(part, (*word).to_owned())?);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TASK: &[KeyPart] = &[
        KeyPart::constant("routingKeyKind", "primary"),
        KeyPart::word("taskId"),
        KeyPart::word("runId"),
        KeyPart::word("workerGroup"),
        KeyPart::word("workerId"),
        KeyPart::word("provisionerId"),
        KeyPart::word("workerType"),
        KeyPart::word("schedulerId"),
        KeyPart::word("taskGroupId"),
        KeyPart::words("reserved"),
    ];

    #[test]
    fn patterns_as_the_js_and_python_clients_write_them() {
        let mut values = vec![None; TASK.len()];
        values[6] = Some("gaia");
        assert_eq!(pattern(TASK, &values), "primary.*.*.*.*.*.gaia.*.*.#");
        // The Python client's test vector: fields routingKeyKind, norm1, norm2, norm3, multi.
        let fake = [
            KeyPart::constant("routingKeyKind", "primary"),
            KeyPart::word("norm1"),
            KeyPart::word("norm2"),
            KeyPart::word("norm3"),
            KeyPart::words("multi"),
        ];
        assert_eq!(pattern(&fake, &[]), "primary.*.*.*.#");
        assert_eq!(
            pattern(&fake, &[None, None, Some("value2")]),
            "primary.*.value2.*.#"
        );
    }

    #[test]
    fn routing_keys_parse_from_both_ends() {
        // Taskcluster's consumer test vector: [verb, object, remainder*].
        let parts = [
            KeyPart::word("verb"),
            KeyPart::word("object"),
            KeyPart::words("remainder"),
        ];
        assert_eq!(
            parse(&parts, "greetings.earthling.foo.bar.bing").unwrap(),
            [
                Some("greetings".into()),
                Some("earthling".into()),
                Some("foo.bar.bing".into())
            ]
        );
        let key = "primary.T.0.wg.wi.prov.wt.sched.G._";
        let v = parse(TASK, key).unwrap();
        assert_eq!(v[1].as_deref(), Some("T"));
        assert_eq!(v[8].as_deref(), Some("G"));
        assert_eq!(v[9], None, "`_` is no value");
        let v = parse(TASK, "primary.T._._._.prov.wt.sched.G._").unwrap();
        assert_eq!((v[2].clone(), v[3].clone()), (None, None));
        assert!(parse(TASK, "secondary.T.0.wg.wi.prov.wt.sched.G._").is_none());
        assert!(parse(TASK, "primary.T.0").is_none());
        // A middle part in the middle: notify's `primary.<topic...>`.
        let notify = [
            KeyPart::constant("routingKeyKind", "primary"),
            KeyPart::words("topic"),
        ];
        assert_eq!(
            parse(&notify, "primary.a.b.c").unwrap()[1].as_deref(),
            Some("a.b.c")
        );
        assert_eq!(parse(&notify, "primary").unwrap()[1], None);
    }
}
