"""S3 event notifications through boto3 against a real laminar: the bucket's
notification configuration (Put/GetBucketNotificationConfiguration, AWS's
validation word for word), and the event records a function, a queue and a
topic receive when objects change (compared with the record AWS documents in
the S3 user guide, "Event message structure")."""

from __future__ import annotations

import hashlib
import json
import re
import signal
import urllib.parse
import uuid

import pytest
from botocore.exceptions import ClientError

from laminar_testing import ACCOUNT, REGION, recording_function, runs, sqs_client, wait_for
from test_s3 import s3_client
from test_sns import TIMESTAMP, receive_all, sns_client

SEQUENCER = re.compile(r"^[0-9A-F]{16,}$")


def function_arn(name: str) -> str:
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"


def new_bucket(s3) -> str:
    name = f"notify-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name)
    return name


def recorder(client, name: str, runs_dir, bucket: str | None) -> str:
    principal = "s3.amazonaws.com" if bucket is not None else None
    source = f"arn:aws:s3:::{bucket}" if bucket is not None else None
    return recording_function(client, name, runs_dir, principal, source)


def error_of(call, **kwargs) -> tuple[int, dict]:
    with pytest.raises(ClientError) as info:
        call(**kwargs)
    response = info.value.response
    error = dict(response["Error"])
    return response["ResponseMetadata"]["HTTPStatusCode"], error


def expected_record(bucket, event_name, key, request, config_id, obj):
    """The record of AWS's documented example, with this change's values."""
    return {
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "awsRegion": REGION,
        "eventName": event_name,
        "userIdentity": {"principalId": ACCOUNT},
        "requestParameters": {"sourceIPAddress": "127.0.0.1"},
        "responseElements": {
            "x-amz-request-id": request["HTTPHeaders"]["x-amz-request-id"],
            "x-amz-id-2": request["HTTPHeaders"]["x-amz-id-2"],
        },
        "s3": {
            "s3SchemaVersion": "1.0",
            "configurationId": config_id,
            "bucket": {
                "name": bucket,
                "ownerIdentity": {"principalId": ACCOUNT},
                "arn": f"arn:aws:s3:::{bucket}",
            },
            "object": {"key": key, **obj},
        },
    }


def strip_varying(record: dict) -> tuple[str, str]:
    """Removes (and checks the form of) eventTime and the sequencer."""
    time = record.pop("eventTime")
    assert TIMESTAMP.match(time), time
    sequencer = record["s3"]["object"].pop("sequencer")
    assert SEQUENCER.match(sequencer), sequencer
    return time, sequencer


def test_an_object_put_reaches_a_function_as_aws_documents(laminar, tmp_path):
    s3 = s3_client(laminar.url)
    client = laminar.client()
    bucket = new_bucket(s3)
    arn = recorder(client, "s3-put-recorder", tmp_path, bucket)
    s3.put_bucket_notification_configuration(
        Bucket=bucket,
        NotificationConfiguration={
            "LambdaFunctionConfigurations": [
                {
                    "Id": "testConfigRule",
                    "LambdaFunctionArn": arn,
                    "Events": ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"],
                }
            ]
        },
    )
    got = s3.get_bucket_notification_configuration(Bucket=bucket)
    got.pop("ResponseMetadata")
    assert got == {
        "LambdaFunctionConfigurations": [
            {
                "Id": "testConfigRule",
                "LambdaFunctionArn": arn,
                "Events": ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"],
            }
        ]
    }

    key = "photos/Happy Face ü (1).jpg"
    body = b"a face" * 100
    put = s3.put_object(Bucket=bucket, Key=key, Body=body)
    deleted = s3.delete_object(Bucket=bucket, Key=key)
    seen = wait_for(
        lambda: (r := runs(tmp_path, "s3-put-recorder")) and len(r) >= 2 and r,
        what="the function to get both records",
    )
    events = [r["event"] for r in seen]
    events.sort(key=lambda e: e["Records"][0]["eventName"])
    encoded = "photos/Happy+Face+%C3%BC+%281%29.jpg"
    assert encoded == urllib.parse.quote_plus(key, safe="/")

    created = events[0]["Records"]
    assert len(created) == 1
    _, created_sequencer = strip_varying(created[0])
    assert events[0] == {
        "Records": [
            expected_record(
                bucket,
                "ObjectCreated:Put",
                encoded,
                put["ResponseMetadata"],
                "testConfigRule",
                {"size": len(body), "eTag": hashlib.md5(body).hexdigest()},
            )
        ]
    }
    removed = events[1]["Records"]
    _, removed_sequencer = strip_varying(removed[0])
    # A removal carries no size or ETag.
    assert events[1] == {
        "Records": [
            expected_record(
                bucket, "ObjectRemoved:Delete", encoded, deleted["ResponseMetadata"], "testConfigRule", {}
            )
        ]
    }
    assert int(removed_sequencer, 16) > int(created_sequencer, 16)


