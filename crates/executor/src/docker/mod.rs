//! The docker executor: one container per execution environment, from the
//! official Lambda base image of the function's runtime (or the function's
//! own image), with the image's own entrypoint talking to this environment's
//! Runtime API listener.

mod container;
mod images;
mod init;
mod pull;

pub(crate) use container::Container;
pub use images::{ImageSettings, OFFICIAL_PREFIX};

use crate::debug::ContainerDebug;
use crate::progress::Display;
use crate::spec::{EnvironmentSpec, Package, StartError};
use bollard::models::{ContainerCreateBody, HostConfig, PortBinding};
use bollard::query_parameters::{
    CreateContainerOptions, CreateImageOptions, ListContainersOptions, UploadToContainerOptions,
};
use bollard::Docker;
use futures_util::StreamExt;
use laminar_runtime_api::RuntimeApi;
use std::collections::HashMap;
use std::net::IpAddr;

/// Labels on every container laminar starts.
const LABEL_MANAGED: &str = "dev.laminar.managed";
const LABEL_OWNER: &str = "dev.laminar.owner";
const LABEL_FUNCTION: &str = "dev.laminar.function-arn";

#[derive(Clone, Debug, Default)]
pub struct DockerSettings {
    pub images: ImageSettings,
    /// The network containers join (default: the engine's bridge).
    pub network: Option<String>,
    pub code_delivery: CodeDelivery,
    /// A folder laminar writes what debugged containers mount (the debug
    /// wrapper); default: `laminar-debug` in the temporary directory.
    pub debug_dir: Option<std::path::PathBuf>,
    /// laminar-init, the containers' PID 1 (default: found beside laminar).
    pub init: Option<std::path::PathBuf>,
}

/// How a zip function's code reaches `/var/task`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CodeDelivery {
    /// Bind-mount when laminar runs on the engine's host, copy when laminar
    /// itself runs in a container (its paths mean nothing to the engine).
    #[default]
    Auto,
    /// A read-only bind mount of the unpacked package.
    Mount,
    /// Copied into each container through the engine's API before it starts.
    Copy,
}

impl CodeDelivery {
    /// `Auto` decided: copy only when laminar runs in a container that does
    /// not see the engine's own filesystem (its root directory is not here),
    /// since then the engine cannot bind-mount laminar's paths.
    fn resolve(self, engine_root: Option<&str>) -> Self {
        let in_container = std::path::Path::new("/.dockerenv").exists();
        let shares_filesystem = engine_root.is_some_and(|root| std::path::Path::new(root).is_dir());
        match self {
            Self::Auto if in_container && !shares_filesystem => Self::Copy,
            Self::Auto => Self::Mount,
            other => other,
        }
    }
}

pub struct DockerExecutor {
    docker: Docker,
    settings: DockerSettings,
    /// The address containers reach this host on; Runtime API listeners bind to it.
    host_ip: IpAddr,
    /// This laminar process, as written into container labels.
    owner: String,
    /// laminar-init on this host; without it containers run their image's
    /// entrypoint directly, and no external extension starts.
    init: Option<std::path::PathBuf>,
}

impl DockerExecutor {
    /// Connects to the engine (`DOCKER_HOST` or the local socket) and checks
    /// that it answers.
    pub async fn connect(settings: DockerSettings) -> Result<Self, StartError> {
        let docker = Docker::connect_with_defaults().map_err(engine)?;
        docker.ping().await.map_err(engine)?;
        let network = settings.network.clone().unwrap_or_else(|| "bridge".into());
        let host_ip = gateway_of(&docker, &network).await?;
        let engine_root = docker.info().await.ok().and_then(|i| i.docker_root_dir);
        let mut settings = settings;
        settings.code_delivery = settings.code_delivery.resolve(engine_root.as_deref());
        let init = match init::locate(settings.init.as_deref()) {
            Ok(path) => Some(path),
            Err(why) => {
                tracing::warn!(
                    "no laminar-init for containers ({why}): functions run without their external extensions"
                );
                None
            }
        };
        Ok(Self {
            docker,
            settings,
            host_ip,
            owner: process_identity(std::process::id()).unwrap_or_default(),
            init,
        })
    }

