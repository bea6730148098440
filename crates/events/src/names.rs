//! ARNs and the names they carry.

use crate::Caller;

pub(crate) const DEFAULT_BUS: &str = "default";

/// A bus named by name or ARN (`arn:aws:events:…:event-bus/<name>`), or
/// the default bus when absent.
pub(crate) fn bus_name(given: Option<&str>) -> String {
    match given {
        None | Some("") => DEFAULT_BUS.to_string(),
        Some(text) => match text.split_once(":event-bus/") {
            Some((_, name)) if text.starts_with("arn:") => name.to_string(),
            _ => text.to_string(),
        },
    }
}

pub(crate) fn bus_arn(caller: Caller<'_>, bus: &str) -> String {
    format!(
        "arn:aws:events:{}:{}:event-bus/{bus}",
        caller.region, caller.account
    )
}

/// Rules of the default bus are `rule/<name>`, of another `rule/<bus>/<name>`.
pub(crate) fn rule_arn(caller: Caller<'_>, bus: &str, name: &str) -> String {
    if bus == DEFAULT_BUS {
        format!(
            "arn:aws:events:{}:{}:rule/{name}",
            caller.region, caller.account
        )
    } else {
        format!(
            "arn:aws:events:{}:{}:rule/{bus}/{name}",
            caller.region, caller.account
        )
    }
}

/// What an ARN of this service names.
pub(crate) enum Named {
    Bus(String),
    Rule { bus: String, name: String },
}

pub(crate) fn parse_arn(arn: &str) -> Option<(String, String, Named)> {
    let mut parts = arn.splitn(6, ':');
    let (Some("arn"), Some(_), Some("events"), Some(region), Some(account), Some(rest)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return None;
    };
    let named = if let Some(bus) = rest.strip_prefix("event-bus/") {
        Named::Bus(bus.to_string())
    } else if let Some(rule) = rest.strip_prefix("rule/") {
        match rule.rsplit_once('/') {
            Some((bus, name)) => Named::Rule {
                bus: bus.to_string(),
                name: name.to_string(),
            },
            None => Named::Rule {
                bus: DEFAULT_BUS.to_string(),
                name: rule.to_string(),
            },
        }
    } else {
        return None;
    };
    Some((region.to_string(), account.to_string(), named))
}
