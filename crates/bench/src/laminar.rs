//! The laminar under test: started as a child (`serve --port 0`), found
//! through its start-up line on stderr, measured from /proc, stopped with
//! SIGTERM.

use crate::http::Conn;
use crate::Result;
use std::collections::VecDeque;
use std::io::BufRead;
use std::net::SocketAddr;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How to start one laminar.
#[derive(Clone, Debug)]
pub struct Launch {
    pub binary: PathBuf,
    pub executor: &'static str,
    pub data_dir: Option<PathBuf>,
    pub account_concurrency: u32,
    /// More `serve` flags.
    pub extra: Vec<String>,
}

pub struct Laminar {
    child: Option<Child>,
    pub pid: u32,
    pub addr: SocketAddr,
    /// Spawn → first 200 from `GET /_laminar/health`.
    pub startup: Duration,
    /// What laminar says of itself in the start-up line (`ready in X ms`).
    pub self_reported_ready_ms: Option<f64>,
    /// The last lines laminar wrote to stderr.
    log: Arc<Mutex<VecDeque<String>>>,
}

const LOG_LINES_KEPT: usize = 200;

/// `… laminar listening on http://127.0.0.1:PORT (executor: …, ready in 3.2 ms)`
fn parse_start_line(line: &str) -> Option<(SocketAddr, Option<f64>)> {
    let rest = line.split("laminar listening on http://").nth(1)?;
    let hostport = rest.split([' ', '/']).next()?;
    let addr: SocketAddr = hostport.parse().ok()?;
    let ready_ms = rest
        .split("ready in ")
        .nth(1)
        .and_then(|r| r.split(" ms").next())
        .and_then(|v| v.trim().parse().ok());
    Some((addr, ready_ms))
}

