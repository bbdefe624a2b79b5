//! `rucio-rs`: Rucio from the shell. Every call of Rucio's REST API, generated from the same
//! model as the `rucio-client` library and as `tc` (`rucio-rs <group> <call> …`, see `api.rs`),
//! and the commands people reach for beside them (`rucio-rs whoami`, `rucio-rs completions`).
//! `download` and `upload` are kept for the transfers (`transfers.rs`).
//!
//! The server and login come from the same `rucio.cfg` (`$RUCIO_CONFIG`) and `RUCIO_*`
//! variables as Rucio's own client (see `run::client`); `--account` and `--auth-host` before
//! the command override them (`rucio-rs -a alice whoami`, as `rucio -a alice whoami`). Answers are JSON on stdout (indented on a terminal, compact when piped), lists JSON
//! lines as they arrive; errors one line on stderr, with distinct exit codes (the constants of
//! `run::Problem`). `-v` or `RUST_LOG` show the runtime's `tracing` spans and events on stderr.

mod api;
mod helpers;
mod run;
mod transfers;

use std::process::ExitCode;

use clap::{Arg, ArgAction, ArgMatches, Command};
use tracing_subscriber::EnvFilter;

fn command() -> Command {
    Command::new("rucio-rs")
        .about("Rucio from the shell: every call of its REST API, as JSON")
        .long_about(
            "Rucio from the shell: every call of its REST API, as JSON.\n\nThe server and login \
             come from the [client] section of $RUCIO_CONFIG and the RUCIO_* variables \
             (RUCIO_HOST, RUCIO_AUTH_HOST, RUCIO_ACCOUNT, RUCIO_AUTH_TYPE, …), as Rucio's own \
             client reads them; userpass, x509 and ssh logins.",
        )
        .version(env!("CARGO_PKG_VERSION"))
        .subcommand_required(true)
        .arg(
            Arg::new("account")
                .long("account")
                .short('a')
                .value_name("ACCOUNT")
                .help("The account to act as (default: RUCIO_ACCOUNT, else `account` in rucio.cfg)"),
        )
        .arg(
            Arg::new("auth-host")
                .long("auth-host")
                .value_name("URL")
                .help("The server to log in at (default: RUCIO_AUTH_HOST, else `auth_host`, else the host)"),
        )
        .arg(
            Arg::new("verbose")
                .short('v')
                .long("verbose")
                .global(true)
                .action(ArgAction::Count)
                .help("Say on stderr what is sent: -v each call, retry and login, -vv all (or RUST_LOG=<filter>)"),
        )
        .subcommands(api::services())
        .subcommands(helpers::commands())
        .subcommands(transfers::commands())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let matches = match command().try_get_matches() {
        Ok(matches) => matches,
        Err(e) => {
            // Help and version are not errors; everything else clap reports is a usage error.
            let _ = e.print();
            return match e.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => {
                    ExitCode::SUCCESS
                }
                _ => ExitCode::from(run::Problem::USAGE),
            };
        }
    };
    show_traces(matches.get_count("verbose"));
    match dispatch(&matches).await {
        Ok(outcome) => match outcome.print() {
            Ok(()) => ExitCode::SUCCESS,
            Err(problem) => problem.report(),
        },
        Err(problem) => problem.report(),
    }
}

/// Prints the runtime's spans and events on stderr for `-v` (`debug`: calls, retries, logins),
/// `-vv` (`trace`, every crate) or `RUST_LOG`; without them nothing is installed.
fn show_traces(verbosity: u8) {
    let from_env = std::env::var("RUST_LOG")
        .ok()
        .filter(|v| !v.trim().is_empty());
    let mut filter = match (&from_env, verbosity) {
        (None, 0) => return,
        (Some(directives), _) => EnvFilter::new(directives),
        (None, _) => EnvFilter::new("warn"),
    };
    let levels: &[&str] = match verbosity {
        0 => &[],
        1 => &["rucio_runtime=debug", "runtime_core=debug"],
        _ => &["trace"],
    };
    for directive in levels.iter().filter_map(|l| l.parse().ok()) {
        filter = filter.add_directive(directive);
    }
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}

async fn dispatch(matches: &ArgMatches) -> Result<run::Outcome, run::Problem> {
    let (name, sub) = matches.subcommand().expect("a subcommand is required");
    if let Some(outcome) = helpers::run_offline(name, sub, command)? {
        return Ok(outcome);
    }
    if let Some(outcome) = transfers::run(matches, name, sub).await? {
        return Ok(outcome);
    }
    let client = run::client(matches)?;
    if let Some(outcome) = helpers::run(name, &client).await? {
        return Ok(outcome);
    }
    let (method, args) = sub.subcommand().expect("a call is required");
    api::dispatch(&client, name, method, args).await
}

#[cfg(test)]
mod tests {
    /// clap's own checks of the whole tree: no two options of a command share a name, every
    /// id is unique, and so on (they run lazily otherwise, only for the command used).
    #[test]
    fn the_command_tree_is_consistent() {
        super::command().debug_assert();
    }

    /// Every call of the generated client is a command.
    #[test]
    fn every_call_is_a_command() {
        let calls: usize = super::api::services()
            .iter()
            .map(|group| group.get_subcommands().count())
            .sum();
        assert_eq!(calls, 179);
    }
}
