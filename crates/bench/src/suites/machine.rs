//! What the machine does around a measurement: CPU pressure and time,
//! spawn-to-exit floors, probes, sequential and concurrent invoke loops.

use crate::api;
use crate::http::Conn;
use crate::stats::ms;
use crate::Result;
use bytes::Bytes;
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tokio::task::JoinSet;

pub(super) fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

pub(super) fn progress(text: &str) {
    eprintln!("[laminar-bench] {text}");
}

/// `some avg10` of /proc/pressure/cpu: the share of the last 10 s in which
/// some task waited for a CPU.
pub(super) fn cpu_pressure_avg10() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/pressure/cpu").ok()?;
    let some = text.lines().find(|l| l.starts_with("some"))?;
    some.split_whitespace()
        .find_map(|f| f.strip_prefix("avg10="))?
        .parse()
        .ok()
}

/// CPU time of the whole machine and of this process with its waited-for
/// children (laminar and, through it, its runtimes), in clock ticks.
pub(super) struct CpuMark {
    at: Instant,
    busy: u64,
    own: u64,
}

impl CpuMark {
    pub(super) fn now() -> Self {
        let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
        let busy = stat
            .lines()
            .next()
            .map(|l| {
                let v: Vec<u64> = l
                    .split_whitespace()
                    .skip(1)
                    .filter_map(|x| x.parse().ok())
                    .collect();
                // user nice system idle iowait irq softirq steal
                [0, 1, 2, 5, 6, 7].iter().filter_map(|&i| v.get(i)).sum()
            })
            .unwrap_or(0);
        let me = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
        let own = me
            .rsplit_once(") ")
            .map(|(_, rest)| {
                // Fields 14–17 (utime stime cutime cstime) are 12–15 after the name.
                rest.split_whitespace()
                    .skip(11)
                    .take(4)
                    .filter_map(|x| x.parse::<u64>().ok())
                    .sum()
            })
            .unwrap_or(0);
        Self {
            at: Instant::now(),
            busy,
            own,
        }
    }

    /// Share of the machine's CPU capacity used since `self` by processes
    /// outside this bench and its laminars (other users of the machine; and
    /// the Docker engine and containers during the Docker suite).
    pub(super) fn foreign_share(&self, cores: usize) -> f64 {
        let now = Self::now();
        // SAFETY: sysconf has no preconditions.
        let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as f64;
        let capacity = now.at.duration_since(self.at).as_secs_f64() * ticks * cores as f64;
        let foreign =
            now.busy.saturating_sub(self.busy) as f64 - now.own.saturating_sub(self.own) as f64;
        (foreign / capacity).max(0.0)
    }
}

