//! Roles: their lifecycle, tags, and inline policies (shared with users).

use crate::document::{validate, Kind};
use crate::{check_name, check_path, ids, merge_tags, page, parse_tags, tags_out};
use crate::{IamError, IamService, Out, Tags};
use rusqlite::{params, OptionalExtension};

/// CreateRole's input.
#[derive(Clone, Debug, Default)]
pub struct CreateRole {
    pub name: String,
    pub path: Option<String>,
    pub trust: String,
    pub description: Option<String>,
    pub max_session: Option<i64>,
    pub boundary: Option<String>,
    pub tags: Tags,
}

/// A role as stored.
#[derive(Clone, Debug)]
pub(crate) struct Role {
    pub account: String,
    pub name: String,
    pub id: String,
    pub path: String,
    pub trust: String,
    pub description: Option<String>,
    pub max_session: i64,
    pub boundary: Option<String>,
    pub created: String,
    pub tags: Tags,
}

impl Role {
    pub fn arn(&self) -> String {
        format!(
            "arn:aws:iam::{}:role{}{}",
            self.account, self.path, self.name
        )
    }

    /// The Role shape; `full` adds what only GetRole (and CreateRole) answer.
    fn out(&self, full: bool) -> Out {
        let mut out = Out::members()
            .text("Path", &self.path)
            .text("RoleName", &self.name)
            .text("RoleId", &self.id)
            .text("Arn", self.arn())
            .text("CreateDate", &self.created)
            .document("AssumeRolePolicyDocument", &self.trust)
            .opt_text("Description", self.description.clone())
            .number("MaxSessionDuration", self.max_session);
        if full {
            if let Some(boundary) = &self.boundary {
                out = out.with(
                    "PermissionsBoundary",
                    Out::members()
                        .text("PermissionsBoundaryType", "Policy")
                        .text("PermissionsBoundaryArn", boundary),
                );
            }
            if !self.tags.is_empty() {
                out = out.list("Tags", tags_out(&self.tags));
            }
        }
        out
    }
}

const COLUMNS: &str =
    "account, name, id, path, trust, description, max_session, boundary, created, tags";

fn row(r: &rusqlite::Row) -> rusqlite::Result<Role> {
    Ok(Role {
        account: r.get(0)?,
        name: r.get(1)?,
        id: r.get(2)?,
        path: r.get(3)?,
        trust: r.get(4)?,
        description: r.get(5)?,
        max_session: r.get(6)?,
        boundary: r.get(7)?,
        created: r.get(8)?,
        tags: parse_tags(&r.get::<_, String>(9)?),
    })
}

pub(crate) fn load(
    conn: &rusqlite::Connection,
    account: &str,
    name: &str,
) -> Result<Role, IamError> {
    conn.query_row(
        &format!("SELECT {COLUMNS} FROM iam_roles WHERE account = ?1 AND name = ?2"),
        params![account, name],
        row,
    )
    .optional()?
    .ok_or_else(|| IamError::no_such_entity(format!("The role with name {name} cannot be found.")))
}

fn check_max_session(seconds: i64) -> Result<(), IamError> {
    if (3600..=43200).contains(&seconds) {
        return Ok(());
    }
    let bound = if seconds < 3600 {
        "greater than or equal to 3600"
    } else {
        "less than or equal to 43200"
    };
    Err(IamError::validation(format!(
        "1 validation error detected: Value '{seconds}' at 'maxSessionDuration' failed to satisfy constraint: Member must have value {bound}"
    )))
}

impl IamService {
    pub fn create_role(&self, account: &str, input: CreateRole) -> Result<Out, IamError> {
        check_name("roleName", &input.name, 64)?;
        let path = input.path.unwrap_or_else(|| "/".into());
        check_path(&path)?;
        validate(&input.trust, Kind::Trust)?;
        let max_session = input.max_session.unwrap_or(3600);
        check_max_session(max_session)?;
        let tags = merge_tags(Vec::new(), &input.tags)?;
        let role = Role {
            account: account.into(),
            name: input.name,
            id: ids::unique_id("AROA"),
            path,
            trust: input.trust,
            description: input.description,
            max_session,
            boundary: input.boundary,
            created: ids::now(),
            tags,
        };
        self.with(|conn| {
            if let Some(arn) = &role.boundary {
                crate::policies::require_attachable(conn, arn)?;
            }
            let exists: Option<String> = conn
                .query_row(
                    "SELECT name FROM iam_roles WHERE account = ?1 AND name = ?2",
                    params![account, role.name],
                    |r| r.get(0),
                )
                .optional()?;
            if exists.is_some() {
                return Err(IamError::already_exists(format!(
                    "Role with name {} already exists.",
                    role.name
                )));
            }
            conn.execute(
                &format!("INSERT INTO iam_roles ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"),
                params![
                    role.account,
                    role.name,
                    role.id,
                    role.path,
                    role.trust,
                    role.description,
                    role.max_session,
                    role.boundary,
                    role.created,
                    serde_json::to_string(&role.tags).unwrap_or_default()
                ],
            )?;
            Ok(())
        })?;
        Ok(Out::members().with("Role", role.out(true)))
    }

    pub fn get_role(&self, account: &str, name: &str) -> Result<Out, IamError> {
        let role = self.with(|conn| load(conn, account, name))?;
        let full = role.out(true).with("RoleLastUsed", Out::members());
        Ok(Out::members().with("Role", full))
    }

    /// The trust policy of the role with this ARN, if laminar's IAM has it.
    pub fn trust_policy_of(&self, role_arn: &str) -> Option<String> {
        let (account, name) = split_role_arn(role_arn)?;
        self.with(|conn| load(conn, &account, &name))
            .ok()
            .filter(|role| role.arn() == role_arn)
            .map(|role| role.trust)
    }

