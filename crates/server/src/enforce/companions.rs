//! The companion services' requests as IAM sees them: the action
//! (`sqs:SendMessage`, `s3:GetObject` …) and the resource's ARN, read from
//! the request the way each protocol carries them. AssumeRole's resource
//! policy is the role's trust policy.

use crate::companion::Target;
use crate::iam_api::Service as IamOrSts;
use crate::s3_api;
use axum::http::{HeaderMap, Method, Uri};
use laminar_lambda::Scope;
use serde_json::Value;

/// One companion request to authorise.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Asked {
    pub action: String,
    pub resource: String,
}

/// The operation's parameters, from a JSON body or a query form.
struct Params {
    json: Value,
    form: Vec<(String, String)>,
}

impl Params {
    fn get(&self, name: &str) -> Option<String> {
        if let Some(v) = self.json.get(name).and_then(Value::as_str) {
            return Some(v.to_string());
        }
        self.form
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    }
}

/// What a companion request asks; `None` for calls AWS lets anyone make
/// (`sts:GetCallerIdentity`).
pub fn asked(
    target: Target,
    scope: &Scope,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: Option<&[u8]>,
) -> Option<Asked> {
    let body = body.unwrap_or_default();
    let mut form: Vec<(String, String)> =
        serde_urlencoded::from_str(uri.query().unwrap_or_default()).unwrap_or_default();
    form.extend(serde_urlencoded::from_bytes::<Vec<(String, String)>>(body).unwrap_or_default());
    let params = Params {
        json: serde_json::from_slice(body).unwrap_or_default(),
        form,
    };
    let operation = headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .and_then(|t| t.split_once('.'))
        .map(|(_, op)| op.to_string())
        .or_else(|| params.get("Action"))
        .unwrap_or_default();
    let (region, account) = (&scope.region, &scope.account);
    let asked = |prefix: &str, resource: String| Asked {
        action: format!("{prefix}:{operation}"),
        resource,
    };
    Some(match target {
        Target::SqsJson | Target::SqsQuery => {
            let queue = params
                .get("QueueUrl")
                .and_then(|url| {
                    let mut parts = url.trim_end_matches('/').rsplit('/');
                    let name = parts.next()?.to_string();
                    let owner = parts.next()?.to_string();
                    Some((owner, name))
                })
                .or_else(|| params.get("QueueName").map(|n| (account.clone(), n)));
            let resource = match queue {
                Some((owner, name)) => format!("arn:aws:sqs:{region}:{owner}:{name}"),
                None => "*".into(),
            };
            // SQS names its actions in lower case in its refusals.
            Asked {
                action: format!("sqs:{}", operation.to_ascii_lowercase()),
                resource,
            }
        }
        Target::Kinesis => {
            let resource = params
                .get("StreamARN")
                .or_else(|| params.get("ConsumerARN"))
                .or_else(|| {
                    params
                        .get("StreamName")
                        .map(|n| format!("arn:aws:kinesis:{region}:{account}:stream/{n}"))
                })
                .unwrap_or_else(|| "*".into());
            asked("kinesis", resource)
        }
        Target::Sns => {
            let resource = params
                .get("TopicArn")
                .or_else(|| params.get("TargetArn"))
                .or_else(|| params.get("ResourceArn"))
                .or_else(|| {
                    params
                        .get("Name")
                        .map(|n| format!("arn:aws:sns:{region}:{account}:{n}"))
                })
                .unwrap_or_else(|| "*".into());
            // SNS writes its service prefix in capitals (`SNS:Publish`).
            asked("SNS", resource)
        }
        Target::DynamoDb => {
            let resource = params
                .get("TableName")
                .map(|t| {
                    if t.starts_with("arn:") {
                        t
                    } else {
                        format!("arn:aws:dynamodb:{region}:{account}:table/{t}")
                    }
                })
                .or_else(|| params.get("ResourceArn"))
                // DynamoDB Streams: the stream, named or carried by the iterator.
                .or_else(|| params.get("StreamArn"))
                .or_else(|| {
                    params
                        .get("ShardIterator")
                        .and_then(|i| i.split_once('|').map(|(arn, _)| arn.to_string()))
                })
                .unwrap_or_else(|| "*".into());
            asked("dynamodb", resource)
        }
        Target::Events => {
            // A rule (by name, on a bus), a bus, or a tagged resource.
            let bus = params
                .get("EventBusName")
                .map(|b| b.rsplit('/').next().unwrap_or_default().to_string())
                .unwrap_or_else(|| "default".into());
            let rule = params.get("Rule").or_else(|| {
                operation
                    .contains("Rule")
                    .then(|| params.get("Name"))
                    .flatten()
            });
            let resource = params
                .get("ResourceARN")
                .or_else(|| {
                    rule.map(|r| match bus.as_str() {
                        "default" => format!("arn:aws:events:{region}:{account}:rule/{r}"),
                        b => format!("arn:aws:events:{region}:{account}:rule/{b}/{r}"),
                    })
                })
                .or_else(|| {
                    operation
                        .contains("EventBus")
                        .then(|| params.get("Name"))
                        .flatten()
                        .map(|n| format!("arn:aws:events:{region}:{account}:event-bus/{n}"))
                })
                .unwrap_or_else(|| format!("arn:aws:events:{region}:{account}:event-bus/{bus}"));
            asked("events", resource)
        }
        // CloudWatch's metric actions name no resource.
        Target::CloudWatch | Target::CloudWatchQuery => asked("cloudwatch", "*".into()),
        Target::Logs => {
            let resource = params
                .get("logGroupName")
                .map(|g| format!("arn:aws:logs:{region}:{account}:log-group:{g}"))
                .unwrap_or_else(|| "*".into());
            asked("logs", resource)
        }
        Target::Iam(IamOrSts::Sts) => {
            if operation == "GetCallerIdentity" {
                return None;
            }
            asked("sts", params.get("RoleArn").unwrap_or_else(|| "*".into()))
        }
        Target::Iam(IamOrSts::Iam) => {
            let resource = if let Some(arn) = params.get("PolicyArn") {
                arn
            } else if let Some(role) = params.get("RoleName") {
                format!("arn:aws:iam::{account}:role/{role}")
            } else if let Some(group) = params.get("GroupName") {
                format!("arn:aws:iam::{account}:group/{group}")
            } else if let Some(user) = params.get("UserName") {
                format!("arn:aws:iam::{account}:user/{user}")
            } else if let Some(policy) = params.get("PolicyName") {
                format!("arn:aws:iam::{account}:policy/{policy}")
            } else {
                "*".into()
            };
            asked("iam", resource)
        }
        Target::S3 => s3(method, uri, headers),
        Target::Unserved(_) => return None,
    })
}

