//! The request being authorised: who asks (`Identity`), for what action on
//! which resource, and the condition keys that come with it (`Context`).

use std::collections::HashMap;

/// Who makes a request, as the evaluation sees them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Identity {
    /// The account's root user (the default `test` keys): no identity
    /// policy limits it inside its own account.
    Root { account: String },
    User {
        account: String,
        arn: String,
        name: String,
        user_id: String,
    },
    /// Temporary credentials of an assumed role.
    Session {
        account: String,
        role_arn: String,
        session_arn: String,
        user_id: String,
        /// The session's access key: its session policies are kept with it.
        key_id: String,
    },
    /// A service principal acting for a resource (`sns.amazonaws.com`).
    Service(String),
}

impl Identity {
    pub fn account(&self) -> Option<&str> {
        match self {
            Identity::Root { account }
            | Identity::User { account, .. }
            | Identity::Session { account, .. } => Some(account),
            Identity::Service(_) => None,
        }
    }

    /// The ARN that denials name.
    pub fn arn(&self) -> String {
        match self {
            Identity::Root { account } => format!("arn:aws:iam::{account}:root"),
            Identity::User { arn, .. } => arn.clone(),
            Identity::Session { session_arn, .. } => session_arn.clone(),
            Identity::Service(service) => service.clone(),
        }
    }
}

/// The request's condition keys (names compared case-insensitively, as IAM
/// does), each with one or more values.
#[derive(Clone, Debug, Default)]
pub struct Context {
    keys: HashMap<String, Vec<String>>,
}

impl Context {
    /// The global keys IAM sets for every request of `identity`.
    pub fn of(identity: &Identity) -> Self {
        let mut context = Context::default();
        let now = chrono::Utc::now();
        context.set(
            "aws:CurrentTime",
            now.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        );
        context.set("aws:EpochTime", now.timestamp().to_string());
        context.set("aws:SecureTransport", "false");
        match identity {
            Identity::Root { account } => {
                context.set("aws:PrincipalType", "Account");
                context.set("aws:userid", account.clone());
            }
            Identity::User { name, user_id, .. } => {
                context.set("aws:PrincipalType", "User");
                context.set("aws:username", name.clone());
                context.set("aws:userid", user_id.clone());
            }
            Identity::Session {
                role_arn, user_id, ..
            } => {
                context.set("aws:PrincipalType", "AssumedRole");
                context.set("aws:userid", user_id.clone());
                // For a session, the principal's ARN is its role's.
                context.set("aws:PrincipalArn", role_arn.clone());
            }
            Identity::Service(service) => {
                context.set("aws:PrincipalServiceName", service.clone());
            }
        }
        if let Some(account) = identity.account() {
            context.set("aws:PrincipalAccount", account);
        }
        if !matches!(identity, Identity::Session { .. } | Identity::Service(_)) {
            context.set("aws:PrincipalArn", identity.arn());
        }
        context
    }

    pub fn set(&mut self, key: &str, value: impl Into<String>) -> &mut Self {
        self.keys
            .insert(key.to_ascii_lowercase(), vec![value.into()]);
        self
    }

    pub fn set_many(&mut self, key: &str, values: Vec<String>) -> &mut Self {
        self.keys.insert(key.to_ascii_lowercase(), values);
        self
    }

    pub fn values(&self, key: &str) -> Option<&[String]> {
        self.keys.get(&key.to_ascii_lowercase()).map(Vec::as_slice)
    }

    /// A policy text with its variables (`${aws:username}`, `${*}`) put in;
    /// a variable without a value matches nothing.
    pub(crate) fn expand(&self, text: &str) -> String {
        if !text.contains("${") {
            return text.to_string();
        }
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let Some(end) = rest[start..].find('}') else {
                out.push_str(&rest[start..]);
                return out;
            };
            let name = &rest[start + 2..start + end];
            match name {
                "*" | "?" | "$" => out.push_str(name),
                _ => match self.values(name).and_then(|v| v.first()) {
                    Some(value) => out.push_str(value),
                    None => out.push('\u{0}'),
                },
            }
            rest = &rest[start + end + 1..];
        }
        out.push_str(rest);
        out
    }
}

/// One request to authorise.
#[derive(Clone, Debug)]
pub struct Request {
    pub identity: Identity,
    /// `service:Operation`, e.g. `lambda:InvokeFunction`.
    pub action: String,
    /// The resource's ARN, or `*` for actions on no resource.
    pub resource: String,
    /// The account that owns the resource (cross-account access needs the
    /// resource's policy too).
    pub resource_account: String,
    pub context: Context,
}
