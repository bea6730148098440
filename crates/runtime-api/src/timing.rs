//! When the runtime reached each step of the running invocation: the
//! spans of `platform.runtimeDone` (`responseLatency`, `responseDuration`,
//! `runtimeOverhead`) are read from these marks.

use std::time::Instant;
use tokio::sync::watch;

/// The marks of one invocation, set by the Runtime API's handlers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ResponseTiming {
    /// `GET …/next` handed the invocation over.
    pub handed: Option<Instant>,
    /// The runtime's `…/response` or `…/error` request arrived.
    pub response_started: Option<Instant>,
    /// Its body was read to the end.
    pub response_ended: Option<Instant>,
    /// The runtime asked for its next invocation after answering.
    pub polled_again: Option<Instant>,
}

pub(crate) struct Marks(watch::Sender<ResponseTiming>);

impl Marks {
    pub(crate) fn new() -> Self {
        Self(watch::channel(ResponseTiming::default()).0)
    }

    pub(crate) fn handed(&self) {
        self.0.send_replace(ResponseTiming {
            handed: Some(Instant::now()),
            ..ResponseTiming::default()
        });
    }

    pub(crate) fn response_started(&self) {
        self.0
            .send_modify(|t| t.response_started = Some(Instant::now()));
    }

    pub(crate) fn response_ended(&self) {
        self.0
            .send_modify(|t| t.response_ended = Some(Instant::now()));
    }

    /// A `GET …/next`: after an answer, the runtime is done with it.
    pub(crate) fn polled(&self) {
        self.0.send_if_modified(|t| {
            let first = t.response_ended.is_some() && t.polled_again.is_none();
            if first {
                t.polled_again = Some(Instant::now());
            }
            first
        });
    }

    pub(crate) fn get(&self) -> ResponseTiming {
        *self.0.borrow()
    }

    /// Resolves once the runtime asked for its next invocation after
    /// answering this one.
    pub(crate) async fn polled_again(&self) -> Instant {
        let mut rx = self.0.subscribe();
        let polled = match rx.wait_for(|t| t.polled_again.is_some()).await {
            Ok(t) => t.polled_again,
            Err(_) => None,
        };
        match polled {
            Some(at) => at,
            // The sender lives as long as `self`: unreachable.
            None => std::future::pending().await,
        }
    }
}
