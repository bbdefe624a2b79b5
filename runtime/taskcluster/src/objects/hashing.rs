//! SHA-256 and SHA-512 of data as it streams by, and Taskcluster's rules for checking them.
//!
//! Small data is hashed in place; past [`THREADED_AFTER`] bytes each hash moves to a worker
//! thread of its own, so that the two hashes and the transfer run side by side (SHA-512 alone
//! is slower than a loopback socket).

use std::collections::BTreeMap;
use std::io;

use aws_lc_rs::digest::{Context, SHA256, SHA512};
use bytes::Bytes;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::{Error, ErrorKind, Result};

/// Hex digests of an object's content, as Taskcluster's `hashes` holds them.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Hashes {
    /// Lower-case hex SHA-256.
    pub sha256: String,
    /// Lower-case hex SHA-512.
    pub sha512: String,
}

impl Hashes {
    /// The hashes of `data`.
    pub fn of(data: &[u8]) -> Hashes {
        let (mut a, mut b) = (Context::new(&SHA256), Context::new(&SHA512));
        a.update(data);
        b.update(data);
        Hashes {
            sha256: hex(a.finish().as_ref()),
            sha512: hex(b.finish().as_ref()),
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 15)] as char);
    }
    s
}

/// Beyond this many bytes, hashing moves to worker threads.
pub(crate) const THREADED_AFTER: u64 = 1 << 20;

/// Chunks queued for a worker: bounds memory (chunks are at most a few hundred KiB).
const QUEUE: usize = 16;

/// A blocking worker fed chunks through a bounded queue (hashing, writing a file).
pub(crate) struct Worker<T> {
    tx: Option<mpsc::Sender<Bytes>>,
    handle: JoinHandle<io::Result<T>>,
}

impl<T: Send + 'static> Worker<T> {
    pub(crate) fn spawn(
        mut state: T,
        mut work: impl FnMut(&mut T, &[u8]) -> io::Result<()> + Send + 'static,
    ) -> Self {
        let (tx, mut rx) = mpsc::channel::<Bytes>(QUEUE);
        let handle = tokio::task::spawn_blocking(move || {
            while let Some(chunk) = rx.blocking_recv() {
                work(&mut state, &chunk)?;
            }
            Ok(state)
        });
        Worker {
            tx: Some(tx),
            handle,
        }
    }

    pub(crate) async fn send(&mut self, chunk: Bytes) -> io::Result<()> {
        let sent = match &self.tx {
            Some(tx) => tx.send(chunk).await.is_ok(),
            None => false,
        };
        if sent {
            return Ok(());
        }
        // The worker stopped early: that was an error; report it.
        self.tx = None;
        match (&mut self.handle).await {
            Ok(Err(e)) => Err(e),
            Ok(Ok(_)) => Err(io::Error::other("worker stopped")),
            Err(e) => Err(io::Error::other(e)),
        }
    }

    pub(crate) async fn finish(mut self) -> io::Result<T> {
        self.tx = None;
        (&mut self.handle).await.map_err(io::Error::other)?
    }
}

/// SHA-256 and SHA-512 of the bytes given to [`Hasher::update`], in order.
pub(crate) struct Hasher {
    inline: Option<(Context, Context)>,
    workers: Option<(Worker<Context>, Worker<Context>)>,
    bytes: u64,
}

fn feed(ctx: &mut Context, chunk: &[u8]) -> io::Result<()> {
    ctx.update(chunk);
    Ok(())
}

impl Hasher {
    pub(crate) fn new() -> Self {
        Hasher {
            inline: Some((Context::new(&SHA256), Context::new(&SHA512))),
            workers: None,
            bytes: 0,
        }
    }

    pub(crate) async fn update(&mut self, chunk: &Bytes) -> io::Result<()> {
        self.bytes += chunk.len() as u64;
        if self.bytes > THREADED_AFTER
            && let Some((a, b)) = self.inline.take()
        {
            self.workers = Some((Worker::spawn(a, feed), Worker::spawn(b, feed)));
        }
        match (&mut self.inline, &mut self.workers) {
            (Some((a, b)), _) => {
                a.update(chunk);
                b.update(chunk);
                Ok(())
            }
            (None, Some((a, b))) => {
                a.send(chunk.clone()).await?;
                b.send(chunk.clone()).await
            }
            (None, None) => Err(io::Error::other("hasher already finished")),
        }
    }

