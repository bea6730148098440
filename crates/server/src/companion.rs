//! The companion services on laminar's one port: which service a request is
//! for, and the hand-off to its protocol adapter.
//!
//! The SigV4 credential scope names the service (`…/us-east-1/sqs/aws4_request`);
//! unsigned requests are recognised by `X-Amz-Target`, `Action=…&Version=…`
//! or an S3 host name. A service laminar does not serve gets an error in its
//! own protocol (`unknown_service.rs`). Everything else is Lambda.

use crate::app::App;
use crate::iam_api::{self, Service as IamOrSts};
use crate::unknown_service::Unserved;
use crate::{
    cloudwatch_api, cloudwatch_query, dynamodb_api, events_api, kinesis_api, logs_api, s3_api,
    sigv4, sns_api, sqs_api,
};
use axum::body::Body;
use axum::http::{HeaderMap, Method, Uri};
use axum::response::Response;

/// A companion service and the wire protocol the request speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// `X-Amz-Target: AmazonSQS.<Operation>` with a JSON body.
    SqsJson,
    /// `Action=<Operation>` in a form body or the query string.
    SqsQuery,
    /// `X-Amz-Target: Logs_20140328.<Operation>`.
    Logs,
    /// `X-Amz-Target: Kinesis_20131202.<Operation>`.
    Kinesis,
    /// `X-Amz-Target: DynamoDB_20120810.<Operation>`.
    DynamoDb,
    /// `X-Amz-Target: AWSEvents.<Operation>` (EventBridge).
    Events,
    /// `X-Amz-Target: GraniteServiceVersion20100801.<Operation>` (CloudWatch
    /// metrics, JSON 1.0 query-compatible).
    CloudWatch,
    /// CloudWatch metrics in the query protocol (`Version=2010-08-01`).
    CloudWatchQuery,
    S3,
    /// SNS (query protocol).
    Sns,
    /// IAM or STS (query protocol).
    Iam(IamOrSts),
    /// A service laminar does not serve.
    Unserved(Unserved),
}

pub fn detect(uri: &Uri, headers: &HeaderMap) -> Option<Target> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let amz_target = header("x-amz-target").unwrap_or_default();
    if amz_target.starts_with("AmazonSQS.") {
        return Some(Target::SqsJson);
    }
    if amz_target.starts_with("Logs_20140328.") {
        return Some(Target::Logs);
    }
    if amz_target.starts_with("Kinesis_20131202.") {
        return Some(Target::Kinesis);
    }
    if amz_target.starts_with("DynamoDB_20120810.")
        || amz_target.starts_with("DynamoDBStreams_20120810.")
    {
        return Some(Target::DynamoDb);
    }
    if amz_target.starts_with("AWSEvents.") {
        return Some(Target::Events);
    }
    if amz_target.starts_with(cloudwatch_api::TARGET_PREFIX) {
        return Some(Target::CloudWatch);
    }
    if !amz_target.is_empty() {
        return Some(Target::Unserved(Unserved::by_target(amz_target)));
    }
    let signed_for = sigv4::service(header("authorization"))
        .or_else(|| presigned_service(uri.query().unwrap_or_default()));
    match signed_for {
        Some("sqs") => return Some(Target::SqsQuery),
        Some("logs") => return Some(Target::Logs),
        Some("kinesis") => return Some(Target::Kinesis),
        Some("dynamodb") => return Some(Target::DynamoDb),
        Some("events") => return Some(Target::Events),
        Some("monitoring") => return Some(Target::CloudWatchQuery),
        Some("s3") => return Some(Target::S3),
        Some("sns") => return Some(Target::Sns),
        Some("iam") => return Some(Target::Iam(IamOrSts::Iam)),
        Some("sts") => return Some(Target::Iam(IamOrSts::Sts)),
        // Lambda, and function URLs with AWS_IAM auth.
        Some("lambda") => return None,
        Some(other) => return Some(Target::Unserved(Unserved::by_signing_name(other))),
        None => {}
    }
    let query = uri.query().unwrap_or_default();
    if let Some(version) = unsigned_query_version(query) {
        return Some(match version {
            "2012-11-05" => Target::SqsQuery,
            "2010-05-08" => Target::Iam(IamOrSts::Iam),
            "2011-06-15" => Target::Iam(IamOrSts::Sts),
            "2010-03-31" => Target::Sns,
            "2010-08-01" => Target::CloudWatchQuery,
            other => Target::Unserved(Unserved::by_query_version(other)),
        });
    }
    // Signature version 2, which only S3 still takes: boto3's presigned
    // URLs (`?AWSAccessKeyId=…&Signature=…`) and `Authorization: AWS key:sig`.
    let sigv2_query = query.split('&').any(|p| p.starts_with("AWSAccessKeyId="))
        && query.split('&').any(|p| p.starts_with("Signature="));
    if sigv2_query || header("authorization").is_some_and(|a| a.starts_with("AWS ")) {
        return Some(Target::S3);
    }
    header("host")
        .filter(|host| s3_api::is_s3_host(host))
        .map(|_| Target::S3)
}

