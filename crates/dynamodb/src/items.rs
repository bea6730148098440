//! PutItem, GetItem, UpdateItem and DeleteItem by primary key, with their
//! condition, projection and update expressions.

use crate::error::{DynamoError, DynamoResult};
use crate::expr;
use crate::item_expressions::parse;
use crate::keys::{item_key, item_size, lookup_key, normalize, MAX_ITEM_BYTES};
use crate::streams::record_change;
use crate::tables::{find, Table};
use crate::types::{Item, ItemOutput, KeyInput, PutItemInput, UpdateItemInput};
use crate::{Caller, DynamoService};
use rusqlite::{params, Connection, OptionalExtension};

/// The table an item operation names; item operations answer a missing
/// table with the bare "Requested resource not found".
fn table(conn: &Connection, caller: Caller<'_>, name: &str) -> DynamoResult<Table> {
    find(conn, caller, name)?.ok_or_else(DynamoError::resource_not_found)
}

pub(crate) fn read(
    conn: &Connection,
    table: i64,
    key: &(Vec<u8>, Vec<u8>),
) -> DynamoResult<Option<Item>> {
    let raw: Option<String> = conn
        .prepare_cached(
            "SELECT item FROM dynamodb_items WHERE table_id = ?1 AND hash_key = ?2 AND range_key = ?3",
        )?
        .query_row(params![table, key.0, key.1], |r| r.get(0))
        .optional()?;
    Ok(raw.map(|r| serde_json::from_str(&r)).transpose()?)
}

