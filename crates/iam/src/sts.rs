//! The Security Token Service over IAM's roles: who signed a request
//! (GetCallerIdentity) and temporary credentials of a role (AssumeRole,
//! its trust policy checked).

use crate::document::{trust_allows, Principal};
use crate::roles::{load as load_role, split_role_arn};
use crate::{ids, IamError, IamService, Out};
use rusqlite::{params, OptionalExtension};

/// The identity behind an access key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Caller {
    pub account: String,
    pub arn: String,
    pub user_id: String,
    /// Temporary credentials of an assumed role (role chaining limits them).
    pub assumed_role: bool,
}

/// AssumeRole's input.
#[derive(Clone, Debug, Default)]
pub struct AssumeRole {
    pub role_arn: String,
    pub session_name: String,
    pub duration_seconds: Option<i64>,
    pub source_identity: Option<String>,
    /// Session policies: an inline document and managed policies' ARNs.
    pub policy: Option<String>,
    pub policy_arns: Vec<String>,
}

/// Temporary credentials handed out by AssumeRole.
#[derive(Clone, Debug)]
pub struct Credentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: String,
    pub expiration: String,
}

/// Who asks for a session: a principal with long-term keys, a session
/// (role chaining: at most an hour), or a service (Lambda for a function).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Chain {
    Direct,
    Chained,
    Service,
}

impl Chain {
    fn of(assumed_role: bool) -> Self {
        if assumed_role {
            Chain::Chained
        } else {
            Chain::Direct
        }
    }
}

fn now_secs() -> i64 {
    chrono::Utc::now().timestamp()
}

fn check_session_name(name: &str) -> Result<(), IamError> {
    let valid = |c: char| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c);
    let problem = if name.chars().count() < 2 {
        "Member must have length greater than or equal to 2"
    } else if name.chars().count() > 64 {
        "Member must have length less than or equal to 64"
    } else if !name.chars().all(valid) {
        "Member must satisfy regular expression pattern: [\\w+=,.@-]*"
    } else {
        return Ok(());
    };
    Err(IamError::validation(format!(
        "1 validation error detected: Value '{name}' at 'roleSessionName' failed to satisfy constraint: {problem}"
    )))
}

impl IamService {
    /// Who signed with `access_key`: an IAM user's key, an STS session, or
    /// else the account's root (the account from the request's scope).
    pub fn caller(&self, access_key: &str, default_account: &str) -> Result<Caller, IamError> {
        self.with(|conn| {
            if let Some((account, user_id, arn)) = crate::users::key_owner(conn, access_key)? {
                return Ok(Caller { account, arn, user_id, assumed_role: false });
            }
            let session: Option<(String, String, String, String, i64)> = conn
                .query_row(
                    "SELECT account, role_name, role_id, session_name, expires FROM sts_sessions WHERE key_id = ?1",
                    params![access_key],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
                )
                .optional()?;
            if let Some((account, role, role_id, session, expires)) = session {
                if expires <= now_secs() {
                    return Err(IamError {
                        code: "ExpiredToken",
                        message: "The security token included in the request is expired".into(),
                        status: 400,
                    });
                }
                return Ok(Caller {
                    arn: format!("arn:aws:sts::{account}:assumed-role/{role}/{session}"),
                    user_id: format!("{role_id}:{session}"),
                    account,
                    assumed_role: true,
                });
            }
            Ok(Caller {
                account: default_account.into(),
                arn: format!("arn:aws:iam::{default_account}:root"),
                user_id: default_account.into(),
                assumed_role: false,
            })
        })
    }

    pub fn get_caller_identity(
        &self,
        access_key: &str,
        default_account: &str,
    ) -> Result<Out, IamError> {
        let caller = self.caller(access_key, default_account)?;
        Ok(Out::members()
            .text("UserId", caller.user_id)
            .text("Account", caller.account)
            .text("Arn", caller.arn))
    }

