"""SQS on laminar's port through boto3 (JSON protocol) and a botocore client
forced to the query protocol (XML answers)."""

from __future__ import annotations

import copy
import hashlib
import json
import struct
import threading
import time
import uuid

import boto3
import botocore.model
import botocore.session
import pytest
from botocore.client import Config

from laminar_testing import ACCOUNT, AWS_ENV, REGION

CONFIG = Config(retries={"total_max_attempts": 1}, read_timeout=60)


def sqs_client(url):
    return boto3.client(
        "sqs",
        endpoint_url=url,
        region_name=REGION,
        aws_access_key_id=AWS_ENV["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=AWS_ENV["AWS_SECRET_ACCESS_KEY"],
        config=CONFIG,
    )


def query_client(url):
    """botocore with SQS's model switched to the query protocol, with the
    element names the 2012-11-05 query API uses (Attribute/Name/Value,
    QueueUrl, Message, MessageAttribute) so it reads real query XML."""
    session = botocore.session.get_session()
    model = copy.deepcopy(session.get_component("data_loader").load_service_model("sqs", "service-2"))
    model["metadata"]["protocol"] = "query"
    model["metadata"]["protocols"] = ["query"]
    for name, operation in model["operations"].items():
        if "output" in operation:
            operation["output"]["resultWrapper"] = f"{name}Result"
    shapes = model["shapes"]
    for shape in ("QueueAttributeMap", "MessageSystemAttributeMap", "MessageBodyAttributeMap"):
        shapes[shape]["key"]["locationName"] = "Name"
        shapes[shape]["value"]["locationName"] = "Value"
    shapes["TagMap"]["key"]["locationName"] = "Key"
    shapes["TagMap"]["value"]["locationName"] = "Value"
    shapes["GetQueueAttributesResult"]["members"]["Attributes"]["locationName"] = "Attribute"
    shapes["CreateQueueRequest"]["members"]["Attributes"]["locationName"] = "Attribute"
    shapes["SendMessageRequest"]["members"]["MessageAttributes"]["locationName"] = "MessageAttribute"
    shapes["ListQueuesResult"]["members"]["QueueUrls"]["locationName"] = "QueueUrl"
    shapes["ReceiveMessageResult"]["members"]["Messages"]["locationName"] = "Message"
    shapes["Message"]["members"]["Attributes"]["locationName"] = "Attribute"
    shapes["Message"]["members"]["MessageAttributes"]["locationName"] = "MessageAttribute"
    shapes["ReceiveMessageRequest"]["members"]["MessageAttributeNames"]["locationName"] = "MessageAttributeName"
    shapes["ReceiveMessageRequest"]["members"]["AttributeNames"]["locationName"] = "AttributeName"
    loader = session.get_component("data_loader")
    original = loader.load_service_model

    def load(service, type_name, api_version=None):
        if service == "sqs" and type_name == "service-2":
            return model
        return original(service, type_name, api_version)

    loader.load_service_model = load
    client = session.create_client(
        "sqs",
        endpoint_url=url,
        region_name=REGION,
        aws_access_key_id=AWS_ENV["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=AWS_ENV["AWS_SECRET_ACCESS_KEY"],
        config=CONFIG,
    )
    assert client.meta.service_model.protocol == "query"
    return client


@pytest.fixture
def sqs(laminar):
    return sqs_client(laminar.url)


@pytest.fixture
def queue_name():
    return f"q-{uuid.uuid4().hex[:10]}"


def md5_of_attributes(attrs):
    """The digest AWS documents, computed independently of laminar."""
    buf = b""
    for name in sorted(attrs):
        value = attrs[name]
        pack = lambda b: struct.pack(">I", len(b)) + b  # noqa: E731
        buf += pack(name.encode()) + pack(value["DataType"].encode())
        if value["DataType"].startswith("Binary"):
            buf += b"\x02" + pack(value["BinaryValue"])
        else:
            buf += b"\x01" + pack(value["StringValue"].encode())
    return hashlib.md5(buf).hexdigest()


def test_queue_lifecycle_urls_and_attributes(sqs, laminar, queue_name):
    url = sqs.create_queue(QueueName=queue_name, Attributes={"VisibilityTimeout": "45"})["QueueUrl"]
    assert url == f"{laminar.url}/{ACCOUNT}/{queue_name}"
    # Same attributes: idempotent; different: QueueAlreadyExists.
    assert sqs.create_queue(QueueName=queue_name, Attributes={"VisibilityTimeout": "45"})["QueueUrl"] == url
    with pytest.raises(sqs.exceptions.QueueNameExists):
        sqs.create_queue(QueueName=queue_name, Attributes={"VisibilityTimeout": "10"})
    assert sqs.get_queue_url(QueueName=queue_name)["QueueUrl"] == url
    assert url in sqs.list_queues(QueueNamePrefix=queue_name)["QueueUrls"]
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attrs["VisibilityTimeout"] == "45"
    assert attrs["QueueArn"] == f"arn:aws:sqs:{REGION}:{ACCOUNT}:{queue_name}"
    assert attrs["ApproximateNumberOfMessages"] == "0"
    assert attrs["MessageRetentionPeriod"] == "345600"
    assert attrs["MaximumMessageSize"] == "1048576"
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"DelaySeconds": "2"})
    only = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["DelaySeconds"])["Attributes"]
    assert only == {"DelaySeconds": "2"}
    with pytest.raises(sqs.exceptions.ClientError) as bad:
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "99999"})
    assert bad.value.response["Error"]["Code"] == "InvalidAttributeValue"
    sqs.delete_queue(QueueUrl=url)
    with pytest.raises(sqs.exceptions.QueueDoesNotExist) as gone:
        sqs.get_queue_url(QueueName=queue_name)
    assert gone.value.response["Error"]["Code"] == "AWS.SimpleQueueService.NonExistentQueue"
    assert gone.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_invalid_queue_names_are_refused(sqs):
    for name in ("has space", "a" * 81, "dots.in.name"):
        with pytest.raises(sqs.exceptions.ClientError) as e:
            sqs.create_queue(QueueName=name)
        assert e.value.response["Error"]["Code"] == "InvalidParameterValue"


