//! BatchGetItem and BatchWriteItem. Every request is processed at once, so
//! `UnprocessedKeys` / `UnprocessedItems` are always empty maps.

use crate::error::{DynamoError, DynamoResult};
use crate::expr;
use crate::item_expressions::parse;
use crate::items::{read, remove, write};
use crate::keys::{item_key, item_size, lookup_key, normalize, MAX_ITEM_BYTES};
use crate::streams::record_change;
use crate::tables::find;
use crate::types::{
    BatchGetItemInput, BatchGetItemOutput, BatchWriteItemInput, BatchWriteItemOutput,
};
use crate::{Caller, DynamoService};

fn duplicates() -> DynamoError {
    DynamoError::validation("Provided list of item keys contains duplicates")
}

impl DynamoService {
    pub fn batch_get_item(
        &self,
        caller: Caller<'_>,
        input: BatchGetItemInput,
    ) -> DynamoResult<BatchGetItemOutput> {
        let total: usize = input.request_items.values().map(|r| r.keys.len()).sum();
        if total > 100 {
            return Err(DynamoError::validation(
                "Too many items requested for the BatchGetItem call",
            ));
        }
        let mut parsed = Vec::new();
        for (name, request) in &input.request_items {
            parsed.push((name, request, parse(&request.expressions)?));
        }
        self.with(|conn| {
            let mut out = BatchGetItemOutput::default();
            for (name, request, expressions) in &parsed {
                let table =
                    find(conn, caller, name)?.ok_or_else(DynamoError::resource_not_found)?;
                let shape = table.def.key_shape();
                let mut seen = Vec::new();
                let mut items = Vec::new();
                for key in &request.keys {
                    let mut key = key.clone();
                    for value in key.values_mut() {
                        normalize(value)?;
                    }
                    let stored = lookup_key(&shape, &key)?;
                    if seen.contains(&stored) {
                        return Err(duplicates());
                    }
                    if let Some(item) = read(conn, table.id, &stored)? {
                        items.push(match &expressions.projection {
                            Some(paths) => expr::project(&item, paths),
                            None => item,
                        });
                    }
                    seen.push(stored);
                }
                out.responses.insert((*name).clone(), items);
            }
            Ok(out)
        })
    }

    pub fn batch_write_item(
        &self,
        caller: Caller<'_>,
        input: BatchWriteItemInput,
    ) -> DynamoResult<BatchWriteItemOutput> {
        self.with(|conn| {
            let tx = conn.transaction()?;
            for (name, requests) in input.request_items {
                let table = find(&tx, caller, &name)?.ok_or_else(DynamoError::resource_not_found)?;
                let shape = table.def.key_shape();
                let mut seen = Vec::new();
                for request in requests {
                    match (request.put_request, request.delete_request) {
                        (Some(put), None) => {
                            let mut item = put.item;
                            for value in item.values_mut() {
                                normalize(value)?;
                            }
                            let size = item_size(&item);
                            if size > MAX_ITEM_BYTES {
                                return Err(DynamoError::validation("Item size has exceeded the maximum allowed size"));
                            }
                            let key = item_key(&shape, &item)?;
                            if seen.contains(&key) {
                                return Err(duplicates());
                            }
                            let old = read(&tx, table.id, &key)?;
                            write(&tx, table.id, &key, &item, size)?;
                            record_change(&tx, table.id, &table.def, caller.region, old.as_ref(), Some(&item), None)?;
                            seen.push(key);
                        }
                        (None, Some(delete)) => {
                            let mut key_item = delete.key;
                            for value in key_item.values_mut() {
                                normalize(value)?;
                            }
                            let key = lookup_key(&shape, &key_item)?;
                            if seen.contains(&key) {
                                return Err(duplicates());
                            }
                            let old = read(&tx, table.id, &key)?;
                            remove(&tx, table.id, &key)?;
                            record_change(&tx, table.id, &table.def, caller.region, old.as_ref(), None, None)?;
                            seen.push(key);
                        }
                        _ => {
                            return Err(DynamoError::validation(
                                "A WriteRequest must contain exactly one of PutRequest and DeleteRequest",
                            ))
                        }
                    }
                }
            }
            tx.commit()?;
            Ok(BatchWriteItemOutput::default())
        })
    }
}
