//! `cargo xtask test`: everything CI checks, in the order a failure is cheapest to see; then
//! every test, against servers started for this run.
//!
//! The run starts one RabbitMQ node (`runtime/taskcluster/tests/broker/start.sh`: empty, in a scratch
//! directory, on loopback ports of its own) before the tests, gives the test processes its
//! address and directory (`TC_BROKER_URL`, `TC_BROKER_DIR`, read by `tc_testkit::broker`), and
//! stops it and removes the directory at the end; a watchdog does so too if the run is killed.
//! Rucio servers are the tests' own, one per test, each in a scratch directory
//! (`tc_testkit::rucio`). The tests are built first, then run in two lanes at once (the
//! generator's, which compile other releases' crates, and the rest, which mostly wait on
//! servers); every test binary runs even when one fails. After the tests, and before
//! the node stops, the run fails if any of its processes listened beyond 127.0.0.1 and ::1 at
//! any time (`loopback`) or a durable queue is left on the node.

mod loopback;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};

use anyhow::{Context, bail};

/// One step: program, arguments, extra environment.
type Step<'a> = (&'a str, &'a [&'a str], &'a [(&'a str, &'a str)]);

/// Installs the test peers, checks formatting, lints and docs, then runs all tests (the slow ones
/// too) with the run's broker; fails at the end if anything failed.
pub fn run(workspace: &Path) -> anyhow::Result<()> {
    let checks: [Step; 5] = [
        ("bash", &["runtime/taskcluster/tests/peers/install.sh"], &[]),
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
        // The smallest build a user makes (one service, no transfers, no Pulse), which the
        // workspace's feature unification never compiles: its cfgs must leave nothing unused.
        (
            "cargo",
            &[
                "clippy",
                "-p",
                "tc-runtime",
                "-p",
                "tc-client",
                "--no-default-features",
                "--features",
                "tc-client/queue",
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
    ];
    for step in checks {
        let (shown, status) = run_step(workspace, step, &[])?;
        if !status.success() {
            bail!("`{shown}` failed ({status})");
        }
    }

    let run = loopback::Run::this();
    let watch = loopback::Watch::start(&run);
    eprintln!("==> starting the run's RabbitMQ (runtime/taskcluster/tests/broker/start.sh)");
    let broker = RunBroker::start(workspace, &run)?;
    let mut env = broker.env();
    env.push((loopback::MARK.into(), run.id.clone()));
    // Build every test first, then run them in two lanes at once: the generator's tests mostly
    // compile release crates (CPU), the rest mostly wait on servers (Rucio, RabbitMQ, peers).
    let build: Step = ("cargo", &["test", "--workspace", "--no-run"], &[]);
    let (shown, status) = run_step(workspace, build, &env)?;
    let mut failures = Vec::new();
    if status.success() {
        failures.extend(run_lanes(workspace, &env)?);
    } else {
        failures.push(format!(
            "`{shown}` failed ({status}): the tests did not build"
        ));
    }

    eprintln!("==> checking that the run's servers listened on 127.0.0.1 and ::1 only");
    let wide = watch.finish();
    if !wide.is_empty() {
        failures.push(format!(
            "processes of the run listened beyond 127.0.0.1 and ::1:\n  {}",
            wide.join("\n  ")
        ));
    }
    eprintln!("==> checking that the tests left no durable queue on the broker");
    match broker.durable_queues() {
        Ok(queues) if queues.is_empty() => {}
        Ok(queues) => failures.push(format!(
            "the tests left {} durable queue(s) on the broker: {}",
            queues.len(),
            queues.join(", ")
        )),
        Err(e) => failures.push(format!("{e:#}")),
    }
    if let Err(e) = broker.stop() {
        failures.push(format!("{e:#}"));
    }
    if !failures.is_empty() {
        bail!("{}", failures.join("\n"));
    }
    Ok(())
}

/// The generator's tests that compile the crates of other releases: one lane of their own.
const SLOW: [&str; 4] = [
    "forward_compat",
    "releases",
    "schema_valid",
    "unusual_input",
];

/// Runs every test (the slow ones too) in two lanes at once: the [`SLOW`] test targets, and
/// every other target with the doc tests. Both select the whole workspace (targets filtered, not
/// packages), so features unify as in the build and nothing is rebuilt. Each lane's output goes
/// to a log under `target/test-lanes/`, printed whole when the lane ends; what failed.
fn run_lanes(workspace: &Path, env: &[(String, String)]) -> anyhow::Result<Vec<String>> {
    let others: Vec<String> = test_targets(workspace)?
        .into_iter()
        .filter(|name| !SLOW.contains(&name.as_str()))
        .collect();
    let command = |selection: Vec<&str>| -> Vec<String> {
        ["test", "--workspace"]
            .into_iter()
            .chain(selection)
            .chain(["--no-fail-fast", "--", "--include-ignored"])
            .map(String::from)
            .collect()
    };
    fn tests<'a>(names: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
        names
            .into_iter()
            .flat_map(|name| ["--test", name])
            .collect()
    }
    let mut rest = tests(others.iter().map(String::as_str));
    rest.extend(["--lib", "--bins"]);
    let lanes = [
        ("generator", vec![command(tests(SLOW))]),
        ("runtime", vec![command(rest), command(vec!["--doc"])]),
    ];
    let logs = workspace.join("target/test-lanes");
    std::fs::create_dir_all(&logs).with_context(|| format!("cannot create {}", logs.display()))?;
    std::thread::scope(|scope| {
        let running: Vec<_> = lanes
            .into_iter()
            .map(|(lane, commands)| {
                let log_path = logs.join(format!("{lane}.log"));
                scope.spawn(move || run_lane(workspace, env, lane, &commands, &log_path))
            })
            .collect();
        let mut failures = Vec::new();
        for lane in running {
            match lane.join() {
                Ok(Ok(failed)) => failures.extend(failed),
                Ok(Err(e)) => failures.push(format!("{e:#}")),
                Err(_) => failures.push("a test lane panicked".into()),
            }
        }
        Ok(failures)
    })
}

/// Runs one lane's commands in turn, every one even when one fails, into `log_path`; prints the
/// log when the lane ends; what failed.
fn run_lane(
    workspace: &Path,
    env: &[(String, String)],
    lane: &str,
    commands: &[Vec<String>],
    log_path: &Path,
) -> anyhow::Result<Vec<String>> {
    let started = std::time::Instant::now();
    let log = std::fs::File::create(log_path)
        .with_context(|| format!("cannot create {}", log_path.display()))?;
    let mut failures = Vec::new();
    for args in commands {
        let shown = format!("cargo {}", args.join(" "));
        eprintln!(
            "==> lane {lane}: {shown} (output in {})",
            log_path.display()
        );
        let status = Command::new("cargo")
            .args(args)
            .envs(env.iter().map(|(k, v)| (k, v)))
            .current_dir(workspace)
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log.try_clone()?)
            .status()
            .with_context(|| format!("cannot run {shown}"))?;
        if !status.success() {
            failures.push(format!(
                "`{shown}` failed ({status}); the failed tests are above"
            ));
        }
    }
    let output = std::fs::read_to_string(log_path).unwrap_or_default();
    eprintln!(
        "==> lane {lane} ended after {:.0?}; its output:\n{output}",
        started.elapsed()
    );
    Ok(failures)
}