def test_list_queues_pages(sqs):
    prefix = f"page-{uuid.uuid4().hex[:6]}"
    urls = [sqs.create_queue(QueueName=f"{prefix}-{i}")["QueueUrl"] for i in range(5)]
    first = sqs.list_queues(QueueNamePrefix=prefix, MaxResults=2)
    assert first["QueueUrls"] == urls[:2] and "NextToken" in first
    seen = list(first["QueueUrls"])
    token = first["NextToken"]
    while token:
        page = sqs.list_queues(QueueNamePrefix=prefix, MaxResults=2, NextToken=token)
        seen += page["QueueUrls"]
        token = page.get("NextToken")
    assert seen == urls


def test_send_receive_delete_with_digests_and_attributes(sqs, queue_name):
    url = sqs.create_queue(QueueName=queue_name)["QueueUrl"]
    attrs = {
        "color": {"DataType": "String", "StringValue": "blue"},
        "count": {"DataType": "Number", "StringValue": "3"},
        "blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01\xff"},
        "trace.id": {"DataType": "String.custom", "StringValue": "t"},
    }
    sent = sqs.send_message(QueueUrl=url, MessageBody="héllo", MessageAttributes=attrs)
    assert sent["MD5OfMessageBody"] == hashlib.md5("héllo".encode()).hexdigest()
    assert sent["MD5OfMessageAttributes"] == md5_of_attributes(attrs)
    got = sqs.receive_message(
        QueueUrl=url, MessageAttributeNames=["All"], MessageSystemAttributeNames=["All"]
    )["Messages"]
    assert len(got) == 1
    m = got[0]
    assert m["MessageId"] == sent["MessageId"] and m["Body"] == "héllo"
    assert m["MD5OfBody"] == sent["MD5OfMessageBody"]
    assert m["MessageAttributes"] == attrs
    assert m["MD5OfMessageAttributes"] == md5_of_attributes(attrs)
    assert m["Attributes"]["ApproximateReceiveCount"] == "1"
    assert int(m["Attributes"]["SentTimestamp"]) > 0
    sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    assert "Messages" not in sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0)


def test_message_attribute_name_filters(sqs, queue_name):
    url = sqs.create_queue(QueueName=queue_name)["QueueUrl"]
    attrs = {
        "trace.a": {"DataType": "String", "StringValue": "1"},
        "other": {"DataType": "String", "StringValue": "2"},
    }
    sqs.send_message(QueueUrl=url, MessageBody="x", MessageAttributes=attrs)
    m = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["trace.*"], VisibilityTimeout=0)["Messages"][0]
    assert set(m["MessageAttributes"]) == {"trace.a"}
    assert m["MD5OfMessageAttributes"] == md5_of_attributes({"trace.a": attrs["trace.a"]})
    bare = sqs.receive_message(QueueUrl=url)["Messages"][0]
    assert "MessageAttributes" not in bare and "Attributes" not in bare


