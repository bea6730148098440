//! Users and their access keys: enough for a second identity in tests.

use crate::{check_name, check_path, ids, merge_tags, page, parse_tags, tags_out};
use crate::{IamError, IamService, Out, Tags};
use rusqlite::{params, OptionalExtension};

pub(crate) struct User {
    pub account: String,
    pub name: String,
    pub id: String,
    pub path: String,
    pub created: String,
    pub tags: Tags,
}

impl User {
    pub fn arn(&self) -> String {
        format!(
            "arn:aws:iam::{}:user{}{}",
            self.account, self.path, self.name
        )
    }

    pub(crate) fn out(&self, full: bool) -> Out {
        let mut out = Out::members()
            .text("Path", &self.path)
            .text("UserName", &self.name)
            .text("UserId", &self.id)
            .text("Arn", self.arn())
            .text("CreateDate", &self.created);
        if full && !self.tags.is_empty() {
            out = out.list("Tags", tags_out(&self.tags));
        }
        out
    }
}

const COLUMNS: &str = "account, name, id, path, created, tags";

fn row(r: &rusqlite::Row) -> rusqlite::Result<User> {
    Ok(User {
        account: r.get(0)?,
        name: r.get(1)?,
        id: r.get(2)?,
        path: r.get(3)?,
        created: r.get(4)?,
        tags: parse_tags(&r.get::<_, String>(5)?),
    })
}

pub(crate) fn load(
    conn: &rusqlite::Connection,
    account: &str,
    name: &str,
) -> Result<User, IamError> {
    conn.query_row(
        &format!("SELECT {COLUMNS} FROM iam_users WHERE account = ?1 AND name = ?2"),
        params![account, name],
        row,
    )
    .optional()?
    .ok_or_else(|| IamError::no_such_entity(format!("The user with name {name} cannot be found.")))
}