/// The names of the workspace's integration-test targets (`tests/*.rs`, `tests/*/main.rs`).
fn test_targets(workspace: &Path) -> anyhow::Result<Vec<String>> {
    let out = Command::new("cargo")
        .args(["metadata", "--no-deps", "--format-version", "1"])
        .current_dir(workspace)
        .stderr(Stdio::inherit())
        .output()
        .context("cannot run cargo metadata")?;
    if !out.status.success() {
        bail!("cargo metadata failed ({})", out.status);
    }
    let metadata: serde_json::Value =
        serde_json::from_slice(&out.stdout).context("cargo metadata's answer is not JSON")?;
    let mut names: Vec<String> = metadata["packages"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|package| package["targets"].as_array().into_iter().flatten())
        .filter(|target| {
            target["kind"]
                .as_array()
                .is_some_and(|k| k.iter().any(|k| k == "test"))
        })
        .filter_map(|target| target["name"].as_str().map(str::to_owned))
        .collect();
    names.sort();
    names.dedup();
    Ok(names)
}

/// Runs one step in `workspace` with `env` added; what it was, and how it ended.
fn run_step(
    workspace: &Path,
    (program, args, step_env): Step,
    env: &[(String, String)],
) -> anyhow::Result<(String, ExitStatus)> {
    let shown = format!("{program} {}", args.join(" "));
    eprintln!("==> {shown}");
    let status = Command::new(program)
        .args(args)
        .envs(step_env.iter().copied())
        .envs(env.iter().map(|(k, v)| (k, v)))
        .current_dir(workspace)
        .status()
        .with_context(|| format!("cannot run {shown}"))?;
    Ok((shown, status))
}

