//! What the run's processes listen on, beyond loopback: read from `/proc/net/tcp` and
//! `/proc/net/tcp6` (no `ss` needed) and each process's `/proc/<pid>/fd`.
//!
//! A process is the run's when it carries the run's mark in its environment (every process the
//! run starts inherits it, even one that left its parent, as a server does), descends from
//! `cargo xtask test`, or began after the run did and is a server the tests run (epmd, an Erlang
//! VM, gunicorn, Python, Node.js). A socket whose process cannot be seen (another user's, or the
//! machine's own) is not the run's.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::fs;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::Duration;

/// The environment variable that marks the run's processes; its value is the run's id.
pub const MARK: &str = "TC_TEST_RUN";

/// Names of the servers the tests start (`comm`, which Linux cuts to 15 bytes).
const SERVERS: &[&str] = &[
    "epmd",
    "beam.smp",
    "erl",
    "gunicorn",
    "node",
    "rabbitmq-server",
];

/// This run: its id (the value of [`MARK`]), the process that runs it and when it began.
#[derive(Clone, Debug)]
pub struct Run {
    pub id: String,
    pid: u32,
    began: u64,
}

impl Run {
    /// The run of this process.
    pub fn this() -> Run {
        let pid = std::process::id();
        Run {
            id: format!("{pid}-{}", start_time(pid).unwrap_or(0)),
            pid,
            began: start_time(pid).unwrap_or(0),
        }
    }
}

/// A listening TCP socket: its address and inode.
#[derive(Clone, Debug, PartialEq)]
struct Socket {
    address: SocketAddr,
    inode: u64,
}

/// Listening sockets from a `/proc/net/tcp` or `/proc/net/tcp6` table.
fn listening(table: &str) -> Vec<Socket> {
    table
        .lines()
        .skip(1)
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
            if fields.get(3) != Some(&"0A") {
                return None;
            }
            let (ip, port) = fields.get(1)?.split_once(':')?;
            let port = u16::from_str_radix(port, 16).ok()?;
            Some(Socket {
                address: SocketAddr::new(parse_ip(ip)?, port),
                inode: fields.get(9)?.parse().ok()?,
            })
        })
        .collect()
}

/// An address as the kernel prints it: each 32-bit word in hex, in the machine's byte order.
fn parse_ip(hex: &str) -> Option<IpAddr> {
    let words = (0..hex.len() / 8)
        .map(|i| u32::from_str_radix(hex.get(8 * i..8 * i + 8)?, 16).ok())
        .collect::<Option<Vec<u32>>>()?;
    let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_ne_bytes()).collect();
    match bytes.len() {
        4 => Some(IpAddr::V4(Ipv4Addr::new(
            bytes[0], bytes[1], bytes[2], bytes[3],
        ))),
        16 => Some(IpAddr::V6(Ipv6Addr::from(
            <[u8; 16]>::try_from(bytes).ok()?,
        ))),
        _ => None,
    }
}

fn is_loopback(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_loopback(),
        IpAddr::V6(v6) => {
            v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
    }
}

/// Field `n` (1-based, as in proc(5)) of `/proc/<pid>/stat`.
fn stat_field(pid: u32, n: usize) -> Option<String> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name, field 2, is in parentheses and may hold spaces.
    let rest = stat.rsplit_once(')')?.1;
    rest.split_whitespace().nth(n - 3).map(str::to_owned)
}

/// When the process began, in clock ticks since boot.
fn start_time(pid: u32) -> Option<u64> {
    stat_field(pid, 22)?.parse().ok()
}

fn parent(pid: u32) -> Option<u32> {
    stat_field(pid, 4)?.parse().ok()
}

fn command_line(pid: u32) -> String {
    let raw = fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
    let line = String::from_utf8_lossy(&raw).replace('\0', " ");
    let line = line.trim();
    if line.chars().count() > 160 {
        format!("{}...", line.chars().take(160).collect::<String>())
    } else {
        line.to_owned()
    }
}

