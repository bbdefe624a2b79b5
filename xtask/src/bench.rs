//! `cargo xtask bench [ARGS]`: runs the benchmark in `bench/` (its own cargo workspace, so
//! the peer crates it compares against never enter this workspace's builds) in release, passing
//! it this workspace and this xtask binary (for timing `xtask generate`). ARGS go to the
//! benchmark; see `bench/README.md`.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, bail};

pub fn run(workspace: &Path, args: &[String]) -> anyhow::Result<()> {
    if cfg!(debug_assertions) {
        bail!("run the benchmark through `cargo xtask bench`, which builds xtask in release");
    }
    let xtask = std::env::current_exe().context("cannot find the xtask binary")?;
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .args(["run", "--release", "--manifest-path"])
        .arg(workspace.join("bench/Cargo.toml"))
        .arg("--")
        .arg("--workspace")
        .arg(workspace)
        .arg("--xtask")
        .arg(xtask)
        .args(args)
        // The bench workspace has its own target dir (bench/target).
        .env_remove("CARGO_TARGET_DIR")
        .status()
        .context("cannot run cargo")?;
    if !status.success() {
        bail!("the benchmark failed ({status})");
    }
    Ok(())
}
