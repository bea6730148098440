//! PutItem, GetItem and DeleteItem by primary key.

use crate::error::{DynamoError, DynamoResult};
use crate::keys::{item_key, item_size, lookup_key, normalize, MAX_ITEM_BYTES};
use crate::tables::{find, Table};
use crate::types::{Item, ItemOutput, KeyInput, PutItemInput};
use crate::{Caller, DynamoService};
use rusqlite::{params, Connection, OptionalExtension};

/// The table an item operation names; item operations answer a missing
/// table with the bare "Requested resource not found".
fn table(conn: &Connection, caller: Caller<'_>, name: &str) -> DynamoResult<Table> {
    find(conn, caller, name)?.ok_or_else(DynamoError::resource_not_found)
}

pub(crate) fn read(conn: &Connection, table: i64, key: &(Vec<u8>, Vec<u8>)) -> DynamoResult<Option<Item>> {
    let raw: Option<String> = conn
        .query_row(
            "SELECT item FROM dynamodb_items WHERE table_id = ?1 AND hash_key = ?2 AND range_key = ?3",
            params![table, key.0, key.1],
            |r| r.get(0),
        )
        .optional()?;
    Ok(raw.map(|r| serde_json::from_str(&r)).transpose()?)
}

pub(crate) fn write(conn: &Connection, table: i64, key: &(Vec<u8>, Vec<u8>), item: &Item, size: usize) -> DynamoResult<()> {
    conn.execute(
        "INSERT OR REPLACE INTO dynamodb_items (table_id, hash_key, range_key, item, size) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![table, key.0, key.1, serde_json::to_string(item)?, size as i64],
    )?;
    Ok(())
}

/// `ReturnValues` of PutItem and DeleteItem: NONE or ALL_OLD.
fn wants_old(return_values: Option<&str>) -> DynamoResult<bool> {
    match return_values.unwrap_or("NONE") {
        "NONE" => Ok(false),
        "ALL_OLD" => Ok(true),
        _ => Err(DynamoError::validation("Return values set to invalid value")),
    }
}

impl DynamoService {
    pub fn put_item(&self, caller: Caller<'_>, input: PutItemInput) -> DynamoResult<ItemOutput> {
        let old_wanted = wants_old(input.return_values.as_deref())?;
        let mut item = input.item;
        for value in item.values_mut() {
            normalize(value)?;
        }
        let size = item_size(&item);
        if size > MAX_ITEM_BYTES {
            return Err(DynamoError::validation("Item size has exceeded the maximum allowed size"));
        }
        self.with(|conn| {
            let tx = conn.transaction()?;
            let table = table(&tx, caller, &input.table_name)?;
            let key = item_key(&table.def.key_shape(), &item)?;
            let old = if old_wanted { read(&tx, table.id, &key)? } else { None };
            write(&tx, table.id, &key, &item, size)?;
            tx.commit()?;
            Ok(ItemOutput { attributes: old, item: None })
        })
    }

    pub fn get_item(&self, caller: Caller<'_>, input: KeyInput) -> DynamoResult<ItemOutput> {
        self.with(|conn| {
            let table = table(conn, caller, &input.table_name)?;
            let key = lookup_key(&table.def.key_shape(), &input.key)?;
            Ok(ItemOutput { attributes: None, item: read(conn, table.id, &key)? })
        })
    }

    pub fn delete_item(&self, caller: Caller<'_>, input: KeyInput) -> DynamoResult<ItemOutput> {
        let old_wanted = wants_old(input.return_values.as_deref())?;
        self.with(|conn| {
            let tx = conn.transaction()?;
            let table = table(&tx, caller, &input.table_name)?;
            let key = lookup_key(&table.def.key_shape(), &input.key)?;
            let old = if old_wanted { read(&tx, table.id, &key)? } else { None };
            tx.execute(
                "DELETE FROM dynamodb_items WHERE table_id = ?1 AND hash_key = ?2 AND range_key = ?3",
                params![table.id, key.0, key.1],
            )?;
            tx.commit()?;
            Ok(ItemOutput { attributes: old, item: None })
        })
    }
}
