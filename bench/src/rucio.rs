//! The Rucio download rows: our `rucio-rs download` against Rucio's own `rucio download`, both
//! as child processes (`src/process.rs`: wall time and peak RSS from `wait4`) against the same
//! Rucio server (`tc_testkit::rucio::RucioServer`) and the same posix RSE (a local directory;
//! WebDAV did not work in time, see the README): a dataset of many small files, and one large file.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::ensure;

use crate::process;
use crate::stats::{Row, Samples, ratio, speedups};

pub struct RucioOptions {
    /// Files in the dataset of small files.
    pub files: usize,
    /// Size of each small file, KiB.
    pub file_kib: u64,
    /// Size of the large file, MiB (0 skips those rows).
    pub big_mib: u64,
    /// Rounds per case.
    pub rounds: usize,
}

/// Files each client downloads at a time: ours defaults to 4, `rucio download` to 3; both are
/// given the same.
const NDOWNLOADER: &str = "4";

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Who {
    Ours,
    Peer,
}

/// Bytes of `len` that differ with `seed` (xorshift), so no two files are alike.
fn write_data(path: &Path, seed: u64, len: u64) -> anyhow::Result<()> {
    use std::io::Write;
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut out = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    let mut left = len;
    let mut block = [0u8; 8];
    while left > 0 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        block.copy_from_slice(&x.to_le_bytes());
        let n = left.min(8) as usize;
        out.write_all(&block[..n])?;
        left -= n as u64;
    }
    out.flush()?;
    Ok(())
}

/// Whether two files hold the same bytes (read in 1 MiB pieces).
fn same_bytes(a: &Path, b: &Path) -> anyhow::Result<bool> {
    let (mut fa, mut fb) = (std::fs::File::open(a)?, std::fs::File::open(b)?);
    if fa.metadata()?.len() != fb.metadata()?.len() {
        return Ok(false);
    }
    let (mut ba, mut bb) = (vec![0u8; 1 << 20], vec![0u8; 1 << 20]);
    loop {
        let n = fa.read(&mut ba)?;
        if n == 0 {
            return Ok(true);
        }
        fb.read_exact(&mut bb[..n])?;
        if ba[..n] != bb[..n] {
            return Ok(false);
        }
    }
}

/// Every file under `dir`, relative, sorted.
fn files_under(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d)? {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                found.push(path.strip_prefix(dir)?.to_owned());
            }
        }
    }
    found.sort();
    Ok(found)
}

/// One case: a DID to download and where its files must land.
struct Case {
    did: String,
    /// `(path relative to the download directory, source file)`, sorted by path.
    expected: Vec<(PathBuf, PathBuf)>,
    bytes: u64,
}

/// Checks that `dir` holds exactly the case's files with the source bytes.
fn check(case: &Case, dir: &Path, who: Who) -> anyhow::Result<()> {
    let got = files_under(dir)?;
    let want: Vec<PathBuf> = case.expected.iter().map(|(p, _)| p.clone()).collect();
    ensure!(
        got == want,
        "{who:?} downloaded {} files into {} ({:?}…), expected {} ({:?}…)",
        got.len(),
        dir.display(),
        got.first(),
        want.len(),
        want.first()
    );
    for (rel, source) in &case.expected {
        ensure!(
            same_bytes(&dir.join(rel), source)?,
            "{who:?}: {} differs from the uploaded file",
            rel.display()
        );
    }
    Ok(())
}

struct Clients {
    ours: PathBuf,
    ours_config: PathBuf,
    peer: PathBuf,
    peer_config: PathBuf,
    proxy: PathBuf,
}

impl Clients {
    fn command(&self, who: Who, did: &str, dir: &Path) -> Command {
        let (program, config) = match who {
            Who::Ours => (&self.ours, &self.ours_config),
            Who::Peer => (&self.peer, &self.peer_config),
        };
        let mut cmd = Command::new(program);
        cmd.arg("download")
            .arg("--dir")
            .arg(dir)
            .args(["--ndownloader", NDOWNLOADER])
            .arg(did)
            .env("RUCIO_CONFIG", config)
            .env_remove("RUCIO_ACCOUNT")
            .env_remove("RUCIO_AUTH_TYPE")
            .env_remove("RUCIO_VO")
            .env_remove("RUCIO_HOST");
        if who == Who::Peer {
            // Harmless on posix; Rucio's webdav protocol wants an X509 proxy file even for plain HTTP.
            cmd.env("X509_USER_PROXY", &self.proxy);
        }
        cmd
    }
}

