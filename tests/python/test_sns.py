"""SNS through boto3 and the AWS CLI against a real laminar: topics,
subscriptions, filter policies, and delivery to functions (the SNS event as
AWS documents it) and queues (the SNS envelope, or the raw message)."""

from __future__ import annotations

import base64
import json
import os
import re
import signal
import subprocess
import sys

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from laminar_testing import (
    ACCOUNT,
    AWS_ENV,
    REGION,
    UUID,
    recording_function,
    runs,
    sqs_client,
    wait_for,
)
from test_kinesis_mappings import setup as kinesis_setup

TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
BASE64 = re.compile(r"^[A-Za-z0-9+/]+={0,2}$")


def sns_client(endpoint_url: str):
    return boto3.client(
        "sns",
        endpoint_url=endpoint_url,
        region_name=REGION,
        aws_access_key_id=AWS_ENV["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=AWS_ENV["AWS_SECRET_ACCESS_KEY"],
        config=Config(retries={"total_max_attempts": 1}),
    )


def topic_arn(name: str) -> str:
    return f"arn:aws:sns:{REGION}:{ACCOUNT}:{name}"


def function_arn(name: str) -> str:
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"


def recorder(client, name, runs_dir, topic=None):
    principal = "sns.amazonaws.com" if topic is not None else None
    return recording_function(client, name, runs_dir, principal, topic)


def error_of(call, *args, **kwargs):
    with pytest.raises(ClientError) as info:
        call(*args, **kwargs)
    response = info.value.response
    return (
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"]["Code"],
        response["Error"]["Message"],
    )


def queue_arn(sqs, url: str) -> str:
    return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]


def receive_all(sqs, url: str, count: int) -> list[dict]:
    got: list[dict] = []

    def more():
        answer = sqs.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=10,
            WaitTimeSeconds=1,
            MessageAttributeNames=["All"],
        )
        for message in answer.get("Messages", []):
            got.append(message)
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        return len(got) >= count

    wait_for(more, timeout=30, what=f"{count} messages in the queue")
    return got


def test_topics_and_subscriptions_answer_as_aws(laminar):
    sns = sns_client(laminar.url)
    sqs = sqs_client(laminar.url)
    arn = sns.create_topic(Name="lifecycle", Tags=[{"Key": "team", "Value": "a"}])["TopicArn"]
    assert arn == topic_arn("lifecycle")
    # Idempotent for the same name and attributes.
    assert sns.create_topic(Name="lifecycle")["TopicArn"] == arn
    attributes = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
    policy = json.loads(attributes.pop("Policy"))
    assert policy["Statement"][0]["Resource"] == arn
    assert policy["Statement"][0]["Condition"] == {"StringEquals": {"AWS:SourceOwner": ACCOUNT}}
    assert json.loads(attributes.pop("EffectiveDeliveryPolicy"))["http"]["defaultHealthyRetryPolicy"]["numRetries"] == 3
    assert attributes == {
        "TopicArn": arn,
        "Owner": ACCOUNT,
        "DisplayName": "",
        "SubscriptionsConfirmed": "0",
        "SubscriptionsPending": "0",
        "SubscriptionsDeleted": "0",
    }
    sns.set_topic_attributes(TopicArn=arn, AttributeName="DisplayName", AttributeValue="Life")
    assert sns.get_topic_attributes(TopicArn=arn)["Attributes"]["DisplayName"] == "Life"
    assert arn in [t["TopicArn"] for t in sns.list_topics()["Topics"]]

    url = sqs.create_queue(QueueName="sns-lifecycle")["QueueUrl"]
    sub = sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=queue_arn(sqs, url))[
        "SubscriptionArn"
    ]
    assert sub.startswith(arn + ":") and UUID.match(sub.rsplit(":", 1)[1])
    listed = sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"]
    assert listed == [
        {
            "SubscriptionArn": sub,
            "Owner": ACCOUNT,
            "Protocol": "sqs",
            "Endpoint": queue_arn(sqs, url),
            "TopicArn": arn,
        }
    ]
    assert listed[0] in sns.list_subscriptions()["Subscriptions"]
    sns.set_subscription_attributes(
        SubscriptionArn=sub, AttributeName="FilterPolicy", AttributeValue='{"k": ["v"]}'
    )
    assert sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"] == {
        "SubscriptionArn": sub,
        "TopicArn": arn,
        "Owner": ACCOUNT,
        "Protocol": "sqs",
        "Endpoint": queue_arn(sqs, url),
        "ConfirmationWasAuthenticated": "true",
        "PendingConfirmation": "false",
        "RawMessageDelivery": "false",
        "SubscriptionPrincipal": f"arn:aws:iam::{ACCOUNT}:root",
        "FilterPolicy": '{"k": ["v"]}',
        "FilterPolicyScope": "MessageAttributes",
    }
    assert sns.get_topic_attributes(TopicArn=arn)["Attributes"]["SubscriptionsConfirmed"] == "1"

    sns.tag_resource(ResourceArn=arn, Tags=[{"Key": "env", "Value": "dev"}])
    sns.untag_resource(ResourceArn=arn, TagKeys=["team"])
    assert sns.list_tags_for_resource(ResourceArn=arn)["Tags"] == [{"Key": "env", "Value": "dev"}]

    sns.unsubscribe(SubscriptionArn=sub)
    assert sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"] == []
    sns.delete_topic(TopicArn=arn)
    assert arn not in [t["TopicArn"] for t in sns.list_topics()["Topics"]]


