//! Managed policies attached to roles, users and groups.

use crate::owner::{require, Owner};
use crate::policies::load;
use crate::{page, IamError, IamService, Out};
use rusqlite::params;

impl IamService {
    pub(crate) fn attach(
        &self,
        owner: Owner,
        account: &str,
        name: &str,
        arn: &str,
    ) -> Result<Out, IamError> {
        self.with(|conn| {
            require(conn, owner, account, name)?;
            load(conn, arn)?;
            conn.execute(
                "INSERT OR IGNORE INTO iam_attachments (account, kind, owner, policy_arn) VALUES (?1, ?2, ?3, ?4)",
                params![account, owner.kind(), name, arn],
            )?;
            Ok(Out::members())
        })
    }

    pub(crate) fn detach(
        &self,
        owner: Owner,
        account: &str,
        name: &str,
        arn: &str,
    ) -> Result<Out, IamError> {
        self.with(|conn| {
            require(conn, owner, account, name)?;
            let removed = conn.execute(
                "DELETE FROM iam_attachments WHERE account = ?1 AND kind = ?2 AND owner = ?3 AND policy_arn = ?4",
                params![account, owner.kind(), name, arn],
            )?;
            if removed == 0 {
                return Err(IamError::no_such_entity(format!("Policy {arn} was not found.")));
            }
            Ok(Out::members())
        })
    }

    pub(crate) fn list_attached(
        &self,
        owner: Owner,
        account: &str,
        name: &str,
        path_prefix: Option<&str>,
        marker: Option<&str>,
        max_items: Option<i64>,
    ) -> Result<Out, IamError> {
        let prefix = path_prefix.unwrap_or("/");
        let attached = self.with(|conn| {
            require(conn, owner, account, name)?;
            let mut stmt = conn.prepare(
                "SELECT policy_arn FROM iam_attachments WHERE account = ?1 AND kind = ?2 AND owner = ?3 ORDER BY policy_arn",
            )?;
            let arns = stmt.query_map(params![account, owner.kind(), name], |r| r.get::<_, String>(0))?;
            let mut out = Vec::new();
            for arn in arns {
                if let Ok(p) = load(conn, &arn?) {
                    if p.path.starts_with(prefix) {
                        out.push(Out::members().text("PolicyName", p.name).text("PolicyArn", p.arn));
                    }
                }
            }
            Ok(out)
        })?;
        let (attached, next) = page(attached, marker, max_items)?;
        Ok(Out::members()
            .list("AttachedPolicies", attached)
            .paged(next))
    }

    pub fn attach_role_policy(
        &self,
        account: &str,
        role: &str,
        arn: &str,
    ) -> Result<Out, IamError> {
        self.attach(Owner::Role, account, role, arn)
    }
    pub fn detach_role_policy(
        &self,
        account: &str,
        role: &str,
        arn: &str,
    ) -> Result<Out, IamError> {
        self.detach(Owner::Role, account, role, arn)
    }
    pub fn list_attached_role_policies(
        &self,
        account: &str,
        role: &str,
        path_prefix: Option<&str>,
        marker: Option<&str>,
        max_items: Option<i64>,
    ) -> Result<Out, IamError> {
        self.list_attached(Owner::Role, account, role, path_prefix, marker, max_items)
    }

    pub fn list_entities_for_policy(&self, account: &str, arn: &str) -> Result<Out, IamError> {
        self.with(|conn| {
            load(conn, arn)?;
            let mut stmt = conn.prepare(
                "SELECT a.kind, a.owner, COALESCE(r.id, u.id, g.id) FROM iam_attachments a
                 LEFT JOIN iam_roles r ON a.kind = 'role' AND r.account = a.account AND r.name = a.owner
                 LEFT JOIN iam_users u ON a.kind = 'user' AND u.account = a.account AND u.name = a.owner
                 LEFT JOIN iam_groups g ON a.kind = 'group' AND g.account = a.account AND g.name = a.owner
                 WHERE a.account = ?1 AND a.policy_arn = ?2 ORDER BY a.owner",
            )?;
            let rows = stmt.query_map(params![account, arn], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, Option<String>>(2)?))
            })?;
            let (mut roles, mut users, mut groups) = (Vec::new(), Vec::new(), Vec::new());
            for entry in rows {
                let (kind, name, id) = entry?;
                let id = id.unwrap_or_default();
                match kind.as_str() {
                    "role" => roles.push(Out::members().text("RoleName", name).text("RoleId", id)),
                    "group" => groups.push(Out::members().text("GroupName", name).text("GroupId", id)),
                    _ => users.push(Out::members().text("UserName", name).text("UserId", id)),
                }
            }
            Ok(Out::members()
                .list("PolicyGroups", groups)
                .list("PolicyUsers", users)
                .list("PolicyRoles", roles)
                .flag("IsTruncated", false))
        })
    }
    pub fn attach_user_policy(
        &self,
        account: &str,
        user: &str,
        arn: &str,
    ) -> Result<Out, IamError> {
        self.attach(Owner::User, account, user, arn)
    }
    pub fn list_attached_user_policies(
        &self,
        account: &str,
        user: &str,
        path_prefix: Option<&str>,
        marker: Option<&str>,
        max_items: Option<i64>,
    ) -> Result<Out, IamError> {
        self.list_attached(Owner::User, account, user, path_prefix, marker, max_items)
    }
    pub fn detach_user_policy(
        &self,
        account: &str,
        user: &str,
        arn: &str,
    ) -> Result<Out, IamError> {
        self.detach(Owner::User, account, user, arn)
    }
    pub fn attach_group_policy(
        &self,
        account: &str,
        group: &str,
        arn: &str,
    ) -> Result<Out, IamError> {
        self.attach(Owner::Group, account, group, arn)
    }
    pub fn detach_group_policy(
        &self,
        account: &str,
        group: &str,
        arn: &str,
    ) -> Result<Out, IamError> {
        self.detach(Owner::Group, account, group, arn)
    }
    pub fn list_attached_group_policies(
        &self,
        account: &str,
        group: &str,
        path_prefix: Option<&str>,
        marker: Option<&str>,
        max_items: Option<i64>,
    ) -> Result<Out, IamError> {
        self.list_attached(Owner::Group, account, group, path_prefix, marker, max_items)
    }
}
