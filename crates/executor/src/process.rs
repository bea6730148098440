//! The process executor: each environment is a child process of laminar,
//! running the function's code from its unpacked folder on this host.

use crate::debug::{Debugger, DebuggerKind};
use crate::interpreter::python_prints;
use crate::limits::{Hierarchy, Limits};
use crate::logs::OutputPipe;
use crate::namespace::{self, Join, Mounts};
use crate::spec::{EnvironmentSpec, Package, StartError};
use crate::zygote::{self, Launch, MountPlan, Request, Zygote};
use laminar_model::runtime::{family, RuntimeFamily};
use laminar_runtime_api::RuntimeApi;
use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use tokio::sync::watch;

const PYTHON_CLIENT: &str = include_str!("../runtimes/python/laminar_runtime.py");
const NODE_CLIENT: &str = include_str!("../runtimes/node/laminar_runtime.js");

pub struct ProcessExecutor {
    /// Where the bundled runtime clients are written.
    runtime_dir: PathBuf,
    /// The real interpreter behind `python3` on PATH, found once: PATH
    /// entries are often shims (pyenv, asdf) that cost tens of ms per start.
    python: tokio::sync::OnceCell<PathBuf>,
    /// The scratch folder of the private mount namespaces, when this host
    /// allows them: environments then see `/var/task` and `/opt`.
    namespace: Option<PathBuf>,
    /// Set when laminar runs from under the host's `/tmp` (a checkout
    /// there): functions then see the host's `/tmp`, where what they run
    /// may live (a virtualenv's interpreter named by a bootstrap).
    host_tmp_shared: bool,
    /// Where environments' control groups are made (memory, processes).
    control_groups: Hierarchy,
    /// Names environments' control groups.
    started: std::sync::atomic::AtomicU64,
    /// Forks Python runtimes rather than spawning an interpreter each.
    zygote: Zygote,
    /// `LAMINAR_NO_ZYGOTE` set: every runtime is spawned.
    zygote_disabled: bool,
}

impl ProcessExecutor {
    /// Lays out the bundled runtime clients under `runtime_dir`.
    pub fn new(runtime_dir: PathBuf) -> std::io::Result<Self> {
        std::fs::create_dir_all(&runtime_dir)?;
        std::fs::write(runtime_dir.join("laminar_runtime.py"), PYTHON_CLIENT)?;
        std::fs::write(runtime_dir.join("laminar_runtime.js"), NODE_CLIENT)?;
        std::fs::write(runtime_dir.join(zygote::SCRIPT_NAME), zygote::SCRIPT)?;
        // A scratch folder under /var could not be moved over /var: one in
        // /tmp then (it is only a mount point while an environment starts).
        let scratch = if runtime_dir.starts_with("/var") {
            std::path::Path::new("/tmp").join(format!("laminar-namespace-{}", std::process::id()))
        } else {
            runtime_dir.join("namespace")
        };
        std::fs::create_dir_all(&scratch)?;
        let namespace = namespace::available(&scratch).then_some(scratch);
        let tmp = std::path::Path::new("/tmp");
        let host_tmp_shared = std::env::current_exe().is_ok_and(|p| p.starts_with(tmp))
            || std::env::current_dir().is_ok_and(|p| p.starts_with(tmp));
        if host_tmp_shared && namespace.is_some() {
            tracing::info!(
                "laminar runs from under /tmp: functions share the host's /tmp rather than having their own"
            );
        }
        let control_groups = Hierarchy::detect();
        tracing::debug!(
            private_mounts = namespace.is_some(),
            limits = control_groups.describe(),
            "process executor"
        );
        if namespace.is_none() {
            tracing::info!(
                "this host gives laminar no private mount namespaces: functions share the host's /tmp, and see their code in laminar's data folder rather than at /var/task"
            );
        }
        if matches!(control_groups, Hierarchy::None) {
            tracing::info!(
                "this host lets laminar make no control groups: a function's memory is bounded by its address space (RLIMIT_AS, MemorySize plus 512 MB, not for Node.js), its processes are not bounded"
            );
        }
        Ok(Self {
            runtime_dir,
            python: tokio::sync::OnceCell::new(),
            namespace,
            host_tmp_shared,
            control_groups,
            started: std::sync::atomic::AtomicU64::new(0),
            zygote: Zygote::new(),
            zygote_disabled: std::env::var_os("LAMINAR_NO_ZYGOTE").is_some(),
        })
    }

