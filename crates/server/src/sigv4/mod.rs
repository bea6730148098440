//! The caller's scope from its SigV4 `Authorization` header: the access key
//! picks the account, the credential scope the region. Signatures are
//! checked only in the enforcing mode (`verify`).

pub mod verify;

use laminar_lambda::Scope;

pub const DEFAULT_ACCOUNT: &str = "000000000000";
pub const DEFAULT_REGION: &str = "us-east-1";

/// The scope, the account of an access key IAM knows (an IAM user's, an STS
/// session's) taking the place of the default account.
pub fn scope_with(
    authorization: Option<&str>,
    account_of_key: impl Fn(&str) -> Option<String>,
) -> Scope {
    let mut scope = scope(authorization);
    if let Some(account) = access_key(authorization).and_then(account_of_key) {
        scope.account = account;
    }
    scope
}

/// `AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/lambda/aws4_request, …`
pub fn scope(authorization: Option<&str>) -> Scope {
    let credential = authorization.and_then(|auth| {
        auth.split([' ', ','])
            .find_map(|part| part.trim().strip_prefix("Credential="))
    });
    let mut parts = credential.unwrap_or_default().split('/');
    let access_key = parts.next().unwrap_or_default();
    let region = parts.nth(1).filter(|r| !r.is_empty());
    let account = if access_key.len() == 12 && access_key.bytes().all(|b| b.is_ascii_digit()) {
        access_key
    } else {
        DEFAULT_ACCOUNT
    };
    Scope {
        account: account.to_string(),
        region: region.unwrap_or(DEFAULT_REGION).to_string(),
    }
}

/// The region of the credential scope when it names one no partition has
/// (`..`, `us-east-1;drop`): AWS refuses the request before anything else,
/// so it never becomes part of an ARN.
pub fn unknown_region(authorization: Option<&str>) -> Option<&str> {
    let credential = authorization?
        .split([' ', ','])
        .find_map(|part| part.trim().strip_prefix("Credential="))?;
    let region = credential.split('/').nth(2)?;
    (!crate::services::REGIONS.contains(&region)).then_some(region)
}

/// The access key id a request was signed with.
pub fn access_key(authorization: Option<&str>) -> Option<&str> {
    let credential = authorization?
        .split([' ', ','])
        .find_map(|part| part.trim().strip_prefix("Credential="))?;
    credential.split('/').next().filter(|s| !s.is_empty())
}

/// The service a request was signed for (`lambda`, `sqs`, `logs`, `s3`, …).
pub fn service(authorization: Option<&str>) -> Option<&str> {
    let credential = authorization?
        .split([' ', ','])
        .find_map(|part| part.trim().strip_prefix("Credential="))?;
    credential.split('/').nth(3).filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_and_region_from_the_credential() {
        let s = scope(Some("AWS4-HMAC-SHA256 Credential=123456789012/20240101/eu-west-2/lambda/aws4_request, SignedHeaders=host, Signature=abc"));
        assert_eq!(s.account, "123456789012");
        assert_eq!(s.region, "eu-west-2");
        let s = scope(Some(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-west-1/lambda/aws4_request",
        ));
        assert_eq!(s.account, DEFAULT_ACCOUNT);
        assert_eq!(s.region, "us-west-1");
        assert_eq!(
            service(Some(
                "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-west-1/sqs/aws4_request"
            )),
            Some("sqs")
        );
        assert_eq!(service(None), None);
        assert_eq!(
            unknown_region(Some(
                "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1;drop/lambda/aws4_request"
            )),
            Some("us-east-1;drop")
        );
        assert_eq!(
            unknown_region(Some(
                "AWS4-HMAC-SHA256 Credential=AKID/20240101/eu-west-3/lambda/aws4_request"
            )),
            None
        );
        let s = scope(None);
        assert_eq!(
            (s.account.as_str(), s.region.as_str()),
            (DEFAULT_ACCOUNT, DEFAULT_REGION)
        );
    }
}
