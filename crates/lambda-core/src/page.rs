//! Paging of listings: one page and the marker that resumes after it.
//!
//! Every listing pages through [`Paging`]: by position in a slice
//! ([`Paging::page`]), or after the key of the last item for listings read
//! in key order from an index ([`Paging::page_after`]).

use crate::ApiResult;
use base64::Engine;
use laminar_model::limits::LIST_MAX_ITEMS;
use laminar_model::ApiError;
use serde::Serialize;
use serde_json::{json, Value};

/// How a family of listings pages: how it writes its markers and how large
/// its pages are.
#[derive(Clone, Copy, Debug)]
pub struct Paging {
    pub marker: MarkerFormat,
    /// The page size when `MaxItems` is absent (or 0).
    pub default_size: usize,
    /// The largest page, whatever `MaxItems` asks.
    pub max_size: usize,
}

/// Lambda's control-plane listings: opaque markers, at most 50 items a page.
pub const LAMBDA: Paging = Paging {
    marker: MarkerFormat::Opaque,
    default_size: LIST_MAX_ITEMS,
    max_size: LIST_MAX_ITEMS,
};

/// How a marker spells the place a listing resumes at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MarkerFormat {
    /// URL-safe base64 of the place, as Lambda's markers are opaque. A
    /// position past the end (items deleted since) gives an empty page.
    Opaque,
    /// The position itself (`"100"`), as durable executions write it in the
    /// state a function receives; it must lie within the listing.
    Plain,
}

impl MarkerFormat {
    fn encode(self, place: &str) -> String {
        match self {
            MarkerFormat::Opaque => base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(place),
            MarkerFormat::Plain => place.to_string(),
        }
    }

    fn decode(self, marker: &str) -> Option<String> {
        match self {
            MarkerFormat::Opaque => base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(marker)
                .ok()
                .and_then(|b| String::from_utf8(b).ok()),
            MarkerFormat::Plain => Some(marker.to_string()),
        }
    }

    /// The position a marker resumes at, in a listing of `len` items.
    fn position(self, marker: &str, len: usize) -> Option<usize> {
        let position = self.decode(marker)?.parse::<usize>().ok()?;
        (self == MarkerFormat::Opaque || position <= len).then_some(position)
    }
}

/// One page of a listing and the marker of the next, if more follow.
#[derive(Debug)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_marker: Option<String>,
}

impl<T: Serialize> Page<T> {
    /// The page as the API answers it: the items under `items_member`, and
    /// `NextMarker` when more follow.
    pub fn into_json(self, items_member: &str) -> Value {
        let mut out = json!({ items_member: self.items });
        if let Some(next) = self.next_marker {
            out["NextMarker"] = json!(next);
        }
        out
    }
}

fn invalid_marker() -> ApiError {
    ApiError::invalid_parameter("Invalid marker.")
}

impl Paging {
    /// The page size a listing's `MaxItems` asks for (the model checks its
    /// range before the operation runs).
    pub fn size(&self, max_items: Option<i32>) -> usize {
        match max_items.and_then(|n| usize::try_from(n).ok()) {
            None | Some(0) => self.default_size,
            Some(n) => n.min(self.max_size),
        }
    }

