//! `cargo xtask generate`: regenerate `generated/` from `references/`.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Context;

/// What one generation did.
#[derive(Debug)]
pub struct Report {
    pub summary: tc_codegen::Summary,
    pub elapsed: Duration,
    /// Files whose content changed.
    pub changed: usize,
}

/// Generates `<workspace>/generated` from `<workspace>/references`. Paths in errors are relative
/// to the workspace (`references/queue/v1/api.json: /entries/3/input: ...`).
pub fn generate(workspace: &Path) -> anyhow::Result<Report> {
    std::env::set_current_dir(workspace)
        .with_context(|| format!("cannot enter {}", workspace.display()))?;
    let started = Instant::now();
    let generated = tc_codegen::generate(Path::new("references"))?;
    let out = Path::new("generated");
    let changed = tc_codegen::write::stale_files(&generated, out).len();
    if changed > 0 {
        tc_codegen::write::write(&generated, out).context("cannot write generated/")?;
    }
    Ok(Report {
        summary: generated.summary,
        elapsed: started.elapsed(),
        changed,
    })
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = &self.summary;
        write!(
            f,
            "generated {} services, {} methods, {} types, {} lines in {:.0} ms ({} files changed)",
            s.services,
            s.methods,
            s.types,
            s.lines,
            self.elapsed.as_secs_f64() * 1000.0,
            self.changed
        )
    }
}