def test_bad_requests_get_aws_errors_word_for_word(laminar):
    sns = sns_client(laminar.url)
    missing = topic_arn("no-such-topic")
    assert error_of(sns.publish, TopicArn=missing, Message="x") == (
        404,
        "NotFound",
        "Topic does not exist",
    )
    assert error_of(sns.get_topic_attributes, TopicArn=missing) == (
        404,
        "NotFound",
        "Topic does not exist",
    )
    assert error_of(sns.create_topic, Name="bad name") == (
        400,
        "InvalidParameter",
        "Invalid parameter: Topic Name",
    )
    assert error_of(sns.create_topic, Name="plain", Attributes={"FifoTopic": "true"}) == (
        400,
        "InvalidParameter",
        "Invalid parameter: Fifo Topic names must end with .fifo and must be made up of only "
        "uppercase and lowercase ASCII letters, numbers, underscores, and hyphens, and must be "
        "between 1 and 256 characters long.",
    )
    arn = sns.create_topic(Name="errors")["TopicArn"]
    assert error_of(sns.publish, TopicArn=arn, Message="") == (
        400,
        "InvalidParameter",
        "Invalid parameter: Empty message",
    )
    assert error_of(sns.subscribe, TopicArn=arn, Protocol="carrier-pigeon", Endpoint="x") == (
        400,
        "InvalidParameter",
        "Invalid parameter: Amazon SNS does not support this protocol string: carrier-pigeon",
    )
    assert error_of(sns.subscribe, TopicArn=arn, Protocol="sqs", Endpoint="not-an-arn") == (
        400,
        "InvalidParameter",
        "Invalid parameter: SQS endpoint ARN",
    )
    assert error_of(
        sns.publish, TopicArn=arn, Message='{"sqs": "x"}', MessageStructure="json"
    ) == (
        400,
        "InvalidParameter",
        "Invalid parameter: Message Structure - No default entry in JSON message body",
    )
    assert error_of(
        sns.subscribe,
        TopicArn=arn,
        Protocol="lambda",
        Endpoint=function_arn("f"),
        Attributes={"RawMessageDelivery": "true"},
    ) == (
        400,
        "InvalidParameter",
        "Invalid parameter: Delivery protocol [lambda] does not support raw message delivery.",
    )
    fifo = sns.create_topic(Name="errors.fifo", Attributes={"FifoTopic": "true"})["TopicArn"]
    assert error_of(sns.publish, TopicArn=fifo, Message="x") == (
        400,
        "InvalidParameter",
        "Invalid parameter: The MessageGroupId parameter is required for FIFO topics",
    )
    assert error_of(sns.publish, TopicArn=fifo, Message="x", MessageGroupId="g") == (
        400,
        "InvalidParameter",
        "Invalid parameter: The topic should either have ContentBasedDeduplication enabled or "
        "MessageDeduplicationId provided explicitly",
    )
    assert error_of(sns.publish_batch, TopicArn=arn, PublishBatchRequestEntries=[]) == (
        400,
        "EmptyBatchRequest",
        "The batch request doesn't contain any entries",
    )


