//! The enforcing mode (`--iam enforce`): every request's signature is
//! checked against the keys IAM issued (and the accounts' root keys), and
//! Lambda's operations are authorised by IAM's policy evaluation before they
//! run. Off by default: then any credentials are accepted.

pub mod companions;
pub mod lambda;
mod reject;
pub mod resources;

pub use reject::{access_denied, companion_denied, reject, url_forbidden};

use crate::sigv4::verify::{self, Rejection};
use crate::sigv4::DEFAULT_ACCOUNT;
use axum::http::{HeaderMap, Method, Uri};
use laminar_iam::evaluate::{evaluate, Context, Identity, Policies, Policy, Request};
use laminar_iam::IamService;

/// The root access key of the default account; any 12-digit key is the
/// root key of that account.
const DEFAULT_ROOT_KEY: &str = "test";

/// How the enforcing mode knows the accounts' root users.
#[derive(Clone, Debug)]
pub struct Enforcer {
    /// The secret of every account's root key (`--iam-root-secret`).
    pub root_secret: String,
}

/// What signed a request, before its signature is checked.
struct Signer {
    secret: String,
    identity: Identity,
}

fn root_account(access_key: &str) -> Option<String> {
    if access_key == DEFAULT_ROOT_KEY {
        return Some(DEFAULT_ACCOUNT.into());
    }
    (access_key.len() == 12 && access_key.bytes().all(|b| b.is_ascii_digit()))
        .then(|| access_key.to_string())
}

impl Enforcer {
    /// Whether the body must be read: to check the signature (no declared
    /// payload hash), or for the parameters that name the resource (every
    /// service but S3, whose resources are in the URL).
    pub fn needs_body(for_s3: bool, headers: &HeaderMap) -> bool {
        !for_s3 || !headers.contains_key("x-amz-content-sha256")
    }

    /// Who signed the request, once the signature checks out.
    pub async fn authenticate(
        &self,
        iam: &IamService,
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
        body: Option<&[u8]>,
    ) -> Result<Identity, Rejection> {
        let presented = verify::presented(uri, headers).ok_or(Rejection::Missing)?;
        let signer = match root_account(&presented.access_key) {
            Some(account) => Signer {
                secret: self.root_secret.clone(),
                identity: Identity::Root { account },
            },
            None => self.issued_key(iam, &presented).await?,
        };
        if !verify::fresh(&presented) {
            return Err(Rejection::Stale {
                amz_date: presented.amz_date,
            });
        }
        let hash = verify::payload_hash(headers, &presented, body);
        let canonical = verify::canonical_request(method, uri, headers, &presented, &hash);
        let expected = verify::signature(&signer.secret, &presented, &canonical);
        if !verify::same(&expected, &presented.signature) {
            tracing::debug!(canonical, "signature mismatch");
            return Err(Rejection::Mismatch);
        }
        Ok(signer.identity)
    }

    /// A user's key or an STS session's, with its token checked.
    async fn issued_key(
        &self,
        iam: &IamService,
        presented: &verify::Presented,
    ) -> Result<Signer, Rejection> {
        let (iam, key_id) = (iam.clone(), presented.access_key.clone());
        let found =
            laminar_db::blocking(move || iam.signing_key(&key_id).map_err(|e| e.to_string()))
                .await
                .map_err(|e| e.to_string())
                .and_then(|looked_up| looked_up);
        let key = match found {
            Ok(Some(key)) => key,
            Ok(None) => return Err(Rejection::UnknownKey),
            Err(e) => {
                tracing::warn!(error = %e, "IAM could not look up a signing key");
                return Err(Rejection::UnknownKey);
            }
        };
        if key.session_token.is_some() && key.session_token != presented.session_token {
            return Err(Rejection::BadToken);
        }
        if key
            .expires
            .is_some_and(|expires| expires <= session_clock())
        {
            return Err(Rejection::ExpiredToken);
        }
        Ok(Signer {
            secret: key.secret,
            identity: key.identity,
        })
    }
}

