//! The Python zygote: one interpreter per host Python, started on the first
//! cold start that can use it, with laminar's runtime client compiled and its
//! imports done, that forks the runtime process of each later Python cold
//! start (`runtimes/python/laminar_zygote.py`). A spawned interpreter spends
//! 30–40 ms of CPU before it even imports the handler; a fork, a few.
//!
//! The child becomes what a spawned runtime is (its own process group, the
//! environment's control group and rlimits, its own mount namespace, its
//! variables, cwd and output): the zygote does it in the child, from what
//! [`Request`] says. The zygote is the child's parent: it reports the exit
//! status. Children die with the zygote (`PR_SET_PDEATHSIG`), and the zygote
//! with laminar; a zygote that died is started again on the next cold start.
//!
//! The zygote runs in a mount namespace of its own (where the host gives
//! them) with `/var/runtime` in place, so that the client's file is where a
//! spawned one's is; each child nests its own namespace in it.

use crate::namespace::Mounts;
use std::collections::HashMap;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::unix::AsyncFd;
use tokio::io::Interest;
use tokio::sync::{oneshot, watch};

pub(crate) const SCRIPT: &str = include_str!("../runtimes/python/laminar_zygote.py");
pub(crate) const SCRIPT_NAME: &str = "laminar_zygote.py";
/// How long a starting zygote may take to say it is ready.
const READY_LIMIT: Duration = Duration::from_secs(10);
/// The channel's descriptor in the zygote.
const CHANNEL_FD: RawFd = 3;

/// How the zygote is started.
pub(crate) struct Launch {
    pub python: PathBuf,
    /// The script, as the zygote sees it.
    pub script: PathBuf,
    pub variables: Vec<(String, String)>,
    /// Its mount namespace, where the host allows one.
    pub mounts: Option<Mounts>,
}

/// The private mounts of a forked environment (see `namespace.rs`).
pub(crate) struct MountPlan {
    pub code: PathBuf,
    pub opt: Option<PathBuf>,
    pub tmp_mb: Option<u64>,
}

/// What one forked runtime process is to be.
pub(crate) struct Request<'a> {
    pub variables: &'a [(String, String)],
    pub cwd: &'a Path,
    pub cgroup_procs: Vec<String>,
    pub open_files: u64,
    pub address_space: Option<u64>,
    pub mounts: Option<MountPlan>,
    pub stdout: &'a OwnedFd,
    pub stderr: &'a OwnedFd,
}

/// A forked runtime process: its pid (it leads its own process group) and
/// its wait status once it has exited (the sender goes if the zygote does).
pub(crate) struct Forked {
    pub pid: i32,
    pub exit: watch::Receiver<Option<i32>>,
}

type Pending = Mutex<HashMap<u64, oneshot::Sender<Result<Forked, String>>>>;

/// A running zygote.
struct Running {
    child: Mutex<Option<tokio::process::Child>>,
    writer: AsyncFd<OwnedFd>,
    pending: Arc<Pending>,
    alive: Arc<AtomicBool>,
    next: AtomicU64,
}

/// The zygote of one interpreter: started on first use, again if it died.
pub(crate) struct Zygote {
    running: tokio::sync::Mutex<Option<Arc<Running>>>,
    /// Set once a start failed: the host's Python cannot run it, cold starts
    /// spawn from then on.
    broken: AtomicBool,
}

impl Zygote {
    pub(crate) fn new() -> Self {
        Self {
            running: tokio::sync::Mutex::new(None),
            broken: AtomicBool::new(false),
        }
    }

    /// Forks a runtime process, starting the zygote first if need be. An
    /// error means: spawn this one instead.
    pub(crate) async fn fork(
        &self,
        launch: impl FnOnce() -> io::Result<Launch>,
        request: Request<'_>,
    ) -> Result<Forked, String> {
        if self.broken.load(Ordering::Relaxed) {
            return Err("the zygote could not be started".into());
        }
        let running = {
            let mut slot = self.running.lock().await;
            match slot.as_ref() {
                Some(r) if r.alive.load(Ordering::Acquire) => r.clone(),
                _ => {
                    let started = match launch() {
                        Ok(launch) => Running::start(launch).await,
                        Err(e) => Err(e),
                    };
                    match started {
                        Ok(r) => {
                            let r = Arc::new(r);
                            *slot = Some(r.clone());
                            r
                        }
                        Err(e) => {
                            tracing::warn!(
                                "the Python zygote did not start ({e}): Python cold starts spawn an interpreter each"
                            );
                            self.broken.store(true, Ordering::Relaxed);
                            return Err(e.to_string());
                        }
                    }
                }
            }
        };
        running.fork(request).await
    }

