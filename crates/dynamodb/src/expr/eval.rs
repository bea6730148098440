//! Evaluating conditions on an item, and projecting an item onto paths.

use super::ast::{Comparator, Condition, Operand, Path, PathElement};
use crate::number::Number;
use crate::types::{AttributeValue, Item};
use base64::Engine;
use std::cmp::Ordering;

/// The value at a path, if the item has one there.
pub(crate) fn resolve<'i>(item: &'i Item, path: &Path) -> Option<&'i AttributeValue> {
    let mut elements = path.iter();
    let mut current = match elements.next()? {
        PathElement::Name(name) => item.get(name)?,
        PathElement::Index(_) => return None,
    };
    for element in elements {
        current = match (element, current) {
            (PathElement::Name(name), AttributeValue::M(map)) => map.get(name)?,
            (PathElement::Index(i), AttributeValue::L(list)) => list.get(*i)?,
            _ => return None,
        };
    }
    Some(current)
}

fn operand(item: &Item, op: &Operand) -> Option<AttributeValue> {
    match op {
        Operand::Path(path) => resolve(item, path).cloned(),
        Operand::Value(value) => Some(value.clone()),
        Operand::Size(path) => size(resolve(item, path)?).map(|n| AttributeValue::N(n.to_string())),
    }
}

fn binary(text: &str) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .unwrap_or_default()
}

fn size(value: &AttributeValue) -> Option<usize> {
    Some(match value {
        AttributeValue::S(s) => s.chars().count(),
        AttributeValue::B(b) => binary(b).len(),
        AttributeValue::SS(s) | AttributeValue::NS(s) | AttributeValue::BS(s) => s.len(),
        AttributeValue::M(m) => m.len(),
        AttributeValue::L(l) => l.len(),
        _ => return None,
    })
}

fn number_key(n: &str) -> Vec<u8> {
    Number::parse(n).map(|n| n.sort_bytes()).unwrap_or_default()
}

/// The order of two scalars of one type (S, N or B); None across types.
pub(crate) fn order(a: &AttributeValue, b: &AttributeValue) -> Option<Ordering> {
    match (a, b) {
        (AttributeValue::S(x), AttributeValue::S(y)) => Some(x.as_bytes().cmp(y.as_bytes())),
        (AttributeValue::N(x), AttributeValue::N(y)) => Some(number_key(x).cmp(&number_key(y))),
        (AttributeValue::B(x), AttributeValue::B(y)) => Some(binary(x).cmp(&binary(y))),
        _ => None,
    }
}

/// DynamoDB equality: numbers by value, sets regardless of order.
pub(crate) fn equal(a: &AttributeValue, b: &AttributeValue) -> bool {
    let same_set = |x: &Vec<String>, y: &Vec<String>, key: &dyn Fn(&String) -> Vec<u8>| {
        let mut x: Vec<Vec<u8>> = x.iter().map(key).collect();
        let mut y: Vec<Vec<u8>> = y.iter().map(key).collect();
        x.sort();
        y.sort();
        x == y
    };
    match (a, b) {
        (AttributeValue::N(_), AttributeValue::N(_))
        | (AttributeValue::B(_), AttributeValue::B(_)) => order(a, b) == Some(Ordering::Equal),
        (AttributeValue::NS(x), AttributeValue::NS(y)) => same_set(x, y, &|n| number_key(n)),
        (AttributeValue::SS(x), AttributeValue::SS(y)) => {
            same_set(x, y, &|s| s.as_bytes().to_vec())
        }
        (AttributeValue::BS(x), AttributeValue::BS(y)) => same_set(x, y, &|b| binary(b)),
        (AttributeValue::L(x), AttributeValue::L(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| equal(a, b))
        }
        (AttributeValue::M(x), AttributeValue::M(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| equal(v, w)))
        }
        _ => a == b,
    }
}

fn compare(comparator: Comparator, a: &AttributeValue, b: &AttributeValue) -> bool {
    match comparator {
        Comparator::Eq => equal(a, b),
        Comparator::Ne => !equal(a, b),
        Comparator::Lt => order(a, b) == Some(Ordering::Less),
        Comparator::Le => matches!(order(a, b), Some(Ordering::Less | Ordering::Equal)),
        Comparator::Gt => order(a, b) == Some(Ordering::Greater),
        Comparator::Ge => matches!(order(a, b), Some(Ordering::Greater | Ordering::Equal)),
    }
}