    /// Removes laminar's control groups once the environments' are gone,
    /// and the namespaces' scratch folder.
    pub async fn shutdown(&self) {
        self.zygote.stop().await;
        let hierarchy = self.control_groups.clone();
        let _ = tokio::task::spawn_blocking(move || hierarchy.remove()).await;
        if let Some(scratch) = &self.namespace {
            let _ = std::fs::remove_dir(scratch);
        }
    }

    /// `python3` as PATH finds it, resolved to the interpreter it runs.
    async fn python(&self) -> &Path {
        self.python
            .get_or_init(|| async {
                let resolved =
                    python_prints(Path::new("python3"), "import sys; print(sys.executable)")
                        .await
                        .map(PathBuf::from)
                        .filter(|p| p.is_absolute());
                resolved.unwrap_or_else(|| PathBuf::from("python3"))
            })
            .await
    }

    /// The runtime's command; `inside` turns a host path into the one the
    /// environment sees.
    fn command(
        &self,
        spec: &EnvironmentSpec,
        code_dir: &Path,
        python: &Path,
        runtime_root: &Path,
        inside: impl Fn(&Path) -> PathBuf,
    ) -> Result<tokio::process::Command, StartError> {
        let client = |name: &str| runtime_root.join(name);
        let command = match family(&spec.runtime) {
            Some(RuntimeFamily::Python) => {
                let mut c = tokio::process::Command::new(python);
                c.args(debugger_args(spec)).arg(client("laminar_runtime.py"));
                c.env("PYTHONUNBUFFERED", "1");
                c
            }
            Some(RuntimeFamily::Node) => {
                let mut c = tokio::process::Command::new("node");
                c.args(debugger_args(spec)).arg(client("laminar_runtime.js"));
                c
            }
            Some(RuntimeFamily::Provided) => {
                // The code's own bootstrap, else one a layer brings.
                let candidates: Vec<PathBuf> = std::iter::once(code_dir.join("bootstrap"))
                    .chain(spec.opt_dir.iter().map(|opt| opt.join("bootstrap")))
                    .collect();
                let Some(bootstrap) = candidates.iter().find(|p| is_executable(p)) else {
                    let tried: Vec<String> =
                        candidates.iter().map(|p| p.display().to_string()).collect();
                    return Err(StartError::InvalidEntrypoint {
                        message: format!("Couldn't find valid bootstrap(s): [{}]", tried.join(" ")),
                    });
                };
                tokio::process::Command::new(inside(bootstrap))
            }
            _ => {
                return Err(StartError::UnsupportedRuntime(format!(
                    "The process executor cannot run {} functions; start laminar with --executor docker.",
                    spec.runtime
                )))
            }
        };
        Ok(command)
    }

