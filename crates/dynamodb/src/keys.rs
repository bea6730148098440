//! The item codec: checking and normalising attribute values (numbers in
//! canonical form, sets without duplicates), an item's size as DynamoDB
//! counts it, and the primary key's stored bytes (range keys in an order
//! SQLite's byte comparison keeps).

use crate::definition::KeyShape;
use crate::error::{DynamoError, DynamoResult};
use crate::number::Number;
use crate::types::{AttributeValue, Item};
use base64::Engine;

/// The largest item, attribute names and values together.
pub(crate) const MAX_ITEM_BYTES: usize = 400 * 1024;

fn decode_binary(text: &str) -> DynamoResult<Vec<u8>> {
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .map_err(|_| DynamoError::serialization("A binary value is not valid base64"))
}

/// Checks a value and writes its numbers canonically.
pub(crate) fn normalize(value: &mut AttributeValue) -> DynamoResult<()> {
    match value {
        AttributeValue::N(n) => *n = Number::parse(n)?.canonical(),
        AttributeValue::B(b) => {
            decode_binary(b)?;
        }
        AttributeValue::SS(set) => check_set(set, "string")?,
        AttributeValue::NS(set) => {
            for n in set.iter_mut() {
                *n = Number::parse(n)?.canonical();
            }
            check_set(set, "number")?;
        }
        AttributeValue::BS(set) => {
            for b in set.iter() {
                decode_binary(b)?;
            }
            check_set(set, "binary")?;
        }
        AttributeValue::M(map) => {
            for v in map.values_mut() {
                normalize(v)?;
            }
        }
        AttributeValue::L(list) => {
            for v in list.iter_mut() {
                normalize(v)?;
            }
        }
        AttributeValue::NULL(false) => {
            return Err(DynamoError::invalid_parameter(
                "Null attribute value types must have the value of true",
            ))
        }
        AttributeValue::S(_) | AttributeValue::NULL(true) | AttributeValue::BOOL(_) => {}
    }
    Ok(())
}

fn check_set(set: &[String], kind: &str) -> DynamoResult<()> {
    if set.is_empty() {
        return Err(DynamoError::invalid_parameter(format!(
            "An {kind} set  may not be empty"
        )));
    }
    let mut seen: Vec<&String> = set.iter().collect();
    seen.sort();
    seen.dedup();
    if seen.len() != set.len() {
        return Err(DynamoError::invalid_parameter(format!(
            "Input collection [{}] contains duplicates.",
            set.join(", ")
        )));
    }
    Ok(())
}

/// The size DynamoDB bills and limits: names plus values, numbers about one
/// byte per two digits, documents three bytes plus one per element.
pub(crate) fn item_size(item: &Item) -> usize {
    item.iter()
        .map(|(name, v)| name.len() + value_size(v))
        .sum()
}

fn value_size(value: &AttributeValue) -> usize {
    let binary_len = |b: &String| b.len() / 4 * 3;
    let number_len = |n: &String| n.trim_start_matches('-').len().div_ceil(2) + 1;
    match value {
        AttributeValue::S(s) => s.len(),
        AttributeValue::N(n) => number_len(n),
        AttributeValue::B(b) => binary_len(b),
        AttributeValue::SS(set) => set.iter().map(String::len).sum(),
        AttributeValue::NS(set) => set.iter().map(number_len).sum(),
        AttributeValue::BS(set) => set.iter().map(binary_len).sum(),
        AttributeValue::M(map) => {
            3 + map
                .iter()
                .map(|(k, v)| 1 + k.len() + value_size(v))
                .sum::<usize>()
        }
        AttributeValue::L(list) => 3 + list.iter().map(|v| 1 + value_size(v)).sum::<usize>(),
        AttributeValue::NULL(_) | AttributeValue::BOOL(_) => 1,
    }
}

/// The stored bytes of one key attribute's value.
fn key_bytes(value: &AttributeValue) -> DynamoResult<Vec<u8>> {
    match value {
        AttributeValue::S(s) => Ok(s.as_bytes().to_vec()),
        AttributeValue::N(n) => Ok(Number::parse(n)?.sort_bytes()),
        AttributeValue::B(b) => decode_binary(b),
        _ => Ok(Vec::new()),
    }
}

/// The primary key of an item to be written: its key attributes must be
/// there, of the schema's types, and not empty.
pub(crate) fn item_key(shape: &KeyShape, item: &Item) -> DynamoResult<(Vec<u8>, Vec<u8>)> {
    let one = |(name, kind): &(String, String)| -> DynamoResult<Vec<u8>> {
        let value = item.get(name).ok_or_else(|| {
            DynamoError::invalid_parameter(format!("Missing the key {name} in the item"))
        })?;
        if value.type_name() != kind {
            return Err(DynamoError::invalid_parameter(format!(
                "Type mismatch for key {name} expected: {kind} actual: {}",
                value.type_name()
            )));
        }
        let bytes = key_bytes(value)?;
        if bytes.is_empty() {
            let what = if kind == "B" { "binary" } else { "string" };
            return Err(DynamoError::validation(format!(
                "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty {what} value. Key: {name}"
            )));
        }
        Ok(bytes)
    };
    let hash = one(&shape.hash)?;
    let range = match &shape.range {
        Some(range) => one(range)?,
        None => Vec::new(),
    };
    Ok((hash, range))
}

/// The primary key named by a `Key` parameter: exactly the key attributes,
/// of the schema's types.
pub(crate) fn lookup_key(shape: &KeyShape, key: &Item) -> DynamoResult<(Vec<u8>, Vec<u8>)> {
    let mismatch = || DynamoError::validation("The provided key element does not match the schema");
    let expected = 1 + usize::from(shape.range.is_some());
    if key.len() != expected {
        return Err(mismatch());
    }
    let one = |(name, kind): &(String, String)| -> DynamoResult<Vec<u8>> {
        let value = key
            .get(name)
            .filter(|v| v.type_name() == kind)
            .ok_or_else(mismatch)?;
        let bytes = key_bytes(value)?;
        if bytes.is_empty() {
            let what = if kind == "B" { "binary" } else { "string" };
            return Err(DynamoError::validation(format!(
                "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty {what} value. Key: {name}"
            )));
        }
        Ok(bytes)
    };
    let hash = one(&shape.hash)?;
    let range = match &shape.range {
        Some(range) => one(range)?,
        None => Vec::new(),
    };
    Ok((hash, range))
}

/// The stored key bytes of an item under a key shape, or None when the item
/// lacks one of its key attributes or has one of another type (such an item
/// is not in that index).
pub(crate) fn key_of(shape: &KeyShape, item: &Item) -> Option<(Vec<u8>, Vec<u8>)> {
    let one = |(name, kind): &(String, String)| -> Option<Vec<u8>> {
        let value = item.get(name).filter(|v| v.type_name() == kind)?;
        key_bytes(value).ok()
    };
    let hash = one(&shape.hash)?;
    let range = match &shape.range {
        Some(range) => one(range)?,
        None => Vec::new(),
    };
    Some((hash, range))
}
