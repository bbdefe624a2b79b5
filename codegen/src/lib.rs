//! Generates a typed Rust client crate from Taskcluster's API references.
