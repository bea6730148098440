//! Groups: their lifecycle and their members. Their inline and attached
//! policies (`Owner::Group`, in `inline.rs` and `attachments.rs`) count
//! among each member's policies.

use crate::{check_name, check_path, ids, page, users};
use crate::{IamError, IamService, Out};
use rusqlite::{params, OptionalExtension};

pub(crate) struct Group {
    pub account: String,
    pub name: String,
    pub id: String,
    pub path: String,
    pub created: String,
}

impl Group {
    pub fn arn(&self) -> String {
        format!(
            "arn:aws:iam::{}:group{}{}",
            self.account, self.path, self.name
        )
    }

    fn out(&self) -> Out {
        Out::members()
            .text("Path", &self.path)
            .text("GroupName", &self.name)
            .text("GroupId", &self.id)
            .text("Arn", self.arn())
            .text("CreateDate", &self.created)
    }
}

const COLUMNS: &str = "account, name, id, path, created";

fn row(r: &rusqlite::Row) -> rusqlite::Result<Group> {
    Ok(Group {
        account: r.get(0)?,
        name: r.get(1)?,
        id: r.get(2)?,
        path: r.get(3)?,
        created: r.get(4)?,
    })
}

pub(crate) fn load(
    conn: &rusqlite::Connection,
    account: &str,
    name: &str,
) -> Result<Group, IamError> {
    conn.query_row(
        &format!("SELECT {COLUMNS} FROM iam_groups WHERE account = ?1 AND name = ?2"),
        params![account, name],
        row,
    )
    .optional()?
    .ok_or_else(|| IamError::no_such_entity(format!("The group with name {name} cannot be found.")))
}

