//! The benchmark behind `cargo xtask bench`: our typed client against what a user would pick
//! instead, in one run on one machine, printed as one table. See `bench/README.md`.

mod buildtime;
mod calls;
mod cli;
mod generation;
mod objects;
mod pieces;
mod process;
mod pulse;
mod rucio;
mod server;
mod sign;
mod stats;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, bail};
use bytes::Bytes;

use calls::{Call, Who};
use stats::{Row, Samples, nanos, rate, ratio, secs, speedups};

const USAGE: &str = "usage: tc-bench [--workspace DIR] [--xtask PATH] [--calls N] [--rounds N] \
[--sign-ops N] [--gen-runs N] [--build-rounds N] [--object-mib N] [--object-big-mib N] \
[--object-rounds N] [--pulse-messages N] [--pulse-rounds N] [--cli-runs N] [--rucio-files N] \
[--rucio-file-kib N] [--rucio-big-mib N] [--rucio-rounds N] [--skip-calls] [--skip-generate] \
[--skip-build] [--skip-objects] [--skip-pulse] [--skip-cli] [--skip-rucio]";

struct Options {
    workspace: PathBuf,
    xtask: Option<PathBuf>,
    calls: usize,
    rounds: usize,
    sign_ops: usize,
    gen_runs: usize,
    build_rounds: usize,
    skip_calls: bool,
    skip_generate: bool,
    skip_build: bool,
    objects: objects::ObjectOptions,
    skip_objects: bool,
    pulse: pulse::PulseOptions,
    skip_pulse: bool,
    cli: cli::CliOptions,
    skip_cli: bool,
    rucio: rucio::RucioOptions,
    skip_rucio: bool,
}

fn options() -> anyhow::Result<Options> {
    let bench_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut o = Options {
        workspace: bench_dir.parent().unwrap_or(Path::new("..")).to_owned(),
        xtask: None,
        calls: 3000,
        rounds: 7,
        sign_ops: 200_000,
        gen_runs: 5,
        build_rounds: 3,
        skip_calls: false,
        skip_generate: false,
        skip_build: false,
        objects: objects::ObjectOptions {
            mib: 1024,
            big_mib: 4096,
            rounds: 3,
        },
        skip_objects: false,
        pulse: pulse::PulseOptions {
            messages: 100_000,
            rounds: 3,
        },
        skip_pulse: false,
        cli: cli::CliOptions { runs: 20 },
        skip_cli: false,
        rucio: rucio::RucioOptions {
            files: 200,
            file_kib: 16,
            big_mib: 256,
            rounds: 3,
        },
        skip_rucio: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || {
            args.next()
                .with_context(|| format!("{a} needs a value\n{USAGE}"))
        };
        match a.as_str() {
            "--workspace" => o.workspace = value()?.into(),
            "--xtask" => o.xtask = Some(value()?.into()),
            "--calls" => o.calls = value()?.parse()?,
            "--rounds" => o.rounds = value()?.parse()?,
            "--sign-ops" => o.sign_ops = value()?.parse()?,
            "--gen-runs" => o.gen_runs = value()?.parse()?,
            "--build-rounds" => o.build_rounds = value()?.parse()?,
            "--skip-calls" => o.skip_calls = true,
            "--skip-generate" => o.skip_generate = true,
            "--skip-build" => o.skip_build = true,
            "--object-mib" => o.objects.mib = value()?.parse()?,
            "--object-big-mib" => o.objects.big_mib = value()?.parse()?,
            "--object-rounds" => o.objects.rounds = value()?.parse()?,
            "--skip-objects" => o.skip_objects = true,
            "--pulse-messages" => o.pulse.messages = value()?.parse()?,
            "--pulse-rounds" => o.pulse.rounds = value()?.parse()?,
            "--skip-pulse" => o.skip_pulse = true,
            "--cli-runs" => o.cli.runs = value()?.parse()?,
            "--skip-cli" => o.skip_cli = true,
            "--rucio-files" => o.rucio.files = value()?.parse()?,
            "--rucio-file-kib" => o.rucio.file_kib = value()?.parse()?,
            "--rucio-big-mib" => o.rucio.big_mib = value()?.parse()?,
            "--rucio-rounds" => o.rucio.rounds = value()?.parse()?,
            "--skip-rucio" => o.skip_rucio = true,
            _ => bail!("unknown argument {a:?}\n{USAGE}"),
        }
    }
    if o.calls == 0
        || o.rounds == 0
        || o.sign_ops == 0
        || o.gen_runs == 0
        || o.build_rounds == 0
        || o.objects.mib == 0
        || o.objects.rounds == 0
        || o.pulse.messages == 0
        || o.pulse.rounds == 0
        || o.rucio.files == 0
        || o.rucio.file_kib == 0
        || o.rucio.rounds == 0
    {
        bail!("counts must be positive");
    }
    Ok(o)
}

