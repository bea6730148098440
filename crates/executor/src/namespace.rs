//! A private mount namespace for a process environment, so that the function
//! sees its code at `/var/task` and its layers at `/opt`, as in AWS (stack
//! traces and `__file__` name those paths). Where the kernel does not let
//! laminar have one (no user namespaces for an unprivileged user), the
//! environment runs from the host's folders as before.
//!
//! `/tmp` is a tmpfs of the environment's own, `EphemeralStorage` in size,
//! shared by its processes: the first one started makes the namespace, the
//! others join it ([`Join`]).
//!
//! `/var/task` does not exist on the host, and nothing is created there: the
//! child mounts a tmpfs on a scratch folder of laminar's, rebuilds `/var`'s
//! entries in it (bind mounts and symlinks), adds `task`, and moves it over
//! `/var`, all inside its own namespace. [`Mounts::enter`] runs between fork
//! and exec: system calls only, on strings prepared before the fork.

use std::ffi::CString;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

pub const TASK_ROOT: &str = "/var/task";
/// Where the bundled runtime clients are, as in AWS (`LAMBDA_RUNTIME_DIR`).
pub const RUNTIME_DIR: &str = "/var/runtime";
pub const OPT: &str = "/opt";

/// One entry of the host's `/var`, as the namespace rebuilds it.
enum Entry {
    /// A folder (or a file): bind-mounted from `/var/<name>` onto a folder
    /// (or an empty file) of the same name.
    Bind {
        host: CString,
        inside: CString,
        folder: bool,
    },
    Symlink {
        target: CString,
        inside: CString,
    },
}

/// Everything the child needs, prepared in the parent.
pub struct Mounts {
    unprivileged: Option<[CString; 3]>,
    scratch: CString,
    entries: Vec<Entry>,
    task_inside: CString,
    code_dir: CString,
    runtime_inside: CString,
    runtime_dir: CString,
    opt_dir: Option<CString>,
    var: CString,
    opt: CString,
    task_root: CString,
    /// The tmpfs options of `/tmp`, unless the host's must stay visible.
    tmp_options: Option<CString>,
}

fn c(path: &Path) -> io::Result<CString> {
    CString::new(path.as_os_str().as_bytes())
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))
}

fn cs(text: &str) -> io::Result<CString> {
    CString::new(text).map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))
}

