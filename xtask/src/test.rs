//! `cargo xtask test`: everything CI checks, in the order a failure is cheapest to see.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, bail};

/// Installs the test peers, then checks formatting, lints and all tests, the slow ones too.
pub fn run(workspace: &Path) -> anyhow::Result<()> {
    let steps: [(&str, &[&str]); 4] = [
        ("bash", &["runtime/tests/peers/install.sh"]),
        ("cargo", &["fmt", "--all", "--check"]),
        (
            "cargo",
            &[
                "clippy",
                "--workspace",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ],
        ),
        ("cargo", &["test", "--workspace", "--", "--include-ignored"]),
    ];
    for (program, args) in steps {
        let shown = format!("{program} {}", args.join(" "));
        eprintln!("==> {shown}");
        let status = Command::new(program)
            .args(args)
            .current_dir(workspace)
            .status()
            .with_context(|| format!("cannot run {shown}"))?;
        if !status.success() {
            bail!("`{shown}` failed ({status})");
        }
    }
    Ok(())
}