def test_a_filter_policy_fans_out_to_a_function_and_a_queue(laminar, tmp_path):
    sns = sns_client(laminar.url)
    sqs = sqs_client(laminar.url)
    client = laminar.client()
    arn = sns.create_topic(Name="orders")["TopicArn"]
    recorder(client, "sns-orders", tmp_path, topic=arn)
    url = sqs.create_queue(QueueName="sns-orders")["QueueUrl"]
    to_function = sns.subscribe(
        TopicArn=arn,
        Protocol="lambda",
        Endpoint=function_arn("sns-orders"),
        Attributes={"FilterPolicy": json.dumps({"store": ["example_corp"], "price": [{"numeric": [">=", 100]}]})},
    )["SubscriptionArn"]
    to_queue = sns.subscribe(
        TopicArn=arn,
        Protocol="sqs",
        Endpoint=queue_arn(sqs, url),
        Attributes={
            "FilterPolicyScope": "MessageBody",
            "FilterPolicy": json.dumps({"kind": [{"prefix": "order"}]}),
        },
    )["SubscriptionArn"]

    cheap = sns.publish(
        TopicArn=arn,
        Message='{"kind": "refund"}',
        MessageAttributes={
            "store": {"DataType": "String", "StringValue": "example_corp"},
            "price": {"DataType": "Number", "StringValue": "5"},
        },
    )
    assert UUID.match(cheap["MessageId"])
    published = sns.publish(
        TopicArn=arn,
        Message='{"kind": "order_placed"}',
        Subject="TestInvoke",
        MessageAttributes={
            "store": {"DataType": "String", "StringValue": "example_corp"},
            "price": {"DataType": "Number", "StringValue": "210.75"},
            "blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01"},
        },
    )

    got = wait_for(lambda: runs(tmp_path, "sns-orders"), what="the function to get the event")
    # The AWS documented example (Lambda developer guide, "Using Lambda with
    # Amazon SNS"), field by field; what varies is checked for form.
    event = got[0]["event"]
    record = event["Records"][0]
    sns_part = record.pop("Sns")
    assert event == {"Records": [record]}
    assert record == {
        "EventSource": "aws:sns",
        "EventVersion": "1.0",
        "EventSubscriptionArn": to_function,
    }
    assert TIMESTAMP.match(sns_part.pop("Timestamp"))
    assert BASE64.match(sns_part.pop("Signature"))
    assert re.match(
        rf"^https://sns\.{REGION}\.amazonaws\.com/SimpleNotificationService-[0-9a-f]{{32}}\.pem$",
        sns_part.pop("SigningCertUrl"),
    )
    assert sns_part == {
        "Type": "Notification",
        "MessageId": published["MessageId"],
        "TopicArn": arn,
        "Subject": "TestInvoke",
        "Message": '{"kind": "order_placed"}',
        "SignatureVersion": "1",
        "UnsubscribeUrl": f"https://sns.{REGION}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn={to_function}",
        "MessageAttributes": {
            "store": {"Type": "String", "Value": "example_corp"},
            "price": {"Type": "Number", "Value": "210.75"},
            "blob": {"Type": "Binary", "Value": base64.b64encode(b"\x00\x01").decode()},
        },
    }

    [message] = receive_all(sqs, url, 1)
    envelope = json.loads(message["Body"])
    assert TIMESTAMP.match(envelope.pop("Timestamp"))
    assert BASE64.match(envelope.pop("Signature"))
    assert envelope.pop("SigningCertURL").endswith(".pem")
    assert envelope == {
        "Type": "Notification",
        "MessageId": published["MessageId"],
        "TopicArn": arn,
        "Subject": "TestInvoke",
        "Message": '{"kind": "order_placed"}',
        "SignatureVersion": "1",
        "UnsubscribeURL": f"https://sns.{REGION}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn={to_queue}",
        "MessageAttributes": {
            "store": {"Type": "String", "Value": "example_corp"},
            "price": {"Type": "Number", "Value": "210.75"},
            "blob": {"Type": "Binary", "Value": base64.b64encode(b"\x00\x01").decode()},
        },
    }
    # The cheap order and the refund went nowhere.
    assert len(runs(tmp_path, "sns-orders")) == 1
    assert "Messages" not in sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)


