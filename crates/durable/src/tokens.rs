//! Callback ids and checkpoint tokens: opaque to clients, they name the
//! execution (and the operation, or the token's counter) they belong to.

use base64::Engine;

pub(crate) fn callback_id(arn: &str, operation: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(format!("{arn}#{operation}"))
}

/// The execution ARN and operation id a callback id names, if it names any.
pub(crate) fn parse_callback_id(id: &str) -> Option<(String, String)> {
    let bytes = base64::engine::general_purpose::STANDARD.decode(id).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (arn, op) = text.rsplit_once('#')?;
    Some((arn.to_string(), op.to_string()))
}

pub(crate) fn checkpoint_token(arn: &str, seq: u64) -> String {
    base64::engine::general_purpose::STANDARD.encode(format!("{arn}|{seq}"))
}

/// The execution ARN and counter a checkpoint token carries.
pub(crate) fn parse_token(token: &str) -> Option<(String, u64)> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(token)
        .ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (arn, seq) = text.rsplit_once('|')?;
    Some((arn.to_string(), seq.parse().ok()?))
}
