//! CreateTable, DescribeTable, ListTables, UpdateTable, DeleteTable and
//! time to live. A table is ACTIVE as soon as it is created: CreateTable
//! answers CREATING (as AWS does), every later DescribeTable ACTIVE.

use crate::definition::{
    check_billing, stream_label, Counts, TableDef, PAY_PER_REQUEST, PROVISIONED,
};
use crate::error::{DynamoError, DynamoResult};
use crate::types::{
    CreateTableInput, DescribeTimeToLiveOutput, GlobalSecondaryIndex, ListTablesInput,
    ListTablesOutput, TableNameInput, TimeToLiveDescription, UpdateTableInput,
    UpdateTimeToLiveInput, UpdateTimeToLiveOutput,
};
use crate::{now_seconds, streams, Caller, DynamoService};
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::{json, Value};

/// A stored table: its row id and definition.
pub(crate) struct Table {
    pub id: i64,
    pub name: String,
    pub def: TableDef,
}

/// A table parameter names the table or gives its ARN.
pub(crate) fn find(
    conn: &Connection,
    caller: Caller<'_>,
    name: &str,
) -> DynamoResult<Option<Table>> {
    let prefix = caller.table_arn("");
    let name = name.strip_prefix(&prefix).unwrap_or(name);
    let row: Option<(i64, String)> = conn
        .prepare_cached(
            "SELECT id, definition FROM dynamodb_tables WHERE account = ?1 AND region = ?2 AND name = ?3",
        )?
        .query_row(params![caller.account, caller.region, name], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    match row {
        Some((id, definition)) => Ok(Some(Table {
            id,
            name: name.to_string(),
            def: serde_json::from_str(&definition)?,
        })),
        None => Ok(None),
    }
}

/// The table, or DescribeTable's ResourceNotFoundException.
pub(crate) fn get(conn: &Connection, caller: Caller<'_>, name: &str) -> DynamoResult<Table> {
    find(conn, caller, name)?.ok_or_else(|| DynamoError::table_not_found(name))
}

fn save(conn: &Connection, table: &Table) -> DynamoResult<()> {
    conn.execute(
        "UPDATE dynamodb_tables SET definition = ?2 WHERE id = ?1",
        params![table.id, serde_json::to_string(&table.def)?],
    )?;
    Ok(())
}

fn counts(conn: &Connection, table: &Table) -> DynamoResult<Counts> {
    let table_counts = conn.query_row(
        "SELECT COUNT(*), COALESCE(SUM(size), 0) FROM dynamodb_items WHERE table_id = ?1",
        params![table.id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    // An index holds the items that carry all of its key attributes.
    let mut indexes = Vec::new();
    let schemas = table
        .def
        .local_secondary_indexes
        .iter()
        .map(|i| (&i.index_name, &i.key_schema))
        .chain(
            table
                .def
                .global_secondary_indexes
                .iter()
                .map(|i| (&i.index_name, &i.key_schema)),
        );
    for (name, schema) in schemas {
        let mut sql = String::from(
            "SELECT COUNT(*), COALESCE(SUM(size), 0) FROM dynamodb_items WHERE table_id = ?1",
        );
        let mut paths = Vec::new();
        for (i, key) in schema.iter().enumerate() {
            sql.push_str(&format!(" AND json_type(item, ?{}) IS NOT NULL", i + 2));
            paths.push(json_path(&key.attribute_name));
        }
        let mut values: Vec<&dyn rusqlite::ToSql> = vec![&table.id];
        values.extend(paths.iter().map(|p| p as &dyn rusqlite::ToSql));
        let (count, size) =
            conn.query_row(&sql, values.as_slice(), |r| Ok((r.get(0)?, r.get(1)?)))?;
        indexes.push((name.clone(), count, size));
    }
    Ok(Counts {
        table: table_counts,
        indexes,
    })
}

/// A JSON path naming one top-level attribute, quoted for any name.
fn json_path(attribute: &str) -> String {
    format!(
        "$.\"{}\"",
        attribute.replace('\\', "\\\\").replace('"', "\\\"")
    )
}

impl DynamoService {
    pub fn create_table(&self, caller: Caller<'_>, input: CreateTableInput) -> DynamoResult<Value> {
        let billing_mode = input
            .billing_mode
            .clone()
            .unwrap_or_else(|| PROVISIONED.into());
        check_billing(&billing_mode, input.provisioned_throughput)?;
        let now = now_seconds();
        let streaming = input
            .stream_specification
            .as_ref()
            .is_some_and(|s| s.stream_enabled);
        let def = TableDef {
            table_id: uuid::Uuid::new_v4().to_string(),
            creation_date_time: now,
            attribute_definitions: input.attribute_definitions,
            key_schema: input.key_schema,
            billing_mode: billing_mode.clone(),
            provisioned_throughput: input.provisioned_throughput,
            last_update_to_pay_per_request: (billing_mode == PAY_PER_REQUEST).then_some(now),
            local_secondary_indexes: input.local_secondary_indexes.unwrap_or_default(),
            global_secondary_indexes: input.global_secondary_indexes.unwrap_or_default(),
            stream_specification: input.stream_specification.filter(|s| s.stream_enabled),
            latest_stream_label: streaming.then(stream_label),
            deletion_protection_enabled: input.deletion_protection_enabled.unwrap_or(false),
            table_class: input.table_class,
        };
        def.check()?;
        let name = input.table_name;
        let tags = serde_json::to_string(&input.tags.unwrap_or_default())?;
        self.with(|conn| {
            if find(conn, caller, &name)?.is_some() {
                return Err(DynamoError::in_use(format!("Table already exists: {name}")));
            }
            conn.execute(
                "INSERT INTO dynamodb_tables (account, region, name, definition, tags) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![caller.account, caller.region, name, serde_json::to_string(&def)?, tags],
            )?;
            let table = Table {
                id: conn.last_insert_rowid(),
                name: name.clone(),
                def,
            };
            streams::open_stream(conn, table.id, caller.account, caller.region, &name, &table.def)?;
            let description = table.def.describe(caller, &name, "CREATING", &Counts::default());
            Ok(json!({ "TableDescription": description }))
        })
    }

    pub fn describe_table(&self, caller: Caller<'_>, input: TableNameInput) -> DynamoResult<Value> {
        self.with(|conn| {
            let table = get(conn, caller, &input.table_name)?;
            let counts = counts(conn, &table)?;
            let description = table.def.describe(caller, &table.name, "ACTIVE", &counts);
            Ok(json!({ "Table": description }))
        })
    }

    pub fn list_tables(
        &self,
        caller: Caller<'_>,
        input: ListTablesInput,
    ) -> DynamoResult<ListTablesOutput> {
        let limit = input.limit.unwrap_or(100);
        let after = input.exclusive_start_table_name.unwrap_or_default();
        self.with(|conn| {
            let mut statement = conn.prepare(
                "SELECT name FROM dynamodb_tables WHERE account = ?1 AND region = ?2 AND name > ?3 ORDER BY name LIMIT ?4",
            )?;
            let mut names = statement
                .query_map(params![caller.account, caller.region, after, limit as i64 + 1], |r| r.get::<_, String>(0))?
                .collect::<Result<Vec<_>, _>>()?;
            let more = names.len() > limit;
            names.truncate(limit);
            Ok(ListTablesOutput {
                last_evaluated_table_name: if more { names.last().cloned() } else { None },
                table_names: names,
            })
        })
    }

    pub fn update_table(&self, caller: Caller<'_>, input: UpdateTableInput) -> DynamoResult<Value> {
        let name = input.table_name.clone();
        self.with(|conn| {
            let tx = conn.transaction()?;
            let conn = &tx;
            let mut table = get(conn, caller, &name)?;
            let mut stream_opened = false;
            let def = &mut table.def;
            if let Some(mode) = &input.billing_mode {
                if *mode == PAY_PER_REQUEST && def.billing_mode != PAY_PER_REQUEST {
                    def.last_update_to_pay_per_request = Some(now_seconds());
                }
                def.billing_mode = mode.clone();
                if *mode == PAY_PER_REQUEST {
                    def.provisioned_throughput = None;
                }
            }
            if input.provisioned_throughput.is_some() {
                def.provisioned_throughput = input.provisioned_throughput;
            }
            check_billing(&def.billing_mode, def.provisioned_throughput)?;
            if let Some(stream) = input.stream_specification.clone() {
                let enabled = def
                    .stream_specification
                    .as_ref()
                    .is_some_and(|s| s.stream_enabled);
                if stream.stream_enabled {
                    if enabled {
                        return Err(DynamoError::validation(format!(
                            "Table already has an enabled stream: TableName: {}",
                            table.name
                        )));
                    }
                    def.stream_specification = Some(stream);
                    def.latest_stream_label = Some(stream_label());
                    stream_opened = true;
                } else {
                    def.stream_specification = None;
                    streams::close_streams(conn, table.id)?;
                }
            }
            if let Some(definitions) = input.attribute_definitions.clone() {
                for definition in definitions {
                    match def
                        .attribute_definitions
                        .iter_mut()
                        .find(|d| d.attribute_name == definition.attribute_name)
                    {
                        Some(existing) => *existing = definition,
                        None => def.attribute_definitions.push(definition),
                    }
                }
            }
            for update in input
                .global_secondary_index_updates
                .clone()
                .unwrap_or_default()
            {
                if let Some(create) = update.create {
                    if def
                        .global_secondary_indexes
                        .iter()
                        .any(|g| g.index_name == create.index_name)
                    {
                        return Err(DynamoError::validation(format!(
                            "Attempting to create an index which already exists: {}",
                            create.index_name
                        )));
                    }
                    def.global_secondary_indexes.push(GlobalSecondaryIndex {
                        index_name: create.index_name,
                        key_schema: create.key_schema,
                        projection: create.projection,
                        provisioned_throughput: create.provisioned_throughput,
                    });
                }
                if let Some(delete) = update.delete {
                    let before = def.global_secondary_indexes.len();
                    def.global_secondary_indexes
                        .retain(|g| g.index_name != delete.index_name);
                    if def.global_secondary_indexes.len() == before {
                        return Err(DynamoError::not_found(format!(
                            "Requested resource not found: Index: {} not found for table: {name}",
                            delete.index_name
                        )));
                    }
                }
                if let Some(change) = update.update {
                    let Some(index) = def
                        .global_secondary_indexes
                        .iter_mut()
                        .find(|g| g.index_name == change.index_name)
                    else {
                        return Err(DynamoError::not_found(format!(
                            "Requested resource not found: Index: {} not found for table: {name}",
                            change.index_name
                        )));
                    };
                    if change.provisioned_throughput.is_some() {
                        index.provisioned_throughput = change.provisioned_throughput;
                    }
                }
            }
            // Definitions no key uses any more (a dropped index's) go with it.
            let used: Vec<String> = std::iter::once(&def.key_schema)
                .chain(def.local_secondary_indexes.iter().map(|i| &i.key_schema))
                .chain(def.global_secondary_indexes.iter().map(|i| &i.key_schema))
                .flatten()
                .map(|k| k.attribute_name.clone())
                .collect();
            def.attribute_definitions
                .retain(|d| used.contains(&d.attribute_name));
            if let Some(protect) = input.deletion_protection_enabled {
                def.deletion_protection_enabled = protect;
            }
            if input.table_class.is_some() {
                def.table_class = input.table_class.clone();
            }
            def.check()?;
            save(conn, &table)?;
            if stream_opened {
                streams::open_stream(
                    conn,
                    table.id,
                    caller.account,
                    caller.region,
                    &table.name,
                    &table.def,
                )?;
            }
            let counts = counts(conn, &table)?;
            tx.commit()?;
            let description = table.def.describe(caller, &table.name, "UPDATING", &counts);
            Ok(json!({ "TableDescription": description }))
        })
    }

    pub fn delete_table(&self, caller: Caller<'_>, input: TableNameInput) -> DynamoResult<Value> {
        let name = input.table_name;
        self.with(|conn| {
            let tx = conn.transaction()?;
            let table = get(&tx, caller, &name)?;
            if table.def.deletion_protection_enabled {
                return Err(DynamoError::validation(
                    "Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first.",
                ));
            }
            let counts = counts(&tx, &table)?;
            tx.execute("DELETE FROM dynamodb_items WHERE table_id = ?1", params![table.id])?;
            tx.execute("DELETE FROM dynamodb_tables WHERE id = ?1", params![table.id])?;
            streams::close_streams(&tx, table.id)?;
            tx.commit()?;
            let description = table.def.describe(caller, &table.name, "DELETING", &counts);
            Ok(json!({ "TableDescription": description }))
        })
    }

    pub fn update_time_to_live(
        &self,
        caller: Caller<'_>,
        input: UpdateTimeToLiveInput,
    ) -> DynamoResult<UpdateTimeToLiveOutput> {
        let spec = input.time_to_live_specification;
        self.with(|conn| {
            let table = get(conn, caller, &input.table_name)?;
            let current: Option<String> = conn.query_row(
                "SELECT ttl_attribute FROM dynamodb_tables WHERE id = ?1",
                params![table.id],
                |r| r.get(0),
            )?;
            match (&current, spec.enabled) {
                (Some(_), true) => {
                    return Err(DynamoError::validation("TimeToLive is already enabled"))
                }
                (None, false) => {
                    return Err(DynamoError::validation("TimeToLive is already disabled"))
                }
                _ => {}
            }
            let stored = spec.enabled.then(|| spec.attribute_name.clone());
            conn.execute(
                "UPDATE dynamodb_tables SET ttl_attribute = ?2 WHERE id = ?1",
                params![table.id, stored],
            )?;
            Ok(UpdateTimeToLiveOutput {
                time_to_live_specification: spec,
            })
        })
    }

    pub fn describe_time_to_live(
        &self,
        caller: Caller<'_>,
        input: TableNameInput,
    ) -> DynamoResult<DescribeTimeToLiveOutput> {
        self.with(|conn| {
            let table = get(conn, caller, &input.table_name)?;
            let attribute: Option<String> = conn.query_row(
                "SELECT ttl_attribute FROM dynamodb_tables WHERE id = ?1",
                params![table.id],
                |r| r.get(0),
            )?;
            Ok(DescribeTimeToLiveOutput {
                time_to_live_description: TimeToLiveDescription {
                    time_to_live_status: if attribute.is_some() {
                        "ENABLED"
                    } else {
                        "DISABLED"
                    },
                    attribute_name: attribute,
                },
            })
        })
    }
}
