//! Stage 6, the output: code formatted as `cargo fmt` keeps it ([`format`](mod@format)),
//! then written all or nothing ([`write`](mod@write)).

use std::collections::BTreeMap;
use std::path::PathBuf;

pub mod format;
pub mod write;

/// A generated crate, in memory: file contents by path relative to the crate directory.
#[derive(Debug)]
pub struct GeneratedCrate {
    pub files: BTreeMap<PathBuf, String>,
    /// The command-line client's command tree (`cli/src/api.rs`, `rucio-cli/src/api.rs`).
    pub cli: String,
    pub summary: Summary,
}

/// Counts, for the record.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub services: usize,
    pub methods: usize,
    pub types: usize,
    pub exchanges: usize,
    pub lines: usize,
}
