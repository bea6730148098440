//! Cases from AWS's IAM documentation: the policy evaluation logic (within
//! an account and across accounts), permissions boundaries, session policies,
//! condition operators and policy variables.

use super::*;

const ACCOUNT: &str = "111122223333";
const OTHER: &str = "444455556666";
const FUNCTION: &str = "arn:aws:lambda:us-east-1:111122223333:function:my-function";

fn user(account: &str, name: &str) -> Identity {
    Identity::User {
        account: account.into(),
        arn: format!("arn:aws:iam::{account}:user/{name}"),
        name: name.into(),
        user_id: "AIDAEXAMPLE".into(),
    }
}

fn session(account: &str, role: &str) -> Identity {
    Identity::Session {
        account: account.into(),
        role_arn: format!("arn:aws:iam::{account}:role/{role}"),
        session_arn: format!("arn:aws:sts::{account}:assumed-role/{role}/s1"),
        user_id: "AROAEXAMPLE:s1".into(),
        key_id: "ASIAEXAMPLE".into(),
    }
}

fn request(identity: Identity, action: &str, resource: &str) -> Request {
    let context = Context::of(&identity);
    Request {
        identity,
        action: action.into(),
        resource: resource.into(),
        resource_account: ACCOUNT.into(),
        context,
    }
}

fn allow(action: &str, resource: &str) -> Policy {
    Policy::parse(&format!(
        r#"{{"Version":"2012-10-17","Statement":{{"Effect":"Allow","Action":"{action}","Resource":"{resource}"}}}}"#
    ))
}

fn identity(policies: Vec<Policy>) -> Policies {
    Policies {
        identity: policies,
        ..Policies::default()
    }
}

#[test]
fn no_policy_is_an_implicit_deny_with_awss_message() {
    let r = request(user(ACCOUNT, "bob"), "lambda:InvokeFunction", FUNCTION);
    let decision = evaluate(&r, &Policies::default());
    assert_eq!(decision, Decision::ImplicitDeny(PolicyKind::Identity));
    assert_eq!(
        decision.message(&r),
        "User: arn:aws:iam::111122223333:user/bob is not authorized to perform: lambda:InvokeFunction on resource: arn:aws:lambda:us-east-1:111122223333:function:my-function because no identity-based policy allows the lambda:InvokeFunction action"
    );
    let list = request(user(ACCOUNT, "bob"), "lambda:ListFunctions", "*");
    assert_eq!(
        evaluate(&list, &Policies::default()).message(&list),
        "User: arn:aws:iam::111122223333:user/bob is not authorized to perform: lambda:ListFunctions on resource: * because no identity-based policy allows the lambda:ListFunctions action"
    );
}

#[test]
fn identity_allow_with_wildcards_and_case_insensitive_actions() {
    let r = request(user(ACCOUNT, "bob"), "lambda:InvokeFunction", FUNCTION);
    for (action, resource, allowed) in [
        ("lambda:*", "*", true),
        (
            "LAMBDA:invoke*",
            "arn:aws:lambda:*:111122223333:function:*",
            true,
        ),
        ("lambda:Get*", "*", false),
        (
            "lambda:InvokeFunction",
            "arn:aws:lambda:us-east-1:111122223333:function:other",
            false,
        ),
        // Resources are case-sensitive.
        (
            "lambda:InvokeFunction",
            "arn:aws:lambda:us-east-1:111122223333:function:MY-FUNCTION",
            false,
        ),
    ] {
        assert_eq!(
            evaluate(&r, &identity(vec![allow(action, resource)])).allowed(),
            allowed,
            "{action} {resource}"
        );
    }
}

#[test]
fn an_explicit_deny_overrides_every_allow() {
    let deny = Policy::parse(
        r#"{"Statement":[{"Effect":"Deny","Action":"lambda:InvokeFunction","Resource":"*"}]}"#,
    );
    let r = request(user(ACCOUNT, "bob"), "lambda:InvokeFunction", FUNCTION);
    let decision = evaluate(&r, &identity(vec![allow("*", "*"), deny]));
    assert_eq!(decision, Decision::ExplicitDeny(PolicyKind::Identity));
    assert_eq!(
        decision.message(&r),
        "User: arn:aws:iam::111122223333:user/bob is not authorized to perform: lambda:InvokeFunction on resource: arn:aws:lambda:us-east-1:111122223333:function:my-function with an explicit deny in an identity-based policy"
    );
}

