//! `download` and `upload`: kept for the transfers, which rucio-runtime's transfer engine will
//! do (replicas' URLs, checksums, registration). Until then they are hidden and say so.

use clap::{ArgMatches, Command};

use crate::run::{Outcome, Problem};

/// The transfer commands (hidden until they transfer).
pub fn commands() -> Vec<Command> {
    ["download", "upload"]
        .into_iter()
        .map(|name| {
            Command::new(name)
                .hide(true)
                .about("Not yet: the transfer engine is still to come")
        })
        .collect()
}

/// Runs a transfer command, or says the command was not one (`Ok(None)`).
pub fn run(name: &str, _args: &ArgMatches) -> Result<Option<Outcome>, Problem> {
    match name {
        "download" | "upload" => Err(Problem::other(format!(
            "{name} is not implemented yet (it waits for rucio-runtime's transfer engine)"
        ))),
        _ => Ok(None),
    }
}
