"""CloudWatch Logs subscription filters through boto3: the filters'
lifecycle and AWS's errors word for word, a function receiving the
`awslogs` event (base64 of gzipped JSON) compared whole with the document
AWS sends, the filter pattern respected, function logs delivered too, and
delivery at least once across a kill -9."""

from __future__ import annotations

import base64
import gzip
import json
import signal
import time
import uuid

import pytest
from botocore.exceptions import ClientError

from laminar_testing import ACCOUNT, REGION, RECORDER, create_python_function, recording_function, runs, wait_for
from test_logs import logs_client

NO_PERMISSION = ("Could not execute the lambda function. Make sure you have given CloudWatch Logs "
                 "permission to execute your function.")


def error_of(call, **kwargs):
    with pytest.raises(ClientError) as info:
        call(**kwargs)
    response = info.value.response
    return (response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Code"],
            response["Error"]["Message"])


def function_arn(name: str) -> str:
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"


def group_arn(group: str) -> str:
    return f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{group}"


def recorder(client, name: str, runs_dir, principal="logs.amazonaws.com", source_arn=None):
    recording_function(client, name, runs_dir, principal, source_arn)


def decoded(run: dict) -> dict:
    data = run["event"]["awslogs"]["data"]
    return json.loads(gzip.decompress(base64.b64decode(data)))


def now_ms() -> int:
    return int(time.time() * 1000)


def test_filter_lifecycle_and_errors(laminar, tmp_path):
    logs, client = logs_client(laminar.url), laminar.client()
    group = f"/subs/{uuid.uuid4().hex[:8]}"
    logs.create_log_group(logGroupName=group)
    fn = f"sub-{uuid.uuid4().hex[:8]}"
    recorder(client, fn, tmp_path, principal=f"logs.{REGION}.amazonaws.com", source_arn=f"{group_arn(group)}:*")
    before = now_ms()
    logs.put_subscription_filter(logGroupName=group, filterName="errors", filterPattern="ERROR",
                                 destinationArn=function_arn(fn))
    described = logs.describe_subscription_filters(logGroupName=group)
    created = described["subscriptionFilters"][0]["creationTime"]
    assert before <= created <= now_ms()
    assert {k: v for k, v in described.items() if k != "ResponseMetadata"} == {"subscriptionFilters": [{
        "filterName": "errors", "logGroupName": group, "filterPattern": "ERROR",
        "destinationArn": function_arn(fn), "distribution": "ByLogStream",
        "applyOnTransformedLogs": False, "creationTime": created,
    }]}
    # Putting the same name again replaces the filter.
    logs.put_subscription_filter(logGroupName=group, filterName="errors", filterPattern="WARN",
                                 destinationArn=function_arn(fn))
    logs.put_subscription_filter(logGroupName=group, filterName="second", filterPattern="",
                                 destinationArn=function_arn(fn))
    filters = logs.describe_subscription_filters(logGroupName=group)["subscriptionFilters"]
    assert [(f["filterName"], f["filterPattern"]) for f in filters] == [("errors", "WARN"), ("second", "")]
    assert [f["filterName"] for f in logs.describe_subscription_filters(
        logGroupName=group, filterNamePrefix="sec")["subscriptionFilters"]] == ["second"]
    # Two filters per group at most.
    assert error_of(logs.put_subscription_filter, logGroupName=group, filterName="third", filterPattern="",
                    destinationArn=function_arn(fn)) == (400, "LimitExceededException", "Resource limit exceeded.")

    other = f"nope-{uuid.uuid4().hex[:8]}"
    create_python_function(client, other, RECORDER)
    assert error_of(logs.put_subscription_filter, logGroupName=group, filterName="errors", filterPattern="",
                    destinationArn=function_arn(other)) == (400, "InvalidParameterException", NO_PERMISSION)
    assert error_of(logs.put_subscription_filter, logGroupName=group, filterName="errors", filterPattern="",
                    destinationArn=function_arn("does-not-exist")) == (400, "InvalidParameterException", NO_PERMISSION)
    # A permission for another group does not count.
    client.add_permission(FunctionName=other, StatementId="logs", Action="lambda:InvokeFunction",
                          Principal="logs.amazonaws.com", SourceArn=f"{group_arn('/elsewhere')}:*")
    assert error_of(logs.put_subscription_filter, logGroupName=group, filterName="errors", filterPattern="",
                    destinationArn=function_arn(other)) == (400, "InvalidParameterException", NO_PERMISSION)
    assert error_of(logs.put_subscription_filter, logGroupName="/no/such/group", filterName="f", filterPattern="",
                    destinationArn=function_arn(fn)) == (400, "ResourceNotFoundException",
                                                         "The specified log group does not exist.")
    assert error_of(logs.describe_subscription_filters, logGroupName="/no/such/group") == (
        400, "ResourceNotFoundException", "The specified log group does not exist.")

    logs.delete_subscription_filter(logGroupName=group, filterName="second")
    assert error_of(logs.delete_subscription_filter, logGroupName=group, filterName="second") == (
        400, "ResourceNotFoundException", "The specified subscription filter does not exist.")
    assert [f["filterName"] for f in logs.describe_subscription_filters(logGroupName=group)["subscriptionFilters"]] == ["errors"]
    # Deleting the group deletes its filters.
    logs.delete_log_group(logGroupName=group)
    logs.create_log_group(logGroupName=group)
    assert logs.describe_subscription_filters(logGroupName=group)["subscriptionFilters"] == []


