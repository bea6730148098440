//! Applying an update expression to an item. Every right-hand side is
//! evaluated on the item as it was before the update, as DynamoDB does.

use super::ast::{Path, PathElement, SetOperand, SetValue, Update};
use super::eval::{equal, resolve};
use crate::error::{DynamoError, DynamoResult};
use crate::number::Number;
use crate::types::{AttributeValue, Item};

fn wrong_type() -> DynamoError {
    DynamoError::validation("An operand in the update expression has an incorrect data type")
}

fn invalid_path() -> DynamoError {
    DynamoError::validation(
        "The document path provided in the update expression is invalid for update",
    )
}

fn operand_type(value: &AttributeValue) -> &'static str {
    match value {
        AttributeValue::S(_) => "STRING",
        AttributeValue::N(_) => "NUMBER",
        AttributeValue::B(_) => "BINARY",
        AttributeValue::BOOL(_) => "BOOLEAN",
        AttributeValue::NULL(_) => "NULL",
        AttributeValue::M(_) => "MAP",
        AttributeValue::L(_) => "LIST",
        AttributeValue::SS(_) => "SS",
        AttributeValue::NS(_) => "NS",
        AttributeValue::BS(_) => "BS",
    }
}

fn list_form(path: &Path) -> String {
    let parts: Vec<String> = path
        .iter()
        .map(|e| match e {
            PathElement::Name(n) => n.clone(),
            PathElement::Index(i) => format!("[{i}]"),
        })
        .collect();
    format!("[{}]", parts.join(", "))
}

/// Checks what can be checked before the item is read: overlapping paths,
/// key attributes, ADD and DELETE operand types.
pub(crate) fn check(update: &Update, key_names: &[&str]) -> DynamoResult<()> {
    let paths = update.paths();
    for (i, a) in paths.iter().enumerate() {
        for b in &paths[..i] {
            let shorter = a.len().min(b.len());
            if a[..shorter] == b[..shorter] {
                return Err(DynamoError::validation(format!(
                    "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: {}, path two: {}",
                    list_form(b),
                    list_form(a)
                )));
            }
        }
        if let Some(PathElement::Name(first)) = a.first() {
            if key_names.contains(&first.as_str()) {
                return Err(DynamoError::invalid_parameter(format!(
                    "Cannot update attribute {first}. This attribute is part of the key"
                )));
            }
        }
    }
    for (operator, value) in update
        .add
        .iter()
        .map(|(_, v)| ("ADD", v))
        .chain(update.delete.iter().map(|(_, v)| ("DELETE", v)))
    {
        let allowed = matches!(
            value,
            AttributeValue::SS(_) | AttributeValue::NS(_) | AttributeValue::BS(_)
        ) || (operator == "ADD" && matches!(value, AttributeValue::N(_)));
        if !allowed {
            return Err(DynamoError::validation(format!(
                "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: {operator}, operand type: {}",
                operand_type(value)
            )));
        }
    }
    Ok(())
}

fn evaluate(operand: &SetOperand, before: &Item) -> DynamoResult<AttributeValue> {
    match operand {
        SetOperand::Value(value) => Ok(value.clone()),
        SetOperand::Path(path) => resolve(before, path).cloned().ok_or_else(|| {
            DynamoError::validation(
                "The provided expression refers to an attribute that does not exist in the item",
            )
        }),
        SetOperand::IfNotExists(path, fallback) => match resolve(before, path) {
            Some(value) => Ok(value.clone()),
            None => evaluate(fallback, before),
        },
        SetOperand::ListAppend(a, b) => match (evaluate(a, before)?, evaluate(b, before)?) {
            (AttributeValue::L(mut a), AttributeValue::L(b)) => {
                a.extend(b);
                Ok(AttributeValue::L(a))
            }
            _ => Err(wrong_type()),
        },
    }
}

fn arithmetic(
    a: &AttributeValue,
    b: &AttributeValue,
    subtract: bool,
) -> DynamoResult<AttributeValue> {
    match (a, b) {
        (AttributeValue::N(a), AttributeValue::N(b)) => Ok(AttributeValue::N(
            Number::parse(a)?
                .add(&Number::parse(b)?, subtract)?
                .canonical(),
        )),
        _ => Err(wrong_type()),
    }
}

/// The slot a path names inside a document: its parent container.
fn parent_mut<'i>(item: &'i mut Item, path: &Path) -> Option<&'i mut AttributeValue> {
    let PathElement::Name(first) = path.first()? else {
        return None;
    };
    let mut current = item.get_mut(first)?;
    for element in &path[1..path.len() - 1] {
        current = match (element, current) {
            (PathElement::Name(n), AttributeValue::M(map)) => map.get_mut(n)?,
            (PathElement::Index(i), AttributeValue::L(list)) => list.get_mut(*i)?,
            _ => return None,
        };
    }
    Some(current)
}

