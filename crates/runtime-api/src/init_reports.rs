//! What laminar-init, the init laminar puts into function containers, reports
//! on laminar's own `/_laminar/init/` paths (crates/init/src/report.rs): the
//! external extensions it is about to start, and the exit of each process.
//! Not part of any AWS API.

use crate::Shared;
use axum::extract::State;
use axum::http::StatusCode;
use bytes::Bytes;
use std::sync::Arc;
use std::time::Duration;

/// How long an init report waits for the environment's address (set once
/// the container has started).
const SANDBOX_WAIT: Duration = Duration::from_secs(10);

/// Which process of the environment ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InitProcess {
    Runtime,
    Extension(String),
}

/// One process's end, with the raw status `waitpid` gave for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProcessExit {
    pub process: InitProcess,
    pub wait_status: i32,
}

impl ProcessExit {
    /// `<status> runtime` or `<status> extension <name>`.
    fn parse(text: &str) -> Option<Self> {
        let (status, rest) = text.trim_end().split_once(' ')?;
        let process = match rest.split_once(' ') {
            None if rest == "runtime" => InitProcess::Runtime,
            Some(("extension", name)) if !name.is_empty() => InitProcess::Extension(name.into()),
            _ => return None,
        };
        Some(Self {
            process,
            wait_status: status.parse().ok()?,
        })
    }
}

/// `POST /_laminar/init/extensions`: one name a line. Answered once the
/// environment's address is known, so that no extension starts (and
/// subscribes to telemetry) before it.
pub(crate) async fn extensions(State(shared): State<Arc<Shared>>, body: Bytes) -> StatusCode {
    let names: Vec<String> = String::from_utf8_lossy(&body)
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    shared.extensions.set_launched(names);
    let mut sandbox = shared.sandbox.subscribe();
    let known = tokio::time::timeout(SANDBOX_WAIT, sandbox.wait_for(Option::is_some)).await;
    match known {
        Ok(Ok(_)) => StatusCode::NO_CONTENT,
        _ => StatusCode::SERVICE_UNAVAILABLE,
    }
}

/// `POST /_laminar/init/exit`.
pub(crate) async fn exit(State(shared): State<Arc<Shared>>, body: Bytes) -> StatusCode {
    match ProcessExit::parse(&String::from_utf8_lossy(&body)) {
        Some(exit) => {
            shared.exits.send_modify(|exits| exits.push(exit));
            StatusCode::NO_CONTENT
        }
        None => StatusCode::BAD_REQUEST,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_parse() {
        assert_eq!(
            ProcessExit::parse("1792 extension recorder\n"),
            Some(ProcessExit {
                process: InitProcess::Extension("recorder".into()),
                wait_status: 1792
            })
        );
        assert_eq!(
            ProcessExit::parse("9 runtime").map(|e| e.process),
            Some(InitProcess::Runtime)
        );
        for bad in ["", "x runtime", "0 extension", "0 extension ", "0 other"] {
            assert_eq!(ProcessExit::parse(bad), None, "{bad:?}");
        }
    }
}
