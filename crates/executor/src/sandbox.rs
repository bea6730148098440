//! What an environment's runtime runs in: a child process or a container.
//! The environment only needs to know when it exits, how to stop it, what it
//! printed and how much memory it used.

use crate::docker::Container;
use crate::limits::Limits;
use crate::logs::OutputPipe;
use crate::process::ChildProcess;

pub(crate) enum Sandbox {
    Process {
        child: ChildProcess,
        /// The external extensions, by name.
        extensions: Vec<(String, ChildProcess)>,
        output: OutputPipe,
        /// Its control group and rlimits; the group goes with the last process.
        limits: std::sync::Arc<Limits>,
    },
    Container(Container),
}

impl Sandbox {
    /// Resolves with the reason once the runtime has exited.
    pub(crate) async fn exited(&self) -> String {
        match self {
            Self::Process { child, .. } => child.exited().await,
            Self::Container(c) => c.exited().await,
        }
    }

    /// Resolves with the name and exit reason of the first external
    /// extension to exit; never without any.
    pub(crate) async fn extension_exited(&self) -> (String, String) {
        match self {
            Self::Process { extensions, .. } if !extensions.is_empty() => {
                let exits = extensions.iter().map(|(name, child)| {
                    Box::pin(async move { (name.clone(), child.exited().await) })
                });
                futures_util::future::select_all(exits).await.0
            }
            Self::Container(c) => c.extension_exited().await,
            Self::Process { .. } => std::future::pending().await,
        }
    }

    /// Whether the runtime has ended already (an idle environment killed
    /// from outside).
    pub(crate) fn has_exited(&self) -> bool {
        match self {
            Self::Process { child, .. } => child.has_exited(),
            Self::Container(c) => c.has_exited(),
        }
    }

    /// Resolves once every external extension has exited.
    pub(crate) async fn extensions_gone(&self) {
        match self {
            Self::Process { extensions, .. } => {
                futures_util::future::join_all(extensions.iter().map(|(_, c)| c.exited())).await;
            }
            // laminar-init exits once the runtime and every extension ended.
            Self::Container(c) if c.has_init() => c.ended().await,
            Self::Container(_) => {}
        }
    }

    /// Stops the runtime alone, leaving the extensions their shutdown.
    pub(crate) fn kill_runtime(&mut self) {
        match self {
            Self::Process { child, .. } => child.signal_alone(libc::SIGKILL),
            Self::Container(c) if c.has_init() => c.signal_init("SIGUSR1"),
            Self::Container(c) => c.remove(),
        }
    }

    /// Asks the runtime to stop (SIGTERM), as Lambda does at shutdown when
    /// extensions are registered; it is killed with the rest afterwards.
    pub(crate) fn terminate_runtime(&self) {
        match self {
            Self::Process { child, .. } => child.signal_alone(libc::SIGTERM),
            Self::Container(c) => c.signal_init("SIGTERM"),
        }
    }

    /// Stops the runtime and everything it started.
    pub(crate) fn kill(&mut self) {
        match self {
            Self::Process {
                child, extensions, ..
            } => {
                child.kill();
                for (_, extension) in extensions {
                    extension.kill();
                }
            }
            Self::Container(c) => c.remove(),
        }
    }

    /// The runtime's process id, or the container's (short) id.
    pub(crate) fn id(&self) -> String {
        match self {
            Self::Process { child, .. } => child.pid().map(|p| p.to_string()).unwrap_or_default(),
            Self::Container(c) => c.id().chars().take(12).collect(),
        }
    }

    pub(crate) fn max_memory_used_mb(&self) -> u64 {
        match self {
            Self::Process { child, limits, .. } => limits
                .max_memory_used_mb()
                .unwrap_or_else(|| child.max_memory_used_mb()),
            Self::Container(c) => c.max_memory_used_mb(),
        }
    }

    /// Whether the runtime's end was the kernel's, for memory.
    pub(crate) fn out_of_memory(&self) -> bool {
        match self {
            Self::Process { limits, .. } => limits.out_of_memory(),
            Self::Container(c) => c.out_of_memory(),
        }
    }

    /// Everything printed since the last call.
    pub(crate) fn take_output(&self) -> Vec<u8> {
        match self {
            Self::Process { output, .. } => output.take(),
            Self::Container(c) => c.output().take(),
        }
    }

    /// Waits for output still on its way (a pipe needs no wait).
    pub(crate) async fn settle_output(&self) {
        if let Self::Container(c) = self {
            c.output().settle().await;
        }
    }
}
