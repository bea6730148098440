//! AWS's policy evaluation: may this identity perform this action on this
//! resource, given the identity's policies, its permissions boundary and
//! session policy, and the resource's own policy. An explicit deny in any of
//! them wins; otherwise within an account an allow from the identity's
//! policies or the resource's suffices (bounded by the boundary and session
//! policy), across accounts both must allow.

mod condition;
mod policy;
mod request;
mod wildcard;

pub use policy::{Effect, Exactness, Policy};
pub use request::{Context, Identity, Request};

use policy::Statement;

/// The policies that bear on a request.
#[derive(Clone, Debug, Default)]
pub struct Policies {
    /// The identity's inline and attached policies (and its groups').
    pub identity: Vec<Policy>,
    pub boundary: Option<Policy>,
    /// The session policy passed to AssumeRole.
    pub session: Option<Policy>,
    /// The resource's own policy (a function policy, a queue policy …).
    pub resource: Option<Policy>,
}

/// Which kind of policy decided a denial, as AWS's messages name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PolicyKind {
    Identity,
    Resource,
    Boundary,
    Session,
}

impl PolicyKind {
    fn with_article(self) -> &'static str {
        match self {
            PolicyKind::Identity => "an identity-based policy",
            PolicyKind::Resource => "a resource-based policy",
            PolicyKind::Boundary => "a permissions boundary",
            PolicyKind::Session => "a session policy",
        }
    }

    fn bare(self) -> &'static str {
        match self {
            PolicyKind::Identity => "identity-based policy",
            PolicyKind::Resource => "resource-based policy",
            PolicyKind::Boundary => "permissions boundary",
            PolicyKind::Session => "session policy",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    Allow,
    ExplicitDeny(PolicyKind),
    /// No policy allows it (the kind says which one was missing).
    ImplicitDeny(PolicyKind),
}

impl Decision {
    pub fn allowed(self) -> bool {
        self == Decision::Allow
    }

    /// AWS's `AccessDenied` message for a denied request.
    pub fn message(self, request: &Request) -> String {
        let (arn, action, resource) = (request.identity.arn(), &request.action, &request.resource);
        let reason = match self {
            Decision::Allow => return String::new(),
            Decision::ExplicitDeny(kind) => {
                format!("with an explicit deny in {}", kind.with_article())
            }
            Decision::ImplicitDeny(kind) => {
                format!("because no {} allows the {action} action", kind.bare())
            }
        };
        format!(
            "User: {arn} is not authorized to perform: {action} on resource: {resource} {reason}"
        )
    }
}

/// The statements of `policy` that apply to the request; for a resource
/// policy, only those whose `Principal` names the caller.
fn applicable<'p>(
    policy: &'p Policy,
    request: &'p Request,
    by_principal: bool,
) -> impl Iterator<Item = (&'p Statement, Exactness)> + 'p {
    let expand = |t: &str| request.context.expand(t);
    policy.statements.iter().filter_map(move |s| {
        let exactness = if by_principal {
            s.names_principal(&request.identity)?
        } else {
            Exactness::Account
        };
        let applies = s.names_action(&request.action)
            && s.names_resource(&request.resource, expand)
            && s.conditions
                .iter()
                .all(|c| c.holds(&request.context, expand));
        applies.then_some((s, exactness))
    })
}

/// What one policy says: denies, allows (and how exactly it named the
/// caller), or nothing.
fn verdict(policy: &Policy, request: &Request, by_principal: bool) -> Option<(Effect, Exactness)> {
    let mut allowed: Option<Exactness> = None;
    for (statement, exactness) in applicable(policy, request, by_principal) {
        match statement.effect {
            Effect::Deny => return Some((Effect::Deny, exactness)),
            Effect::Allow => allowed = allowed.max(Some(exactness)),
        }
    }
    allowed.map(|e| (Effect::Allow, e))
}

/// AWS's evaluation logic for one request.
pub fn evaluate(request: &Request, policies: &Policies) -> Decision {
    let identity = policies
        .identity
        .iter()
        .map(|p| verdict(p, request, false))
        .fold(None, |acc: Option<Effect>, v| match (acc, v) {
            (Some(Effect::Deny), _) | (_, Some((Effect::Deny, _))) => Some(Effect::Deny),
            (Some(Effect::Allow), _) | (_, Some((Effect::Allow, _))) => Some(Effect::Allow),
            _ => None,
        });
    let resource = policies
        .resource
        .as_ref()
        .and_then(|p| verdict(p, request, true));
    let boundary = policies
        .boundary
        .as_ref()
        .map(|p| verdict(p, request, false));
    let session = policies
        .session
        .as_ref()
        .map(|p| verdict(p, request, false));

    if identity == Some(Effect::Deny) {
        return Decision::ExplicitDeny(PolicyKind::Identity);
    }
    if matches!(resource, Some((Effect::Deny, _))) {
        return Decision::ExplicitDeny(PolicyKind::Resource);
    }
    if matches!(boundary, Some(Some((Effect::Deny, _)))) {
        return Decision::ExplicitDeny(PolicyKind::Boundary);
    }
    if matches!(session, Some(Some((Effect::Deny, _)))) {
        return Decision::ExplicitDeny(PolicyKind::Session);
    }

    let resource_allows = match resource {
        Some((Effect::Allow, exactness)) => Some(exactness),
        _ => None,
    };
    let same_account = request.identity.account() == Some(request.resource_account.as_str());
    let (identity_allows, limited) = match &request.identity {
        // A service acts only where a resource policy lets it.
        Identity::Service(_) => {
            return match resource_allows {
                Some(_) => Decision::Allow,
                None => Decision::ImplicitDeny(PolicyKind::Resource),
            };
        }
        // The root user is not limited by policies in its own account.
        Identity::Root { .. } => (true, false),
        _ => (identity == Some(Effect::Allow), true),
    };
    // An allow naming the exact user or session stands without the
    // boundary and the session policy.
    if same_account && resource_allows == Some(Exactness::Exact) {
        return Decision::Allow;
    }
    if same_account {
        // Naming the account only hands the decision to its identity policies.
        let granted = resource_allows.is_some_and(|e| e >= Exactness::Role);
        if !identity_allows && !granted {
            return Decision::ImplicitDeny(PolicyKind::Identity);
        }
    } else if !identity_allows {
        return Decision::ImplicitDeny(PolicyKind::Identity);
    }
    if limited {
        if matches!(boundary, Some(None)) {
            return Decision::ImplicitDeny(PolicyKind::Boundary);
        }
        if matches!(session, Some(None)) {
            return Decision::ImplicitDeny(PolicyKind::Session);
        }
    }
    if !same_account && resource_allows.is_none() {
        return Decision::ImplicitDeny(PolicyKind::Resource);
    }
    Decision::Allow
}

#[cfg(test)]
mod tests;
