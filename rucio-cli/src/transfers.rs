//! `download` and `upload`: files to and from storage through rucio-client's transfers
//! (`Rucio::download`, `Rucio::upload`: replicas chosen and verified by adler32 and md5,
//! registration and attachment, cleanup on failure), each file's result a JSON line, a
//! progress bar on stderr when it is a terminal.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::Arc;

use clap::{Arg, ArgAction, ArgMatches, Command, value_parser};
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use rucio_client::Rucio;
use rucio_client::runtime::transfer::{Did, TransferEvent};
use serde_json::json;

use crate::run::{Outcome, Problem};

/// The transfer commands.
pub fn commands() -> Vec<Command> {
    let did = |id: &'static str, help: &'static str| {
        Arg::new(id)
            .value_parser(value_parser!(Did))
            .value_name("SCOPE:NAME")
            .help(help)
    };
    vec![
        Command::new("download")
            .about("Download files, datasets or containers into a directory")
            .long_about(
                "Download files, datasets or containers into a directory, as `rucio download` \
                 does: each file from one of its replicas (https/WebDAV or posix), verified by \
                 the adler32 and md5 Rucio records, written under a temporary name and renamed \
                 once verified. A file goes to <dir>/<scope>/<name>, a dataset's files to \
                 <dir>/<dataset>/<file>. Prints a JSON line per file.",
            )
            .arg(
                did("dids", "The DIDs to download")
                    .required(true)
                    .action(ArgAction::Append),
            )
            .arg(
                Arg::new("dir")
                    .long("dir")
                    .value_name("DIR")
                    .value_parser(value_parser!(PathBuf))
                    .default_value(".")
                    .help("The directory to download into"),
            )
            .arg(
                Arg::new("no-subdir")
                    .long("no-subdir")
                    .action(ArgAction::SetTrue)
                    .help("Put the files directly in the directory"),
            )
            .arg(
                Arg::new("rse")
                    .long("rse")
                    .value_name("EXPRESSION")
                    .help("Download only from RSEs matching this expression"),
            )
            .arg(
                Arg::new("ndownloader")
                    .long("ndownloader")
                    .value_name("N")
                    .value_parser(value_parser!(usize))
                    .help("How many files at a time (4 by default)"),
            ),
        Command::new("upload")
            .about("Upload files to an RSE and register them")
            .long_about(
                "Upload files to an RSE under a scope, as `rucio upload` does: adler32 and md5 \
                 computed while reading, the file placed where `lfns2pfns` says, its replica \
                 registered and, with --dataset, attached (the dataset created if missing); on \
                 failure what was placed is deleted. Prints a JSON line per file.",
            )
            .arg(
                Arg::new("files")
                    .value_name("FILE")
                    .value_parser(value_parser!(PathBuf))
                    .required(true)
                    .action(ArgAction::Append)
                    .help("The files to upload"),
            )
            .arg(
                Arg::new("rse")
                    .long("rse")
                    .value_name("RSE")
                    .required(true)
                    .help("The RSE to upload to"),
            )
            .arg(
                Arg::new("scope")
                    .long("scope")
                    .value_name("SCOPE")
                    .required(true)
                    .help("The scope of the files"),
            )
            .arg(did("dataset", "A dataset to attach the files to").long("dataset")),
    ]
}

/// Runs a transfer command, or says the command was not one (`Ok(None)`).
pub async fn run(
    matches: &ArgMatches,
    name: &str,
    args: &ArgMatches,
) -> Result<Option<Outcome>, Problem> {
    if name != "download" && name != "upload" {
        return Ok(None);
    }
    let rucio = Rucio::new(&crate::run::config(matches)?)?;
    let bars = Bars::new();
    if name == "download" {
        let dids: Vec<Did> = args
            .get_many::<Did>("dids")
            .into_iter()
            .flatten()
            .cloned()
            .collect();
        let dir = args.get_one::<PathBuf>("dir").cloned().unwrap_or_default();
        let mut download = rucio.download_dids(dids, dir);
        if args.get_flag("no-subdir") {
            download = download.without_subdir();
        }
        if let Some(expression) = args.get_one::<String>("rse") {
            download = download.with_rse_expression(expression);
        }
        if let Some(files) = args.get_one::<usize>("ndownloader") {
            download = download.with_concurrency(*files);
        }
        if let Some(observer) = bars.observer() {
            download = download.with_progress(observer);
        }
        let files = download.await?;
        bars.finish();
        for file in files {
            line(json!({
                "did": file.did.to_string(), "path": file.path, "rse": file.rse,
                "bytes": file.checksums.bytes, "adler32": file.checksums.adler32,
                "md5": file.checksums.md5,
            }))?;
        }
    } else {
        let rse = crate::run::arg(args, "rse");
        let scope = crate::run::arg(args, "scope");
        let dataset = args.get_one::<Did>("dataset");
        for path in args.get_many::<PathBuf>("files").into_iter().flatten() {
            let mut upload = rucio.upload(path, rse, scope);
            if let Some(dataset) = dataset {
                upload = upload.with_dataset(dataset.clone());
            }
            if let Some(observer) = bars.observer() {
                upload = upload.with_progress(observer);
            }
            let uploaded = upload.await?;
            line(json!({
                "did": uploaded.did.to_string(), "rse": uploaded.rse,
                "bytes": uploaded.checksums.bytes, "adler32": uploaded.checksums.adler32,
                "md5": uploaded.checksums.md5,
                "dataset": uploaded.dataset.map(|d| d.to_string()),
            }))?;
        }
        bars.finish();
    }
    Ok(Some(Outcome::Done))
}

/// One file's result, a JSON line on stdout (a closed pipe ends nothing).
fn line(value: serde_json::Value) -> Result<(), Problem> {
    crate::run::written_or_closed(writeln!(std::io::stdout().lock(), "{value}"))
}

/// A progress bar per file on stderr, when it is a terminal.
struct Bars(Option<MultiProgress>);

impl Bars {
    fn new() -> Bars {
        Bars(std::io::stderr().is_terminal().then(MultiProgress::new))
    }

    /// The observer that moves the bars: a bar appears when a file starts, and goes when it
    /// ends.
    fn observer(&self) -> Option<impl Fn(&TransferEvent) + Send + Sync + 'static> {
        let multi = self.0.clone()?;
        let bars: Arc<std::sync::Mutex<Vec<(Did, ProgressBar)>>> = Arc::default();
        Some(move |event: &TransferEvent| {
            let mut bars = bars.lock().unwrap_or_else(|e| e.into_inner());
            match event {
                TransferEvent::Started { did, bytes, .. } => {
                    let bar = multi.add(ProgressBar::new(bytes.unwrap_or(0)));
                    if let Ok(style) = ProgressStyle::with_template(
                        "{msg:30!} {bar:30} {bytes}/{total_bytes} {bytes_per_sec}",
                    ) {
                        bar.set_style(style);
                    }
                    bar.set_message(did.to_string());
                    bars.push((did.clone(), bar));
                }
                TransferEvent::Advanced { did, done, total } => {
                    if let Some((_, bar)) = bars.iter().find(|(d, _)| d == did) {
                        if let Some(total) = total {
                            bar.set_length(*total);
                        }
                        bar.set_position(*done);
                    }
                }
                TransferEvent::Finished { did, .. } => {
                    if let Some(at) = bars.iter().position(|(d, _)| d == did) {
                        let (_, bar) = bars.remove(at);
                        bar.finish_and_clear();
                    }
                }
                _ => {}
            }
        })
    }

    fn finish(&self) {
        if let Some(multi) = &self.0 {
            let _ = multi.clear();
        }
    }
}
