//! Stage 5, the emitters: from a service's model and types, the Rust code of its client, its
//! scopes and events, the crates' roots, and the command-line client.

pub mod cli;
pub mod client;
pub mod crate_root;
pub mod events;
pub mod helpers;
pub mod rucio;
pub mod scopes;
pub mod transfers;
