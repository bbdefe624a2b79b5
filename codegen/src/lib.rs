//! Generates a typed Rust client crate from Taskcluster's API references.
//!
//! The pipeline runs one way, a module per stage:
//! [`load`] → [`resolve`] → [`model`] → [`emit_types`] / [`emit_client`] → [`format`] → [`write`].

pub mod error;
pub mod load;
pub mod resolve;
mod sanitize;
pub mod emit_types;

pub use error::{Error, Result};