pub(crate) fn write(
    conn: &Connection,
    table: i64,
    key: &(Vec<u8>, Vec<u8>),
    item: &Item,
    size: usize,
) -> DynamoResult<()> {
    conn.prepare_cached(
        "INSERT OR REPLACE INTO dynamodb_items (table_id, hash_key, range_key, item, size) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![table, key.0, key.1, serde_json::to_string(item)?, size as i64])?;
    Ok(())
}

pub(crate) fn remove(conn: &Connection, table: i64, key: &(Vec<u8>, Vec<u8>)) -> DynamoResult<()> {
    conn.prepare_cached(
        "DELETE FROM dynamodb_items WHERE table_id = ?1 AND hash_key = ?2 AND range_key = ?3",
    )?
    .execute(params![table, key.0, key.1])?;
    Ok(())
}

/// `ReturnValues` of PutItem and DeleteItem: NONE or ALL_OLD.
fn wants_old(return_values: Option<&str>) -> DynamoResult<bool> {
    match return_values.unwrap_or("NONE") {
        "NONE" => Ok(false),
        "ALL_OLD" => Ok(true),
        _ => Err(DynamoError::validation(
            "Return values set to invalid value",
        )),
    }
}

impl DynamoService {
    pub fn put_item(&self, caller: Caller<'_>, input: PutItemInput) -> DynamoResult<ItemOutput> {
        let old_wanted = wants_old(input.return_values.as_deref())?;
        let parsed = parse(&input.expressions)?;
        let mut item = input.item;
        for value in item.values_mut() {
            normalize(value)?;
        }
        let size = item_size(&item);
        if size > MAX_ITEM_BYTES {
            return Err(DynamoError::validation(
                "Item size has exceeded the maximum allowed size",
            ));
        }
        self.with(|conn| {
            let tx = conn.transaction()?;
            let table = table(&tx, caller, &input.table_name)?;
            let key = item_key(&table.def.key_shape(), &item)?;
            let old = read(&tx, table.id, &key)?;
            parsed.check_condition(old.as_ref())?;
            write(&tx, table.id, &key, &item, size)?;
            record_change(
                &tx,
                table.id,
                &table.def,
                caller.region,
                old.as_ref(),
                Some(&item),
                None,
            )?;
            tx.commit()?;
            Ok(ItemOutput {
                attributes: old.filter(|_| old_wanted),
                item: None,
            })
        })
    }

    /// A point read: on the calling async worker when the database is free
    /// (see [`laminar_db::Db::read`]).
    pub async fn get_item(&self, caller: Caller<'_>, input: KeyInput) -> DynamoResult<ItemOutput> {
        let parsed = parse(&input.expressions)?;
        let (account, region) = (caller.account.to_owned(), caller.region.to_owned());
        self.db
            .read(move |conn| {
                let caller = Caller {
                    account: &account,
                    region: &region,
                };
                let table = table(conn, caller, &input.table_name)?;
                let key = lookup_key(&table.def.key_shape(), &input.key)?;
                let item = read(conn, table.id, &key)?;
                let item = match (&parsed.projection, item) {
                    (Some(paths), Some(item)) => Some(expr::project(&item, paths)),
                    (_, item) => item,
                };
                Ok(ItemOutput {
                    attributes: None,
                    item,
                })
            })
            .await
    }

    pub fn delete_item(&self, caller: Caller<'_>, input: KeyInput) -> DynamoResult<ItemOutput> {
        let old_wanted = wants_old(input.return_values.as_deref())?;
        let parsed = parse(&input.expressions)?;
        self.with(|conn| {
            let tx = conn.transaction()?;
            let table = table(&tx, caller, &input.table_name)?;
            let key = lookup_key(&table.def.key_shape(), &input.key)?;
            let old = read(&tx, table.id, &key)?;
            parsed.check_condition(old.as_ref())?;
            remove(&tx, table.id, &key)?;
            record_change(
                &tx,
                table.id,
                &table.def,
                caller.region,
                old.as_ref(),
                None,
                None,
            )?;
            tx.commit()?;
            let old = old.filter(|_| old_wanted);
            Ok(ItemOutput {
                attributes: old,
                item: None,
            })
        })
    }

    pub fn update_item(
        &self,
        caller: Caller<'_>,
        input: UpdateItemInput,
    ) -> DynamoResult<ItemOutput> {
        let returns = input.return_values.clone().unwrap_or_else(|| "NONE".into());
        let parsed = parse(&input.expressions)?;
        let mut key_item = input.key;
        for value in key_item.values_mut() {
            normalize(value)?;
        }
        self.with(|conn| {
            let tx = conn.transaction()?;
            let table = table(&tx, caller, &input.table_name)?;
            let shape = table.def.key_shape();
            let key = lookup_key(&shape, &key_item)?;
            if let Some(update) = &parsed.update {
                let mut key_names = vec![shape.hash.0.as_str()];
                key_names.extend(shape.range.as_ref().map(|r| r.0.as_str()));
                expr::check_update(update, &key_names)?;
            }
            let old = read(&tx, table.id, &key)?;
            parsed.check_condition(old.as_ref())?;
            let mut new = old.clone().unwrap_or_else(|| key_item.clone());
            if let Some(update) = &parsed.update {
                expr::apply(update, &mut new)?;
                for value in new.values_mut() {
                    normalize(value)?;
                }
            }
            let size = item_size(&new);
            if size > MAX_ITEM_BYTES {
                return Err(DynamoError::validation(
                    "Item size has exceeded the maximum allowed size",
                ));
            }
            write(&tx, table.id, &key, &new, size)?;
            record_change(
                &tx,
                table.id,
                &table.def,
                caller.region,
                old.as_ref(),
                Some(&new),
                None,
            )?;
            tx.commit()?;
            let updated: Vec<expr::Path> = parsed
                .update
                .as_ref()
                .map(|u| u.paths().into_iter().cloned().collect())
                .unwrap_or_default();
            let attributes = match returns.as_str() {
                "ALL_OLD" => old,
                "ALL_NEW" => Some(new),
                "UPDATED_OLD" => old.map(|o| expr::project(&o, &updated)),
                "UPDATED_NEW" => Some(expr::project(&new, &updated)),
                _ => None,
            };
            Ok(ItemOutput {
                attributes: attributes.filter(|a| !a.is_empty()),
                item: None,
            })
        })
    }
}