    /// The address containers reach this host on.
    pub fn host_ip(&self) -> IpAddr {
        self.host_ip
    }

    /// A URL of this host as containers reach it: loopback and unspecified
    /// hosts become the network's gateway address.
    fn reachable(&self, url: &str) -> String {
        let Some(rest) = url.strip_prefix("http://") else {
            return url.to_string();
        };
        let (host, tail) = rest.split_once(':').unwrap_or((rest, ""));
        let local = matches!(
            host,
            "127.0.0.1" | "localhost" | "0.0.0.0" | "[::1]" | "[::]"
        );
        match (local, tail.is_empty()) {
            (true, true) => format!("http://{}", self.host_ip),
            (true, false) => format!("http://{}:{tail}", self.host_ip),
            (false, _) => url.to_string(),
        }
    }

    /// Where the engine is looked for: `DOCKER_HOST`, else the local socket.
    pub fn engine_address() -> String {
        std::env::var("DOCKER_HOST")
            .ok()
            .filter(|host| !host.is_empty())
            .unwrap_or_else(|| "unix:///var/run/docker.sock".into())
    }

    /// Whether an engine answers, for `--executor auto`.
    pub async fn engine_answers() -> bool {
        match Docker::connect_with_defaults() {
            Ok(d) => tokio::time::timeout(std::time::Duration::from_secs(2), d.ping())
                .await
                .is_ok_and(|r| r.is_ok()),
            Err(_) => false,
        }
    }

    /// Removes containers left by laminar processes that no longer run
    /// (a crash or `kill -9`). Returns how many were removed.
    ///
    /// A container whose creation was in flight when the earlier laminar died
    /// can appear in the engine after this first sweep, so a second one runs
    /// a few seconds later in the background.
    pub async fn reap_orphans(&self) -> usize {
        let reaped = reap_orphans_of(&self.docker).await;
        let docker = self.docker.clone();
        tokio::spawn(async move {
            tokio::time::sleep(LATE_ORPHAN_SWEEP).await;
            let late = reap_orphans_of(&docker).await;
            if late > 0 {
                tracing::info!(
                    count = late,
                    "removed containers an earlier laminar was still creating"
                );
            }
        });
        reaped
    }

