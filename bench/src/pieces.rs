//! What one call costs beyond the transport, piece by piece, ns/op: the figures behind the
//! README's account of where the time goes. Each piece is timed against what the peer does
//! instead (parsing into `serde_json::Value`, ...), or against nothing where both do the same.

use std::hint::black_box;

use tc_client::queue::types::{Task, TaskDefinitionRequest};

use crate::stats::{Samples, time_pair};

/// One measured piece: what it is, ours, and the peer's counterpart (if it has one).
pub struct Piece {
    pub what: &'static str,
    pub peer_does: &'static str,
    pub ours: Samples,
    pub peer: Samples,
}

/// Times each piece on the benchmark's task definition.
pub fn measure(task_json: &[u8], ops: usize, rounds: usize) -> anyhow::Result<Vec<Piece>> {
    let definition: TaskDefinitionRequest = serde_json::from_slice(task_json)?;
    let value: serde_json::Value = serde_json::from_slice(task_json)?;
    let base = "http://127.0.0.1:40123/api/queue/v1/task/fN1SbArXTPSVFNUvaOlinQ";
    let mut pieces = Vec::new();
    let mut piece = |what, peer_does, ours: &dyn Fn(), peer: &dyn Fn()| {
        let (ours, peer) = time_pair(ops, rounds, ours, peer);
        pieces.push(Piece {
            what,
            peer_does,
            ours,
            peer,
        });
    };
    piece(
        "parse the 1.6 KB task into `Task`",
        "into `Value`",
        &|| {
            black_box(serde_json::from_slice::<Task>(black_box(task_json)).ok());
        },
        &|| {
            black_box(serde_json::from_slice::<serde_json::Value>(black_box(task_json)).ok());
        },
    );
    piece(
        "the same parse tracking field paths (`serde_path_to_error`)",
        "plain `Task` parse",
        &|| {
            let de = &mut serde_json::Deserializer::from_slice(black_box(task_json));
            black_box(serde_path_to_error::deserialize::<_, Task>(de).ok());
        },
        &|| {
            black_box(serde_json::from_slice::<Task>(black_box(task_json)).ok());
        },
    );
    piece(
        "serialize the task definition (`TaskDefinitionRequest`)",
        "a `Value`",
        &|| {
            black_box(serde_json::to_vec(black_box(&definition)).ok());
        },
        &|| {
            black_box(serde_json::to_vec(black_box(&value)).ok());
        },
    );
    piece(
        "Hawk payload hash of the 1.6 KB body",
        "the same (the `hawk` crate)",
        &|| {
            black_box(tc_runtime::hawk::payload_hash(
                "application/json",
                black_box(task_json),
            ));
        },
        &|| {
            let hash = hawk::PayloadHasher::hash("application/json", hawk::SHA256, task_json);
            black_box(hash.ok());
        },
    );
    piece(
        "`Url::parse` of the request URL",
        "the same",
        &|| {
            black_box(url::Url::parse(black_box(base)).ok());
        },
        &|| {
            black_box(url::Url::parse(black_box(base)).ok());
        },
    );
    Ok(pieces)
}