#[test]
fn not_action_and_not_resource() {
    let policy = Policy::parse(
        r#"{"Statement":[{"Effect":"Allow","NotAction":"iam:*","Resource":"*"},
            {"Effect":"Deny","Action":"s3:*","NotResource":["arn:aws:s3:::public","arn:aws:s3:::public/*"]}]}"#,
    );
    let p = identity(vec![policy]);
    assert!(evaluate(
        &request(user(ACCOUNT, "a"), "lambda:InvokeFunction", FUNCTION),
        &p
    )
    .allowed());
    assert!(!evaluate(&request(user(ACCOUNT, "a"), "iam:CreateUser", "*"), &p).allowed());
    assert!(evaluate(
        &request(user(ACCOUNT, "a"), "s3:GetObject", "arn:aws:s3:::public/x"),
        &p
    )
    .allowed());
    assert_eq!(
        evaluate(
            &request(user(ACCOUNT, "a"), "s3:GetObject", "arn:aws:s3:::private/x"),
            &p
        ),
        Decision::ExplicitDeny(PolicyKind::Identity)
    );
}

#[test]
fn within_an_account_a_resource_policy_alone_can_allow() {
    let function_policy = Policy::parse(&format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"s","Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{ACCOUNT}:user/bob"}},"Action":"lambda:InvokeFunction","Resource":"{FUNCTION}"}}]}}"#
    ));
    let policies = Policies {
        resource: Some(function_policy),
        ..Policies::default()
    };
    assert!(evaluate(
        &request(user(ACCOUNT, "bob"), "lambda:InvokeFunction", FUNCTION),
        &policies
    )
    .allowed());
    assert_eq!(
        evaluate(
            &request(user(ACCOUNT, "alice"), "lambda:InvokeFunction", FUNCTION),
            &policies
        ),
        Decision::ImplicitDeny(PolicyKind::Identity)
    );
}

#[test]
fn across_accounts_both_sides_must_allow() {
    let mut r = request(user(OTHER, "carol"), "lambda:InvokeFunction", FUNCTION);
    r.resource_account = ACCOUNT.into();
    let grant = Policy::parse(&format!(
        r#"{{"Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{OTHER}:root"}},"Action":"lambda:InvokeFunction","Resource":"{FUNCTION}"}}]}}"#
    ));
    let only_identity = identity(vec![allow("lambda:*", "*")]);
    assert_eq!(
        evaluate(&r, &only_identity),
        Decision::ImplicitDeny(PolicyKind::Resource)
    );
    assert_eq!(
        evaluate(&r, &only_identity).message(&r),
        "User: arn:aws:iam::444455556666:user/carol is not authorized to perform: lambda:InvokeFunction on resource: arn:aws:lambda:us-east-1:111122223333:function:my-function because no resource-based policy allows the lambda:InvokeFunction action"
    );
    let only_resource = Policies {
        resource: Some(grant.clone()),
        ..Policies::default()
    };
    assert_eq!(
        evaluate(&r, &only_resource),
        Decision::ImplicitDeny(PolicyKind::Identity)
    );
    let both = Policies {
        resource: Some(grant),
        ..only_identity
    };
    assert!(evaluate(&r, &both).allowed());
    // The other account's root needs only the resource's consent.
    let mut root = request(
        Identity::Root {
            account: OTHER.into(),
        },
        "lambda:InvokeFunction",
        FUNCTION,
    );
    root.resource_account = ACCOUNT.into();
    assert!(evaluate(
        &root,
        &Policies {
            resource: both.resource.clone(),
            ..Policies::default()
        }
    )
    .allowed());
    assert!(!evaluate(&root, &Policies::default()).allowed());
}

