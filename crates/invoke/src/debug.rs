//! Debug mode: which functions run under a debugger (`laminar serve --debug`,
//! `/_laminar/debug`), and the environments started for them. Those are kept
//! apart from the ordinary pools: an invocation that is not debugged never
//! gets one, keep-alive never reaps one, and each has a debugger port of its
//! own (the function's base port, then the next free ones), so several
//! functions and several concurrent environments of one function can be
//! debugged at once. While debugged, a function's timeout is lifted.

use crate::pool::{PoolKey, WarmEnvironment};
use laminar_executor::{Debugger, DebuggerKind};
use std::collections::{BTreeMap, HashMap};
use std::net::{Ipv4Addr, TcpListener};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// The timeout of a debugged function unless configured: a paused
/// breakpoint must not end as `Task timed out`.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(3600);

/// How many ports past the base one are tried for a new environment.
const PORT_SEARCH: u16 = 100;

/// How one function is debugged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DebugTarget {
    /// Only invocations of this qualifier (a version, or an alias as
    /// invoked) are debugged; `None`: every invocation of the function.
    pub qualifier: Option<String>,
    /// The first environment's debugger port; `None`: the debugger's
    /// conventional one (debugpy 5678, Node.js 9229).
    pub port: Option<u16>,
    /// The runtime waits for a debugger before its initialisation runs.
    pub wait_for_attach: bool,
    /// The function's timeout (and init limit) while it is debugged.
    pub timeout: Duration,
}

/// A debugged function and its environments, for the listing.
#[derive(Clone, Debug)]
pub struct DebuggedFunction {
    pub name: String,
    pub target: DebugTarget,
    pub environments: Vec<DebugEnvironment>,
}

/// One environment started in debug mode.
#[derive(Clone, Debug)]
pub struct DebugEnvironment {
    pub version: String,
    /// `None` where laminar starts no debugger (OS-only runtimes, images):
    /// only the timeout is lifted.
    pub debugger: Option<Debugger>,
    /// An invocation runs in it (perhaps paused at a breakpoint).
    pub busy: bool,
}

/// An environment's place in the debug registry; dropping it (when the
/// environment ends) frees its port.
pub struct DebugLease {
    id: u64,
    target: DebugTarget,
    sessions: Arc<Mutex<BTreeMap<u64, Session>>>,
}

impl Drop for DebugLease {
    fn drop(&mut self) {
        lock(&self.sessions).remove(&self.id);
    }
}

struct Session {
    function: String,
    environment: DebugEnvironment,
}

/// The registry of debugged functions and their environments.
#[derive(Default)]
pub struct Debugging {
    /// By function name, in every account and region.
    targets: Mutex<BTreeMap<String, DebugTarget>>,
    sessions: Arc<Mutex<BTreeMap<u64, Session>>>,
    next_id: AtomicU64,
    idle: Mutex<HashMap<PoolKey, Vec<(WarmEnvironment, DebugLease)>>>,
}

/// A lock whose holders leave no half-made change (no panics inside).
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

impl Debugging {
    /// Debugs `function` from its next cold start on; environments started
    /// with other settings are stopped once idle.
    pub fn set(&self, function: &str, target: DebugTarget) {
        lock(&self.targets).insert(function.to_string(), target);
        self.stop_idle(function, None);
    }

    /// Ends debug mode for `function`: its idle debug environments stop,
    /// busy ones when their invocation ends. Returns what it was.
    pub fn remove(&self, function: &str) -> Option<DebugTarget> {
        let removed = lock(&self.targets).remove(function);
        self.stop_idle(function, None);
        removed
    }

    /// How an invocation of `function` through `qualifier` (as invoked),
    /// running `version`, is debugged, if it is.
    pub fn target_for(
        &self,
        function: &str,
        qualifier: Option<&str>,
        version: &str,
    ) -> Option<DebugTarget> {
        let targets = lock(&self.targets);
        let target = targets.get(function)?;
        let applies = match &target.qualifier {
            None => true,
            Some(wanted) => qualifier == Some(wanted.as_str()) || version == wanted,
        };
        applies.then(|| target.clone())
    }

