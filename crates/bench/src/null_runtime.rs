//! The leanest runtime a `provided` function can have: this binary, zipped
//! as `bootstrap`, started by laminar with `AWS_LAMBDA_RUNTIME_API` set and
//! no arguments. One keep-alive connection on a single thread; each event is
//! echoed back as the response. It shows what laminar costs on its own,
//! apart from the `lambda_runtime` crate's client.

use crate::http::Conn;
use crate::Result;
use hyper::Method;
use std::net::{SocketAddr, ToSocketAddrs};

const VARIABLE: &str = "AWS_LAMBDA_RUNTIME_API";
/// Set on the mapping and event benches' function: each environment keeps
/// the number of records (or events) it has seen in `<dir>/<pid>-<start>`, so the
/// bench knows when every one went through.
pub const COUNT_DIR: &str = "LAMINAR_BENCH_COUNT_DIR";

/// Started by laminar as a function's bootstrap.
pub fn wanted() -> bool {
    std::env::var_os(VARIABLE).is_some() && std::env::args_os().len() == 1
}

pub fn run() -> std::process::ExitCode {
    crate::block_on_current_thread("null runtime", serve())
}

async fn serve() -> Result<()> {
    let api = std::env::var(VARIABLE)?;
    let addr: SocketAddr = match api.parse() {
        Ok(addr) => addr,
        Err(_) => api
            .to_socket_addrs()?
            .next()
            .ok_or("AWS_LAMBDA_RUNTIME_API names no address")?,
    };
    let mut conn = Conn::connect(addr).await?;
    // Process ids come round again in a long run: the start time keeps
    // each environment's file its own.
    let started = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let count_file = std::env::var_os(COUNT_DIR)
        .map(|dir| std::path::PathBuf::from(dir).join(format!("{}-{started}", std::process::id())));
    let mut records = 0usize;
    loop {
        let next = conn.get("/2018-06-01/runtime/invocation/next").await?;
        let Some(id) = next.header("lambda-runtime-aws-request-id") else {
            return Err(format!("/next answered {} without a request id", next.status).into());
        };
        if let Some(file) = &count_file {
            // Stream records and SQS messages each; any other event is one.
            let batch = count(&next.body, b"\"eventID\"") + count(&next.body, b"\"messageId\"");
            records += batch.max(1);
            std::fs::write(file, records.to_string())?;
        }
        let path = format!("/2018-06-01/runtime/invocation/{id}/response");
        conn.send(Method::POST, &path, &[], next.body).await?;
    }
}

/// How many times `needle` stands in `haystack`.
fn count(haystack: &[u8], needle: &[u8]) -> usize {
    haystack
        .windows(needle.len())
        .filter(|w| *w == needle)
        .count()
}
