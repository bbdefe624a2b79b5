//! What every generated command shares: reading arguments and input, making the call (or its
//! URL), printing the answer, and turning failures into one line and an exit code.

use std::io::{IsTerminal, Read, Write};
use std::time::Duration;

use clap::{Arg, ArgAction, ArgMatches};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tc_client::runtime::TaskclusterError as _;
use tc_client::runtime::{Stream, StreamExt};
use tc_client::{Call, ClientConfig, Credentials, ErrorKind};

/// What a command has to show.
pub enum Outcome {
    /// An answer, printed as JSON.
    Json(serde_json::Value),
    /// A line of text (a URL, an id, a time).
    Text(String),
    /// Already printed (a stream of JSON lines), or nothing to print.
    Done,
}

impl Outcome {
    /// Prints the outcome on stdout: JSON indented on a terminal, compact when piped.
    pub fn print(self) -> Result<(), Problem> {
        let mut out = std::io::stdout().lock();
        let written = match self {
            Outcome::Json(serde_json::Value::Null) | Outcome::Done => Ok(()),
            Outcome::Json(value) => {
                let text = if std::io::stdout().is_terminal() {
                    serde_json::to_string_pretty(&value)
                } else {
                    serde_json::to_string(&value)
                }
                .map_err(|e| Problem::other(e.to_string()))?;
                writeln!(out, "{text}")
            }
            Outcome::Text(text) => writeln!(out, "{text}"),
        };
        match written {
            // The reader has all it wanted (`| head`): not a failure.
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            other => other.map_err(|e| Problem::other(format!("cannot write the answer: {e}"))),
        }
    }
}

/// Why a command failed, and which exit code says so.
#[derive(Debug)]
pub struct Problem {
    code: u8,
    message: String,
}

impl Problem {
    /// Exit code of a usage error (a bad argument, input that does not fit), as clap's own.
    pub const USAGE: u8 = 2;
    /// Exit code of 401: the deployment refused the credentials.
    pub const AUTHENTICATION: u8 = 3;
    /// Exit code of 403: the credentials lack a scope.
    pub const SCOPES: u8 = 4;
    /// Exit code of 404.
    pub const NOT_FOUND: u8 = 5;
    /// Exit code of any other 4xx, and of a storage URL's refusal.
    pub const REJECTED: u8 = 6;
    /// Exit code of a 5xx or a transport failure, after retries (and of a Pulse broker that
    /// cannot be reached).
    pub const SERVER: u8 = 7;
    /// Exit code of anything else (configuration, an answer that does not fit its schema).
    pub const OTHER: u8 = 1;

    pub fn usage(message: impl Into<String>) -> Problem {
        Problem {
            code: Problem::USAGE,
            message: message.into(),
        }
    }

    pub fn other(message: impl Into<String>) -> Problem {
        Problem {
            code: Problem::OTHER,
            message: message.into(),
        }
    }

    /// An answer of "no" that is not an error (`tc scopes satisfies`): exit code 1, no message.
    pub fn unsatisfied() -> Problem {
        Problem {
            code: Problem::OTHER,
            message: String::new(),
        }
    }

    /// Prints the one line and gives the exit code.
    pub fn report(self) -> std::process::ExitCode {
        if !self.message.is_empty() {
            eprintln!("tc: {}", self.message);
        }
        std::process::ExitCode::from(self.code)
    }
}

