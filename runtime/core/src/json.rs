//! Answers read as JSON: one document parsed with the path of a mismatch, and
//! `application/x-json-stream` (one JSON document per line) decoded as the bytes arrive.

use std::error::Error as StdError;

use bytes::Bytes;
use futures_core::Stream;
use futures_util::StreamExt;
use reqwest::Method;
use serde::de::DeserializeOwned;

use crate::error::{Error, ErrorKind, Result};

/// What the errors of reading an answer say about the call that produced it.
#[derive(Clone, Debug)]
pub(crate) struct CallInfo {
    pub(crate) method: Method,
    pub(crate) url: String,
    pub(crate) status: u16,
    pub(crate) attempts: u32,
    /// The request and trace ids the answer gave.
    pub(crate) ids: (Option<String>, Option<String>),
}

impl CallInfo {
    pub(crate) fn error(&self, kind: ErrorKind, message: impl Into<String>) -> Error {
        Error::new(kind, message)
            .with_call(&self.method, &self.url, self.attempts)
            .with_response(self.status, self.ids.0.clone(), self.ids.1.clone())
    }

    /// The error for a document that is not a `T`: where in it, and which item (from 0).
    pub(crate) fn schema_error<E: std::fmt::Display>(
        &self,
        item: Option<usize>,
        e: &serde_path_to_error::Error<E>,
    ) -> Error {
        let inner = e.path().to_string();
        let path = match (item, inner.as_str()) {
            (None, _) => inner,
            (Some(n), ".") => format!("[{n}]"),
            (Some(n), _) => format!("[{n}].{inner}"),
        };
        self.error(ErrorKind::Schema, e.inner().to_string())
            .with_schema_path(path)
    }
}

/// Parses one document as `T`; a mismatch says where (tracking the path costs time, so only a
/// failed parse is repeated with it) and keeps the document ([`Error::document`]).
pub(crate) fn parse<T: DeserializeOwned>(
    json: &[u8],
    item: Option<usize>,
    call: &CallInfo,
) -> Result<T> {
    if let Ok(value) = serde_json::from_slice(json) {
        return Ok(value);
    }
    let document = || Bytes::copy_from_slice(json);
    let mut de = serde_json::Deserializer::from_slice(json);
    let value = serde_path_to_error::deserialize(&mut de)
        .map_err(|e| call.schema_error(item, &e).with_document(document()))?;
    de.end().map_err(|e| {
        call.error(ErrorKind::Schema, e.to_string())
            .with_schema_path(item.map_or_else(|| ".".to_owned(), |n| format!("[{n}]")))
            .with_document(document())
    })?;
    Ok(value)
}

struct Lines<S> {
    body: S,
    buffer: Vec<u8>,
    /// Where the next line starts in `buffer`.
    start: usize,
    /// Up to where `buffer` (from `start`) is known to hold no newline.
    scanned: usize,
    ended: bool,
    broken: bool,
    item: usize,
    call: CallInfo,
}

