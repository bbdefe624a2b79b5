//! The shared Taskcluster releases (`../shared/references/taskcluster/`), and scratch workspaces
//! that build a crate generated from one of them: what the every-release tests work on.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

/// The repository root.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap_or(Path::new(".."))
        .to_owned()
}

/// The shared release bundles, oldest first.
pub fn shared_bundles() -> anyhow::Result<Vec<PathBuf>> {
    let dir = workspace().join("../shared/references/taskcluster");
    let entries = fs::read_dir(&dir).with_context(|| {
        format!(
            "{} (the tests need ../shared beside the repository)",
            dir.display()
        )
    })?;
    let mut bundles: Vec<PathBuf> = entries
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    bundles.retain(|p| p.extension().is_some_and(|e| e == "json"));
    // `v24.3.1` < `v60.0.0` < …: by the numbers, not the text.
    bundles.sort_by_key(|p| version(p));
    if bundles.is_empty() {
        bail!("no release bundles in {}", dir.display());
    }
    Ok(bundles)
}

fn version(bundle: &Path) -> Vec<u64> {
    let stem = bundle.file_stem().unwrap_or_default().to_string_lossy();
    stem.trim_start_matches('v')
        .split('.')
        .map(|n| n.parse().unwrap_or(0))
        .collect()
}

/// Imports `bundle` into `dir/references` (with `import-references`' own code).
pub fn import_into(bundle: &Path, dir: &Path) -> anyhow::Result<PathBuf> {
    let references = dir.join("references");
    let source = bundle.to_str().context("a bundle path that is UTF-8")?;
    crate::import::import(source, &references)?;
    Ok(references)
}

/// Writes `generated` to `dir/generated` and makes `dir` a workspace of it and `members`, with
/// this repository's workspace settings and lock file, so it builds as `generated/` does here.
pub fn scratch_workspace(
    dir: &Path,
    generated: &tc_codegen::GeneratedCrate,
    members: &[&str],
) -> anyhow::Result<()> {
    let root = workspace().canonicalize()?;
    tc_codegen::write::write(generated, &dir.join("generated"))?;
    let manifest = fs::read_to_string(root.join("Cargo.toml"))?;
    let shared = manifest
        .find("[workspace.package]")
        .map(|at| &manifest[at..])
        .context("the workspace manifest has [workspace.package]")?;
    let shared = shared.replace("path = \"", &format!("path = \"{}/", root.display()));
    let members: Vec<String> = std::iter::once("generated")
        .chain(members.iter().copied())
        .map(|m| format!("{m:?}"))
        .collect();
    let workspace_manifest = format!(
        "[workspace]\nresolver = \"3\"\nmembers = [{}]\n\n{shared}",
        members.join(", ")
    );
    write_if_changed(&dir.join("Cargo.toml"), &workspace_manifest)?;
    write_if_changed(
        &dir.join("Cargo.lock"),
        &fs::read_to_string(root.join("Cargo.lock"))?,
    )?;
    Ok(())
}

/// Writes `text` to `path` unless it holds that already: an unchanged file keeps its time, so
/// cargo does not rebuild what depends on it.
fn write_if_changed(path: &Path, text: &str) -> std::io::Result<()> {
    if fs::read_to_string(path).is_ok_and(|old| old == text) {
        return Ok(());
    }
    tc_codegen::write::write_file(path, text)
}

/// Cargo for a scratch workspace in `dir` (a release's harness, a test's fixture crate): one
/// target directory for all of them (`target/scratch`), so their dependencies compile once per
/// run, without debug info, which nothing run there needs and which made linking most of it.
pub fn scratch_cargo(dir: &Path) -> std::process::Command {
    let mut cargo = std::process::Command::new(env!("CARGO"));
    cargo
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", scratch_target())
        .env("CARGO_PROFILE_DEV_DEBUG", "0");
    cargo
}

/// The target directory of [`scratch_cargo`].
pub fn scratch_target() -> PathBuf {
    workspace().join("target/scratch")
}

/// Builds the binary `name` (`main_rs`) beside the crate generated from `release`, and returns
/// it. Every test that builds a release's crate builds it here, in one fixed workspace per
/// release (`target/release-harness/<release>`: the generated crate with `events`, and one
/// `harness` package with a binary per test), so each release's crate compiles once per run
/// whichever tests use it; only files that changed are written, so a rerun recompiles only the
/// binaries that changed. All releases share [`scratch_target`], so serde and the runtime
/// compile once.
pub fn build_harness(
    release: &str,
    generated: &tc_codegen::GeneratedCrate,
    name: &str,
    main_rs: &str,
) -> anyhow::Result<PathBuf> {
    let harnesses = workspace().join("target/release-harness");
    let dir = harnesses.join(release);
    scratch_workspace(&dir, generated, &["harness"])?;
    fs::create_dir_all(dir.join("harness/src/bin"))?;
    let manifest = "[package]\nname = \"harness\"\nversion = \"0.0.0\"\nedition = \"2024\"\n\
                    publish = false\n\n[dependencies]\n\
                    tc-client = { path = \"../generated\", features = [\"events\"] }\n\
                    serde.workspace = true\nserde_json.workspace = true\n";
    write_if_changed(&dir.join("harness/Cargo.toml"), manifest)?;
    write_if_changed(&dir.join(format!("harness/src/bin/{name}.rs")), main_rs)?;
    let status = scratch_cargo(&dir)
        .args(["build", "--quiet", "-p", "harness", "--bin", name])
        .status()
        .context("cannot run cargo build")?;
    if !status.success() {
        bail!(
            "{name} and the crate generated from {release} in {} do not build",
            dir.display()
        );
    }
    Ok(scratch_target().join("debug").join(name))
}