    /// Removes every container this laminar started (clean shutdown), and
    /// waits until the engine has finished removing them.
    pub async fn remove_all_of_mine(&self) {
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let mine: Vec<String> = list_managed(&self.docker)
                .await
                .into_iter()
                .filter(|(_, owner)| *owner == self.owner)
                .map(|(id, _)| id)
                .collect();
            if mine.is_empty() || tokio::time::Instant::now() >= deadline {
                return;
            }
            for id in &mine {
                container::remove_now(&self.docker, id).await;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }

    /// Makes sure an image is present: used as is when it is, pulled when
    /// it is not, with its progress on stderr (a bar on a terminal, log
    /// lines otherwise).
    pub async fn ensure_image(&self, image: &str) -> Result<(), StartError> {
        match self.docker.inspect_image(image).await {
            Ok(_) => return Ok(()),
            // Not there: pull it. Anything else is the engine's trouble.
            Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 404, ..
            }) => {}
            Err(e) => return Err(engine(e)),
        }
        tracing::info!(%image, "pulling image");
        let mut progress =
            pull::PullProgress::new(image, Display::of_stderr(), std::time::Instant::now());
        let options = CreateImageOptions {
            from_image: Some(image.to_string()),
            ..Default::default()
        };
        let mut stream = self.docker.create_image(Some(options), None, None);
        while let Some(message) = stream.next().await {
            match message {
                Ok(info) => {
                    let bytes = info
                        .progress_detail
                        .and_then(|d| Some((d.current?, d.total?)));
                    let status = info.status.as_deref().unwrap_or("");
                    let now = std::time::Instant::now();
                    if let Some(line) = progress.update(info.id.as_deref(), status, bytes, now) {
                        tracing::info!(%image, "{line}");
                    }
                }
                Err(e) => {
                    let line = progress.finish(Some(&e.to_string()), std::time::Instant::now());
                    tracing::warn!(%image, "{line}");
                    return Err(StartError::Image(format!(
                        "The image {image} is not present and could not be pulled: {e}"
                    )));
                }
            }
        }
        tracing::info!(%image, "{}", progress.finish(None, std::time::Instant::now()));
        self.docker
            .inspect_image(image)
            .await
            .map(|_| ())
            .map_err(|e| StartError::Image(format!("The image {image} could not be pulled: {e}")))
    }

    /// The image an environment of this function runs.
    pub fn image_of(&self, spec: &EnvironmentSpec) -> Result<String, StartError> {
        match &spec.package {
            Package::Image { image_uri, .. } => Ok(image_uri.clone()),
            Package::Zip { .. } => self
                .settings
                .images
                .image_for(&spec.runtime)
                .ok_or_else(|| {
                    StartError::UnsupportedRuntime(format!(
                        "No image is known for the runtime {}.",
                        spec.runtime
                    ))
                }),
        }
    }

    /// Creates and starts the container of one environment; the caller wraps
    /// it into an [`crate::Environment`].
    pub(crate) async fn spawn(
        &self,
        spec: &EnvironmentSpec,
    ) -> Result<(RuntimeApi, Container), StartError> {
        let image = self.image_of(spec)?;
        self.ensure_image(&image).await?;
        let debug = match &spec.debugger {
            Some(debugger) => {
                let dir = self.settings.debug_dir.clone();
                let dir = dir.unwrap_or_else(|| std::env::temp_dir().join("laminar-debug"));
                Some(
                    ContainerDebug::prepare(debugger, &dir, &spec.variables)
                        .await
                        .map_err(StartError::Debugger)?,
                )
            }
            None => None,
        };
        // Debug mode's variables replace the function's of the same name.
        let debug_variables = debug
            .as_ref()
            .map(|d| d.variables.clone())
            .unwrap_or_default();
        // The container's own address (telemetry destinations) is set once
        // it has started.
        let api =
            RuntimeApi::bind(self.host_ip, None, crate::extensions::function_meta(spec)).await?;
        let mut env: Vec<String> = spec
            .environment(&api.addr().to_string(), "/var/task", "/var/runtime")
            .into_iter()
            .filter(|(k, _)| !debug_variables.iter().any(|(d, _)| d == k))
            .chain(debug_variables.clone())
            .map(|(k, v)| match k.as_str() {
                // Containers reach laminar on the network's gateway address.
                "AWS_ENDPOINT_URL" => format!("{k}={}", self.reachable(&v)),
                _ => format!("{k}={v}"),
            })
            .collect();
        env.push(
            "AWS_LAMBDA_FUNCTION_TIMEOUT".to_string() + "=" + &spec.timeout.as_secs().to_string(),
        );

        let memory = spec.memory_mb.saturating_mul(1024 * 1024);
        let copy = self.settings.code_delivery == CodeDelivery::Copy;
        // As AWS's sandboxes: a user without privileges, no capabilities, a
        // bounded number of processes and threads, a read-only root with
        // only /tmp writable (a copy of the code needs a writable root).
        let mut host = HostConfig {
            memory: Some(memory),
            memory_swap: Some(memory),
            cap_drop: Some(vec!["ALL".to_string()]),
            security_opt: Some(vec!["no-new-privileges".to_string()]),
            pids_limit: Some(SANDBOX_PIDS),
            readonly_rootfs: Some(!copy),
            tmpfs: Some(HashMap::from([(
                "/tmp".to_string(),
                format!("size={}m,exec", spec.ephemeral_storage_mb),
            )])),
            network_mode: self.settings.network.clone(),
            init: Some(false),
            // Extensions listen on `sandbox.localdomain`: every interface of
            // the container, so that laminar reaches them from outside.
            extra_hosts: Some(vec![
                "sandbox.localdomain:0.0.0.0".to_string(),
                "sandbox:0.0.0.0".to_string(),
            ]),
            ..Default::default()
        };
        let mut body = ContainerCreateBody {
            image: Some(image.clone()),
            user: Some(SANDBOX_USER.to_string()),
            env: Some(env),
            labels: Some(HashMap::from([
                (LABEL_MANAGED.to_string(), "true".to_string()),
                (LABEL_OWNER.to_string(), self.owner.clone()),
                (LABEL_FUNCTION.to_string(), spec.function_arn.clone()),
            ])),
            ..Default::default()
        };
        // Folders to place in the container: (host folder, container path).
        let mut folders: Vec<(std::path::PathBuf, &str)> = Vec::new();
        if let Some(opt) = &spec.opt_dir {
            folders.push((opt.clone(), "/opt"));
        }
        if let Some(debug) = debug {
            folders.extend(debug.folders);
            // The debugger is reached on this host's loopback only.
            let port = format!("{}/tcp", debug.port);
            body.exposed_ports = Some(vec![port.clone()]);
            let binding = PortBinding {
                host_ip: Some("127.0.0.1".into()),
                host_port: Some(debug.port.to_string()),
            };
            host.port_bindings = Some(HashMap::from([(port, Some(vec![binding]))]));
        }
        match &spec.package {
            Package::Zip { code_dir } => {
                body.cmd = Some(vec![spec.handler.clone()]);
                folders.push((code_dir.clone(), "/var/task"));
            }
            Package::Image {
                entry_point,
                command,
                working_directory,
                ..
            } => {
                body.entrypoint = entry_point.clone();
                body.cmd = command.clone();
                body.working_dir = working_directory.clone();
            }
        }
        if let Some(init) = &self.init {
            // laminar-init is PID 1; what the image would have run is its
            // runtime.
            let inspected = self.docker.inspect_image(&image).await.map_err(engine)?;
            body.entrypoint = Some(vec![init::INIT_IN_CONTAINER.to_string()]);
            body.cmd = Some(init::runtime_command(spec, &inspected)?);
            if !copy {
                folders.push((init.clone(), init::INIT_IN_CONTAINER));
            }
        }
        if !copy {
            host.binds = Some(
                folders
                    .iter()
                    .map(|(dir, at)| format!("{}:{at}:ro", dir.display()))
                    .collect(),
            );
        }
        body.host_config = Some(host);
        let options = CreateContainerOptions {
            name: Some(format!(
                "laminar-{}-{}",
                spec.function_name,
                &uuid_fragment()
            )),
            platform: if spec.architecture == "arm64" {
                "linux/arm64".into()
            } else {
                String::new()
            },
        };
        let created = self
            .docker
            .create_container(Some(options), body)
            .await
            .map_err(engine)?;
        let reports = self.init.is_some().then(|| api.process_exits());
        let mut container = Container::watch(self.docker.clone(), created.id.clone(), reports);
        // laminar-init relays the output in order with the runtime's answers;
        // the log stream still carries what it could not relay.
        let relayed = container.output().clone();
        api.relay_output_to(Box::new(move |chunk| relayed.push(chunk)));
        if copy {
            let init = self
                .init
                .clone()
                .map(|path| (path, init::INIT_IN_CONTAINER));
            for (path, at) in folders.into_iter().chain(init) {
                if let Err(e) = self.copy_in(&created.id, path, at).await {
                    container.remove();
                    return Err(e);
                }
            }
        }
        if let Err(e) = self.docker.start_container(&created.id, None).await {
            container.remove();
            return Err(engine(e));
        }
        container.follow_output();
        match container.address(self.settings.network.as_deref()).await {
            Some(ip) => api.set_sandbox(ip),
            None => {
                tracing::warn!(container = %created.id, "the container has no IPv4 address: telemetry cannot reach its extensions")
            }
        }
        Ok((api, container))
    }
}

