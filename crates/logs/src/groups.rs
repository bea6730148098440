//! Log groups: create, delete, describe, retention and tags.

use crate::error::{LogsError, LogsResult};
use crate::names::{self, check_group_name, check_retention, group_arn};
use crate::tables::{self, group_from_row, GROUP_COLUMNS};
use crate::{now_ms, LogsService};
use rusqlite::params;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

const MAX_TAGS: usize = 50;

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CreateLogGroupRequest {
    pub log_group_name: String,
    pub kms_key_id: Option<String>,
    pub tags: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct DescribeLogGroupsRequest {
    pub log_group_name_prefix: Option<String>,
    pub log_group_name_pattern: Option<String>,
    pub next_token: Option<String>,
    pub limit: Option<i64>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LogGroup {
    pub log_group_name: String,
    pub creation_time: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retention_in_days: Option<i64>,
    pub metric_filter_count: i64,
    pub arn: String,
    pub stored_bytes: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kms_key_id: Option<String>,
    pub log_group_class: &'static str,
    pub log_group_arn: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DescribeLogGroupsResponse {
    pub log_groups: Vec<LogGroup>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

/// A request addressing one group (by name, or by ARN for the *Resource
/// tag operations): delete, retention and tags.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct GroupRequest {
    pub log_group_name: String,
    pub retention_in_days: Option<i64>,
    pub resource_arn: Option<String>,
    pub tags: Option<serde_json::Value>,
    pub tag_keys: Option<Vec<String>>,
}

#[derive(Debug, Serialize)]
pub struct TagsResponse {
    pub tags: BTreeMap<String, String>,
}

/// Paging over a sorted listing: the token is the offset of the next page.
pub(crate) fn page_bounds(
    next_token: Option<&str>,
    limit: Option<i64>,
    max: i64,
) -> LogsResult<(usize, usize)> {
    let offset = match next_token {
        None => 0,
        Some(token) => token
            .parse::<usize>()
            .map_err(|_| LogsError::invalid("The specified nextToken is invalid."))?,
    };
    let limit = limit.unwrap_or(max);
    if !(1..=max).contains(&limit) {
        return Err(LogsError::invalid(format!(
            "1 validation error detected: Value '{limit}' at 'limit' failed to satisfy constraint: Member must have value between 1 and {max}"
        )));
    }
    Ok((offset, limit as usize))
}

fn check_tags(tags: &BTreeMap<String, String>) -> LogsResult<()> {
    if tags.len() > MAX_TAGS {
        return Err(LogsError::too_many_tags(format!(
            "A resource can have no more than {MAX_TAGS} tags."
        )));
    }
    for (key, value) in tags {
        if key.is_empty() || key.len() > 128 || value.len() > 256 || key.starts_with("aws:") {
            return Err(LogsError::invalid(format!("Invalid tag: {key}")));
        }
    }
    Ok(())
}

fn tags_of(value: Option<&serde_json::Value>) -> LogsResult<BTreeMap<String, String>> {
    match value {
        None => Ok(BTreeMap::new()),
        Some(v) => serde_json::from_value(v.clone())
            .map_err(|_| LogsError::invalid("tags must be a map of strings")),
    }
}

impl LogsService {
    pub fn create_log_group(
        &self,
        account: &str,
        region: &str,
        req: CreateLogGroupRequest,
    ) -> LogsResult<()> {
        check_group_name("logGroupName", &req.log_group_name)?;
        let tags = req.tags.unwrap_or_default();
        check_tags(&tags)?;
        let tags = serde_json::to_string(&tags).unwrap_or_else(|_| "{}".into());
        self.with(|conn| {
            let inserted = conn.execute(
                "INSERT OR IGNORE INTO logs_groups (account, region, name, created_ms, kms_key_id, tags)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![account, region, req.log_group_name, now_ms(), req.kms_key_id, tags],
            )?;
            if inserted == 0 {
                return Err(LogsError::already_exists(
                    "The specified log group already exists",
                ));
            }
            Ok(())
        })
    }

    pub fn delete_log_group(&self, account: &str, region: &str, name: &str) -> LogsResult<()> {
        check_group_name("logGroupName", name)?;
        self.with(|conn| {
            let group = tables::group(conn, account, region, name)?;
            let tx = conn.transaction()?;
            tx.execute(
                "DELETE FROM logs_events WHERE group_id = ?1",
                params![group.id],
            )?;
            tx.execute(
                "DELETE FROM logs_streams WHERE group_id = ?1",
                params![group.id],
            )?;
            tx.execute(
                "DELETE FROM logs_subscription_filters WHERE group_id = ?1",
                params![group.id],
            )?;
            tx.execute("DELETE FROM logs_groups WHERE id = ?1", params![group.id])?;
            tx.commit()?;
            Ok(())
        })
    }

    pub fn describe_log_groups(
        &self,
        account: &str,
        region: &str,
        req: DescribeLogGroupsRequest,
    ) -> LogsResult<DescribeLogGroupsResponse> {
        if req.log_group_name_prefix.is_some() && req.log_group_name_pattern.is_some() {
            return Err(LogsError::invalid(
                "LogGroupNamePrefix and LogGroupNamePattern are mutually exclusive parameters.",
            ));
        }
        let (offset, limit) = page_bounds(req.next_token.as_deref(), req.limit, 50)?;
        self.with(|conn| {
            let mut query = conn.prepare_cached(&format!(
                "SELECT {GROUP_COLUMNS}, (SELECT COALESCE(SUM(stored_bytes), 0) FROM logs_streams WHERE group_id = g.id)
                 FROM logs_groups g WHERE account = ?1 AND region = ?2 ORDER BY name"
            ))?;
            let rows = query.query_map(params![account, region], |row| {
                Ok((group_from_row(row)?, row.get::<_, i64>(6)?))
            })?;
            let prefix = req.log_group_name_prefix.unwrap_or_default();
            let pattern = req.log_group_name_pattern.map(|p| p.to_lowercase());
            let mut matching = Vec::new();
            for row in rows {
                let (group, stored_bytes) = row?;
                let wanted = group.name.starts_with(&prefix)
                    && pattern
                        .as_deref()
                        .is_none_or(|p| group.name.to_lowercase().contains(p));
                if wanted {
                    matching.push((group, stored_bytes));
                }
            }
            let more = matching.len() > offset + limit;
            let log_groups = matching
                .into_iter()
                .skip(offset)
                .take(limit)
                .map(|(g, stored_bytes)| {
                    let arn = group_arn(region, account, &g.name);
                    LogGroup {
                        log_group_name: g.name,
                        creation_time: g.created_ms,
                        retention_in_days: g.retention_days,
                        metric_filter_count: 0,
                        arn: format!("{arn}:*"),
                        stored_bytes,
                        kms_key_id: g.kms_key_id,
                        log_group_class: "STANDARD",
                        log_group_arn: arn,
                    }
                })
                .collect();
            Ok(DescribeLogGroupsResponse {
                log_groups,
                next_token: more.then(|| (offset + limit).to_string()),
            })
        })
    }

    pub fn put_retention_policy(
        &self,
        account: &str,
        region: &str,
        req: GroupRequest,
    ) -> LogsResult<()> {
        check_group_name("logGroupName", &req.log_group_name)?;
        let days = req
            .retention_in_days
            .ok_or_else(|| LogsError::invalid("retentionInDays is required"))?;
        check_retention(days)?;
        self.set_retention(account, region, &req.log_group_name, Some(days))
    }

    pub fn delete_retention_policy(
        &self,
        account: &str,
        region: &str,
        name: &str,
    ) -> LogsResult<()> {
        check_group_name("logGroupName", name)?;
        self.set_retention(account, region, name, None)
    }

    fn set_retention(
        &self,
        account: &str,
        region: &str,
        name: &str,
        days: Option<i64>,
    ) -> LogsResult<()> {
        self.with(|conn| {
            let changed = conn.execute(
                "UPDATE logs_groups SET retention_days = ?4 WHERE account = ?1 AND region = ?2 AND name = ?3",
                params![account, region, name, days],
            )?;
            if changed == 0 {
                return Err(LogsError::group_not_found());
            }
            Ok(())
        })
    }

    /// The tags of a group named by name (`ListTagsLogGroup`) or ARN.
    pub fn list_tags(
        &self,
        account: &str,
        region: &str,
        req: &GroupRequest,
    ) -> LogsResult<TagsResponse> {
        let name = addressed_group(req)?;
        self.with(|conn| {
            let group = tables::group(conn, account, region, &name)?;
            Ok(TagsResponse {
                tags: serde_json::from_str(&group.tags).unwrap_or_default(),
            })
        })
    }

    /// Adds tags (`TagLogGroup` / `TagResource`).
    pub fn tag(&self, account: &str, region: &str, req: &GroupRequest) -> LogsResult<()> {
        let name = addressed_group(req)?;
        let new_tags = tags_of(req.tags.as_ref())?;
        self.update_tags(account, region, &name, |tags| {
            tags.extend(new_tags);
        })
    }

    /// Removes tags: `UntagLogGroup` names them in `tags` (a list),
    /// `UntagResource` in `tagKeys`.
    pub fn untag(&self, account: &str, region: &str, req: &GroupRequest) -> LogsResult<()> {
        let name = addressed_group(req)?;
        let keys: Vec<String> = match (&req.tag_keys, &req.tags) {
            (Some(keys), _) => keys.clone(),
            (None, Some(v)) => serde_json::from_value(v.clone())
                .map_err(|_| LogsError::invalid("tags must be a list of keys"))?,
            (None, None) => Vec::new(),
        };
        self.update_tags(account, region, &name, |tags| {
            for key in &keys {
                tags.remove(key);
            }
        })
    }

    fn update_tags(
        &self,
        account: &str,
        region: &str,
        name: &str,
        change: impl FnOnce(&mut BTreeMap<String, String>),
    ) -> LogsResult<()> {
        self.with(|conn| {
            let group = tables::group(conn, account, region, name)?;
            let mut tags: BTreeMap<String, String> =
                serde_json::from_str(&group.tags).unwrap_or_default();
            change(&mut tags);
            check_tags(&tags)?;
            let json = serde_json::to_string(&tags).unwrap_or_else(|_| "{}".into());
            conn.execute(
                "UPDATE logs_groups SET tags = ?2 WHERE id = ?1",
                params![group.id, json],
            )?;
            Ok(())
        })
    }
}

fn addressed_group(req: &GroupRequest) -> LogsResult<String> {
    match &req.resource_arn {
        Some(arn) => names::group_from_arn(arn),
        None => {
            check_group_name("logGroupName", &req.log_group_name)?;
            Ok(req.log_group_name.clone())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_service;

    #[test]
    fn groups_are_created_once_listed_and_deleted() {
        let logs = test_service();
        let create = |name: &str| CreateLogGroupRequest {
            log_group_name: name.into(),
            ..Default::default()
        };
        logs.create_log_group("1", "r", create("/a/one")).unwrap();
        logs.create_log_group("1", "r", create("/a/two")).unwrap();
        logs.create_log_group("1", "r", create("/b/three")).unwrap();
        let e = logs
            .create_log_group("1", "r", create("/a/one"))
            .unwrap_err();
        assert_eq!(e.code, "ResourceAlreadyExistsException");
        let page = logs
            .describe_log_groups(
                "1",
                "r",
                DescribeLogGroupsRequest {
                    log_group_name_prefix: Some("/a/".into()),
                    limit: Some(1),
                    ..Default::default()
                },
            )
            .unwrap();
        assert_eq!(page.log_groups[0].log_group_name, "/a/one");
        let next = logs
            .describe_log_groups(
                "1",
                "r",
                DescribeLogGroupsRequest {
                    log_group_name_prefix: Some("/a/".into()),
                    limit: Some(1),
                    next_token: page.next_token,
                    ..Default::default()
                },
            )
            .unwrap();
        assert_eq!(next.log_groups[0].log_group_name, "/a/two");
        assert!(next.next_token.is_none());
        logs.delete_log_group("1", "r", "/a/one").unwrap();
        assert_eq!(
            logs.delete_log_group("1", "r", "/a/one").unwrap_err().code,
            "ResourceNotFoundException"
        );
    }
}
