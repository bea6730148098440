//! The shutdown phase of an environment, as extensions see it
//! (SHUTDOWN to the extensions registered for it, at most 2 s, then the
//! processes are stopped).

use crate::environment::{epoch_ms, Environment};
use crate::meta::ShutdownReason;
use std::time::Duration;

/// How long extensions get to finish after SHUTDOWN.
const SHUTDOWN_LIMIT: Duration = Duration::from_secs(2);

impl Environment {
    /// Stops the environment. With extensions registered, they get their
    /// SHUTDOWN in the background first; without, the processes stop now.
    pub fn shutdown(mut self) {
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            if self.api.has_extensions() || self.last_words.is_some() {
                runtime.spawn(self.stop());
                return;
            }
        }
        self.child.kill();
    }

    /// The shutdown phase: SHUTDOWN (with its reason and a deadline 2 s
    /// away) to the extensions registered for it, until each asked for its
    /// next event again or exited, or the time is up; then every process of
    /// the environment is stopped.
    pub async fn stop(mut self) {
        let reason = self.reset.unwrap_or(ShutdownReason::Spindown);
        let deadline = epoch_ms() + SHUTDOWN_LIMIT.as_millis() as u64;
        if self.api.deliver_shutdown(reason.as_str(), deadline) > 0 {
            // The runtime gets SIGTERM (its graceful shutdown), the
            // extensions their SHUTDOWN.
            self.child.terminate_runtime();
            // The phase lasts until the extensions are done and the runtime
            // has ended (its SIGTERM handler ran), at most the limit.
            let extensions = async {
                tokio::select! {
                    () = self.api.shutdown_extensions_done() => {}
                    () = self.child.extensions_gone() => {}
                }
            };
            let both = futures_util::future::join(extensions, self.child.exited());
            let _ = tokio::time::timeout(SHUTDOWN_LIMIT, both).await;
        }
        // What was printed since the last invocation ended (background
        // work, SIGTERM handlers, extensions' SHUTDOWN) goes to the log too.
        if !self.child.has_exited() {
            self.collect_output().await;
        }
        let output = self.child.take_output();
        self.child.kill();
        if let Some(last_words) = self.last_words.take() {
            if !output.is_empty() {
                last_words(output);
            }
        }
    }
}
