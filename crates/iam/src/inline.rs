//! Inline policies of roles, users and groups.

use crate::document::{validate, Kind};
use crate::owner::{require, Owner};
use crate::{check_name, page, IamError, IamService, Out};
use rusqlite::{params, OptionalExtension};

impl IamService {
    pub(crate) fn put_inline(
        &self,
        owner: Owner,
        account: &str,
        name: &str,
        policy: &str,
        document: &str,
    ) -> Result<Out, IamError> {
        check_name("policyName", policy, 128)?;
        validate(document, Kind::Identity)?;
        self.with(|conn| {
            require(conn, owner, account, name)?;
            conn.execute(
                "INSERT INTO iam_inline_policies (account, kind, owner, name, document) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (account, kind, owner, name) DO UPDATE SET document = excluded.document",
                params![account, owner.kind(), name, policy, document],
            )?;
            Ok(Out::members())
        })
    }

    pub(crate) fn get_inline(
        &self,
        owner: Owner,
        account: &str,
        name: &str,
        policy: &str,
    ) -> Result<Out, IamError> {
        self.with(|conn| {
            require(conn, owner, account, name)?;
            let found: Option<(String, String, String)> = conn
                .query_row(
                    "SELECT owner, name, document FROM iam_inline_policies WHERE account = ?1 AND kind = ?2 AND owner = ?3 AND name = ?4",
                    params![account, owner.kind(), name, policy],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()?;
            let (owner_name, policy_name, document) = found.ok_or_else(|| {
                IamError::no_such_entity(format!(
                    "The {} policy with name {policy} cannot be found.",
                    owner.kind()
                ))
            })?;
            Ok(Out::members()
                .text(owner.member(), owner_name)
                .text("PolicyName", policy_name)
                .document("PolicyDocument", document))
        })
    }

    pub(crate) fn delete_inline(
        &self,
        owner: Owner,
        account: &str,
        name: &str,
        policy: &str,
    ) -> Result<Out, IamError> {
        self.with(|conn| {
            require(conn, owner, account, name)?;
            let deleted = conn.execute(
                "DELETE FROM iam_inline_policies WHERE account = ?1 AND kind = ?2 AND owner = ?3 AND name = ?4",
                params![account, owner.kind(), name, policy],
            )?;
            if deleted == 0 {
                return Err(IamError::no_such_entity(format!(
                    "The {} policy with name {policy} cannot be found.",
                    owner.kind()
                )));
            }
            Ok(Out::members())
        })
    }

    pub(crate) fn list_inline(
        &self,
        owner: Owner,
        account: &str,
        name: &str,
        marker: Option<&str>,
        max_items: Option<i64>,
    ) -> Result<Out, IamError> {
        let names = self.with(|conn| {
            require(conn, owner, account, name)?;
            let mut stmt = conn.prepare(
                "SELECT name FROM iam_inline_policies WHERE account = ?1 AND kind = ?2 AND owner = ?3 ORDER BY name",
            )?;
            let rows = stmt.query_map(params![account, owner.kind(), name], |r| r.get::<_, String>(0))?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })?;
        let (names, next) = page(names, marker, max_items)?;
        Ok(Out::members()
            .list("PolicyNames", names.into_iter().map(Out::Text).collect())
            .paged(next))
    }

    pub fn put_role_policy(
        &self,
        account: &str,
        role: &str,
        policy: &str,
        document: &str,
    ) -> Result<Out, IamError> {
        self.put_inline(Owner::Role, account, role, policy, document)
    }
    pub fn get_role_policy(
        &self,
        account: &str,
        role: &str,
        policy: &str,
    ) -> Result<Out, IamError> {
        self.get_inline(Owner::Role, account, role, policy)
    }
    pub fn delete_role_policy(
        &self,
        account: &str,
        role: &str,
        policy: &str,
    ) -> Result<Out, IamError> {
        self.delete_inline(Owner::Role, account, role, policy)
    }
    pub fn list_role_policies(
        &self,
        account: &str,
        role: &str,
        marker: Option<&str>,
        max_items: Option<i64>,
    ) -> Result<Out, IamError> {
        self.list_inline(Owner::Role, account, role, marker, max_items)
    }
    pub fn put_user_policy(
        &self,
        account: &str,
        user: &str,
        policy: &str,
        document: &str,
    ) -> Result<Out, IamError> {
        self.put_inline(Owner::User, account, user, policy, document)
    }
    pub fn get_user_policy(
        &self,
        account: &str,
        user: &str,
        policy: &str,
    ) -> Result<Out, IamError> {
        self.get_inline(Owner::User, account, user, policy)
    }
    pub fn delete_user_policy(
        &self,
        account: &str,
        user: &str,
        policy: &str,
    ) -> Result<Out, IamError> {
        self.delete_inline(Owner::User, account, user, policy)
    }
    pub fn list_user_policies(
        &self,
        account: &str,
        user: &str,
        marker: Option<&str>,
        max_items: Option<i64>,
    ) -> Result<Out, IamError> {
        self.list_inline(Owner::User, account, user, marker, max_items)
    }
    pub fn put_group_policy(
        &self,
        account: &str,
        group: &str,
        policy: &str,
        document: &str,
    ) -> Result<Out, IamError> {
        self.put_inline(Owner::Group, account, group, policy, document)
    }
    pub fn get_group_policy(
        &self,
        account: &str,
        group: &str,
        policy: &str,
    ) -> Result<Out, IamError> {
        self.get_inline(Owner::Group, account, group, policy)
    }
    pub fn delete_group_policy(
        &self,
        account: &str,
        group: &str,
        policy: &str,
    ) -> Result<Out, IamError> {
        self.delete_inline(Owner::Group, account, group, policy)
    }
    pub fn list_group_policies(
        &self,
        account: &str,
        group: &str,
        marker: Option<&str>,
        max_items: Option<i64>,
    ) -> Result<Out, IamError> {
        self.list_inline(Owner::Group, account, group, marker, max_items)
    }
}