def test_matching_events_reach_the_function_as_aws_sends_them(laminar, tmp_path):
    logs, client = logs_client(laminar.url), laminar.client()
    group = f"/app/{uuid.uuid4().hex[:8]}"
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName="web-1")
    fn = f"sub-{uuid.uuid4().hex[:8]}"
    recorder(client, fn, tmp_path)
    logs.put_subscription_filter(logGroupName=group, filterName="errors", filterPattern="ERROR",
                                 destinationArn=function_arn(fn))
    t = now_ms()
    logs.put_log_events(logGroupName=group, logStreamName="web-1", logEvents=[
        {"timestamp": t, "message": "[ERROR] First test message"},
        {"timestamp": t + 1, "message": "[INFO] not for the subscription"},
        {"timestamp": t + 2, "message": "[ERROR] Second test message"},
    ])
    got = wait_for(lambda: runs(tmp_path, fn), what="the subscription's invoke")
    assert len(got) == 1
    assert list(got[0]["event"]) == ["awslogs"] and list(got[0]["event"]["awslogs"]) == ["data"]
    document = decoded(got[0])
    stored = logs.get_log_events(logGroupName=group, logStreamName="web-1", startFromHead=True)["events"]
    ids = {e["message"]: e["eventId"] for e in logs.filter_log_events(logGroupName=group)["events"]}
    assert len(stored) == 3
    assert document == {
        "messageType": "DATA_MESSAGE",
        "owner": ACCOUNT,
        "logGroup": group,
        "logStream": "web-1",
        "subscriptionFilters": ["errors"],
        "logEvents": [
            {"id": ids["[ERROR] First test message"], "timestamp": t, "message": "[ERROR] First test message"},
            {"id": ids["[ERROR] Second test message"], "timestamp": t + 2, "message": "[ERROR] Second test message"},
        ],
    }
    assert all(len(e["id"]) == 56 and e["id"].isdigit() for e in document["logEvents"])
    # Nothing matching: no invoke.
    logs.put_log_events(logGroupName=group, logStreamName="web-1",
                        logEvents=[{"timestamp": now_ms(), "message": "all is well"}])
    time.sleep(2)
    assert len(runs(tmp_path, fn)) == 1


def test_a_function_s_own_logs_feed_a_subscription(laminar, tmp_path):
    client = laminar.client()
    logs = logs_client(laminar.url)
    talker = f"talker-{uuid.uuid4().hex[:8]}"
    create_python_function(client, talker, "def handler(event, context):\n    print('ALERT ' + event['say'])\n    return 1\n")
    client.invoke(FunctionName=talker, Payload=json.dumps({"say": "warm"}))
    group = f"/aws/lambda/{talker}"
    wait_for(lambda: logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"], what="the function's group")
    fn = f"sub-{uuid.uuid4().hex[:8]}"
    recorder(client, fn, tmp_path, source_arn=f"{group_arn(group)}:*")
    logs.put_subscription_filter(logGroupName=group, filterName="alerts", filterPattern="ALERT",
                                 destinationArn=function_arn(fn))
    client.invoke(FunctionName=talker, Payload=json.dumps({"say": "disk full"}))

    def alerts():
        return [e for run in runs(tmp_path, fn) for e in decoded(run)["logEvents"]]

    got = wait_for(alerts, what="the function's log line delivered")
    # Only the line written after the filter, as the group stores it.
    stored = [e for e in logs.filter_log_events(logGroupName=group, filterPattern="ALERT")["events"]
              if "disk full" in e["message"]]
    assert [(e["id"], e["message"]) for e in got] == [(e["eventId"], e["message"]) for e in stored]
    assert got[0]["message"].startswith("ALERT disk full")
    document = decoded(runs(tmp_path, fn)[0])
    assert (document["logGroup"], document["subscriptionFilters"], document["owner"]) == (group, ["alerts"], ACCOUNT)
    streams = [s["logStreamName"] for s in logs.describe_log_streams(logGroupName=group)["logStreams"]]
    assert document["logStream"] in streams


def test_deliveries_survive_sigkill(laminar_factory, tmp_path):
    data_dir = tmp_path / "state"
    runs_dir = tmp_path / "runs"
    runs_dir.mkdir()
    first = laminar_factory(data_dir=data_dir)
    logs, client = logs_client(first.url), first.client()
    group = "/durable/subs"
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName="s")
    recorder(client, "sub-durable", runs_dir)
    logs.put_subscription_filter(logGroupName=group, filterName="all", filterPattern="",
                                 destinationArn=function_arn("sub-durable"))
    total = 20
    for n in range(total):
        logs.put_log_events(logGroupName=group, logStreamName="s",
                            logEvents=[{"timestamp": now_ms(), "message": str(n)}])
    # Killed at once: the events are in the outbox or the async queue.
    assert first.kill() == -signal.SIGKILL
    second = laminar_factory(data_dir=data_dir)

    def seen():
        return {int(e["message"]) for run in runs(runs_dir, "sub-durable") for e in decoded(run)["logEvents"]}

    wait_for(lambda: seen() == set(range(total)), timeout=90, what="every accepted event")
    assert second.client().get_function(FunctionName="sub-durable")
