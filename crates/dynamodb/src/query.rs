//! Query and Scan. A Query on the table reads one partition in range-key
//! order from the primary key's index; a Query on a secondary index, and a
//! Scan, read the table and keep (and order) what the index holds. Limit
//! counts the items read before the filter, as DynamoDB counts them.

use crate::definition::KeyShape;
use crate::error::{DynamoError, DynamoResult};
use crate::expr::{self, Comparator, Condition, Operand, PathElement};
use crate::item_expressions::{parse, Parsed};
use crate::keys::{key_of, lookup_key};
use crate::tables::{find, Table};
use crate::types::{AttributeValue, Item, KeySchemaElement, Projection, ReadInput, ReadOutput};
use crate::{Caller, DynamoService};
use rusqlite::params;

/// A page stops at 1 MB of items read, as DynamoDB's do.
const PAGE_BYTES: usize = 1024 * 1024;

/// What is read: the table, or one of its indexes with its key schema and projection.
struct Source {
    shape: KeyShape,
    index: Option<(String, Projection, bool)>,
}

fn source(table: &Table, index_name: Option<&str>) -> DynamoResult<Source> {
    let Some(name) = index_name else {
        return Ok(Source {
            shape: table.def.key_shape(),
            index: None,
        });
    };
    let of = |schema: &[KeySchemaElement], projection: &Projection, global: bool| Source {
        shape: table.def.shape_of(schema),
        index: Some((name.to_string(), projection.clone(), global)),
    };
    if let Some(i) = table
        .def
        .local_secondary_indexes
        .iter()
        .find(|i| i.index_name == name)
    {
        return Ok(of(&i.key_schema, &i.projection, false));
    }
    if let Some(i) = table
        .def
        .global_secondary_indexes
        .iter()
        .find(|i| i.index_name == name)
    {
        return Ok(of(&i.key_schema, &i.projection, true));
    }
    Err(DynamoError::validation(format!(
        "The table does not have the specified index: {name}"
    )))
}

/// The key condition's partition value and the range key's condition.
fn key_condition(
    shape: &KeyShape,
    condition: &Condition,
) -> DynamoResult<(AttributeValue, Option<Condition>)> {
    let unsupported = || DynamoError::validation("Query key condition not supported");
    let on = |path: &[PathElement], name: &str| matches!(path, [PathElement::Name(n)] if n == name);
    let mut parts = Vec::new();
    match condition {
        Condition::And(a, b) => {
            parts.push(a.as_ref());
            parts.push(b.as_ref());
        }
        other => parts.push(other),
    }
    let mut hash = None;
    let mut range = None;
    for part in parts {
        match part {
            Condition::Compare(Comparator::Eq, Operand::Path(p), Operand::Value(v))
                if on(p, &shape.hash.0) =>
            {
                hash = Some(v.clone());
            }
            Condition::Compare(op, Operand::Path(p), Operand::Value(_))
                if *op != Comparator::Ne && shape.range.as_ref().is_some_and(|r| on(p, &r.0)) =>
            {
                range = Some(part.clone());
            }
            Condition::Between(Operand::Path(p), Operand::Value(_), Operand::Value(_))
            | Condition::BeginsWith(Operand::Path(p), Operand::Value(_))
                if shape.range.as_ref().is_some_and(|r| on(p, &r.0)) =>
            {
                range = Some(part.clone());
            }
            _ => return Err(unsupported()),
        }
    }
    let hash = hash.ok_or_else(|| {
        DynamoError::validation(format!(
            "Query condition missed key schema element: {}",
            shape.hash.0
        ))
    })?;
    if hash.type_name() != shape.hash.1 {
        return Err(DynamoError::invalid_parameter(
            "Condition parameter type does not match schema type",
        ));
    }
    Ok((hash, range))
}

/// The item's position in the source's order: index key, then table key.
fn position(table_shape: &KeyShape, source: &Source, item: &Item) -> Option<Vec<Vec<u8>>> {
    let (h, r) = key_of(&source.shape, item)?;
    let mut out = vec![h, r];
    if source.index.is_some() {
        let (th, tr) = key_of(table_shape, item)?;
        out.push(th);
        out.push(tr);
    }
    Some(out)
}

/// The key attributes a LastEvaluatedKey names: the table's and the index's.
fn key_attributes(table_shape: &KeyShape, source: &Source, item: &Item) -> Item {
    let mut names = vec![&table_shape.hash.0];
    names.extend(table_shape.range.as_ref().map(|r| &r.0));
    if source.index.is_some() {
        names.push(&source.shape.hash.0);
        names.extend(source.shape.range.as_ref().map(|r| &r.0));
    }
    names
        .into_iter()
        .filter_map(|n| item.get(n).map(|v| (n.clone(), v.clone())))
        .collect()
}

/// What an index query gives back by default: its projection.
fn projected(table_shape: &KeyShape, source: &Source, item: Item) -> Item {
    let Some((_, projection, _)) = &source.index else {
        return item;
    };
    match projection.projection_type.as_deref() {
        Some("KEYS_ONLY") | Some("INCLUDE") => {
            let mut keep = key_attributes(table_shape, source, &item);
            for name in projection.non_key_attributes.iter().flatten() {
                if let Some(v) = item.get(name) {
                    keep.insert(name.clone(), v.clone());
                }
            }
            keep
        }
        _ => item,
    }
}

fn segment_of(hash: &[u8], total: u64) -> u64 {
    // FNV-1a: stable across runs, so a segment's items do not move.
    let mut h: u64 = 0xcbf29ce484222325;
    for b in hash {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x100000001b3);
    }
    h % total
}

