//! Checks shared by the settings families (recursion, runtime management,
//! scaling, code signing, provisioned concurrency, resource policies,
//! capacity providers, durable executions): the API model's patterns, sizes
//! of lists and maps, paging and boolean parameters, and the function and
//! qualifier a request names.

use crate::naming::resolve_name;
use crate::{clock, ApiResult};
use laminar_model::arn::{FunctionRef, Qualifier, Scope};
use laminar_model::config::FunctionRecord;
use laminar_model::validate::Violations;
use laminar_model::ApiError;
use regex::Regex;
use std::collections::{BTreeMap, HashMap};
use std::fmt::Display;
use std::sync::{OnceLock, RwLock};

/// `UnqualifiedFunctionName`.
pub const UNQUALIFIED_FUNCTION_NAME: &str = "(arn:(aws[a-zA-Z-]*)?:lambda:)?((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_]+)";

/// The pseudo-version naming a function's latest published version.
pub const LATEST_PUBLISHED: &str = "$LATEST.PUBLISHED";

/// Whether `text` matches a pattern of the API model (whole-string matches,
/// as the service applies them).
pub fn matches(pattern: &'static str, text: &str) -> bool {
    static CACHE: OnceLock<RwLock<HashMap<&'static str, Regex>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(re) = cache.read().unwrap_or_else(|e| e.into_inner()).get(pattern) {
        return re.is_match(text);
    }
    match Regex::new(&format!("^(?:{pattern})$")) {
        Ok(re) => {
            let matched = re.is_match(text);
            cache
                .write()
                .unwrap_or_else(|e| e.into_inner())
                .insert(pattern, re);
            matched
        }
        Err(e) => {
            tracing::error!(pattern, error = %e, "a model pattern does not compile");
            true
        }
    }
}

/// A string member against its model pattern.
pub fn pattern(v: &mut Violations, field: &str, value: Option<&str>, pattern: &'static str) {
    if let Some(text) = value {
        if !matches(pattern, text) {
            v.violation(
                text,
                field,
                format!("Member must satisfy regular expression pattern: {pattern}"),
            );
        }
    }
}

/// A string member: its length and pattern.
pub fn string(
    v: &mut Violations,
    field: &str,
    value: Option<&str>,
    (min, max): (usize, usize),
    model_pattern: Option<&'static str>,
) {
    v.length(field, value, min, max);
    if let Some(p) = model_pattern {
        pattern(v, field, value, p);
    }
}

/// How a list appears in a violation: `[a, b]`.
pub fn shown<T: Display>(items: &[T]) -> String {
    let items: Vec<String> = items.iter().map(ToString::to_string).collect();
    format!("[{}]", items.join(", "))
}

/// The number of members of a list or map.
pub fn size(
    v: &mut Violations,
    field: &str,
    shown: impl Display,
    len: usize,
    min: usize,
    max: usize,
) {
    if len < min {
        v.violation(
            shown,
            field,
            format!("Member must have length greater than or equal to {min}"),
        );
    } else if len > max {
        v.violation(
            shown,
            field,
            format!("Member must have length less than or equal to {max}"),
        );
    }
}

/// Tag keys AWS keeps for itself.
pub fn reserved_tags(tags: Option<&BTreeMap<String, String>>) -> ApiResult<()> {
    if tags
        .into_iter()
        .flatten()
        .any(|(k, _)| k.to_ascii_lowercase().starts_with("aws:"))
    {
        return Err(ApiError::invalid_parameter(
            "Tag keys starting with 'aws:' are reserved.",
        ));
    }
    Ok(())
}

/// Tags a resource may carry.
pub const MAX_TAGS: usize = 50;

/// A resource's tags after a change: at most [`MAX_TAGS`], in AWS's words.
pub fn tag_count(tags: &BTreeMap<String, String>) -> ApiResult<()> {
    if tags.len() > MAX_TAGS {
        return Err(ApiError::invalid_parameter(
            "Number of tags exceeds resource tag limit.",
        ));
    }
    Ok(())
}