/// The documents of `body`, one per non-blank line, each yielded as soon as its line is complete.
///
/// A line that is not a `T` is an error item and the stream goes on (the framing is intact); a
/// transport failure is a last error item.
pub(crate) fn decode<T, S, E>(body: S, call: CallInfo) -> impl Stream<Item = Result<T>> + Send
where
    T: DeserializeOwned + Send + 'static,
    S: Stream<Item = std::result::Result<Bytes, E>> + Send + Unpin + 'static,
    E: StdError + Send + Sync + 'static,
{
    let state = Lines {
        body,
        buffer: Vec::new(),
        start: 0,
        scanned: 0,
        ended: false,
        broken: false,
        item: 0,
        call,
    };
    futures_util::stream::unfold(state, |mut s| async move {
        loop {
            if s.broken {
                return None;
            }
            let newline = s.buffer[s.scanned..].iter().position(|&b| b == b'\n');
            let end = match newline {
                Some(i) => s.scanned + i,
                None if s.ended => s.buffer.len(),
                None => {
                    s.scanned = s.buffer.len();
                    match s.body.next().await {
                        Some(Ok(chunk)) => {
                            // Drop what was consumed before growing, so memory follows the
                            // longest line rather than the whole answer.
                            if s.start > 0 {
                                s.buffer.drain(..s.start);
                                s.scanned -= s.start;
                                s.start = 0;
                            }
                            s.buffer.extend_from_slice(&chunk);
                        }
                        Some(Err(e)) => {
                            s.broken = true;
                            let error = s
                                .call
                                .error(ErrorKind::Transport, "the stream broke off")
                                .with_source(e);
                            return Some((Err(error), s));
                        }
                        None => s.ended = true,
                    }
                    continue;
                }
            };
            let line = &s.buffer[s.start..end];
            let blank = line.iter().all(u8::is_ascii_whitespace);
            let parsed = (!blank).then(|| parse::<T>(line, Some(s.item), &s.call));
            s.start = (end + 1).min(s.buffer.len());
            s.scanned = s.start;
            if let Some(parsed) = parsed {
                s.item += 1;
                return Some((parsed, s));
            }
            if s.ended && s.start >= s.buffer.len() {
                return None;
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::StreamExt;
    use futures_util::stream;

    #[derive(serde::Deserialize, Debug, PartialEq)]
    struct Rse {
        rse: String,
        deterministic: bool,
    }

    fn call() -> CallInfo {
        CallInfo {
            method: Method::GET,
            url: "http://127.0.0.1:1/rses/".into(),
            status: 200,
            attempts: 1,
            ids: (None, None),
        }
    }

    fn chunks(parts: &[&'static str]) -> impl Stream<Item = std::io::Result<Bytes>> + Unpin {
        stream::iter(
            parts
                .iter()
                .map(|p| Ok(Bytes::from_static(p.as_bytes())))
                .collect::<Vec<_>>(),
        )
    }

    #[tokio::test]
    async fn lines_split_anywhere_and_blank_lines() {
        let body = chunks(&[
            "{\"rse\": \"A\", \"deterministic\"",
            ": true}\n\n{\"rse\": \"B\", \"deterministic\": false}\r\n{\"rse\"",
            ": \"C\", \"deterministic\": true}",
        ]);
        let items: Vec<Rse> = decode(body, call())
            .map(|r: Result<Rse>| r.unwrap())
            .collect()
            .await;
        assert_eq!(
            items.iter().map(|r| r.rse.as_str()).collect::<Vec<_>>(),
            ["A", "B", "C"]
        );
        assert!(!items[1].deterministic);
        let none: Vec<Result<Rse>> = decode(chunks(&["", "\n \n"]), call()).collect().await;
        assert!(none.is_empty());
    }

    #[tokio::test]
    async fn items_come_before_the_body_ends() {
        // The body's sender stays open: an item can only come out if it is decoded from what
        // has arrived so far.
        let (tx, rx) = futures_channel_like();
        let mut items = Box::pin(decode::<Rse, _, _>(rx, call()));
        tx.send(Ok(Bytes::from_static(
            b"{\"rse\": \"A\", \"deterministic\": true}\n{\"rse\"",
        )))
        .unwrap();
        let first = items.next().await.unwrap().unwrap();
        assert_eq!(first.rse, "A");
        tx.send(Ok(Bytes::from_static(
            b": \"B\", \"deterministic\": true}\n",
        )))
        .unwrap();
        assert_eq!(items.next().await.unwrap().unwrap().rse, "B");
        drop(tx);
        assert!(items.next().await.is_none());
    }

    /// An unbounded channel as a body stream (tokio's, to need no other dependency).
    fn futures_channel_like() -> (
        tokio::sync::mpsc::UnboundedSender<std::io::Result<Bytes>>,
        impl Stream<Item = std::io::Result<Bytes>> + Send + Unpin + 'static,
    ) {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let rx = stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|v| (v, rx)) });
        (tx, Box::pin(rx))
    }

    #[tokio::test]
    async fn a_bad_item_is_an_error_and_the_stream_goes_on() {
        let body = chunks(&[
            "{\"rse\": \"A\", \"deterministic\": true}\n",
            "{\"rse\": \"B\", \"deterministic\": \"yes\"}\n",
            "not json\n",
            "{\"rse\": \"D\", \"deterministic\": true}\n",
        ]);
        let items: Vec<Result<Rse>> = decode(body, call()).collect().await;
        assert_eq!(items.len(), 4);
        let bad = items[1].as_ref().unwrap_err();
        assert_eq!(bad.kind(), ErrorKind::Schema);
        assert_eq!(bad.schema_path(), Some("[1].deterministic"));
        // The line is kept, as it came.
        assert_eq!(
            bad.document(),
            Some(&b"{\"rse\": \"B\", \"deterministic\": \"yes\"}"[..])
        );
        assert_eq!(
            items[2].as_ref().unwrap_err().document(),
            Some(&b"not json"[..])
        );
        assert_eq!(bad.url(), Some("http://127.0.0.1:1/rses/"));
        assert_eq!(items[2].as_ref().unwrap_err().schema_path(), Some("[2]"));
        assert_eq!(items[3].as_ref().unwrap().rse, "D");
    }

    #[tokio::test]
    async fn a_broken_body_ends_the_stream_with_an_error() {
        let body = stream::iter(vec![
            Ok(Bytes::from_static(
                b"{\"rse\": \"A\", \"deterministic\": true}\n{\"rse\"",
            )),
            Err(std::io::Error::other("connection reset")),
            Ok(Bytes::from_static(b"never read")),
        ]);
        let items: Vec<Result<Rse>> = decode(body, call()).collect().await;
        assert_eq!(items.len(), 2);
        let err = items[1].as_ref().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Transport);
        assert!(std::error::Error::source(err).is_some());
    }
}
