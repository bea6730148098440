//! The model's constraints on names, retention values and ARNs.

use crate::error::{LogsError, LogsResult};

/// The retention periods CloudWatch Logs accepts, in days.
pub const RETENTION_DAYS: [i64; 22] = [
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];

pub fn check_group_name(member: &str, name: &str) -> LogsResult<()> {
    check_length(member, name)?;
    let allowed = |c: char| c.is_ascii_alphanumeric() || ".-_/#".contains(c);
    if !name.chars().all(allowed) {
        return Err(LogsError::invalid(format!(
            "1 validation error detected: Value '{name}' at '{member}' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+"
        )));
    }
    Ok(())
}

pub fn check_stream_name(member: &str, name: &str) -> LogsResult<()> {
    check_length(member, name)?;
    if name.contains([':', '*']) {
        return Err(LogsError::invalid(format!(
            "1 validation error detected: Value '{name}' at '{member}' failed to satisfy constraint: Member must satisfy regular expression pattern: [^:*]*"
        )));
    }
    Ok(())
}

fn check_length(member: &str, name: &str) -> LogsResult<()> {
    if name.is_empty() || name.len() > 512 {
        return Err(LogsError::invalid(format!(
            "1 validation error detected: Value '{name}' at '{member}' failed to satisfy constraint: Member must have length between 1 and 512"
        )));
    }
    Ok(())
}

pub fn check_retention(days: i64) -> LogsResult<()> {
    if RETENTION_DAYS.contains(&days) {
        return Ok(());
    }
    let allowed: Vec<String> = RETENTION_DAYS.iter().map(i64::to_string).collect();
    Err(LogsError::invalid(format!(
        "1 validation error detected: Value '{days}' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value set: [{}]",
        allowed.join(", ")
    )))
}

pub fn group_arn(region: &str, account: &str, group: &str) -> String {
    format!("arn:aws:logs:{region}:{account}:log-group:{group}")
}

pub fn stream_arn(region: &str, account: &str, group: &str, stream: &str) -> String {
    format!("arn:aws:logs:{region}:{account}:log-group:{group}:log-stream:{stream}")
}

/// The group a `logGroupIdentifier` names: a name, or an ARN with or without
/// the trailing `:*`.
pub fn group_from_identifier(identifier: &str) -> LogsResult<String> {
    if !identifier.starts_with("arn:") {
        return Ok(identifier.to_string());
    }
    group_from_arn(identifier)
}

/// The group of a log group ARN (`arn:aws:logs:<region>:<account>:log-group:<name>[:*]`).
pub fn group_from_arn(arn: &str) -> LogsResult<String> {
    let name = arn
        .split_once(":log-group:")
        .map(|(_, rest)| rest.strip_suffix(":*").unwrap_or(rest))
        .filter(|name| !name.is_empty() && !name.contains(':'))
        .ok_or_else(|| LogsError::invalid(format!("Invalid log group ARN: {arn}")))?;
    Ok(name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_model() {
        assert!(check_group_name("logGroupName", "/aws/lambda/f-1_x.y#z").is_ok());
        assert!(check_group_name("logGroupName", "bad name").is_err());
        assert!(check_group_name("logGroupName", "").is_err());
        assert!(check_stream_name("logStreamName", "2024/01/01/[$LATEST]abc").is_ok());
        assert!(check_stream_name("logStreamName", "a:b").is_err());
        assert!(check_retention(14).is_ok());
        assert!(check_retention(2).is_err());
    }

    #[test]
    fn identifiers_are_names_or_arns() {
        assert_eq!(group_from_identifier("/g").unwrap(), "/g");
        assert_eq!(
            group_from_identifier("arn:aws:logs:us-east-1:000000000000:log-group:/g:*").unwrap(),
            "/g"
        );
        assert_eq!(
            group_from_arn("arn:aws:logs:us-east-1:000000000000:log-group:/g").unwrap(),
            "/g"
        );
        assert!(group_from_arn("arn:aws:sqs:us-east-1:0:q").is_err());
    }
}