impl DockerExecutor {
    /// Uploads a host folder into a created container at `at`, or a host
    /// file as the file `at`.
    async fn copy_in(
        &self,
        id: &str,
        path: std::path::PathBuf,
        at: &str,
    ) -> Result<(), StartError> {
        let (parent, name) = match at.rsplit_once('/') {
            Some((parent, name)) if path.is_file() => (parent.to_string(), Some(name.to_string())),
            _ => (at.to_string(), None),
        };
        let archive = tokio::task::spawn_blocking(move || {
            let mut tar = tar::Builder::new(Vec::new());
            tar.follow_symlinks(false);
            match name {
                Some(name) => tar.append_path_with_name(&path, name)?,
                None => tar.append_dir_all(".", &path)?,
            }
            tar.into_inner()
        })
        .await
        .map_err(|e| StartError::Engine(format!("packing the code failed: {e}")))??;
        let options = UploadToContainerOptions {
            path: if parent.is_empty() {
                "/".into()
            } else {
                parent
            },
            ..Default::default()
        };
        self.docker
            .upload_to_container(id, Some(options), bollard::body_full(archive.into()))
            .await
            .map_err(engine)
    }
}

/// The user AWS runs functions as (`sbx_user1051`), uid and gid.
const SANDBOX_USER: &str = "993:990";
/// Lambda's quota of processes and threads in one execution environment.
const SANDBOX_PIDS: i64 = 1024;

