//! The execution role against laminar's IAM: a role that IAM holds must
//! trust Lambda, as AWS checks on CreateFunction and
//! UpdateFunctionConfiguration. A role IAM does not hold is accepted, so
//! functions created without IAM keep working, except in the enforcing mode.

use crate::{ApiResult, LambdaService};
use laminar_iam::{trust_allows, Principal};
use laminar_model::ApiError;

/// The service principal Lambda assumes execution roles as.
pub(crate) const LAMBDA_PRINCIPAL: &str = "lambda.amazonaws.com";

impl LambdaService {
    pub(crate) async fn check_execution_role(&self, role: Option<&str>) -> ApiResult<()> {
        let Some(role) = role.map(str::to_string) else {
            return Ok(());
        };
        let trusted = self
            .off_worker(move |service| {
                let trust = service.inner.companions.iam.trust_policy_of(&role);
                Ok(trust.map(|t| {
                    let lambda = Principal::Service(LAMBDA_PRINCIPAL.into());
                    trust_allows(&t, &lambda, "sts:AssumeRole")
                }))
            })
            .await?;
        let refused = match trusted {
            Some(trusts) => !trusts,
            None => self.inner.settings.require_known_roles,
        };
        if refused {
            return Err(ApiError::invalid_parameter(
                "The role defined for the function cannot be assumed by Lambda.",
            ));
        }
        Ok(())
    }
}
