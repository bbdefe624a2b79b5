//! The project's tasks, as a library so that `xtask/tests/` can drive them; `main.rs` dispatches.

pub mod api_diff;
pub mod generate;
pub mod import;
pub mod releases;
pub mod test;

/// The README's Rust examples, compiled as doc tests so that they stay true.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeExamples;
