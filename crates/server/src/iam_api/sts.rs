//! STS's operations: the request's parameters to a service call.

use super::params::Params;
use laminar_iam::sts::AssumeRole;
use laminar_iam::{IamError, IamService, Out};

pub fn call(
    iam: &IamService,
    account: &str,
    access_key: &str,
    action: &str,
    p: &Params,
) -> Result<Out, IamError> {
    match action {
        "GetCallerIdentity" => iam.get_caller_identity(access_key, account),
        "AssumeRole" => iam.assume_role(
            access_key,
            account,
            AssumeRole {
                role_arn: p.required("RoleArn")?.into(),
                session_name: p.required("RoleSessionName")?.into(),
                duration_seconds: p.int("DurationSeconds")?,
                source_identity: p.owned("SourceIdentity"),
                policy: p.owned("Policy"),
                policy_arns: (1..)
                    .map_while(|n| p.owned(&format!("PolicyArns.member.{n}.arn")))
                    .collect(),
            },
        ),
        other => Err(IamError::invalid_action(other, "2011-06-15")),
    }
}