/// The names of the groups `user` is a member of.
pub(crate) fn groups_of(
    conn: &rusqlite::Connection,
    account: &str,
    user: &str,
) -> Result<Vec<String>, IamError> {
    let mut stmt = conn.prepare(
        "SELECT group_name FROM iam_group_members WHERE account = ?1 AND user = ?2 ORDER BY group_name COLLATE NOCASE",
    )?;
    let rows = stmt.query_map(params![account, user], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

impl IamService {
    pub fn create_group(
        &self,
        account: &str,
        name: &str,
        path: Option<String>,
    ) -> Result<Out, IamError> {
        check_name("groupName", name, 128)?;
        let path = path.unwrap_or_else(|| "/".into());
        check_path(&path)?;
        let group = Group {
            account: account.into(),
            name: name.into(),
            id: ids::unique_id("AGPA"),
            path,
            created: ids::now(),
        };
        self.with(|conn| {
            if load(conn, account, name).is_ok() {
                return Err(IamError::already_exists(format!(
                    "Group with name {name} already exists."
                )));
            }
            conn.execute(
                &format!("INSERT INTO iam_groups ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5)"),
                params![
                    group.account,
                    group.name,
                    group.id,
                    group.path,
                    group.created
                ],
            )?;
            Ok(())
        })?;
        Ok(Out::members().with("Group", group.out()))
    }

    /// GetGroup: the group and its users, paged.
    pub fn get_group(
        &self,
        account: &str,
        name: &str,
        marker: Option<&str>,
        max_items: Option<i64>,
    ) -> Result<Out, IamError> {
        let (group, members) = self.with(|conn| {
            let group = load(conn, account, name)?;
            let names: Vec<String> = conn
                .prepare(
                    "SELECT user FROM iam_group_members WHERE account = ?1 AND group_name = ?2 ORDER BY user COLLATE NOCASE",
                )?
                .query_map(params![account, group.name], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            let mut members = Vec::new();
            for user in names {
                if let Ok(u) = users::load(conn, account, &user) {
                    members.push(u.out(false));
                }
            }
            Ok((group, members))
        })?;
        let (members, next) = page(members, marker, max_items)?;
        Ok(Out::members()
            .with("Group", group.out())
            .list("Users", members)
            .paged(next))
    }

    pub fn list_groups(
        &self,
        account: &str,
        path_prefix: Option<&str>,
        marker: Option<&str>,
        max_items: Option<i64>,
    ) -> Result<Out, IamError> {
        let prefix = path_prefix.unwrap_or("/");
        let groups = self.with(|conn| {
            let mut stmt = conn.prepare(&format!(
                "SELECT {COLUMNS} FROM iam_groups WHERE account = ?1 ORDER BY name COLLATE NOCASE"
            ))?;
            let rows = stmt.query_map(params![account], row)?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })?;
        let groups: Vec<Out> = groups
            .iter()
            .filter(|g| g.path.starts_with(prefix))
            .map(Group::out)
            .collect();
        let (groups, next) = page(groups, marker, max_items)?;
        Ok(Out::members().list("Groups", groups).paged(next))
    }

    /// DeleteGroup: refused while the group has members or policies.
    pub fn delete_group(&self, account: &str, name: &str) -> Result<Out, IamError> {
        self.with(|conn| {
            let tx = conn.transaction()?;
            let group = load(&tx, account, name)?;
            let count = |sql: &str| -> Result<i64, IamError> {
                Ok(tx.query_row(sql, params![account, group.name], |r| r.get(0))?)
            };
            if count("SELECT COUNT(*) FROM iam_group_members WHERE account = ?1 AND group_name = ?2")? > 0 {
                return Err(IamError::delete_conflict("Cannot delete entity, must remove users from group first."));
            }
            if count("SELECT COUNT(*) FROM iam_attachments WHERE account = ?1 AND kind = 'group' AND owner = ?2")? > 0 {
                return Err(IamError::delete_conflict("Cannot delete entity, must detach all policies first."));
            }
            if count("SELECT COUNT(*) FROM iam_inline_policies WHERE account = ?1 AND kind = 'group' AND owner = ?2")? > 0 {
                return Err(IamError::delete_conflict("Cannot delete entity, must delete policies first."));
            }
            tx.execute(
                "DELETE FROM iam_groups WHERE account = ?1 AND name = ?2",
                params![account, group.name],
            )?;
            tx.commit()?;
            Ok(Out::members())
        })
    }

    pub fn add_user_to_group(
        &self,
        account: &str,
        group: &str,
        user: &str,
    ) -> Result<Out, IamError> {
        self.with(|conn| {
            let group = load(conn, account, group)?;
            let user = users::load(conn, account, user)?;
            conn.execute(
                "INSERT OR IGNORE INTO iam_group_members (account, group_name, user) VALUES (?1, ?2, ?3)",
                params![account, group.name, user.name],
            )?;
            Ok(Out::members())
        })
    }

    pub fn remove_user_from_group(
        &self,
        account: &str,
        group: &str,
        user: &str,
    ) -> Result<Out, IamError> {
        self.with(|conn| {
            let group = load(conn, account, group)?;
            let user = users::load(conn, account, user)?;
            let removed = conn.execute(
                "DELETE FROM iam_group_members WHERE account = ?1 AND group_name = ?2 AND user = ?3",
                params![account, group.name, user.name],
            )?;
            if removed == 0 {
                return Err(IamError::no_such_entity(format!(
                    "The user with name {} cannot be found.",
                    user.name
                )));
            }
            Ok(Out::members())
        })
    }

    pub fn list_groups_for_user(
        &self,
        account: &str,
        user: &str,
        marker: Option<&str>,
        max_items: Option<i64>,
    ) -> Result<Out, IamError> {
        let groups = self.with(|conn| {
            let user = users::load(conn, account, user)?;
            let mut out = Vec::new();
            for name in groups_of(conn, account, &user.name)? {
                out.push(load(conn, account, &name)?.out());
            }
            Ok(out)
        })?;
        let (groups, next) = page(groups, marker, max_items)?;
        Ok(Out::members().list("Groups", groups).paged(next))
    }
}
