"""SNS subscriptions with a RedrivePolicy: a message the subscriber refuses
(a function that does not exist or does not let SNS invoke it, a queue that
was deleted) goes to the dead-letter queue, as the SNS envelope."""

from __future__ import annotations

import json

from laminar_testing import RECORDER, REGION, create_python_function, sqs_client
from test_sns import BASE64, TIMESTAMP, function_arn, queue_arn, receive_all, sns_client


def envelope_of(message: dict) -> dict:
    envelope = json.loads(message["Body"])
    assert TIMESTAMP.match(envelope.pop("Timestamp"))
    assert BASE64.match(envelope.pop("Signature"))
    assert envelope.pop("SigningCertURL").endswith(".pem")
    return envelope


def test_refused_deliveries_go_to_the_dead_letter_queue(laminar, tmp_path):
    sns = sns_client(laminar.url)
    sqs = sqs_client(laminar.url)
    client = laminar.client()
    topic = sns.create_topic(Name="redriven")["TopicArn"]
    dlq_url = sqs.create_queue(QueueName="redriven-dlq")["QueueUrl"]
    redrive = json.dumps({"deadLetterTargetArn": queue_arn(sqs, dlq_url)})

    # A function that does not exist, and one whose policy does not let
    # sns.amazonaws.com invoke it.
    missing = sns.subscribe(
        TopicArn=topic,
        Protocol="lambda",
        Endpoint=function_arn("redrive-missing"),
        Attributes={"RedrivePolicy": redrive},
    )["SubscriptionArn"]
    create_python_function(
        client, "redrive-unpermitted", RECORDER, Environment={"Variables": {"RUNS_DIR": str(tmp_path)}}
    )
    unpermitted = sns.subscribe(
        TopicArn=topic, Protocol="lambda", Endpoint=function_arn("redrive-unpermitted")
    )["SubscriptionArn"]
    sns.set_subscription_attributes(
        SubscriptionArn=unpermitted, AttributeName="RedrivePolicy", AttributeValue=redrive
    )
    assert (
        sns.get_subscription_attributes(SubscriptionArn=unpermitted)["Attributes"]["RedrivePolicy"]
        == redrive
    )
    # A queue deleted after subscribing; raw delivery sends the message alone.
    gone_url = sqs.create_queue(QueueName="redriven-gone")["QueueUrl"]
    sns.subscribe(
        TopicArn=topic,
        Protocol="sqs",
        Endpoint=queue_arn(sqs, gone_url),
        Attributes={"RedrivePolicy": redrive, "RawMessageDelivery": "true"},
    )
    sqs.delete_queue(QueueUrl=gone_url)

    published = sns.publish(TopicArn=topic, Message="undeliverable", Subject="Lost")
    messages = receive_all(sqs, dlq_url, 3)
    raw = [m for m in messages if m["Body"] == "undeliverable"]
    assert len(raw) == 1
    envelopes = sorted(
        (envelope_of(m) for m in messages if m["Body"] != "undeliverable"),
        key=lambda e: e["UnsubscribeURL"],
    )
    expected = [
        {
            "Type": "Notification",
            "MessageId": published["MessageId"],
            "TopicArn": topic,
            "Subject": "Lost",
            "Message": "undeliverable",
            "SignatureVersion": "1",
            "UnsubscribeURL": f"https://sns.{REGION}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn={arn}",
        }
        for arn in sorted([missing, unpermitted])
    ]
    assert envelopes == expected
    assert "Messages" not in sqs.receive_message(QueueUrl=dlq_url, WaitTimeSeconds=1)