/// Whether `pid` is one of the run's processes (see the module's docs).
fn of_the_run(run: &Run, pid: u32) -> bool {
    if pid == run.pid {
        return true;
    }
    let mark = format!("{MARK}={}", run.id);
    let environ = fs::read(format!("/proc/{pid}/environ")).unwrap_or_default();
    if environ.split(|b| *b == 0).any(|v| v == mark.as_bytes()) {
        return true;
    }
    let mut ancestor = pid;
    for _ in 0..64 {
        match parent(ancestor) {
            Some(p) if p == run.pid => return true,
            Some(p) if p > 1 => ancestor = p,
            _ => break,
        }
    }
    let comm = fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
    let comm = comm.trim();
    let server = SERVERS.contains(&comm) || comm.starts_with("python");
    server && start_time(pid).is_some_and(|t| t >= run.began)
}

/// The run's listening sockets beyond loopback, one line each: address, pid and command line.
pub fn wide_listeners(run: &Run) -> Vec<String> {
    run_listeners(run, |address| !is_loopback(address.ip()))
}

/// The run's listening sockets whose address `select` picks, as [`wide_listeners`] says them.
fn run_listeners(run: &Run, select: impl Fn(&SocketAddr) -> bool) -> Vec<String> {
    let mut wide = Vec::new();
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let Ok(text) = fs::read_to_string(table) else {
            continue;
        };
        wide.extend(listening(&text).into_iter().filter(|s| select(&s.address)));
    }
    if wide.is_empty() {
        return Vec::new();
    }
    let inodes: HashSet<u64> = wide.iter().map(|s| s.inode).collect();
    let owners = socket_owners(&inodes);
    let mut found = Vec::new();
    for socket in wide {
        for &pid in owners.get(&socket.inode).into_iter().flatten() {
            if of_the_run(run, pid) {
                found.push(format!(
                    "{} (pid {pid}: {})",
                    socket.address,
                    command_line(pid)
                ));
            }
        }
    }
    found
}

/// The processes that hold each of `inodes` open.
fn socket_owners(inodes: &HashSet<u64>) -> HashMap<u64, Vec<u32>> {
    let mut owners: HashMap<u64, Vec<u32>> = HashMap::new();
    let Ok(processes) = fs::read_dir("/proc") else {
        return owners;
    };
    for process in processes.flatten() {
        let Some(pid) = process.file_name().to_str().and_then(|n| n.parse().ok()) else {
            continue;
        };
        let Ok(fds) = fs::read_dir(process.path().join("fd")) else {
            continue;
        };
        for fd in fds.flatten() {
            let Ok(target) = fs::read_link(fd.path()) else {
                continue;
            };
            let target = target.to_string_lossy();
            let inode = target
                .strip_prefix("socket:[")
                .and_then(|t| t.strip_suffix(']'))
                .and_then(|t| t.parse().ok());
            if let Some(inode) = inode.filter(|i| inodes.contains(i)) {
                let pids = owners.entry(inode).or_default();
                if !pids.contains(&pid) {
                    pids.push(pid);
                }
            }
        }
    }
    owners
}

/// Looks every two seconds while the tests run, so that servers that live only as long as a test
/// are seen too.
pub struct Watch {
    stop: Arc<AtomicBool>,
    seen: thread::JoinHandle<BTreeSet<String>>,
    run: Run,
}

impl Watch {
    pub fn start(run: &Run) -> Watch {
        let stop = Arc::new(AtomicBool::new(false));
        let (flag, watched) = (stop.clone(), run.clone());
        let seen = thread::spawn(move || {
            let mut seen = BTreeSet::new();
            while !flag.load(Ordering::Relaxed) {
                seen.extend(wide_listeners(&watched));
                for _ in 0..20 {
                    if flag.load(Ordering::Relaxed) {
                        break;
                    }
                    thread::sleep(Duration::from_millis(100));
                }
            }
            seen
        });
        Watch {
            stop,
            seen,
            run: run.clone(),
        }
    }

