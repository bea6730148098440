//! Debug mode's settings and endpoint: `laminar serve --debug
//! NAME[:QUALIFIER][=PORT]` and `--debug-config FILE` at start-up, and at run
//! time `GET /_laminar/debug` (the debugged functions and every
//! environment's debugger port), `POST /_laminar/debug/{function}` (a JSON
//! body of `qualifier`, `port`, `waitForAttach`, `timeout`; all optional) and
//! `DELETE /_laminar/debug/{function}`. The invoker does the rest
//! (`laminar_invoke::debug`).

use crate::cli::ServeArgs;
use crate::render;
use axum::body::Body;
use axum::http::Method;
use axum::response::Response;
use laminar_invoke::debug::{DebugTarget, DebuggedFunction, DEFAULT_TIMEOUT};
use laminar_lambda::LambdaService;
use laminar_model::{ApiError, ErrorKind};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// The longest debug timeout accepted: a day.
const MAX_TIMEOUT_SECONDS: u64 = 86_400;
/// The largest body `POST /_laminar/debug/{function}` reads.
const MAX_BODY_BYTES: usize = 64 * 1024;

/// How one function is debugged, as `--debug-config` and the endpoint's
/// body say it.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct DebugSettings {
    qualifier: Option<String>,
    port: Option<u16>,
    wait_for_attach: Option<bool>,
    /// Seconds.
    timeout: Option<u64>,
}

/// `--debug-config`: `{"functions": [{"name": "orders", "port": 5678, …}]}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DebugConfig {
    functions: Vec<NamedSettings>,
}

#[derive(Debug, Deserialize)]
struct NamedSettings {
    name: String,
    #[serde(flatten)]
    settings: DebugSettings,
}

/// Whether a path under `/_laminar/` is this module's.
pub fn handles(path: &str) -> bool {
    path == "debug" || path.starts_with("debug/")
}

/// Applies `--debug` and `--debug-config` at start-up.
pub fn configure(service: &LambdaService, args: &ServeArgs) -> Result<(), String> {
    let mut named = Vec::new();
    if let Some(file) = &args.debug_config {
        let text = std::fs::read_to_string(file)
            .map_err(|e| format!("--debug-config {}: {e}", file.display()))?;
        let config: DebugConfig = serde_json::from_str(&text)
            .map_err(|e| format!("--debug-config {}: {e}", file.display()))?;
        named.extend(config.functions.into_iter().map(|n| (n.name, n.settings)));
    }
    for flag in &args.debug {
        named.push(parse_flag(flag).map_err(|e| format!("--debug {flag}: {e}"))?);
    }
    for (name, mut settings) in named {
        settings.wait_for_attach = settings
            .wait_for_attach
            .or(Some(args.debug_wait_for_attach));
        settings.timeout = settings.timeout.or(Some(args.debug_timeout));
        let name = function_name(&name).map_err(|e| format!("--debug {name}: {}", e.message))?;
        let target = target(settings).map_err(|e| format!("--debug {name}: {}", e.message))?;
        tracing::info!(function = %name, "debug mode: {}", describe(&target));
        service.invoker().debugging.set(&name, target);
    }
    Ok(())
}

/// `NAME[:QUALIFIER][=PORT]`.
fn parse_flag(flag: &str) -> Result<(String, DebugSettings), String> {
    let (function, port) = match flag.rsplit_once('=') {
        Some((function, port)) => {
            let port = port
                .parse::<u16>()
                .ok()
                .filter(|p| *p > 0)
                .ok_or_else(|| format!("{port} is not a port"))?;
            (function, Some(port))
        }
        None => (flag, None),
    };
    let (name, qualifier) = match function.split_once(':') {
        Some((name, qualifier)) => (name, Some(qualifier.to_string())),
        None => (function, None),
    };
    let settings = DebugSettings {
        qualifier,
        port,
        ..DebugSettings::default()
    };
    Ok((name.to_string(), settings))
}

/// `/_laminar/debug` and `/_laminar/debug/{function}`.
pub async fn serve(service: &LambdaService, method: &Method, path: &str, body: Body) -> Response {
    let debugging = &service.invoker().debugging;
    let function = path.strip_prefix("debug/").filter(|f| !f.is_empty());
    let answer = match (method, function) {
        (&Method::GET, None) => Ok(render::json(200, &Listing::of(debugging.list()))),
        (&Method::GET, Some(function)) => function_name(function).and_then(|name| {
            let found = debugging.list().into_iter().find(|f| f.name == name);
            found
                .map(|f| render::json(200, &Listed::of(f)))
                .ok_or_else(|| not_debugged(&name))
        }),
        (&Method::POST | &Method::PUT, Some(function)) => enable(service, function, body).await,
        (&Method::DELETE, Some(function)) => {
            function_name(function).and_then(|name| match debugging.remove(&name) {
                Some(_) => {
                    tracing::info!(function = %name, "debug mode ended");
                    Ok(render::empty(204))
                }
                None => Err(not_debugged(&name)),
            })
        }
        _ => Err(ApiError::new(
            ErrorKind::UnknownOperation,
            format!("No operation matches {method} /_laminar/{path}"),
        )),
    };
    answer.unwrap_or_else(|e| render::error(&e))
}