#[test]
fn the_root_user_is_unlimited_in_its_own_account_but_not_by_a_resource_deny() {
    let root = request(
        Identity::Root {
            account: ACCOUNT.into(),
        },
        "lambda:DeleteFunction",
        FUNCTION,
    );
    assert!(evaluate(&root, &Policies::default()).allowed());
    let deny = Policy::parse(
        r#"{"Statement":[{"Effect":"Deny","Principal":"*","Action":"lambda:DeleteFunction","Resource":"*"}]}"#,
    );
    assert_eq!(
        evaluate(
            &root,
            &Policies {
                resource: Some(deny),
                ..Policies::default()
            }
        ),
        Decision::ExplicitDeny(PolicyKind::Resource)
    );
}

#[test]
fn a_permissions_boundary_limits_identity_allows() {
    // The boundary allows Lambda only: S3 is out even though identity allows it.
    let policies = Policies {
        identity: vec![allow("*", "*")],
        boundary: Some(allow("lambda:*", "*")),
        ..Policies::default()
    };
    assert!(evaluate(
        &request(user(ACCOUNT, "bob"), "lambda:InvokeFunction", FUNCTION),
        &policies
    )
    .allowed());
    let s3 = request(user(ACCOUNT, "bob"), "s3:GetObject", "arn:aws:s3:::b/k");
    assert_eq!(
        evaluate(&s3, &policies),
        Decision::ImplicitDeny(PolicyKind::Boundary)
    );
    assert_eq!(
        evaluate(&s3, &policies).message(&s3),
        "User: arn:aws:iam::111122223333:user/bob is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::b/k because no permissions boundary allows the s3:GetObject action"
    );
}

#[test]
fn a_resource_policy_naming_the_exact_user_stands_without_the_boundary() {
    let grant = |principal: &str| {
        Policy::parse(&format!(
            r#"{{"Statement":[{{"Effect":"Allow","Principal":{{"AWS":"{principal}"}},"Action":"s3:GetObject","Resource":"*"}}]}}"#
        ))
    };
    let boundary = Some(allow("lambda:*", "*"));
    let s3 = request(user(ACCOUNT, "bob"), "s3:GetObject", "arn:aws:s3:::b/k");
    let exact = Policies {
        boundary: boundary.clone(),
        resource: Some(grant("arn:aws:iam::111122223333:user/bob")),
        ..Policies::default()
    };
    assert!(evaluate(&s3, &exact).allowed());
    let public = Policies {
        boundary: boundary.clone(),
        resource: Some(grant("*")),
        ..Policies::default()
    };
    assert_eq!(
        evaluate(&s3, &public),
        Decision::ImplicitDeny(PolicyKind::Boundary)
    );
    // Naming the account only delegates to the account's identity policies.
    let account = Policies {
        boundary,
        resource: Some(grant(ACCOUNT)),
        ..Policies::default()
    };
    assert_eq!(
        evaluate(&s3, &account),
        Decision::ImplicitDeny(PolicyKind::Identity)
    );
    let delegated = Policies {
        identity: vec![allow("s3:*", "*")],
        resource: Some(grant(ACCOUNT)),
        ..Policies::default()
    };
    assert!(evaluate(&s3, &delegated).allowed());
}

#[test]
fn session_policies_and_role_principals() {
    let s = request(
        session(ACCOUNT, "deployer"),
        "lambda:UpdateFunctionCode",
        FUNCTION,
    );
    let limited = Policies {
        identity: vec![allow("lambda:*", "*")],
        session: Some(allow("lambda:Get*", "*")),
        ..Policies::default()
    };
    assert_eq!(
        evaluate(&s, &limited),
        Decision::ImplicitDeny(PolicyKind::Session)
    );
    assert_eq!(
        evaluate(&s, &limited).message(&s),
        "User: arn:aws:sts::111122223333:assumed-role/deployer/s1 is not authorized to perform: lambda:UpdateFunctionCode on resource: arn:aws:lambda:us-east-1:111122223333:function:my-function because no session policy allows the lambda:UpdateFunctionCode action"
    );
    // A resource policy naming the role (not the session) grants its sessions.
    let by_role = Policy::parse(
        r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/deployer"},"Action":"lambda:*","Resource":"*"}]}"#,
    );
    assert!(evaluate(
        &s,
        &Policies {
            resource: Some(by_role),
            ..Policies::default()
        }
    )
    .allowed());
}