#[derive(Default)]
struct Figures {
    ours_secs: Samples,
    peer_secs: Samples,
    ours_rss: Samples,
    peer_rss: Samples,
}

fn measure_case(
    clients: &Clients,
    case: &Case,
    scratch: &Path,
    label: &str,
    rounds: usize,
) -> anyhow::Result<Figures> {
    let mut f = Figures::default();
    for round in 0..rounds {
        let order = if round % 2 == 0 {
            [Who::Ours, Who::Peer]
        } else {
            [Who::Peer, Who::Ours]
        };
        let mut dirs = Vec::new();
        for who in order {
            eprintln!("  round {}/{rounds}: {label}, {who:?}", round + 1);
            let dir = scratch.join(format!("dl-{label}-{round}-{who:?}"));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir)?;
            let run = process::timed(&mut clients.command(who, &case.did, &dir))?;
            check(case, &dir, who)?;
            let (secs, rss) = match who {
                Who::Ours => (&mut f.ours_secs, &mut f.ours_rss),
                Who::Peer => (&mut f.peer_secs, &mut f.peer_rss),
            };
            secs.push(run.wall.as_secs_f64());
            rss.push(run.max_rss as f64 / 1e6);
            dirs.push(dir);
        }
        for dir in dirs {
            std::fs::remove_dir_all(dir)?;
        }
    }
    Ok(f)
}

/// Rates from times: `amount / seconds`, per round.
fn per_sec(amount: f64, secs: &Samples) -> Samples {
    Samples(secs.0.iter().map(|s| amount / s).collect())
}

fn files_rate(v: f64) -> String {
    format!("{v:.0} files/s")
}

fn mbps(v: f64) -> String {
    format!("{v:.1} MB/s")
}

fn mb(v: f64) -> String {
    format!("{v:.0} MB")
}

fn rows_for(case: &Case, what: &str, f: &Figures, files: bool) -> Vec<Row> {
    let mut rows = Vec::new();
    let mb_total = case.bytes as f64 / 1e6;
    if files {
        let n = case.expected.len() as f64;
        let (o, p) = (per_sec(n, &f.ours_secs), per_sec(n, &f.peer_secs));
        rows.push(Row {
            measure: format!("Rucio download, {what}, files/s (wall, process start included)"),
            ours: o.show(files_rate),
            peer: format!("rucio download: {}", p.show(files_rate)),
            ratio: speedups(&o, &p, true).show(ratio),
            target: "—".into(),
            met: None,
        });
    }
    let (o, p) = (
        per_sec(mb_total, &f.ours_secs),
        per_sec(mb_total, &f.peer_secs),
    );
    rows.push(Row {
        measure: format!("Rucio download, {what}, MB/s (wall, process start included)"),
        ours: o.show(mbps),
        peer: format!("rucio download: {}", p.show(mbps)),
        ratio: speedups(&o, &p, true).show(ratio),
        target: "—".into(),
        met: None,
    });
    rows.push(Row {
        measure: format!("Rucio download, {what}, peak RSS of the client process"),
        ours: f.ours_rss.show(mb),
        peer: format!("rucio download: {}", f.peer_rss.show(mb)),
        // Lower is better: peer ÷ ours, > 1 means ours uses less.
        ratio: speedups(&f.ours_rss, &f.peer_rss, false).show(ratio),
        target: "—".into(),
        met: None,
    });
    rows
}

