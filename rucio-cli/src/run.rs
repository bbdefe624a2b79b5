//! What every generated command shares: reading arguments and input, making the call, printing
//! the answer (JSON, JSON lines, text), and turning failures into one line and an exit code.
//! The generated `api.rs` calls these by name, as `tc`'s calls its `run` module's.

use std::io::{IsTerminal, Read, Write};

use clap::{Arg, ArgMatches};
use rucio_client::{Call, ErrorKind, RucioClient, RucioConfig, RucioStream, StreamExt};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// What a command has to show.
pub enum Outcome {
    /// An answer, printed as JSON (nothing for `null`, the answer of a call with no body).
    Json(serde_json::Value),
    /// Text, printed as it is.
    Text(String),
    /// Already printed (JSON lines), or nothing to print.
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
            Outcome::Text(text) => writeln!(out, "{}", text.trim_end_matches('\n')),
        };
        written_or_closed(written)
    }
}

/// A write's result, where a reader that stopped reading (`| head -1`) is no failure.
pub fn written_or_closed(written: std::io::Result<()>) -> Result<(), Problem> {
    match written {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.map_err(|e| Problem::other(format!("cannot write the answer: {e}"))),
    }
}

/// Why a command failed, and which exit code says so (`tc`'s codes).
#[derive(Debug)]
pub struct Problem {
    code: u8,
    message: String,
}

impl Problem {
    /// Exit code of a usage error (a bad argument, input that does not fit, no configuration),
    /// as clap's own.
    pub const USAGE: u8 = 2;
    /// Exit code of a refused login or token (`CannotAuthenticate`).
    pub const AUTHENTICATION: u8 = 3;
    /// Exit code of `AccessDenied`: the account may not do this.
    pub const FORBIDDEN: u8 = 4;
    /// Exit code of a missing account, scope, DID, RSE, rule… (404, or a `…NotFound` class).
    pub const NOT_FOUND: u8 = 5;
    /// Exit code of any other refusal (4xx: `Duplicate`, `InvalidObject`…).
    pub const REJECTED: u8 = 6;
    /// Exit code of a 5xx or a transport failure, after retries.
    pub const SERVER: u8 = 7;
    /// Exit code of anything else (an answer that does not fit its schema, say).
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

    /// Prints the one line and gives the exit code.
    pub fn report(self) -> std::process::ExitCode {
        if !self.message.is_empty() {
            eprintln!("rucio-rs: {}", self.message);
        }
        std::process::ExitCode::from(self.code)
    }
}

impl From<rucio_client::Error> for Problem {
    fn from(e: rucio_client::Error) -> Problem {
        let code = match e.kind() {
            ErrorKind::Config => Problem::USAGE,
            ErrorKind::AuthenticationFailed | ErrorKind::Credentials => Problem::AUTHENTICATION,
            ErrorKind::Forbidden => Problem::FORBIDDEN,
            ErrorKind::NotFound => Problem::NOT_FOUND,
            ErrorKind::ClientError => Problem::REJECTED,
            ErrorKind::ServerError | ErrorKind::Transport => Problem::SERVER,
            _ => Problem::OTHER,
        };
        // One line: `GET <url>: HTTP 404 DataIdentifierNotFound: <Rucio's message>`. The runtime
        // keeps tokens and passwords out of its errors (they travel in headers, never in URLs).
        let mut message = match (e.method(), e.url()) {
            (Some(method), Some(url)) => format!("{method} {url}: "),
            _ => String::new(),
        };
        match e.status() {
            Some(status) => message.push_str(&format!("HTTP {status}")),
            None => message.push_str(&format!("{:?}", e.kind())),
        }
        if let Some(class) = e.code() {
            message.push_str(&format!(" {class}"));
        }
        if let Some(path) = e.schema_path() {
            message.push_str(&format!(" at `{path}`"));
        }
        let first = e
            .message()
            .lines()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("");
        if !first.is_empty() {
            message.push_str(&format!(": {}", first.trim()));
        }
        Problem { code, message }
    }
}

/// The client: the configuration as Rucio's own client finds it (the `[client]` section of
/// `$RUCIO_CONFIG`, overridden by `RUCIO_HOST`, `RUCIO_ACCOUNT`, `RUCIO_AUTH_TYPE`, …, see
/// `RucioConfig::from_env`), then `--account` and `--auth-host`. It logs in (userpass, x509,
/// ssh) when the first call needs a token.
pub fn client(matches: &ArgMatches) -> Result<RucioClient, Problem> {
    Ok(RucioClient::new(&config(matches)?)?)
}

