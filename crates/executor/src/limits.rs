//! What one process environment may use, as a container would be limited:
//! memory (`MemorySize`) and processes (Lambda's 1,024) through a control
//! group of its own, open files (Lambda's 1,024) through an rlimit.
//!
//! The control group is made under laminar's own: cgroup v2 where the
//! memory and pids controllers can be enabled there, else v1's memory and
//! pids hierarchies. Where neither can be written (an unprivileged laminar
//! without a delegated subtree), memory is bounded by `RLIMIT_AS` instead —
//! address space, not memory, so with headroom, and not for Node.js, whose
//! engine reserves gigabytes of address space it never uses — and processes
//! are not bounded. Processes join the group between fork and exec, so
//! nothing they start escapes it.

use std::ffi::CString;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

/// Lambda's quota of processes and threads in one execution environment.
pub const PIDS: u64 = 1024;
/// Lambda's quota of file descriptors.
pub const OPEN_FILES: u64 = 1024;
/// Address space beyond `MemorySize` an interpreter maps without using it
/// (malloc arenas, thread stacks), for the `RLIMIT_AS` fallback.
const ADDRESS_SPACE_HEADROOM: u64 = 512 << 20;

/// Where this host lets laminar make control groups, found once.
#[derive(Clone, Debug)]
pub enum Hierarchy {
    /// cgroup v2: one folder with both controllers enabled for children.
    Unified(PathBuf),
    /// cgroup v1: laminar's folders in the memory and pids hierarchies.
    Split { memory: PathBuf, pids: PathBuf },
    /// None: rlimits only.
    None,
}

impl Hierarchy {
    /// Finds (and makes) `laminar-<pid>` under this process's own control
    /// groups.
    pub fn detect() -> Self {
        if std::env::var_os("LAMINAR_NO_CGROUP").is_some() {
            return Self::None;
        }
        let Ok(own) = std::fs::read_to_string("/proc/self/cgroup") else {
            return Self::None;
        };
        let name = format!("laminar-{}", std::process::id());
        let path_of = |controller: &str| {
            own.lines().find_map(|line| {
                let mut parts = line.splitn(3, ':');
                let (_, controllers, path) = (parts.next()?, parts.next()?, parts.next()?);
                controllers
                    .split(',')
                    .any(|c| c == controller)
                    .then(|| path.trim_start_matches('/').to_string())
            })
        };
        if let (Some(memory), Some(pids)) = (path_of("memory"), path_of("pids")) {
            let memory = Path::new("/sys/fs/cgroup/memory").join(memory);
            let pids = Path::new("/sys/fs/cgroup/pids").join(pids);
            remove_stale(&memory);
            remove_stale(&pids);
            let (memory, pids) = (memory.join(&name), pids.join(&name));
            if std::fs::create_dir_all(&memory).is_ok() && std::fs::create_dir_all(&pids).is_ok() {
                return Self::Split { memory, pids };
            }
            let _ = std::fs::remove_dir(&memory);
            let _ = std::fs::remove_dir(&pids);
        }
        let unified = own
            .lines()
            .find_map(|line| line.strip_prefix("0::"))
            .map(|path| Path::new("/sys/fs/cgroup").join(path.trim_start_matches('/')));
        if let Some(parent) = unified {
            remove_stale(&parent);
            let ours = parent.join(&name);
            let enabled = std::fs::create_dir_all(&ours).is_ok()
                && std::fs::write(ours.join("cgroup.subtree_control"), "+memory +pids").is_ok();
            if enabled {
                return Self::Unified(ours);
            }
            let _ = std::fs::remove_dir(&ours);
        }
        Self::None
    }

    /// Removes laminar's folders at shutdown, once the environments' own
    /// are gone (they go as their last process ends: wait a moment).
    pub fn remove(&self) {
        let mut dirs: Vec<&Path> = match self {
            Self::Unified(dir) => vec![dir],
            Self::Split { memory, pids } => vec![memory, pids],
            Self::None => return,
        };
        for _ in 0..100 {
            dirs.retain(|dir| std::fs::remove_dir(dir).is_err() && dir.exists());
            if dirs.is_empty() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }

    pub fn describe(&self) -> &'static str {
        match self {
            Self::Unified(_) => "cgroup v2",
            Self::Split { .. } => "cgroup v1",
            Self::None => "rlimits",
        }
    }
}

/// The limits of one environment, prepared in the parent; [`Limits::enter`]
/// applies them in each child between fork and exec.
pub struct Limits {
    group: Option<Group>,
    address_space: Option<libc::rlim_t>,
}

/// One environment's control group: its folders, and the `cgroup.procs`
/// files a child writes itself into.
struct Group {
    dirs: Vec<PathBuf>,
    procs: Vec<CString>,
    /// The file whose `oom_kill` count says whether the kernel killed a
    /// process of the group for memory.
    oom_events: PathBuf,
}

