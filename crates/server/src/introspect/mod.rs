//! laminar's own endpoints under `/_laminar/`: health, code downloads for
//! `GetFunction`, the introspection API (`api/…`, JSON, for the console,
//! the `laminar ps|invocations|logs|evict` commands and CI) and the web
//! console itself. No file is served from disk: the console is compiled in.

mod console;
mod environments;
mod functions;
mod invocations;
mod metrics;
mod sources;

use crate::render;
use axum::body::Body;
use axum::http::Method;
use axum::response::Response;
use laminar_lambda::{LambdaService, Scope};
use laminar_model::{ApiError, ErrorKind};
use serde::Deserialize;

/// The account and region a request looks at (default: laminar's).
#[derive(Debug, Default, Deserialize)]
struct Where {
    account: Option<String>,
    region: Option<String>,
}

impl Where {
    fn scope(&self) -> Scope {
        let mut scope = crate::sigv4::scope(None);
        if let Some(account) = &self.account {
            scope.account = account.clone();
        }
        if let Some(region) = &self.region {
            scope.region = region.clone();
        }
        scope
    }
}

/// A request's query as `T`, or AWS-style 400.
fn query<T: for<'de> Deserialize<'de> + Default>(text: Option<&str>) -> Result<T, ApiError> {
    serde_urlencoded::from_str(text.unwrap_or_default())
        .map_err(|e| bad_request(format!("invalid query: {e}")))
}

fn bad_request(message: String) -> ApiError {
    ApiError::new(ErrorKind::InvalidParameterValue, message)
}

fn not_found(message: String) -> ApiError {
    ApiError::new(ErrorKind::ResourceNotFound, message)
}

/// Runs `work` off the async workers (store reads, history queries).
async fn off_worker<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    laminar_db::blocking(work)
        .await
        .unwrap_or_else(|e| Err(ApiError::service(e.to_string())))
}

/// `path` follows `/_laminar/`.
pub async fn serve(
    service: &LambdaService,
    method: &Method,
    path: &str,
    query_text: Option<&str>,
    _body: Body,
) -> Response {
    if method == Method::GET && !path.contains('/') {
        if let Some(page) = console::asset(path) {
            return page;
        }
    }
    // Refusals name the path as it was asked.
    let unknown = || not_found(format!("No laminar resource at /_laminar/{path}"));
    let decoded: Vec<String> = path
        .split('/')
        .map(|s| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8_lossy()
                .into_owned()
        })
        .collect();
    let segments: Vec<&str> = decoded.iter().map(String::as_str).collect();
    let answer = match (method, segments.as_slice()) {
        (&Method::GET, ["health"]) => Ok(render::json(
            200,
            &serde_json::json!({ "status": "running", "executor": service.executor_name() }),
        )),
        (&Method::GET, ["code", file]) => code(service, file).ok_or_else(unknown),
        (&Method::GET, ["api", "functions"]) => functions::list(service, query_text).await,
        (&Method::GET, ["api", "functions", name]) => {
            functions::detail(service, name, query_text).await
        }
        (&Method::GET, ["api", "functions", name, "metrics"]) => {
            metrics::series(service, name, query_text).await
        }
        (&Method::POST, ["api", "functions", name, "evict"]) => {
            environments::evict_function(service, name, query_text)
        }
        (&Method::GET, ["api", "invocations"]) => invocations::list(service, query_text).await,
        (&Method::GET, ["api", "invocations", request_id]) => {
            invocations::runs(service, request_id).await
        }
        (&Method::GET, ["api", "stream"]) => invocations::stream(service, query_text),
        (&Method::GET, ["api", "environments"]) => environments::list(service, query_text),
        (&Method::POST, ["api", "environments", id, "evict"]) => environments::evict(service, id),
        (&Method::GET, ["api", "sources"]) => sources::list(service, query_text).await,
        _ => Err(not_found(format!(
            "No laminar resource at /_laminar/{path}"
        ))),
    };
    answer.unwrap_or_else(|e| render::error(&e))
}

fn code(service: &LambdaService, file: &str) -> Option<Response> {
    let zip = file
        .strip_suffix(".zip")
        .and_then(|sha| service.code_zip(sha))?;
    Some(render::raw(200, "application/zip", zip))
}
