//! The commands beside the generated ones: `whoami` (as Rucio's CLI has it) and `completions`.

use clap::{Arg, ArgMatches, Command};
use rucio_client::RucioClient;
use rucio_client::account::Account;

use crate::run::{self, Outcome, Problem};

pub fn commands() -> Vec<Command> {
    vec![
        Command::new("whoami")
            .about("The account the configured login acts as")
            .long_about(
                "The account the configured login acts as: `account get-account whoami`, whose \
                 redirect to the account is followed. As `rucio whoami`.",
            ),
        Command::new("completions")
            .about("Print a shell completion script")
            .arg(
                Arg::new("shell")
                    .required(true)
                    .value_parser(clap::value_parser!(clap_complete::Shell)),
            ),
    ]
}

/// Runs a command that needs no server, or says the command was not one (`Ok(None)`).
pub fn run_offline(
    name: &str,
    args: &ArgMatches,
    command: fn() -> Command,
) -> Result<Option<Outcome>, Problem> {
    if name != "completions" {
        return Ok(None);
    }
    let shell = *args
        .get_one::<clap_complete::Shell>("shell")
        .expect("required");
    let mut cmd = command();
    // Into a buffer: `generate` panics when it cannot write (`| head`); printing the outcome
    // handles a closed pipe.
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut cmd, "rucio-rs", &mut script);
    let script = String::from_utf8(script)
        .map_err(|e| Problem::other(format!("completions are not UTF-8: {e}")))?;
    Ok(Some(Outcome::Text(script)))
}

/// Runs a helper that calls the server, or says the command was not one (`Ok(None)`).
pub async fn run(name: &str, client: &RucioClient) -> Result<Option<Outcome>, Problem> {
    match name {
        "whoami" => {
            let call = Account::new(client).get_account("whoami");
            run::call(call, &ArgMatches::default()).await.map(Some)
        }
        _ => Ok(None),
    }
}
