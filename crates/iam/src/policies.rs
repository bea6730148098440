//! Managed policies: customer managed ones with their versions (at most 5,
//! one default), the AWS managed ones, and their attachments to roles and
//! users.

use crate::aws_managed::{self, AwsPolicy};
use crate::document::{validate, Kind};
use crate::{check_name, check_path, ids, merge_tags, page, parse_tags, tags_out};
use crate::{IamError, IamService, Out, Tags};
use rusqlite::{params, OptionalExtension};

const MAX_VERSIONS: usize = 5;

/// A managed policy, customer's or AWS's.
pub(crate) struct Policy {
    pub name: String,
    pub arn: String,
    id: String,
    pub path: String,
    description: Option<String>,
    default_version: String,
    created: String,
    updated: String,
    tags: Tags,
    aws: bool,
}

impl Policy {
    fn of_aws(p: &AwsPolicy) -> Self {
        Self {
            name: p.name.into(),
            arn: p.arn(),
            id: p.id.into(),
            path: p.path.into(),
            description: Some(p.description.into()),
            default_version: p.version.into(),
            created: p.created.into(),
            updated: p.updated.into(),
            tags: Vec::new(),
            aws: true,
        }
    }

    fn out(&self, attachments: i64, full: bool) -> Out {
        let mut out = Out::members()
            .text("PolicyName", &self.name)
            .text("PolicyId", &self.id)
            .text("Arn", &self.arn)
            .text("Path", &self.path)
            .text("DefaultVersionId", &self.default_version)
            .number("AttachmentCount", attachments)
            .number("PermissionsBoundaryUsageCount", 0)
            .flag("IsAttachable", true);
        if full {
            out = out.opt_text("Description", self.description.clone());
        }
        out = out
            .text("CreateDate", &self.created)
            .text("UpdateDate", &self.updated);
        if full && !self.tags.is_empty() {
            out = out.list("Tags", tags_out(&self.tags));
        }
        out
    }
}

const COLUMNS: &str = "name, arn, id, path, description, default_version, created, updated, tags";

fn row(r: &rusqlite::Row) -> rusqlite::Result<Policy> {
    Ok(Policy {
        name: r.get(0)?,
        arn: r.get(1)?,
        id: r.get(2)?,
        path: r.get(3)?,
        description: r.get(4)?,
        default_version: r.get(5)?,
        created: r.get(6)?,
        updated: r.get(7)?,
        tags: parse_tags(&r.get::<_, String>(8)?),
        aws: false,
    })
}

fn not_found(arn: &str) -> IamError {
    IamError::no_such_entity(format!("Policy {arn} does not exist or is not attachable."))
}

pub(crate) fn load(conn: &rusqlite::Connection, arn: &str) -> Result<Policy, IamError> {
    if let Some(p) = aws_managed::find(arn) {
        return Ok(Policy::of_aws(p));
    }
    conn.query_row(
        &format!("SELECT {COLUMNS} FROM iam_policies WHERE arn = ?1"),
        params![arn],
        row,
    )
    .optional()?
    .ok_or_else(|| not_found(arn))
}

/// A customer managed policy, for the operations AWS's own refuse.
fn load_local(conn: &rusqlite::Connection, arn: &str) -> Result<Policy, IamError> {
    let policy = load(conn, arn)?;
    if policy.aws {
        return Err(IamError::access_denied(format!(
            "Policy {arn} is an AWS managed policy and cannot be changed."
        )));
    }
    Ok(policy)
}

pub(crate) fn require_attachable(conn: &rusqlite::Connection, arn: &str) -> Result<(), IamError> {
    load(conn, arn).map(|_| ())
}

fn attachment_count(
    conn: &rusqlite::Connection,
    account: &str,
    arn: &str,
) -> Result<i64, IamError> {
    Ok(conn.query_row(
        "SELECT COUNT(*) FROM iam_attachments WHERE account = ?1 AND policy_arn = ?2",
        params![account, arn],
        |r| r.get(0),
    )?)
}

fn version_out(version: &str, default: &str, created: &str, document: Option<&str>) -> Out {
    let mut out = Out::members();
    if let Some(doc) = document {
        out = out.document("Document", doc);
    }
    out.text("VersionId", version)
        .flag("IsDefaultVersion", version == default)
        .text("CreateDate", created)
}

/// CreatePolicy's input.
#[derive(Clone, Debug, Default)]
pub struct CreatePolicy {
    pub name: String,
    pub path: Option<String>,
    pub document: String,
    pub description: Option<String>,
    pub tags: Tags,
}

/// ListPolicies' filters.
#[derive(Clone, Debug, Default)]
pub struct ListPolicies {
    /// `All` (default), `AWS` or `Local`.
    pub scope: Option<String>,
    pub only_attached: bool,
    pub path_prefix: Option<String>,
    pub marker: Option<String>,
    pub max_items: Option<i64>,
}