#[test]
fn service_principals_need_the_resource_policy_and_its_conditions() {
    let policy = Policy::parse(&format!(
        r#"{{"Statement":[{{"Effect":"Allow","Principal":{{"Service":"s3.amazonaws.com"}},"Action":"lambda:InvokeFunction","Resource":"{FUNCTION}",
            "Condition":{{"ArnLike":{{"AWS:SourceArn":"arn:aws:s3:::uploads-*"}},"StringEquals":{{"AWS:SourceAccount":"{ACCOUNT}"}}}}}}]}}"#
    ));
    let policies = Policies {
        resource: Some(policy),
        ..Policies::default()
    };
    let invoke = |service: &str, source: &str| {
        let mut r = request(
            Identity::Service(service.into()),
            "lambda:InvokeFunction",
            FUNCTION,
        );
        r.context
            .set("aws:SourceArn", source)
            .set("aws:SourceAccount", ACCOUNT);
        evaluate(&r, &policies)
    };
    assert!(invoke("s3.amazonaws.com", "arn:aws:s3:::uploads-2026").allowed());
    assert_eq!(
        invoke("s3.amazonaws.com", "arn:aws:s3:::other"),
        Decision::ImplicitDeny(PolicyKind::Resource)
    );
    assert!(!invoke("sns.amazonaws.com", "arn:aws:s3:::uploads-2026").allowed());
}

fn with_condition(condition: &str) -> Policies {
    identity(vec![Policy::parse(&format!(
        r#"{{"Statement":[{{"Effect":"Allow","Action":"*","Resource":"*","Condition":{condition}}}]}}"#
    ))])
}

fn holds(condition: &str, keys: &[(&str, &[&str])]) -> bool {
    let mut r = request(user(ACCOUNT, "bob"), "lambda:InvokeFunction", FUNCTION);
    for (key, values) in keys {
        r.context
            .set_many(key, values.iter().map(|v| v.to_string()).collect());
    }
    evaluate(&r, &with_condition(condition)).allowed()
}