    pub(crate) async fn finish(mut self) -> io::Result<Hashes> {
        let (a, b) = match (self.inline.take(), self.workers.take()) {
            (Some(pair), _) => pair,
            (None, Some((a, b))) => (a.finish().await?, b.finish().await?),
            (None, None) => return Err(io::Error::other("hasher already finished")),
        };
        Ok(Hashes {
            sha256: hex(a.finish().as_ref()),
            sha512: hex(b.finish().as_ref()),
        })
    }
}

/// The hash algorithms a download can verify, as Taskcluster's clients accept them.
const ACCEPTABLE: [&str; 2] = ["sha256", "sha512"];

/// Checks `observed` against an object's `hashes` as Taskcluster requires: every algorithm we
/// computed that `expected` has must match, and at least one of them must be there.
pub(crate) fn verify(
    observed: &Hashes,
    expected: &BTreeMap<String, serde_json::Value>,
) -> Result<()> {
    check_verifiable(expected)?;
    for (algorithm, ours) in [("sha256", &observed.sha256), ("sha512", &observed.sha512)] {
        let Some(theirs) = expected.get(algorithm) else {
            continue;
        };
        if !theirs
            .as_str()
            .is_some_and(|t| t.eq_ignore_ascii_case(ours))
        {
            return Err(Error::new(
                ErrorKind::HashMismatch,
                format!("the data's {algorithm} does not match the object's"),
            ));
        }
    }
    Ok(())
}

/// Fails with [`ErrorKind::MissingHashes`] unless `expected` has a hash a download can verify.
pub(crate) fn check_verifiable(expected: &BTreeMap<String, serde_json::Value>) -> Result<()> {
    if ACCEPTABLE.iter().any(|a| expected.contains_key(*a)) {
        Ok(())
    } else {
        let known: Vec<&str> = expected.keys().map(String::as_str).collect();
        Err(Error::new(
            ErrorKind::MissingHashes,
            format!(
                "the object has no sha256 or sha512 hash to verify the download with (it has: {})",
                if known.is_empty() {
                    "none".to_owned()
                } else {
                    known.join(", ")
                }
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_digests() {
        let h = Hashes::of(b"abc");
        assert_eq!(
            h.sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(h.sha512.starts_with("ddaf35a193617aba"));
    }

    #[tokio::test]
    async fn streamed_equals_whole_inline_and_threaded() {
        let data: Vec<u8> = (0..3 * THREADED_AFTER as usize + 17)
            .map(|i| (i * 31 % 251) as u8)
            .collect();
        let mut h = Hasher::new();
        for chunk in data.chunks(65_537) {
            h.update(&Bytes::copy_from_slice(chunk)).await.unwrap();
        }
        assert_eq!(h.bytes, data.len() as u64);
        assert_eq!(h.finish().await.unwrap(), Hashes::of(&data));
        let mut h = Hasher::new();
        h.update(&Bytes::from_static(b"abc")).await.unwrap();
        assert_eq!(h.finish().await.unwrap(), Hashes::of(b"abc"));
    }

    #[test]
    fn verification_rules() {
        let ours = Hashes::of(b"x");
        let map = |pairs: &[(&str, &str)]| -> BTreeMap<String, serde_json::Value> {
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).into()))
                .collect()
        };
        verify(&ours, &map(&[("sha256", &ours.sha256)])).unwrap();
        verify(
            &ours,
            &map(&[("sha512", &ours.sha512), ("md5", "whatever")]),
        )
        .unwrap();
        let bad = verify(&ours, &map(&[("sha256", &ours.sha256), ("sha512", "00")])).unwrap_err();
        assert_eq!(bad.kind(), ErrorKind::HashMismatch);
        let none = verify(&ours, &map(&[("md5", "00")])).unwrap_err();
        assert_eq!(none.kind(), ErrorKind::MissingHashes);
        assert_eq!(
            verify(&ours, &map(&[])).unwrap_err().kind(),
            ErrorKind::MissingHashes
        );
    }
}
