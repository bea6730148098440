"""CloudWatch Logs on laminar's port, through boto3 and the AWS CLI: groups,
streams, events, filter patterns, retention, persistence, and the logs every
Lambda function writes to /aws/lambda/<name>."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid

import boto3
import pytest
from botocore.config import Config

from laminar_testing import AWS_ENV, REGION, create_python_function

STREAM_NAME_RE = re.compile(r"^\d{4}/\d{2}/\d{2}/\[\$LATEST\][0-9a-f]{32}$")


def logs_client(url: str):
    return boto3.client(
        "logs",
        endpoint_url=url,
        region_name=REGION,
        aws_access_key_id=AWS_ENV["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=AWS_ENV["AWS_SECRET_ACCESS_KEY"],
        config=Config(retries={"total_max_attempts": 1, "mode": "standard"}),
    )


@pytest.fixture
def logs(laminar):
    return logs_client(laminar.url)


@pytest.fixture
def group(logs):
    name = f"/test/{uuid.uuid4().hex[:12]}"
    logs.create_log_group(logGroupName=name)
    return name


def now_ms() -> int:
    return int(time.time() * 1000)


def put(logs, group, stream, messages, timestamp=None):
    ts = timestamp if timestamp is not None else now_ms()
    return logs.put_log_events(
        logGroupName=group,
        logStreamName=stream,
        logEvents=[{"timestamp": ts, "message": m} for m in messages],
    )


def error_code(excinfo) -> str:
    return excinfo.value.response["Error"]["Code"]


def test_groups_and_streams_are_created_listed_and_deleted(logs, group):
    with pytest.raises(logs.exceptions.ResourceAlreadyExistsException):
        logs.create_log_group(logGroupName=group)
    with pytest.raises(logs.exceptions.InvalidParameterException):
        logs.create_log_group(logGroupName="bad name with spaces")

    described = logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"]
    assert [g["logGroupName"] for g in described] == [group]
    g = described[0]
    assert g["arn"].startswith(f"arn:aws:logs:{REGION}:")
    assert g["arn"].endswith(f":log-group:{group}:*")
    assert g["logGroupArn"] == g["arn"][: -len(":*")]
    assert g["storedBytes"] == 0
    assert "retentionInDays" not in g
    assert abs(g["creationTime"] - now_ms()) < 60_000

    for name in ["b-stream", "a-stream", "c-stream"]:
        logs.create_log_stream(logGroupName=group, logStreamName=name)
    with pytest.raises(logs.exceptions.ResourceAlreadyExistsException):
        logs.create_log_stream(logGroupName=group, logStreamName="a-stream")
    with pytest.raises(logs.exceptions.ResourceNotFoundException):
        logs.create_log_stream(logGroupName=group + "-missing", logStreamName="x")

    streams = logs.describe_log_streams(logGroupName=group)["logStreams"]
    assert [s["logStreamName"] for s in streams] == ["a-stream", "b-stream", "c-stream"]
    assert streams[0]["arn"].endswith(f":log-group:{group}:log-stream:a-stream")

    # Paging with limit / nextToken.
    first = logs.describe_log_streams(logGroupName=group, limit=2)
    assert [s["logStreamName"] for s in first["logStreams"]] == ["a-stream", "b-stream"]
    second = logs.describe_log_streams(logGroupName=group, limit=2, nextToken=first["nextToken"])
    assert [s["logStreamName"] for s in second["logStreams"]] == ["c-stream"]
    assert "nextToken" not in second

    # Ordered by last event time, newest first.
    put(logs, group, "a-stream", ["late"], now_ms())
    put(logs, group, "c-stream", ["early"], now_ms() - 10_000)
    by_time = logs.describe_log_streams(
        logGroupName=group, orderBy="LastEventTime", descending=True
    )["logStreams"]
    assert [s["logStreamName"] for s in by_time][:2] == ["a-stream", "c-stream"]
    a = by_time[0]
    assert a["firstEventTimestamp"] == a["lastEventTimestamp"]
    assert "lastIngestionTime" in a and a["uploadSequenceToken"]
    with pytest.raises(logs.exceptions.InvalidParameterException):
        logs.describe_log_streams(logGroupName=group, orderBy="LastEventTime", logStreamNamePrefix="a")

    assert logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"][0]["storedBytes"] > 0

    logs.delete_log_stream(logGroupName=group, logStreamName="b-stream")
    with pytest.raises(logs.exceptions.ResourceNotFoundException):
        logs.delete_log_stream(logGroupName=group, logStreamName="b-stream")
    logs.delete_log_group(logGroupName=group)
    with pytest.raises(logs.exceptions.ResourceNotFoundException) as e:
        logs.describe_log_streams(logGroupName=group)
    assert e.value.response["Error"]["Message"] == "The specified log group does not exist."
    assert logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"] == []


def test_describe_log_groups_pattern_and_paging(logs):
    base = f"/paging/{uuid.uuid4().hex[:8]}"
    names = [f"{base}/{i}" for i in range(5)]
    for name in names:
        logs.create_log_group(logGroupName=name)
    seen = []
    token = None
    while True:
        kwargs = {"logGroupNamePrefix": base, "limit": 2}
        if token:
            kwargs["nextToken"] = token
        page = logs.describe_log_groups(**kwargs)
        seen += [g["logGroupName"] for g in page["logGroups"]]
        token = page.get("nextToken")
        if not token:
            break
    assert seen == names
    by_pattern = logs.describe_log_groups(logGroupNamePattern=base.split("/")[-1])["logGroups"]
    assert [g["logGroupName"] for g in by_pattern] == names
    paginated = logs.get_paginator("describe_log_groups").paginate(logGroupNamePrefix=base)
    assert sum(len(p["logGroups"]) for p in paginated) == 5


def test_errors_are_json_1_1(laminar):
    request = urllib.request.Request(
        laminar.url + "/",
        data=json.dumps({"logGroupName": "/does/not/exist", "logStreamName": "s"}).encode(),
        headers={
            "X-Amz-Target": "Logs_20140328.GetLogEvents",
            "Content-Type": "application/x-amz-json-1.1",
        },
        method="POST",
    )
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(request, timeout=30)
    assert e.value.code == 400
    assert e.value.headers["x-amzn-ErrorType"] == "ResourceNotFoundException"
    assert e.value.headers["Content-Type"] == "application/x-amz-json-1.1"
    body = json.loads(e.value.read())
    assert body == {
        "__type": "ResourceNotFoundException",
        "message": "The specified log group does not exist.",
    }


def test_put_and_get_events_with_forward_token_polling(logs, group):
    logs.create_log_stream(logGroupName=group, logStreamName="s")
    with pytest.raises(logs.exceptions.ResourceNotFoundException) as e:
        put(logs, group, "missing", ["x"])
    assert e.value.response["Error"]["Message"] == "The specified log stream does not exist."

    t = now_ms()
    out = logs.put_log_events(
        logGroupName=group,
        logStreamName="s",
        logEvents=[{"timestamp": t + i, "message": f"line {i}"} for i in range(5)],
    )
    assert out["nextSequenceToken"]
    assert "rejectedLogEventsInfo" not in out

    with pytest.raises(logs.exceptions.InvalidParameterException) as e:
        logs.put_log_events(
            logGroupName=group,
            logStreamName="s",
            logEvents=[{"timestamp": t + 1, "message": "b"}, {"timestamp": t, "message": "a"}],
        )
    assert "chronological order" in e.value.response["Error"]["Message"]

    rejected = logs.put_log_events(
        logGroupName=group,
        logStreamName="s",
        logEvents=[
            {"timestamp": t - 15 * 86_400_000 + 3_600_000 * 0, "message": "too old"},
        ],
    )["rejectedLogEventsInfo"]
    assert rejected == {"tooOldLogEventEndIndex": 1}
    too_new = logs.put_log_events(
        logGroupName=group,
        logStreamName="s",
        logEvents=[{"timestamp": t + 5, "message": "ok"}, {"timestamp": t + 3 * 3_600_000, "message": "too new"}],
    )["rejectedLogEventsInfo"]
    assert too_new == {"tooNewLogEventStartIndex": 1}

    head = logs.get_log_events(logGroupName=group, logStreamName="s", startFromHead=True)
    messages = [e["message"] for e in head["events"]]
    assert messages == [f"line {i}" for i in range(5)] + ["ok"]
    assert all("ingestionTime" in e for e in head["events"])

    # Paging forward with a small limit.
    page = logs.get_log_events(logGroupName=group, logStreamName="s", startFromHead=True, limit=2)
    assert [e["message"] for e in page["events"]] == ["line 0", "line 1"]
    page = logs.get_log_events(logGroupName=group, logStreamName="s", nextToken=page["nextForwardToken"], limit=2)
    assert [e["message"] for e in page["events"]] == ["line 2", "line 3"]

    # Default (not from head): the latest events.
    tail = logs.get_log_events(logGroupName=group, logStreamName="s", limit=2)
    assert [e["message"] for e in tail["events"]] == ["line 4", "ok"]

    # Polling with the forward token returns nothing new, not a repeat…
    token = head["nextForwardToken"]
    again = logs.get_log_events(logGroupName=group, logStreamName="s", nextToken=token)
    assert again["events"] == []
    assert again["nextForwardToken"] == token
    # …then exactly what was added.
    put(logs, group, "s", ["fresh"], t + 10)
    fresh = logs.get_log_events(logGroupName=group, logStreamName="s", nextToken=again["nextForwardToken"])
    assert [e["message"] for e in fresh["events"]] == ["fresh"]

    # Time range: startTime inclusive, endTime exclusive.
    ranged = logs.get_log_events(logGroupName=group, logStreamName="s", startTime=t + 1, endTime=t + 3, startFromHead=True)
    assert [e["message"] for e in ranged["events"]] == ["line 1", "line 2"]


def test_filter_log_events_with_term_patterns(logs, group):
    for stream in ["app-1", "app-2", "other"]:
        logs.create_log_stream(logGroupName=group, logStreamName=stream)
    t = now_ms()
    put(logs, group, "app-1", ["ERROR disk full", "INFO all good"], t)
    put(logs, group, "app-2", ["ERROR timeout talking to db", "WARN slow request"], t + 1)
    put(logs, group, "other", ['{"level": "error", "latency": 250}', "DEBUG ERROR noise"], t + 2)

    def messages(**kwargs):
        return [e["message"] for e in logs.filter_log_events(logGroupName=group, **kwargs)["events"]]

    assert len(messages()) == 6
    assert len(messages(filterPattern="")) == 6
    assert messages(filterPattern="ERROR") == [
        "ERROR disk full",
        "ERROR timeout talking to db",
        "DEBUG ERROR noise",
    ]
    assert messages(filterPattern="ERROR disk") == ["ERROR disk full"]
    assert messages(filterPattern='"talking to db"') == ["ERROR timeout talking to db"]
    assert messages(filterPattern="ERROR -DEBUG") == ["ERROR disk full", "ERROR timeout talking to db"]
    assert messages(filterPattern="?WARN ?INFO") == ["INFO all good", "WARN slow request"]
    assert messages(filterPattern="{ $.latency > 100 }") == ['{"level": "error", "latency": 250}']
    assert messages(filterPattern='{ $.level = "info" }') == []
    assert messages(filterPattern="ERROR", logStreamNamePrefix="app-") == [
        "ERROR disk full",
        "ERROR timeout talking to db",
    ]
    assert messages(logStreamNames=["app-2"]) == ["ERROR timeout talking to db", "WARN slow request"]
    assert messages(startTime=t + 1, endTime=t + 2) == ["ERROR timeout talking to db", "WARN slow request"]

    out = logs.filter_log_events(logGroupName=group, filterPattern="ERROR")
    first = out["events"][0]
    assert first["logStreamName"] == "app-1" and first["timestamp"] == t and first["eventId"]
    assert "ingestionTime" in first
    assert {s["logStreamName"] for s in out["searchedLogStreams"]} == {"app-1", "app-2", "other"}

    # nextToken paging, by hand and through boto3's paginator.
    page = logs.filter_log_events(logGroupName=group, limit=4)
    assert len(page["events"]) == 4 and page["nextToken"]
    rest = logs.filter_log_events(logGroupName=group, limit=4, nextToken=page["nextToken"])
    assert len(rest["events"]) == 2
    paged = logs.get_paginator("filter_log_events").paginate(
        logGroupName=group, PaginationConfig={"PageSize": 2}
    )
    assert sum(len(p["events"]) for p in paged) == 6

    with pytest.raises(logs.exceptions.InvalidParameterException):
        logs.filter_log_events(logGroupName=group, filterPattern='"unterminated')
    with pytest.raises(logs.exceptions.ResourceNotFoundException):
        logs.filter_log_events(logGroupName=group + "-missing")


def test_retention_policy_hides_old_events(logs, group):
    logs.create_log_stream(logGroupName=group, logStreamName="s")
    t = now_ms()
    put(logs, group, "s", ["a day old"], t - 25 * 3_600_000)
    put(logs, group, "s", ["recent"], t)
    with pytest.raises(logs.exceptions.InvalidParameterException):
        logs.put_retention_policy(logGroupName=group, retentionInDays=2)
    with pytest.raises(logs.exceptions.ResourceNotFoundException):
        logs.put_retention_policy(logGroupName=group + "-missing", retentionInDays=1)
    logs.put_retention_policy(logGroupName=group, retentionInDays=1)
    described = logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"][0]
    assert described["retentionInDays"] == 1
    found = logs.filter_log_events(logGroupName=group)["events"]
    assert [e["message"] for e in found] == ["recent"]
    got = logs.get_log_events(logGroupName=group, logStreamName="s", startFromHead=True)["events"]
    assert [e["message"] for e in got] == ["recent"]
    # Events already past retention are rejected as expired.
    expired = put(logs, group, "s", ["expired"], t - 25 * 3_600_000)["rejectedLogEventsInfo"]
    assert expired == {"expiredLogEventEndIndex": 1}

    logs.delete_retention_policy(logGroupName=group)
    assert "retentionInDays" not in logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"][0]


def test_tags(logs, group):
    arn = logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"][0]["logGroupArn"]
    logs.tag_resource(resourceArn=arn, tags={"team": "a", "env": "dev"})
    assert logs.list_tags_for_resource(resourceArn=arn)["tags"] == {"team": "a", "env": "dev"}
    logs.untag_resource(resourceArn=arn, tagKeys=["env"])
    assert logs.list_tags_log_group(logGroupName=group)["tags"] == {"team": "a"}
    with pytest.raises(logs.exceptions.ResourceNotFoundException):
        logs.list_tags_for_resource(resourceArn=arn + "-missing")


def test_log_events_survive_a_restart(laminar_factory, tmp_path):
    data_dir = tmp_path / "state"
    first = laminar_factory(data_dir=data_dir)
    logs = logs_client(first.url)
    logs.create_log_group(logGroupName="/kept")
    logs.create_log_stream(logGroupName="/kept", logStreamName="s")
    put(logs, "/kept", "s", ["kept line"])
    logs.put_retention_policy(logGroupName="/kept", retentionInDays=7)
    first.kill()

    second = laminar_factory(data_dir=data_dir)
    logs = logs_client(second.url)
    group = logs.describe_log_groups(logGroupNamePrefix="/kept")["logGroups"][0]
    assert group["retentionInDays"] == 7
    events = logs.get_log_events(logGroupName="/kept", logStreamName="s", startFromHead=True)["events"]
    assert [e["message"] for e in events] == ["kept line"]


# -- Lambda functions write here ------------------------------------------

APP_PY = """\
def handler(event, context):
    print("hello from", event.get("who"))
    return {"ok": True}
