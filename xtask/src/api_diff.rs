//! `cargo xtask api-diff OLD NEW`: the change report between two reference sets
//! ([`tc_codegen::api_diff`]), and the one `import-references` prints.
//!
//! A side is a Taskcluster bundle (`../shared/references/taskcluster/v95.0.0.json`), a
//! directory of references (as `import-references` writes them, `manifest.json` at the root, or
//! laid out as a deployment serves them), a deployment's root URL, or an OpenAPI description
//! (`.yaml`, `.yml`: Rucio's). Anything but a written reference directory or a spec is imported
//! first, with `import-references`' own code, into a scratch directory that is removed after.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::{Context, Result, bail};
use tc_codegen::api_diff::{Api, Report};

/// Which generated crate a reference set makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    /// `tc-client` (`generated/`).
    Taskcluster,
    /// `rucio-client` (`rucio/`).
    Rucio,
}

impl Family {
    /// The family of `source`: an OpenAPI description by its extension, else Taskcluster.
    pub fn of(source: &str) -> Family {
        if source.ends_with(".yaml") || source.ends_with(".yml") {
            Family::Rucio
        } else {
            Family::Taskcluster
        }
    }

    /// The generated crate's name and its directory in the workspace.
    pub fn crate_name(self) -> (&'static str, &'static str) {
        match self {
            Family::Taskcluster => ("tc-client", "generated"),
            Family::Rucio => ("rucio-client", "rucio"),
        }
    }

    /// The version of the workspace's generated crate (`0.1.0`), from its `Cargo.toml`.
    pub fn crate_version(self) -> String {
        let manifest = crate::releases::workspace()
            .join(self.crate_name().1)
            .join("Cargo.toml");
        fs::read_to_string(manifest)
            .ok()
            .and_then(|text| {
                text.lines()
                    .find_map(|l| l.strip_prefix("version = \"")?.strip_suffix('"'))
                    .map(str::to_owned)
            })
            .unwrap_or_else(|| "0.1.0".to_owned())
    }
}

/// The API the generator makes of `source`.
pub fn load(source: &str) -> Result<Api> {
    let path = Path::new(source);
    if Family::of(source) == Family::Rucio {
        return Ok(Api::rucio(path)?);
    }
    if path.join("manifest.json").is_file() {
        return Ok(Api::taskcluster(path)?);
    }
    let scratch = Scratch::new()?;
    crate::import::import(source, &scratch.0).with_context(|| format!("reading {source}"))?;
    Ok(Api::taskcluster(&scratch.0)?)
}

/// The API of the references pinned in `dest` (the workspace's `references/`) for the family
/// of `source`, before `import-references` replaces them: `None` when there are none yet.
pub fn pinned(dest: &Path, source: &str) -> Result<Option<Api>> {
    match Family::of(source) {
        Family::Rucio => {
            let name = Path::new(source)
                .file_name()
                .context("an OpenAPI description is a file")?;
            let spec = dest.join(crate::import::OPENAPI_DIR).join(name);
            if !spec.is_file() {
                return Ok(None);
            }
            Ok(Some(Api::rucio(&spec)?))
        }
        Family::Taskcluster => {
            if !dest.join("manifest.json").is_file() {
                return Ok(None);
            }
            Ok(Some(Api::taskcluster(dest)?))
        }
    }
}

/// The change report from `old` to `new`, for `family`'s crate at its present version: a
/// heading naming both sides, then [`Report::render`].
pub fn render(family: Family, old: &str, new: &str, report: &Report) -> String {
    let (name, _) = family.crate_name();
    let version = family.crate_version();
    format!(
        "API changes of {name} (now {version}) from {old} to {new}\n{}",
        report.render(&version)
    )
}

/// `cargo xtask api-diff OLD NEW`: the report, and the report itself for tests.
pub fn run(old: &str, new: &str) -> Result<(String, Report)> {
    let family = Family::of(new);
    if Family::of(old) != family {
        bail!(
            "{old} and {new} are of different families (a Taskcluster reference set and an OpenAPI description)"
        );
    }
    let report = tc_codegen::api_diff::diff(&load(old)?, &load(new)?);
    Ok((render(family, old, new, &report), report))
}

/// A scratch directory, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Result<Scratch> {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "xtask-api-diff-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        if dir.exists() {
            fs::remove_dir_all(&dir)?;
        }
        fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        Ok(Scratch(dir.join("references")))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if let Some(parent) = self.0.parent() {
            let _ = fs::remove_dir_all(parent);
        }
    }
}