/// The test hook `LAMINAR_TEST_SESSION_CLOCK_SKEW_SECONDS`: how far ahead
/// of the real clock session expiry is judged, so that a test sees an STS
/// session expire without waiting out AssumeRole's 900-second minimum.
/// Nothing else is moved (signature freshness keeps the real clock).
const SESSION_CLOCK_SKEW: &str = "LAMINAR_TEST_SESSION_CLOCK_SKEW_SECONDS";

/// Now (seconds since the epoch) as session expiry sees it.
fn session_clock() -> i64 {
    static SKEW: std::sync::OnceLock<i64> = std::sync::OnceLock::new();
    let skew = *SKEW.get_or_init(|| {
        std::env::var(SESSION_CLOCK_SKEW)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    });
    chrono::Utc::now().timestamp().saturating_add(skew)
}

/// The identity's policies from IAM (SQLite: off the async worker).
async fn identity_policies(iam: &IamService, identity: &Identity) -> Policies {
    let (iam, who) = (iam.clone(), identity.clone());
    let read = laminar_db::blocking(move || iam.policies_for(&who).map_err(|e| e.to_string()))
        .await
        .map_err(|e| e.to_string())
        .and_then(|read| read);
    // Unreadable policies allow nothing: the request is denied, not failed.
    read.unwrap_or_else(|e| {
        tracing::warn!(error = %e, "IAM could not read an identity's policies");
        Policies::default()
    })
}

/// One action on one resource.
pub struct Authorization<'a> {
    pub identity: &'a Identity,
    pub region: &'a str,
    pub action: String,
    pub resource: String,
    pub resource_account: String,
    pub resource_policy: Option<Policy>,
    /// Condition keys of the service (`lambda:FunctionUrlAuthType`).
    pub keys: Vec<(&'static str, String)>,
}

/// AWS's evaluation for one authorisation: `Err` carries the denial message.
pub async fn authorize(iam: &IamService, asked: Authorization<'_>) -> Result<(), String> {
    let mut policies = identity_policies(iam, asked.identity).await;
    policies.resource = asked.resource_policy;
    let mut context = Context::of(asked.identity);
    context.set("aws:RequestedRegion", asked.region);
    for (key, value) in asked.keys {
        context.set(key, value);
    }
    let request = Request {
        identity: asked.identity.clone(),
        action: asked.action,
        resource: asked.resource,
        resource_account: asked.resource_account,
        context,
    };
    let decision = evaluate(&request, &policies);
    if decision.allowed() {
        Ok(())
    } else {
        Err(decision.message(&request))
    }
}

/// A companion call with the resource's own policy (a queue's or a
/// topic's, `resources::policy_of`); AssumeRole's resource policy is the
/// role's trust policy.
pub async fn authorize_companion(
    iam: &IamService,
    identity: &Identity,
    scope: &laminar_lambda::Scope,
    asked: companions::Asked,
    resource_policy: Option<Policy>,
) -> Result<(), String> {
    let resource_policy = if asked.action == "sts:AssumeRole" {
        let (iam, role) = (iam.clone(), asked.resource.clone());
        laminar_db::blocking(move || iam.trust_policy_of(&role))
            .await
            .ok()
            .flatten()
            .map(|t| Policy::parse(&t))
    } else {
        resource_policy
    };
    let resource_account = asked
        .resource
        .split(':')
        .nth(4)
        .filter(|a| !a.is_empty() && a.bytes().all(|b| b.is_ascii_digit()))
        .unwrap_or(&scope.account)
        .to_string();
    authorize(
        iam,
        Authorization {
            identity,
            region: &scope.region,
            action: asked.action,
            resource: asked.resource,
            resource_account,
            resource_policy,
            keys: Vec::new(),
        },
    )
    .await
}