/// Whether the item satisfies the condition (a missing item is empty).
pub(crate) fn holds(condition: &Condition, item: &Item) -> bool {
    match condition {
        Condition::Compare(comparator, left, right) => {
            match (operand(item, left), operand(item, right)) {
                (Some(a), Some(b)) => compare(*comparator, &a, &b),
                // A missing attribute is unequal to everything and ordered with nothing.
                _ => *comparator == Comparator::Ne,
            }
        }
        Condition::Between(value, low, high) => match (
            operand(item, value),
            operand(item, low),
            operand(item, high),
        ) {
            (Some(v), Some(l), Some(h)) => {
                compare(Comparator::Ge, &v, &l) && compare(Comparator::Le, &v, &h)
            }
            _ => false,
        },
        Condition::In(value, list) => match operand(item, value) {
            Some(v) => list
                .iter()
                .any(|candidate| operand(item, candidate).is_some_and(|c| equal(&v, &c))),
            None => false,
        },
        Condition::And(a, b) => holds(a, item) && holds(b, item),
        Condition::Or(a, b) => holds(a, item) || holds(b, item),
        Condition::Not(inner) => !holds(inner, item),
        Condition::Exists(path) => resolve(item, path).is_some(),
        Condition::NotExists(path) => resolve(item, path).is_none(),
        Condition::Type(path, kind) => match (resolve(item, path), operand(item, kind)) {
            (Some(value), Some(AttributeValue::S(kind))) => value.type_name() == kind,
            _ => false,
        },
        Condition::BeginsWith(value, prefix) => match (operand(item, value), operand(item, prefix))
        {
            (Some(AttributeValue::S(s)), Some(AttributeValue::S(p))) => s.starts_with(&p),
            (Some(AttributeValue::B(s)), Some(AttributeValue::B(p))) => {
                binary(&s).starts_with(&binary(&p))
            }
            _ => false,
        },
        Condition::Contains(container, member) => {
            match (operand(item, container), operand(item, member)) {
                (Some(AttributeValue::S(s)), Some(AttributeValue::S(m))) => s.contains(&m),
                (Some(AttributeValue::SS(set)), Some(AttributeValue::S(m))) => set.contains(&m),
                (Some(AttributeValue::NS(set)), Some(m @ AttributeValue::N(_))) => {
                    set.iter().any(|n| equal(&AttributeValue::N(n.clone()), &m))
                }
                (Some(AttributeValue::BS(set)), Some(AttributeValue::B(m))) => {
                    set.iter().any(|b| binary(b) == binary(&m))
                }
                (Some(AttributeValue::L(list)), Some(m)) => list.iter().any(|v| equal(v, &m)),
                _ => false,
            }
        }
    }
}

/// The item reduced to the given paths (list elements keep their order).
pub(crate) fn project(item: &Item, paths: &[Path]) -> Item {
    let mut out = Item::new();
    for path in paths {
        if let Some(value) = resolve(item, path) {
            place(&mut out, path, value.clone(), item);
        }
    }
    out
}

/// Writes `value` at `path` in `out`, building the maps and lists on the way
/// as they are in `source`.
fn place(out: &mut Item, path: &Path, value: AttributeValue, source: &Item) {
    let Some(PathElement::Name(first)) = path.first() else {
        return;
    };
    if path.len() == 1 {
        out.insert(first.clone(), value);
        return;
    }
    let Some(original) = source.get(first) else {
        return;
    };
    let slot = out
        .entry(first.clone())
        .or_insert_with(|| empty_like(original));
    place_in(slot, &path[1..], value, original);
}

fn empty_like(value: &AttributeValue) -> AttributeValue {
    match value {
        AttributeValue::L(_) => AttributeValue::L(Vec::new()),
        _ => AttributeValue::M(Default::default()),
    }
}

/// Projected list elements are appended in the order the paths name them.
fn place_in(
    slot: &mut AttributeValue,
    rest: &[PathElement],
    value: AttributeValue,
    original: &AttributeValue,
) {
    match (slot, &rest[0], original) {
        (AttributeValue::M(map), PathElement::Name(name), AttributeValue::M(source)) => {
            if rest.len() == 1 {
                map.insert(name.clone(), value);
            } else if let Some(inner) = source.get(name) {
                let slot = map.entry(name.clone()).or_insert_with(|| empty_like(inner));
                place_in(slot, &rest[1..], value, inner);
            }
        }
        (AttributeValue::L(list), PathElement::Index(i), AttributeValue::L(source)) => {
            if rest.len() == 1 {
                list.push(value);
            } else if let Some(inner) = source.get(*i) {
                let mut slot = empty_like(inner);
                place_in(&mut slot, &rest[1..], value, inner);
                list.push(slot);
            }
        }
        _ => {}
    }
}
