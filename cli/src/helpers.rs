//! The helpers beside the generated commands: `slugid`, `from-now`, `scopes`, `signed-url`,
//! `completions`.

use clap::{Arg, ArgAction, ArgMatches, Command};
use tc_client::runtime::scopes::{self, ScopeExpr};
use tc_client::runtime::{slugid, time, wire};

use crate::run::{self, Outcome, Problem};

pub fn commands() -> Vec<Command> {
    vec![
        Command::new("slugid")
            .about("Print a new slugid (a \"nice\" one unless --v4)")
            .arg(Arg::new("v4").long("v4").action(ArgAction::SetTrue).help("Any v4 UUID's slugid")),
        Command::new("from-now")
            .about("Print the time an offset from now, as Taskcluster writes times")
            .long_about(
                "Print now plus OFFSET (\"2 days 3 hours\", \"-1 hour\"), in Taskcluster's form \
                 (2024-05-01T12:00:00.000Z). Units: y, mo, w, d, h, m, s and their long forms.",
            )
            // A negative offset ("-1 hour") is a value, not an unknown flag: no `--` needed.
            .arg(
                Arg::new("offset")
                    .required(true)
                    .num_args(1..)
                    .allow_hyphen_values(true)
                    .value_name("OFFSET"),
            ),
        Command::new("scopes")
            .about("Scope expressions, with Taskcluster's semantics")
            .subcommand_required(true)
            .subcommand(
                Command::new("satisfies")
                    .about("Whether the given scopes satisfy an expression: prints true or false, exits 0 or 1")
                    .arg(Arg::new("expression").required(true).value_name("EXPRESSION").help(
                        "A scope, or JSON such as {\"AnyOf\": [\"a\", {\"AllOf\": [\"b\", \"c\"]}]}",
                    ))
                    .arg(
                        Arg::new("scope")
                            .long("scope")
                            .short('s')
                            .action(ArgAction::Append)
                            .value_name("SCOPE")
                            .help("A scope held (repeat; trailing * is a pattern)"),
                    )
                    .arg(
                        Arg::new("explain")
                            .long("explain")
                            .action(ArgAction::SetTrue)
                            .help(
                                "Also say why: what is missing (one line each), or which of the \
                                 expression's scopes are held",
                            ),
                    ),
            )
            .subcommand(
                Command::new("normalize")
                    .about("Print a scope set sorted and normalized, one scope a line")
                    .arg(Arg::new("scope").num_args(0..).value_name("SCOPE")),
            ),
        Command::new("signed-url")
            .about("Sign a URL of the deployment with the credentials (a Hawk bewit)")
            .arg(Arg::new("url").required(true).value_name("URL"))
            .arg(
                Arg::new("ttl")
                    .long("ttl")
                    .value_name("TTL")
                    .default_value("15 min")
                    .help("How long the URL is valid (\"15 min\", \"1 hour\")"),
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

/// Runs a helper, or says the command was not one (`Ok(None)`).
pub async fn run(
    name: &str,
    args: &ArgMatches,
    top: &ArgMatches,
    command: fn() -> Command,
) -> Result<Option<Outcome>, Problem> {
    let outcome = match name {
        "slugid" => Outcome::Text(if args.get_flag("v4") {
            slugid::v4()
        } else {
            slugid::nice()
        }),
        "from-now" => {
            let offset: Vec<&String> = args.get_many("offset").into_iter().flatten().collect();
            let offset = offset
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(" ");
            let at = time::from_now(&offset).map_err(|e| Problem::usage(e.to_string()))?;
            Outcome::Text(wire::format_timestamp(&at))
        }
        "scopes" => return scopes_command(args).map(Some),
        "signed-url" => {
            let config = run::config(top)?;
            let ttl = run::duration(run::arg(args, "ttl"))?;
            Outcome::Text(tc_client::runtime::signed_url(
                &config,
                run::arg(args, "url"),
                ttl,
            )?)
        }
        "completions" => {
            let shell = *args
                .get_one::<clap_complete::Shell>("shell")
                .expect("required");
            let mut cmd = command();
            // Into a buffer: `generate` panics when it cannot write (a reader that closed early,
            // `| head`); printing the outcome handles that.
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut cmd, "tc", &mut script);
            let script = String::from_utf8(script)
                .map_err(|e| Problem::other(format!("completions are not UTF-8: {e}")))?;
            Outcome::Text(script.trim_end_matches('\n').to_owned())
        }
        _ => return Ok(None),
    };
    Ok(Some(outcome))
}

fn scopes_command(args: &ArgMatches) -> Result<Outcome, Problem> {
    let (sub, args) = args.subcommand().expect("a subcommand is required");
    let scopes: Vec<String> = args
        .get_many::<String>("scope")
        .into_iter()
        .flatten()
        .cloned()
        .collect();
    match sub {
        "satisfies" => {
            let text = run::arg(args, "expression");
            let expr: ScopeExpr = if text.trim_start().starts_with(['{', '"']) {
                serde_json::from_str(text)
                    .map_err(|e| Problem::usage(format!("not a scope expression: {e}")))?
            } else {
                ScopeExpr::from(text)
            };
            let explain = args.get_flag("explain");
            match scopes::remove_given(&scopes, &expr) {
                None => {
                    let mut text = String::from("true");
                    if explain {
                        let used = scopes::satisfying(&scopes, &expr).unwrap_or_default();
                        for scope in used {
                            text.push_str(&format!("\nsatisfied: {scope}"));
                        }
                    }
                    Ok(Outcome::Text(text))
                }
                Some(missing) => {
                    let mut text = String::from("false");
                    if explain {
                        text.push_str(&explain_missing(&missing));
                    }
                    Outcome::Text(text).print()?;
                    Err(Problem::unsatisfied())
                }
            }
        }
        "normalize" => Ok(Outcome::Text(scopes::normalize(&scopes).join("\n"))),
        _ => unreachable!("clap knows the subcommands"),
    }
}

/// The lines `--explain` adds to a "false": `missing: SCOPE` for each scope an `AllOf` still
/// needs, `missing one of: [..]` (JSON) for an `AnyOf` any one member of which would do.
fn explain_missing(missing: &ScopeExpr) -> String {
    let members = match missing {
        ScopeExpr::AllOf(members) => members.as_slice(),
        one => std::slice::from_ref(one),
    };
    members
        .iter()
        .map(|member| match member {
            ScopeExpr::Scope(scope) => format!("\nmissing: {scope}"),
            ScopeExpr::AnyOf(any) => format!(
                "\nmissing one of: {}",
                serde_json::to_string(any).unwrap_or_default()
            ),
            ScopeExpr::AllOf(_) => format!("\nmissing: {member}"),
        })
        .collect()
}
