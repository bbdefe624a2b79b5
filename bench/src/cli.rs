//! The command-line rows: `tc`'s start-up and a call's wall time, each a fresh process as a
//! shell runs it, beside what a Python user runs from a shell instead (`python3 -c` with the
//! `taskcluster` client: there is no Python CLI, and Taskcluster's Go `taskcluster` CLI cannot
//! be built here, where Go's module proxy is unreachable); and the size of the stripped
//! release binary.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};
use bytes::Bytes;

use crate::process;
use crate::server::Server;
use crate::stats::{Row, Samples, ratio, speedups};

pub struct CliOptions {
    /// Processes started per client and measure.
    pub runs: usize,
}

/// Builds `tc` in release in `workspace` and strips a copy into `bench/target`.
fn build(workspace: &Path, bench_dir: &Path) -> anyhow::Result<PathBuf> {
    let built = crate::process::release_binary(workspace, "tc-cli", "tc")?;
    let stripped = bench_dir.join("target/tc-stripped");
    std::fs::copy(&built, &stripped).with_context(|| format!("copy {}", built.display()))?;
    let status = Command::new("strip")
        .arg(&stripped)
        .status()
        .context("run strip")?;
    if !status.success() {
        bail!("strip failed ({status})");
    }
    Ok(stripped)
}

fn wall_ms(runs: usize, mut cmd: impl FnMut() -> Command) -> anyhow::Result<Samples> {
    let mut samples = Samples::default();
    // One untimed run first, so both start from a warm page cache.
    process::timed(&mut cmd())?;
    for _ in 0..runs {
        let run = process::timed(&mut cmd())?;
        samples.push(run.wall.as_secs_f64() * 1000.0);
    }
    Ok(samples)
}

fn ms(v: f64) -> String {
    format!("{v:.1} ms")
}

pub fn measure(
    workspace: &Path,
    bench_dir: &Path,
    task: Bytes,
    status: Bytes,
    o: &CliOptions,
) -> anyhow::Result<Vec<Row>> {
    eprintln!("building tc in release for the command-line rows ...");
    let tc = build(workspace, bench_dir)?;
    let size = std::fs::metadata(&tc)?.len();
    let server = Server::start_thread(task, status)?;
    let root = server.root_url();
    let task_id = "fN1SbArXTPSVFNUvaOlinQ";
    let python = Command::new("python3")
        .args(["-c", "import taskcluster"])
        .status()
        .is_ok_and(|s| s.success());
    if !python {
        eprintln!(
            "python3 with `taskcluster` is missing (bash runtime/taskcluster/tests/peers/install.sh)"
        );
    }
    let mut rows = Vec::new();

    eprintln!(
        "measuring tc start-up and a call, {} processes each ...",
        o.runs
    );
    let help = wall_ms(o.runs, || {
        let mut c = Command::new(&tc);
        c.arg("--help");
        c
    })?;
    let call = wall_ms(o.runs, || {
        let mut c = Command::new(&tc);
        c.args(["queue", "task", task_id, "--root-url", &root]);
        c
    })?;
    let (import, py_call) = if python {
        let import = wall_ms(o.runs, || {
            let mut c = Command::new("python3");
            c.args(["-c", "import taskcluster"]);
            c
        })?;
        let script = format!(
            "import taskcluster, json\n\
             print(json.dumps(taskcluster.Queue({{'rootUrl': '{root}'}}).task('{task_id}')))"
        );
        let py_call = wall_ms(o.runs, || {
            let mut c = Command::new("python3");
            c.args(["-c", &script]);
            c
        })?;
        (Some(import), Some(py_call))
    } else {
        (None, None)
    };
    let row = |measure: &str, ours: &Samples, peer: Option<&Samples>, what: &str| Row {
        measure: measure.to_owned(),
        ours: ours.show(ms),
        peer: peer.map_or("— (no python3 taskcluster)".into(), |p| {
            format!("{what}: {}", p.show(ms))
        }),
        ratio: peer.map_or("—".into(), |p| speedups(ours, p, false).show(ratio)),
        target: "—".into(),
        met: None,
    };
    rows.push(row(
        "(info) `tc --help`, wall time of the process",
        &help,
        import.as_ref(),
        "python3 -c 'import taskcluster'",
    ));
    rows.push(row(
        "(info) `tc queue task ID` against a loopback queue, wall time of the process",
        &call,
        py_call.as_ref(),
        "python3 -c (taskcluster.Queue(..).task)",
    ));
    rows.push(Row {
        measure: "(info) `tc` release binary, stripped".into(),
        ours: format!("{:.1} MB", size as f64 / 1e6),
        peer: "—".into(),
        ratio: "—".into(),
        target: "—".into(),
        met: None,
    });
    Ok(rows)
}
