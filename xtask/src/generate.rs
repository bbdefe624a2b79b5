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

/// Generates the crate in `out` from the references in `references`, and, given `cli`, the
/// command-line client's command tree there (`cli/src/api.rs`). Run from the workspace root,
/// errors name files as `references/queue/v1/api.json: /entries/3/input: ...`.
pub fn generate(references: &Path, out: &Path, cli: Option<&Path>) -> anyhow::Result<Report> {
    let started = Instant::now();
    let generated = tc_codegen::generate(references)?;
    let mut changed = tc_codegen::write::stale_files(&generated, out).len();
    if changed > 0 {
        tc_codegen::write::write(&generated, out)
            .with_context(|| format!("cannot write {}", out.display()))?;
    }
    if let Some(cli) = cli
        && std::fs::read_to_string(cli).ok().as_deref() != Some(generated.cli.as_str())
    {
        tc_codegen::write::write_file(cli, &generated.cli)
            .with_context(|| format!("cannot write {}", cli.display()))?;
        changed += 1;
    }
    Ok(Report {
        summary: generated.summary,
        elapsed: started.elapsed(),
        changed,
    })
}

/// Generates the Rucio crate in `out` from the OpenAPI description `spec`, and, given `cli`,
/// the command tree of its command-line client there (`rucio-cli/src/api.rs`).
pub fn generate_rucio(spec: &Path, out: &Path, cli: Option<&Path>) -> anyhow::Result<Report> {
    let started = Instant::now();
    let generated = tc_codegen::generate_rucio(spec)?;
    let mut changed = tc_codegen::write::stale_files(&generated, out).len();
    if changed > 0 {
        tc_codegen::write::write(&generated, out)
            .with_context(|| format!("cannot write {}", out.display()))?;
    }
    if let Some(cli) = cli
        && std::fs::read_to_string(cli).ok().as_deref() != Some(generated.cli.as_str())
    {
        tc_codegen::write::write_file(cli, &generated.cli)
            .with_context(|| format!("cannot write {}", cli.display()))?;
        changed += 1;
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
            "generated {} services, {} methods, {} exchanges, {} types, {} lines in {:.0} ms ({} files \
             changed)",
            s.services,
            s.methods,
            s.exchanges,
            s.types,
            s.lines,
            self.elapsed.as_secs_f64() * 1000.0,
            self.changed
        )
    }
}
