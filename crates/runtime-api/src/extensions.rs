//! The extensions of one environment (Extensions API 2020-01-01): who
//! registered for which events, the events waiting for each, and whether each
//! is parked in `event/next` (ready) or busy.
//!
//! The environment owner reads this state through [`crate::RuntimeApi`]: init
//! is done once every launched extension registered and every registered one
//! is ready; an invoke is done once every extension that got it is ready again.

use bytes::Bytes;
use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard};
use tokio::sync::{oneshot, watch};

/// Lambda's limit on extensions per function.
pub const MAX_EXTENSIONS: usize = 10;

/// What an extension reported, or how its process ended, that fails the
/// environment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExtensionError {
    pub name: String,
    /// `Lambda-Extension-Function-Error-Type` of `init/error` or `exit/error`.
    pub error_type: String,
    /// True for `exit/error`, false for `init/error`.
    pub on_exit: bool,
}

pub(crate) struct Extension {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) invoke: bool,
    pub(crate) shutdown: bool,
    pending: VecDeque<Bytes>,
    waiter: Option<oneshot::Sender<Bytes>>,
}

impl Extension {
    /// Parked in `event/next` with nothing left to read.
    fn ready(&self) -> bool {
        self.pending.is_empty() && self.waiter.as_ref().is_some_and(|w| !w.is_closed())
    }
}

#[derive(Default)]
pub(crate) struct State {
    /// Registration closes when init is done.
    pub(crate) closed: bool,
    /// The external extensions launched: they must register before init ends.
    pub(crate) launched: Vec<String>,
    pub(crate) list: Vec<Extension>,
    pub(crate) error: Option<ExtensionError>,
}

#[derive(Debug, PartialEq, Eq)]
pub(crate) enum RegisterError {
    Closed,
    Duplicate,
    TooMany,
}

pub(crate) struct Registry {
    state: Mutex<State>,
    changed: watch::Sender<u64>,
}

impl Registry {
    pub(crate) fn new() -> Self {
        Self {
            state: Mutex::new(State::default()),
            changed: watch::channel(0).0,
        }
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn bump(&self) {
        self.changed.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// Waits until `done` holds for the state.
    pub(crate) async fn wait_until(&self, mut done: impl FnMut(&State) -> bool) {
        let mut rx = self.changed.subscribe();
        loop {
            if done(&self.lock()) {
                return;
            }
            if rx.changed().await.is_err() {
                std::future::pending::<()>().await;
            }
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.lock().list.is_empty()
    }

    pub(crate) fn set_launched(&self, names: Vec<String>) {
        self.lock().launched = names;
        self.bump();
    }

    /// Registers an extension; its identifier.
    pub(crate) fn register(
        &self,
        name: &str,
        invoke: bool,
        shutdown: bool,
    ) -> Result<String, RegisterError> {
        let mut state = self.lock();
        if state.closed {
            return Err(RegisterError::Closed);
        }
        if state.list.iter().any(|e| e.name == name) {
            return Err(RegisterError::Duplicate);
        }
        if state.list.len() >= MAX_EXTENSIONS {
            return Err(RegisterError::TooMany);
        }
        let id = uuid::Uuid::new_v4().to_string();
        state.list.push(Extension {
            id: id.clone(),
            name: name.to_string(),
            invoke,
            shutdown,
            pending: VecDeque::new(),
            waiter: None,
        });
        drop(state);
        self.bump();
        Ok(id)
    }

    pub(crate) fn is_external(&self, name: &str) -> bool {
        self.lock().launched.iter().any(|n| n == name)
    }

    /// The name of a registered extension.
    pub(crate) fn name_of(&self, id: &str) -> Option<String> {
        self.lock()
            .list
            .iter()
            .find(|e| e.id == id)
            .map(|e| e.name.clone())
    }

    /// `event/next`: the next event for the extension, once there is one.
    /// `None` for an unknown identifier.
    pub(crate) fn next(&self, id: &str) -> Option<oneshot::Receiver<Bytes>> {
        let (tx, rx) = oneshot::channel();
        let mut state = self.lock();
        let ext = state.list.iter_mut().find(|e| e.id == id)?;
        match ext.pending.pop_front() {
            Some(event) => {
                let _ = tx.send(event);
            }
            None => ext.waiter = Some(tx),
        }
        drop(state);
        self.bump();
        Some(rx)
    }

    /// Queues an event for every extension `wants` selects; how many got it.
    pub(crate) fn deliver(&self, event: &Bytes, wants: impl Fn(&Extension) -> bool) -> usize {
        let mut state = self.lock();
        let mut count = 0;
        for ext in state.list.iter_mut().filter(|e| wants(e)) {
            count += 1;
            let sent = match ext.waiter.take() {
                Some(waiter) => waiter.send(event.clone()).is_ok(),
                None => false,
            };
            if !sent {
                ext.pending.push_back(event.clone());
            }
        }
        drop(state);
        self.bump();
        count
    }

    pub(crate) fn report_error(&self, id: &str, error_type: &str, on_exit: bool) -> bool {
        let mut state = self.lock();
        let Some(name) = state
            .list
            .iter()
            .find(|e| e.id == id)
            .map(|e| e.name.clone())
        else {
            return false;
        };
        state.error.get_or_insert(ExtensionError {
            name,
            error_type: error_type.to_string(),
            on_exit,
        });
        drop(state);
        self.bump();
        true
    }

    pub(crate) fn close(&self) {
        self.lock().closed = true;
    }
}

impl State {
    /// Every launched extension registered and every registered one waits
    /// in `event/next`.
    pub(crate) fn init_done(&self) -> bool {
        self.launched
            .iter()
            .all(|n| self.list.iter().any(|e| &e.name == n))
            && self.list.iter().all(Extension::ready)
    }

    /// Every extension `selected` picks waits in `event/next` again.
    pub(crate) fn all_ready(&self, selected: impl Fn(&Extension) -> bool) -> bool {
        self.list
            .iter()
            .filter(|e| selected(e))
            .all(Extension::ready)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_event_waits_for_the_next_call_and_readiness_follows() {
        let registry = Registry::new();
        registry.set_launched(vec!["a".into()]);
        assert!(!registry.lock().init_done());
        let id = registry.register("a", true, true).unwrap();
        assert!(registry.is_external("a"));
        assert!(!registry.lock().init_done());
        let first = registry.next(&id).unwrap();
        assert!(registry.lock().init_done());
        assert_eq!(
            registry.deliver(&Bytes::from_static(b"one"), |e| e.invoke),
            1
        );
        assert_eq!(first.await.unwrap(), Bytes::from_static(b"one"));
        assert!(!registry.lock().all_ready(|e| e.invoke));
        // Delivered while busy: kept until the next call.
        registry.deliver(&Bytes::from_static(b"two"), |e| e.invoke);
        let second = registry.next(&id).unwrap();
        assert_eq!(second.await.unwrap(), Bytes::from_static(b"two"));
        let _third = registry.next(&id).unwrap();
        assert!(registry.lock().all_ready(|e| e.invoke));
    }

    #[test]
    fn registration_refusals() {
        let registry = Registry::new();
        registry.register("a", true, false).unwrap();
        assert_eq!(
            registry.register("a", true, false),
            Err(RegisterError::Duplicate)
        );
        for i in 1..MAX_EXTENSIONS {
            registry.register(&format!("x{i}"), true, false).unwrap();
        }
        assert_eq!(
            registry.register("y", true, false),
            Err(RegisterError::TooMany)
        );
        registry.close();
        assert_eq!(
            registry.register("z", true, false),
            Err(RegisterError::Closed)
        );
    }
}
