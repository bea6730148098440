//! Calls on another account's function or layer. AWS lets them through when
//! the resource's own policy grants the caller (AddPermission,
//! AddLayerVersionPermission), and the operation then acts in the owner's
//! account; otherwise the caller gets `AccessDeniedException`. In the
//! enforcing mode the caller's own policies were evaluated with the
//! resource's already; without it the caller counts as its account's root,
//! whose own policies allow everything.

use crate::enforce::lambda::{self, Target};
use crate::routes::Matched;
use laminar_iam::evaluate::Identity;
use laminar_lambda::{LambdaService, Scope};

/// The scope the operation runs in: the caller's, or the owner's when the
/// resource belongs to another account that lets the caller in. `Err`
/// carries AWS's denial message.
pub async fn scope_of_owner(
    service: &LambdaService,
    authorized: bool,
    scope: Scope,
    matched: &Matched,
    query: &[(String, String)],
    body: &[u8],
) -> Result<Scope, String> {
    let target = lambda::target(&scope, matched, query, body);
    let (account, region) = match &target {
        Target::Function {
            account, region, ..
        }
        | Target::Layer {
            account, region, ..
        } => (account, region),
        Target::Arn(_) | Target::Account => return Ok(scope),
    };
    // Another region is answered in AWS's "not reachable" words, and a
    // malformed account as not found, by the service itself.
    let foreign = *account != scope.account
        && *region == scope.region
        && account.len() == 12
        && account.bytes().all(|b| b.is_ascii_digit());
    if !foreign {
        return Ok(scope);
    }
    if !authorized {
        let caller = Identity::Root {
            account: scope.account.clone(),
        };
        let action = lambda::action(matched.operation);
        lambda::authorize(service, &caller, &scope, action, &target).await?;
    }
    Ok(Scope {
        account: account.clone(),
        region: region.clone(),
    })
}