impl DynamoService {
    pub fn query(&self, caller: Caller<'_>, input: ReadInput) -> DynamoResult<ReadOutput> {
        let parsed = parse(&input.expressions)?;
        let condition = parsed.key_condition.clone().ok_or_else(|| {
            DynamoError::validation("Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.")
        })?;
        self.read(caller, input, parsed, Some(condition))
    }

    pub fn scan(&self, caller: Caller<'_>, input: ReadInput) -> DynamoResult<ReadOutput> {
        if let (Some(segment), Some(total)) = (input.segment, input.total_segments) {
            if segment >= total {
                return Err(DynamoError::validation(format!(
                    "The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: {segment} is not less than TotalSegments: {total}"
                )));
            }
        }
        let parsed = parse(&input.expressions)?;
        self.read(caller, input, parsed, None)
    }

    fn read(
        &self,
        caller: Caller<'_>,
        input: ReadInput,
        parsed: Parsed,
        condition: Option<Condition>,
    ) -> DynamoResult<ReadOutput> {
        self.with(|conn| {
            let table = find(conn, caller, &input.table_name)?.ok_or_else(crate::DynamoError::resource_not_found)?;
            let source = source(&table, input.index_name.as_deref())?;
            if input.consistent_read == Some(true) && source.index.as_ref().is_some_and(|i| i.2) {
                return Err(DynamoError::validation("Consistent reads are not supported on global secondary indexes"));
            }
            let table_shape = table.def.key_shape();
            let key = condition.as_ref().map(|c| key_condition(&source.shape, c)).transpose()?;
            // The candidates, in the source's order.
            let rows: Vec<String> = match (&key, &source.index) {
                (Some((hash, _)), None) => {
                    let probe: Item = [(source.shape.hash.0.clone(), hash.clone())].into();
                    let hash_bytes = key_of(&KeyShape { hash: source.shape.hash.clone(), range: None }, &probe)
                        .map(|k| k.0)
                        .unwrap_or_default();
                    let mut statement = conn.prepare(
                        "SELECT item FROM dynamodb_items WHERE table_id = ?1 AND hash_key = ?2 ORDER BY range_key",
                    )?;
                    let rows = statement.query_map(params![table.id, hash_bytes], |r| r.get(0))?;
                    rows.collect::<Result<_, _>>()?
                }
                _ => {
                    let mut statement =
                        conn.prepare("SELECT item FROM dynamodb_items WHERE table_id = ?1 ORDER BY hash_key, range_key")?;
                    let rows = statement.query_map(params![table.id], |r| r.get(0))?;
                    rows.collect::<Result<_, _>>()?
                }
            };
            let mut items: Vec<(Vec<Vec<u8>>, Item)> = Vec::with_capacity(rows.len());
            for row in rows {
                let item: Item = serde_json::from_str(&row)?;
                // An index holds only the items that carry its key attributes.
                if let Some(position) = position(&table_shape, &source, &item) {
                    items.push((position, item));
                }
            }
            if source.index.is_some() {
                items.sort_by(|a, b| a.0.cmp(&b.0));
            }
            let forward = input.scan_index_forward.unwrap_or(true) || condition.is_none();
            if !forward {
                items.reverse();
            }
            let start = match &input.exclusive_start_key {
                Some(start_key) => {
                    let invalid = |_| DynamoError::validation("The provided starting key is invalid: The provided key element does not match the schema");
                    lookup_key(&table_shape, &table_key_only(&table_shape, start_key)).map_err(invalid)?;
                    Some(position(&table_shape, &source, start_key).ok_or_else(|| invalid(DynamoError::resource_not_found()))?)
                }
                None => None,
            };
            let select = input.select.as_deref();
            let count_only = select == Some("COUNT");
            let limit = input.limit.unwrap_or(usize::MAX);
            let (mut found, mut scanned, mut bytes) = (Vec::new(), 0usize, 0usize);
            let mut count = 0usize;
            let mut last = None;
            for (pos, item) in items {
                if let Some(start) = &start {
                    let after = if forward { pos > *start } else { pos < *start };
                    if !after {
                        continue;
                    }
                }
                if let Some((hash, range)) = &key {
                    let hash_matches = item.get(&source.shape.hash.0).is_some_and(|v| expr::equal(v, hash));
                    if !hash_matches || range.as_ref().is_some_and(|r| !expr::holds(r, &item)) {
                        continue;
                    }
                }
                if let (Some(segment), Some(total)) = (input.segment, input.total_segments) {
                    if segment_of(&pos[0], total) != segment {
                        continue;
                    }
                }
                if scanned == limit || bytes >= PAGE_BYTES {
                    break;
                }
                scanned += 1;
                bytes += crate::keys::item_size(&item);
                last = Some(key_attributes(&table_shape, &source, &item));
                if parsed.filter.as_ref().is_some_and(|f| !expr::holds(f, &item)) {
                    continue;
                }
                count += 1;
                if !count_only {
                    let item = match &parsed.projection {
                        Some(paths) => expr::project(&item, paths),
                        None if select == Some("ALL_ATTRIBUTES") => item,
                        None => projected(&table_shape, &source, item),
                    };
                    found.push(item);
                }
            }
            let stopped = scanned == limit || bytes >= PAGE_BYTES;
            Ok(ReadOutput {
                items: (!count_only).then_some(found),
                count,
                scanned_count: scanned,
                last_evaluated_key: if stopped { last } else { None },
            })
        })
    }
}

/// The table's key attributes of an ExclusiveStartKey (an index's start key
/// carries the index's too).
fn table_key_only(shape: &KeyShape, key: &Item) -> Item {
    let mut names = vec![&shape.hash.0];
    names.extend(shape.range.as_ref().map(|r| &r.0));
    names
        .into_iter()
        .filter_map(|n| key.get(n).map(|v| (n.clone(), v.clone())))
        .collect()
}