def test_invalid_messages_are_refused(sqs, queue_name):
    url = sqs.create_queue(QueueName=queue_name)["QueueUrl"]
    with pytest.raises(sqs.exceptions.InvalidMessageContents):
        sqs.send_message(QueueUrl=url, MessageBody="bad \x01 char")
    # The default (and largest) limit is 1 MiB, as AWS has allowed since 2025.
    sqs.send_message(QueueUrl=url, MessageBody="x" * 1048576)
    with pytest.raises(sqs.exceptions.ClientError) as big:
        sqs.send_message(QueueUrl=url, MessageBody="x" * (1048576 + 1))
    assert big.value.response["Error"]["Code"] == "InvalidParameterValue"
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"MaximumMessageSize": "262144"})
    with pytest.raises(sqs.exceptions.ClientError) as small:
        sqs.send_message(QueueUrl=url, MessageBody="x" * (262144 + 1))
    assert "shorter than 262144 bytes" in small.value.response["Error"]["Message"]
    with pytest.raises(sqs.exceptions.ReceiptHandleIsInvalid):
        sqs.delete_message(QueueUrl=url, ReceiptHandle="garbage!")


def test_visibility_timeout_expires_and_can_change(sqs, queue_name):
    url = sqs.create_queue(QueueName=queue_name)["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="v")
    first = sqs.receive_message(QueueUrl=url, VisibilityTimeout=1)["Messages"][0]
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    time.sleep(1.3)
    again = sqs.receive_message(QueueUrl=url, MessageSystemAttributeNames=["ApproximateReceiveCount"])["Messages"][0]
    assert again["MessageId"] == first["MessageId"]
    assert again["Attributes"]["ApproximateReceiveCount"] == "2"
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=again["ReceiptHandle"], VisibilityTimeout=0)
    assert sqs.receive_message(QueueUrl=url)["Messages"][0]["MessageId"] == first["MessageId"]


def test_long_polling_returns_when_a_message_arrives(sqs, queue_name):
    url = sqs.create_queue(QueueName=queue_name)["QueueUrl"]
    sender = sqs_client(sqs.meta.endpoint_url)
    timer = threading.Timer(1.0, lambda: sender.send_message(QueueUrl=url, MessageBody="late"))
    started = time.monotonic()
    timer.start()
    got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=10)
    elapsed = time.monotonic() - started
    timer.join()
    assert got["Messages"][0]["Body"] == "late"
    assert 0.8 < elapsed < 5


