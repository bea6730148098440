//! Whose policies: a role's, a user's or a group's.

use crate::IamError;

/// `role`, `user` or `group`: whose inline and attached policies.
#[derive(Clone, Copy)]
pub(crate) enum Owner {
    Role,
    User,
    Group,
}

impl Owner {
    pub fn kind(self) -> &'static str {
        match self {
            Owner::Role => "role",
            Owner::User => "user",
            Owner::Group => "group",
        }
    }
    pub fn member(self) -> &'static str {
        match self {
            Owner::Role => "RoleName",
            Owner::User => "UserName",
            Owner::Group => "GroupName",
        }
    }
}

/// The owner exists (NoSuchEntity otherwise); its stored name.
pub(crate) fn require(
    conn: &rusqlite::Connection,
    owner: Owner,
    account: &str,
    name: &str,
) -> Result<String, IamError> {
    match owner {
        Owner::Role => crate::roles::load(conn, account, name).map(|r| r.name),
        Owner::User => crate::users::load(conn, account, name).map(|u| u.name),
        Owner::Group => crate::groups::load(conn, account, name).map(|g| g.name),
    }
}
