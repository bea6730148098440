//! The resource-based policies of companion resources that AWS consults
//! beside the caller's own: an SQS queue's `Policy` attribute and an SNS
//! topic's `Policy` (its default policy when none was set). A caller of
//! another account is let in only by them; within the account they allow
//! as well as identity policies do (AWS's evaluation logic).

use super::companions::Asked;
use crate::app::App;
use laminar_iam::evaluate::Policy;

/// The policy of the queue or topic the request acts on, if it has one.
pub async fn policy_of(app: &App, asked: &Asked) -> Option<Policy> {
    let arn = asked.resource.clone();
    let parts: Vec<&str> = arn.split(':').collect();
    let text = match parts.as_slice() {
        ["arn", _, "sqs", _, _, name] if !name.is_empty() && asked.action.starts_with("sqs:") => {
            let sqs = app.sqs.clone();
            laminar_db::blocking(move || {
                sqs.attributes_of_arn(&arn)
                    .and_then(|mut a| a.remove("Policy"))
            })
            .await
            .ok()
            .flatten()
        }
        ["arn", _, "sns", region, account, name]
            if !name.is_empty() && asked.action.starts_with("SNS:") =>
        {
            let (sns, region, account) = (app.sns.clone(), region.to_string(), account.to_string());
            laminar_db::blocking(move || {
                let caller = laminar_sns::Caller {
                    account: &account,
                    region: &region,
                };
                sns.get_topic_attributes(caller, &arn)
                    .ok()
                    .and_then(|mut a| a.remove("Policy"))
            })
            .await
            .ok()
            .flatten()
        }
        _ => None,
    }?;
    Some(Policy::parse(&text))
}
