//! One running container: its exit, its log stream, its memory peak, and
//! its removal; with laminar-init as its PID 1, the exits of its runtime and
//! extensions as the init reports them.

use crate::logs::StreamOutput;
use bollard::query_parameters::{
    InspectContainerOptions, KillContainerOptions, LogsOptions, RemoveContainerOptions,
    WaitContainerOptions,
};
use bollard::Docker;
use futures_util::StreamExt;
use laminar_runtime_api::{InitProcess, ProcessExit};
use std::net::IpAddr;
use std::path::PathBuf;
use tokio::sync::watch;

pub(crate) struct Container {
    docker: Docker,
    id: String,
    exit: watch::Receiver<Option<String>>,
    /// What laminar-init reported (`None`: the image's entrypoint is PID 1).
    reports: Option<watch::Receiver<Vec<ProcessExit>>>,
    output: StreamOutput,
    /// Whether the engine says the kernel killed it for memory (set before
    /// its exit is told).
    out_of_memory: std::sync::Arc<std::sync::atomic::AtomicBool>,
    removed: bool,
}

impl Container {
    pub(crate) fn id(&self) -> &str {
        &self.id
    }

    /// Watches a created container, before it starts: its exit, its output
    /// and, with laminar-init, the exits it reports.
    pub(crate) fn watch(
        docker: Docker,
        id: String,
        reports: Option<watch::Receiver<Vec<ProcessExit>>>,
    ) -> Self {
        let (tx, exit) = watch::channel(None);
        let output = StreamOutput::default();
        let out_of_memory = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        {
            let docker = docker.clone();
            let id = id.clone();
            let out_of_memory = out_of_memory.clone();
            tokio::spawn(async move {
                let reason = wait_for_exit(&docker, &id).await;
                if reason == "signal: killed" {
                    let killed_for_memory = docker
                        .inspect_container(&id, None)
                        .await
                        .ok()
                        .and_then(|c| c.state)
                        .and_then(|state| state.oom_killed)
                        .unwrap_or(false);
                    out_of_memory.store(killed_for_memory, std::sync::atomic::Ordering::Release);
                }
                tx.send_replace(Some(reason));
            });
        }
        Self {
            docker,
            id,
            exit,
            reports,
            output,
            out_of_memory,
            removed: false,
        }
    }

    /// The container's address on its network (`None`: the default bridge).
    pub(crate) async fn address(&self, network: Option<&str>) -> Option<IpAddr> {
        let inspected = self
            .docker
            .inspect_container(&self.id, None::<InspectContainerOptions>)
            .await
            .ok()?;
        let networks = inspected.network_settings?.networks?;
        let endpoint = networks.get(network.unwrap_or("bridge"))?;
        endpoint.ip_address.as_deref()?.parse().ok()
    }

    /// Streams the started container's stdout and stderr into its output.
    pub(crate) fn follow_output(&self) {
        let docker = self.docker.clone();
        let id = self.id.clone();
        let output = self.output.clone();
        tokio::spawn(async move {
            let options = LogsOptions {
                follow: true,
                stdout: true,
                stderr: true,
                ..Default::default()
            };
            let mut logs = docker.logs(&id, Some(options));
            while let Some(Ok(chunk)) = logs.next().await {
                output.push(&chunk.into_bytes());
            }
        });
    }

    pub(crate) fn output(&self) -> &StreamOutput {
        &self.output
    }

    /// Resolves with the reason once the runtime has ended: the container's
    /// exit, or (with laminar-init) the runtime's exit it reported, since
    /// the init outlives the runtime while extensions run.
    pub(crate) async fn exited(&self) -> String {
        let runtime = self.reported(|p| matches!(p, InitProcess::Runtime));
        tokio::select! {
            reason = self.container_exit() => reason,
            (_, reason) = runtime => reason,
        }
    }

    /// Resolves once the container itself has exited.
    pub(crate) async fn ended(&self) {
        self.container_exit().await;
    }

    async fn container_exit(&self) -> String {
        let mut exit = self.exit.clone();
        let reason = match exit.wait_for(Option::is_some).await {
            Ok(reason) => reason.clone().unwrap_or_default(),
            Err(_) => "the container disappeared".into(),
        };
        reason
    }

    pub(crate) fn has_exited(&self) -> bool {
        self.exit.borrow().is_some()
    }

    /// Whether the kernel killed a process of the container for memory: the
    /// engine's word once the container ended, else its cgroup's count (with
    /// laminar-init the runtime's end is known before the container's).
    pub(crate) fn out_of_memory(&self) -> bool {
        self.out_of_memory
            .load(std::sync::atomic::Ordering::Acquire)
            || cgroup_oom_kills(&self.id) > 0
    }

    /// Resolves with the name and exit reason of the first external
    /// extension laminar-init saw end; never without the init.
    pub(crate) async fn extension_exited(&self) -> (String, String) {
        self.reported(|p| matches!(p, InitProcess::Extension(_)))
            .await
    }

    /// The first reported exit of a process `wanted` accepts.
    async fn reported(&self, wanted: impl Fn(&InitProcess) -> bool) -> (String, String) {
        let Some(reports) = &self.reports else {
            return std::future::pending().await;
        };
        let mut reports = reports.clone();
        let found = reports
            .wait_for(|exits| exits.iter().any(|e| wanted(&e.process)))
            .await;
        let exit = found
            .ok()
            .and_then(|exits| exits.iter().find(|e| wanted(&e.process)).cloned());
        match exit {
            Some(exit) => {
                let name = match exit.process {
                    InitProcess::Runtime => String::new(),
                    InitProcess::Extension(name) => name,
                };
                (name, wait_status_reason(exit.wait_status))
            }
            None => std::future::pending().await,
        }
    }