fn minify(path: &Path) -> anyhow::Result<Bytes> {
    let text = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let value: serde_json::Value = serde_json::from_slice(&text)?;
    Ok(serde_json::to_vec(&value)?.into())
}

/// Checks that the typed client parses the task definition as `queue.task`'s `Task` and as
/// `create_task`'s request, naming the offending field if it does not.
fn check_typed(task: &[u8]) -> anyhow::Result<()> {
    use tc_client::queue::types::{Task, TaskDefinitionRequest};
    let de = &mut serde_json::Deserializer::from_slice(task);
    serde_path_to_error::deserialize::<_, Task>(de).with_context(|| "data/task.json as `Task`")?;
    let de = &mut serde_json::Deserializer::from_slice(task);
    serde_path_to_error::deserialize::<_, TaskDefinitionRequest>(de)
        .with_context(|| "data/task.json as `TaskDefinitionRequest`")?;
    Ok(())
}

fn machine() -> String {
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, m)| m.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    format!("{cpus} CPUs available ({model})")
}

/// A build-time row: the variant's index, what it builds, and its target (the minimum of peer ÷
/// ours, and how it reads), `None` for an `(info)` row.
type BuildTarget = (usize, &'static str, Option<(f64, &'static str)>);

fn rate_row(measure: &str, ours: &Samples, peer: &Samples, peer_name: &str, min: f64) -> Row {
    let r = speedups(ours, peer, true);
    Row {
        measure: measure.into(),
        ours: ours.show(rate),
        peer: format!("{}: {}", peer_name, peer.show(rate)),
        ratio: r.show(ratio),
        target: format!("≥ {min}×"),
        met: Some(r.median() >= min),
    }
}

