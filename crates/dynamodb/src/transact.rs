//! TransactWriteItems and TransactGetItems: all or nothing in one SQLite
//! transaction. A failed condition cancels the whole transaction with one
//! reason per operation, in order.

use crate::error::{DynamoError, DynamoResult};
use crate::expr;
use crate::item_expressions::{parse, Parsed};
use crate::items::{read, remove, write};
use crate::keys::{item_key, item_size, lookup_key, normalize, MAX_ITEM_BYTES};
use crate::streams::record_change;
use crate::tables::find;
use crate::types::{
    Item, ItemResponse, TransactGetItemsInput, TransactGetItemsOutput, TransactOperation,
    TransactWriteItemsInput,
};
use crate::{Caller, DynamoService};
use serde_json::json;

enum Kind {
    Check,
    Put,
    Delete,
    Update,
}

fn normalized(item: Option<Item>) -> DynamoResult<Item> {
    let mut item = item.unwrap_or_default();
    for value in item.values_mut() {
        normalize(value)?;
    }
    Ok(item)
}

impl DynamoService {
    pub fn transact_write_items(
        &self,
        caller: Caller<'_>,
        input: TransactWriteItemsInput,
    ) -> DynamoResult<serde_json::Value> {
        let mut operations: Vec<(Kind, TransactOperation, Parsed)> = Vec::new();
        for entry in input.transact_items {
            let (kind, op) = match (entry.condition_check, entry.put, entry.delete, entry.update) {
                (Some(op), None, None, None) => (Kind::Check, op),
                (None, Some(op), None, None) => (Kind::Put, op),
                (None, None, Some(op), None) => (Kind::Delete, op),
                (None, None, None, Some(op)) => (Kind::Update, op),
                _ => {
                    return Err(DynamoError::validation(
                        "TransactItems can only contain one of Check, Put, Update or Delete",
                    ))
                }
            };
            let parsed = parse(&op.expressions)?;
            operations.push((kind, op, parsed));
        }
        self.with(|conn| {
            let tx = conn.transaction()?;
            let mut seen = Vec::new();
            let mut writes = Vec::new();
            let mut reasons = Vec::new();
            let mut failed = false;
            for (kind, op, parsed) in operations {
                let table = find(&tx, caller, &op.table_name)?.ok_or_else(DynamoError::resource_not_found)?;
                let shape = table.def.key_shape();
                let (key, new_item) = match kind {
                    Kind::Put => {
                        let item = normalized(op.item)?;
                        let size = item_size(&item);
                        if size > MAX_ITEM_BYTES {
                            return Err(DynamoError::validation("Item size has exceeded the maximum allowed size"));
                        }
                        (item_key(&shape, &item)?, Some(item))
                    }
                    _ => (lookup_key(&shape, &normalized(op.key.clone())?)?, None),
                };
                let identity = (table.id, key.clone());
                if seen.contains(&identity) {
                    return Err(DynamoError::validation(
                        "Transaction request cannot include multiple operations on one item",
                    ));
                }
                seen.push(identity);
                let old = read(&tx, table.id, &key)?;
                if let Kind::Update = kind {
                    if let Some(update) = &parsed.update {
                        let mut key_names = vec![shape.hash.0.as_str()];
                        key_names.extend(shape.range.as_ref().map(|r| r.0.as_str()));
                        expr::check_update(update, &key_names)?;
                    }
                }
                match parsed.check_condition(old.as_ref()) {
                    Ok(()) => reasons.push(json!({ "Code": "None" })),
                    Err(e) if e.code == "ConditionalCheckFailedException" => {
                        failed = true;
                        let mut reason = json!({ "Code": "ConditionalCheckFailed", "Message": e.message });
                        if let Some(item) = e.extra.as_deref().and_then(|x| serde_json::from_str::<serde_json::Value>(x).ok()) {
                            reason["Item"] = item["Item"].clone();
                        }
                        reasons.push(reason);
                        continue;
                    }
                    Err(e) => return Err(e),
                }
                match kind {
                    Kind::Check => {}
                    Kind::Put => writes.push((table, key, old, new_item)),
                    Kind::Delete => writes.push((table, key, old, None)),
                    Kind::Update => {
                        let mut new = old.clone().unwrap_or_else(|| op.key.clone().unwrap_or_default());
                        if let Some(update) = &parsed.update {
                            expr::apply(update, &mut new)?;
                        }
                        let new = normalized(Some(new))?;
                        if item_size(&new) > MAX_ITEM_BYTES {
                            return Err(DynamoError::validation("Item size has exceeded the maximum allowed size"));
                        }
                        writes.push((table, key, old, Some(new)));
                    }
                }
            }
            if failed {
                let codes: Vec<&str> = reasons.iter().map(|r| r["Code"].as_str().unwrap_or("None")).collect();
                return Err(DynamoError {
                    code: "TransactionCanceledException",
                    message: format!(
                        "Transaction cancelled, please refer cancellation reasons for specific reasons [{}]",
                        codes.join(", ")
                    ),
                    status: 400,
                    extra: Some(json!({ "CancellationReasons": reasons }).to_string()),
                });
            }
            for (table, key, old, item) in writes {
                match &item {
                    Some(item) => write(&tx, table.id, &key, item, item_size(item))?,
                    None => remove(&tx, table.id, &key)?,
                }
                record_change(&tx, table.id, &table.def, caller.region, old.as_ref(), item.as_ref(), None)?;
            }
            tx.commit()?;
            Ok(json!({}))
        })
    }

    pub fn transact_get_items(
        &self,
        caller: Caller<'_>,
        input: TransactGetItemsInput,
    ) -> DynamoResult<TransactGetItemsOutput> {
        let mut gets = Vec::new();
        for entry in input.transact_items {
            let parsed = parse(&entry.get.expressions)?;
            gets.push((entry.get, parsed));
        }
        self.with(|conn| {
            let tx = conn.transaction()?;
            let mut responses = Vec::new();
            for (op, parsed) in &gets {
                let table = find(&tx, caller, &op.table_name)?
                    .ok_or_else(DynamoError::resource_not_found)?;
                let key = lookup_key(&table.def.key_shape(), &normalized(op.key.clone())?)?;
                let item = read(&tx, table.id, &key)?.map(|item| match &parsed.projection {
                    Some(paths) => expr::project(&item, paths),
                    None => item,
                });
                responses.push(ItemResponse { item });
            }
            Ok(TransactGetItemsOutput { responses })
        })
    }
}
