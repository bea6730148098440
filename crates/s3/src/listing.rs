//! One page of a bucket listing: keys in byte order, grouped into common
//! prefixes by the delimiter, cut at `max_keys` entries.
//!
//! An entry is an object or a common prefix; both count towards `max_keys`,
//! and paging resumes after the last entry returned (a key or a prefix), so a
//! common prefix is never returned twice.

use crate::ObjectInfo;

/// What a ListObjects / ListObjectsV2 request asks for.
#[derive(Clone, Debug, Default)]
pub struct ListRequest {
    pub prefix: String,
    /// Empty means no grouping.
    pub delimiter: String,
    /// Only entries sorting after this one (StartAfter, a continuation token, a Marker).
    pub after: Option<String>,
    pub max_keys: usize,
}

/// One page of a listing.
#[derive(Clone, Debug, Default)]
pub struct ListPage {
    pub objects: Vec<ObjectInfo>,
    pub common_prefixes: Vec<String>,
    pub truncated: bool,
    /// The last entry of the page (a key or a common prefix): where the next page starts.
    pub last: Option<String>,
}

impl ListPage {
    pub fn key_count(&self) -> usize {
        self.objects.len() + self.common_prefixes.len()
    }
}

/// Builds the page from objects in key order, each with a key not below
/// the prefix and above `after`.
pub(crate) fn page(request: &ListRequest, objects: impl Iterator<Item = ObjectInfo>) -> ListPage {
    let mut page = ListPage::default();
    for object in objects {
        let Some(rest) = object.key.strip_prefix(request.prefix.as_str()) else {
            // Keys come sorted: past the prefix's range, nothing more matches.
            if object.key.as_str() > request.prefix.as_str() {
                break;
            }
            continue;
        };
        let common = (!request.delimiter.is_empty())
            .then(|| rest.find(request.delimiter.as_str()))
            .flatten()
            .map(|i| object.key[..request.prefix.len() + i + request.delimiter.len()].to_string());
        if let Some(common) = &common {
            let repeated = page.last.as_ref() == Some(common);
            let seen = request.after.as_ref().is_some_and(|a| common <= a);
            if repeated || seen {
                continue;
            }
        }
        if page.key_count() >= request.max_keys {
            page.truncated = true;
            break;
        }
        match common {
            Some(common) => {
                page.last = Some(common.clone());
                page.common_prefixes.push(common);
            }
            None => {
                page.last = Some(object.key.clone());
                page.objects.push(object);
            }
        }
    }
    page
}

#[cfg(test)]
mod tests {
    use super::*;

    fn objects(keys: &[&str]) -> Vec<ObjectInfo> {
        keys.iter()
            .map(|k| ObjectInfo {
                key: k.to_string(),
                ..ObjectInfo::default()
            })
            .collect()
    }

    fn list(
        keys: &[&str],
        prefix: &str,
        delimiter: &str,
        after: Option<&str>,
        max: usize,
    ) -> ListPage {
        let request = ListRequest {
            prefix: prefix.into(),
            delimiter: delimiter.into(),
            after: after.map(str::to_string),
            max_keys: max,
        };
        let after_owned = after.unwrap_or_default().to_string();
        let rows = objects(keys)
            .into_iter()
            .filter(move |o| o.key.as_str() >= prefix && o.key > after_owned);
        page(&request, rows)
    }

    fn keys(page: &ListPage) -> Vec<&str> {
        page.objects.iter().map(|o| o.key.as_str()).collect()
    }

    const KEYS: &[&str] = &["a.txt", "dir/1", "dir/2", "dir/sub/3", "other/x", "z"];

    #[test]
    fn groups_by_delimiter() {
        let page = list(KEYS, "", "/", None, 1000);
        assert_eq!(keys(&page), ["a.txt", "z"]);
        assert_eq!(page.common_prefixes, ["dir/", "other/"]);
        assert!(!page.truncated);
        let page = list(KEYS, "dir/", "/", None, 1000);
        assert_eq!(keys(&page), ["dir/1", "dir/2"]);
        assert_eq!(page.common_prefixes, ["dir/sub/"]);
    }

    #[test]
    fn pages_resume_after_a_common_prefix() {
        let first = list(KEYS, "", "/", None, 2);
        assert_eq!(keys(&first), ["a.txt"]);
        assert_eq!(first.common_prefixes, ["dir/"]);
        assert!(first.truncated);
        let second = list(KEYS, "", "/", first.last.as_deref(), 2);
        assert_eq!(keys(&second), ["z"]);
        assert_eq!(second.common_prefixes, ["other/"]);
        assert!(!second.truncated);
    }

    #[test]
    fn pages_without_delimiter_cover_every_key_once() {
        let mut after = None;
        let mut seen = Vec::new();
        loop {
            let page = list(KEYS, "", "", after.as_deref(), 4);
            seen.extend(keys(&page).iter().map(|k| k.to_string()));
            if !page.truncated {
                break;
            }
            after = page.last.clone();
        }
        assert_eq!(seen, KEYS);
    }

    #[test]
    fn a_full_page_is_only_truncated_when_more_follows() {
        let page = list(&["a", "b"], "", "", None, 2);
        assert!(!page.truncated);
        let page = list(&["a", "b", "c"], "", "", None, 2);
        assert!(page.truncated);
        assert_eq!(page.last.as_deref(), Some("b"));
    }
}
