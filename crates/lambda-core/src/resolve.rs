//! From a function name and qualifier to the version that answers:
//! `$LATEST`, a published version, or an alias (with its traffic split).

use crate::naming::key_of;
use crate::registry::Registry;
use crate::ApiResult;
use laminar_model::arn::{FunctionRef, Qualifier, Scope};
use laminar_model::config::{FunctionCode, FunctionConfiguration, FunctionRecord};
use laminar_model::ApiError;
use std::sync::Arc;

/// One version of a function, as a request resolved it.
pub struct Resolved {
    pub record: Arc<FunctionRecord>,
    /// `None` is `$LATEST`.
    pub version: Option<u64>,
}

impl Resolved {
    pub fn config(&self) -> &FunctionConfiguration {
        self.version
            .and_then(|n| self.record.versions.get(&n))
            .map_or(&self.record.config, |v| &v.config)
    }

    pub fn code(&self) -> &FunctionCode {
        self.version
            .and_then(|n| self.record.versions.get(&n))
            .map_or(&self.record.code, |v| &v.code)
    }
}

/// How an alias with a traffic split picks its version.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Routing {
    /// An invocation: draw by the weights.
    Draw,
    /// A read: the alias's primary version.
    Primary,
}

pub fn qualified_arn(scope: &Scope, name: &str, qualifier: &Qualifier) -> String {
    format!("{}:{qualifier}", scope.function_arn(name))
}

pub fn resolve(
    registry: &Registry,
    scope: &Scope,
    reference: &FunctionRef,
    routing: Routing,
) -> ApiResult<Resolved> {
    let not_found = || {
        let arn = match &reference.qualifier {
            Some(q) => qualified_arn(scope, &reference.name, q),
            None => scope.function_arn(&reference.name),
        };
        ApiError::function_not_found(&arn)
    };
    let record = registry
        .get(&key_of(scope, &reference.name))
        .ok_or_else(not_found)?;
    let version = match &reference.qualifier {
        None | Some(Qualifier::Latest) => None,
        Some(Qualifier::Version(n)) if record.versions.contains_key(n) => Some(*n),
        Some(Qualifier::Version(_)) => return Err(not_found()),
        Some(Qualifier::Alias(name)) => {
            let alias = record.aliases.get(name).ok_or_else(not_found)?;
            let chosen = match routing {
                Routing::Draw => draw(&alias.function_version, &alias.additional_version_weights),
                Routing::Primary => alias.function_version.as_str(),
            };
            parse_version(chosen)
        }
    };
    Ok(Resolved { record, version })
}

/// `$LATEST` → `None`, `"3"` → `Some(3)`.
pub fn parse_version(text: &str) -> Option<u64> {
    text.parse().ok()
}

/// Picks the primary version or an additional one by its weight.
fn draw<'a>(primary: &'a str, weights: &'a std::collections::BTreeMap<String, f64>) -> &'a str {
    let roll = unit_random();
    let mut threshold = 0.0;
    for (version, weight) in weights {
        threshold += weight;
        if roll < threshold {
            return version;
        }
    }
    primary
}

/// A uniform draw in [0, 1) from the system's randomness (uuid v4 bits).
fn unit_random() -> f64 {
    let bytes = uuid::Uuid::new_v4().into_bytes();
    let mut eight = [0u8; 8];
    eight.copy_from_slice(&bytes[..8]);
    (u64::from_le_bytes(eight) >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn weights_split_traffic() {
        let weights = BTreeMap::from([("2".to_string(), 0.25)]);
        let n = 20_000;
        let second = (0..n).filter(|_| draw("1", &weights) == "2").count();
        let share = second as f64 / n as f64;
        assert!((0.23..0.27).contains(&share), "{share}");
        assert_eq!(draw("1", &BTreeMap::new()), "1");
    }
}
