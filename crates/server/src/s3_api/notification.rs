//! `?notification` on a bucket: PutBucketNotificationConfiguration and
//! GetBucketNotificationConfiguration in the S3 model's XML (the Lambda
//! list is `CloudFunctionConfiguration` / `CloudFunction` on the wire).

use super::xml::{self, Element, Xml};
use super::{blocking, empty, s3_error, xml_response, Call};
use axum::response::Response;
use laminar_s3::{FilterRule, NotificationConfig, S3Error, TargetConfig};

fn malformed() -> S3Error {
    s3_error(
        400,
        "MalformedXML",
        "The XML you provided was not well-formed or did not validate against our published schema",
    )
}

/// The element names of one kind of destination: the configuration and
/// the member holding the ARN.
const KINDS: [(&str, &str); 3] = [
    ("CloudFunctionConfiguration", "CloudFunction"),
    ("QueueConfiguration", "Queue"),
    ("TopicConfiguration", "Topic"),
];

fn target(element: &Element, arn_member: &str) -> Result<TargetConfig, S3Error> {
    let arn = element.child_text(arn_member).ok_or_else(malformed)?;
    let events: Vec<String> = element
        .children_named("Event")
        .map(|e| e.text.trim().to_string())
        .collect();
    if events.is_empty() {
        return Err(malformed());
    }
    let mut filter_rules = Vec::new();
    if let Some(key) = element
        .child("Filter")
        .and_then(|filter| filter.child("S3Key"))
    {
        for rule in key.children_named("FilterRule") {
            filter_rules.push(FilterRule {
                name: rule.child_text("Name").unwrap_or_default(),
                value: rule.child_text("Value").unwrap_or_default(),
            });
        }
    }
    Ok(TargetConfig {
        id: element.child_text("Id").unwrap_or_default(),
        arn,
        events,
        filter_rules,
    })
}

/// The configuration a request body describes.
fn parse(body: &[u8]) -> Result<NotificationConfig, S3Error> {
    let root = xml::parse(body).ok_or_else(malformed)?;
    if root.name != "NotificationConfiguration" {
        return Err(malformed());
    }
    let mut config = NotificationConfig {
        event_bridge: root.child("EventBridgeConfiguration").is_some(),
        ..NotificationConfig::default()
    };
    for (index, (element, arn_member)) in KINDS.iter().enumerate() {
        let list = match index {
            0 => &mut config.lambda,
            1 => &mut config.queue,
            _ => &mut config.topic,
        };
        for e in root.children_named(element) {
            list.push(target(e, arn_member)?);
        }
    }
    Ok(config)
}

pub(super) async fn put(
    call: &Call<'_>,
    bucket: &str,
    body: bytes::Bytes,
) -> Result<Response, S3Error> {
    let config = parse(&body)?;
    let skip = call
        .header("x-amz-skip-destination-validation")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let (bucket, request_id) = (bucket.to_string(), call.request_id.to_string());
    blocking(call.s3, move |s3| {
        s3.put_bucket_notification(&bucket, config, &request_id, skip)
    })
    .await?;
    Ok(empty(200))
}

pub(super) fn get(call: &Call<'_>, bucket: &str) -> Result<Response, S3Error> {
    let config = call.s3.bucket_notification(bucket)?;
    let root = "NotificationConfiguration";
    let mut doc = Xml::document(root);
    let lists = [&config.lambda, &config.queue, &config.topic];
    for ((element, arn_member), list) in KINDS.iter().zip(lists) {
        for target in list {
            doc.open(element)
                .leaf("Id", &target.id)
                .leaf(arn_member, &target.arn);
            for event in &target.events {
                doc.leaf("Event", event);
            }
            if !target.filter_rules.is_empty() {
                doc.open("Filter").open("S3Key");
                for rule in &target.filter_rules {
                    doc.open("FilterRule")
                        .leaf("Name", &rule.name)
                        .leaf("Value", &rule.value)
                        .close("FilterRule");
                }
                doc.close("S3Key").close("Filter");
            }
            doc.close(element);
        }
    }
    if config.event_bridge {
        doc.open("EventBridgeConfiguration")
            .close("EventBridgeConfiguration");
    }
    Ok(xml_response(200, doc.finish(root)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_kind_of_destination() {
        let body = br#"<NotificationConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
          <CloudFunctionConfiguration><Id>f</Id><CloudFunction>arn:aws:lambda:us-east-1:1:function:f</CloudFunction>
            <Event>s3:ObjectCreated:*</Event><Event>s3:ObjectRemoved:*</Event>
            <Filter><S3Key><FilterRule><Name>prefix</Name><Value>in/</Value></FilterRule>
            <FilterRule><Name>suffix</Name><Value>.jpg</Value></FilterRule></S3Key></Filter>
          </CloudFunctionConfiguration>
          <QueueConfiguration><Queue>arn:aws:sqs:us-east-1:1:q</Queue><Event>s3:ObjectCreated:Put</Event></QueueConfiguration>
        </NotificationConfiguration>"#;
        let config = parse(body).unwrap();
        assert_eq!(config.lambda.len(), 1);
        assert_eq!(config.lambda[0].id, "f");
        assert_eq!(config.lambda[0].events.len(), 2);
        assert_eq!(config.lambda[0].filter_rules[1].value, ".jpg");
        assert_eq!(config.queue[0].arn, "arn:aws:sqs:us-east-1:1:q");
        assert!(config.queue[0].id.is_empty());
        assert!(config.topic.is_empty());
        assert!(parse(b"<Nope/>").is_err());
        assert!(parse(b"<NotificationConfiguration><QueueConfiguration><Event>x</Event></QueueConfiguration></NotificationConfiguration>").is_err());
    }
}
