//! Stage 6b: write the generated crate, all or nothing.
//!
//! The generator owns `Cargo.toml` and `src/` of the output directory; anything else there
//! (hand-written tests, examples) is left alone. New files are written to a staging directory
//! beside it and swapped in by renames, so an error never leaves a half-written crate.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::GeneratedCrate;

/// Replaces the generated files under `dir` with `generated`.
pub fn write(generated: &GeneratedCrate, dir: &Path) -> io::Result<()> {
    let parent = dir
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "generated".into());
    let staging = parent.join(format!(".{name}.new-{}", std::process::id()));
    let retired = parent.join(format!(".{name}.old-{}", std::process::id()));
    let _ = fs::remove_dir_all(&staging);
    let _ = fs::remove_dir_all(&retired);

    let result = stage(generated, &staging).and_then(|()| swap(&staging, &retired, dir));
    let _ = fs::remove_dir_all(&staging);
    let _ = fs::remove_dir_all(&retired);
    result
}

fn stage(generated: &GeneratedCrate, staging: &Path) -> io::Result<()> {
    fs::create_dir_all(staging.join("src"))?;
    for (path, text) in &generated.files {
        let target = staging.join(path);
        if let Some(p) = target.parent() {
            fs::create_dir_all(p)?;
        }
        fs::write(target, text)?;
    }
    Ok(())
}

/// Moves the owned entries of `dir` to `retired` and those of `staging` in, rolling back on error.
fn swap(staging: &Path, retired: &Path, dir: &Path) -> io::Result<()> {
    fs::create_dir_all(dir)?;
    fs::create_dir_all(retired)?;
    let owned = ["src", "Cargo.toml"];
    let mut moved_out: Vec<&str> = Vec::new();
    let mut moved_in: Vec<&str> = Vec::new();
    let outcome = (|| {
        for entry in owned {
            if dir.join(entry).exists() {
                fs::rename(dir.join(entry), retired.join(entry))?;
                moved_out.push(entry);
            }
        }
        for entry in owned {
            fs::rename(staging.join(entry), dir.join(entry))?;
            moved_in.push(entry);
        }
        Ok(())
    })();
    if outcome.is_err() {
        for entry in moved_in {
            let _ = fs::rename(dir.join(entry), staging.join(entry));
        }
        for entry in moved_out {
            let _ = fs::rename(retired.join(entry), dir.join(entry));
        }
    }
    outcome
}

/// Writes one generated file whole: to a temporary name beside it, then renamed over it.
pub fn write_file(path: &Path, text: &str) -> io::Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let staging = path.with_file_name(format!(".{name}.new-{}", std::process::id()));
    let outcome = fs::write(&staging, text).and_then(|()| fs::rename(&staging, path));
    if outcome.is_err() {
        let _ = fs::remove_file(&staging);
    }
    outcome
}

/// The generated files that differ from what is in `dir`: changed, missing, or left over in
/// `src/`. Empty when `dir` is up to date.
pub fn stale_files(generated: &GeneratedCrate, dir: &Path) -> Vec<PathBuf> {
    let mut stale: Vec<PathBuf> = generated
        .files
        .iter()
        .filter(|(path, text)| fs::read_to_string(dir.join(path)).ok().as_deref() != Some(text))
        .map(|(path, _)| path.clone())
        .collect();
    let mut stack = vec![PathBuf::from("src")];
    while let Some(rel) = stack.pop() {
        let Ok(entries) = fs::read_dir(dir.join(&rel)) else {
            continue;
        };
        for entry in entries.flatten() {
            let rel = rel.join(entry.file_name());
            if entry.path().is_dir() {
                stack.push(rel);
            } else if !generated.files.contains_key(&rel) {
                stale.push(rel);
            }
        }
    }
    stale.sort();
    stale
}
