//! Refusals in the protocol of the service asked: a bad or missing
//! signature as AWS's front door answers it, and an authorisation denied.

use crate::companion::Target;
use crate::render;
use crate::sigv4::verify::Rejection;
use axum::http::HeaderValue;
use axum::response::Response;
use laminar_model::{ApiError, ErrorKind};
use quick_xml::escape::escape;

const MISMATCH: &str = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";
const INVALID_TOKEN: &str = "The security token included in the request is invalid.";
const EXPIRED_TOKEN: &str = "The security token included in the request is expired";
/// AWS's words for a credential scope whose region does not exist (the
/// trailing space is AWS's).
const BAD_REGION: &str = "Credential should be scoped to a valid region. ";

/// How a service's errors are written.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Protocol {
    /// Lambda: `x-amzn-ErrorType` and a JSON body.
    RestJson,
    /// JSON 1.0 / 1.1 services: `__type` in the body.
    Json,
    /// Query services: an `ErrorResponse` document.
    Query,
    S3,
}

fn protocol(target: Option<Target>) -> Protocol {
    match target {
        None => Protocol::RestJson,
        Some(
            Target::SqsJson
            | Target::Logs
            | Target::Kinesis
            | Target::DynamoDb
            | Target::Events
            | Target::CloudWatch,
        ) => Protocol::Json,
        Some(Target::SqsQuery | Target::Iam(_) | Target::Sns | Target::CloudWatchQuery) => {
            Protocol::Query
        }
        Some(Target::S3) => Protocol::S3,
        // Not authenticated: answered NotImplemented in their own protocol.
        Some(Target::Unserved(_)) => Protocol::Json,
    }
}

/// (status, code, message) in the protocol's own words.
fn words(rejection: &Rejection, protocol: Protocol) -> (u16, &'static str, String) {
    use Protocol::*;
    let skewed = |amz_date: &str| {
        let now = chrono::Utc::now();
        let earliest = now - chrono::TimeDelta::minutes(15);
        format!(
            "Signature expired: {amz_date} is now earlier than {} ({} - 15 min.)",
            earliest.format("%Y%m%dT%H%M%SZ"),
            now.format("%Y%m%dT%H%M%SZ")
        )
    };
    match (rejection, protocol) {
        (Rejection::Missing, S3) => (403, "AccessDenied", "Access Denied".into()),
        (Rejection::Missing, Query) => (
            403,
            "MissingAuthenticationToken",
            "Request is missing Authentication Token".into(),
        ),
        (Rejection::Missing, _) => (
            403,
            "MissingAuthenticationTokenException",
            "Missing Authentication Token".into(),
        ),
        (Rejection::UnknownKey | Rejection::BadToken, S3) => (
            403,
            "InvalidAccessKeyId",
            "The AWS Access Key Id you provided does not exist in our records.".into(),
        ),
        (Rejection::UnknownKey | Rejection::BadToken, Query) => {
            (403, "InvalidClientTokenId", INVALID_TOKEN.into())
        }
        (Rejection::UnknownKey | Rejection::BadToken, _) => {
            (403, "UnrecognizedClientException", INVALID_TOKEN.into())
        }
        (Rejection::ExpiredToken, S3) => (400, "ExpiredToken", "The provided token has expired.".into()),
        (Rejection::ExpiredToken, Query) => (403, "ExpiredToken", EXPIRED_TOKEN.into()),
        (Rejection::ExpiredToken, _) => (403, "ExpiredTokenException", EXPIRED_TOKEN.into()),
        (Rejection::Mismatch, S3) => (
            403,
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided. Check your key and signing method.".into(),
        ),
        (Rejection::Mismatch, Query) => (403, "SignatureDoesNotMatch", MISMATCH.into()),
        (Rejection::Mismatch, _) => (403, "InvalidSignatureException", MISMATCH.into()),
        (Rejection::Stale { .. }, S3) => (
            403,
            "RequestTimeTooSkewed",
            "The difference between the request time and the current time is too large.".into(),
        ),
        (Rejection::Stale { amz_date }, Query) => (403, "SignatureDoesNotMatch", skewed(amz_date)),
        (Rejection::Stale { amz_date }, _) => (403, "InvalidSignatureException", skewed(amz_date)),
        (Rejection::UnknownRegion { region }, S3) => (
            400,
            "AuthorizationHeaderMalformed",
            format!("The authorization header is malformed; the region '{region}' is wrong; expecting 'us-east-1'"),
        ),
        (Rejection::UnknownRegion { .. }, Query) => {
            (403, "SignatureDoesNotMatch", BAD_REGION.into())
        }
        (Rejection::UnknownRegion { .. }, _) => {
            (403, "InvalidSignatureException", BAD_REGION.into())
        }
    }
}

