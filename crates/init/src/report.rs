//! What laminar-init tells laminar, on the environment's Runtime API listener
//! (`AWS_LAMBDA_RUNTIME_API`) under laminar's own `/_laminar/init/` paths: a
//! plain-text POST, answered before init goes on. This is a report, not an
//! API the function may rely on.
//!
//! - `POST /_laminar/init/extensions`: the external extensions about to
//!   start, one name a line (sent before any process starts, so that laminar
//!   waits for each to register).
//! - `POST /_laminar/init/exit`: `<wait status> runtime` or
//!   `<wait status> extension <name>`, the raw status `waitpid` gave.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// The listener laminar serves this environment on.
pub struct Reporter {
    api: Option<String>,
}

/// Which process of the environment ended.
pub enum Process<'a> {
    Runtime,
    Extension(&'a str),
}

impl Reporter {
    pub fn from_env() -> Self {
        Self {
            api: std::env::var("AWS_LAMBDA_RUNTIME_API").ok(),
        }
    }

    /// The Runtime API listener's address, when laminar gave one.
    pub fn api(&self) -> Option<&str> {
        self.api.as_deref()
    }

    pub fn extensions(&self, names: &[String]) {
        let body: String = names.iter().map(|n| format!("{n}\n")).collect();
        self.post("/_laminar/init/extensions", &body);
    }

    pub fn exit(&self, process: Process<'_>, status: i32) {
        let body = match process {
            Process::Runtime => format!("{status} runtime"),
            Process::Extension(name) => format!("{status} extension {name}"),
        };
        self.post("/_laminar/init/exit", &body);
    }

    /// One request on a connection of its own; failures are printed, never
    /// fatal (laminar still sees the container's own exit).
    fn post(&self, path: &str, body: &str) {
        let Some(api) = &self.api else { return };
        if let Err(e) = send(api, path, body) {
            eprintln!("laminar-init: could not report to {api}{path}: {e}");
        }
    }
}

fn send(api: &str, path: &str, body: &str) -> std::io::Result<()> {
    let mut stream = TcpStream::connect(api)?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: {api}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes())?;
    // The answer is awaited so that what was reported is known to laminar
    // before init goes on; its content does not matter.
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer)?;
    Ok(())
}