fn main() -> anyhow::Result<()> {
    // A client process of the object rows, or a consumer of the Pulse rows.
    if let Some(child) = objects::child_main() {
        return child;
    }
    if let Some(child) = pulse::child_main() {
        return child;
    }
    let o = options()?;
    let bench_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let data = bench_dir.join("data");
    let task = minify(&data.join("task.json"))?;
    check_typed(&task)?;
    let status = minify(&data.join("task-status.json"))?;
    println!("tc-bench: {}", machine());
    println!(
        "task definition {} bytes, task status {} bytes; {} calls × {} rounds per client; \
         figures are median (min–max) over rounds; ratio > 1 means ours is faster\n",
        task.len(),
        status.len(),
        o.calls,
        o.rounds
    );

    let mut rows = Vec::new();

    if !o.skip_calls {
        // Sequential calls: client and server share one thread (a current-thread runtime), so a
        // call costs what the client and the server compute, not two thread wake-ups (which
        // otherwise dominate on loopback and make every client look alike).
        eprintln!("measuring sequential GET queue.task and PUT queue.create_task ...");
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let (get, put) = rt.block_on(async {
            let server = server::Server::start_here(task.clone(), status.clone())?;
            let clients = Arc::new(calls::Clients::new(&server.root_url(), &task)?);
            clients.check(&server).await?;
            let get = calls::measure(
                &clients,
                &[
                    Who::Ours,
                    Who::Peer,
                    Who::Floor,
                    Who::OursDropAll,
                    Who::ByHand,
                ],
                Call::Get,
                o.calls,
                1,
                o.rounds,
            )
            .await?;
            let put = calls::measure(
                &clients,
                &[Who::Ours, Who::Peer, Who::OursDropAll],
                Call::Put,
                o.calls,
                1,
                o.rounds,
            )
            .await?;
            anyhow::Ok((get, put))
        })?;
        drop(rt);

        // Concurrency 16: a multi-threaded runtime (one worker per CPU), the server on a thread
        // of its own.
        eprintln!("measuring GET at concurrency 16 ...");
        let rt = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()?;
        let c16 = rt.block_on(async {
            let server = server::Server::start_thread(task.clone(), status.clone())?;
            let clients = Arc::new(calls::Clients::new(&server.root_url(), &task)?);
            clients.check(&server).await?;
            calls::measure(
                &clients,
                &[Who::Ours, Who::Peer, Who::Floor],
                Call::Get,
                o.calls,
                16,
                o.rounds,
            )
            .await
        })?;
        drop(rt);

        rows.push(rate_row(
            "sequential calls/s, GET `queue.task` (1.6 KB task, parsed)",
            &get[0],
            &get[1],
            "taskcluster",
            1.5,
        ));
        rows.push(rate_row(
            "sequential calls/s, PUT `queue.create_task` (1.6 KB body)",
            &put[0],
            &put[1],
            "taskcluster",
            1.5,
        ));
        rows.push(rate_row(
            "calls/s at concurrency 16 (GET, 16 tasks, one client)",
            &c16[0],
            &c16[1],
            "taskcluster",
            1.5,
        ));
        rows.push(rate_row(
            "the same sequential GET vs plain reqwest (no signing, no parsing): the floor",
            &get[0],
            &get[2],
            "reqwest",
            0.9,
        ));
        rows.push(rate_row(
            "the same sequential GET vs the GET by hand (reqwest, Hawk signer, serde-derived `Task`): the honest floor",
            &get[0],
            &get[4],
            "by hand",
            0.95,
        ));
        rows.push(rate_row(
            "sequential GET with a `tracing` subscriber that drops everything, vs none",
            &get[3],
            &get[0],
            "no subscriber",
            0.98,
        ));
        rows.push(rate_row(
            "sequential PUT with a `tracing` subscriber that drops everything, vs none",
            &put[2],
            &put[0],
            "no subscriber",
            0.98,
        ));
        rows.push(rate_row(
            "(info) concurrency 16 vs plain reqwest",
            &c16[0],
            &c16[2],
            "reqwest",
            0.9,
        ));
        if let Some(last) = rows.last_mut() {
            last.target = "—".into();
            last.met = None;
        }

        eprintln!("measuring Hawk signing ...");
        let (ours, peer) = sign::measure(o.sign_ops, o.rounds)?;
        let r = speedups(&ours, &peer, false);
        rows.push(Row {
            measure: "Hawk header signing, ns/op".into(),
            ours: ours.show(nanos),
            peer: format!("hawk: {}", peer.show(nanos)),
            ratio: r.show(ratio),
            target: "≥ 2×".into(),
            met: Some(r.median() >= 2.0),
        });

        eprintln!("measuring the pieces of a call ...");
        for p in pieces::measure(&task, (o.sign_ops / 20).max(1), o.rounds)? {
            rows.push(Row {
                measure: format!("(info) per call: {}, ns/op", p.what),
                ours: p.ours.show(nanos),
                peer: format!("{}: {}", p.peer_does, p.peer.show(nanos)),
                ratio: speedups(&p.ours, &p.peer, false).show(ratio),
                target: "—".into(),
                met: None,
            });
        }
    }

    if !o.skip_generate {
        let xtask = match &o.xtask {
            Some(x) => x.clone(),
            None => o.workspace.join("target/release/xtask"),
        };
        if !xtask.exists() {
            bail!(
                "{} does not exist: run through `cargo xtask bench`, pass --xtask, or --skip-generate",
                xtask.display()
            );
        }
        eprintln!("measuring xtask generate ...");
        let g = generation::measure(
            &xtask,
            &o.workspace.join("references"),
            &bench_dir.join("target/generate"),
            o.gen_runs,
        )?;
        rows.push(Row {
            measure: format!(
                "`xtask generate`, all of v106, wall (release; first run into an empty dir: {})",
                secs(g.first_wall_secs)
            ),
            ours: g.wall_secs.show(secs),
            peer: "—".into(),
            ratio: "—".into(),
            target: "< 1 s".into(),
            met: Some(g.wall_secs.median() < 1.0),
        });
        rows.push(Row {
            measure: "`xtask generate`, all of v106, peak RSS".into(),
            ours: g.peak_mb.show(|v| format!("{v:.0} MB")),
            peer: "—".into(),
            ratio: "—".into(),
            target: "< 200 MB".into(),
            met: Some(g.peak_mb.max() < 200.0),
        });
    }

    if !o.skip_build {
        use buildtime::Step;
        // (variant, what, target as peer ÷ ours, the peer's figure it is held against)
        for step in [Step::Check, Step::Build] {
            eprintln!(
                "measuring `cargo {}` (prebuilding dependencies first) ...",
                step.command()
            );
            let b = buildtime::measure(bench_dir, &o.workspace, step, o.build_rounds)?;
            let peer = &b[2];
            let targets: [BuildTarget; 6] = match step {
                Step::Check => [
                    (0, "all services", None),
                    (1, "one service (`queue`)", None),
                    (
                        3,
                        "all services, runtime included",
                        Some((1.0 / 3.0, "≤ 3× the peer")),
                    ),
                    (
                        4,
                        "one service (`queue`), runtime included",
                        Some((1.0, "≤ the peer (all of it)")),
                    ),
                    (5, "Rucio, every group", None),
                    (6, "Rucio, every group, runtime included", None),
                ],
                Step::Build => [
                    (0, "all services", None),
                    (1, "one service (`queue`)", None),
                    (
                        3,
                        "all services, runtime included",
                        Some((0.5, "≤ 2× the peer")),
                    ),
                    (
                        4,
                        "one service (`queue`), runtime included",
                        Some((1.0, "≤ the peer")),
                    ),
                    (5, "Rucio, every group", None),
                    (6, "Rucio, every group, runtime included", None),
                ],
            };
            for (i, what, target) in targets {
                let r = speedups(&b[i], peer, false);
                let label = match step {
                    Step::Check => "`cargo check`",
                    Step::Build => "debug build",
                };
                rows.push(Row {
                    measure: format!(
                        "{}{label} of the client crate, deps prebuilt: {what} ({})",
                        if target.is_none() { "(info) " } else { "" },
                        buildtime::VARIANTS[i].name
                    ),
                    ours: b[i].show(secs),
                    peer: format!("taskcluster: {}", peer.show(secs)),
                    ratio: r.show(ratio),
                    target: target.map_or("—".into(), |(_, t)| t.into()),
                    met: target.map(|(min, _)| r.median() >= min),
                });
            }
        }
    }

    if !o.skip_objects {
        rows.extend(objects::measure(&o.workspace, bench_dir, &o.objects)?);
    }

    if !o.skip_pulse {
        rows.extend(pulse::measure(bench_dir, &o.pulse)?);
    }

    if !o.skip_cli {
        rows.extend(cli::measure(
            &o.workspace,
            bench_dir,
            task.clone(),
            status.clone(),
            &o.cli,
        )?);
    }

    if !o.skip_rucio {
        rows.extend(rucio::measure(&o.workspace, bench_dir, &o.rucio)?);
    }

    println!();
    stats::print_table(&rows);
    Ok(())
}