impl IamService {
    pub fn create_policy(&self, account: &str, input: CreatePolicy) -> Result<Out, IamError> {
        check_name("policyName", &input.name, 128)?;
        let path = input.path.unwrap_or_else(|| "/".into());
        check_path(&path)?;
        validate(&input.document, Kind::Identity)?;
        let now = ids::now();
        let policy = Policy {
            arn: format!("arn:aws:iam::{account}:policy{path}{}", input.name),
            name: input.name,
            id: ids::unique_id("ANPA"),
            path,
            description: input.description,
            default_version: "v1".into(),
            created: now.clone(),
            updated: now,
            tags: merge_tags(Vec::new(), &input.tags)?,
            aws: false,
        };
        self.with(|conn| {
            let tx = conn.transaction()?;
            let exists: Option<String> = tx
                .query_row(
                    "SELECT arn FROM iam_policies WHERE account = ?1 AND name = ?2",
                    params![account, policy.name],
                    |r| r.get(0),
                )
                .optional()?;
            if exists.is_some() {
                return Err(IamError::already_exists(format!(
                    "A policy called {} already exists. Duplicate names are not allowed.",
                    policy.name
                )));
            }
            tx.execute(
                &format!("INSERT INTO iam_policies (account, {COLUMNS}, next_version) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 2)"),
                params![
                    account,
                    policy.name,
                    policy.arn,
                    policy.id,
                    policy.path,
                    policy.description,
                    policy.default_version,
                    policy.created,
                    policy.updated,
                    serde_json::to_string(&policy.tags).unwrap_or_default()
                ],
            )?;
            tx.execute(
                "INSERT INTO iam_policy_versions (arn, version, document, created) VALUES (?1, 'v1', ?2, ?3)",
                params![policy.arn, input.document, policy.created],
            )?;
            tx.commit()?;
            Ok(())
        })?;
        // CreatePolicy answers without the description.
        let mut out = policy.out(0, false);
        if !policy.tags.is_empty() {
            out = out.list("Tags", tags_out(&policy.tags));
        }
        Ok(Out::members().with("Policy", out))
    }

    pub fn get_policy(&self, account: &str, arn: &str) -> Result<Out, IamError> {
        self.with(|conn| {
            let policy = load(conn, arn)?;
            let count = attachment_count(conn, account, arn)?;
            Ok(Out::members().with("Policy", policy.out(count, true)))
        })
    }

    pub fn list_policies(&self, account: &str, input: ListPolicies) -> Result<Out, IamError> {
        let scope = input.scope.as_deref().unwrap_or("All");
        let prefix = input.path_prefix.as_deref().unwrap_or("/");
        let policies = self.with(|conn| {
            let mut all = Vec::new();
            if scope != "Local" {
                all.extend(aws_managed::POLICIES.iter().map(Policy::of_aws));
            }
            if scope != "AWS" {
                let mut stmt = conn.prepare(&format!(
                    "SELECT {COLUMNS} FROM iam_policies WHERE account = ?1"
                ))?;
                let rows = stmt.query_map(params![account], row)?;
                all.extend(rows.collect::<Result<Vec<_>, _>>()?);
            }
            let mut counted = Vec::new();
            for p in all {
                let count = attachment_count(conn, account, &p.arn)?;
                if p.path.starts_with(prefix) && (!input.only_attached || count > 0) {
                    counted.push((p, count));
                }
            }
            Ok(counted)
        })?;
        let mut policies = policies;
        policies.sort_by_key(|a| a.0.name.to_lowercase());
        let (policies, next) = page(policies, input.marker.as_deref(), input.max_items)?;
        Ok(Out::members()
            .list(
                "Policies",
                policies.iter().map(|(p, n)| p.out(*n, false)).collect(),
            )
            .paged(next))
    }

    pub fn delete_policy(&self, account: &str, arn: &str) -> Result<Out, IamError> {
        self.with(|conn| {
            let tx = conn.transaction()?;
            load_local(&tx, arn)?;
            if attachment_count(&tx, account, arn)? > 0 {
                return Err(IamError::delete_conflict(
                    "Cannot delete a policy attached to entities.",
                ));
            }
            let versions: i64 = tx.query_row(
                "SELECT COUNT(*) FROM iam_policy_versions WHERE arn = ?1",
                params![arn],
                |r| r.get(0),
            )?;
            if versions > 1 {
                return Err(IamError::delete_conflict(
                    "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.",
                ));
            }
            tx.execute("DELETE FROM iam_policy_versions WHERE arn = ?1", params![arn])?;
            tx.execute("DELETE FROM iam_policies WHERE arn = ?1", params![arn])?;
            tx.commit()?;
            Ok(Out::members())
        })
    }

