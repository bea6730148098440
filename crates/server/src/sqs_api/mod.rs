//! SQS on the wire: the JSON protocol (`X-Amz-Target: AmazonSQS.*`) and the
//! query protocol (`Action=…`, XML answers). Both parse into the same JSON
//! input shape, run `ops::call`, and render its JSON output shape.

pub(crate) mod json;
mod ops;
mod query;

pub use json::serve_json;
pub use query::serve_query;

use axum::http::HeaderMap;

/// The endpoint queue URLs are built on: the scheme and Host the client
/// used, so that URLs work from containers as well as from the host.
fn endpoint(headers: &HeaderMap) -> String {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let scheme = header("x-forwarded-proto").unwrap_or("http");
    let host = header("host").unwrap_or("localhost");
    format!("{scheme}://{host}")
}

fn request_id() -> String {
    uuid::Uuid::new_v4().to_string()
}