"""


def wait_for(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.1)


def test_function_logs_land_in_aws_lambda_group(laminar, lambda_, logs, function_name):
    create_python_function(lambda_, function_name, APP_PY)
    started = now_ms()
    response = lambda_.invoke(FunctionName=function_name, Payload=b'{"who": "first"}')
    assert response["StatusCode"] == 200
    group = f"/aws/lambda/{function_name}"

    def streams():
        try:
            return logs.describe_log_streams(logGroupName=group)["logStreams"]
        except logs.exceptions.ResourceNotFoundException:
            return []

    found = wait_for(streams)
    assert len(found) == 1
    assert STREAM_NAME_RE.match(found[0]["logStreamName"]), found[0]["logStreamName"]

    def messages(**kwargs):
        return [e["message"] for e in logs.filter_log_events(logGroupName=group, **kwargs)["events"]]

    lines = wait_for(lambda: [m for m in messages() if m.startswith("REPORT")] and messages())
    assert lines[0].startswith("START RequestId: ")
    assert "hello from first" in lines
    assert any(m.startswith("END RequestId: ") for m in lines)
    assert lines[-1].startswith("REPORT RequestId: ")
    assert messages(filterPattern='"hello from first"') == ["hello from first"]
    assert len(messages(filterPattern="?START ?END")) == 2

    # The polling `aws logs tail --follow` (CLI v2) does: FilterLogEvents
    # with the group, a start time and interleaved, paging with nextToken;
    # the next poll starts at the latest timestamp seen, skipping events
    # already shown by their eventId.
    def poll(start_time):
        events, token = [], None
        while True:
            kwargs = {"logGroupName": group, "startTime": start_time, "interleaved": True}
            if token:
                kwargs["nextToken"] = token
            page = logs.filter_log_events(**kwargs)
            events += page["events"]
            token = page.get("nextToken")
            if not token:
                return events

    shown = poll(started - 1000)
    assert "hello from first" in [e["message"] for e in shown]
    latest = max(e["timestamp"] for e in shown)
    seen_ids = {e["eventId"] for e in shown}

    lambda_.invoke(FunctionName=function_name, Payload=b'{"who": "second"}')

    def new_lines():
        return [e["message"] for e in poll(latest) if e["eventId"] not in seen_ids]

    new = wait_for(lambda: [m for m in new_lines() if m.startswith("REPORT")] and new_lines(), timeout=5)
    assert "hello from second" in new
    assert "hello from first" not in new
    assert new[0].startswith("START RequestId: ")


def test_function_logs_honour_logging_config_log_group(lambda_, logs, function_name):
    custom = f"/custom/{function_name}"
    create_python_function(lambda_, function_name, APP_PY, LoggingConfig={"LogGroup": custom, "LogFormat": "Text"})
    lambda_.invoke(FunctionName=function_name, Payload=b'{"who": "custom"}')

    def messages():
        try:
            return [e["message"] for e in logs.filter_log_events(logGroupName=custom)["events"]]
        except logs.exceptions.ResourceNotFoundException:
            return []

    assert "hello from custom" in wait_for(lambda: "hello from custom" in messages() and messages())


def test_cli_v1_filter_and_get_log_events(laminar, logs, group, tmp_path):
    logs.create_log_stream(logGroupName=group, logStreamName="cli")
    put(logs, group, "cli", ["ERROR from cli test", "INFO from cli test"])
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ENV)
    env["AWS_CONFIG_FILE"] = str(tmp_path / "none")
    env["AWS_SHARED_CREDENTIALS_FILE"] = str(tmp_path / "none")
    env["AWS_PAGER"] = ""

    def aws(*args):
        result = subprocess.run(
            [sys.executable, "-m", "awscli", "logs", *args, "--endpoint-url", laminar.url],
            capture_output=True, text=True, env=env, timeout=120,
        )
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)

    filtered = aws("filter-log-events", "--log-group-name", group, "--filter-pattern", "ERROR")
    assert [e["message"] for e in filtered["events"]] == ["ERROR from cli test"]
    got = aws("get-log-events", "--log-group-name", group, "--log-stream-name", "cli", "--start-from-head")
    assert [e["message"] for e in got["events"]] == ["ERROR from cli test", "INFO from cli test"]


def test_function_logs_are_committed_before_a_clean_shutdown(laminar_factory, tmp_path):
    data_dir = tmp_path / "state"
    first = laminar_factory(data_dir=data_dir)
    lambda_ = first.client()
    create_python_function(lambda_, "stopper", APP_PY)
    lambda_.invoke(FunctionName="stopper", Payload=b'{"who": "before stop"}')
    # SIGTERM right away: the queued lines must still reach the database.
    first.stop()

    second = laminar_factory(data_dir=data_dir)
    logs = logs_client(second.url)
    messages = [e["message"] for e in logs.filter_log_events(logGroupName="/aws/lambda/stopper")["events"]]
    assert "hello from before stop" in messages
    assert messages[-1].startswith("REPORT RequestId: ")
