//! Execution environments: start one for a function version, hand it
//! invocations one at a time, stop it.
//!
//! An environment owns its Runtime API listener and a child (a process here;
//! a container with the docker executor). Everything it observes first-hand
//! (init errors, crashes, timeouts, output) comes back in an [`InvokeReport`].

mod environment;
mod logs;
mod process;
mod spec;

pub use environment::{Environment, InvokeReport, InvokeResult};
pub use process::ProcessExecutor;
pub use spec::{EnvironmentSpec, StartError};

/// The executors laminar can run functions with.
pub enum Executor {
    Process(ProcessExecutor),
}

impl Executor {
    pub fn name(&self) -> &'static str {
        match self {
            Self::Process(_) => "process",
        }
    }

    /// Starts an execution environment (a cold start).
    pub async fn start(&self, spec: &EnvironmentSpec) -> Result<Environment, StartError> {
        match self {
            Self::Process(p) => p.start(spec).await,
        }
    }
}
