//! SNS on the wire: the query protocol (`Action=…&Version=2010-03-31`, the
//! only protocol botocore's 2010-03-31 model lists), answered in XML.
//! Parameters (`Attributes.entry.N.key`, `Tags.member.N.Key`,
//! `MessageAttributes.entry.N.Value.StringValue`, …) become the service's
//! typed inputs here; the service checks them.

use crate::render;
use axum::body::Body;
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use base64::Engine;
use laminar_lambda::Scope;
use laminar_sns::{
    BatchEntry, Caller, MessageAttribute, Page, PublishInput, SnsError, SnsService,
    SubscriptionSummary,
};
use quick_xml::escape::escape;
use std::collections::{BTreeMap, HashMap};

const NAMESPACE: &str = "http://sns.amazonaws.com/doc/2010-03-31/";
/// A PublishBatch of ten 256 KiB messages, form-encoded.
const BODY_MAX_BYTES: usize = 8 * 1024 * 1024;

pub async fn serve(
    sns: &SnsService,
    scope: &Scope,
    uri: &Uri,
    _headers: &HeaderMap,
    body: Body,
) -> Response {
    let id = uuid::Uuid::new_v4().to_string();
    let Ok(bytes) = axum::body::to_bytes(body, BODY_MAX_BYTES).await else {
        return error(&SnsError::invalid("Message too long"), &id);
    };
    let mut pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(uri.query().unwrap_or_default()).unwrap_or_default();
    pairs.extend(serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes).unwrap_or_default());
    let params: Params = pairs.into_iter().collect();
    let action = params.get("Action").cloned().unwrap_or_default();
    let sns = sns.clone();
    let scope = scope.clone();
    let action_for_call = action.clone();
    let result = laminar_db::try_blocking(move || {
        let caller = Caller {
            account: &scope.account,
            region: &scope.region,
        };
        call(&sns, caller, &action_for_call, &params)
    })
    .await;
    match result {
        Ok(inner) => {
            let xml = format!(
                "<{action}Response xmlns=\"{NAMESPACE}\">{inner}<ResponseMetadata><RequestId>{id}</RequestId></ResponseMetadata></{action}Response>"
            );
            render::with_request_id(render::raw(200, "text/xml", xml), &id)
        }
        Err(e) => error(&e, &id),
    }
}

type Params = HashMap<String, String>;

fn required<'a>(params: &'a Params, name: &str) -> Result<&'a str, SnsError> {
    params
        .get(name)
        .map(String::as_str)
        .ok_or_else(|| SnsError::invalid_value(format!("1 validation error detected: Value null at '{}' failed to satisfy constraint: Member must not be null", lower_first(name))))
}

fn lower_first(name: &str) -> String {
    let mut chars = name.chars();
    chars
        .next()
        .map(|c| c.to_ascii_lowercase().to_string() + chars.as_str())
        .unwrap_or_default()
}

/// `Prefix.entry.N.key` / `.value` (or `.member.N.Key` / `.Value`) pairs.
fn map_param(
    params: &Params,
    prefix: &str,
    item: &str,
    key: &str,
    value: &str,
) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for n in 1.. {
        let Some(k) = params.get(&format!("{prefix}.{item}.{n}.{key}")) else {
            break;
        };
        let v = params
            .get(&format!("{prefix}.{item}.{n}.{value}"))
            .cloned()
            .unwrap_or_default();
        out.insert(k.clone(), v);
    }
    out
}

fn list_param(params: &Params, prefix: &str) -> Vec<String> {
    (1..)
        .map_while(|n| params.get(&format!("{prefix}.member.{n}")).cloned())
        .collect()
}

fn message_attributes(
    params: &Params,
    prefix: &str,
) -> Result<BTreeMap<String, MessageAttribute>, SnsError> {
    let mut out = BTreeMap::new();
    for n in 1.. {
        let base = format!("{prefix}.entry.{n}");
        let Some(name) = params.get(&format!("{base}.Name")) else {
            break;
        };
        let get = |field: &str| params.get(&format!("{base}.Value.{field}")).cloned();
        let binary_value = match get("BinaryValue") {
            Some(b) => Some(
                base64::engine::general_purpose::STANDARD
                    .decode(b)
                    .map_err(|_| {
                        SnsError::invalid_value(format!(
                            "The message attribute '{name}' has an invalid binary value."
                        ))
                    })?,
            ),
            None => None,
        };
        out.insert(
            name.clone(),
            MessageAttribute {
                data_type: get("DataType").unwrap_or_default(),
                string_value: get("StringValue"),
                binary_value,
            },
        );
    }
    Ok(out)
}