impl From<tc_client::Error> for Problem {
    fn from(e: tc_client::Error) -> Problem {
        let code = match e.kind() {
            // An error artifact is no refused request: the artifact says why it is missing.
            _ if e.artifact_reason().is_some() => Problem::OTHER,
            ErrorKind::AuthenticationFailed => Problem::AUTHENTICATION,
            ErrorKind::Forbidden => Problem::SCOPES,
            ErrorKind::NotFound => Problem::NOT_FOUND,
            // A storage URL's refusal (an expired signature, say) is no scope missing.
            ErrorKind::ClientError | ErrorKind::Storage => Problem::REJECTED,
            ErrorKind::ServerError | ErrorKind::Transport => Problem::SERVER,
            _ => Problem::OTHER,
        };
        // One line: Taskcluster's messages often go on with details after a blank line.
        let mut message = match (e.method(), e.url()) {
            (Some(method), Some(url)) => format!("{method} {url}: "),
            _ => String::new(),
        };
        if let Some(status) = e.status() {
            message.push_str(&format!("HTTP {status}"));
        } else if e.artifact_reason().is_none() {
            message.push_str(&format!("{:?}", e.kind()));
        } else {
            message.push_str("Artifact");
        }
        if let Some(code) = e.code() {
            message.push_str(&format!(" {code}"));
        }
        if let Some(path) = e.schema_path() {
            message.push_str(&format!(" at `{path}`"));
        }
        if let Some(reason) = e.artifact_reason() {
            message.push_str(&format!(" {reason}"));
        }
        let first = e
            .message()
            .lines()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("");
        if !first.is_empty() {
            message.push_str(&format!(": {}", first.trim()));
        }
        if let Some(id) = e.request_id() {
            message.push_str(&format!(" (request id {id})"));
        }
        Problem { code, message }
    }
}

impl From<tc_client::runtime::pulse::Error> for Problem {
    fn from(e: tc_client::runtime::pulse::Error) -> Problem {
        use tc_client::runtime::pulse::ErrorKind as Pulse;
        let code = match e.kind() {
            Pulse::Config => Problem::USAGE,
            Pulse::Authentication => Problem::AUTHENTICATION,
            // Unreachable, or the connection lost: as a transport failure of an API call.
            Pulse::Connection => Problem::SERVER,
            Pulse::Channel => Problem::REJECTED,
            _ => Problem::OTHER,
        };
        Problem {
            code,
            message: e.to_string(),
        }
    }
}

/// The client configuration: `--root-url`, else `TASKCLUSTER_ROOT_URL`, with credentials and
/// proxy from the `TASKCLUSTER_*` variables as the library reads them.
pub fn config(matches: &ArgMatches) -> Result<ClientConfig, Problem> {
    let root = matches
        .get_one::<String>("root-url")
        .cloned()
        .or_else(|| {
            std::env::var("TASKCLUSTER_ROOT_URL")
                .ok()
                .filter(|v| !v.is_empty())
        })
        .ok_or_else(|| {
            Problem::usage("no root URL: set TASKCLUSTER_ROOT_URL or pass --root-url")
        })?;
    let mut config = ClientConfig::new(root);
    let set = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    if set("TASKCLUSTER_CLIENT_ID").is_some() {
        config = config.with_credentials(Credentials::from_env()?);
    }
    if let Some(proxy) = set("TASKCLUSTER_PROXY_URL") {
        config = config.with_proxy_url(proxy);
    }
    Ok(config)
}

/// A route parameter (required by the command, so present).
pub fn arg<'a>(args: &'a ArgMatches, id: &str) -> &'a str {
    args.get_one::<String>(id).map_or("", String::as_str)
}

/// A query option, if given.
pub fn option<T: Clone + Send + Sync + 'static>(args: &ArgMatches, id: &str) -> Option<T> {
    args.get_one::<T>(id).cloned()
}

/// `--input FILE|-`.
pub fn input_arg() -> Arg {
    Arg::new("input")
        .long("input")
        .value_name("FILE|-")
        .required(true)
        .help("The request body: a JSON file, or `-` for stdin")
}

/// The request body from `--input`, checked against the method's input type: an error names
/// the JSON path that does not fit.
pub fn input<T: DeserializeOwned>(args: &ArgMatches) -> Result<T, Problem> {
    let source = arg(args, "input");
    let text = if source == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| Problem::usage(format!("cannot read stdin: {e}")))?;
        text
    } else {
        std::fs::read_to_string(source)
            .map_err(|e| Problem::usage(format!("cannot read {source}: {e}")))?
    };
    let shown = if source == "-" { "stdin" } else { source };
    let mut de = serde_json::Deserializer::from_str(&text);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        Problem::usage(format!(
            "{shown}: at {}: {} (expected the method's input, {})",
            e.path(),
            e.inner(),
            std::any::type_name::<T>().rsplit("::").next().unwrap_or("")
        ))
    })?;
    de.end()
        .map_err(|e| Problem::usage(format!("{shown}: {e}")))?;
    Ok(value)
}