    pub fn list_roles(
        &self,
        account: &str,
        path_prefix: Option<&str>,
        marker: Option<&str>,
        max_items: Option<i64>,
    ) -> Result<Out, IamError> {
        let prefix = path_prefix.unwrap_or("/");
        let roles = self.with(|conn| {
            let mut stmt = conn.prepare(&format!(
                "SELECT {COLUMNS} FROM iam_roles WHERE account = ?1 ORDER BY name COLLATE NOCASE"
            ))?;
            let rows = stmt.query_map(params![account], row)?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })?;
        let roles: Vec<Role> = roles
            .into_iter()
            .filter(|r| r.path.starts_with(prefix))
            .collect();
        let (roles, next) = page(roles, marker, max_items)?;
        Ok(Out::members()
            .list("Roles", roles.iter().map(|r| r.out(false)).collect())
            .paged(next))
    }

    pub fn update_role(
        &self,
        account: &str,
        name: &str,
        description: Option<String>,
        max_session: Option<i64>,
    ) -> Result<Out, IamError> {
        if let Some(seconds) = max_session {
            check_max_session(seconds)?;
        }
        self.with(|conn| {
            let role = load(conn, account, name)?;
            conn.execute(
                "UPDATE iam_roles SET description = ?3, max_session = ?4 WHERE account = ?1 AND name = ?2",
                params![
                    account,
                    name,
                    description.or(role.description),
                    max_session.unwrap_or(role.max_session)
                ],
            )?;
            Ok(Out::members())
        })
    }

    pub fn update_assume_role_policy(
        &self,
        account: &str,
        name: &str,
        document: &str,
    ) -> Result<Out, IamError> {
        validate(document, Kind::Trust)?;
        self.with(|conn| {
            load(conn, account, name)?;
            conn.execute(
                "UPDATE iam_roles SET trust = ?3 WHERE account = ?1 AND name = ?2",
                params![account, name, document],
            )?;
            Ok(Out::members())
        })
    }

    pub fn delete_role(&self, account: &str, name: &str) -> Result<Out, IamError> {
        self.with(|conn| {
            let tx = conn.transaction()?;
            load(&tx, account, name)?;
            let count = |sql: &str| -> Result<i64, IamError> {
                Ok(tx.query_row(sql, params![account, name], |r| r.get(0))?)
            };
            if count("SELECT COUNT(*) FROM iam_attachments WHERE account = ?1 AND kind = 'role' AND owner = ?2")? > 0 {
                return Err(IamError::delete_conflict(
                    "Cannot delete entity, must detach all policies first.",
                ));
            }
            if count("SELECT COUNT(*) FROM iam_inline_policies WHERE account = ?1 AND kind = 'role' AND owner = ?2")? > 0 {
                return Err(IamError::delete_conflict(
                    "Cannot delete entity, must delete policies first.",
                ));
            }
            tx.execute(
                "DELETE FROM iam_roles WHERE account = ?1 AND name = ?2",
                params![account, name],
            )?;
            tx.commit()?;
            Ok(Out::members())
        })
    }

    pub fn tag_role(&self, account: &str, name: &str, tags: &Tags) -> Result<Out, IamError> {
        self.with(|conn| {
            let role = load(conn, account, name)?;
            let tags = merge_tags(role.tags, tags)?;
            conn.execute(
                "UPDATE iam_roles SET tags = ?3 WHERE account = ?1 AND name = ?2",
                params![
                    account,
                    name,
                    serde_json::to_string(&tags).unwrap_or_default()
                ],
            )?;
            Ok(Out::members())
        })
    }

    pub fn untag_role(&self, account: &str, name: &str, keys: &[String]) -> Result<Out, IamError> {
        self.with(|conn| {
            let mut role = load(conn, account, name)?;
            role.tags.retain(|(k, _)| !keys.contains(k));
            conn.execute(
                "UPDATE iam_roles SET tags = ?3 WHERE account = ?1 AND name = ?2",
                params![
                    account,
                    name,
                    serde_json::to_string(&role.tags).unwrap_or_default()
                ],
            )?;
            Ok(Out::members())
        })
    }

    pub fn list_role_tags(
        &self,
        account: &str,
        name: &str,
        marker: Option<&str>,
        max_items: Option<i64>,
    ) -> Result<Out, IamError> {
        let role = self.with(|conn| load(conn, account, name))?;
        let (tags, next) = page(role.tags, marker, max_items)?;
        Ok(Out::members().list("Tags", tags_out(&tags)).paged(next))
    }

    /// laminar keeps no instance profiles (they serve EC2), so a role is in
    /// none; deployment tools (Ansible's iam_role) ask before DeleteRole.
    pub fn list_instance_profiles_for_role(
        &self,
        account: &str,
        name: &str,
        marker: Option<&str>,
        max_items: Option<i64>,
    ) -> Result<Out, IamError> {
        self.with(|conn| load(conn, account, name))?;
        let (profiles, next) = page(Vec::<Out>::new(), marker, max_items)?;
        Ok(Out::members()
            .list("InstanceProfiles", profiles)
            .paged(next))
    }
}

/// `arn:aws:iam::ACCOUNT:role/path/NAME` → (account, name).
pub(crate) fn split_role_arn(arn: &str) -> Option<(String, String)> {
    let rest = arn.strip_prefix("arn:aws:iam::")?;
    let (account, resource) = rest.split_once(':')?;
    let path = resource.strip_prefix("role/")?;
    let name = path.rsplit('/').next()?;
    (!name.is_empty()).then(|| (account.to_string(), name.to_string()))
}
