//! The project's tasks, as a library so that `xtask/tests/` can drive them; `main.rs` dispatches.

pub mod generate;
pub mod import;
pub mod releases;
pub mod test;