    /// Sends a signal to laminar-init (PID 1), which forwards SIGTERM to the
    /// runtime and stops the runtime alone on SIGUSR1; nothing without it.
    pub(crate) fn signal_init(&self, signal: &'static str) {
        if self.reports.is_none() || self.removed {
            return;
        }
        let docker = self.docker.clone();
        let id = self.id.clone();
        tokio::spawn(async move {
            let options = KillContainerOptions {
                signal: signal.into(),
            };
            if let Err(e) = docker.kill_container(&id, Some(options)).await {
                tracing::debug!(container = %id, error = %e, signal, "signal to laminar-init");
            }
        });
    }

    /// Whether laminar-init runs in this container.
    pub(crate) fn has_init(&self) -> bool {
        self.reports.is_some()
    }

    /// Removes the container (in the background: removal takes a moment).
    pub(crate) fn remove(&mut self) {
        if std::mem::replace(&mut self.removed, true) {
            return;
        }
        let docker = self.docker.clone();
        let id = self.id.clone();
        tokio::spawn(async move { remove_now(&docker, &id).await });
    }

    /// The container's memory high-water mark, from its cgroup.
    pub(crate) fn max_memory_used_mb(&self) -> u64 {
        cgroup_peak_paths(&self.id)
            .into_iter()
            .find_map(|path| std::fs::read_to_string(path).ok())
            .and_then(|text| text.trim().parse::<u64>().ok())
            .map(|bytes| bytes.div_ceil(1024 * 1024))
            .unwrap_or(0)
    }
}

impl Drop for Container {
    fn drop(&mut self) {
        if !self.removed && tokio::runtime::Handle::try_current().is_ok() {
            self.remove();
        }
    }
}

pub(crate) async fn remove_now(docker: &Docker, id: &str) {
    let options = RemoveContainerOptions {
        force: true,
        v: true,
        ..Default::default()
    };
    // While the engine is away (restarting) the removal is tried again, so
    // that no container outlives its environment once it is back.
    let patience = tokio::time::Instant::now() + std::time::Duration::from_secs(120);
    loop {
        match docker.remove_container(id, Some(options.clone())).await {
            Ok(()) => return,
            Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 404 | 409,
                ..
            }) => return,
            Err(e) if tokio::time::Instant::now() >= patience => {
                tracing::warn!(container = %id, error = %e, "a container could not be removed");
                return;
            }
            Err(e) => {
                tracing::debug!(container = %id, error = %e, "container removal, again soon");
                tokio::time::sleep(std::time::Duration::from_millis(500)).await;
            }
        }
    }
}

/// How the container ended. A lost connection to the engine (Docker
/// restarting) is not an exit: the wait is asked again until the engine
/// answers — then with `not-running`, which answers at once for a container
/// that ended meanwhile. Until then the invoke's own deadline bounds it.
async fn wait_for_exit(docker: &Docker, id: &str) -> String {
    // `next-exit` first: a created, not yet started container is not "exited".
    let mut condition = "next-exit";
    loop {
        let options = WaitContainerOptions {
            condition: condition.into(),
        };
        let mut wait = docker.wait_container(id, Some(options));
        match wait.next().await {
            Some(Ok(status)) => return exit_reason(status.status_code),
            Some(Err(bollard::errors::Error::DockerContainerWaitError { code, .. })) => {
                return exit_reason(code)
            }
            Some(Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 404,
                ..
            })) => return "the container was removed".into(),
            Some(Err(e)) => {
                tracing::debug!(container = %id, error = %e, "waiting for the container again");
            }
            None => {}
        }
        condition = "not-running";
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
}

/// A raw `waitpid` status, worded as for the runtime's processes.
fn wait_status_reason(status: i32) -> String {
    use std::os::unix::process::ExitStatusExt;
    crate::process::describe_exit(std::process::ExitStatus::from_raw(status))
}

fn exit_reason(code: i64) -> String {
    match code {
        137 => "signal: killed".into(),
        139 => "signal: segmentation fault".into(),
        134 => "signal: aborted".into(),
        code => format!("exit status {code}"),
    }
}

/// The `oom_kill` count of the container's cgroup (v2 with the systemd or
/// cgroupfs driver, then v1), 0 when none can be read.
fn cgroup_oom_kills(id: &str) -> u64 {
    [
        format!("/sys/fs/cgroup/system.slice/docker-{id}.scope/memory.events"),
        format!("/sys/fs/cgroup/docker/{id}/memory.events"),
        format!("/sys/fs/cgroup/memory/docker/{id}/memory.oom_control"),
    ]
    .iter()
    .find_map(|path| std::fs::read_to_string(path).ok())
    .and_then(|text| {
        text.lines()
            .find_map(|line| line.strip_prefix("oom_kill "))
            .and_then(|n| n.trim().parse().ok())
    })
    .unwrap_or(0)
}

/// Where cgroup v2 (systemd or cgroupfs driver) and v1 keep the peak.
fn cgroup_peak_paths(id: &str) -> [PathBuf; 3] {
    [
        PathBuf::from(format!(
            "/sys/fs/cgroup/system.slice/docker-{id}.scope/memory.peak"
        )),
        PathBuf::from(format!("/sys/fs/cgroup/docker/{id}/memory.peak")),
        PathBuf::from(format!(
            "/sys/fs/cgroup/memory/docker/{id}/memory.max_usage_in_bytes"
        )),
    ]
}