    /// Spawns the external extensions (executables in the layers'
    /// `extensions/`, in lexical order) and then the runtime of one
    /// environment, all in one process group; the caller wraps them into an
    /// [`crate::Environment`] (this module knows processes, not environments).
    pub(crate) async fn spawn(&self, spec: &EnvironmentSpec) -> Result<Spawned, StartError> {
        let Package::Zip { code_dir } = &spec.package else {
            return Err(StartError::UnsupportedRuntime(
                "The process executor cannot run container image functions; start laminar with --executor docker.".into(),
            ));
        };
        let python = match family(&spec.runtime) {
            Some(RuntimeFamily::Python) => self.python().await.to_path_buf(),
            _ => PathBuf::from("python3"),
        };
        if let Some(Debugger {
            kind: DebuggerKind::Debugpy,
            ..
        }) = spec.debugger
        {
            // Found by the interpreter that runs the runtime: its site-packages.
            crate::debug::debugpy_of(&python)
                .await
                .map_err(StartError::Debugger)?;
        }
        let host_path =
            std::env::var("PATH").unwrap_or_else(|_| "/usr/local/bin:/usr/bin:/bin".into());
        let mounts = self.mounts(spec, code_dir, &python, &host_path)?;
        let (task_root, opt_root) = match &mounts {
            Some((_, opt_mounted)) => (
                PathBuf::from(namespace::TASK_ROOT),
                if *opt_mounted {
                    Some(PathBuf::from(namespace::OPT))
                } else {
                    spec.opt_dir.clone()
                },
            ),
            None => (code_dir.to_path_buf(), spec.opt_dir.clone()),
        };
        let inside = |path: &Path| -> PathBuf {
            if let Ok(rest) = path.strip_prefix(code_dir) {
                return task_root.join(rest);
            }
            match (&spec.opt_dir, &opt_root) {
                (Some(host), Some(seen)) => path
                    .strip_prefix(host)
                    .map_or_else(|_| path.to_path_buf(), |rest| seen.join(rest)),
                _ => path.to_path_buf(),
            }
        };
        // The bundled clients: at `/var/runtime` in the private mounts.
        let runtime_root = match &mounts {
            Some(_) => PathBuf::from(namespace::RUNTIME_DIR),
            None => self.runtime_dir.clone(),
        };
        let mut command = self.command(spec, code_dir, &python, &runtime_root, inside)?;
        let loopback = IpAddr::V4(Ipv4Addr::LOCALHOST);
        let api = RuntimeApi::bind(
            loopback,
            Some(loopback),
            crate::extensions::function_meta(spec),
        )
        .await?;
        let (output, stdout, stderr) = OutputPipe::new()?;
        let task_root_text = task_root.to_string_lossy().into_owned();
        let runtime_dir = runtime_root.to_string_lossy().into_owned();
        let opt = opt_root
            .as_ref()
            .map_or_else(|| "/opt".to_string(), |d| d.to_string_lossy().into_owned());
        let mut variables: Vec<(String, String)> = vec![
            ("PATH".into(), format!("{host_path}:{opt}/bin")),
            (
                "LD_LIBRARY_PATH".into(),
                format!("{task_root_text}:{task_root_text}/lib:{opt}/lib"),
            ),
        ];
        variables.extend(
            layer_search_paths(&spec.runtime, &opt)
                .into_iter()
                .map(|(k, v)| (k.to_string(), v)),
        );
        variables.extend(spec.environment(&api.addr().to_string(), &task_root_text, &runtime_dir));
        if spec
            .debugger
            .is_some_and(|d| d.kind == DebuggerKind::Debugpy)
        {
            variables.extend(
                crate::debug::PYTHON_VARIABLES
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string())),
            );
        }
        let number = self
            .started
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let limits = Arc::new(Limits::prepare(
            &self.control_groups,
            &format!("env-{number}"),
            u64::try_from(spec.memory_mb).unwrap_or(128),
            !matches!(family(&spec.runtime), Some(RuntimeFamily::Node)),
        )?);
        let setup = Setup {
            code_dir,
            variables: &variables,
            stdout: &stdout,
            stderr: &stderr,
            mounts: mounts.map(|(mounts, _)| Arc::new(mounts)),
            limits: limits.clone(),
        };

        let found = spec
            .opt_dir
            .as_ref()
            .map(|opt| crate::extensions::external_extensions(opt))
            .unwrap_or_default();
        api.expect_extensions(found.iter().map(|(name, _)| name.clone()).collect());
        if found.is_empty() && self.forkable(spec, &variables) {
            let mounts = self
                .mount_plan(spec, &python, &host_path)
                .map(|(opt, tmp_mb)| MountPlan {
                    code: code_dir.to_path_buf(),
                    opt: opt.map(Path::to_path_buf),
                    tmp_mb,
                });
            let request = Request {
                variables: &variables,
                cwd: &task_root,
                cgroup_procs: limits.procs_files(),
                open_files: crate::limits::OPEN_FILES,
                address_space: limits.address_space(),
                mounts,
                stdout: &stdout,
                stderr: &stderr,
            };
            let launch = || self.launch(&python, &host_path);
            match self.zygote.fork(launch, request).await {
                Ok(forked) => {
                    return Ok(Spawned {
                        api,
                        runtime: ChildProcess::forked(forked),
                        extensions: Vec::new(),
                        output,
                        limits,
                    })
                }
                Err(why) => {
                    tracing::debug!(%why, "the zygote did not fork this runtime: spawning it")
                }
            }
        }
        // The first process started leads the group; the others join it, so
        // that a reset stops everything any of them spawned.
        let mut group = None;
        let mut extensions = Vec::with_capacity(found.len());
        for (name, path) in found {
            let mut c = tokio::process::Command::new(inside(&path));
            setup.apply(&mut c, group)?;
            let child = c.spawn()?;
            let child = ChildProcess::watch(child, group);
            group = group.or(child.pid);
            extensions.push((name, child));
        }
        setup.apply(&mut command, group)?;
        let child = command.spawn()?;
        Ok(Spawned {
            api,
            runtime: ChildProcess::watch(child, group),
            extensions,
            output,
            limits,
        })
    }
}

