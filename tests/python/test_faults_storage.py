"""A data directory on a disk that fills up or turns read-only.

Every write that cannot be made durable is refused with the service's own
5xx internal error (Lambda `ServiceException`, SQS `InternalFailure`,
DynamoDB `InternalServerError`, S3 `InternalError`), never acknowledged; reads
keep working; no half-written file is left behind; once space is back the
same calls succeed without a restart, and everything acknowledged survives a
restart. Needs root (the disks are a tmpfs and a loop-mounted ext4).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from faults_testing import Ext4, Tmpfs, failed_start
from laminar_testing import (
    AWS_ENV,
    REGION,
    ROLE,
    create_python_function,
    make_zip,
    sqs_client,
    wait_active,
)

APP = """\
def handler(event, context):
    print("ran with", event)
    return {"ran": event}
"""


def client_of(service: str, url: str, **config):
    return boto3.client(
        service,
        endpoint_url=url,
        region_name=REGION,
        aws_access_key_id=AWS_ENV["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=AWS_ENV["AWS_SECRET_ACCESS_KEY"],
        config=Config(retries={"total_max_attempts": 1}, **config),
    )


class Services:
    """The clients, and the state every case starts from: a function, a
    queue holding one message, a table holding one item, a bucket holding
    one object."""

    def __init__(self, url: str):
        self.lam = client_of("lambda", url, read_timeout=120)
        self.sqs = sqs_client(url)
        self.ddb = client_of("dynamodb", url)
        self.s3 = client_of("s3", url, s3={"addressing_style": "path"})

    def populate(self) -> None:
        create_python_function(self.lam, "kept", APP)
        self.queue = self.sqs.create_queue(QueueName="kept")["QueueUrl"]
        self.sqs.send_message(QueueUrl=self.queue, MessageBody="before")
        self.ddb.create_table(
            TableName="kept",
            KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        self.ddb.put_item(TableName="kept", Item={"k": {"S": "before"}})
        self.s3.create_bucket(Bucket="kept")
        self.s3.put_object(Bucket="kept", Key="before", Body=b"before")

    def attach(self) -> None:
        self.queue = self.sqs.get_queue_url(QueueName="kept")["QueueUrl"]


def error_of(call) -> tuple[int, dict]:
    with pytest.raises(ClientError) as caught:
        call()
    response = caught.value.response
    return response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]


def big_package() -> bytes:
    # Random bytes do not compress: about 3 MB on disk, zipped and unpacked.
    return make_zip({"app.py": APP, "weights.bin": os.urandom(1_500_000)})


def create_big(svc: Services, package: bytes):
    return svc.lam.create_function(
        FunctionName="big",
        Runtime="python3.12",
        Role=ROLE,
        Handler="app.handler",
        Code={"ZipFile": package},
    )


def files_under(folder: Path) -> list[str]:
    # Python's bytecode cache is the process executor's runtime writing.
    return sorted(
        str(p.relative_to(folder)) for p in folder.rglob("*") if "__pycache__" not in p.parts
    )


# The store's words before the reason: a write committed alone, or with the
# writes of the same moment (group commit).
PERSIST = r"(database: |the commit of a group of writes failed: )"


def refused(call, code: str, message: str, **fields) -> None:
    """`call` fails with a 500 of `code`, its message matching `message`."""
    status, error = error_of(call)
    assert (status, error.get("Code")) == (500, code), error
    assert re.fullmatch(message, error["Message"]), error
    assert {k: v for k, v in error.items() if k not in ("Code", "Message")} == fields, error


def assert_writes_refused(svc: Services, package: bytes, reason: str, io_reason: str) -> None:
    """Each write answers its service's internal error; nothing is stored."""
    assert error_of(lambda: create_big(svc, package)) == (
        500,
        {"Message": f"laminar could not store the code: {io_reason}", "Code": "ServiceException"},
    )
    persist = f"laminar could not persist the change: {PERSIST}{re.escape(reason)}"
    refused(
        lambda: svc.lam.update_function_configuration(FunctionName="kept", Description="lost"),
        "ServiceException",
        persist,
    )
    refused(
        lambda: svc.lam.invoke(FunctionName="kept", InvocationType="Event", Payload=b"{}"),
        "ServiceException",
        persist,
    )
    refused(
        lambda: svc.sqs.send_message(QueueUrl=svc.queue, MessageBody="lost"),
        "InternalFailure",
        f"the SQS store failed: {PERSIST}?{re.escape(reason)}",
        QueryErrorCode="InternalFailure",
        Type="Receiver",
    )
    refused(
        lambda: svc.ddb.put_item(TableName="kept", Item={"k": {"S": "lost"}}),
        "InternalServerError",
        f"the table store failed: {re.escape(reason)}",
    )
    assert error_of(
        lambda: svc.s3.put_object(Bucket="kept", Key="lost", Body=os.urandom(200_000))
    ) == (500, {"Code": "InternalError", "Message": "We encountered an internal error. Please try again."})