def test_delay_seconds(sqs, queue_name):
    url = sqs.create_queue(QueueName=queue_name)["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="later", DelaySeconds=1)
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessagesDelayed"])
    assert attrs["Attributes"]["ApproximateNumberOfMessagesDelayed"] == "1"
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    assert sqs.receive_message(QueueUrl=url, WaitTimeSeconds=3)["Messages"][0]["Body"] == "later"


def test_batches_and_their_errors(sqs, queue_name):
    url = sqs.create_queue(QueueName=queue_name)["QueueUrl"]
    sent = sqs.send_message_batch(
        QueueUrl=url,
        Entries=[{"Id": f"m{i}", "MessageBody": f"body {i}"} for i in range(10)]
        + [],
    )
    assert len(sent["Successful"]) == 10 and not sent.get("Failed")
    received = []
    while len(received) < 10:
        received += sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    changed = sqs.change_message_visibility_batch(
        QueueUrl=url,
        Entries=[{"Id": "c", "ReceiptHandle": received[0]["ReceiptHandle"], "VisibilityTimeout": 5},
                 {"Id": "bad", "ReceiptHandle": "nope", "VisibilityTimeout": 5}],
    )
    assert [e["Id"] for e in changed["Successful"]] == ["c"]
    assert changed["Failed"][0]["Id"] == "bad" and changed["Failed"][0]["Code"] == "ReceiptHandleIsInvalid"
    deleted = sqs.delete_message_batch(
        QueueUrl=url, Entries=[{"Id": f"d{i}", "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(received)]
    )
    assert len(deleted["Successful"]) == 10
    with pytest.raises(sqs.exceptions.EmptyBatchRequest):
        sqs.send_message_batch(QueueUrl=url, Entries=[])
    with pytest.raises(sqs.exceptions.TooManyEntriesInBatchRequest):
        sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": f"m{i}", "MessageBody": "x"} for i in range(11)])
    with pytest.raises(sqs.exceptions.BatchEntryIdsNotDistinct):
        sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": "same", "MessageBody": "x"}] * 2)
    with pytest.raises(sqs.exceptions.InvalidBatchEntryId):
        sqs.delete_message_batch(QueueUrl=url, Entries=[{"Id": "bad id!", "ReceiptHandle": "x"}])


def test_fifo_order_dedup_and_sequence_numbers(sqs, queue_name):
    name = f"{queue_name}.fifo"
    url = sqs.create_queue(QueueName=name, Attributes={"FifoQueue": "true"})["QueueUrl"]
    seqs = []
    for i in range(3):
        r = sqs.send_message(QueueUrl=url, MessageBody=f"a{i}", MessageGroupId="a", MessageDeduplicationId=f"a{i}")
        seqs.append(int(r["SequenceNumber"]))
    assert seqs == sorted(seqs)
    dup = sqs.send_message(QueueUrl=url, MessageBody="a0 again", MessageGroupId="a", MessageDeduplicationId="a0")
    assert int(dup["SequenceNumber"]) == seqs[0]
    sqs.send_message(QueueUrl=url, MessageBody="b0", MessageGroupId="b", MessageDeduplicationId="b0")
    first = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1, MessageSystemAttributeNames=["All"])["Messages"]
    assert [m["Body"] for m in first] == ["a0"]
    assert first[0]["Attributes"]["MessageGroupId"] == "a"
    # Group a is blocked while a0 is in flight.
    rest = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert [m["Body"] for m in rest] == ["b0"]
    sqs.delete_message(QueueUrl=url, ReceiptHandle=first[0]["ReceiptHandle"])
    after = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert [m["Body"] for m in after] == ["a1", "a2"]
    with pytest.raises(sqs.exceptions.ClientError) as e:
        sqs.send_message(QueueUrl=url, MessageBody="x", MessageDeduplicationId="x")
    assert e.value.response["Error"]["Code"] == "MissingParameter"


def test_redrive_to_dead_letter_queue(sqs, queue_name):
    dlq = sqs.create_queue(QueueName=f"{queue_name}-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    policy = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 2})
    url = sqs.create_queue(QueueName=queue_name, Attributes={"RedrivePolicy": policy})["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="poison")
    for _ in range(2):
        m = sqs.receive_message(QueueUrl=url, VisibilityTimeout=0)["Messages"][0]
        assert m["Body"] == "poison"
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    moved = sqs.receive_message(QueueUrl=dlq, WaitTimeSeconds=2)["Messages"]
    assert moved[0]["Body"] == "poison"


def test_purge_and_tags(sqs, queue_name):
    url = sqs.create_queue(QueueName=queue_name, tags={"team": "core"})["QueueUrl"]
    for i in range(3):
        sqs.send_message(QueueUrl=url, MessageBody=str(i))
    sqs.purge_queue(QueueUrl=url)
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    sqs.tag_queue(QueueUrl=url, Tags={"env": "test"})
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"team": "core", "env": "test"}
    sqs.untag_queue(QueueUrl=url, TagKeys=["team"])
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"env": "test"}


def test_query_protocol_round_trip(laminar, queue_name):
    q = query_client(laminar.url)
    url = q.create_queue(QueueName=queue_name, Attributes={"DelaySeconds": "0"})["QueueUrl"]
    assert url.endswith(f"/{ACCOUNT}/{queue_name}")
    assert url in q.list_queues(QueueNamePrefix=queue_name)["QueueUrls"]
    attrs = {"k": {"DataType": "String", "StringValue": "v"}}
    sent = q.send_message(QueueUrl=url, MessageBody="<xml & body>", MessageAttributes=attrs)
    assert sent["MD5OfMessageAttributes"] == md5_of_attributes(attrs)
    got = q.receive_message(QueueUrl=url, MessageAttributeNames=["All"], AttributeNames=["All"])["Messages"]
    assert got[0]["Body"] == "<xml & body>"
    assert got[0]["MessageAttributes"] == attrs
    assert got[0]["Attributes"]["ApproximateReceiveCount"] == "1"
    assert q.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]["DelaySeconds"] == "0"
    q.delete_message(QueueUrl=url, ReceiptHandle=got[0]["ReceiptHandle"])
    with pytest.raises(q.exceptions.ClientError) as e:
        q.get_queue_url(QueueName=f"{queue_name}-missing")
    assert e.value.response["Error"]["Code"] == "AWS.SimpleQueueService.NonExistentQueue"
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_query_protocol_classic_form_post_to_queue_url(laminar, queue_name):
    """An old-style client: form POST to the queue URL, classic element names."""
    import urllib.parse
    import urllib.request

    sqs = sqs_client(laminar.url)
    url = sqs.create_queue(QueueName=queue_name)["QueueUrl"]
    form = urllib.parse.urlencode({
        "Action": "SendMessage", "Version": "2012-11-05", "MessageBody": "classic",
        "MessageAttribute.1.Name": "a", "MessageAttribute.1.Value.DataType": "String",
        "MessageAttribute.1.Value.StringValue": "b",
    }).encode()
    request = urllib.request.Request(url, data=form, headers={
        "Content-Type": "application/x-www-form-urlencoded",
        "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20240101/us-east-1/sqs/aws4_request, SignedHeaders=host, Signature=x",
    })
    with urllib.request.urlopen(request) as r:
        xml = r.read().decode()
    assert "<SendMessageResponse" in xml and "<RequestId>" in xml
    assert f"<MD5OfMessageAttributes>{md5_of_attributes({'a': {'DataType': 'String', 'StringValue': 'b'}})}" in xml
    assert sqs.receive_message(QueueUrl=url)["Messages"][0]["Body"] == "classic"


def test_many_messages_none_lost(sqs, queue_name):
    url = sqs.create_queue(QueueName=queue_name)["QueueUrl"]
    total = 10000
    for start in range(0, total, 10):
        sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": str(start + i)} for i in range(10)])
    seen = set()
    while True:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not got:
            break
        seen.update(m["Body"] for m in got)
        sqs.delete_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(got)])
    assert seen == {str(i) for i in range(total)}