fn set_at(item: &mut Item, path: &Path, value: AttributeValue) -> DynamoResult<()> {
    if path.len() == 1 {
        let PathElement::Name(name) = &path[0] else {
            return Err(invalid_path());
        };
        item.insert(name.clone(), value);
        return Ok(());
    }
    let last = &path[path.len() - 1];
    match (parent_mut(item, path).ok_or_else(invalid_path)?, last) {
        (AttributeValue::M(map), PathElement::Name(n)) => {
            map.insert(n.clone(), value);
        }
        (AttributeValue::L(list), PathElement::Index(i)) => {
            // An index past the end appends, as DynamoDB does.
            match list.get_mut(*i) {
                Some(slot) => *slot = value,
                None => list.push(value),
            }
        }
        _ => return Err(invalid_path()),
    }
    Ok(())
}

fn remove_at(item: &mut Item, path: &Path) -> DynamoResult<()> {
    if path.len() == 1 {
        if let PathElement::Name(name) = &path[0] {
            item.remove(name);
        }
        return Ok(());
    }
    let last = &path[path.len() - 1];
    match (parent_mut(item, path), last) {
        (Some(AttributeValue::M(map)), PathElement::Name(n)) => {
            map.remove(n);
        }
        (Some(AttributeValue::L(list)), PathElement::Index(i)) => {
            if *i < list.len() {
                list.remove(*i);
            }
        }
        (None, _) => {}
        _ => return Err(invalid_path()),
    }
    Ok(())
}

fn set_union(
    existing: &[String],
    added: &[String],
    same: impl Fn(&String, &String) -> bool,
) -> Vec<String> {
    let mut out = existing.to_vec();
    for value in added {
        if !out.iter().any(|e| same(e, value)) {
            out.push(value.clone());
        }
    }
    out
}

fn numbers_equal(a: &str, b: &str) -> bool {
    equal(
        &AttributeValue::N(a.to_string()),
        &AttributeValue::N(b.to_string()),
    )
}

fn add(existing: Option<&AttributeValue>, value: &AttributeValue) -> DynamoResult<AttributeValue> {
    Ok(match (existing, value) {
        (None, v) => v.clone(),
        (Some(e @ AttributeValue::N(_)), v @ AttributeValue::N(_)) => arithmetic(e, v, false)?,
        (Some(AttributeValue::SS(e)), AttributeValue::SS(v)) => {
            AttributeValue::SS(set_union(e, v, |a, b| a == b))
        }
        (Some(AttributeValue::BS(e)), AttributeValue::BS(v)) => {
            AttributeValue::BS(set_union(e, v, |a, b| a == b))
        }
        (Some(AttributeValue::NS(e)), AttributeValue::NS(v)) => {
            AttributeValue::NS(set_union(e, v, |a, b| numbers_equal(a, b)))
        }
        _ => return Err(wrong_type()),
    })
}

/// The set left after DELETE, or None when it is empty (and so removed).
fn delete(
    existing: &AttributeValue,
    value: &AttributeValue,
) -> DynamoResult<Option<AttributeValue>> {
    let left = |e: &[String], v: &[String], same: fn(&String, &String) -> bool| {
        e.iter()
            .filter(|x| !v.iter().any(|y| same(x, y)))
            .cloned()
            .collect::<Vec<_>>()
    };
    let result = match (existing, value) {
        (AttributeValue::SS(e), AttributeValue::SS(v)) => {
            AttributeValue::SS(left(e, v, |a, b| a == b))
        }
        (AttributeValue::BS(e), AttributeValue::BS(v)) => {
            AttributeValue::BS(left(e, v, |a, b| a == b))
        }
        (AttributeValue::NS(e), AttributeValue::NS(v)) => {
            AttributeValue::NS(left(e, v, |a, b| numbers_equal(a, b)))
        }
        _ => return Err(wrong_type()),
    };
    let empty = matches!(&result, AttributeValue::SS(s) | AttributeValue::NS(s) | AttributeValue::BS(s) if s.is_empty());
    Ok((!empty).then_some(result))
}

/// Applies the update to `item` (the stored item, or just its key when new).
pub(crate) fn apply(update: &Update, item: &mut Item) -> DynamoResult<()> {
    let before = item.clone();
    let mut sets = Vec::with_capacity(update.set.len());
    for (path, value) in &update.set {
        let value = match value {
            SetValue::Operand(op) => evaluate(op, &before)?,
            SetValue::Plus(a, b) => {
                arithmetic(&evaluate(a, &before)?, &evaluate(b, &before)?, false)?
            }
            SetValue::Minus(a, b) => {
                arithmetic(&evaluate(a, &before)?, &evaluate(b, &before)?, true)?
            }
        };
        sets.push((path, value));
    }
    for (path, value) in sets {
        set_at(item, path, value)?;
    }
    for path in &update.remove {
        remove_at(item, path)?;
    }
    for (path, value) in &update.add {
        let sum = add(resolve(item, path), value)?;
        set_at(item, path, sum)?;
    }
    for (path, value) in &update.delete {
        if let Some(existing) = resolve(item, path).cloned() {
            match delete(&existing, value)? {
                Some(left) => set_at(item, path, left)?,
                None => remove_at(item, path)?,
            }
        }
    }
    Ok(())
}
