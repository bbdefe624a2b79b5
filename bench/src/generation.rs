//! `xtask generate` of all of `references/` (v106) into a scratch directory: wall time and the
//! child's peak RSS per run. The first run writes into an empty directory (every file is
//! new); the later ones find the files up to date.

use std::path::Path;
use std::process::Command;

use crate::process::timed;
use crate::stats::Samples;

pub struct Generation {
    pub wall_secs: Samples,
    pub peak_mb: Samples,
    pub first_wall_secs: f64,
}

pub fn measure(
    xtask: &Path,
    references: &Path,
    scratch: &Path,
    runs: usize,
) -> anyhow::Result<Generation> {
    let out = scratch.join("generated");
    if out.exists() {
        std::fs::remove_dir_all(&out)?;
    }
    std::fs::create_dir_all(scratch)?;
    let mut wall_secs = Samples::default();
    let mut peak_mb = Samples::default();
    for _ in 0..runs {
        let run = timed(
            Command::new(xtask)
                .arg("generate")
                .arg("--references")
                .arg(references)
                .arg("--out")
                .arg(&out),
        )?;
        wall_secs.push(run.wall.as_secs_f64());
        peak_mb.push(run.max_rss as f64 / 1e6);
    }
    anyhow::ensure!(
        out.join("src/queue/mod.rs").exists(),
        "xtask generate wrote no queue module into {}",
        out.display()
    );
    let first_wall_secs = wall_secs.0.first().copied().unwrap_or(f64::NAN);
    Ok(Generation {
        wall_secs,
        peak_mb,
        first_wall_secs,
    })
}
