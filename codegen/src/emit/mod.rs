//! Stage 5, the emitters: from a service's model and types, the Rust code of its client, its
//! scopes and events, the crates' roots, and the command-line client.
//!
//! Emitters never call each other: what several need is in [`helpers`], and where one file
//! holds two emitters' code (the transfer methods in a client), the pipeline passes one's
//! output to the other.

pub mod cli;
pub mod client;
pub mod crate_root;
pub mod events;
pub mod helpers;
pub mod rucio;
pub mod rucio_transfers;
pub mod scopes;
pub mod transfers;