def test_queues_and_topics_get_test_events_and_filtered_records(laminar):
    s3 = s3_client(laminar.url)
    sqs = sqs_client(laminar.url)
    sns = sns_client(laminar.url)
    bucket = new_bucket(s3)
    created_url = sqs.create_queue(QueueName=f"s3-created-{bucket}")["QueueUrl"]
    created_arn = sqs.get_queue_attributes(QueueUrl=created_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    topic = sns.create_topic(Name=f"s3-removed-{bucket}")["TopicArn"]
    listener_url = sqs.create_queue(QueueName=f"s3-topic-listener-{bucket}")["QueueUrl"]
    listener_arn = sqs.get_queue_attributes(QueueUrl=listener_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=listener_arn)

    put = s3.put_bucket_notification_configuration(
        Bucket=bucket,
        NotificationConfiguration={
            "QueueConfigurations": [
                {
                    "QueueArn": created_arn,
                    "Events": ["s3:ObjectCreated:*"],
                    "Filter": {
                        "Key": {
                            "FilterRules": [
                                {"Name": "prefix", "Value": "in/"},
                                {"Name": "suffix", "Value": ".txt"},
                            ]
                        }
                    },
                }
            ],
            "TopicConfigurations": [
                {"Id": "removals", "TopicArn": topic, "Events": ["s3:ObjectRemoved:Delete"]}
            ],
        },
    )
    config = s3.get_bucket_notification_configuration(Bucket=bucket)
    [queue_config] = config["QueueConfigurations"]
    # S3 names a configuration sent without an Id, and answers the rule
    # names capitalised.
    generated_id = queue_config.pop("Id")
    assert generated_id
    assert queue_config == {
        "QueueArn": created_arn,
        "Events": ["s3:ObjectCreated:*"],
        "Filter": {
            "Key": {
                "FilterRules": [
                    {"Name": "Prefix", "Value": "in/"},
                    {"Name": "Suffix", "Value": ".txt"},
                ]
            }
        },
    }
    assert config["TopicConfigurations"] == [
        {"Id": "removals", "TopicArn": topic, "Events": ["s3:ObjectRemoved:Delete"]}
    ]

    # The test event, as AWS documents it, to the queue and (through SNS) the
    # topic's subscriber.
    expected_test = {
        "Service": "Amazon S3",
        "Event": "s3:TestEvent",
        "Bucket": bucket,
        "RequestId": put["ResponseMetadata"]["HTTPHeaders"]["x-amz-request-id"],
        "HostId": put["ResponseMetadata"]["HTTPHeaders"]["x-amz-id-2"],
    }
    [test_message] = receive_all(sqs, created_url, 1)
    test_event = json.loads(test_message["Body"])
    assert TIMESTAMP.match(test_event.pop("Time"))
    assert test_event == expected_test
    [envelope] = receive_all(sqs, listener_url, 1)
    envelope = json.loads(envelope["Body"])
    assert envelope["Subject"] == "Amazon S3 Notification"
    topic_test = json.loads(envelope["Message"])
    topic_test.pop("Time")
    assert topic_test == expected_test

    # Only keys under in/ ending in .txt reach the queue; every way of
    # creating an object names itself.
    s3.put_object(Bucket=bucket, Key="out/a.txt", Body=b"no")
    s3.put_object(Bucket=bucket, Key="in/a.csv", Body=b"no")
    s3.put_object(Bucket=bucket, Key="in/a.txt", Body=b"yes")
    s3.copy_object(Bucket=bucket, Key="in/b.txt", CopySource={"Bucket": bucket, "Key": "in/a.txt"})
    upload = s3.create_multipart_upload(Bucket=bucket, Key="in/c.txt")
    part = s3.upload_part(
        Bucket=bucket, Key="in/c.txt", UploadId=upload["UploadId"], PartNumber=1, Body=b"part"
    )
    s3.complete_multipart_upload(
        Bucket=bucket,
        Key="in/c.txt",
        UploadId=upload["UploadId"],
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]},
    )
    messages = receive_all(sqs, created_url, 3)
    records = [json.loads(m["Body"])["Records"][0] for m in messages]
    got = sorted((r["eventName"], r["s3"]["object"]["key"], r["s3"]["configurationId"]) for r in records)
    assert got == [
        ("ObjectCreated:CompleteMultipartUpload", "in/c.txt", generated_id),
        ("ObjectCreated:Copy", "in/b.txt", generated_id),
        ("ObjectCreated:Put", "in/a.txt", generated_id),
    ]
    assert "Messages" not in sqs.receive_message(QueueUrl=created_url, WaitTimeSeconds=1)

    # A removal goes to the topic, published with S3's subject.
    s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "in/a.txt"}]})
    [envelope] = receive_all(sqs, listener_url, 1)
    envelope = json.loads(envelope["Body"])
    assert envelope["Subject"] == "Amazon S3 Notification"
    [record] = json.loads(envelope["Message"])["Records"]
    assert (record["eventName"], record["s3"]["object"]) == (
        "ObjectRemoved:Delete",
        {"key": "in/a.txt", "sequencer": record["s3"]["object"]["sequencer"]},
    )
    assert record["s3"]["configurationId"] == "removals"

    # An empty configuration removes every destination.
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={})
    config = s3.get_bucket_notification_configuration(Bucket=bucket)
    config.pop("ResponseMetadata")
    assert config == {}