/// The Rucio download rows.
pub fn measure(workspace: &Path, bench_dir: &Path, o: &RucioOptions) -> anyhow::Result<Vec<Row>> {
    eprintln!("building rucio-rs (release) ...");
    let ours = crate::process::release_binary(workspace, "rucio-cli", "rucio-rs")?;
    eprintln!("starting a Rucio server ...");
    let server = tc_testkit::rucio::RucioServer::start()
        .map_err(|e| anyhow::anyhow!("the Rucio test server did not start: {e}"))?;
    let python = |script: &str| {
        server
            .python(script)
            .map_err(|e| anyhow::anyhow!("Rucio's Python client: {e}"))
    };

    let scratch = bench_dir.join("target/rucio");
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&scratch)?;
    // `rucio` sits next to the venv's python.
    let venv_python = PathBuf::from(python("import sys; print(sys.executable)")?.trim());
    let peer = venv_python.with_file_name("rucio");
    ensure!(peer.exists(), "no {}", peer.display());
    // The server's rucio.cfg sets `extract_scope = dirac` (for its DIRAC endpoint), which makes
    // Rucio's download client misread `scope:name`; the peer gets a copy without that line.
    let config = std::fs::read_to_string(server.config_path())?;
    let peer_config = scratch.join("peer.cfg");
    std::fs::write(&peer_config, config.replace("extract_scope = dirac", ""))?;
    let certs = workspace.join("runtime/rucio/tests/rucio_x509");
    let proxy = scratch.join("x509-proxy.pem");
    std::fs::write(
        &proxy,
        std::fs::read_to_string(certs.join("client.pem"))?
            + &std::fs::read_to_string(certs.join("client.key"))?,
    )?;
    let clients = Clients {
        ours: ours.clone(),
        ours_config: server.config_path().to_owned(),
        peer,
        peer_config,
        proxy,
    };

    // The RSE: a directory (a WebDAV RSE was the plan; see the README for why it is not).
    let rse_dir = scratch.join("rse");
    std::fs::create_dir_all(&rse_dir)?;
    let scope = tc_testkit::unique("user.bench", 8);
    python(&format!(
        r#"from rucio.client import Client
c = Client()
c.add_scope('root', '{scope}')
c.add_rse('POSIX')
c.add_protocol('POSIX', {{'scheme': 'file', 'hostname': 'localhost', 'port': 0, 'prefix': '{prefix}/',
                        'impl': 'rucio.rse.protocols.posix.Default',
                        'domains': {{'lan': {{'read': 1, 'write': 1, 'delete': 1}},
                                    'wan': {{'read': 1, 'write': 1, 'delete': 1}}}}}})
c.set_local_account_limit('root', 'POSIX', 10**13)
"#,
        prefix = rse_dir.display()
    ))?;

    // The data, uploaded once with ours.
    let sources = scratch.join("sources");
    std::fs::create_dir_all(&sources)?;
    let upload = |files: &[PathBuf], dataset: Option<&str>| -> anyhow::Result<()> {
        let mut cmd = Command::new(&ours);
        cmd.arg("upload")
            .args(files)
            .args(["--rse", "POSIX", "--scope", &scope])
            .env("RUCIO_CONFIG", server.config_path());
        if let Some(ds) = dataset {
            cmd.arg("--dataset").arg(format!("{scope}:{ds}"));
        }
        process::timed(&mut cmd).map(|_| ())
    };
    let small_bytes = o.file_kib << 10;
    let mut small = Vec::new();
    for i in 0..o.files {
        let path = sources.join(format!("small-{i:04}.dat"));
        write_data(&path, i as u64 + 1, small_bytes)?;
        small.push(path);
    }
    eprintln!(
        "uploading {} × {} KiB files to the posix RSE ...",
        o.files, o.file_kib
    );
    let dataset = "small.ds";
    upload(&small, Some(dataset))?;
    let small_case = Case {
        did: format!("{scope}:{dataset}"),
        expected: small
            .iter()
            .map(|p| (Path::new(dataset).join(p.file_name().unwrap()), p.clone()))
            .collect(),
        bytes: small_bytes * o.files as u64,
    };

    let mut rows = Vec::new();
    eprintln!("measuring Rucio downloads of {} small files ...", o.files);
    let what = format!(
        "dataset of {} × {} KiB files from a posix RSE",
        o.files, o.file_kib
    );
    let f = measure_case(&clients, &small_case, &scratch, "small", o.rounds)?;
    rows.extend(rows_for(&small_case, &what, &f, true));

    if o.big_mib > 0 {
        let big = sources.join("big.dat");
        write_data(&big, 0xB16, o.big_mib << 20)?;
        eprintln!("uploading one {} MiB file ...", o.big_mib);
        upload(std::slice::from_ref(&big), None)?;
        let big_case = Case {
            did: format!("{scope}:big.dat"),
            expected: vec![(Path::new(&scope).join("big.dat"), big.clone())],
            bytes: o.big_mib << 20,
        };
        eprintln!(
            "measuring Rucio downloads of one {} MiB file ...",
            o.big_mib
        );
        let what = format!("one {} MiB file from a posix RSE", o.big_mib);
        let f = measure_case(&clients, &big_case, &scratch, "big", o.rounds)?;
        rows.extend(rows_for(&big_case, &what, &f, false));
    }
    drop(server);
    std::fs::remove_dir_all(&scratch)?;
    Ok(rows)
}