def test_raw_delivery_message_structure_and_batches(laminar):
    sns = sns_client(laminar.url)
    sqs = sqs_client(laminar.url)
    arn = sns.create_topic(Name="raw")["TopicArn"]
    url = sqs.create_queue(QueueName="sns-raw")["QueueUrl"]
    sns.subscribe(
        TopicArn=arn,
        Protocol="sqs",
        Endpoint=queue_arn(sqs, url),
        Attributes={"RawMessageDelivery": "true"},
    )
    sns.publish(
        TopicArn=arn,
        Message=json.dumps({"default": "for everyone", "sqs": "for queues"}),
        MessageStructure="json",
        MessageAttributes={"color": {"DataType": "String", "StringValue": "blue"}},
    )
    [message] = receive_all(sqs, url, 1)
    assert message["Body"] == "for queues"
    assert message["MessageAttributes"] == {
        "color": {"DataType": "String", "StringValue": "blue"}
    }
    answer = sns.publish_batch(
        TopicArn=arn,
        PublishBatchRequestEntries=[
            {"Id": "a", "Message": "one"},
            {"Id": "b", "Message": ""},
            {"Id": "c", "Message": "three"},
        ],
    )
    assert [s["Id"] for s in answer["Successful"]] == ["a", "c"]
    assert answer["Failed"] == [
        {
            "Id": "b",
            "Code": "InvalidParameter",
            "Message": "Invalid parameter: Empty message",
            "SenderFault": True,
        }
    ]
    bodies = sorted(m["Body"] for m in receive_all(sqs, url, 2))
    assert bodies == ["one", "three"]


def test_fifo_topics_deduplicate_and_number_their_messages(laminar):
    sns = sns_client(laminar.url)
    sqs = sqs_client(laminar.url)
    arn = sns.create_topic(
        Name="ordered.fifo",
        Attributes={"FifoTopic": "true", "ContentBasedDeduplication": "true"},
    )["TopicArn"]
    url = sqs.create_queue(
        QueueName="sns-ordered.fifo",
        Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true"},
    )["QueueUrl"]
    sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=queue_arn(sqs, url))
    first = sns.publish(TopicArn=arn, Message="hello", MessageGroupId="g")
    again = sns.publish(TopicArn=arn, Message="hello", MessageGroupId="g")
    second = sns.publish(TopicArn=arn, Message="world", MessageGroupId="g")
    assert again == {**again, "MessageId": first["MessageId"], "SequenceNumber": first["SequenceNumber"]}
    assert re.match(r"^\d{20}$", first["SequenceNumber"])
    assert int(second["SequenceNumber"]) > int(first["SequenceNumber"])
    messages = receive_all(sqs, url, 2)
    envelopes = [json.loads(m["Body"]) for m in messages]
    assert [e["Message"] for e in envelopes] == ["hello", "world"]
    assert [e["SequenceNumber"] for e in envelopes] == [
        first["SequenceNumber"],
        second["SequenceNumber"],
    ]


def test_a_function_without_permission_for_sns_is_not_invoked(laminar, tmp_path):
    sns = sns_client(laminar.url)
    client = laminar.client()
    arn = sns.create_topic(Name="unpermitted")["TopicArn"]
    # A permission for another topic does not count.
    recorder(client, "sns-unpermitted", tmp_path, topic=topic_arn("other-topic"))
    sns.subscribe(TopicArn=arn, Protocol="lambda", Endpoint=function_arn("sns-unpermitted"))
    # Subscribing succeeds, as on AWS; delivery is refused by the function's
    # policy, and SNS drops the message (logged by laminar).
    sns.publish(TopicArn=arn, Message="nobody hears this")
    permitted = sns.create_topic(Name="permitted")["TopicArn"]
    client.add_permission(
        FunctionName="sns-unpermitted",
        StatementId="permitted",
        Action="lambda:InvokeFunction",
        Principal="sns.amazonaws.com",
        SourceArn=permitted,
    )
    sns.subscribe(TopicArn=permitted, Protocol="lambda", Endpoint=function_arn("sns-unpermitted"))
    sns.publish(TopicArn=permitted, Message="heard")
    got = wait_for(lambda: runs(tmp_path, "sns-unpermitted"), what="the permitted delivery")
    assert [g["event"]["Records"][0]["Sns"]["Message"] for g in got] == ["heard"]
    wait_for(
        lambda: "does not let sns.amazonaws.com invoke it" in laminar.log(),
        what="the refusal in the log",
    )


def test_published_messages_survive_sigkill(laminar_factory, tmp_path):
    data_dir = tmp_path / "state"
    runs_dir = tmp_path / "runs"
    runs_dir.mkdir()
    first = laminar_factory(data_dir=data_dir)
    sns = sns_client(first.url)
    arn = sns.create_topic(Name="durable")["TopicArn"]
    recorder(first.client(), "sns-durable", runs_dir, topic=arn)
    sns.subscribe(TopicArn=arn, Protocol="lambda", Endpoint=function_arn("sns-durable"))
    total = 30
    for n in range(total):
        sns.publish(TopicArn=arn, Message=str(n))
    # Killed at once: the deliveries are in the outbox or the async queue.
    assert first.kill() == -signal.SIGKILL
    second = laminar_factory(data_dir=data_dir)
    assert second.client().get_function(FunctionName="sns-durable")

    def seen():
        return {int(r["event"]["Records"][0]["Sns"]["Message"]) for r in runs(runs_dir, "sns-durable")}

    wait_for(lambda: seen() == set(range(total)), timeout=90, what="every accepted publish")