/// `--url` and `--signed-url TTL`, for `GET` methods.
pub fn url_args() -> [Arg; 2] {
    [
        Arg::new("url")
            .long("url")
            .action(ArgAction::SetTrue)
            .conflicts_with("signed-url")
            .help("Print the call's URL instead of calling"),
        Arg::new("signed-url")
            .long("signed-url")
            .value_name("TTL")
            .help(
                "Print the call's URL signed for TTL (\"15 min\", \"1 hour\") instead of calling",
            ),
    ]
}

/// `--all`, for paginated methods.
pub fn all_arg() -> Arg {
    Arg::new("all")
        .long("all")
        .action(ArgAction::SetTrue)
        .help("Follow the continuation tokens and print every item, one JSON line each")
}

pub fn wants_all(args: &ArgMatches) -> bool {
    args.try_get_one::<bool>("all").ok().flatten() == Some(&true)
}

/// A time span in Taskcluster's grammar (`15 min`), for signed URLs.
pub fn duration(text: &str) -> Result<Duration, Problem> {
    let span =
        tc_client::runtime::time::parse_offset(text).map_err(|e| Problem::usage(e.to_string()))?;
    span.to_std()
        .map_err(|_| Problem::usage(format!("{text:?} is not a positive time span")))
}

/// Makes the call, or prints its URL (`--url`, `--signed-url`).
pub async fn call<T>(call: Call<T>, args: &ArgMatches) -> Result<Outcome, Problem>
where
    T: Serialize + DeserializeOwned + Send + 'static,
{
    if args.try_get_one::<bool>("url").ok().flatten() == Some(&true) {
        return Ok(Outcome::Text(call.url()?));
    }
    if let Ok(Some(ttl)) = args.try_get_one::<String>("signed-url") {
        return Ok(Outcome::Text(call.signed_url(duration(ttl)?)?));
    }
    let answer = call.await?;
    let value = serde_json::to_value(&answer).map_err(|e| Problem::other(e.to_string()))?;
    Ok(Outcome::Json(value))
}

/// Prints every item of a stream as a JSON line as it comes; the first error ends it.
pub async fn stream<T: Serialize>(
    items: impl Stream<Item = tc_client::Result<T>>,
) -> Result<Outcome, Problem> {
    let mut items = std::pin::pin!(items);
    let mut out = std::io::stdout().lock();
    while let Some(item) = items.next().await {
        let line = serde_json::to_string(&item?).map_err(|e| Problem::other(e.to_string()))?;
        writeln!(out, "{line}").map_err(|e| Problem::other(format!("cannot write: {e}")))?;
    }
    Ok(Outcome::Done)
}

/// The options every exchange's command takes besides its routing-key fields.
pub fn listen_args() -> Vec<Arg> {
    vec![
        Arg::new("route")
            .long("route")
            .action(ArgAction::Append)
            .value_name("PATTERN")
            .help("Also bind `route.PATTERN`: messages CC'ed to a task route (repeat; * and # allowed)"),
        Arg::new("queue")
            .long("queue")
            .value_name("NAME")
            .help("A durable queue `queue/<user>/NAME` that keeps messages while tc is not running (default: an exclusive queue that goes away with tc)"),
        Arg::new("count")
            .long("count")
            .value_name("N")
            .value_parser(clap::value_parser!(u64))
            .help("Stop after N messages"),
        Arg::new("pulse-url")
            .long("pulse-url")
            .value_name("URL")
            .help("The broker, as amqp(s)://user:password@host:port/vhost (default: the PULSE_* variables)"),
    ]
}
