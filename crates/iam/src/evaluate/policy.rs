//! A policy document in the shape the evaluation reads: statements with
//! their effect, the actions, resources and principals they name (or
//! exclude), and their conditions. Documents are validated when IAM stores
//! them; here a statement whose parts cannot be read names nothing.

use super::condition::Condition;
use super::request::Identity;
use super::wildcard::{matches, Case};
use serde_json::Value;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    Allow,
    Deny,
}

/// `Action` / `Resource` / `Principal`, or their `Not…` forms.
#[derive(Clone, Debug)]
enum Names<T> {
    Listed(Vec<T>),
    AllBut(Vec<T>),
}

impl<T> Names<T> {
    fn test(&self, hit: impl Fn(&T) -> bool) -> bool {
        match self {
            Names::Listed(items) => items.iter().any(hit),
            Names::AllBut(items) => !items.iter().any(hit),
        }
    }
}

/// One entry of a `Principal` block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum PrincipalName {
    Anyone,
    /// An account id, `arn:aws:iam::ACCOUNT:root`, or an IAM or STS ARN.
    Aws(String),
    Service(String),
    Federated(String),
}

#[derive(Clone, Debug)]
pub(crate) struct Statement {
    pub effect: Effect,
    actions: Names<String>,
    resources: Option<Names<String>>,
    principals: Option<Names<PrincipalName>>,
    pub conditions: Vec<Condition>,
}

/// A parsed policy document.
#[derive(Clone, Debug, Default)]
pub struct Policy {
    pub(crate) statements: Vec<Statement>,
}

fn strings(value: &Value) -> Vec<String> {
    match value {
        Value::String(s) => vec![s.clone()],
        Value::Array(items) => items
            .iter()
            .filter_map(Value::as_str)
            .map(String::from)
            .collect(),
        _ => Vec::new(),
    }
}

fn names(statement: &serde_json::Map<String, Value>, key: &str) -> Option<Names<String>> {
    if let Some(v) = statement.get(key) {
        return Some(Names::Listed(strings(v)));
    }
    statement
        .get(&format!("Not{key}"))
        .map(|v| Names::AllBut(strings(v)))
}

fn principal_names(value: &Value) -> Vec<PrincipalName> {
    match value {
        Value::String(s) if s == "*" => vec![PrincipalName::Anyone],
        Value::Object(block) => block
            .iter()
            .flat_map(|(kind, v)| {
                strings(v).into_iter().map(move |name| match kind.as_str() {
                    "AWS" if name == "*" => PrincipalName::Anyone,
                    "AWS" => PrincipalName::Aws(name),
                    "Service" => PrincipalName::Service(name),
                    _ => PrincipalName::Federated(name),
                })
            })
            .collect(),
        _ => Vec::new(),
    }
}

impl Policy {
    /// Several documents read as one: an allow in any of them allows (a
    /// session's inline and managed session policies).
    pub fn union(policies: impl IntoIterator<Item = Policy>) -> Policy {
        Policy {
            statements: policies.into_iter().flat_map(|p| p.statements).collect(),
        }
    }

    /// Reads a stored document; text that is not a policy names nothing.
    pub fn parse(text: &str) -> Policy {
        let Ok(doc) = serde_json::from_str::<Value>(text) else {
            return Policy::default();
        };
        let statements: Vec<&Value> = match doc.get("Statement") {
            Some(Value::Array(list)) => list.iter().collect(),
            Some(one @ Value::Object(_)) => vec![one],
            _ => Vec::new(),
        };
        let statements = statements
            .into_iter()
            .filter_map(Value::as_object)
            .filter_map(|s| {
                let effect = match s.get("Effect").and_then(Value::as_str)? {
                    "Allow" => Effect::Allow,
                    "Deny" => Effect::Deny,
                    _ => return None,
                };
                let principals = match (s.get("Principal"), s.get("NotPrincipal")) {
                    (Some(p), _) => Some(Names::Listed(principal_names(p))),
                    (None, Some(p)) => Some(Names::AllBut(principal_names(p))),
                    (None, None) => None,
                };
                Some(Statement {
                    effect,
                    actions: names(s, "Action")?,
                    resources: names(s, "Resource"),
                    principals,
                    conditions: s
                        .get("Condition")
                        .map(Condition::parse_block)
                        .unwrap_or_default(),
                })
            })
            .collect();
        Policy { statements }
    }
}

impl Statement {
    pub fn names_action(&self, action: &str) -> bool {
        self.actions
            .test(|pattern| matches(pattern, action, Case::Insensitive))
    }

    /// Resources are matched case-sensitively, after policy variables
    /// (`${aws:username}`) are put in from the request.
    pub fn names_resource(&self, resource: &str, expand: impl Fn(&str) -> String) -> bool {
        match &self.resources {
            // Trust policies name no resource: the role is the resource.
            None => true,
            Some(resources) => {
                resources.test(|pattern| matches(&expand(pattern), resource, Case::Sensitive))
            }
        }
    }

    /// Whether the statement's `Principal` names `who`; `exact` when it
    /// names the very user or session (not its role or account).
    pub fn names_principal(&self, who: &Identity) -> Option<Exactness> {
        let principals = self.principals.as_ref()?;
        let hit = |name: &PrincipalName| principal_matches(name, who);
        if !principals.test(|n| hit(n).is_some()) {
            return None;
        }
        Some(match principals {
            Names::Listed(items) => items
                .iter()
                .filter_map(hit)
                .max()
                .unwrap_or(Exactness::Account),
            Names::AllBut(_) => Exactness::Account,
        })
    }
}

/// How precisely a resource policy names its principal. Within an account,
/// an allow naming the account (or anyone) only delegates to the account's
/// identity policies; one naming a role grants its sessions, within their
/// boundary; one naming the exact user or session stands on its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Exactness {
    Account,
    Role,
    Exact,
}

fn principal_matches(name: &PrincipalName, who: &Identity) -> Option<Exactness> {
    use Exactness::{Account, Exact, Role};
    match (name, who) {
        (PrincipalName::Anyone, Identity::Service(_)) => Some(Exact),
        // `*` grants everyone directly (a public resource).
        (PrincipalName::Anyone, _) => Some(Role),
        (PrincipalName::Service(s), Identity::Service(service)) => (s == service).then_some(Exact),
        (PrincipalName::Aws(arn), who) => {
            let account = who.account()?;
            if arn == account || *arn == format!("arn:aws:iam::{account}:root") {
                return Some(if matches!(who, Identity::Root { .. }) {
                    Exact
                } else {
                    Account
                });
            }
            match who {
                Identity::User { arn: user, .. } => (arn == user).then_some(Exact),
                Identity::Session {
                    role_arn,
                    session_arn,
                    ..
                } => {
                    if arn == session_arn {
                        Some(Exact)
                    } else {
                        (arn == role_arn).then_some(Role)
                    }
                }
                _ => None,
            }
        }
        _ => None,
    }
}
