//! `cargo check` and debug build time of the client crates themselves, dependencies prebuilt.
//! The targets hold with the runtime included (`runtime-core` and the family's runtime
//! crate rebuilt too), since the peer is one crate; the Rucio rows have no Rust peer.
//!
//! Three scratch crates (each its own workspace, sharing one target dir under
//! `bench/target/buildtime/`) depend on `tc-client` with all services, on `tc-client` with
//! only `queue`, and on the published `taskcluster` crate. Their dependencies are built (and
//! checked) once; then each measurement runs `cargo clean -p <client crate>` and times
//! `cargo check` or `cargo build`, which redoes just that crate (and the empty scratch crate on
//! top). Rounds interleave the variants. The `+ tc-runtime` variants also clean `tc-runtime`,
//! since our client is split in two crates where the peer's is one.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::process::timed;
use crate::stats::Samples;

pub struct Variant {
    pub name: &'static str,
    project: &'static str,
    clean: &'static [&'static str],
}

pub const VARIANTS: &[Variant] = &[
    Variant {
        name: "tc-client, all services",
        project: "ours-all",
        clean: &["tc-client"],
    },
    Variant {
        name: "tc-client, queue only",
        project: "ours-queue",
        clean: &["tc-client"],
    },
    Variant {
        name: "taskcluster",
        project: "peer",
        clean: &["taskcluster"],
    },
    Variant {
        name: "runtime-core + tc-runtime + tc-client, all services",
        project: "ours-all",
        clean: &["tc-client", "tc-runtime", "runtime-core"],
    },
    Variant {
        name: "runtime-core + tc-runtime + tc-client, queue only",
        project: "ours-queue",
        clean: &["tc-client", "tc-runtime", "runtime-core"],
    },
    Variant {
        name: "rucio-client",
        project: "ours-rucio",
        clean: &["rucio-client"],
    },
    Variant {
        name: "runtime-core + rucio-runtime + rucio-client",
        project: "ours-rucio",
        clean: &["rucio-client", "rucio-runtime", "runtime-core"],
    },
];

fn write_project(dir: &Path, name: &str, dependency: &str, lock: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir.join("src"))?;
    let manifest = format!(
        "[workspace]\n\n[package]\nname = \"scratch-{name}\"\nversion = \"0.0.0\"\n\
         edition = \"2024\"\npublish = false\n\n[dependencies]\n{dependency}\n"
    );
    let krate = match name {
        "peer" => "taskcluster",
        "ours-rucio" => "rucio_client",
        _ => "tc_client",
    };
    write_if_changed(&dir.join("Cargo.toml"), &manifest)?;
    write_if_changed(&dir.join("src/lib.rs"), &format!("pub use {krate};\n"))?;
    if !dir.join("Cargo.lock").exists() {
        // The bench's own lock, so the scratch crates build the same dependency versions.
        std::fs::copy(lock, dir.join("Cargo.lock"))?;
    }
    Ok(())
}

fn write_if_changed(path: &Path, text: &str) -> anyhow::Result<()> {
    if std::fs::read_to_string(path).ok().as_deref() != Some(text) {
        std::fs::write(path, text)?;
    }
    Ok(())
}

fn cargo(target: &Path, project: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.args(args)
        .arg("--manifest-path")
        .arg(project.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", target)
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("CARGO_BUILD_RUSTFLAGS")
        // As a user builds a crate from a registry: cargo compiles path dependencies (ours
        // here) incrementally, which costs a clean build about a fifth more, and registry ones
        // (the peer) not.
        .env("CARGO_INCREMENTAL", "0");
    cmd
}

/// What is timed: `cargo check` or `cargo build` (debug).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    Check,
    Build,
}

impl Step {
    pub fn command(self) -> &'static str {
        match self {
            Step::Check => "check",
            Step::Build => "build",
        }
    }
}

/// Seconds per `step` of each of [`VARIANTS`].
pub fn measure(
    bench_dir: &Path,
    workspace: &Path,
    step: Step,
    rounds: usize,
) -> anyhow::Result<Vec<Samples>> {
    let root: PathBuf = bench_dir.join("target/buildtime");
    let target = root.join("target");
    let lock = bench_dir.join("Cargo.lock");
    let generated = workspace.canonicalize()?.join("generated");
    let generated = generated.display();
    write_project(
        &root.join("ours-all"),
        "ours-all",
        &format!("tc-client = {{ path = {:?} }}", generated.to_string()),
        &lock,
    )?;
    write_project(
        &root.join("ours-queue"),
        "ours-queue",
        &format!(
            "tc-client = {{ path = {:?}, default-features = false, features = [\"queue\"] }}",
            generated.to_string()
        ),
        &lock,
    )?;
    let rucio = workspace.canonicalize()?.join("rucio");
    write_project(
        &root.join("ours-rucio"),
        "ours-rucio",
        &format!(
            "rucio-client = {{ path = {:?} }}",
            rucio.display().to_string()
        ),
        &lock,
    )?;
    write_project(&root.join("peer"), "peer", "taskcluster = \"114\"", &lock)?;
    for project in ["ours-all", "ours-queue", "ours-rucio", "peer"] {
        eprintln!(
            "  prebuilding dependencies of {project} ({}) ...",
            step.command()
        );
        timed(&mut cargo(&target, &root.join(project), &[step.command()]))?;
    }
    let mut samples = vec![Samples::default(); VARIANTS.len()];
    for round in 0..rounds {
        for k in 0..VARIANTS.len() {
            let i = (round + k) % VARIANTS.len();
            let v = &VARIANTS[i];
            let project = root.join(v.project);
            let mut clean = vec!["clean"];
            for p in v.clean {
                clean.extend(["-p", p]);
            }
            timed(&mut cargo(&target, &project, &clean))?;
            let run = timed(&mut cargo(&target, &project, &[step.command()]))?;
            samples[i].push(run.wall.as_secs_f64());
        }
    }
    Ok(samples)
}