    pub fn create_policy_version(
        &self,
        arn: &str,
        document: &str,
        set_as_default: bool,
    ) -> Result<Out, IamError> {
        validate(document, Kind::Identity)?;
        self.with(|conn| {
            let tx = conn.transaction()?;
            let policy = load_local(&tx, arn)?;
            let versions: i64 = tx.query_row(
                "SELECT COUNT(*) FROM iam_policy_versions WHERE arn = ?1",
                params![arn],
                |r| r.get(0),
            )?;
            if versions as usize >= MAX_VERSIONS {
                return Err(IamError::limit_exceeded(
                    "A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version.",
                ));
            }
            let next: i64 = tx.query_row(
                "SELECT next_version FROM iam_policies WHERE arn = ?1",
                params![arn],
                |r| r.get(0),
            )?;
            let version = format!("v{next}");
            let now = ids::now();
            tx.execute(
                "INSERT INTO iam_policy_versions (arn, version, document, created) VALUES (?1, ?2, ?3, ?4)",
                params![arn, version, document, now],
            )?;
            let default = if set_as_default { version.clone() } else { policy.default_version };
            tx.execute(
                "UPDATE iam_policies SET next_version = ?2, default_version = ?3, updated = ?4 WHERE arn = ?1",
                params![arn, next + 1, default, now],
            )?;
            tx.commit()?;
            Ok(Out::members().with("PolicyVersion", version_out(&version, &default, &now, None)))
        })
    }

    fn version_not_found(arn: &str, version: &str) -> IamError {
        IamError::no_such_entity(format!(
            "Policy {arn} version {version} does not exist or is not attachable."
        ))
    }

    pub fn get_policy_version(&self, arn: &str, version: &str) -> Result<Out, IamError> {
        self.with(|conn| {
            let policy = load(conn, arn)?;
            if let Some(p) = aws_managed::find(arn) {
                if version != p.version {
                    return Err(Self::version_not_found(arn, version));
                }
                let out = version_out(p.version, p.version, p.updated, Some(p.document));
                return Ok(Out::members().with("PolicyVersion", out));
            }
            let found: Option<(String, String)> = conn
                .query_row(
                    "SELECT document, created FROM iam_policy_versions WHERE arn = ?1 AND version = ?2",
                    params![arn, version],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            let (document, created) = found.ok_or_else(|| Self::version_not_found(arn, version))?;
            let out = version_out(version, &policy.default_version, &created, Some(&document));
            Ok(Out::members().with("PolicyVersion", out))
        })
    }

    pub fn list_policy_versions(
        &self,
        arn: &str,
        marker: Option<&str>,
        max_items: Option<i64>,
    ) -> Result<Out, IamError> {
        let versions = self.with(|conn| {
            let policy = load(conn, arn)?;
            if let Some(p) = aws_managed::find(arn) {
                return Ok(vec![version_out(p.version, p.version, p.updated, None)]);
            }
            let mut stmt = conn.prepare(
                "SELECT version, created FROM iam_policy_versions WHERE arn = ?1 ORDER BY CAST(substr(version, 2) AS INTEGER) DESC",
            )?;
            let rows = stmt.query_map(params![arn], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
            let rows = rows.collect::<Result<Vec<_>, _>>()?;
            Ok(rows
                .iter()
                .map(|(v, c)| version_out(v, &policy.default_version, c, None))
                .collect())
        })?;
        let (versions, next) = page(versions, marker, max_items)?;
        Ok(Out::members().list("Versions", versions).paged(next))
    }

    pub fn delete_policy_version(&self, arn: &str, version: &str) -> Result<Out, IamError> {
        self.with(|conn| {
            let policy = load_local(conn, arn)?;
            if policy.default_version == version {
                return Err(IamError::delete_conflict(
                    "Cannot delete the default version of a policy.",
                ));
            }
            let deleted = conn.execute(
                "DELETE FROM iam_policy_versions WHERE arn = ?1 AND version = ?2",
                params![arn, version],
            )?;
            if deleted == 0 {
                return Err(Self::version_not_found(arn, version));
            }
            Ok(Out::members())
        })
    }

    pub fn set_default_policy_version(&self, arn: &str, version: &str) -> Result<Out, IamError> {
        self.with(|conn| {
            load_local(conn, arn)?;
            let exists: Option<String> = conn
                .query_row(
                    "SELECT version FROM iam_policy_versions WHERE arn = ?1 AND version = ?2",
                    params![arn, version],
                    |r| r.get(0),
                )
                .optional()?;
            if exists.is_none() {
                return Err(Self::version_not_found(arn, version));
            }
            conn.execute(
                "UPDATE iam_policies SET default_version = ?2, updated = ?3 WHERE arn = ?1",
                params![arn, version, ids::now()],
            )?;
            Ok(Out::members())
        })
    }
}
