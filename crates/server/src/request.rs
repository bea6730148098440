//! A Lambda API request routed to its operation, and the decoding of its
//! parts into the model's types (used by the generated `ops::decode`).

use crate::routes::Matched;
use axum::body::Bytes;
use axum::http::HeaderMap;
use laminar_lambda::{LambdaService, Scope};
use laminar_model::validate::Violations;
use laminar_model::{ApiError, ErrorKind};
use serde::de::DeserializeOwned;

/// A request routed to an operation, its constraints already checked.
pub struct Request {
    pub service: LambdaService,
    pub scope: Scope,
    pub parts: Parts,
}

/// The parts of a routed request an operation's input is decoded from.
pub struct Parts {
    pub matched: Matched,
    pub query: Vec<(String, String)>,
    pub headers: HeaderMap,
    pub body: Bytes,
}

/// A member's value read from the text of a label, query or header, as the
/// model types it; `Err` holds the constraint it fails.
pub trait FromText: Sized {
    fn from_text(text: &str) -> Result<Self, String>;
}

impl FromText for String {
    fn from_text(text: &str) -> Result<Self, String> {
        Ok(text.to_string())
    }
}

impl FromText for i32 {
    fn from_text(text: &str) -> Result<Self, String> {
        text.parse().map_err(|_| "Member must be a number".into())
    }
}

impl FromText for i64 {
    fn from_text(text: &str) -> Result<Self, String> {
        text.parse().map_err(|_| "Member must be a number".into())
    }
}

impl FromText for bool {
    fn from_text(text: &str) -> Result<Self, String> {
        match text {
            "true" => Ok(true),
            "false" => Ok(false),
            _ => Err("Member must be a boolean".into()),
        }
    }
}

/// The constraint an enum member's value fails, worded as the gateway's.
pub fn enum_constraint(values: &[&str]) -> String {
    format!(
        "Member must satisfy enum value set: [{}]",
        values.join(", ")
    )
}

fn parsed<T: FromText>(text: &str, field: &str) -> Result<T, ApiError> {
    T::from_text(text).map_err(|constraint| {
        let mut v = Violations::new();
        v.violation(text, field, constraint);
        v.finish()
            .err()
            .unwrap_or_else(|| ApiError::service("an unreported violation"))
    })
}

impl Parts {
    /// A path label (the route matched, so it is there).
    pub fn label_as<T: FromText>(&self, name: &str, field: &str) -> Result<T, ApiError> {
        parsed(self.matched.label(name), field)
    }

    /// The first value of a query member.
    pub fn query_as<T: FromText>(&self, key: &str, field: &str) -> Result<Option<T>, ApiError> {
        let first = self.query.iter().find(|(k, _)| k == key);
        first.map(|(_, text)| parsed(text, field)).transpose()
    }

    /// Every value of a list query member (`?TagKeys=a&TagKeys=b`).
    pub fn query_list(&self, key: &str) -> Vec<String> {
        self.query
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// A header member; a value that is not visible ASCII counts as absent,
    /// as it does for the constraint checks.
    pub fn header_as<T: FromText>(&self, name: &str, field: &str) -> Result<Option<T>, ApiError> {
        let text = self.headers.get(name).and_then(|v| v.to_str().ok());
        text.map(|text| parsed(text, field)).transpose()
    }

    /// A required member's value.
    pub fn required<T>(field: &str, value: Option<T>) -> Result<T, ApiError> {
        value.ok_or_else(|| {
            let mut v = Violations::new();
            v.required::<()>(field, None);
            v.finish()
                .err()
                .unwrap_or_else(|| ApiError::service("an unreported violation"))
        })
    }

    /// The JSON body as an input shape (an empty body is an empty input).
    pub fn json_body<T: DeserializeOwned + Default>(&self) -> Result<T, ApiError> {
        Ok(self.optional_json()?.unwrap_or_default())
    }

    /// A JSON payload that may be left out (`ErrorObject` of Stop and
    /// callback failures).
    pub fn optional_json<T: DeserializeOwned>(&self) -> Result<Option<T>, ApiError> {
        if self.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(None);
        }
        serde_json::from_slice(&self.body).map(Some).map_err(|e| {
            ApiError::new(
                ErrorKind::Validation,
                format!("1 validation error detected: the request body could not be read: {e}"),
            )
        })
    }
}

/// The operation a JSON service's `X-Amz-Target` names after its prefix
/// (`Kinesis_20131202.PutRecord` → `PutRecord`); empty when it names none.
pub fn target_operation(headers: &HeaderMap, prefix: &str) -> String {
    headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .and_then(|t| t.strip_prefix(prefix))
        .unwrap_or_default()
        .to_string()
}
