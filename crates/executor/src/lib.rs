//! Execution environments: start one for a function version, hand it
//! invocations one at a time, stop it.
//!
//! An environment owns its Runtime API listener and a child (a process here;
//! a container with the docker executor). Everything it observes first-hand
//! (init errors, crashes, timeouts, output) comes back in an [`InvokeReport`].

mod debug;
mod docker;
mod environment;
mod extensions;
mod interpreter;
mod lifecycle;
mod limits;
mod logs;
mod meta;
mod namespace;
mod process;
pub mod progress;
mod sandbox;
mod spec;
mod telemetry_events;
mod zygote;

pub use debug::{Debugger, DebuggerKind};
pub use docker::{CodeDelivery, DockerExecutor, DockerSettings, ImageSettings, OFFICIAL_PREFIX};
pub use environment::{Environment, InvokeReport, InvokeResult, LastWords};
pub use meta::ShutdownReason;
pub use process::ProcessExecutor;
pub use spec::{Credentials, EnvironmentSpec, Package, StartError};

use sandbox::Sandbox;

/// The executors laminar can run functions with.
pub enum Executor {
    Process(Box<ProcessExecutor>),
    Docker(Box<DockerExecutor>),
}

impl Executor {
    pub fn name(&self) -> &'static str {
        match self {
            Self::Process(_) => "process",
            Self::Docker(_) => "docker",
        }
    }

    /// Starts an execution environment (a cold start).
    pub async fn start(&self, spec: &EnvironmentSpec) -> Result<Environment, StartError> {
        match self {
            Self::Process(p) => {
                let spawned = p.spawn(spec).await?;
                Ok(Environment::new(
                    spawned.api,
                    Sandbox::Process {
                        child: spawned.runtime,
                        extensions: spawned.extensions,
                        output: spawned.output,
                        limits: spawned.limits,
                    },
                    spec,
                ))
            }
            Self::Docker(d) => {
                let (api, container) = d.spawn(spec).await?;
                Ok(Environment::new(api, Sandbox::Container(container), spec))
            }
        }
    }

    /// Gets ready to run a function (pulls its image); nothing to do for
    /// processes.
    pub async fn prepare(&self, spec: &EnvironmentSpec) -> Result<(), StartError> {
        match (self, &spec.package) {
            (Self::Process(_), Package::Zip { .. }) => Ok(()),
            (Self::Process(_), Package::Image { .. }) => Err(StartError::UnsupportedRuntime(
                "The process executor cannot run container image functions; start laminar with --executor docker.".into(),
            )),
            (Self::Docker(d), _) => d.ensure_image(&d.image_of(spec)?).await,
        }
    }

    /// Whether preparing a function takes time (functions start `Pending`).
    pub fn prepares(&self) -> bool {
        matches!(self, Self::Docker(_))
    }

    /// Another address laminar's API should also listen on so that function
    /// environments can call it (the Docker network's gateway).
    pub fn extra_listen_ip(&self) -> Option<std::net::IpAddr> {
        match self {
            Self::Process(_) => None,
            Self::Docker(d) => Some(d.host_ip()),
        }
    }

    /// Stops whatever environments outlived their handles.
    pub async fn shutdown(&self) {
        match self {
            Self::Process(p) => p.shutdown().await,
            Self::Docker(d) => d.remove_all_of_mine().await,
        }
    }
}
