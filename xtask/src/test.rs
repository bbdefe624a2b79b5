//! `cargo xtask test`: everything CI checks, in the order a failure is cheapest to see.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, bail};

/// One step: program, arguments, extra environment.
type Step<'a> = (&'a str, &'a [&'a str], &'a [(&'a str, &'a str)]);

/// Installs the test peers, then checks formatting, lints, docs and all tests, the slow ones too.
pub fn run(workspace: &Path) -> anyhow::Result<()> {
    let steps: [Step; 5] = [
        ("bash", &["runtime/tests/peers/install.sh"], &[]),
        ("cargo", &["fmt", "--all", "--check"], &[]),
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
            &[],
        ),
        (
            "cargo",
            &["doc", "--workspace", "--no-deps", "--all-features"],
            &[("RUSTDOCFLAGS", "-D warnings")],
        ),
        (
            "cargo",
            &["test", "--workspace", "--", "--include-ignored"],
            &[],
        ),
    ];
    for (program, args, env) in steps {
        let shown = format!("{program} {}", args.join(" "));
        eprintln!("==> {shown}");
        let status = Command::new(program)
            .args(args)
            .envs(env.iter().copied())
            .current_dir(workspace)
            .status()
            .with_context(|| format!("cannot run {shown}"))?;
        if !status.success() {
            bail!("`{shown}` failed ({status})");
        }
    }
    Ok(())
}