impl ProcessExecutor {
    /// Whether this environment's runtime may be forked from the Python
    /// zygote rather than spawned: only where a fork is what a spawn would
    /// be. Every Python runtime runs on the host's one `python3` here, so
    /// one zygote serves them all (awslambdaric and custom bootstraps are
    /// `provided` runtimes: spawned). Not forked:
    /// - under a debugger: the runtime starts with the debugger's arguments;
    /// - with external extensions: they lead the environment's process
    ///   group and namespace, the runtime joins them (the caller checks);
    /// - when the function sets what an interpreter or the dynamic loader
    ///   reads only as it starts (`PYTHON*`, the locale, `LD_*`, malloc's
    ///   tunables): the zygote started without them;
    /// - when a folder of its `LD_LIBRARY_PATH` the zygote's lacks holds
    ///   shared libraries (the loader's path is the zygote's).
    fn forkable(&self, spec: &EnvironmentSpec, variables: &[(String, String)]) -> bool {
        if self.zygote_disabled
            || !matches!(family(&spec.runtime), Some(RuntimeFamily::Python))
            || spec.debugger.is_some()
        {
            return false;
        }
        let read_at_start = |name: &str| {
            ["PYTHON", "LD_", "LC_", "MALLOC_"]
                .iter()
                .any(|prefix| name.starts_with(prefix))
                || matches!(name, "LANG" | "LANGUAGE" | "GLIBC_TUNABLES")
        };
        if spec.variables.iter().any(|(name, _)| read_at_start(name)) {
            return false;
        }
        let ours = self.zygote_library_path();
        let theirs = variables
            .iter()
            .rev()
            .find(|(name, _)| name == "LD_LIBRARY_PATH")
            .map_or("", |(_, value)| value.as_str());
        !theirs
            .split(':')
            .filter(|dir| !dir.is_empty() && !ours.split(':').any(|o| o == *dir))
            .any(|dir| holds_shared_objects(Path::new(dir)))
    }

    /// The zygote's `LD_LIBRARY_PATH`: an environment's where the private
    /// mounts put every function's code and layers at the same paths.
    fn zygote_library_path(&self) -> String {
        match self.namespace {
            Some(_) => format!(
                "{task}:{task}/lib:{opt}/lib",
                task = namespace::TASK_ROOT,
                opt = namespace::OPT
            ),
            None => String::new(),
        }
    }

