//! The web console: one page, its style sheet and its script, compiled into
//! the binary (no external assets: it works offline).

use axum::http::HeaderValue;
use axum::response::Response;

/// Serves `index.html`, `console.css` or `console.js`.
pub(super) fn asset(name: &str) -> Option<Response> {
    let (content_type, body) = match name {
        "" | "index.html" => ("text/html; charset=utf-8", include_str!("console.html")),
        "console.css" => ("text/css; charset=utf-8", include_str!("console.css")),
        "console.js" => ("text/javascript; charset=utf-8", include_str!("console.js")),
        _ => return None,
    };
    let mut response = crate::render::raw(200, content_type, body);
    response
        .headers_mut()
        .insert("cache-control", HeaderValue::from_static("no-cache"));
    Some(response)
}
