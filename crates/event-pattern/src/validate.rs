//! What EventBridge refuses in a pattern, with its reasons.

use crate::rules::{numeric_conditions, operator, parse_cidr};
use serde_json::{Map, Value};

pub(crate) fn object(map: &Map<String, Value>) -> Result<(), String> {
    if map.is_empty() {
        return Err("Empty objects are not allowed".into());
    }
    for (key, value) in map {
        match value {
            Value::Array(items) if key == "$or" => {
                if items.is_empty() {
                    return Err("Empty arrays are not allowed".into());
                }
                for item in items {
                    match item {
                        Value::Object(m) => object(m)?,
                        _ => return Err("Or relationship must contain objects".into()),
                    }
                }
            }
            Value::Object(inner) => object(inner)?,
            Value::Array(rules) => {
                if rules.is_empty() {
                    return Err("Empty arrays are not allowed".into());
                }
                for rule in rules {
                    self::rule(rule)?;
                }
            }
            _ => return Err(format!("\"{key}\" must be an object or an array")),
        }
    }
    Ok(())
}

fn rule(rule: &Value) -> Result<(), String> {
    let m = match rule {
        Value::Object(m) => m,
        Value::Array(_) => {
            return Err("Match value must be String, number, true, false, or null".into())
        }
        _ => return Ok(()),
    };
    let Some((op, arg)) = operator(m) else {
        return Err("Empty objects are not allowed".into());
    };
    if m.len() > 1 {
        return Err(format!(
            "Only one key allowed in match expression, found: {}",
            m.len()
        ));
    }
    match op {
        "prefix" | "suffix" => affix(op, arg),
        "equals-ignore-case" => string(op, arg),
        "wildcard" => wildcard(arg),
        "exists" => match arg {
            Value::Bool(_) => Ok(()),
            _ => Err("exists match pattern must be either true or false.".into()),
        },
        "cidr" => match arg.as_str().and_then(parse_cidr) {
            Some(_) => Ok(()),
            None => Err(format!(
                "Malformed CIDR, one '/' required: {}",
                text_of(arg)
            )),
        },
        "numeric" => numeric(arg),
        "anything-but" => anything_but(arg),
        other => Err(format!("Unrecognized match type {other}")),
    }
}

fn text_of(v: &Value) -> String {
    v.as_str()
        .map(str::to_string)
        .unwrap_or_else(|| v.to_string())
}

fn string(op: &str, arg: &Value) -> Result<(), String> {
    if arg.is_string() {
        Ok(())
    } else {
        Err(format!("{op} match pattern must be a string"))
    }
}

fn affix(op: &str, arg: &Value) -> Result<(), String> {
    match arg {
        Value::String(_) => Ok(()),
        Value::Object(m)
            if m.len() == 1 && m.get("equals-ignore-case").is_some_and(Value::is_string) =>
        {
            Ok(())
        }
        _ => Err(format!("{op} match pattern must be a string")),
    }
}

fn wildcard(arg: &Value) -> Result<(), String> {
    let Some(text) = arg.as_str() else {
        return Err("wildcard match pattern must be a string".into());
    };
    let mut previous_star = false;
    let mut chars = text.chars().enumerate();
    while let Some((at, c)) = chars.next() {
        match c {
            '*' if previous_star => {
                return Err(format!("Consecutive wildcard characters at pos {at}"))
            }
            '*' => previous_star = true,
            '\\' => {
                match chars.next() {
                    Some((_, '*' | '\\')) => {}
                    _ => return Err(format!("Invalid escape character at pos {at}")),
                }
                previous_star = false;
            }
            _ => previous_star = false,
        }
    }
    Ok(())
}

fn numeric(arg: &Value) -> Result<(), String> {
    let Some(items) = arg.as_array() else {
        return Err("Value of numeric must be an array.".into());
    };
    if items.is_empty() || items.len() % 2 != 0 || items.len() > 4 {
        return Err("Invalid member in numeric match: expected an operator and a value".into());
    }
    for pair in items.chunks(2) {
        let op = text_of(&pair[0]);
        if !matches!(op.as_str(), "=" | "<" | "<=" | ">" | ">=") {
            return Err(format!("Unrecognized numeric range operator: {op}"));
        }
        if !pair[1].is_number() {
            return Err(format!("Value of {op} must be numeric"));
        }
    }
    match numeric_conditions(arg) {
        Some(c) if c.len() == 2 && !(c[0].0.starts_with('>') && c[1].0.starts_with('<')) => {
            Err("Bad numeric range operator".into())
        }
        Some(_) => Ok(()),
        None => Err("Invalid member in numeric match".into()),
    }
}

fn anything_but(arg: &Value) -> Result<(), String> {
    match arg {
        Value::Object(m) => {
            let Some((op, inner)) = operator(m) else {
                return Err("Empty objects are not allowed".into());
            };
            if m.len() > 1 {
                return Err("Only one key allowed in match expression".into());
            }
            match op {
                "prefix" | "suffix" | "wildcard" | "equals-ignore-case" => {
                    let ok = match inner {
                        Value::String(_) => true,
                        Value::Array(items) => {
                            !items.is_empty() && items.iter().all(Value::is_string)
                        }
                        _ => false,
                    };
                    if op == "wildcard" {
                        for w in inner
                            .as_array()
                            .map(|a| a.to_vec())
                            .unwrap_or_else(|| vec![inner.clone()])
                        {
                            wildcard(&w)?;
                        }
                    }
                    if ok {
                        Ok(())
                    } else {
                        Err(format!("{op} match pattern must be a string"))
                    }
                }
                other => Err(format!("Unsupported anything-but pattern: {other}")),
            }
        }
        Value::Array(values) => {
            if values.is_empty() {
                return Err("Empty arrays are not allowed".into());
            }
            let strings = values.iter().all(Value::is_string);
            let numbers = values.iter().all(Value::is_number);
            if strings || numbers {
                Ok(())
            } else {
                Err("Inside anything but list, start|null|boolean is not supported.".into())
            }
        }
        Value::String(_) | Value::Number(_) => Ok(()),
        _ => Err("Inside anything but list, start|null|boolean is not supported.".into()),
    }
}