fn publish_input(
    params: &Params,
    prefix: &str,
    topic_arn: String,
) -> Result<PublishInput, SnsError> {
    let get = |name: &str| params.get(&format!("{prefix}{name}")).cloned();
    Ok(PublishInput {
        topic_arn,
        message: get("Message").ok_or_else(|| {
            SnsError::invalid_value("1 validation error detected: Value null at 'message' failed to satisfy constraint: Member must not be null")
        })?,
        subject: get("Subject"),
        message_structure: get("MessageStructure"),
        message_attributes: message_attributes(params, &format!("{prefix}MessageAttributes"))?,
        message_group_id: get("MessageGroupId"),
        message_deduplication_id: get("MessageDeduplicationId"),
    })
}

fn call(
    sns: &SnsService,
    caller: Caller<'_>,
    action: &str,
    params: &Params,
) -> Result<String, SnsError> {
    let token = params.get("NextToken").map(String::as_str);
    let result = |action: &str, body: String| format!("<{action}Result>{body}</{action}Result>");
    match action {
        "CreateTopic" => {
            let arn = sns.create_topic(
                caller,
                required(params, "Name")?,
                map_param(params, "Attributes", "entry", "key", "value"),
                map_param(params, "Tags", "member", "Key", "Value"),
            )?;
            Ok(result(action, element("TopicArn", &arn)))
        }
        "DeleteTopic" => {
            sns.delete_topic(caller, required(params, "TopicArn")?)?;
            Ok(String::new())
        }
        "ListTopics" => {
            let page = sns.list_topics(caller, token)?;
            let members: String = page
                .items
                .iter()
                .map(|arn| format!("<member>{}</member>", element("TopicArn", arn)))
                .collect();
            Ok(result(
                action,
                format!("<Topics>{members}</Topics>{}", next(&page)),
            ))
        }
        "GetTopicAttributes" => {
            let attributes = sns.get_topic_attributes(caller, required(params, "TopicArn")?)?;
            Ok(result(action, entries(&attributes)))
        }
        "SetTopicAttributes" => {
            sns.set_topic_attributes(
                caller,
                required(params, "TopicArn")?,
                required(params, "AttributeName")?,
                params
                    .get("AttributeValue")
                    .map(String::as_str)
                    .unwrap_or_default(),
            )?;
            Ok(String::new())
        }
        "Subscribe" => {
            let arn = sns.subscribe(
                caller,
                required(params, "TopicArn")?,
                required(params, "Protocol")?,
                params.get("Endpoint").map(String::as_str),
                map_param(params, "Attributes", "entry", "key", "value"),
            )?;
            // A subscription waiting for its confirmation is answered as
            // such, unless the caller asked for the ARN.
            let asked = params.get("ReturnSubscriptionArn").map(String::as_str) == Some("true");
            let shown = if !asked && sns.subscription_pending(&arn)? {
                "pending confirmation"
            } else {
                arn.as_str()
            };
            Ok(result(action, element("SubscriptionArn", shown)))
        }
        "ConfirmSubscription" => {
            let arn = sns.confirm_subscription(
                caller,
                required(params, "TopicArn")?,
                required(params, "Token")?,
            )?;
            Ok(result(action, element("SubscriptionArn", &arn)))
        }
        "Unsubscribe" => {
            sns.unsubscribe(caller, required(params, "SubscriptionArn")?)?;
            Ok(String::new())
        }
        "ListSubscriptions" => {
            let page = sns.list_subscriptions(caller, token)?;
            Ok(result(action, subscriptions(&page)))
        }
        "ListSubscriptionsByTopic" => {
            let page =
                sns.list_subscriptions_by_topic(caller, required(params, "TopicArn")?, token)?;
            Ok(result(action, subscriptions(&page)))
        }
        "GetSubscriptionAttributes" => {
            let attributes =
                sns.get_subscription_attributes(caller, required(params, "SubscriptionArn")?)?;
            Ok(result(action, entries(&attributes)))
        }
        "SetSubscriptionAttributes" => {
            sns.set_subscription_attributes(
                caller,
                required(params, "SubscriptionArn")?,
                required(params, "AttributeName")?,
                params
                    .get("AttributeValue")
                    .map(String::as_str)
                    .unwrap_or_default(),
            )?;
            Ok(String::new())
        }
        "Publish" => {
            let topic = params
                .get("TopicArn")
                .or_else(|| params.get("TargetArn"))
                .cloned()
                .ok_or_else(|| {
                    SnsError::invalid(
                        "TopicArn or TargetArn Reason: no value for required parameter",
                    )
                })?;
            let published = sns.publish(caller, publish_input(params, "", topic)?)?;
            let mut body = element("MessageId", &published.message_id);
            if let Some(sequence) = &published.sequence_number {
                body.push_str(&element("SequenceNumber", sequence));
            }
            Ok(result(action, body))
        }
        "PublishBatch" => {
            let topic = required(params, "TopicArn")?.to_string();
            let mut batch = Vec::new();
            for n in 1.. {
                let prefix = format!("PublishBatchRequestEntries.member.{n}.");
                let Some(id) = params.get(&format!("{prefix}Id")) else {
                    break;
                };
                batch.push(BatchEntry {
                    id: id.clone(),
                    input: publish_input(params, &prefix, topic.clone())?,
                });
            }
            let outcome = sns.publish_batch(caller, &topic, batch)?;
            let successful: String = outcome
                .successful
                .iter()
                .map(|(id, p)| {
                    let sequence = p
                        .sequence_number
                        .as_deref()
                        .map(|s| element("SequenceNumber", s))
                        .unwrap_or_default();
                    format!(
                        "<member>{}{}{sequence}</member>",
                        element("Id", id),
                        element("MessageId", &p.message_id)
                    )
                })
                .collect();
            let failed: String = outcome
                .failed
                .iter()
                .map(|(id, code, message, sender)| {
                    format!(
                        "<member>{}{}{}{}</member>",
                        element("Id", id),
                        element("Code", code),
                        element("Message", message),
                        element("SenderFault", &sender.to_string())
                    )
                })
                .collect();
            Ok(result(
                action,
                format!("<Successful>{successful}</Successful><Failed>{failed}</Failed>"),
            ))
        }
        "TagResource" => {
            sns.tag_resource(
                caller,
                required(params, "ResourceArn")?,
                map_param(params, "Tags", "member", "Key", "Value"),
            )?;
            Ok(result(action, String::new()))
        }
        "UntagResource" => {
            sns.untag_resource(
                caller,
                required(params, "ResourceArn")?,
                &list_param(params, "TagKeys"),
            )?;
            Ok(result(action, String::new()))
        }
        "ListTagsForResource" => {
            let tags = sns.list_tags(caller, required(params, "ResourceArn")?)?;
            let members: String = tags
                .iter()
                .map(|(k, v)| {
                    format!(
                        "<member>{}{}</member>",
                        element("Key", k),
                        element("Value", v)
                    )
                })
                .collect();
            Ok(result(action, format!("<Tags>{members}</Tags>")))
        }
        other => Err(SnsError {
            code: "InvalidAction",
            message: format!("The action {other} is not valid for this web service."),
            status: 400,
        }),
    }
}