def assert_reads_work(svc: Services) -> None:
    names = [f["FunctionName"] for f in svc.lam.list_functions()["Functions"]]
    assert names == ["kept"]
    config = svc.lam.get_function(FunctionName="kept")["Configuration"]
    assert (config["State"], config["Description"]) == ("Active", "")
    answer = svc.lam.invoke(FunctionName="kept", Payload=b'{"while": "refused"}')
    assert json.loads(answer["Payload"].read()) == {"ran": {"while": "refused"}}
    attributes = svc.sqs.get_queue_attributes(
        QueueUrl=svc.queue, AttributeNames=["ApproximateNumberOfMessages"]
    )["Attributes"]
    assert attributes == {"ApproximateNumberOfMessages": "1"}
    item = svc.ddb.get_item(TableName="kept", Key={"k": {"S": "before"}})["Item"]
    assert item == {"k": {"S": "before"}}
    assert svc.ddb.get_item(TableName="kept", Key={"k": {"S": "lost"}}).get("Item") is None
    assert svc.s3.get_object(Bucket="kept", Key="before")["Body"].read() == b"before"
    assert [o["Key"] for o in svc.s3.list_objects_v2(Bucket="kept")["Contents"]] == ["before"]


def assert_all_acknowledged_kept(svc: Services, messages: list[str], items: list[str]) -> None:
    names = sorted(f["FunctionName"] for f in svc.lam.list_functions()["Functions"])
    assert names == ["big", "kept"]
    received = svc.sqs.receive_message(
        QueueUrl=svc.queue, MaxNumberOfMessages=10, WaitTimeSeconds=1
    ).get("Messages", [])
    assert sorted(m["Body"] for m in received) == sorted(messages)
    scanned = svc.ddb.scan(TableName="kept")["Items"]
    assert sorted(i["k"]["S"] for i in scanned) == sorted(items)


@pytest.fixture
def disk(tmp_path):
    fs = Tmpfs(tmp_path / "disk", "8m")
    yield fs
    fs.unmount()


def test_a_full_disk_refuses_writes_keeps_reads_and_recovers_without_restart(
    disk, laminar_factory
):
    data_dir = disk.path / "state"
    server = laminar_factory(data_dir=data_dir)
    svc = Services(server.url)
    svc.populate()
    package = big_package()
    stored = {d: files_under(data_dir / d) for d in ("blobs", "code", "s3")}

    disk.fill()
    assert_writes_refused(svc, package, "database or disk is full", "No space left on device")
    assert_reads_work(svc)
    # No half-written zip, tree or object is left behind.
    assert {d: files_under(data_dir / d) for d in stored} == stored

    # Space is back: the same calls succeed, no restart.
    disk.free()
    create_big(svc, package)
    wait_active(svc.lam, "big")
    answer = svc.lam.invoke(FunctionName="big", Payload=b'{"after": "full"}')
    assert json.loads(answer["Payload"].read()) == {"ran": {"after": "full"}}
    svc.lam.update_function_configuration(FunctionName="kept", Description="after")
    svc.sqs.send_message(QueueUrl=svc.queue, MessageBody="after")
    svc.ddb.put_item(TableName="kept", Item={"k": {"S": "after"}})
    svc.s3.put_object(Bucket="kept", Key="after", Body=b"after")

    # Everything acknowledged is on disk.
    server.stop()
    again = Services(laminar_factory(data_dir=data_dir).url)
    again.attach()
    assert_all_acknowledged_kept(again, ["before", "after"], ["before", "after"])
    assert again.lam.get_function(FunctionName="kept")["Configuration"]["Description"] == "after"
    assert again.s3.get_object(Bucket="kept", Key="after")["Body"].read() == b"after"


@pytest.fixture
def failing_disk(tmp_path):
    fs = Ext4(tmp_path / "ext4.img", tmp_path / "ext4")
    yield fs
    fs.unmount()


def test_a_disk_turned_read_only_refuses_writes_and_keeps_reads(failing_disk, laminar_factory):
    """The kernel turns a failing ext4 read-only under open files
    (errors=remount-ro); laminar keeps serving what it holds."""
    data_dir = failing_disk.path / "state"
    server = laminar_factory(data_dir=data_dir)
    svc = Services(server.url)
    svc.populate()
    package = big_package()
    stored = {d: files_under(data_dir / d) for d in ("blobs", "code", "s3")}

    failing_disk.fail()
    assert_writes_refused(svc, package, "disk I/O error", "Read-only file system")
    assert_reads_work(svc)
    assert {d: files_under(data_dir / d) for d in stored} == stored

    # Repaired and restarted: what was acknowledged is there, and only that.
    server.stop()
    failing_disk.repair()
    again = Services(laminar_factory(data_dir=data_dir).url)
    again.attach()
    assert [f["FunctionName"] for f in again.lam.list_functions()["Functions"]] == ["kept"]
    received = again.sqs.receive_message(QueueUrl=again.queue, WaitTimeSeconds=1)["Messages"]
    assert [m["Body"] for m in received] == ["before"]
    create_big(again, package)
    wait_active(again.lam, "big")


def test_a_read_only_data_directory_is_refused_at_start(disk, laminar_factory):
    data_dir = disk.path / "state"
    server = laminar_factory(data_dir=data_dir)
    create_python_function(server.client(), "kept", APP)
    server.stop()
    disk.remount("ro")
    code, stderr = failed_start(data_dir)
    assert code == 1, stderr
    assert stderr.splitlines()[-1] == (
        f"laminar: the data directory {data_dir} is not writable (Read-only file system "
        "(os error 30)); laminar needs to write there"
    )
    disk.remount("rw")
    again = laminar_factory(data_dir=data_dir).client()
    answer = again.invoke(FunctionName="kept", Payload=b'{"n": 1}')
    assert json.loads(answer["Payload"].read()) == {"ran": {"n": 1}}