    /// Every debugged function with its environments, by name.
    pub fn list(&self) -> Vec<DebuggedFunction> {
        let targets = lock(&self.targets).clone();
        let sessions = lock(&self.sessions);
        targets
            .into_iter()
            .map(|(name, target)| DebuggedFunction {
                environments: sessions
                    .values()
                    .filter(|s| s.function == name)
                    .map(|s| s.environment.clone())
                    .collect(),
                name,
                target,
            })
            .collect()
    }

    /// Registers a new environment of `key` and picks its debugger (and
    /// port) for `runtime`. Idle debug environments of the function's other
    /// revisions stop: nothing would invoke them again.
    pub fn lease(
        &self,
        key: &PoolKey,
        version: &str,
        runtime: &str,
        target: &DebugTarget,
    ) -> Result<(DebugLease, Option<Debugger>), String> {
        self.stop_idle(&key.function.name, Some(key));
        let mut sessions = lock(&self.sessions);
        let debugger = match DebuggerKind::of_runtime(runtime) {
            Some(kind) => {
                let base = target.port.unwrap_or_else(|| kind.default_port());
                let taken = |port: u16| {
                    sessions
                        .values()
                        .any(|s| s.environment.debugger.is_some_and(|d| d.port == port))
                };
                let port = (base..=base.saturating_add(PORT_SEARCH))
                    .find(|&port| {
                        !taken(port) && TcpListener::bind((Ipv4Addr::LOCALHOST, port)).is_ok()
                    })
                    .ok_or_else(|| {
                        format!(
                            "No free port for the debugger of {} from {base} to {}.",
                            key.function.name,
                            base.saturating_add(PORT_SEARCH)
                        )
                    })?;
                Some(Debugger {
                    kind,
                    port,
                    wait_for_attach: target.wait_for_attach,
                })
            }
            None => None,
        };
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        sessions.insert(
            id,
            Session {
                function: key.function.name.clone(),
                environment: DebugEnvironment {
                    version: version.to_string(),
                    debugger,
                    busy: true,
                },
            },
        );
        let lease = DebugLease {
            id,
            target: target.clone(),
            sessions: self.sessions.clone(),
        };
        Ok((lease, debugger))
    }

    /// The most recently used idle debug environment of `key`.
    pub fn take_idle(&self, key: &PoolKey) -> Option<(WarmEnvironment, DebugLease)> {
        let taken = lock(&self.idle).get_mut(key).and_then(Vec::pop)?;
        self.mark(&taken.1, true);
        Some(taken)
    }

    /// Puts a debug environment back after an invocation, unless its
    /// revision is gone (`live` false) or its function's debug settings
    /// changed meanwhile: then it stops.
    pub fn release(&self, key: PoolKey, env: WarmEnvironment, lease: DebugLease, live: bool) {
        let current = lock(&self.targets).get(&key.function.name).cloned();
        if !live || current.as_ref() != Some(&lease.target) {
            env.environment.shutdown();
            return;
        }
        self.mark(&lease, false);
        lock(&self.idle).entry(key).or_default().push((env, lease));
    }

    fn mark(&self, lease: &DebugLease, busy: bool) {
        if let Some(session) = lock(&self.sessions).get_mut(&lease.id) {
            session.environment.busy = busy;
        }
    }

    /// Stops the idle debug environments of `function`, but those of `keep`.
    fn stop_idle(&self, function: &str, keep: Option<&PoolKey>) {
        let mut stopped: Vec<(WarmEnvironment, DebugLease)> = Vec::new();
        lock(&self.idle).retain(|key, envs| {
            let kept = key.function.name != function || Some(key) == keep;
            if !kept {
                stopped.append(envs);
            }
            kept
        });
        for (env, _lease) in stopped {
            env.environment.shutdown();
        }
    }
}
