//! TagResource, UntagResource and ListTagsOfResource on a table's ARN.

use crate::error::{DynamoError, DynamoResult};
use crate::tables::find;
use crate::types::{ListTagsInput, ListTagsOutput, Tag, TagResourceInput, UntagResourceInput};
use crate::{Caller, DynamoService};
use rusqlite::{params, Connection};

/// The table row an ARN names, in the caller's account and region.
fn table_of(conn: &Connection, caller: Caller<'_>, arn: &str) -> DynamoResult<i64> {
    let not_found = || {
        DynamoError::not_found(format!(
            "Requested resource not found: ResourcArn: {arn} not found"
        ))
    };
    let prefix = caller.table_arn("");
    let name = arn
        .strip_prefix(&prefix)
        .filter(|n| !n.contains('/'))
        .ok_or_else(not_found)?;
    find(conn, caller, name)?
        .map(|t| t.id)
        .ok_or_else(not_found)
}

fn read_tags(conn: &Connection, id: i64) -> DynamoResult<Vec<Tag>> {
    let raw: String = conn.query_row(
        "SELECT tags FROM dynamodb_tables WHERE id = ?1",
        params![id],
        |r| r.get(0),
    )?;
    Ok(serde_json::from_str(&raw)?)
}

fn write_tags(conn: &Connection, id: i64, tags: &[Tag]) -> DynamoResult<()> {
    conn.execute(
        "UPDATE dynamodb_tables SET tags = ?2 WHERE id = ?1",
        params![id, serde_json::to_string(tags)?],
    )?;
    Ok(())
}

impl DynamoService {
    pub fn tag_resource(&self, caller: Caller<'_>, input: TagResourceInput) -> DynamoResult<()> {
        self.with(|conn| {
            let id = table_of(conn, caller, &input.resource_arn)?;
            let mut tags = read_tags(conn, id)?;
            for tag in input.tags {
                match tags.iter_mut().find(|t| t.key == tag.key) {
                    Some(existing) => existing.value = tag.value,
                    None => tags.push(tag),
                }
            }
            write_tags(conn, id, &tags)
        })
    }

    pub fn untag_resource(
        &self,
        caller: Caller<'_>,
        input: UntagResourceInput,
    ) -> DynamoResult<()> {
        self.with(|conn| {
            let id = table_of(conn, caller, &input.resource_arn)?;
            let mut tags = read_tags(conn, id)?;
            tags.retain(|t| !input.tag_keys.contains(&t.key));
            write_tags(conn, id, &tags)
        })
    }

    pub fn list_tags_of_resource(
        &self,
        caller: Caller<'_>,
        input: ListTagsInput,
    ) -> DynamoResult<ListTagsOutput> {
        self.with(|conn| {
            let id = table_of(conn, caller, &input.resource_arn)?;
            Ok(ListTagsOutput {
                tags: read_tags(conn, id)?,
            })
        })
    }
}
