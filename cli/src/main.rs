//! `tc`: Taskcluster from the shell. Every method of every service, generated from the same
//! references as the library (`tc <service> <method> …`, see `api.rs`), and the helpers people
//! reach for beside them (`tc slugid`, `tc from-now`, `tc scopes`, `tc signed-url`,
//! `tc artifact download|upload`, and `tc listen <service> <exchange>` for Pulse messages).
//!
//! Credentials and the root URL come from the same `TASKCLUSTER_*` variables as the library;
//! `--root-url` overrides the root URL. Answers are JSON on stdout (indented on a terminal,
//! compact when piped); errors one line on stderr, with distinct exit codes (the constants of
//! `run::Problem`). `-v` (calls, retries, logins, transfers) and `-vv` (everything, other
//! crates' too) or `RUST_LOG` show the runtime's `tracing` spans and events on stderr.

mod api;
mod artifacts;
mod helpers;
mod listen;
mod run;

use std::process::ExitCode;

use clap::{Arg, ArgAction, ArgMatches, Command};
use tracing_subscriber::EnvFilter;

fn command() -> Command {
    Command::new("tc")
        .about("Taskcluster from the shell: every method of every service, and helpers")
        .version(env!("CARGO_PKG_VERSION"))
        .subcommand_required(true)
        .arg(
            Arg::new("root-url")
                .long("root-url")
                .global(true)
                .value_name("URL")
                .help("The deployment's root URL (default: TASKCLUSTER_ROOT_URL)"),
        )
        .arg(
            Arg::new("verbose")
                .short('v')
                .long("verbose")
                .global(true)
                .action(ArgAction::Count)
                .help("Say on stderr what is sent: -v each call, retry and transfer, -vv all (or RUST_LOG=<filter>)"),
        )
        .subcommands(api::services())
        .subcommands(helpers::commands())
        .subcommand(artifacts::command())
        .subcommand(api::listen_command())
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

/// Prints the runtime's spans and events on stderr for `-v` (`debug`: calls, retries, logins,
/// transfers), `-vv` (`trace`, every crate) or `RUST_LOG`; without them nothing is installed,
/// so `tc` stays silent and pays nothing.
fn show_traces(verbosity: u8) {
    let from_env = std::env::var("RUST_LOG")
        .ok()
        .filter(|v| !v.trim().is_empty());
    let mut filter = match (&from_env, verbosity) {
        (None, 0) => return,
        (Some(directives), _) => EnvFilter::new(directives),
        // Other crates' warnings, not their chatter.
        (None, _) => EnvFilter::new("warn"),
    };
    // The calls' spans are the family's (`tc_runtime`), retries and re-logins the core's.
    let levels: &[&str] = match verbosity {
        0 => &[],
        1 => &["tc_runtime=debug", "runtime_core=debug"],
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
    if let Some(outcome) = helpers::run(name, sub, matches, command).await? {
        return Ok(outcome);
    }
    if name == "listen" {
        return listen::run(sub).await;
    }
    let config = run::config(matches)?;
    if name == "artifact" {
        return artifacts::run(&config, sub).await;
    }
    let (method, args) = sub.subcommand().expect("a method is required");
    api::dispatch(&config, name, method, args).await
}
