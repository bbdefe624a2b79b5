//! `cargo xtask <command>`: the project's tasks.
//!
//! - `cargo xtask generate`: regenerate `generated/` (its `Cargo.toml` and `src/`) from
//!   `references/`, printing counts and the time taken. `--references DIR --out DIR` generates
//!   elsewhere (tests and benchmarks use it). See [`xtask::generate`].
//! - `cargo xtask test`: install the test peers (npm, PyPI), then `cargo fmt --check`, clippy
//!   and rustdoc with `-D warnings`, then start the run's RabbitMQ and run every test including
//!   the slow ones, and check that the run listened on loopback only. CI runs exactly this. See
//!   [`xtask::test`].
//! - `cargo xtask bench [ARGS]`: our client against the published `taskcluster` crate, the
//!   `hawk` crate and plain reqwest, plus generation and build times, as one table. The
//!   benchmark is its own workspace in `bench/`; see `bench/README.md`.
//! - `cargo xtask import-references SOURCE`: replace `references/` (at the workspace root) with
//!   the Taskcluster API references from SOURCE, which is a bundle file (JSON array of
//!   `{filename, content}`, e.g. `../shared/references/taskcluster/v106.0.0.json`), a directory
//!   laid out as a deployment serves it (`references/...`, `schemas/...`), or a deployment's root
//!   URL (`https://...`: the manifest, its references and every schema they reach). Served
//!   `references/X` is written to `references/X`, `schemas/X` to `references/schemas/X`, and
//!   `references/source.json` records the source and a hash of the documents. See
//!   [`xtask::import`].
//!   It then prints the change report of the references it replaced against the new ones (see
//!   `api-diff`).
//! - `cargo xtask api-diff OLD NEW`: what changes in the generated crate's public API from the
//!   references OLD to NEW (bundles, reference directories, root URLs, or OpenAPI
//!   descriptions): per service, each change classified breaking, additive or docs-only, and the
//!   version bump they imply. See [`xtask::api_diff`].

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::bail;

mod bench;

const USAGE: &str = "usage: cargo xtask <generate [--references DIR --out DIR] | test | bench [ARGS] | import-references SOURCE | api-diff OLD NEW>";

fn main() -> ExitCode {
    // A panic is a bug here, not in the input; still, the user sees one line, not a backtrace.
    std::panic::set_hook(Box::new(|_| {}));
    let outcome = std::panic::catch_unwind(run);
    match outcome {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(e)) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
        Err(panic) => {
            let message = panic
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| panic.downcast_ref::<&str>().copied())
                .unwrap_or("unknown panic");
            eprintln!("error: internal error (a bug in xtask, please report it): {message}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap_or(Path::new(".."));
    match args.first().map(String::as_str) {
        Some("generate") => {
            let (references, out, cli) = match &args[1..] {
                [] => {
                    // Relative paths, so that errors name `references/...` as the user sees it.
                    std::env::set_current_dir(workspace)?;
                    let cli = PathBuf::from("cli/src/api.rs");
                    (
                        PathBuf::from("references"),
                        PathBuf::from("generated"),
                        Some(cli),
                    )
                }
                [r, references, o, out] if r == "--references" && o == "--out" => {
                    (PathBuf::from(references), PathBuf::from(out), None)
                }
                _ => bail!("usage: cargo xtask generate [--references DIR --out DIR]"),
            };
            let report = xtask::generate::generate(&references, &out, cli.as_deref())?;
            println!("{report}");
            // The second family, when generating the workspace's own crates.
            if cli.is_some() {
                let spec = references.join("rucio/rest_api_doc_spec.yaml");
                let report = xtask::generate::generate_rucio(
                    &spec,
                    Path::new("rucio"),
                    Some(Path::new("rucio-cli/src/api.rs")),
                )?;
                println!("rucio: {report}");
            }
        }
        Some("bench") => bench::run(workspace, &args[1..])?,
        Some("test") if args.len() == 1 => xtask::test::run(workspace)?,
        Some("import-references") => {
            let [_, source] = args.as_slice() else {
                bail!(
                    "usage: cargo xtask import-references SOURCE (bundle file, directory, root URL, or an OpenAPI .yaml)"
                );
            };
            let dest = workspace.join("references");
            // What the references were, to report what the import changes.
            let before = xtask::api_diff::pinned(&dest, source);
            if source.ends_with(".yaml") || source.ends_with(".yml") {
                // An OpenAPI description (Rucio's), pinned beside Taskcluster's references.
                println!(
                    "{}",
                    xtask::import::import_openapi(Path::new(source), &dest)?
                );
            } else {
                let summary = xtask::import::import(source, &dest)?;
                println!("{summary}");
            }
            match before {
                Ok(Some(before)) => {
                    let after = xtask::api_diff::pinned(&dest, source)?
                        .ok_or_else(|| anyhow::anyhow!("the import left no references"))?;
                    let report = tc_codegen::api_diff::diff(&before, &after);
                    let family = xtask::api_diff::Family::of(source);
                    println!(
                        "\n{}",
                        xtask::api_diff::render(family, "the references replaced", source, &report)
                    );
                }
                Ok(None) => println!("(no references were pinned before: no change report)"),
                Err(e) => println!(
                    "(the references replaced do not load, so there is no change report: {e:#})"
                ),
            }
        }
        Some("api-diff") => {
            let [_, old, new] = args.as_slice() else {
                bail!(
                    "usage: cargo xtask api-diff OLD NEW (bundle files, reference directories, root URLs, or OpenAPI .yaml files)"
                );
            };
            let (text, _) = xtask::api_diff::run(old, new)?;
            print!("{text}");
        }
        _ => bail!(USAGE),
    }
    Ok(())
}