    /// How the zygote starts: the variables every environment has before its
    /// own, in a mount namespace with `/var/runtime` (and an empty
    /// `/var/task`) where the host allows one.
    fn launch(&self, python: &Path, host_path: &str) -> std::io::Result<Launch> {
        let (script, mounts) = match &self.namespace {
            Some(scratch) => {
                let empty = self.runtime_dir.join("zygote-task");
                std::fs::create_dir_all(&empty)?;
                (
                    Path::new(namespace::RUNTIME_DIR).join(zygote::SCRIPT_NAME),
                    Some(Mounts::prepare(
                        scratch,
                        &empty,
                        &self.runtime_dir,
                        None,
                        None,
                    )?),
                )
            }
            None => (self.runtime_dir.join(zygote::SCRIPT_NAME), None),
        };
        let mut variables = vec![
            ("PATH".to_string(), format!("{host_path}:/opt/bin")),
            ("LANG".to_string(), "en_US.UTF-8".to_string()),
            ("TZ".to_string(), ":UTC".to_string()),
        ];
        let library_path = self.zygote_library_path();
        if !library_path.is_empty() {
            variables.push(("LD_LIBRARY_PATH".to_string(), library_path));
        }
        Ok(Launch {
            python: python.to_path_buf(),
            script,
            variables,
            mounts,
        })
    }

    /// The private mounts of one environment, when the host allows them,
    /// and whether its layers go to `/opt` (not when something the
    /// environment runs lives there: the mount would hide it).
    fn mounts(
        &self,
        spec: &EnvironmentSpec,
        code_dir: &Path,
        python: &Path,
        host_path: &str,
    ) -> std::io::Result<Option<(Mounts, bool)>> {
        let (Some(scratch), Some((opt_dir, tmp_mb))) =
            (&self.namespace, self.mount_plan(spec, python, host_path))
        else {
            return Ok(None);
        };
        let mounts = Mounts::prepare(scratch, code_dir, &self.runtime_dir, opt_dir, tmp_mb)?;
        Ok(Some((mounts, opt_dir.is_some())))
    }

    /// What [`Self::mounts`] mounts: the layers at `/opt` or not, the size
    /// of a `/tmp` of the environment's own or none.
    fn mount_plan<'a>(
        &self,
        spec: &'a EnvironmentSpec,
        python: &Path,
        host_path: &str,
    ) -> Option<(Option<&'a Path>, Option<u64>)> {
        self.namespace.as_ref()?;
        let opt = Path::new(namespace::OPT);
        let opt_free = opt.is_dir()
            && !python.starts_with(opt)
            && !self.runtime_dir.starts_with(opt)
            && !host_path.split(':').any(|p| Path::new(p).starts_with(opt));
        let opt_dir = spec.opt_dir.as_deref().filter(|_| opt_free);
        // A /tmp of its own hides the host's: not when something the
        // environment runs is there (code and clients are mounted elsewhere).
        let tmp = Path::new("/tmp");
        let tmp_free = !self.host_tmp_shared
            && !python.starts_with(tmp)
            && !host_path.split(':').any(|p| Path::new(p).starts_with(tmp))
            && (opt_dir.is_some() || !spec.opt_dir.as_deref().is_some_and(|d| d.starts_with(tmp)));
        let tmp_mb = tmp_free.then(|| u64::try_from(spec.ephemeral_storage_mb).unwrap_or(512));
        Some((opt_dir, tmp_mb))
    }
}

/// What [`ProcessExecutor::spawn`] started.
pub(crate) struct Spawned {
    pub(crate) api: RuntimeApi,
    pub(crate) runtime: ChildProcess,
    pub(crate) extensions: Vec<(String, ChildProcess)>,
    pub(crate) output: OutputPipe,
    pub(crate) limits: Arc<Limits>,
}

/// The settings every process of an environment shares: its variables,
/// output, process group, limits and (where the host allows) private mounts.
struct Setup<'a> {
    code_dir: &'a Path,
    variables: &'a [(String, String)],
    stdout: &'a std::os::fd::OwnedFd,
    stderr: &'a std::os::fd::OwnedFd,
    mounts: Option<Arc<Mounts>>,
    limits: Arc<Limits>,
}

