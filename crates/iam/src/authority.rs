//! What the enforcing mode asks of IAM: the secret behind an access key and
//! whose it is, and the policies that bear on an identity (inline and
//! attached, a user's groups', and a role's permissions boundary).

use crate::evaluate::{evaluate, Context, Identity, Policies, Policy, Request};
use crate::{aws_managed, IamError, IamService};
use rusqlite::{params, OptionalExtension};

/// An access key IAM issued: a user's long-term key or an STS session's.
#[derive(Clone, Debug)]
pub struct SigningKey {
    pub secret: String,
    /// The session token a request with an STS key must carry.
    pub session_token: Option<String>,
    /// When an STS session ends (seconds since the epoch).
    pub expires: Option<i64>,
    pub identity: Identity,
}

/// The document of a managed policy's default version.
pub(crate) fn managed_document(
    conn: &rusqlite::Connection,
    arn: &str,
) -> Result<Option<String>, IamError> {
    if let Some(p) = aws_managed::find(arn) {
        return Ok(Some(p.document.to_string()));
    }
    Ok(conn
        .query_row(
            "SELECT v.document FROM iam_policies p JOIN iam_policy_versions v
               ON v.arn = p.arn AND v.version = p.default_version WHERE p.arn = ?1",
            params![arn],
            |r| r.get(0),
        )
        .optional()?)
}

/// A role's, user's or group's inline and attached policies.
fn policies_of(
    conn: &rusqlite::Connection,
    account: &str,
    kind: &str,
    owner: &str,
) -> Result<Vec<Policy>, IamError> {
    let mut documents: Vec<String> = conn
        .prepare("SELECT document FROM iam_inline_policies WHERE account = ?1 AND kind = ?2 AND owner = ?3")?
        .query_map(params![account, kind, owner], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let attached: Vec<String> = conn
        .prepare("SELECT policy_arn FROM iam_attachments WHERE account = ?1 AND kind = ?2 AND owner = ?3")?
        .query_map(params![account, kind, owner], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    for arn in attached {
        documents.extend(managed_document(conn, &arn)?);
    }
    Ok(documents.iter().map(|d| Policy::parse(d)).collect())
}

impl IamService {
    /// The key `key_id` if IAM issued it (an inactive user key is unknown).
    pub fn signing_key(&self, key_id: &str) -> Result<Option<SigningKey>, IamError> {
        self.with(|conn| {
            let user: Option<(String, String, String, String, String)> = conn
                .query_row(
                    "SELECT k.secret, u.account, u.name, u.id, u.path FROM iam_access_keys k
                       JOIN iam_users u ON u.account = k.account AND u.name = k.user
                      WHERE k.key_id = ?1 AND k.status = 'Active'",
                    params![key_id],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
                )
                .optional()?;
            if let Some((secret, account, name, user_id, path)) = user {
                return Ok(Some(SigningKey {
                    secret,
                    session_token: None,
                    expires: None,
                    identity: Identity::User {
                        arn: format!("arn:aws:iam::{account}:user{path}{name}"),
                        account,
                        name,
                        user_id,
                    },
                }));
            }
            let session: Option<(String, String, String, String, String, String, i64)> = conn
                .query_row(
                    "SELECT s.secret, s.token, s.account, s.role_name, s.role_id, s.session_name, s.expires
                       FROM sts_sessions s WHERE s.key_id = ?1",
                    params![key_id],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?)),
                )
                .optional()?;
            let Some((secret, token, account, role, role_id, session, expires)) = session else {
                return Ok(None);
            };
            let path: String = conn
                .query_row(
                    "SELECT path FROM iam_roles WHERE account = ?1 AND name = ?2",
                    params![account, role],
                    |r| r.get(0),
                )
                .optional()?
                .unwrap_or_else(|| "/".into());
            Ok(Some(SigningKey {
                secret,
                session_token: Some(token),
                expires: Some(expires),
                identity: Identity::Session {
                    role_arn: format!("arn:aws:iam::{account}:role{path}{role}"),
                    session_arn: format!("arn:aws:sts::{account}:assumed-role/{role}/{session}"),
                    user_id: format!("{role_id}:{session}"),
                    key_id: key_id.to_string(),
                    account,
                },
            }))
        })
    }

    /// The identity's own policies and boundary; the caller adds the
    /// resource's policy.
    pub fn policies_for(&self, identity: &Identity) -> Result<Policies, IamError> {
        let (account, kind, owner) = match identity {
            Identity::User { account, name, .. } => (account, "user", name.clone()),
            Identity::Session {
                account, role_arn, ..
            } => (
                account,
                "role",
                role_arn.rsplit('/').next().unwrap_or_default().to_string(),
            ),
            Identity::Root { .. } | Identity::Service(_) => return Ok(Policies::default()),
        };
        self.with(|conn| {
            let mut identity_policies = policies_of(conn, account, kind, &owner)?;
            if kind == "user" {
                // A user's groups' policies are the user's too.
                for group in crate::groups::groups_of(conn, account, &owner)? {
                    identity_policies.extend(policies_of(conn, account, "group", &group)?);
                }
            }
            let session = match identity {
                Identity::Session { key_id, .. } => conn
                    .query_row(
                        "SELECT session_policies FROM sts_sessions WHERE key_id = ?1",
                        params![key_id],
                        |r| r.get::<_, Option<String>>(0),
                    )
                    .optional()?
                    .flatten()
                    .map(|stored| {
                        let documents: Vec<String> =
                            serde_json::from_str(&stored).unwrap_or_default();
                        Policy::union(documents.iter().map(|d| Policy::parse(d)))
                    }),
                _ => None,
            };
            let boundary = if kind == "role" {
                let arn: Option<String> = conn
                    .query_row(
                        "SELECT boundary FROM iam_roles WHERE account = ?1 AND name = ?2",
                        params![account, owner],
                        |r| r.get(0),
                    )
                    .optional()?
                    .flatten();
                match arn {
                    Some(arn) => Some(Policy::parse(
                        &managed_document(conn, &arn)?.unwrap_or_default(),
                    )),
                    None => None,
                }
            } else {
                None
            };
            Ok(Policies {
                identity: identity_policies,
                boundary,
                session,
                resource: None,
            })
        })
    }
}

impl IamService {
    /// Whether a role's own policies (bounded by its permissions boundary)
    /// let a session of it perform `action` on `resource`: what Lambda asks
    /// of a function's execution role before it reads an event source.
    /// `None`: IAM does not hold the role.
    pub fn role_allows(
        &self,
        role_arn: &str,
        action: &str,
        resource: &str,
    ) -> Result<Option<bool>, IamError> {
        if self.trust_policy_of(role_arn).is_none() {
            return Ok(None);
        }
        let account = role_arn.split(':').nth(4).unwrap_or_default().to_string();
        let role_name = role_arn.rsplit('/').next().unwrap_or_default();
        let session = Identity::Session {
            account: account.clone(),
            role_arn: role_arn.to_string(),
            session_arn: format!("arn:aws:sts::{account}:assumed-role/{role_name}/lambda"),
            user_id: format!("{role_name}:lambda"),
            key_id: String::new(),
        };
        let policies = self.policies_for(&session)?;
        let request = Request {
            context: Context::of(&session),
            identity: session,
            action: action.to_string(),
            resource: resource.to_string(),
            resource_account: resource.split(':').nth(4).unwrap_or_default().to_string(),
        };
        Ok(Some(evaluate(&request, &policies).allowed()))
    }
}