/// The API version of an unsigned query-protocol call in the URL
/// (`?Action=…&Version=2012-11-05`).
fn unsigned_query_version(query: &str) -> Option<&str> {
    let mut pairs = query.split('&');
    if !pairs.clone().any(|pair| pair.starts_with("Action=")) {
        return None;
    }
    pairs.find_map(|pair| pair.strip_prefix("Version="))
}

/// The service in a presigned URL's `X-Amz-Credential`.
fn presigned_service(query: &str) -> Option<&'static str> {
    let credential = query
        .split('&')
        .find_map(|pair| pair.strip_prefix("X-Amz-Credential="))?;
    let decoded = percent_encoding::percent_decode_str(credential).decode_utf8_lossy();
    match decoded.split('/').nth(3)? {
        "s3" => Some("s3"),
        "sqs" => Some("sqs"),
        _ => None,
    }
}

pub async fn serve(
    app: &App,
    target: Target,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let scope = sigv4::scope_with(
        headers.get("authorization").and_then(|v| v.to_str().ok()),
        |key| app.iam.account_of_key(key),
    );
    match target {
        Target::SqsJson => sqs_api::serve_json(&app.sqs, &scope, &headers, body).await,
        Target::SqsQuery => sqs_api::serve_query(&app.sqs, &scope, &uri, &headers, body).await,
        Target::Logs => logs_api::serve(&app.logs, &scope, &headers, body).await,
        Target::Kinesis => kinesis_api::serve(&app.kinesis, &scope, &headers, body).await,
        Target::Sns => sns_api::serve(&app.sns, &scope, &uri, &headers, body).await,
        Target::DynamoDb => dynamodb_api::serve(&app.dynamodb, &scope, &headers, body).await,
        Target::Events => events_api::serve(&app.events, &scope, &headers, body).await,
        Target::CloudWatch => cloudwatch_api::serve(&app.cloudwatch, &scope, &headers, body).await,
        Target::CloudWatchQuery => {
            cloudwatch_query::serve(&app.cloudwatch, &scope, &uri, &headers, body).await
        }
        Target::S3 => s3_api::serve(&app.s3, &scope, method, &uri, &headers, body).await,
        Target::Iam(service) => {
            iam_api::serve(&app.iam, service, &scope, &uri, &headers, body).await
        }
        Target::Unserved(unserved) => {
            let asked = sigv4::service(headers.get("authorization").and_then(|v| v.to_str().ok()))
                .or_else(|| headers.get("x-amz-target").and_then(|v| v.to_str().ok()))
                .unwrap_or("unknown")
                .to_string();
            unserved.respond(&asked, &uuid::Uuid::new_v4().to_string())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.insert(*k, v.parse().unwrap());
        }
        map
    }

    #[test]
    fn picks_the_service_from_target_scope_or_host() {
        let uri: Uri = "/".parse().unwrap();
        let sqs = headers(&[("x-amz-target", "AmazonSQS.SendMessage")]);
        assert_eq!(detect(&uri, &sqs), Some(Target::SqsJson));
        let logs = headers(&[("x-amz-target", "Logs_20140328.PutLogEvents")]);
        assert_eq!(detect(&uri, &logs), Some(Target::Logs));
        let kinesis = headers(&[("x-amz-target", "Kinesis_20131202.PutRecord")]);
        assert_eq!(detect(&uri, &kinesis), Some(Target::Kinesis));
        let query = headers(&[(
            "authorization",
            "AWS4-HMAC-SHA256 Credential=test/20240101/us-east-1/sqs/aws4_request, SignedHeaders=host, Signature=x",
        )]);
        assert_eq!(detect(&uri, &query), Some(Target::SqsQuery));
        let s3 = headers(&[(
            "authorization",
            "AWS4-HMAC-SHA256 Credential=test/20240101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=x",
        )]);
        assert_eq!(detect(&uri, &s3), Some(Target::S3));
        let lambda = headers(&[(
            "authorization",
            "AWS4-HMAC-SHA256 Credential=test/20240101/us-east-1/lambda/aws4_request, SignedHeaders=host, Signature=x",
        )]);
        assert_eq!(detect(&uri, &lambda), None);
        let presigned: Uri =
            "/bucket/key?X-Amz-Credential=test%2F20240101%2Fus-east-1%2Fs3%2Faws4_request"
                .parse()
                .unwrap();
        assert_eq!(detect(&presigned, &HeaderMap::new()), Some(Target::S3));
        let sigv2: Uri = "/bucket/key?AWSAccessKeyId=test&Signature=abc%3D&Expires=1"
            .parse()
            .unwrap();
        assert_eq!(detect(&sigv2, &HeaderMap::new()), Some(Target::S3));
        assert_eq!(detect(&uri, &HeaderMap::new()), None);
        let unsigned: Uri = "/?Action=ListQueues&Version=2012-11-05".parse().unwrap();
        assert_eq!(detect(&unsigned, &HeaderMap::new()), Some(Target::SqsQuery));
        let iam = headers(&[(
            "authorization",
            "AWS4-HMAC-SHA256 Credential=test/20240101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=x",
        )]);
        assert_eq!(detect(&uri, &iam), Some(Target::Iam(IamOrSts::Iam)));
        let sns = headers(&[(
            "authorization",
            "AWS4-HMAC-SHA256 Credential=test/20240101/us-east-1/sns/aws4_request, SignedHeaders=host, Signature=x",
        )]);
        assert_eq!(detect(&uri, &sns), Some(Target::Sns));
        let unsigned_sns: Uri = "/?Action=ListTopics&Version=2010-03-31".parse().unwrap();
        assert_eq!(detect(&unsigned_sns, &HeaderMap::new()), Some(Target::Sns));
        let dynamo = headers(&[("x-amz-target", "DynamoDB_20120810.PutItem")]);
        assert_eq!(detect(&uri, &dynamo), Some(Target::DynamoDb));
        let events = headers(&[("x-amz-target", "AWSEvents.PutEvents")]);
        assert_eq!(detect(&uri, &events), Some(Target::Events));
        let metrics = headers(&[(
            "x-amz-target",
            "GraniteServiceVersion20100801.PutMetricData",
        )]);
        assert_eq!(detect(&uri, &metrics), Some(Target::CloudWatch));
        let metrics_query: Uri = "/?Action=ListMetrics&Version=2010-08-01".parse().unwrap();
        assert_eq!(
            detect(&metrics_query, &HeaderMap::new()),
            Some(Target::CloudWatchQuery)
        );
        let streams = headers(&[("x-amz-target", "DynamoDBStreams_20120810.ListStreams")]);
        assert_eq!(detect(&uri, &streams), Some(Target::DynamoDb));
        let sts: Uri = "/?Action=GetCallerIdentity&Version=2011-06-15"
            .parse()
            .unwrap();
        assert_eq!(
            detect(&sts, &HeaderMap::new()),
            Some(Target::Iam(IamOrSts::Sts))
        );
    }
}