impl Setup<'_> {
    fn apply(
        &self,
        command: &mut tokio::process::Command,
        group: Option<i32>,
    ) -> std::io::Result<()> {
        // In the private mounts, entering them moves to `/var/task`.
        if self.mounts.is_none() {
            command.current_dir(self.code_dir);
        }
        command
            .env_clear()
            .envs(self.variables.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(Stdio::from(self.stdout.try_clone()?))
            .stderr(Stdio::from(self.stderr.try_clone()?))
            .process_group(group.unwrap_or(0))
            .kill_on_drop(true);
        // SAFETY: prctl is async-signal-safe; it only sets a flag of the child.
        unsafe {
            command.pre_exec(|| {
                // If laminar dies (even by SIGKILL), the runtime goes with it.
                // The signal follows the *thread* that spawned the child: spawn
                // only from tokio's worker threads, which live as long as the
                // runtime, never from a thread that may end (spawn_blocking,
                // or a worker handed off by block_in_place): its exit would
                // kill the runtime (measured: "signal: killed" under load).
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
            let limits = self.limits.clone();
            // SAFETY: system calls only, on strings prepared here.
            command.pre_exec(move || limits.enter());
            if let Some(mounts) = &self.mounts {
                // The first process makes the environment's namespace (and
                // its /tmp); the others join it.
                match group {
                    None => {
                        let mounts = mounts.clone();
                        // SAFETY: system calls only, on strings prepared here.
                        command.pre_exec(move || mounts.enter());
                    }
                    Some(leader) => {
                        let join: Join = mounts.join(leader)?;
                        // SAFETY: system calls only, on strings prepared here.
                        command.pre_exec(move || join.enter());
                    }
                }
            }
        }
        Ok(())
    }
}

/// The interpreter arguments that start a debugged runtime under its
/// debugger, on this host's loopback only.
fn debugger_args(spec: &EnvironmentSpec) -> Vec<String> {
    spec.debugger
        .map(|d| d.interpreter_args("127.0.0.1"))
        .unwrap_or_default()
}

/// Where the language runtimes look for what layers bring, as in the
/// official images (`/opt/python`, `/opt/nodejs/node_modules`, …).
fn layer_search_paths(runtime: &str, opt: &str) -> Vec<(&'static str, String)> {
    match family(runtime) {
        Some(RuntimeFamily::Python) => vec![(
            "PYTHONPATH",
            format!("{opt}/python:{opt}/python/lib/{runtime}/site-packages"),
        )],
        Some(RuntimeFamily::Node) => {
            let major = runtime.trim_start_matches("nodejs").trim_end_matches(".x");
            vec![(
                "NODE_PATH",
                format!("{opt}/nodejs/node{major}/node_modules:{opt}/nodejs/node_modules"),
            )]
        }
        _ => Vec::new(),
    }
}

/// Whether a folder holds a shared library (a `.so` file, versioned or not).
fn holds_shared_objects(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|entries| {
        entries
            .flatten()
            .any(|e| e.file_name().to_string_lossy().contains(".so"))
    })
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

/// A running child, watched for its exit by a task of its own.
pub(crate) struct ChildProcess {
    pid: Option<i32>,
    /// The process group it belongs to (the environment's).
    group: Option<i32>,
    exit: watch::Receiver<Option<String>>,
    /// The last peak-memory reading and when it was taken: procfs is read
    /// at most every `MEMORY_REFRESH`, not on every invoke.
    memory: std::sync::Mutex<Option<(std::time::Instant, u64)>>,
}

const MEMORY_REFRESH: std::time::Duration = std::time::Duration::from_millis(100);

impl ChildProcess {
    pub(crate) fn pid(&self) -> Option<i32> {
        self.pid
    }

    /// A runtime the zygote forked: it leads its own process group, and the
    /// zygote (its parent) reports its wait status.
    fn forked(forked: crate::zygote::Forked) -> Self {
        use std::os::unix::process::ExitStatusExt;
        let (tx, exit) = watch::channel(None);
        let mut status = forked.exit;
        tokio::spawn(async move {
            let reason = match status.wait_for(Option::is_some).await {
                Ok(s) => describe_exit(std::process::ExitStatus::from_raw((*s).unwrap_or(0))),
                // The zygote went, and its children with it.
                Err(_) => "signal: killed".into(),
            };
            tx.send_replace(Some(reason));
        });
        Self {
            pid: Some(forked.pid),
            group: Some(forked.pid),
            exit,
            memory: std::sync::Mutex::new(None),
        }
    }

    /// Watches a child; `group` is the process group it joined (`None`: it
    /// leads its own).
    fn watch(mut child: tokio::process::Child, group: Option<i32>) -> Self {
        let pid = child.id().and_then(|p| i32::try_from(p).ok());
        let group = group.or(pid);
        let (tx, exit) = watch::channel(None);
        tokio::spawn(async move {
            let reason = match child.wait().await {
                Ok(status) => describe_exit(status),
                Err(e) => format!("wait failed: {e}"),
            };
            tx.send_replace(Some(reason));
        });
        Self {
            pid,
            group,
            exit,
            memory: std::sync::Mutex::new(None),
        }
    }

    pub(crate) fn has_exited(&self) -> bool {
        self.exit.borrow().is_some()
    }

    /// Resolves with the reason once the child has exited.
    pub(crate) async fn exited(&self) -> String {
        let mut exit = self.exit.clone();
        let reason = match exit.wait_for(Option::is_some).await {
            Ok(reason) => reason.clone().unwrap_or_default(),
            Err(_) => "the runtime process disappeared".into(),
        };
        reason
    }

    /// Stops the child and everything in its process group (while it
    /// lives, the group cannot have been reused).
    pub(crate) fn kill(&mut self) {
        if let (Some(_), Some(group)) = (self.pid.take(), self.group.take()) {
            if !self.has_exited() {
                // SAFETY: plain syscall on the environment's process group.
                unsafe {
                    libc::kill(-group, libc::SIGKILL);
                }
            }
        }
    }

    /// Sends `signal` to this child alone (the runtime of an environment
    /// whose extensions still get their SHUTDOWN).
    pub(crate) fn signal_alone(&self, signal: libc::c_int) {
        if let Some(pid) = self.pid {
            if !self.has_exited() {
                // SAFETY: plain syscall on the child's own pid, still ours.
                unsafe {
                    libc::kill(pid, signal);
                }
            }
        }
    }

    /// Peak resident memory of the runtime process, from procfs (a reading
    /// at most `MEMORY_REFRESH` old: the peak only grows).
    pub(crate) fn max_memory_used_mb(&self) -> u64 {
        let mut cached = self.memory.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((at, mb)) = *cached {
            if at.elapsed() < MEMORY_REFRESH {
                return mb;
            }
        }
        let mb = self.read_peak_mb();
        if mb > 0 {
            *cached = Some((std::time::Instant::now(), mb));
        }
        mb
    }

    fn read_peak_mb(&self) -> u64 {
        let Some(pid) = self.pid else { return 0 };
        let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) else {
            return 0;
        };
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .map(|kb| kb.div_ceil(1024))
            .unwrap_or(0)
    }
}

impl Drop for ChildProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

pub(crate) fn describe_exit(status: std::process::ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    if let Some(code) = status.code() {
        return format!("exit status {code}");
    }
    match status.signal() {
        Some(libc::SIGKILL) => "signal: killed".into(),
        Some(libc::SIGSEGV) => "signal: segmentation fault".into(),
        Some(libc::SIGABRT) => "signal: aborted".into(),
        Some(libc::SIGTERM) => "signal: terminated".into(),
        Some(sig) => format!("signal: {sig}"),
        None => "unknown exit".into(),
    }
}