fn check(result: libc::c_int) -> io::Result<()> {
    if result == -1 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

impl Mounts {
    /// The mounts of one environment: `code_dir` at `/var/task`,
    /// `runtime_dir` at `/var/runtime`, `opt_dir` (the merged layers) at
    /// `/opt` when given, a tmpfs of `tmp_mb` at `/tmp` when given (not when
    /// something the environment runs lives in the host's). `scratch` is an
    /// empty folder of laminar's.
    pub fn prepare(
        scratch: &Path,
        code_dir: &Path,
        runtime_dir: &Path,
        opt_dir: Option<&Path>,
        tmp_mb: Option<u64>,
    ) -> io::Result<Self> {
        // SAFETY: plain getters without side effects.
        let (uid, gid) = unsafe { (libc::geteuid(), libc::getegid()) };
        let unprivileged = (uid != 0)
            .then(|| -> io::Result<[CString; 3]> {
                Ok([
                    cs("deny")?,
                    cs(&format!("{uid} {uid} 1"))?,
                    cs(&format!("{gid} {gid} 1"))?,
                ])
            })
            .transpose()?;
        let mut entries = Vec::new();
        for entry in std::fs::read_dir("/var")? {
            let entry = entry?;
            let name = entry.file_name();
            if name == "task" || name == "runtime" {
                continue;
            }
            let host = entry.path();
            let inside = c(&scratch.join(&name))?;
            let kind = entry.file_type()?;
            if kind.is_symlink() {
                let target = c(&std::fs::read_link(&host)?)?;
                entries.push(Entry::Symlink { target, inside });
            } else if kind.is_dir() || kind.is_file() {
                entries.push(Entry::Bind {
                    host: c(&host)?,
                    inside,
                    folder: kind.is_dir(),
                });
            }
        }
        Ok(Self {
            unprivileged,
            scratch: c(scratch)?,
            entries,
            task_inside: c(&scratch.join("task"))?,
            code_dir: c(code_dir)?,
            runtime_inside: c(&scratch.join("runtime"))?,
            runtime_dir: c(runtime_dir)?,
            opt_dir: opt_dir.map(c).transpose()?,
            var: cs("/var")?,
            opt: cs(OPT)?,
            task_root: cs(TASK_ROOT)?,
            tmp_options: tmp_mb
                .map(|mb| cs(&format!("size={mb}m,mode=1777")))
                .transpose()?,
        })
    }

    /// How the other processes of the environment whose first process is
    /// `leader` join its namespace.
    pub fn join(&self, leader: i32) -> io::Result<Join> {
        Ok(Join {
            user: self
                .unprivileged
                .as_ref()
                .map(|_| cs(&format!("/proc/{leader}/ns/user")))
                .transpose()?,
            mnt: cs(&format!("/proc/{leader}/ns/mnt"))?,
            task_root: self.task_root.clone(),
        })
    }

    /// In the child, before exec: its own namespace, `/var/task` and `/opt`
    /// in place, the working directory `/var/task`.
    pub fn enter(&self) -> io::Result<()> {
        // SAFETY: system calls on NUL-terminated strings owned by `self`,
        // which outlives the call; nothing here allocates.
        unsafe {
            match &self.unprivileged {
                Some([deny, uid_map, gid_map]) => {
                    check(libc::unshare(libc::CLONE_NEWUSER | libc::CLONE_NEWNS))?;
                    write_file(c"/proc/self/setgroups", deny)?;
                    write_file(c"/proc/self/uid_map", uid_map)?;
                    write_file(c"/proc/self/gid_map", gid_map)?;
                }
                None => check(libc::unshare(libc::CLONE_NEWNS))?,
            }
            // Nothing mounted here reaches the host.
            check(libc::mount(
                std::ptr::null(),
                c"/".as_ptr(),
                std::ptr::null(),
                libc::MS_REC | libc::MS_PRIVATE,
                std::ptr::null(),
            ))?;
            check(libc::mount(
                c"tmpfs".as_ptr(),
                self.scratch.as_ptr(),
                c"tmpfs".as_ptr(),
                0,
                c"mode=755".as_ptr().cast(),
            ))?;
            for entry in &self.entries {
                match entry {
                    Entry::Symlink { target, inside } => {
                        check(libc::symlink(target.as_ptr(), inside.as_ptr()))?
                    }
                    Entry::Bind {
                        host,
                        inside,
                        folder,
                    } => {
                        if *folder {
                            check(libc::mkdir(inside.as_ptr(), 0o755))?;
                        } else {
                            let fd =
                                libc::open(inside.as_ptr(), libc::O_CREAT | libc::O_WRONLY, 0o644);
                            check(fd)?;
                            libc::close(fd);
                        }
                        bind(host, inside, false)?;
                    }
                }
            }
            check(libc::mkdir(self.task_inside.as_ptr(), 0o755))?;
            bind(&self.code_dir, &self.task_inside, true)?;
            check(libc::mkdir(self.runtime_inside.as_ptr(), 0o755))?;
            bind(&self.runtime_dir, &self.runtime_inside, true)?;
            check(libc::mount(
                self.scratch.as_ptr(),
                self.var.as_ptr(),
                std::ptr::null(),
                libc::MS_MOVE,
                std::ptr::null(),
            ))?;
            if let Some(opt_dir) = &self.opt_dir {
                bind(opt_dir, &self.opt, true)?;
            }
            if let Some(options) = &self.tmp_options {
                check(libc::mount(
                    c"tmpfs".as_ptr(),
                    c"/tmp".as_ptr(),
                    c"tmpfs".as_ptr(),
                    libc::MS_NOSUID | libc::MS_NODEV,
                    options.as_ptr().cast(),
                ))?;
            }
            check(libc::chdir(self.task_root.as_ptr()))
        }
    }
}

/// The namespace of an environment's first process, for the others.
pub struct Join {
    user: Option<CString>,
    mnt: CString,
    task_root: CString,
}

impl Join {
    /// In the child, before exec: into the leader's namespaces, at `/var/task`.
    pub fn enter(&self) -> io::Result<()> {
        // SAFETY: system calls on NUL-terminated strings owned by `self`.
        unsafe {
            if let Some(user) = &self.user {
                set_namespace(user, libc::CLONE_NEWUSER)?;
            }
            set_namespace(&self.mnt, libc::CLONE_NEWNS)?;
            check(libc::chdir(self.task_root.as_ptr()))
        }
    }
}

unsafe fn set_namespace(path: &CString, kind: libc::c_int) -> io::Result<()> {
    let fd = libc::open(path.as_ptr(), libc::O_RDONLY | libc::O_CLOEXEC);
    check(fd)?;
    let joined = libc::setns(fd, kind);
    libc::close(fd);
    check(joined)
}

/// A recursive bind mount, read-only when asked (as AWS mounts the code).
unsafe fn bind(from: &CString, to: &CString, read_only: bool) -> io::Result<()> {
    check(libc::mount(
        from.as_ptr(),
        to.as_ptr(),
        std::ptr::null(),
        libc::MS_BIND | libc::MS_REC,
        std::ptr::null(),
    ))?;
    if read_only {
        check(libc::mount(
            std::ptr::null(),
            to.as_ptr(),
            std::ptr::null(),
            libc::MS_REMOUNT | libc::MS_BIND | libc::MS_RDONLY,
            std::ptr::null(),
        ))?;
    }
    Ok(())
}

unsafe fn write_file(path: &std::ffi::CStr, text: &CString) -> io::Result<()> {
    let fd = libc::open(path.as_ptr(), libc::O_WRONLY);
    check(fd)?;
    let bytes = text.as_bytes();
    let written = libc::write(fd, bytes.as_ptr().cast(), bytes.len());
    libc::close(fd);
    if written != bytes.len() as isize {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Whether this host lets a child have the namespace: tried once with
/// `true` in a namespace like an environment's.
pub fn available(scratch: &Path) -> bool {
    use std::os::unix::process::CommandExt;
    let Ok(mounts) = Mounts::prepare(scratch, scratch, scratch, None, Some(1)) else {
        return false;
    };
    let mut probe = std::process::Command::new("true");
    probe
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    // SAFETY: `enter` makes system calls only (see above).
    unsafe {
        probe.pre_exec(move || mounts.enter());
    }
    probe.status().is_ok_and(|s| s.success())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::process::CommandExt;

    /// Runs as root and, where user namespaces are allowed, as any user
    /// (`setpriv --reuid 65534 <test binary> namespace`).
    #[test]
    fn the_code_is_at_var_task_and_the_layers_at_opt() {
        let root = std::env::temp_dir().join(format!("laminar-ns-{}", std::process::id()));
        let (scratch, code, layers) = (root.join("scratch"), root.join("code"), root.join("opt"));
        for dir in [&scratch, &code, &layers] {
            std::fs::create_dir_all(dir).unwrap();
        }
        std::fs::write(code.join("app.txt"), "code\n").unwrap();
        std::fs::write(layers.join("layer.txt"), "layer\n").unwrap();
        if !available(&scratch) {
            eprintln!("no private mount namespaces here: nothing to check");
            return;
        }
        let opt = Path::new(OPT).is_dir().then_some(layers.as_path());
        let mounts = Mounts::prepare(&scratch, &code, &layers, opt, Some(16)).unwrap();
        let mut cat = std::process::Command::new("sh");
        cat.args([
            "-c",
            "pwd; cat app.txt; cat /opt/layer.txt 2>/dev/null; ls /var; touch x 2>&1 || true",
        ]);
        // SAFETY: `enter` makes system calls only.
        unsafe {
            cat.pre_exec(move || mounts.enter());
        }
        let out = cat.output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{text} {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let mut lines = text.lines();
        assert_eq!(lines.next(), Some("/var/task"));
        assert_eq!(lines.next(), Some("code"));
        if opt.is_some() {
            assert_eq!(lines.next(), Some("layer"));
        }
        assert!(text.lines().any(|l| l == "task"), "{text}");
        // The host's /var keeps its own entries and gains nothing.
        assert!(!Path::new("/var/task").exists() || Path::new("/var/task").is_dir());
        assert!(!code.join("x").exists(), "the code is mounted read-only");
        let _ = std::fs::remove_dir_all(&root);
    }
}