    /// Stops the zygote (and so whatever it forked that still runs).
    pub(crate) async fn stop(&self) {
        let running = self.running.lock().await.take();
        if let Some(running) = running {
            let child = running
                .child
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .take();
            if let Some(mut child) = child {
                let _ = child.start_kill();
                let _ = child.wait().await;
            }
        }
    }
}

impl Running {
    async fn start(launch: Launch) -> io::Result<Self> {
        let (ours, theirs) = seqpacket_pair()?;
        let mut command = tokio::process::Command::new(&launch.python);
        command
            .arg(&launch.script)
            .env_clear()
            .envs(launch.variables.iter().map(|(k, v)| (k, v)))
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .process_group(0)
            .kill_on_drop(true);
        let channel = theirs.as_raw_fd();
        // SAFETY: system calls only, on descriptors and strings prepared here.
        unsafe {
            command.pre_exec(move || {
                // Dies with laminar (spawned from a tokio worker thread: see
                // process.rs), and its children with it.
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                if libc::dup2(channel, CHANNEL_FD) == -1 {
                    return Err(io::Error::last_os_error());
                }
                Ok(())
            });
            if let Some(mounts) = launch.mounts {
                command.pre_exec(move || mounts.enter());
            }
        }
        let child = command.spawn()?;
        drop(theirs);
        // SAFETY: both are descriptors of their own, owned by their AsyncFd.
        let (reader, writer) = unsafe {
            (
                AsyncFd::register_with_interest(ours.try_clone()?, Interest::READABLE)?,
                AsyncFd::register_with_interest(ours, Interest::WRITABLE)?,
            )
        };
        let first = tokio::time::timeout(READY_LIMIT, receive(&reader))
            .await
            .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "no answer in 10 s"))??;
        if first != b"ready" {
            return Err(io::Error::other("the zygote exited before it was ready"));
        }
        let pending: Arc<Pending> = Arc::default();
        let alive = Arc::new(AtomicBool::new(true));
        tokio::spawn(read_answers(reader, pending.clone(), alive.clone()));
        Ok(Self {
            child: Mutex::new(Some(child)),
            writer,
            pending,
            alive,
            next: AtomicU64::new(0),
        })
    }

    async fn fork(&self, request: Request<'_>) -> Result<Forked, String> {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let message = serde_json::json!({
            "id": id,
            "env": request.variables,
            "cwd": request.cwd,
            "cgroup": request.cgroup_procs,
            "nofile": request.open_files,
            "address_space": request.address_space,
            "mounts": request.mounts.as_ref().map(|m| serde_json::json!({
                "code": m.code,
                "opt": m.opt,
                "tmp": m.tmp_mb.map(|mb| format!("size={mb}m,mode=1777")),
            })),
        })
        .to_string();
        let (tx, rx) = oneshot::channel();
        self.pending
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id, tx);
        if !self.alive.load(Ordering::Acquire) {
            self.pending
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .remove(&id);
            return Err("the zygote exited".into());
        }
        let fds = [request.stdout.as_raw_fd(), request.stderr.as_raw_fd()];
        let sent = loop {
            let mut guard = match self.writer.writable().await {
                Ok(guard) => guard,
                Err(e) => break Err(e),
            };
            match guard.try_io(|fd| send_with_fds(fd.as_raw_fd(), message.as_bytes(), &fds)) {
                Ok(result) => break result,
                Err(_would_block) => continue,
            }
        };
        if let Err(e) = sent {
            self.pending
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .remove(&id);
            return Err(format!("the zygote's channel failed: {e}"));
        }
        rx.await.unwrap_or_else(|_| Err("the zygote exited".into()))
    }
}

/// Reads the zygote's answers until it goes; then every child's exit
/// sender goes with it (they die with the zygote).
async fn read_answers(reader: AsyncFd<OwnedFd>, pending: Arc<Pending>, alive: Arc<AtomicBool>) {
    let mut children: HashMap<i32, watch::Sender<Option<i32>>> = HashMap::new();
    loop {
        let Ok(message) = receive(&reader).await else {
            break;
        };
        if message.is_empty() {
            break;
        }
        let text = String::from_utf8_lossy(&message);
        let mut words = text.splitn(3, ' ');
        let (kind, first, rest) = (words.next(), words.next(), words.next().unwrap_or(""));
        let Some(first) = first.and_then(|w| w.parse::<u64>().ok()) else {
            continue;
        };
        match kind {
            Some("spawned") => {
                let Ok(pid) = rest.trim().parse::<i32>() else {
                    continue;
                };
                let (tx, exit) = watch::channel(None);
                children.insert(pid, tx);
                let waiter = pending
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .remove(&first);
                if let Some(waiter) = waiter {
                    let _ = waiter.send(Ok(Forked { pid, exit }));
                }
            }
            Some("failed") => {
                let waiter = pending
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .remove(&first);
                if let Some(waiter) = waiter {
                    let _ = waiter.send(Err(rest.to_string()));
                }
            }
            Some("exited") => {
                let pid = i32::try_from(first).unwrap_or(-1);
                if let (Some(tx), Ok(status)) = (children.remove(&pid), rest.trim().parse()) {
                    tx.send_replace(Some(status));
                }
            }
            _ => {}
        }
    }
    alive.store(false, Ordering::Release);
    pending.lock().unwrap_or_else(|e| e.into_inner()).clear();
}

