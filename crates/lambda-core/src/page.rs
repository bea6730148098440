//! Paging of listings: one page and the opaque marker that resumes after it.

use crate::ApiResult;
use base64::Engine;
use laminar_model::ApiError;

/// One page of a listing with an opaque marker (the index to resume at).
pub fn page_of<'a, T>(
    all: &'a [T],
    marker: Option<&str>,
    max_items: Option<i32>,
) -> ApiResult<(Vec<&'a T>, Option<String>)> {
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let start = match marker.filter(|m| !m.is_empty()) {
        None => 0,
        Some(m) => engine
            .decode(m)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .and_then(|s| s.parse::<usize>().ok())
            .ok_or_else(|| ApiError::invalid_parameter("Invalid marker."))?,
    };
    let max = crate::checks::page_size(max_items);
    let page: Vec<&T> = all.iter().skip(start).take(max).collect();
    let end = start + page.len();
    let next = (end < all.len()).then(|| engine.encode(end.to_string()));
    Ok((page, next))
}