def test_the_aws_cli_creates_publishes_and_lists(laminar, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ENV)
    env["AWS_CONFIG_FILE"] = str(tmp_path / "none")
    env["AWS_SHARED_CREDENTIALS_FILE"] = str(tmp_path / "none")
    env["AWS_PAGER"] = ""

    def aws(*args):
        result = subprocess.run(
            [sys.executable, "-m", "awscli", "sns", *args, "--endpoint-url", laminar.url],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        return result

    created = aws("create-topic", "--name", "from-cli")
    assert created.returncode == 0, created.stderr
    arn = json.loads(created.stdout)["TopicArn"]
    assert arn == topic_arn("from-cli")
    published = aws("publish", "--topic-arn", arn, "--message", "hi")
    assert published.returncode == 0, published.stderr
    assert UUID.match(json.loads(published.stdout)["MessageId"])
    listed = aws("list-topics")
    assert {"TopicArn": arn} in json.loads(listed.stdout)["Topics"]
    missing = aws("get-topic-attributes", "--topic-arn", topic_arn("nope"))
    assert missing.returncode != 0
    assert "(NotFound) when calling the GetTopicAttributes operation: Topic does not exist" in missing.stderr


def test_async_invocation_records_reach_an_sns_destination(laminar, tmp_path):
    sns = sns_client(laminar.url)
    sqs = sqs_client(laminar.url)
    client = laminar.client()
    arn = sns.create_topic(Name="outcomes")["TopicArn"]
    url = sqs.create_queue(QueueName="sns-outcomes")["QueueUrl"]
    sub = sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=queue_arn(sqs, url))[
        "SubscriptionArn"
    ]
    recorder(client, "sns-outcomes", tmp_path)
    client.put_function_event_invoke_config(
        FunctionName="sns-outcomes",
        DestinationConfig={"OnSuccess": {"Destination": arn}},
    )
    answer = client.invoke(
        FunctionName="sns-outcomes", InvocationType="Event", Payload=b'{"n": 1}'
    )
    assert answer["StatusCode"] == 202
    [message] = receive_all(sqs, url, 1)
    [run] = runs(tmp_path, "sns-outcomes")
    envelope = json.loads(message["Body"])
    assert envelope["Type"] == "Notification"
    assert envelope["TopicArn"] == arn
    assert envelope["UnsubscribeURL"].endswith(sub)
    record = json.loads(envelope["Message"])
    assert TIMESTAMP.match(record.pop("timestamp"))
    assert record == {
        "version": "1.0",
        "requestContext": {
            "requestId": run["request_id"],
            "functionArn": function_arn("sns-outcomes") + ":$LATEST",
            "condition": "Success",
            "approximateInvokeCount": 1,
        },
        "requestPayload": {"n": 1},
        "responseContext": {"statusCode": 200, "executedVersion": "$LATEST"},
        "responsePayload": {"ok": True},
    }


def test_a_kinesis_mappings_on_failure_record_reaches_an_sns_topic(laminar, tmp_path):
    sns = sns_client(laminar.url)
    sqs = sqs_client(laminar.url)
    name = "sns-kinesis-failures"
    kinesis, stream, arn, put = kinesis_setup(laminar, tmp_path, name, records=[("k", {"poison": True})])
    topic = sns.create_topic(Name="stream-failures")["TopicArn"]
    url = sqs.create_queue(QueueName="sns-stream-failures")["QueueUrl"]
    sns.subscribe(
        TopicArn=topic,
        Protocol="sqs",
        Endpoint=queue_arn(sqs, url),
        Attributes={"RawMessageDelivery": "true"},
    )
    laminar.client().create_event_source_mapping(
        EventSourceArn=arn,
        FunctionName=name,
        StartingPosition="TRIM_HORIZON",
        MaximumRetryAttempts=0,
        DestinationConfig={"OnFailure": {"Destination": topic}},
    )
    [message] = receive_all(sqs, url, 1)
    record = json.loads(message["Body"])
    assert record["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert record["KinesisBatchInfo"]["startSequenceNumber"] == put[0]["SequenceNumber"]
    assert record["KinesisBatchInfo"]["streamArn"] == arn