fn respond(protocol: Protocol, status: u16, code: &'static str, message: &str) -> Response {
    let mut response = match protocol {
        Protocol::RestJson => render::json(status, &serde_json::json!({ "message": message })),
        Protocol::Json => {
            let body = serde_json::json!({ "__type": code, "message": message });
            render::raw(status, "application/x-amz-json-1.1", body.to_string())
        }
        Protocol::Query => render::raw(
            status,
            "text/xml",
            format!(
                "<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{}</Message></Error><RequestId>{}</RequestId></ErrorResponse>",
                escape(message),
                uuid::Uuid::new_v4()
            ),
        ),
        Protocol::S3 => render::raw(
            status,
            "application/xml",
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{}</Message><RequestId>{}</RequestId></Error>",
                escape(message),
                uuid::Uuid::new_v4()
            ),
        ),
    };
    if protocol != Protocol::S3 {
        response
            .headers_mut()
            .insert("x-amzn-errortype", HeaderValue::from_static(code));
    }
    response
}

/// A request refused for its signature, in the protocol of `target`
/// (Lambda when `None`).
pub fn reject(target: Option<Target>, rejection: &Rejection) -> Response {
    let protocol = protocol(target);
    let (status, code, message) = words(rejection, protocol);
    respond(protocol, status, code, &message)
}

/// Lambda's `AccessDeniedException` with IAM's message.
pub fn access_denied(message: &str) -> Response {
    render::error(&ApiError::new(ErrorKind::AccessDenied, message))
}

/// A companion's refusal of an unauthorised call: `AccessDeniedException`
/// (JSON services, status 400 as they answer it), `AuthorizationError`
/// (SNS, 403), `AccessDenied` (the other query services and S3, 403).
pub fn companion_denied(target: Target, message: &str) -> Response {
    if target == Target::SqsJson {
        // Query-compatible: the code travels in `x-amzn-query-error`.
        let e = laminar_sqs::SqsError {
            code: "AccessDenied".into(),
            message: message.into(),
            status: 403,
        };
        return crate::sqs_api::json::error(&e, &uuid::Uuid::new_v4().to_string());
    }
    if target == Target::CloudWatch {
        let e = laminar_cloudwatch::CwError {
            code: "AccessDenied",
            shape: "AccessDenied",
            message: message.into(),
            status: 403,
        };
        return crate::cloudwatch_api::error(&e, &uuid::Uuid::new_v4().to_string());
    }
    match protocol(Some(target)) {
        Protocol::Json => respond(Protocol::Json, 400, "AccessDeniedException", message),
        // SNS's own code for it.
        _ if target == Target::Sns => respond(Protocol::Query, 403, "AuthorizationError", message),
        other => respond(other, 403, "AccessDenied", message),
    }
}

/// A function URL's caller without the right signature or permission:
/// `403 {"Message": "Forbidden"}`, as AWS answers.
pub fn url_forbidden() -> Response {
    let mut response = render::json(403, &serde_json::json!({ "Message": "Forbidden" }));
    response.headers_mut().insert(
        "x-amzn-errortype",
        HeaderValue::from_static("AccessDeniedException"),
    );
    response
}
