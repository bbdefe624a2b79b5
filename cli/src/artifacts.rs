//! `tc artifact download` and `tc artifact upload`: the library's artifact transfers, with a
//! progress bar on stderr when it is a terminal.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;

use clap::{Arg, ArgMatches, Command};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;
use tc_client::ClientConfig;
use tc_client::queue::Queue;
use tc_client::runtime::objects::{ArtifactUpload, DownloadOptions, Progress, ProgressFn};
use tc_client::runtime::time;

use crate::run::{self, Outcome, Problem};

pub fn command() -> Command {
    Command::new("artifact")
        .about("Download or upload a task's artifacts, hashes verified")
        .subcommand_required(true)
        .subcommand(
            Command::new("download")
                .about("Download an artifact of a task (of its latest run unless --run)")
                .long_about(
                    "Download artifact NAME of task TASK_ID, whatever its storage type: s3 and \
                     reference artifacts from their URL, object artifacts through the object \
                     service with their hashes verified, error artifacts as an error with their \
                     reason. A file appears only once complete and verified.\n\n\
                     Required scopes: queue:get-artifact:<NAME> (none for public/ artifacts).",
                )
                .arg(Arg::new("taskId").required(true).value_name("TASK_ID"))
                .arg(Arg::new("name").required(true).value_name("NAME"))
                .arg(
                    Arg::new("run")
                        .long("run")
                        .value_name("RUN_ID")
                        .value_parser(clap::value_parser!(u32))
                        .help("The run (default: the latest)"),
                )
                .arg(
                    Arg::new("output")
                        .long("output")
                        .short('o')
                        .value_name("PATH|-")
                        .help("Where to write it, `-` for stdout (default: NAME's last segment)"),
                ),
        )
        .subcommand(
            Command::new("upload")
                .about("Upload a file as an object artifact of a task's run")
                .long_about(
                    "Upload FILE as artifact NAME of run RUN_ID of task TASK_ID, in one call: \
                     createArtifact (storage type object), the object upload with the queue's \
                     temporary credentials, finishArtifact. Prints what was uploaded, with its \
                     hashes.\n\nRequired scopes: queue:create-artifact:<TASK_ID>/<RUN_ID> (or \
                     the worker's scopes for the run).",
                )
                .arg(Arg::new("taskId").required(true).value_name("TASK_ID"))
                .arg(
                    Arg::new("runId")
                        .required(true)
                        .value_name("RUN_ID")
                        .value_parser(clap::value_parser!(u32)),
                )
                .arg(Arg::new("name").required(true).value_name("NAME"))
                .arg(Arg::new("file").required(true).value_name("FILE"))
                .arg(
                    Arg::new("expires")
                        .long("expires")
                        .value_name("OFFSET")
                        .default_value("1 year")
                        .help(
                            "When it expires, from now (\"30 days\"); not after the task's expiry",
                        ),
                )
                .arg(
                    Arg::new("content-type")
                        .long("content-type")
                        .value_name("TYPE")
                        .default_value("application/octet-stream"),
                )
                .arg(
                    Arg::new("content-length")
                        .long("content-length")
                        .action(clap::ArgAction::SetTrue)
                        .help(
                            "Also tell createArtifact the length (contentLength). Queues before \
                             v96.7.0 refuse it; v96.7.0 to v106.0.0 take it, then fail \
                             finishArtifact with HTTP 500",
                        ),
                ),
        )
}

/// Runs `tc artifact download|upload`.
pub async fn run(config: &ClientConfig, args: &ArgMatches) -> Result<Outcome, Problem> {
    let queue = Queue::new(config);
    let (action, args) = args.subcommand().expect("an action is required");
    let task_id = run::arg(args, "taskId");
    let name = run::arg(args, "name");
    match action {
        "download" => {
            let run_id = args.get_one::<u32>("run").copied();
            let (bar, observer) = progress_bar();
            let options = match observer {
                Some(observer) => DownloadOptions::default().with_progress(observer),
                None => DownloadOptions::default(),
            };
            let output = args.get_one::<String>("output").cloned();
            let to_stdout = output.as_deref() == Some("-");
            let done = if to_stdout {
                let mut stdout = tokio::io::stdout();
                queue
                    .download_artifact_to_writer(task_id, run_id, name, &mut stdout, &options)
                    .await
            } else {
                let path = match output {
                    Some(path) => PathBuf::from(path),
                    None => default_output(name)?,
                };
                queue
                    .download_artifact_to_file(task_id, run_id, name, &path, &options)
                    .await
            };
            finish(bar);
            let done = done?;
            if !to_stdout {
                eprintln!("tc: {} bytes of {name}", done.length);
            }
            Ok(Outcome::Done)
        }
        "upload" => {
            let run_id = *args.get_one::<u32>("runId").expect("required");
            let expires = time::from_now(run::arg(args, "expires"))
                .map_err(|e| Problem::usage(format!("--expires: {e}")))?;
            let (bar, observer) = progress_bar();
            let mut artifact = ArtifactUpload::new(task_id, run_id, name, expires)
                .with_content_type(run::arg(args, "content-type"))
                .with_content_length(args.get_flag("content-length"));
            if let Some(observer) = observer {
                artifact = artifact.with_progress(observer);
            }
            let file = run::arg(args, "file");
            let up = queue.upload_artifact_from_file(&artifact, file).await;
            finish(bar);
            let up = up?;
            Ok(Outcome::Json(json!({
                "taskId": task_id,
                "runId": run_id,
                "name": name,
                "object": up.name,
                "length": up.length,
                "sha256": up.hashes.sha256,
                "sha512": up.hashes.sha512,
            })))
        }
        other => Err(Problem::usage(format!("no artifact action {other}"))),
    }
}

/// `public/build/app.tar.gz` → `app.tar.gz`, in the current directory.
fn default_output(name: &str) -> Result<PathBuf, Problem> {
    match name.rsplit('/').next() {
        Some(last) if !last.is_empty() && last != "." && last != ".." => Ok(PathBuf::from(last)),
        _ => Err(Problem::usage(format!(
            "cannot name a file after {name:?}: pass --output"
        ))),
    }
}

/// A progress bar on stderr, and the observer that moves it, when stderr is a terminal.
fn progress_bar() -> (Option<ProgressBar>, Option<ProgressFn>) {
    if !std::io::stderr().is_terminal() {
        return (None, None);
    }
    let bar = ProgressBar::no_length().with_style(
        ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {bytes_per_sec} {eta}")
            .expect("a valid template"),
    );
    let moved = bar.clone();
    let observer: ProgressFn = Arc::new(move |p: Progress| {
        if let Some(total) = p.total {
            moved.set_length(total);
        }
        moved.set_position(p.done);
    });
    (Some(bar), Some(observer))
}

fn finish(bar: Option<ProgressBar>) {
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
}