/// `LastModified` of now, as the API spells it.
pub fn now() -> String {
    clock::last_modified(clock::now())
}

/// A `FunctionName` that may not carry a qualifier (`UnqualifiedFunctionName`).
pub fn unqualified(scope: &Scope, function_name: &str) -> ApiResult<FunctionRef> {
    let mut v = Violations::new();
    string(
        &mut v,
        "functionName",
        Some(function_name),
        (1, 140),
        Some(UNQUALIFIED_FUNCTION_NAME),
    );
    v.finish()?;
    resolve_name(scope, function_name)
}

/// A `FunctionName` and the qualifier it or the `Qualifier` parameter names
/// (they must agree). `$LATEST.PUBLISHED` is accepted in both places.
pub fn name_and_qualifier(
    scope: &Scope,
    function_name: &str,
    qualifier: Option<&str>,
) -> ApiResult<(FunctionRef, Option<String>)> {
    let suffix = format!(":{LATEST_PUBLISHED}");
    let (name, from_name) = match function_name.strip_suffix(&suffix) {
        Some(name) => (name, Some(LATEST_PUBLISHED.to_string())),
        None => (function_name, None),
    };
    let reference = resolve_name(scope, name)?;
    let from_name = from_name.or(reference.qualifier.as_ref().map(ToString::to_string));
    let qualifier = match (from_name, qualifier.filter(|q| !q.is_empty())) {
        (Some(a), Some(b)) if a != b => return Err(ApiError::invalid_parameter(
            "The derived qualifier from the function name does not match the specified qualifier.",
        )),
        (a, b) => b.map(str::to_string).or(a),
    };
    Ok((reference, qualifier))
}

/// The published version a qualifier names in `record`: `None` is `$LATEST`;
/// an alias names its primary version; unknown ones are not found.
pub fn version_of(record: &FunctionRecord, qualifier: Option<&str>) -> ApiResult<Option<u64>> {
    let Some(q) = qualifier else { return Ok(None) };
    let not_found = || ApiError::function_not_found(&format!("{}:{q}", record.config.function_arn));
    if q == LATEST_PUBLISHED {
        return record
            .versions
            .keys()
            .next_back()
            .map(|n| Some(*n))
            .ok_or_else(not_found);
    }
    match Qualifier::parse(q)? {
        Qualifier::Latest => Ok(None),
        Qualifier::Version(n) if record.versions.contains_key(&n) => Ok(Some(n)),
        Qualifier::Version(_) => Err(not_found()),
        Qualifier::Alias(alias) => record
            .aliases
            .get(&alias)
            .map(|a| crate::resolve::parse_version(&a.function_version))
            .ok_or_else(not_found),
    }
}

/// Whether a qualifier still names something in `record` (versions and
/// aliases can be deleted after a setting was stored for them).
pub fn qualifier_exists(record: &FunctionRecord, qualifier: &str) -> bool {
    version_of(record, Some(qualifier)).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_patterns_match_whole_strings() {
        assert!(matches(UNQUALIFIED_FUNCTION_NAME, "my-fn"));
        assert!(matches(
            UNQUALIFIED_FUNCTION_NAME,
            "arn:aws:lambda:us-east-1:123456789012:function:my-fn"
        ));
        assert!(!matches(UNQUALIFIED_FUNCTION_NAME, "my-fn:1"));
    }

    #[test]
    fn sizes_read_like_the_service() {
        let mut v = Violations::new();
        size(&mut v, "ids", shown::<String>(&[]), 0, 1, 16);
        let err = v.finish().unwrap_err();
        assert_eq!(
            err.message,
            "1 validation error detected: Value '[]' at 'ids' failed to satisfy constraint: Member must have length greater than or equal to 1"
        );
    }
}