    /// AssumeRole for the caller with `access_key`.
    pub fn assume_role(
        &self,
        access_key: &str,
        default_account: &str,
        input: AssumeRole,
    ) -> Result<Out, IamError> {
        let caller = self.caller(access_key, default_account)?;
        let who = Principal::Aws {
            arn: caller.arn.clone(),
            account: caller.account.clone(),
        };
        let denied = || {
            IamError::access_denied(format!(
                "User: {} is not authorized to perform: sts:AssumeRole on resource: {}",
                caller.arn, input.role_arn
            ))
        };
        let (creds, role_id) = self.issue(&input, &who, Chain::of(caller.assumed_role), denied)?;
        let arn = format!(
            "arn:aws:sts::{}:assumed-role/{}/{}",
            split_role_arn(&input.role_arn)
                .map(|(a, _)| a)
                .unwrap_or_default(),
            split_role_arn(&input.role_arn)
                .map(|(_, n)| n)
                .unwrap_or_default(),
            input.session_name
        );
        Ok(Out::members()
            .with(
                "Credentials",
                Out::members()
                    .text("AccessKeyId", creds.access_key_id)
                    .text("SecretAccessKey", creds.secret_access_key)
                    .text("SessionToken", creds.session_token)
                    .text("Expiration", creds.expiration),
            )
            .with(
                "AssumedRoleUser",
                Out::members()
                    .text("AssumedRoleId", format!("{role_id}:{}", input.session_name))
                    .text("Arn", arn),
            )
            .opt_text("SourceIdentity", input.source_identity))
    }

    /// Credentials of a role for a service principal (Lambda running a
    /// function as its execution role), if the role exists and trusts it.
    pub fn assume_role_as_service(
        &self,
        role_arn: &str,
        session_name: &str,
        service: &str,
    ) -> Option<Credentials> {
        let input = AssumeRole {
            role_arn: role_arn.into(),
            session_name: session_name.chars().take(64).collect(),
            // An environment lives up to 12 hours; its credentials as long.
            duration_seconds: Some(43200),
            source_identity: None,
            policy: None,
            policy_arns: Vec::new(),
        };
        let who = Principal::Service(service.into());
        self.issue(&input, &who, Chain::Service, || IamError::access_denied(""))
            .ok()
            .map(|(creds, _)| creds)
    }

    fn issue(
        &self,
        input: &AssumeRole,
        who: &Principal,
        chain: Chain,
        denied: impl Fn() -> IamError,
    ) -> Result<(Credentials, String), IamError> {
        check_session_name(&input.session_name)?;
        let duration = input.duration_seconds.unwrap_or(3600);
        if !(900..=43200).contains(&duration) {
            let bound = if duration < 900 {
                "greater than or equal to 900"
            } else {
                "less than or equal to 43200"
            };
            return Err(IamError::validation(format!(
                "1 validation error detected: Value '{duration}' at 'durationSeconds' failed to satisfy constraint: Member must have value {bound}"
            )));
        }
        let (account, name) = split_role_arn(&input.role_arn).ok_or_else(&denied)?;
        self.with(|conn| {
            let role = load_role(conn, &account, &name).map_err(|_| denied())?;
            if role.arn() != input.role_arn || !trust_allows(&role.trust, who, "sts:AssumeRole") {
                return Err(denied());
            }
            if chain == Chain::Chained && duration > 3600 {
                return Err(IamError::validation(
                    "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.",
                ));
            }
            if chain != Chain::Service && duration > role.max_session {
                return Err(IamError::validation(
                    "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
                ));
            }
            let session_policies = session_policies(conn, input)?;
            let expires = now_secs() + duration;
            let creds = Credentials {
                access_key_id: ids::access_key_id("ASIA"),
                secret_access_key: ids::secret(),
                session_token: ids::session_token(),
                expiration: chrono::DateTime::from_timestamp(expires, 0)
                    .map(ids::iso)
                    .unwrap_or_default(),
            };
            // Sessions past their expiry are of no more use.
            conn.execute("DELETE FROM sts_sessions WHERE expires <= ?1", params![now_secs()])?;
            conn.execute(
                "INSERT INTO sts_sessions (key_id, secret, token, account, role_name, role_id, session_name, expires, source_identity, session_policies)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                params![
                    creds.access_key_id,
                    creds.secret_access_key,
                    creds.session_token,
                    account,
                    role.name,
                    role.id,
                    input.session_name,
                    expires,
                    input.source_identity,
                    session_policies
                ],
            )?;
            Ok((creds, role.id))
        })
        .inspect(|(creds, _)| self.remember_key(&creds.access_key_id, &account))
    }
}

/// The session policies AssumeRole was given, as stored with the session
/// (managed ones by their documents at that time); `None` without any.
pub(crate) fn session_policies(
    conn: &rusqlite::Connection,
    input: &AssumeRole,
) -> Result<Option<String>, IamError> {
    let mut documents = Vec::new();
    if let Some(inline) = &input.policy {
        crate::document::validate(inline, crate::document::Kind::Identity)?;
        documents.push(inline.clone());
    }
    for arn in &input.policy_arns {
        let document = crate::authority::managed_document(conn, arn)?.ok_or_else(|| {
            IamError::invalid_input(format!("Policy {arn} does not exist or is not attachable."))
        })?;
        documents.push(document);
    }
    Ok((!documents.is_empty()).then(|| serde_json::Value::from(documents).to_string()))
}
