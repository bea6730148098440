//! What a target receives: the event, a constant `Input`, the part of the
//! event an `InputPath` names, or an `InputTransformer`'s template with
//! `<variable>`s filled from the event.

use crate::EventsError;
use serde_json::{Map, Value};

/// The predefined variables of input templates.
const RULE_ARN: &str = "aws.events.rule-arn";
const RULE_NAME: &str = "aws.events.rule-name";
const INGESTION_TIME: &str = "aws.events.event.ingestion-time";
const EVENT: &str = "aws.events.event";
const EVENT_JSON: &str = "aws.events.event.json";

/// One step of a JSON path.
enum Step {
    Key(String),
    Index(usize),
}

/// `$`, `$.detail.state`, `$.resources[0]`, `$['detail-type']`.
fn parse_path(text: &str) -> Option<Vec<Step>> {
    let mut rest = text.trim().strip_prefix('$')?;
    let mut steps = Vec::new();
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('.') {
            let end = after.find(['.', '[']).unwrap_or(after.len());
            if end == 0 {
                return None;
            }
            steps.push(Step::Key(after[..end].to_string()));
            rest = &after[end..];
        } else if let Some(after) = rest.strip_prefix('[') {
            let end = after.find(']')?;
            let inside = after[..end].trim();
            let quoted = inside
                .strip_prefix('\'')
                .and_then(|s| s.strip_suffix('\''))
                .or_else(|| inside.strip_prefix('"').and_then(|s| s.strip_suffix('"')));
            match quoted {
                Some(key) => steps.push(Step::Key(key.to_string())),
                None => steps.push(Step::Index(inside.parse().ok()?)),
            }
            rest = &after[end + 1..];
        } else {
            return None;
        }
    }
    Some(steps)
}

fn select<'a>(event: &'a Value, path: &str) -> Option<&'a Value> {
    parse_path(path)?
        .iter()
        .try_fold(event, |at, step| match step {
            Step::Key(k) => at.get(k.as_str()),
            Step::Index(i) => at.get(*i),
        })
}

/// Checks a target's input settings as PutTargets does.
pub(crate) fn check_target(target: &Value) -> Result<(), EventsError> {
    let given = ["Input", "InputPath", "InputTransformer"]
        .iter()
        .filter(|k| target.get(**k).is_some_and(|v| !v.is_null()))
        .count();
    if given > 1 {
        return Err(EventsError::validation(
            "Only one of Input, InputPath, or InputTransformer must be provided.",
        ));
    }
    if let Some(input) = target.get("Input").and_then(Value::as_str) {
        if serde_json::from_str::<Value>(input).is_err() {
            return Err(EventsError::validation(
                "Parameter Input is not valid. Reason: Input must be valid JSON.",
            ));
        }
    }
    if let Some(path) = target.get("InputPath").and_then(Value::as_str) {
        if parse_path(path).is_none() {
            return Err(EventsError::validation(format!(
                "Parameter InputPath is not valid. Reason: {path} is not a valid JSON path."
            )));
        }
    }
    if let Some(transformer) = target.get("InputTransformer") {
        let paths = transformer
            .get("InputPathsMap")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        for (name, path) in &paths {
            if [RULE_ARN, RULE_NAME, INGESTION_TIME, EVENT, EVENT_JSON].contains(&name.as_str()) {
                return Err(EventsError::validation(format!(
                    "InputTransformer is not valid. Reason: {name} is a reserved variable name."
                )));
            }
            if path.as_str().and_then(parse_path).is_none() {
                return Err(EventsError::validation(format!(
                    "InputTransformer is not valid. Reason: {path} is not a valid JSON path."
                )));
            }
        }
    }
    Ok(())
}

/// The rule a payload is made for.
pub(crate) struct RuleRef<'a> {
    pub arn: &'a str,
    pub name: &'a str,
}

/// The text the target receives for `event`.
pub(crate) fn payload(target: &Value, event: &Value, rule: &RuleRef<'_>) -> String {
    if let Some(input) = target.get("Input").and_then(Value::as_str) {
        return input.to_string();
    }
    if let Some(path) = target.get("InputPath").and_then(Value::as_str) {
        return select(event, path)
            .map(Value::to_string)
            .unwrap_or_else(|| "null".to_string());
    }
    if let Some(transformer) = target.get("InputTransformer") {
        return transformed(transformer, event, rule);
    }
    event.to_string()
}