fn engine(e: bollard::errors::Error) -> StartError {
    StartError::Engine(e.to_string())
}

fn uuid_fragment() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    format!("{:08x}{:04x}", nanos, std::process::id() & 0xffff)
}

/// The gateway address of a Docker network: where its containers reach the host.
async fn gateway_of(docker: &Docker, network: &str) -> Result<IpAddr, StartError> {
    let inspected = docker
        .inspect_network(network, None)
        .await
        .map_err(engine)?;
    // Older engines leave the default bridge's gateway out of its IPAM
    // config; it is then the subnet's first address.
    inspected
        .ipam
        .and_then(|ipam| ipam.config)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|c| {
            let explicit = c.gateway.and_then(|g| g.parse::<IpAddr>().ok());
            explicit.or_else(|| first_host_of(c.subnet.as_deref()?))
        })
        .find(IpAddr::is_ipv4)
        .ok_or_else(|| {
            StartError::Engine(format!("the Docker network {network} has no IPv4 gateway"))
        })
}

/// `172.17.0.0/16` → `172.17.0.1`.
fn first_host_of(subnet: &str) -> Option<IpAddr> {
    let network: std::net::Ipv4Addr = subnet.split('/').next()?.parse().ok()?;
    Some(IpAddr::V4(std::net::Ipv4Addr::from(u32::from(network) + 1)))
}

/// `pid:start-time`: names this process uniquely even after pid reuse.
fn process_identity(pid: u32) -> Option<String> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name (which may contain spaces) start at ") ".
    let after = stat.rsplit_once(") ")?.1;
    let start_time = after.split_whitespace().nth(19)?;
    Some(format!("{pid}:{start_time}"))
}

/// How long after start-up the second sweep for orphans runs: longer than
/// the engine takes to finish a create its client abandoned.
const LATE_ORPHAN_SWEEP: std::time::Duration = std::time::Duration::from_secs(3);

async fn reap_orphans_of(docker: &Docker) -> usize {
    let mut reaped = 0;
    for (id, owner) in list_managed(docker).await {
        if owner_is_alive(&owner) {
            continue;
        }
        container::remove_now(docker, &id).await;
        reaped += 1;
    }
    reaped
}

/// laminar's containers, with the laminar process each belongs to.
async fn list_managed(docker: &Docker) -> Vec<(String, String)> {
    let filters = HashMap::from([("label".to_string(), vec![format!("{LABEL_MANAGED}=true")])]);
    let options = ListContainersOptions {
        all: true,
        filters: Some(filters),
        ..Default::default()
    };
    match docker.list_containers(Some(options)).await {
        Ok(list) => list
            .into_iter()
            .filter_map(|c| {
                let owner = c.labels.as_ref()?.get(LABEL_OWNER)?.clone();
                Some((c.id?, owner))
            })
            .collect(),
        Err(e) => {
            tracing::warn!(error = %e, "could not list laminar's containers");
            Vec::new()
        }
    }
}

fn owner_is_alive(owner: &str) -> bool {
    let Some(pid) = owner.split(':').next().and_then(|p| p.parse::<u32>().ok()) else {
        return false;
    };
    process_identity(pid).as_deref() == Some(owner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gateway_from_subnet() {
        assert_eq!(first_host_of("172.17.0.0/16"), "172.17.0.1".parse().ok());
        assert_eq!(first_host_of("nonsense"), None);
    }

    #[test]
    fn this_process_is_alive_and_a_made_up_one_is_not() {
        let me = process_identity(std::process::id()).unwrap();
        assert!(owner_is_alive(&me));
        assert!(!owner_is_alive("999999999:1"));
        assert!(!owner_is_alive("garbage"));
    }
}