def test_bad_configurations_get_aws_errors_word_for_word(laminar, tmp_path):
    s3 = s3_client(laminar.url)
    sqs = sqs_client(laminar.url)
    client = laminar.client()
    bucket = new_bucket(s3)
    url = sqs.create_queue(QueueName=f"s3-errors-{bucket}")["QueueUrl"]
    queue = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]

    def put(**config):
        return error_of(
            s3.put_bucket_notification_configuration,
            Bucket=bucket,
            NotificationConfiguration=config,
        )

    status, error = put(
        QueueConfigurations=[
            {"QueueArn": queue, "Events": ["s3:ObjectCreated:*"]},
            {"QueueArn": queue, "Events": ["s3:ObjectCreated:Put"]},
        ]
    )
    assert (status, error["Code"], error["Message"]) == (
        400,
        "InvalidArgument",
        "Configurations overlap. Configurations on the same bucket cannot share a common event type.",
    )
    status, error = put(
        QueueConfigurations=[
            {
                "QueueArn": queue,
                "Events": ["s3:ObjectCreated:*"],
                "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "images/"}]}},
            },
            {
                "QueueArn": queue,
                "Events": ["s3:ObjectCreated:Put"],
                "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "images/raw/"}]}},
            },
        ]
    )
    assert (status, error["Code"], error["Message"]) == (
        400,
        "InvalidArgument",
        "Configuration is ambiguously defined. Cannot have overlapping suffixes in two rules if the prefixes are overlapping for the same event type.",
    )
    # Distinct prefixes do not overlap.
    s3.put_bucket_notification_configuration(
        Bucket=bucket,
        NotificationConfiguration={
            "QueueConfigurations": [
                {
                    "QueueArn": queue,
                    "Events": ["s3:ObjectCreated:*"],
                    "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": p}]}},
                }
                for p in ("a/", "b/")
            ]
        },
    )

    # Destinations S3 cannot use: a function without a permission for
    # s3.amazonaws.com, a function that does not exist, a missing queue.
    unpermitted = recorder(client, "s3-unpermitted", tmp_path, None)
    missing_function = function_arn("s3-no-such-function")
    missing_queue = f"arn:aws:sqs:{REGION}:{ACCOUNT}:s3-no-such-queue"
    status, error = put(
        LambdaFunctionConfigurations=[
            {"LambdaFunctionArn": unpermitted, "Events": ["s3:ObjectCreated:*"]},
            {"LambdaFunctionArn": missing_function, "Events": ["s3:ObjectRemoved:*"]},
        ],
        QueueConfigurations=[{"QueueArn": missing_queue, "Events": ["s3:ObjectRestore:*"]}],
    )
    assert status == 400
    assert error == {
        "Code": "InvalidArgument",
        "Message": "Unable to validate the following destination configurations",
        "ArgumentName1": f"{unpermitted}, null",
        "ArgumentValue1": f"Not authorized to invoke function [{unpermitted}]",
        "ArgumentName2": f"{missing_function}, null",
        "ArgumentValue2": f"Not authorized to invoke function [{missing_function}]",
        "ArgumentName3": missing_queue,
        "ArgumentValue3": "The destination queue does not exist",
    }
    # Nothing of the refused configuration was kept.
    kept = s3.get_bucket_notification_configuration(Bucket=bucket)
    assert "LambdaFunctionConfigurations" not in kept
    assert len(kept["QueueConfigurations"]) == 2

    # A permission for another bucket does not count; one for this bucket does.
    client.add_permission(
        FunctionName="s3-unpermitted",
        StatementId="other",
        Action="lambda:InvokeFunction",
        Principal="s3.amazonaws.com",
        SourceArn="arn:aws:s3:::some-other-bucket",
    )
    status, error = put(
        LambdaFunctionConfigurations=[{"LambdaFunctionArn": unpermitted, "Events": ["s3:ObjectCreated:*"]}]
    )
    assert error["ArgumentValue1"] == f"Not authorized to invoke function [{unpermitted}]"
    client.add_permission(
        FunctionName="s3-unpermitted",
        StatementId="this",
        Action="lambda:InvokeFunction",
        Principal="s3.amazonaws.com",
        SourceArn=f"arn:aws:s3:::{bucket}",
    )
    s3.put_bucket_notification_configuration(
        Bucket=bucket,
        NotificationConfiguration={
            "LambdaFunctionConfigurations": [
                {"LambdaFunctionArn": unpermitted, "Events": ["s3:ObjectCreated:*"]}
            ]
        },
    )
    # Without the bucket: NoSuchBucket.
    status, error = error_of(
        s3.get_bucket_notification_configuration, Bucket=f"missing-{uuid.uuid4().hex[:8]}"
    )
    assert (status, error["Code"]) == (404, "NoSuchBucket")


def test_notifications_survive_sigkill(laminar_factory, tmp_path):
    data_dir = tmp_path / "state"
    runs_dir = tmp_path / "runs"
    runs_dir.mkdir()
    first = laminar_factory(data_dir=data_dir)
    s3 = s3_client(first.url)
    bucket = new_bucket(s3)
    arn = recorder(first.client(), "s3-durable", runs_dir, bucket)
    s3.put_bucket_notification_configuration(
        Bucket=bucket,
        NotificationConfiguration={
            "LambdaFunctionConfigurations": [
                {"LambdaFunctionArn": arn, "Events": ["s3:ObjectCreated:Put"]}
            ]
        },
    )
    total = 30
    for n in range(total):
        s3.put_object(Bucket=bucket, Key=f"k{n}", Body=b"x")
    # Killed at once: each accepted put is in the outbox or the async queue.
    assert first.kill() == -signal.SIGKILL
    laminar_factory(data_dir=data_dir)

    def seen():
        return {r["event"]["Records"][0]["s3"]["object"]["key"] for r in runs(runs_dir, "s3-durable")}

    wait_for(lambda: seen() == {f"k{n}" for n in range(total)}, timeout=90, what="every accepted put")