fn transformed(transformer: &Value, event: &Value, rule: &RuleRef<'_>) -> String {
    let template = transformer
        .get("InputTemplate")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let paths: Map<String, Value> = transformer
        .get("InputPathsMap")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    // A JSON template gets string values escaped for a JSON string; a
    // plain-text template gets them as they are.
    let json_template = template.trim_start().starts_with(['{', '[', '"']);
    let value_of = |name: &str| -> Option<Value> {
        match name {
            RULE_ARN => Some(Value::String(rule.arn.to_string())),
            RULE_NAME => Some(Value::String(rule.name.to_string())),
            INGESTION_TIME => event.get("time").cloned(),
            EVENT => {
                let mut without = event.clone();
                if let Some(map) = without.as_object_mut() {
                    map.remove("detail");
                }
                Some(without)
            }
            EVENT_JSON => Some(event.clone()),
            _ => {
                let path = paths.get(name)?.as_str()?;
                Some(select(event, path).cloned().unwrap_or(Value::Null))
            }
        }
    };
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find('>') else {
            out.push_str(&rest[open..]);
            rest = "";
            break;
        };
        let name = &after[..close];
        match value_of(name) {
            Some(Value::String(s)) if json_template => {
                let quoted = Value::String(s).to_string();
                out.push_str(&quoted[1..quoted.len() - 1]);
            }
            Some(Value::String(s)) => out.push_str(&s),
            Some(other) => out.push_str(&other.to_string()),
            None => {
                out.push('<');
                out.push_str(name);
                out.push('>');
            }
        }
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ec2_event() -> Value {
        json!({"version": "0", "id": "7bf73129-1428-4cd3-a780-95db273d1602",
            "detail-type": "EC2 Instance State-change Notification", "source": "aws.ec2",
            "account": "123456789012", "time": "2015-11-11T21:29:54Z", "region": "us-east-1",
            "resources": ["arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111"],
            "detail": {"instance-id": "i-0123456789", "state": "RUNNING"}})
    }

    const RULE: RuleRef<'static> = RuleRef {
        arn: "arn:aws:events:us-east-1:123456789012:rule/r",
        name: "r",
    };

    #[test]
    fn paths_and_templates() {
        let e = ec2_event();
        let path = json!({"InputPath": "$.detail"});
        assert_eq!(
            payload(&path, &e, &RULE),
            r#"{"instance-id":"i-0123456789","state":"RUNNING"}"#
        );
        let index = json!({"InputPath": "$.resources[0]"});
        assert_eq!(
            payload(&index, &e, &RULE),
            r#""arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111""#
        );
        let constant = json!({"Input": "{\"k\": 1}"});
        assert_eq!(payload(&constant, &e, &RULE), "{\"k\": 1}");
        let t = json!({"InputTransformer": {
            "InputPathsMap": {"instance": "$.detail.instance-id", "state": "$.detail.state"},
            "InputTemplate": "\"<instance> is in state <state>\""}});
        assert_eq!(
            payload(&t, &e, &RULE),
            "\"i-0123456789 is in state RUNNING\""
        );
        let j = json!({"InputTransformer": {
            "InputPathsMap": {"instance": "$.detail.instance-id", "detail": "$.detail"},
            "InputTemplate": "{\"id\": \"<instance>\", \"d\": <detail>, \"rule\": \"<aws.events.rule-name>\"}"}});
        let out: Value = serde_json::from_str(&payload(&j, &e, &RULE)).expect("json");
        assert_eq!(
            out,
            json!({"id": "i-0123456789", "d": e["detail"], "rule": "r"})
        );
        let plain = json!({"InputTransformer": {
            "InputPathsMap": {"state": "$.detail.state"}, "InputTemplate": "now <state>"}});
        assert_eq!(payload(&plain, &e, &RULE), "now RUNNING");
    }

    #[test]
    fn target_checks() {
        assert!(check_target(&json!({"Input": "{}", "InputPath": "$"})).is_err());
        assert!(check_target(&json!({"Input": "not json"})).is_err());
        assert!(check_target(&json!({"InputPath": "detail"})).is_err());
        assert!(check_target(&json!({"InputPath": "$.detail['x'][2]"})).is_ok());
    }
}
