//! One rule of a pattern's leaf against one value of the event.

use serde_json::{Map, Value};
use std::net::IpAddr;

pub(crate) fn exists_rule(rule: &Value) -> Option<bool> {
    rule.get("exists").and_then(Value::as_bool)
}

pub(crate) fn matches(rule: &Value, value: &Value) -> bool {
    let Value::Object(m) = rule else {
        return literal_equals(rule, value);
    };
    let Some((op, arg)) = m.iter().next() else {
        return false;
    };
    let text = value.as_str();
    match op.as_str() {
        "exists" => arg.as_bool() == Some(true),
        "prefix" => text.is_some_and(|t| affix(arg, t, Affix::Prefix)),
        "suffix" => text.is_some_and(|t| affix(arg, t, Affix::Suffix)),
        "equals-ignore-case" => text.is_some_and(|t| any_text(arg, |e| same_ignoring_case(t, e))),
        "wildcard" => text.is_some_and(|t| any_text(arg, |w| wildcard(w, t))),
        "cidr" => matches!((text, arg.as_str()), (Some(t), Some(c)) if in_cidr(c, t)),
        "numeric" => match (numeric_conditions(arg), value.as_f64()) {
            (Some(conditions), Some(n)) => {
                conditions.iter().all(|(op, bound)| compare(op, n, *bound))
            }
            _ => false,
        },
        "anything-but" => anything_but(arg, value),
        _ => false,
    }
}

fn anything_but(arg: &Value, value: &Value) -> bool {
    match arg {
        Value::Object(inner) => {
            let Some(t) = value.as_str() else {
                return false;
            };
            !inner.iter().any(|(op, a)| match op.as_str() {
                "prefix" => any_text(a, |p| t.starts_with(p)),
                "suffix" => any_text(a, |s| t.ends_with(s)),
                "wildcard" => any_text(a, |w| wildcard(w, t)),
                "equals-ignore-case" => any_text(a, |e| same_ignoring_case(t, e)),
                _ => false,
            })
        }
        Value::Array(values) => !values.iter().any(|v| literal_equals(v, value)),
        single => !literal_equals(single, value),
    }
}

#[derive(Clone, Copy)]
enum Affix {
    Prefix,
    Suffix,
}

/// `{"prefix": "a"}` or `{"prefix": {"equals-ignore-case": "a"}}`.
fn affix(arg: &Value, text: &str, which: Affix) -> bool {
    let (wanted, ignore_case) = match arg {
        Value::String(s) => (s.as_str(), false),
        Value::Object(m) => match m.get("equals-ignore-case").and_then(Value::as_str) {
            Some(s) => (s, true),
            None => return false,
        },
        _ => return false,
    };
    let (text, wanted) = if ignore_case {
        (text.to_lowercase(), wanted.to_lowercase())
    } else {
        (text.to_string(), wanted.to_string())
    };
    match which {
        Affix::Prefix => text.starts_with(&wanted),
        Affix::Suffix => text.ends_with(&wanted),
    }
}

/// A string argument, or a list of them: does any satisfy `test`?
fn any_text(arg: &Value, test: impl Fn(&str) -> bool) -> bool {
    match arg {
        Value::String(s) => test(s),
        Value::Array(items) => items.iter().filter_map(Value::as_str).any(test),
        _ => false,
    }
}

fn same_ignoring_case(a: &str, b: &str) -> bool {
    a.to_lowercase() == b.to_lowercase()
}

fn compare(op: &str, n: f64, bound: f64) -> bool {
    match op {
        "=" => n == bound,
        "<" => n < bound,
        "<=" => n <= bound,
        ">" => n > bound,
        ">=" => n >= bound,
        _ => false,
    }
}

/// `[">", 0, "<=", 5]` → [(">", 0.0), ("<=", 5.0)].
pub(crate) fn numeric_conditions(arg: &Value) -> Option<Vec<(&str, f64)>> {
    let items = arg.as_array()?;
    if items.is_empty() || items.len() % 2 != 0 || items.len() > 4 {
        return None;
    }
    items
        .chunks(2)
        .map(|pair| {
            let op = pair[0]
                .as_str()
                .filter(|op| matches!(*op, "=" | "<" | "<=" | ">" | ">="))?;
            Some((op, pair[1].as_f64()?))
        })
        .collect()
}

fn literal_equals(expected: &Value, value: &Value) -> bool {
    match (expected, value) {
        (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
        (a, b) => a == b,
    }
}

/// `10.0.0.0/24` (or an IPv6 prefix) holds `text`.
pub(crate) fn in_cidr(cidr: &str, text: &str) -> bool {
    let (Some((network, bits)), Ok(address)) = (parse_cidr(cidr), text.parse::<IpAddr>()) else {
        return false;
    };
    match (network, address) {
        (IpAddr::V4(n), IpAddr::V4(a)) => {
            let mask = u32::MAX.checked_shl(32 - bits).unwrap_or(0);
            u32::from(n) & mask == u32::from(a) & mask
        }
        (IpAddr::V6(n), IpAddr::V6(a)) => {
            let mask = u128::MAX.checked_shl(128 - bits).unwrap_or(0);
            u128::from(n) & mask == u128::from(a) & mask
        }
        _ => false,
    }
}

pub(crate) fn parse_cidr(cidr: &str) -> Option<(IpAddr, u32)> {
    let (network, bits) = cidr.split_once('/')?;
    let network: IpAddr = network.parse().ok()?;
    let bits: u32 = bits.parse().ok()?;
    let max = if network.is_ipv4() { 32 } else { 128 };
    (bits <= max).then_some((network, bits))
}

/// `*` matches any run of characters; `\*` is a star and `\\` a backslash.
pub(crate) fn wildcard(pattern: &str, text: &str) -> bool {
    let parts = wildcard_parts(pattern);
    let (first, rest) = match parts.split_first() {
        Some(split) => split,
        None => return text.is_empty(),
    };
    let Some(mut remaining) = text.strip_prefix(first.as_str()) else {
        return false;
    };
    let Some((last, middle)) = rest.split_last() else {
        return remaining.is_empty();
    };
    for part in middle {
        match remaining.find(part.as_str()) {
            Some(at) => remaining = &remaining[at + part.len()..],
            None => return false,
        }
    }
    remaining.len() >= last.len() && remaining.ends_with(last.as_str())
}

/// The literal runs between unescaped stars.
fn wildcard_parts(pattern: &str) -> Vec<String> {
    let mut parts = vec![String::new()];
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let (Some(next), Some(part)) = (chars.next(), parts.last_mut()) {
                    part.push(next);
                }
            }
            '*' => parts.push(String::new()),
            other => {
                if let Some(part) = parts.last_mut() {
                    part.push(other);
                }
            }
        }
    }
    parts
}

/// The operator of a one-member rule object.
pub(crate) fn operator(m: &Map<String, Value>) -> Option<(&str, &Value)> {
    m.iter().next().map(|(k, v)| (k.as_str(), v))
}
