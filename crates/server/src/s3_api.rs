//! S3 on the wire: REST-XML, path-style (`/bucket/key`) and virtual-hosted
//! (`bucket.s3.<anything>`).

use crate::render;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Uri};
use axum::response::Response;
use laminar_lambda::Scope;
use laminar_s3::S3Service;

/// `s3.localhost`, `bucket.s3.localhost.localstack.cloud`, `bucket.s3.us-east-1.amazonaws.com`, …
pub fn is_s3_host(host: &str) -> bool {
    let host = host.split(':').next().unwrap_or_default();
    host.starts_with("s3.") || host.contains(".s3.")
}

pub async fn serve(
    _s3: &S3Service,
    _scope: &Scope,
    _method: Method,
    _uri: &Uri,
    _headers: &HeaderMap,
    _body: Body,
) -> Response {
    render::raw(
        501,
        "application/xml",
        "<Error><Code>NotImplemented</Code><Message>S3 is not built yet</Message></Error>",
    )
}