impl Laminar {
    /// Starts laminar and waits for its first answered request.
    pub async fn start(launch: &Launch) -> Result<Self> {
        let mut command = Command::new(&launch.binary);
        command
            .arg("serve")
            .args(["--port", "0", "--host", "127.0.0.1"])
            .args(["--executor", launch.executor])
            .args([
                "--account-concurrency",
                &launch.account_concurrency.to_string(),
            ])
            .env("LAMINAR_LOG", "info")
            .env_remove("LAMINAR_PORT")
            .env_remove("LAMINAR_DATA_DIR")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        if let Some(dir) = &launch.data_dir {
            command.arg("--data-dir").arg(dir);
        }
        command.args(&launch.extra);
        // SAFETY: prctl is async-signal-safe. If the bench dies, laminar gets
        // SIGTERM and stops its environments (and containers) itself.
        unsafe {
            command.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM);
                Ok(())
            });
        }
        let spawned = Instant::now();
        let mut child = command
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", launch.binary.display()))?;
        let pid = child.id();
        let stderr = child.stderr.take().ok_or("no stderr pipe")?;
        let log = Arc::new(Mutex::new(VecDeque::new()));
        let (found_tx, found_rx) = tokio::sync::oneshot::channel();
        {
            let log = log.clone();
            std::thread::Builder::new()
                .name(format!("laminar-{pid}-stderr"))
                .spawn(move || {
                    let mut found_tx = Some(found_tx);
                    for line in std::io::BufReader::new(stderr).lines() {
                        let Ok(line) = line else { break };
                        if let Some(found) = parse_start_line(&line) {
                            if let Some(tx) = found_tx.take() {
                                let _ = tx.send(found);
                            }
                        }
                        let mut log = log.lock().unwrap_or_else(|e| e.into_inner());
                        if log.len() == LOG_LINES_KEPT {
                            log.pop_front();
                        }
                        log.push_back(line);
                    }
                })?;
        }
        let mut laminar = Self {
            child: Some(child),
            pid,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            startup: Duration::ZERO,
            self_reported_ready_ms: None,
            log,
        };
        let found = tokio::time::timeout(Duration::from_secs(60), found_rx).await;
        let Ok(Ok((addr, ready_ms))) = found else {
            return Err(format!(
                "laminar did not print its start-up line; its log:\n{}",
                laminar.log_tail()
            )
            .into());
        };
        laminar.addr = addr;
        laminar.self_reported_ready_ms = ready_ms;
        let mut conn = Conn::connect(addr).await?;
        let health = conn.get("/_laminar/health").await?;
        laminar.startup = spawned.elapsed();
        if !health.status.is_success() {
            return Err(format!("health check answered {}", health.status).into());
        }
        Ok(laminar)
    }

    pub fn log_tail(&self) -> String {
        let log = self.log.lock().unwrap_or_else(|e| e.into_inner());
        log.iter().cloned().collect::<Vec<_>>().join("\n")
    }

    /// Resident memory now and at its peak, in KiB.
    pub fn memory_kib(&self) -> Option<Memory> {
        memory_of(self.pid)
    }

    /// CPU time laminar itself has used so far (all its threads, user and
    /// system; not its runtimes), from /proc at clock-tick resolution.
    pub fn cpu_time(&self) -> Option<Duration> {
        cpu_time_of(self.pid)
    }

    /// SIGTERM, then waits for the exit (SIGKILL after `grace`).
    pub fn stop(&mut self, grace: Duration) -> Result<std::process::ExitStatus> {
        let Some(mut child) = self.child.take() else {
            return Err("already stopped".into());
        };
        // SAFETY: a plain syscall on our own child's pid.
        unsafe {
            libc::kill(self.pid as i32, libc::SIGTERM);
        }
        let deadline = Instant::now() + grace;
        loop {
            if let Some(status) = child.try_wait()? {
                return Ok(status);
            }
            if Instant::now() >= deadline {
                let _ = child.kill();
                let status = child.wait()?;
                return Err(format!(
                    "laminar did not stop within {grace:?} of SIGTERM (killed: {status})"
                )
                .into());
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Laminar {
    fn drop(&mut self) {
        if self.child.is_some() {
            let _ = self.stop(Duration::from_secs(20));
        }
    }
}

#[derive(Clone, Copy, Debug, Default, serde::Serialize)]
pub struct Memory {
    pub rss_kib: u64,
    pub hwm_kib: u64,
}

pub fn memory_of(pid: u32) -> Option<Memory> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
    };
    Some(Memory {
        rss_kib: field("VmRSS:")?,
        hwm_kib: field("VmHWM:")?,
    })
}

pub fn cpu_time_of(pid: u32) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The fields after the command name, which may itself hold spaces.
    let rest = &stat[stat.rfind(')')? + 1..];
    let mut fields = rest.split_whitespace();
    // utime and stime are the 14th and 15th fields of the line, the 12th and
    // 13th after the command name.
    let utime: u64 = fields.nth(11)?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    // SAFETY: sysconf reads a constant of the system.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    let ticks = u64::try_from(ticks).ok().filter(|t| *t > 0)?;
    Some(Duration::from_micros((utime + stime) * 1_000_000 / ticks))
}

/// Samples a process's resident memory on a thread of its own until dropped.
pub struct MemorySampler {
    stop: Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<Vec<u64>>>,
}

impl MemorySampler {
    pub fn start(pid: u32, every: Duration) -> Self {
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            let mut samples = Vec::new();
            while !flag.load(std::sync::atomic::Ordering::Relaxed) {
                if let Some(m) = memory_of(pid) {
                    samples.push(m.rss_kib);
                }
                std::thread::sleep(every);
            }
            samples
        });
        Self {
            stop,
            thread: Some(thread),
        }
    }

    /// The samples (KiB).
    pub fn finish(mut self) -> Vec<u64> {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        self.thread
            .take()
            .and_then(|t| t.join().ok())
            .unwrap_or_default()
    }
}

/// `target/release/NAME` beside this binary, unless given.
pub fn sibling_binary(given: Option<&Path>, name: &str) -> Result<PathBuf> {
    if let Some(path) = given {
        return Ok(path.to_path_buf());
    }
    let me = std::env::current_exe()?;
    let path = me.with_file_name(name);
    if !path.exists() {
        return Err(format!(
            "{} not found: build it with `cargo build --release -p laminar -p laminar-bench -p laminar-fixture-bootstrap`",
            path.display()
        )
        .into());
    }
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_line() {
        let line = "2026-05-08T10:00:00.123Z  INFO laminar::gateway: laminar listening on http://127.0.0.1:43121 (executor: process, state in memory, ready in 2.7 ms)";
        let (addr, ready) = parse_start_line(line).unwrap();
        assert_eq!(addr.port(), 43121);
        assert_eq!(ready, Some(2.7));
        assert!(parse_start_line("something else").is_none());
    }
}
