//! The expressions of one item request parsed together: placeholders
//! checked (defined, valid, all used) and the legacy parameters refused.

use crate::error::{DynamoError, DynamoResult};
use crate::expr::{self, Condition, Path, Placeholders, Update};
use crate::keys::normalize;
use crate::types::{Expressions, Item};
use std::collections::BTreeMap;

#[derive(Default)]
pub(crate) struct Parsed {
    pub condition: Option<Condition>,
    pub update: Option<Update>,
    pub projection: Option<Vec<Path>>,
    pub key_condition: Option<Condition>,
    pub filter: Option<Condition>,
    /// `ReturnValuesOnConditionCheckFailure: ALL_OLD`.
    pub old_on_failure: bool,
}

impl Parsed {
    /// Fails with ConditionalCheckFailedException when the item (None when
    /// there is none) does not satisfy the condition.
    pub fn check_condition(&self, item: Option<&Item>) -> DynamoResult<()> {
        let Some(condition) = &self.condition else {
            return Ok(());
        };
        let empty = Item::new();
        if expr::holds(condition, item.unwrap_or(&empty)) {
            return Ok(());
        }
        let old = match item {
            Some(item) if self.old_on_failure => Some(serde_json::to_value(item)?),
            _ => None,
        };
        Err(DynamoError::condition_failed(old))
    }
}

pub(crate) fn parse(e: &Expressions) -> DynamoResult<Parsed> {
    let legacy = [
        ("Expected", e.expected.is_some()),
        ("AttributeUpdates", e.attribute_updates.is_some()),
        ("AttributesToGet", e.attributes_to_get.is_some()),
        ("ConditionalOperator", e.conditional_operator.is_some()),
        ("KeyConditions", e.key_conditions.is_some()),
        ("QueryFilter", e.query_filter.is_some()),
        ("ScanFilter", e.scan_filter.is_some()),
    ];
    if let Some((name, _)) = legacy.iter().find(|(_, given)| *given) {
        return Err(DynamoError::validation(format!(
            "laminar's DynamoDB does not take the legacy parameter {name}; use expressions instead"
        )));
    }
    let any_expression = e.condition_expression.is_some()
        || e.update_expression.is_some()
        || e.projection_expression.is_some()
        || e.key_condition_expression.is_some()
        || e.filter_expression.is_some();
    let no_names = BTreeMap::new();
    let no_values = Item::new();
    if let Some(names) = &e.expression_attribute_names {
        if !any_expression {
            return Err(DynamoError::validation(
                "ExpressionAttributeNames can only be specified when using expressions",
            ));
        }
        if names.is_empty() {
            return Err(DynamoError::validation(
                "ExpressionAttributeNames must not be empty",
            ));
        }
    }
    let mut values = e.expression_attribute_values.clone().unwrap_or_default();
    if e.expression_attribute_values.is_some() {
        if !any_expression {
            return Err(DynamoError::validation(
                "ExpressionAttributeValues can only be specified when using expressions",
            ));
        }
        if values.is_empty() {
            return Err(DynamoError::validation(
                "ExpressionAttributeValues must not be empty",
            ));
        }
    }
    for (key, value) in values.iter_mut() {
        normalize(value).map_err(|err| {
            DynamoError::validation(format!(
                "ExpressionAttributeValues contains invalid value: {} for key {key}",
                err.message
            ))
        })?;
    }
    let names = e.expression_attribute_names.as_ref().unwrap_or(&no_names);
    let values_ref = if values.is_empty() {
        &no_values
    } else {
        &values
    };
    let mut ph = Placeholders::new(names, values_ref);
    let mut parsed = Parsed {
        old_on_failure: e.return_values_on_condition_check_failure.as_deref() == Some("ALL_OLD"),
        ..Parsed::default()
    };
    if let Some(text) = &e.update_expression {
        parsed.update = Some(expr::parse_update(text, &mut ph)?);
    }
    if let Some(text) = &e.condition_expression {
        parsed.condition = Some(expr::condition("ConditionExpression", text, &mut ph)?);
    }
    if let Some(text) = &e.key_condition_expression {
        parsed.key_condition = Some(expr::condition("KeyConditionExpression", text, &mut ph)?);
    }
    if let Some(text) = &e.filter_expression {
        parsed.filter = Some(expr::condition("FilterExpression", text, &mut ph)?);
    }
    if let Some(text) = &e.projection_expression {
        parsed.projection = Some(expr::projection(text, &mut ph)?);
    }
    ph.check_all_used()?;
    Ok(parsed)
}