fn element(name: &str, value: &str) -> String {
    format!("<{name}>{}</{name}>", escape(value))
}

fn next<T>(page: &Page<T>) -> String {
    page.next_token
        .as_deref()
        .map(|t| element("NextToken", t))
        .unwrap_or_default()
}

fn entries(attributes: &BTreeMap<String, String>) -> String {
    let entries: String = attributes
        .iter()
        .map(|(k, v)| {
            format!(
                "<entry>{}{}</entry>",
                element("key", k),
                element("value", v)
            )
        })
        .collect();
    format!("<Attributes>{entries}</Attributes>")
}

fn subscriptions(page: &Page<SubscriptionSummary>) -> String {
    let members: String = page
        .items
        .iter()
        .map(|s| {
            format!(
                "<member>{}{}{}{}{}</member>",
                element("TopicArn", &s.topic_arn),
                element("Protocol", &s.protocol),
                element("SubscriptionArn", &s.subscription_arn),
                element("Owner", &s.owner),
                element("Endpoint", &s.endpoint)
            )
        })
        .collect();
    format!("<Subscriptions>{members}</Subscriptions>{}", next(page))
}

fn error(e: &SnsError, id: &str) -> Response {
    let xml = format!(
        "<ErrorResponse xmlns=\"{NAMESPACE}\"><Error><Type>{}</Type><Code>{}</Code><Message>{}</Message></Error><RequestId>{id}</RequestId></ErrorResponse>",
        e.fault(),
        e.code,
        escape(e.message.as_str()),
    );
    render::with_request_id(render::raw(e.status, "text/xml", xml), id)
}