/// The configuration [`client`] logs in with.
pub fn config(matches: &ArgMatches) -> Result<RucioConfig, Problem> {
    let mut config = RucioConfig::from_env()?;
    if let Some(account) = matches.get_one::<String>("account") {
        config = config.with_account(account);
    }
    if let Some(auth_host) = matches.get_one::<String>("auth-host") {
        config = config.with_auth_host(auth_host);
    }
    Ok(config)
}

/// A route parameter or required header (required by the command, so present).
pub fn arg<'a>(args: &'a ArgMatches, id: &str) -> &'a str {
    args.get_one::<String>(id).map_or("", String::as_str)
}

/// A query option or optional header, if given.
pub fn option<T: Clone + Send + Sync + 'static>(args: &ArgMatches, id: &str) -> Option<T> {
    args.get_one::<T>(id).cloned()
}

/// The `KEY=VALUE` pairs of a repeated option (open filters: `--filters type=DATASET`).
pub fn pairs(args: &ArgMatches, id: &str) -> Result<Vec<(String, String)>, Problem> {
    args.get_many::<String>(id)
        .into_iter()
        .flatten()
        .map(|pair| {
            pair.split_once('=')
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .ok_or_else(|| Problem::usage(format!("{pair:?} is not KEY=VALUE")))
        })
        .collect()
}

/// `--input FILE|-`: optional, a body whose fields are all optional being `{}`.
pub fn input_arg() -> Arg {
    Arg::new("input")
        .long("input")
        .value_name("FILE|-")
        .help("The request body: a JSON file, or `-` for stdin (default: {})")
}

/// The request body from `--input` (or `{}`), checked against the method's input type: an error
/// names the JSON path that does not fit.
pub fn input<T: DeserializeOwned>(args: &ArgMatches) -> Result<T, Problem> {
    let source = args.get_one::<String>("input").map(String::as_str);
    let (text, shown) = match source {
        None => ("{}".to_owned(), "the body (no --input, so {})"),
        Some("-") => {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .map_err(|e| Problem::usage(format!("cannot read stdin: {e}")))?;
            (text, "stdin")
        }
        Some(file) => (
            std::fs::read_to_string(file)
                .map_err(|e| Problem::usage(format!("cannot read {file}: {e}")))?,
            file,
        ),
    };
    let mut de = serde_json::Deserializer::from_str(&text);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        Problem::usage(format!(
            "{shown}: at {}: {} (expected the call's input, {})",
            e.path(),
            e.inner(),
            std::any::type_name::<T>().rsplit("::").next().unwrap_or("")
        ))
    })?;
    de.end()
        .map_err(|e| Problem::usage(format!("{shown}: {e}")))?;
    Ok(value)
}

/// Makes the call and gives its answer as JSON. (`args` is for options `tc` has here, such as
/// `--url`; Rucio's calls have none.)
pub async fn call<T>(call: Call<T>, _args: &ArgMatches) -> Result<Outcome, Problem>
where
    T: Serialize + DeserializeOwned + Send + 'static,
{
    let answer = call.await?;
    let value = serde_json::to_value(&answer).map_err(|e| Problem::other(e.to_string()))?;
    Ok(Outcome::Json(value))
}

/// Makes a call whose answer is text (or a redirect's target) and gives it as it is.
pub async fn text(call: Call<String>) -> Result<Outcome, Problem> {
    Ok(Outcome::Text(call.await?))
}

/// Prints every item of a stream as a JSON line as it arrives; the first error ends it, and so
/// does a reader that stopped reading (`| head -1`), which is no failure.
pub async fn stream<T: Serialize + DeserializeOwned + Send + 'static>(
    items: RucioStream<T>,
) -> Result<Outcome, Problem> {
    let mut items = std::pin::pin!(items);
    let mut out = std::io::stdout().lock();
    while let Some(item) = items.next().await {
        let line = serde_json::to_string(&item?).map_err(|e| Problem::other(e.to_string()))?;
        if let Err(e) = writeln!(out, "{line}") {
            written_or_closed(Err(e))?;
            break;
        }
    }
    written_or_closed(out.flush())?;
    Ok(Outcome::Done)
}