impl Limits {
    /// Makes the control group of environment `name` (unique among live
    /// environments). `bounded_address_space`: whether the fallback may
    /// bound the address space (not for Node.js).
    pub fn prepare(
        hierarchy: &Hierarchy,
        name: &str,
        memory_mb: u64,
        bounded_address_space: bool,
    ) -> io::Result<Self> {
        let bytes = memory_mb << 20;
        let group = match hierarchy {
            Hierarchy::Unified(root) => {
                let dir = root.join(name);
                std::fs::create_dir_all(&dir)?;
                let made = Group {
                    procs: vec![c(&dir.join("cgroup.procs"))?],
                    oom_events: dir.join("memory.events"),
                    dirs: vec![dir.clone()],
                };
                std::fs::write(dir.join("memory.max"), bytes.to_string())?;
                // Swap would let a function outgrow its memory slowly.
                let _ = std::fs::write(dir.join("memory.swap.max"), "0");
                std::fs::write(dir.join("pids.max"), PIDS.to_string())?;
                Some(made)
            }
            Hierarchy::Split { memory, pids } => {
                let (memory, pids) = (memory.join(name), pids.join(name));
                std::fs::create_dir_all(&memory)?;
                std::fs::create_dir_all(&pids)?;
                let made = Group {
                    procs: vec![
                        c(&memory.join("cgroup.procs"))?,
                        c(&pids.join("cgroup.procs"))?,
                    ],
                    oom_events: memory.join("memory.oom_control"),
                    dirs: vec![memory.clone(), pids.clone()],
                };
                std::fs::write(memory.join("memory.limit_in_bytes"), bytes.to_string())?;
                let _ = std::fs::write(
                    memory.join("memory.memsw.limit_in_bytes"),
                    bytes.to_string(),
                );
                std::fs::write(pids.join("pids.max"), PIDS.to_string())?;
                Some(made)
            }
            Hierarchy::None => None,
        };
        let address_space = (group.is_none() && bounded_address_space)
            .then_some((bytes + ADDRESS_SPACE_HEADROOM) as libc::rlim_t);
        Ok(Self {
            group,
            address_space,
        })
    }

    /// In the child, before exec: into the control group, under the rlimits.
    pub fn enter(&self) -> io::Result<()> {
        // SAFETY: system calls on NUL-terminated strings owned by `self`;
        // nothing here allocates.
        unsafe {
            if let Some(group) = &self.group {
                for procs in &group.procs {
                    let fd = libc::open(procs.as_ptr(), libc::O_WRONLY);
                    if fd == -1 {
                        return Err(io::Error::last_os_error());
                    }
                    let written = libc::write(fd, c"0".as_ptr().cast(), 1);
                    libc::close(fd);
                    if written != 1 {
                        return Err(io::Error::last_os_error());
                    }
                }
            }
            let files = libc::rlimit {
                rlim_cur: OPEN_FILES as libc::rlim_t,
                rlim_max: OPEN_FILES as libc::rlim_t,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &files) == -1 {
                return Err(io::Error::last_os_error());
            }
            if let Some(bytes) = self.address_space {
                let space = libc::rlimit {
                    rlim_cur: bytes,
                    rlim_max: bytes,
                };
                if libc::setrlimit(libc::RLIMIT_AS, &space) == -1 {
                    return Err(io::Error::last_os_error());
                }
            }
        }
        Ok(())
    }

    /// The `cgroup.procs` files a process writes itself into to join the
    /// group (none without one): for a runtime forked by the zygote.
    pub fn procs_files(&self) -> Vec<String> {
        self.group
            .iter()
            .flat_map(|g| g.procs.iter())
            .map(|p| p.to_string_lossy().into_owned())
            .collect()
    }

    /// The `RLIMIT_AS` of the fallback, in bytes, if any.
    pub fn address_space(&self) -> Option<u64> {
        self.address_space
    }

    /// Whether the kernel killed a process of the environment for memory.
    pub fn out_of_memory(&self) -> bool {
        let Some(group) = &self.group else {
            return false;
        };
        std::fs::read_to_string(&group.oom_events)
            .ok()
            .and_then(|text| {
                text.lines()
                    .find_map(|line| line.strip_prefix("oom_kill "))
                    .and_then(|n| n.trim().parse::<u64>().ok())
            })
            .is_some_and(|kills| kills > 0)
    }

    /// The group's memory high-water mark, in MB, where the kernel keeps one.
    pub fn max_memory_used_mb(&self) -> Option<u64> {
        let group = self.group.as_ref()?;
        let dir = group.dirs.first()?;
        ["memory.peak", "memory.max_usage_in_bytes"]
            .iter()
            .find_map(|file| std::fs::read_to_string(dir.join(file)).ok())
            .and_then(|text| text.trim().parse::<u64>().ok())
            .map(|bytes| bytes.div_ceil(1 << 20))
    }
}

impl Drop for Limits {
    /// The folders go once their processes are gone (a group with a live
    /// process cannot be removed: try a few times, briefly).
    fn drop(&mut self) {
        let Some(mut group) = self.group.take() else {
            return;
        };
        let mut remove = move || {
            for _ in 0..50 {
                group
                    .dirs
                    .retain(|dir| std::fs::remove_dir(dir).is_err() && dir.exists());
                if group.dirs.is_empty() {
                    return;
                }
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
        };
        match tokio::runtime::Handle::try_current() {
            Ok(handle) => {
                handle.spawn_blocking(remove);
            }
            Err(_) => remove(),
        }
    }
}

/// Removes the (empty) folders of laminar processes that no longer run: a
/// laminar killed with SIGKILL could not remove its own.
fn remove_stale(parent: &Path) {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(|n| n.strip_prefix("laminar-")) else {
            continue;
        };
        if pid.parse::<u32>().is_err() || Path::new("/proc").join(pid).exists() {
            continue;
        }
        if let Ok(environments) = std::fs::read_dir(entry.path()) {
            for environment in environments.flatten() {
                if environment.path().is_dir() {
                    let _ = std::fs::remove_dir(environment.path());
                }
            }
        }
        let _ = std::fs::remove_dir(entry.path());
    }
}

fn c(path: &Path) -> io::Result<CString> {
    CString::new(path.as_os_str().as_bytes())
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))
}
