//! Timing child processes: wall time, CPU time and peak RSS of one child (and whatever it waited for),
//! from `wait4`, so no GNU `time` is needed.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

pub struct Run {
    pub wall: Duration,
    /// Peak resident set size in bytes.
    pub max_rss: u64,
    /// CPU time, user and system.
    pub cpu: Duration,
}

/// Runs `cmd` to completion (stdout and stderr captured, shown only on failure).
pub fn timed(cmd: &mut Command) -> anyhow::Result<Run> {
    let out = tempfile_for_output()?;
    let start = Instant::now();
    let child = cmd
        .stdin(Stdio::null())
        .stdout(out.try_clone()?)
        .stderr(out.try_clone()?)
        .spawn()
        .with_context(|| format!("cannot run {cmd:?}"))?;
    let pid = child.id() as libc::pid_t;
    let mut status: libc::c_int = 0;
    // SAFETY: `rusage` is plain old data; zeroed is a valid value.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: valid pointers to locals; `pid` is our child, not yet waited for (std's
        // `Child` is dropped without waiting, which does not reap it).
        let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if r == pid {
            break;
        }
        let err = std::io::Error::last_os_error();
        if err.kind() != std::io::ErrorKind::Interrupted {
            return Err(err).context("wait4");
        }
    }
    let wall = start.elapsed();
    drop(child);
    if !(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0) {
        let text = std::fs::read_to_string(out.path()).unwrap_or_default();
        bail!("{cmd:?} failed ({status}):\n{text}");
    }
    Ok(Run {
        wall,
        // Linux reports kilobytes.
        max_rss: (usage.ru_maxrss as u64) * 1024,
        cpu: duration(usage.ru_utime) + duration(usage.ru_stime),
    })
}

fn duration(t: libc::timeval) -> Duration {
    Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
}

/// A file for a child's output, deleted when dropped.
struct Output {
    file: std::fs::File,
    path: std::path::PathBuf,
}

impl Output {
    fn try_clone(&self) -> std::io::Result<std::fs::File> {
        self.file.try_clone()
    }

    fn path(&self) -> &std::path::Path {
        &self.path
    }
}

impl Drop for Output {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

fn tempfile_for_output() -> anyhow::Result<Output> {
    let path = std::env::temp_dir().join(format!(
        "tc-bench-{}-{}.log",
        std::process::id(),
        fastish_counter()
    ));
    let file = std::fs::File::create(&path)?;
    Ok(Output { file, path })
}

fn fastish_counter() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

/// Builds `package` of `workspace` in release (in the workspace's own `target/`) and returns the
/// path of its binary `bin`.
pub fn release_binary(workspace: &Path, package: &str, bin: &str) -> anyhow::Result<PathBuf> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .args([
            "build",
            "--release",
            "--quiet",
            "-p",
            package,
            "--manifest-path",
        ])
        .arg(workspace.join("Cargo.toml"))
        .env_remove("CARGO_TARGET_DIR")
        .status()
        .context("cannot run cargo")?;
    if !status.success() {
        bail!("cargo build --release -p {package} failed ({status})");
    }
    Ok(workspace.join("target/release").join(bin))
}