#[test]
fn condition_operators() {
    let region = [("aws:RequestedRegion", &["us-east-1"][..])];
    assert!(holds(
        r#"{"StringEquals":{"aws:RequestedRegion":["eu-west-1","us-east-1"]}}"#,
        &region
    ));
    assert!(!holds(
        r#"{"StringEquals":{"aws:RequestedRegion":"eu-west-1"}}"#,
        &region
    ));
    assert!(holds(
        r#"{"StringEqualsIgnoreCase":{"aws:RequestedRegion":"US-EAST-1"}}"#,
        &region
    ));
    assert!(holds(
        r#"{"StringLike":{"aws:RequestedRegion":"us-*"}}"#,
        &region
    ));
    assert!(!holds(
        r#"{"StringNotLike":{"aws:RequestedRegion":"us-*"}}"#,
        &region
    ));
    // Condition key names are case-insensitive.
    assert!(holds(
        r#"{"StringEquals":{"AWS:requestedregion":"us-east-1"}}"#,
        &region
    ));
    assert!(holds(
        r#"{"NumericLessThan":{"s3:max-keys":"10"}}"#,
        &[("s3:max-keys", &["9"])]
    ));
    assert!(!holds(
        r#"{"NumericLessThan":{"s3:max-keys":"10"}}"#,
        &[("s3:max-keys", &["10"])]
    ));
    assert!(holds(
        r#"{"NumericGreaterThanEquals":{"s3:max-keys":10}}"#,
        &[("s3:max-keys", &["10"])]
    ));
    assert!(holds(
        r#"{"DateGreaterThan":{"aws:CurrentTime":"2020-04-01T00:00:00Z"}}"#,
        &[]
    ));
    assert!(!holds(
        r#"{"DateLessThan":{"aws:CurrentTime":"2020-04-01T00:00:00Z"}}"#,
        &[]
    ));
    assert!(holds(r#"{"Bool":{"aws:SecureTransport":"false"}}"#, &[]));
    assert!(holds(
        r#"{"Bool":{"aws:MultiFactorAuthPresent":true}}"#,
        &[("aws:MultiFactorAuthPresent", &["true"])]
    ));
    assert!(holds(
        r#"{"IpAddress":{"aws:SourceIp":["192.0.2.0/24","203.0.113.7"]}}"#,
        &[("aws:SourceIp", &["192.0.2.17"])]
    ));
    assert!(holds(
        r#"{"IpAddress":{"aws:SourceIp":"203.0.113.7"}}"#,
        &[("aws:SourceIp", &["203.0.113.7"])]
    ));
    assert!(!holds(
        r#"{"NotIpAddress":{"aws:SourceIp":"192.0.2.0/24"}}"#,
        &[("aws:SourceIp", &["192.0.2.17"])]
    ));
    assert!(holds(
        r#"{"ArnLike":{"aws:SourceArn":"arn:aws:sns:*:111122223333:topic-*"}}"#,
        &[(
            "aws:SourceArn",
            &["arn:aws:sns:us-east-1:111122223333:topic-a"]
        )]
    ));
    // ArnLike compares the six parts apart: `*` does not run across a colon.
    assert!(!holds(
        r#"{"ArnLike":{"aws:SourceArn":"arn:aws:sns:*"}}"#,
        &[("aws:SourceArn", &["arn:aws:sns:us-east-1:111122223333:t"])]
    ));
    // Several keys of one operator, and several operators: all must hold.
    assert!(!holds(
        r#"{"StringEquals":{"aws:RequestedRegion":"us-east-1","aws:PrincipalAccount":"999999999999"}}"#,
        &region
    ));
}

#[test]
fn missing_keys_ifexists_null_and_set_operators() {
    // A missing key fails a positive operator, passes a negated one.
    assert!(!holds(r#"{"StringEquals":{"aws:SourceVpc":"vpc-1"}}"#, &[]));
    assert!(holds(
        r#"{"StringNotEquals":{"aws:SourceVpc":"vpc-1"}}"#,
        &[]
    ));
    assert!(holds(
        r#"{"StringEqualsIfExists":{"aws:SourceVpc":"vpc-1"}}"#,
        &[]
    ));
    assert!(!holds(
        r#"{"StringEqualsIfExists":{"aws:SourceVpc":"vpc-1"}}"#,
        &[("aws:SourceVpc", &["vpc-2"])]
    ));
    assert!(holds(r#"{"Null":{"aws:TokenIssueTime":"true"}}"#, &[]));
    assert!(!holds(r#"{"Null":{"aws:TokenIssueTime":"false"}}"#, &[]));
    // ForAllValues: every request value in the policy's set (true when empty);
    // ForAnyValue: at least one.
    let tags = |v: &'static [&'static str]| [("aws:TagKeys", v)];
    let all = r#"{"ForAllValues:StringEquals":{"aws:TagKeys":["env","team"]}}"#;
    let any = r#"{"ForAnyValue:StringEquals":{"aws:TagKeys":["env","team"]}}"#;
    assert!(holds(all, &tags(&["env"])));
    assert!(!holds(all, &tags(&["env", "cost"])));
    assert!(holds(all, &[]));
    assert!(holds(any, &tags(&["env", "cost"])));
    assert!(!holds(any, &tags(&["cost"])));
    assert!(!holds(any, &[]));
}

#[test]
fn policy_variables_in_resources() {
    let policy = Policy::parse(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::home/${aws:username}/*"}]}"#,
    );
    let p = identity(vec![policy]);
    assert!(evaluate(
        &request(
            user(ACCOUNT, "bob"),
            "s3:GetObject",
            "arn:aws:s3:::home/bob/notes"
        ),
        &p
    )
    .allowed());
    assert!(!evaluate(
        &request(
            user(ACCOUNT, "bob"),
            "s3:GetObject",
            "arn:aws:s3:::home/alice/notes"
        ),
        &p
    )
    .allowed());
    // A session has no aws:username: the variable matches nothing.
    assert!(!evaluate(
        &request(
            session(ACCOUNT, "r"),
            "s3:GetObject",
            "arn:aws:s3:::home/r/notes"
        ),
        &p
    )
    .allowed());
}
