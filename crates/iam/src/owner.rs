//! Whose policies: a role's or a user's.

use crate::IamError;

/// `role` or `user`: whose inline policies.
#[derive(Clone, Copy)]
pub(crate) enum Owner {
    Role,
    User,
}

impl Owner {
    pub fn kind(self) -> &'static str {
        match self {
            Owner::Role => "role",
            Owner::User => "user",
        }
    }
    pub fn member(self) -> &'static str {
        match self {
            Owner::Role => "RoleName",
            Owner::User => "UserName",
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
    }
}