/// One message from the zygote (empty: it closed the channel).
async fn receive(reader: &AsyncFd<OwnedFd>) -> io::Result<Vec<u8>> {
    let mut buffer = vec![0u8; 256];
    loop {
        let mut guard = reader.readable().await?;
        let result = guard.try_io(|fd| {
            // SAFETY: recv into a buffer we own, of the length given.
            let n = unsafe {
                libc::recv(
                    fd.as_raw_fd(),
                    buffer.as_mut_ptr().cast(),
                    buffer.len(),
                    libc::MSG_DONTWAIT,
                )
            };
            if n < 0 {
                return Err(io::Error::last_os_error());
            }
            Ok(n as usize)
        });
        match result {
            Ok(Ok(n)) => {
                buffer.truncate(n);
                return Ok(buffer);
            }
            Ok(Err(e)) if e.kind() == io::ErrorKind::Interrupted => continue,
            Ok(Err(e)) => return Err(e),
            Err(_would_block) => continue,
        }
    }
}

/// A connected pair of `SOCK_SEQPACKET` sockets: ours non-blocking.
fn seqpacket_pair() -> io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0; 2];
    // SAFETY: socketpair writes two descriptors into the array on success.
    let made = unsafe {
        libc::socketpair(
            libc::AF_UNIX,
            libc::SOCK_SEQPACKET | libc::SOCK_CLOEXEC,
            0,
            fds.as_mut_ptr(),
        )
    };
    if made == -1 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: both descriptors were just made and are owned by nothing else.
    let (ours, theirs) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    // SAFETY: fcntl on a descriptor we own.
    unsafe {
        let flags = libc::fcntl(ours.as_raw_fd(), libc::F_GETFL);
        if flags == -1
            || libc::fcntl(ours.as_raw_fd(), libc::F_SETFL, flags | libc::O_NONBLOCK) == -1
        {
            return Err(io::Error::last_os_error());
        }
    }
    Ok((ours, theirs))
}

/// One message with descriptors attached (`SCM_RIGHTS`).
fn send_with_fds(socket: RawFd, data: &[u8], fds: &[RawFd]) -> io::Result<()> {
    let payload = std::mem::size_of_val(fds);
    let Ok(payload_u32) = u32::try_from(payload) else {
        return Err(io::Error::from(io::ErrorKind::InvalidInput));
    };
    // SAFETY: CMSG_SPACE is arithmetic.
    let space = unsafe { libc::CMSG_SPACE(payload_u32) } as usize;
    // u64s: the control buffer must be aligned for cmsghdr.
    let mut control = vec![0u64; space.div_ceil(8)];
    let mut iov = libc::iovec {
        iov_base: data.as_ptr() as *mut libc::c_void,
        iov_len: data.len(),
    };
    // SAFETY: a zeroed msghdr is valid; every pointer set below points into
    // buffers that outlive the sendmsg call.
    unsafe {
        let mut message: libc::msghdr = std::mem::zeroed();
        message.msg_iov = &mut iov;
        message.msg_iovlen = 1;
        message.msg_control = control.as_mut_ptr().cast();
        message.msg_controllen = space as _;
        let header = libc::CMSG_FIRSTHDR(&message);
        if header.is_null() {
            return Err(io::Error::from(io::ErrorKind::InvalidInput));
        }
        (*header).cmsg_level = libc::SOL_SOCKET;
        (*header).cmsg_type = libc::SCM_RIGHTS;
        (*header).cmsg_len = libc::CMSG_LEN(payload_u32) as _;
        std::ptr::copy_nonoverlapping(fds.as_ptr().cast::<u8>(), libc::CMSG_DATA(header), payload);
        let sent = libc::sendmsg(socket, &message, libc::MSG_NOSIGNAL | libc::MSG_DONTWAIT);
        if sent < 0 {
            return Err(io::Error::last_os_error());
        }
        if sent as usize != data.len() {
            return Err(io::Error::other(
                "the zygote's channel took part of a request",
            ));
        }
    }
    Ok(())
}