async fn enable(service: &LambdaService, function: &str, body: Body) -> Result<Response, ApiError> {
    let name = function_name(function)?;
    let bytes = axum::body::to_bytes(body, MAX_BODY_BYTES)
        .await
        .map_err(|_| {
            ApiError::invalid_parameter(format!("The body is over {MAX_BODY_BYTES} bytes."))
        })?;
    let settings: DebugSettings = if bytes.iter().all(u8::is_ascii_whitespace) {
        DebugSettings::default()
    } else {
        serde_json::from_slice(&bytes).map_err(|e| {
            ApiError::invalid_parameter(format!("Could not parse the debug settings: {e}"))
        })?
    };
    let target = target(settings)?;
    tracing::info!(function = %name, "debug mode: {}", describe(&target));
    let debugging = &service.invoker().debugging;
    debugging.set(&name, target);
    let listed = debugging.list().into_iter().find(|f| f.name == name);
    match listed {
        Some(f) => Ok(render::json(200, &Listed::of(f))),
        None => Err(ApiError::service("the debug settings were not kept")),
    }
}

fn target(settings: DebugSettings) -> Result<DebugTarget, ApiError> {
    let timeout = match settings.timeout {
        None => DEFAULT_TIMEOUT,
        Some(s) if (1..=MAX_TIMEOUT_SECONDS).contains(&s) => Duration::from_secs(s),
        Some(s) => {
            return Err(ApiError::invalid_parameter(format!(
                "The debug timeout {s} is not between 1 and {MAX_TIMEOUT_SECONDS} seconds."
            )))
        }
    };
    if settings.port == Some(0) {
        return Err(ApiError::invalid_parameter(
            "The debugger port must be from 1 to 65535.",
        ));
    }
    let qualifier = settings.qualifier.filter(|q| !q.is_empty());
    if let Some(q) = &qualifier {
        if !q
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '$'))
        {
            return Err(ApiError::invalid_parameter(format!(
                "{q} is not a version or alias."
            )));
        }
    }
    Ok(DebugTarget {
        qualifier,
        port: settings.port,
        wait_for_attach: settings.wait_for_attach.unwrap_or(false),
        timeout,
    })
}

/// A function's name, from its name or its ARN.
fn function_name(given: &str) -> Result<String, ApiError> {
    let name = match given.split_once(":function:") {
        Some((_, rest)) => rest.split(':').next().unwrap_or_default(),
        None => given,
    };
    let valid = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if valid {
        Ok(name.to_string())
    } else {
        Err(ApiError::invalid_parameter(format!(
            "{given} is not a function name or ARN."
        )))
    }
}

fn not_debugged(name: &str) -> ApiError {
    ApiError::new(
        ErrorKind::ResourceNotFound,
        format!("The function {name} is not in debug mode."),
    )
}

fn describe(target: &DebugTarget) -> String {
    format!(
        "qualifier {}, port {}, wait for attach: {}, timeout {} s",
        target.qualifier.as_deref().unwrap_or("any"),
        target
            .port
            .map_or_else(|| "the debugger's own".to_string(), |p| p.to_string()),
        target.wait_for_attach,
        target.timeout.as_secs()
    )
}

#[derive(Serialize)]
struct Listing {
    functions: Vec<Listed>,
}

impl Listing {
    fn of(functions: Vec<DebuggedFunction>) -> Self {
        Self {
            functions: functions.into_iter().map(Listed::of).collect(),
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Listed {
    function_name: String,
    qualifier: Option<String>,
    port: Option<u16>,
    wait_for_attach: bool,
    timeout: u64,
    environments: Vec<ListedEnvironment>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ListedEnvironment {
    version: String,
    debugger: Option<&'static str>,
    port: Option<u16>,
    busy: bool,
}

impl Listed {
    fn of(f: DebuggedFunction) -> Self {
        Self {
            function_name: f.name,
            qualifier: f.target.qualifier,
            port: f.target.port,
            wait_for_attach: f.target.wait_for_attach,
            timeout: f.target.timeout.as_secs(),
            environments: f
                .environments
                .into_iter()
                .map(|e| ListedEnvironment {
                    version: e.version,
                    debugger: e.debugger.map(|d| d.kind.name()),
                    port: e.debugger.map(|d| d.port),
                    busy: e.busy,
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flag_names_the_function_its_qualifier_and_port() {
        let (name, s) = parse_flag("orders:live=5690").unwrap();
        assert_eq!(
            (name.as_str(), s.qualifier.as_deref(), s.port),
            ("orders", Some("live"), Some(5690))
        );
        let (name, s) = parse_flag("orders").unwrap();
        assert_eq!((name.as_str(), s.qualifier, s.port), ("orders", None, None));
        assert!(parse_flag("orders=http").is_err());
        assert!(parse_flag("orders=0").is_err());
    }

    #[test]
    fn a_function_is_named_or_given_by_arn() {
        let arn = "arn:aws:lambda:us-east-1:000000000000:function:orders:live";
        assert_eq!(function_name(arn).unwrap(), "orders");
        assert!(function_name("no/slashes").is_err());
    }
}