    /// Looks once more, and returns everything seen.
    pub fn finish(self) -> Vec<String> {
        self.stop.store(true, Ordering::Relaxed);
        let mut seen = self.seen.join().unwrap_or_default();
        seen.extend(wide_listeners(&self.run));
        seen.into_iter().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_listening_sockets_of_both_families() {
        let v4 = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1628 00000000:0000 0A 00000000:00000000 00:00000000 00000000   103        0 4906 1 0 100 0 0 10 0
   1: 00000000:1111 00000000:0000 0A 00000000:00000000 00:00000000 00000000   103        0 4824 1 0 100 0 0 10 0
   2: 0100007F:8B3E 0100007F:1628 01 00000000:00000000 00:00000000 00000000     0        0 5256 1 0 20 4 30 10 -1
";
        let sockets = listening(v4);
        assert_eq!(
            sockets,
            [
                Socket {
                    address: "127.0.0.1:5672".parse().unwrap(),
                    inode: 4906
                },
                Socket {
                    address: "0.0.0.0:4369".parse().unwrap(),
                    inode: 4824
                },
            ]
        );
        assert!(is_loopback(sockets[0].address.ip()));
        assert!(!is_loopback(sockets[1].address.ip()));

        let v6 = "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000001000000:1111 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000   103        0 4825 1 0 100 0 0 10 0
   1: 00000000000000000000000000000000:1628 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000   103        0 4826 1 0 100 0 0 10 0
   2: 0000000000000000FFFF00000100007F:0050 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4827 1 0 100 0 0 10 0
";
        let sockets = listening(v6);
        let addresses: Vec<String> = sockets.iter().map(|s| s.address.to_string()).collect();
        assert_eq!(
            addresses,
            ["[::1]:4369", "[::]:5672", "[::ffff:127.0.0.1]:80"]
        );
        let loopback: Vec<bool> = sockets
            .iter()
            .map(|s| is_loopback(s.address.ip()))
            .collect();
        assert_eq!(loopback, [true, false, true]);
    }

    // These tests listen on 127.0.0.1 only, and pick their own socket by its port: a test that
    // listened beyond loopback would fail the run that checks them.

    /// A server that left its parent, as the run's broker does, is the run's by its mark.
    #[test]
    fn finds_a_detached_server_by_the_runs_mark() {
        // Began "after" any process: only the mark can make the server the run's.
        let run = Run {
            id: format!("test-{}", std::process::id()),
            pid: std::process::id(),
            began: u64::MAX,
        };
        let dir = tempfile::tempdir().unwrap();
        let dir = dir.path();
        let port_file = dir.join("port");
        let serve = format!(
            "import socket, time\ns = socket.socket()\ns.bind(('127.0.0.1', 0))\ns.listen()\n\
             open({:?}, 'w').write(str(s.getsockname()[1]))\ntime.sleep(30)",
            port_file.display()
        );
        // `sh` exits at once: the server's parent is no longer this process.
        let status = std::process::Command::new("sh")
            .args([
                "-c",
                "python3 -c \"$0\" </dev/null >/dev/null 2>&1 & echo $! >\"$1\"",
            ])
            .arg(&serve)
            .arg(dir.join("pid"))
            .env(MARK, &run.id)
            .status()
            .unwrap();
        assert!(status.success());
        let mut port = String::new();
        for _ in 0..100 {
            port = fs::read_to_string(&port_file).unwrap_or_default();
            if !port.is_empty() {
                break;
            }
            thread::sleep(Duration::from_millis(50));
        }
        let pid = fs::read_to_string(dir.join("pid")).unwrap();
        let ours = |a: &SocketAddr| a.port().to_string() == port;
        let found = run_listeners(&run, ours);
        let other = Run {
            id: "another run".into(),
            ..run.clone()
        };
        let not_found = run_listeners(&other, ours);
        let _ = std::process::Command::new("kill").arg(pid.trim()).status();
        assert!(!port.is_empty(), "the server did not start");
        let listening = format!("127.0.0.1:{port} (pid {}", pid.trim());
        assert!(found.iter().any(|f| f.starts_with(&listening)), "{found:?}");
        assert!(
            !not_found.iter().any(|f| f.starts_with(&listening)),
            "{not_found:?}"
        );
    }

    #[test]
    fn finds_its_own_listener() {
        let run = Run::this();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let found = run_listeners(&run, |a| a.port() == port);
        let pid = std::process::id();
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].starts_with(&format!("127.0.0.1:{port} (pid {pid}: ")),
            "{found:?}"
        );
        assert!(
            !wide_listeners(&run)
                .iter()
                .any(|f| f.contains(&format!(":{port} ")))
        );
    }
}