/// The RabbitMQ node of the run: started by `start.sh`, stopped by `stop.sh` (also when dropped,
/// and by start.sh's watchdog once this process is gone, killed or not).
struct RunBroker {
    scripts: PathBuf,
    dir: PathBuf,
    url: String,
    node: String,
    stopped: bool,
}

impl RunBroker {
    fn start(workspace: &Path, run: &loopback::Run) -> anyhow::Result<RunBroker> {
        let scripts = workspace.join("runtime/taskcluster/tests/broker");
        let out = Command::new("bash")
            .arg(scripts.join("start.sh"))
            .env("TC_BROKER_WATCH_PID", std::process::id().to_string())
            .env(loopback::MARK, &run.id)
            .stdin(Stdio::null())
            .stderr(Stdio::inherit())
            .output()
            .context("cannot run runtime/taskcluster/tests/broker/start.sh")?;
        if !out.status.success() {
            bail!(
                "runtime/taskcluster/tests/broker/start.sh failed ({}): no broker for the Pulse tests",
                out.status
            );
        }
        let stdout = String::from_utf8_lossy(&out.stdout);
        let value = |key: &str| {
            stdout.lines().find_map(|line| {
                line.strip_prefix(key)
                    .and_then(|rest| rest.strip_prefix('='))
                    .map(str::to_owned)
            })
        };
        let (Some(dir), Some(url), Some(node)) = (
            value("TC_BROKER_DIR"),
            value("TC_BROKER_URL"),
            value("RABBITMQ_NODENAME"),
        ) else {
            bail!(
                "runtime/taskcluster/tests/broker/start.sh did not say where its broker is: {stdout:?}"
            );
        };
        Ok(RunBroker {
            scripts,
            dir: dir.into(),
            url,
            node,
            stopped: false,
        })
    }

    /// What the test processes are told about it.
    fn env(&self) -> Vec<(String, String)> {
        vec![
            ("TC_BROKER_URL".into(), self.url.clone()),
            (
                "TC_BROKER_DIR".into(),
                self.dir.to_string_lossy().into_owned(),
            ),
            ("RABBITMQ_NODENAME".into(), self.node.clone()),
        ]
    }

    /// The durable queues on the node.
    fn durable_queues(&self) -> anyhow::Result<Vec<String>> {
        let out = Command::new("bash")
            .arg(self.scripts.join("ctl.sh"))
            .arg(&self.dir)
            .args(["-q", "list_queues", "--no-table-headers", "name", "durable"])
            .stdin(Stdio::null())
            .output()
            .context("cannot run runtime/taskcluster/tests/broker/ctl.sh")?;
        if !out.status.success() {
            bail!(
                "cannot list the broker's queues: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        Ok(String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|line| {
                let (name, durable) = line.rsplit_once('\t')?;
                (durable.trim() == "true").then(|| name.to_owned())
            })
            .collect())
    }

    fn stop(mut self) -> anyhow::Result<()> {
        self.stopped = true;
        eprintln!("==> stopping the run's RabbitMQ");
        let status = Command::new("bash")
            .arg(self.scripts.join("stop.sh"))
            .arg(&self.dir)
            .stdin(Stdio::null())
            .status()
            .context("cannot run runtime/taskcluster/tests/broker/stop.sh")?;
        if !status.success() {
            bail!(
                "runtime/taskcluster/tests/broker/stop.sh {} failed ({status})",
                self.dir.display()
            );
        }
        Ok(())
    }
}

impl Drop for RunBroker {
    fn drop(&mut self) {
        if !self.stopped {
            let _ = Command::new("bash")
                .arg(self.scripts.join("stop.sh"))
                .arg(&self.dir)
                .stdin(Stdio::null())
                .status();
        }
    }
}
