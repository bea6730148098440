//! The leanest external extension: this binary, put in a layer as
//! `extensions/null-extension`, started by laminar before the runtime. It
//! registers for INVOKE and asks for its next event at once, on one
//! keep-alive connection: what an extension costs the warm invoke, apart
//! from any work of its own.

use crate::http::Conn;
use crate::Result;
use hyper::Method;
use std::net::{SocketAddr, ToSocketAddrs};

const VARIABLE: &str = "AWS_LAMBDA_RUNTIME_API";
/// The name it has in its layer.
pub const NAME: &str = "null-extension";

/// Started by laminar from a layer's `extensions/` folder.
pub fn wanted() -> bool {
    let program = std::env::args_os().next().map(std::path::PathBuf::from);
    std::env::var_os(VARIABLE).is_some()
        && program
            .is_some_and(|p| p.parent().and_then(|d| d.file_name()) == Some("extensions".as_ref()))
}

pub fn run() -> std::process::ExitCode {
    crate::block_on_current_thread("null extension", serve())
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
    let registered = conn
        .send(
            Method::POST,
            "/2020-01-01/extension/register",
            &[("lambda-extension-name", NAME)],
            bytes::Bytes::from_static(br#"{"events":["INVOKE"]}"#),
        )
        .await?;
    let id = registered
        .header("lambda-extension-identifier")
        .ok_or_else(|| {
            format!(
                "register answered {} without an identifier",
                registered.status
            )
        })?
        .to_string();
    loop {
        let event = conn
            .send(
                Method::GET,
                "/2020-01-01/extension/event/next",
                &[("lambda-extension-identifier", &id)],
                bytes::Bytes::new(),
            )
            .await?;
        if !event.status.is_success() {
            return Err(format!("event/next answered {}", event.status).into());
        }
    }
}