/// S3's actions are named by what they touch, not by the operation.
fn s3(method: &Method, uri: &Uri, headers: &HeaderMap) -> Asked {
    let address = s3_api::address(uri, headers);
    let query = uri.query().unwrap_or_default();
    let sub = |name: &str| {
        query
            .split('&')
            .any(|p| p == name || p.starts_with(&format!("{name}=")))
    };
    let (action, resource) = match (&address.bucket, &address.key) {
        (None, _) => ("ListAllMyBuckets", "*".to_string()),
        (Some(bucket), Some(key)) => {
            let action = match *method {
                Method::GET | Method::HEAD => "GetObject",
                Method::DELETE if sub("uploadId") => "AbortMultipartUpload",
                Method::DELETE => "DeleteObject",
                _ => "PutObject",
            };
            (action, format!("arn:aws:s3:::{bucket}/{key}"))
        }
        (Some(bucket), None) => {
            let action = match *method {
                Method::GET if sub("notification") => "GetBucketNotification",
                Method::PUT if sub("notification") => "PutBucketNotification",
                Method::GET if sub("uploads") => "ListBucketMultipartUploads",
                Method::GET if sub("location") => "GetBucketLocation",
                Method::GET | Method::HEAD => "ListBucket",
                Method::PUT => "CreateBucket",
                Method::DELETE => "DeleteBucket",
                // Multi-object delete.
                _ => "DeleteObject",
            };
            (action, format!("arn:aws:s3:::{bucket}"))
        }
    };
    Asked {
        action: format!("s3:{action}"),
        resource,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope() -> Scope {
        Scope {
            account: "111122223333".into(),
            region: "eu-west-1".into(),
        }
    }

    #[test]
    fn actions_and_resources_by_protocol() {
        let uri: Uri = "/".parse().unwrap();
        let mut headers = HeaderMap::new();
        headers.insert("x-amz-target", "AmazonSQS.SendMessage".parse().unwrap());
        let body = br#"{"QueueUrl":"http://localhost:4566/444455556666/jobs","MessageBody":"x"}"#;
        assert_eq!(
            asked(
                Target::SqsJson,
                &scope(),
                &Method::POST,
                &uri,
                &headers,
                Some(body)
            ),
            Some(Asked {
                action: "sqs:sendmessage".into(),
                resource: "arn:aws:sqs:eu-west-1:444455556666:jobs".into()
            })
        );
        let form = b"Action=CreateRole&RoleName=deployer&Version=2010-05-08";
        let asked_iam = asked(
            Target::Iam(IamOrSts::Iam),
            &scope(),
            &Method::POST,
            &uri,
            &HeaderMap::new(),
            Some(form),
        );
        assert_eq!(
            asked_iam.map(|a| (a.action, a.resource)),
            Some((
                "iam:CreateRole".into(),
                "arn:aws:iam::111122223333:role/deployer".into()
            ))
        );
        let sts = b"Action=GetCallerIdentity&Version=2011-06-15";
        let none = asked(
            Target::Iam(IamOrSts::Sts),
            &scope(),
            &Method::POST,
            &uri,
            &HeaderMap::new(),
            Some(sts),
        );
        assert_eq!(none, None);
        let object: Uri = "/bucket/a%20b.txt".parse().unwrap();
        let s3 = asked(
            Target::S3,
            &scope(),
            &Method::GET,
            &object,
            &HeaderMap::new(),
            None,
        );
        assert_eq!(
            s3.map(|a| (a.action, a.resource)),
            Some(("s3:GetObject".into(), "arn:aws:s3:::bucket/a b.txt".into()))
        );
        let stream =
            "arn:aws:dynamodb:eu-west-1:111122223333:table/T/stream/2026-01-01T00:00:00.000";
        let mut streams = HeaderMap::new();
        streams.insert(
            "x-amz-target",
            "DynamoDBStreams_20120810.GetRecords".parse().unwrap(),
        );
        let body = format!(r#"{{"ShardIterator":"{stream}|1|AAAA"}}"#);
        let records = asked(
            Target::DynamoDb,
            &scope(),
            &Method::POST,
            &uri,
            &streams,
            Some(body.as_bytes()),
        );
        assert_eq!(
            records.map(|a| (a.action, a.resource)),
            Some(("dynamodb:GetRecords".into(), stream.into()))
        );
    }
}