/// The owner of an IAM access key: (account, user name, user id, user ARN).
pub(crate) fn key_owner(
    conn: &rusqlite::Connection,
    key_id: &str,
) -> Result<Option<(String, String, String)>, IamError> {
    let found: Option<(String, String)> = conn
        .query_row(
            "SELECT account, user FROM iam_access_keys WHERE key_id = ?1 AND status = 'Active'",
            params![key_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let Some((account, name)) = found else {
        return Ok(None);
    };
    let user = load(conn, &account, &name)?;
    Ok(Some((account, user.id.clone(), user.arn())))
}

impl IamService {
    pub fn create_user(
        &self,
        account: &str,
        name: &str,
        path: Option<String>,
        tags: &Tags,
    ) -> Result<Out, IamError> {
        check_name("userName", name, 64)?;
        let path = path.unwrap_or_else(|| "/".into());
        check_path(&path)?;
        let user = User {
            account: account.into(),
            name: name.into(),
            id: ids::unique_id("AIDA"),
            path,
            created: ids::now(),
            tags: merge_tags(Vec::new(), tags)?,
        };
        self.with(|conn| {
            if load(conn, account, name).is_ok() {
                return Err(IamError::already_exists(format!(
                    "User with name {name} already exists."
                )));
            }
            conn.execute(
                &format!("INSERT INTO iam_users ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"),
                params![
                    user.account,
                    user.name,
                    user.id,
                    user.path,
                    user.created,
                    serde_json::to_string(&user.tags).unwrap_or_default()
                ],
            )?;
            Ok(())
        })?;
        Ok(Out::members().with("User", user.out(true)))
    }

    pub fn get_user(&self, account: &str, name: &str) -> Result<Out, IamError> {
        let user = self.with(|conn| load(conn, account, name))?;
        Ok(Out::members().with("User", user.out(true)))
    }

    pub fn list_users(
        &self,
        account: &str,
        path_prefix: Option<&str>,
        marker: Option<&str>,
        max_items: Option<i64>,
    ) -> Result<Out, IamError> {
        let prefix = path_prefix.unwrap_or("/");
        let users = self.with(|conn| {
            let mut stmt = conn.prepare(&format!(
                "SELECT {COLUMNS} FROM iam_users WHERE account = ?1 ORDER BY name COLLATE NOCASE"
            ))?;
            let rows = stmt.query_map(params![account], row)?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })?;
        let users: Vec<User> = users
            .into_iter()
            .filter(|u| u.path.starts_with(prefix))
            .collect();
        let (users, next) = page(users, marker, max_items)?;
        Ok(Out::members()
            .list("Users", users.iter().map(|u| u.out(false)).collect())
            .paged(next))
    }

    pub fn delete_user(&self, account: &str, name: &str) -> Result<Out, IamError> {
        self.with(|conn| {
            let tx = conn.transaction()?;
            load(&tx, account, name)?;
            let count = |sql: &str| -> Result<i64, IamError> {
                Ok(tx.query_row(sql, params![account, name], |r| r.get(0))?)
            };
            if count("SELECT COUNT(*) FROM iam_access_keys WHERE account = ?1 AND user = ?2")? > 0 {
                return Err(IamError::delete_conflict("Cannot delete entity, must delete access keys first."));
            }
            if count("SELECT COUNT(*) FROM iam_group_members WHERE account = ?1 AND user = ?2")? > 0 {
                return Err(IamError::delete_conflict("Cannot delete entity, must remove users from group first."));
            }
            if count("SELECT COUNT(*) FROM iam_attachments WHERE account = ?1 AND kind = 'user' AND owner = ?2")? > 0 {
                return Err(IamError::delete_conflict("Cannot delete entity, must detach all policies first."));
            }
            if count("SELECT COUNT(*) FROM iam_inline_policies WHERE account = ?1 AND kind = 'user' AND owner = ?2")? > 0 {
                return Err(IamError::delete_conflict("Cannot delete entity, must delete policies first."));
            }
            tx.execute("DELETE FROM iam_users WHERE account = ?1 AND name = ?2", params![account, name])?;
            tx.commit()?;
            Ok(Out::members())
        })
    }

    pub fn create_access_key(&self, account: &str, user: &str) -> Result<Out, IamError> {
        self.with(|conn| {
            let user = load(conn, account, user)?;
            let keys: i64 = conn.query_row(
                "SELECT COUNT(*) FROM iam_access_keys WHERE account = ?1 AND user = ?2",
                params![account, user.name],
                |r| r.get(0),
            )?;
            if keys >= 2 {
                return Err(IamError::limit_exceeded("Cannot exceed quota for AccessKeysPerUser: 2"));
            }
            let (key_id, secret, created) = (ids::access_key_id("AKIA"), ids::secret(), ids::now());
            conn.execute(
                "INSERT INTO iam_access_keys (key_id, account, user, secret, status, created) VALUES (?1, ?2, ?3, ?4, 'Active', ?5)",
                params![key_id, account, user.name, secret, created],
            )?;
            self.remember_key(&key_id, account);
            Ok(Out::members().with(
                "AccessKey",
                Out::members()
                    .text("UserName", user.name)
                    .text("AccessKeyId", key_id)
                    .text("Status", "Active")
                    .text("SecretAccessKey", secret)
                    .text("CreateDate", created),
            ))
        })
    }

    pub fn list_access_keys(&self, account: &str, user: &str) -> Result<Out, IamError> {
        self.with(|conn| {
            let user = load(conn, account, user)?;
            let mut stmt = conn.prepare(
                "SELECT key_id, status, created FROM iam_access_keys WHERE account = ?1 AND user = ?2 ORDER BY created, key_id",
            )?;
            let rows = stmt.query_map(params![account, user.name], |r| {
                Ok(Out::members()
                    .text("UserName", &user.name)
                    .text("AccessKeyId", r.get::<_, String>(0)?)
                    .text("Status", r.get::<_, String>(1)?)
                    .text("CreateDate", r.get::<_, String>(2)?))
            })?;
            let keys = rows.collect::<Result<Vec<_>, _>>()?;
            Ok(Out::members().list("AccessKeyMetadata", keys).flag("IsTruncated", false))
        })
    }

    pub fn delete_access_key(
        &self,
        account: &str,
        user: &str,
        key_id: &str,
    ) -> Result<Out, IamError> {
        self.with(|conn| {
            let user = load(conn, account, user)?;
            let deleted = conn.execute(
                "DELETE FROM iam_access_keys WHERE account = ?1 AND user = ?2 AND key_id = ?3",
                params![account, user.name, key_id],
            )?;
            if deleted == 0 {
                return Err(IamError::no_such_entity(format!(
                    "The Access Key with id {key_id} cannot be found."
                )));
            }
            self.forget_key(key_id);
            Ok(Out::members())
        })
    }
}