def test_messages_survive_a_restart(laminar_factory, tmp_path):
    data = tmp_path / "state"
    first = laminar_factory(data_dir=data)
    sqs = sqs_client(first.url)
    url = sqs.create_queue(QueueName="durable")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="keep me")
    sqs.send_message(QueueUrl=url, MessageBody="in flight")
    sqs.receive_message(QueueUrl=url, VisibilityTimeout=1)
    first.kill()
    second = laminar_factory(data_dir=data)
    sqs = sqs_client(second.url)
    url = sqs.get_queue_url(QueueName="durable")["QueueUrl"]
    bodies = set()
    deadline = time.monotonic() + 10
    while len(bodies) < 2 and time.monotonic() < deadline:
        for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", []):
            bodies.add(m["Body"])
    assert bodies == {"keep me", "in flight"}


def test_aws_cli_round_trip(laminar, queue_name):
    import os
    import subprocess
    import sys
    from pathlib import Path

    aws = str(Path(sys.executable).with_name("aws"))
    env = dict(os.environ, **AWS_ENV)

    def cli(*args):
        out = subprocess.run(
            [aws, "--endpoint-url", laminar.url, "--output", "json", "sqs", *args],
            env=env, capture_output=True, text=True, timeout=60,
        )
        assert out.returncode == 0, out.stderr
        return json.loads(out.stdout) if out.stdout.strip() else {}

    url = cli("create-queue", "--queue-name", queue_name)["QueueUrl"]
    cli("send-message", "--queue-url", url, "--message-body", "from the cli")
    got = cli("receive-message", "--queue-url", url, "--wait-time-seconds", "1")
    assert got["Messages"][0]["Body"] == "from the cli"
    cli("delete-message", "--queue-url", url, "--receipt-handle", got["Messages"][0]["ReceiptHandle"])


def test_unsigned_query_in_the_url(laminar, queue_name):
    import urllib.request

    sqs_client(laminar.url).create_queue(QueueName=queue_name)
    query = f"/?Action=GetQueueUrl&Version=2012-11-05&QueueName={queue_name}"
    with urllib.request.urlopen(laminar.url + query) as r:
        xml = r.read().decode()
    assert f"<QueueUrl>{laminar.url}/{ACCOUNT}/{queue_name}</QueueUrl>" in xml
    assert 'xmlns="http://queue.amazonaws.com/doc/2012-11-05/"' in xml


def test_an_older_receipt_handle_does_not_delete_a_message_received_again(sqs, queue_name):
    url = sqs.create_queue(QueueName=queue_name, Attributes={"VisibilityTimeout": "1"})["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="once")
    first = sqs.receive_message(QueueUrl=url)["Messages"][0]
    time.sleep(1.2)
    second = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=2)["Messages"][0]
    assert second["MessageId"] == first["MessageId"]
    assert second["ReceiptHandle"] != first["ReceiptHandle"]
    # The first consumer is late: its delete succeeds but the message stays
    # with the consumer that holds the newest handle.
    sqs.delete_message(QueueUrl=url, ReceiptHandle=first["ReceiptHandle"])
    counts = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert counts["ApproximateNumberOfMessagesNotVisible"] == "1"
    sqs.delete_message(QueueUrl=url, ReceiptHandle=second["ReceiptHandle"])
    counts = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert (counts["ApproximateNumberOfMessages"], counts["ApproximateNumberOfMessagesNotVisible"]) == ("0", "0")