pub(super) async fn wait_until_idle(limit: Duration) {
    let deadline = Instant::now() + limit;
    let mut quiet_since: Option<Instant> = None;
    while Instant::now() < deadline {
        match cpu_pressure_avg10() {
            Some(p) if p < 5.0 => {
                let since = *quiet_since.get_or_insert_with(Instant::now);
                if since.elapsed() >= Duration::from_secs(5) {
                    return;
                }
            }
            Some(_) => quiet_since = None,
            None => return,
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    progress("the machine did not become idle; measuring anyway");
}

/// What one load phase produced.
pub(super) struct Phase {
    pub(super) completed: usize,
    pub(super) elapsed: Duration,
    pub(super) latencies: Vec<f64>,
    pub(super) errors: usize,
    pub(super) first_error: Option<String>,
}

/// The unmeasured invokes before a series of `runs`.
pub(super) fn unmeasured_runs(runs: usize) -> usize {
    (runs / 10).clamp(1, 200)
}

/// `runs` sequential invokes after a few unmeasured ones; with `tail`, also
/// the REPORT Durations.
pub(super) async fn series(
    conn: &mut Conn,
    path: &str,
    payload: &Bytes,
    runs: usize,
    tail: bool,
) -> Result<(Vec<f64>, Vec<f64>)> {
    for _ in 0..unmeasured_runs(runs) {
        api::invoke(conn, path, payload, tail).await?;
    }
    let mut latencies = Vec::with_capacity(runs);
    let mut durations = Vec::new();
    for _ in 0..runs {
        let invoked = api::invoke(conn, path, payload, tail).await?;
        latencies.push(ms(invoked.took));
        if tail {
            let report = api::report_of(&invoked.answer).ok_or("no REPORT line in the log tail")?;
            durations.push(report.get("Duration").copied().unwrap_or(f64::NAN));
        }
    }
    Ok((latencies, durations))
}

/// Every connection invokes in a loop until `length` has passed.
pub(super) async fn load_phase(
    conns: &mut Vec<Conn>,
    path: &str,
    payload: &Bytes,
    length: Duration,
) -> Phase {
    let begun = Instant::now();
    let deadline = begun + length;
    let mut set = JoinSet::new();
    for mut conn in conns.drain(..) {
        let path = path.to_string();
        let payload = payload.clone();
        set.spawn(async move {
            let mut latencies = Vec::new();
            let (mut errors, mut first_error) = (0usize, None);
            while Instant::now() < deadline {
                match api::invoke(&mut conn, &path, &payload, false).await {
                    Ok(invoked) => latencies.push(ms(invoked.took)),
                    Err(e) => {
                        errors += 1;
                        first_error.get_or_insert_with(|| e.to_string());
                        if errors >= 100 {
                            break;
                        }
                    }
                }
            }
            (conn, latencies, errors, first_error)
        });
    }
    let mut phase = Phase {
        completed: 0,
        elapsed: Duration::ZERO,
        latencies: Vec::new(),
        errors: 0,
        first_error: None,
    };
    while let Some(joined) = set.join_next().await {
        let Ok((conn, latencies, errors, first_error)) = joined else {
            phase.errors += 1;
            continue;
        };
        conns.push(conn);
        phase.completed += latencies.len();
        phase.latencies.extend(latencies);
        phase.errors += errors;
        if phase.first_error.is_none() {
            phase.first_error = first_error;
        }
    }
    phase.elapsed = begun.elapsed();
    phase
}

/// scripts/build-test-images.sh of the workspace this bench was built in.
pub(super) fn find_image_script() -> Option<PathBuf> {
    let relative = Path::new("scripts/build-test-images.sh");
    let mut candidates = vec![std::env::current_dir().ok()?.join(relative)];
    if let Ok(exe) = std::env::current_exe() {
        // target/release/laminar-bench → the workspace root.
        if let Some(root) = exe.parent().and_then(Path::parent).and_then(Path::parent) {
            candidates.push(root.join(relative));
        }
    }
    candidates.into_iter().find(|p| p.exists())
}

/// The PATH laminar gives a process-executor runtime.
pub(super) fn python_path() -> String {
    let host = std::env::var("PATH").unwrap_or_else(|_| "/usr/local/bin:/usr/bin:/bin".into());
    format!("{host}:/opt/bin")
}

/// Spawn → exit of a program, environment cleared but for PATH (as laminar
/// starts runtimes), `runs` times after one unmeasured run.
pub(super) fn spawn_to_exit(
    program: &Path,
    args: &[&str],
    path: &str,
    runs: usize,
) -> Result<Vec<f64>> {
    let mut took = Vec::with_capacity(runs);
    for i in 0..=runs {
        let begun = Instant::now();
        let status = std::process::Command::new(program)
            .args(args)
            .env_clear()
            .env("PATH", path)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()?;
        if !status.success() {
            return Err(format!("{} {args:?}: {status}", program.display()).into());
        }
        if i > 0 {
            took.push(ms(begun.elapsed()));
        }
    }
    Ok(took)
}

/// When the measured binary was built, and the git commit and uncommitted
/// changes of its workspace now (when it is `target/release/laminar` of one).
pub(super) fn source_state(laminar: &Path) -> Value {
    let Some(root) = laminar
        .parent()
        .and_then(Path::parent)
        .and_then(Path::parent)
    else {
        return Value::Null;
    };
    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .arg("-C")
            .arg(root)
            .args(args)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    let built = std::fs::metadata(laminar)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_secs());
    json!({
        "binary": laminar.display().to_string(),
        "binary_modified_unix_s": built,
        "commit_at_run_time": git(&["rev-parse", "HEAD"]),
        "uncommitted_at_run_time": git(&["status", "--porcelain"]).map(|s| s.lines().map(str::to_string).collect::<Vec<_>>()),
    })
}

/// A client on its own thread calling GET `path` every `every` until
/// finished; returns its latencies.
pub(super) struct Probe {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: std::thread::JoinHandle<Vec<f64>>,
}

impl Probe {
    pub(super) fn start(addr: SocketAddr, path: String, every: Duration) -> Self {
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return Vec::new();
            };
            runtime.block_on(async move {
                let mut latencies = Vec::new();
                let Ok(mut conn) = Conn::connect(addr).await else {
                    return latencies;
                };
                while !flag.load(std::sync::atomic::Ordering::Relaxed) {
                    let begun = Instant::now();
                    if conn.get(&path).await.is_ok_and(|a| a.status.is_success()) {
                        latencies.push(ms(begun.elapsed()));
                    }
                    tokio::time::sleep(every).await;
                }
                latencies
            })
        });
        Self { stop, thread }
    }

    pub(super) fn finish(self) -> Vec<f64> {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        self.thread.join().unwrap_or_default()
    }
}