    /// One page of `all` by position: the marker holds the index to resume at.
    pub fn page<'a, T>(
        &self,
        all: &'a [T],
        marker: Option<&str>,
        max_items: Option<i32>,
    ) -> ApiResult<Page<&'a T>> {
        let start = match marker.filter(|m| !m.is_empty()) {
            None => 0,
            Some(m) => self
                .marker
                .position(m, all.len())
                .ok_or_else(invalid_marker)?,
        };
        Ok(self.page_from(all, start, self.size(max_items)))
    }

    /// The first page of `all` at the default size, as a listing with
    /// neither marker nor `MaxItems` answers.
    pub fn first_page<'a, T>(&self, all: &'a [T]) -> Page<&'a T> {
        self.page_from(all, 0, self.default_size)
    }

    fn page_from<'a, T>(&self, all: &'a [T], start: usize, size: usize) -> Page<&'a T> {
        let items: Vec<&T> = all.iter().skip(start).take(size).collect();
        let end = start + items.len();
        let next_marker = (end < all.len()).then(|| self.marker.encode(&end.to_string()));
        Page { items, next_marker }
    }

    /// One page of a listing in key order that resumes after the key the
    /// marker holds. `fetch(after, limit)` answers up to `limit` items
    /// after `after` and whether more follow; `key` names an item.
    pub fn page_after<T>(
        &self,
        marker: Option<&str>,
        max_items: Option<i32>,
        fetch: impl FnOnce(Option<&str>, usize) -> (Vec<T>, bool),
        key: impl Fn(&T) -> &str,
    ) -> ApiResult<Page<T>> {
        let after = match marker.filter(|m| !m.is_empty()) {
            None => None,
            Some(m) => Some(self.marker.decode(m).ok_or_else(invalid_marker)?),
        };
        let (items, more) = fetch(after.as_deref(), self.size(max_items));
        let next_marker = match (more, items.last()) {
            (true, Some(last)) => Some(self.marker.encode(key(last))),
            _ => None,
        };
        Ok(Page { items, next_marker })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLAIN: Paging = Paging {
        marker: MarkerFormat::Plain,
        default_size: 2,
        max_size: 3,
    };

    fn pages(paging: &Paging, all: &[u32], max_items: Option<i32>) -> Vec<Vec<u32>> {
        let mut out = Vec::new();
        let mut marker = None;
        loop {
            let page = paging
                .page(all, marker.as_deref(), max_items)
                .expect("a marker the listing issued");
            out.push(page.items.into_iter().copied().collect());
            marker = page.next_marker;
            if marker.is_none() {
                return out;
            }
        }
    }

    #[test]
    fn pages_by_position_until_the_end() {
        let all = [1, 2, 3, 4, 5];
        assert_eq!(
            pages(&LAMBDA, &all, Some(2)),
            [vec![1, 2], vec![3, 4], vec![5]]
        );
        assert_eq!(pages(&LAMBDA, &all, None), [vec![1, 2, 3, 4, 5]]);
        assert_eq!(pages(&PLAIN, &all, None), [vec![1, 2], vec![3, 4], vec![5]]);
        assert_eq!(pages(&PLAIN, &all, Some(9)), [vec![1, 2, 3], vec![4, 5]]);
    }

    #[test]
    fn markers_keep_their_formats() {
        let all = [1, 2, 3];
        let opaque = LAMBDA.page(&all, None, Some(1)).expect("first page");
        assert_eq!(opaque.next_marker.as_deref(), Some("MQ"));
        let plain = PLAIN.page(&all, None, None).expect("first page");
        assert_eq!(plain.next_marker.as_deref(), Some("2"));
    }

    #[test]
    fn bad_markers_are_invalid() {
        let all = [1, 2, 3];
        for (paging, marker) in [(LAMBDA, "%%"), (LAMBDA, "eA"), (PLAIN, "x"), (PLAIN, "4")] {
            let err = paging.page(&all, Some(marker), None).expect_err(marker);
            assert_eq!(err.message, "Invalid marker.");
        }
        let past_end = LAMBDA.marker.encode("9");
        let page = LAMBDA
            .page(&all, Some(&past_end), None)
            .expect("past the end");
        assert!(page.items.is_empty() && page.next_marker.is_none());
    }

    #[test]
    fn pages_after_the_last_key() {
        let names = ["a", "b", "c"];
        let fetch = |after: Option<&str>, limit: usize| {
            let rest: Vec<&str> = names
                .iter()
                .copied()
                .filter(|n| after.is_none_or(|a| *n > a))
                .collect();
            let more = rest.len() > limit;
            (rest.into_iter().take(limit).collect::<Vec<_>>(), more)
        };
        let first = LAMBDA
            .page_after(None, Some(2), fetch, |n| n)
            .expect("first page");
        assert_eq!(first.items, ["a", "b"]);
        let second = LAMBDA
            .page_after(first.next_marker.as_deref(), Some(2), fetch, |n| n)
            .expect("second page");
        assert_eq!((second.items, second.next_marker), (vec!["c"], None));
    }
}
