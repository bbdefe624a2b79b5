//! Stage 6, the output: code formatted as `cargo fmt` keeps it, then written all or nothing.

pub mod format;
pub mod write;
