"""CloudWatch metrics through boto3 and the AWS CLI against a real laminar:
users' metrics put and read back (every statistic and percentiles, compared
with values computed here), ListMetrics' filters and pages, GetMetricData,
the refusals as AWS words them; the `AWS/Lambda` metrics of invocations the
test made (Invocations, Errors, Throttles, Duration by FunctionName,
Resource and ExecutedVersion); embedded metric format log lines becoming
metrics; the query protocol older SDKs send."""

from __future__ import annotations

import datetime
import json
import math
import os
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
import uuid
import xml.etree.ElementTree as ET

import boto3
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from laminar_testing import AWS_ENV, REGION, create_python_function, wait_active, wait_for

UTC = datetime.timezone.utc


def cloudwatch_client(endpoint_url: str):
    return boto3.client(
        "cloudwatch",
        endpoint_url=endpoint_url,
        region_name=REGION,
        aws_access_key_id=AWS_ENV["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=AWS_ENV["AWS_SECRET_ACCESS_KEY"],
        config=Config(retries={"total_max_attempts": 1}),
    )


def error_of(call, **kwargs):
    with pytest.raises(ClientError) as info:
        call(**kwargs)
    response = info.value.response
    return (
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"]["Code"],
        response["Error"]["Message"],
    )


def bare(answer: dict) -> dict:
    return {k: v for k, v in answer.items() if k != "ResponseMetadata"}


def minute_ago(minutes: int) -> datetime.datetime:
    now = datetime.datetime.now(UTC).replace(second=0, microsecond=0)
    return now - datetime.timedelta(minutes=minutes)


def nearest_rank(values: list[float], p: float) -> float:
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


@pytest.fixture
def cloudwatch(laminar):
    return cloudwatch_client(laminar.url)


@pytest.fixture
def namespace():
    return f"Test/{uuid.uuid4().hex[:8]}"


def test_statistics_and_percentiles_of_put_values(cloudwatch, namespace):
    at = minute_ago(5)
    dims = [{"Name": "Service", "Value": "cart"}, {"Name": "Stage", "Value": "dev"}]
    # Values 1..100 as single values, a values/counts pair and a statistic set.
    values = [float(v) for v in range(1, 101)]
    cloudwatch.put_metric_data(
        Namespace=namespace,
        MetricData=[
            {"MetricName": "Latency", "Dimensions": dims, "Timestamp": at, "Value": v, "Unit": "Milliseconds"}
            for v in values[:50]
        ]
        + [
            {
                "MetricName": "Latency",
                # The order of dimensions does not make another metric.
                "Dimensions": list(reversed(dims)),
                "Timestamp": at + datetime.timedelta(seconds=30),
                "Values": values[50:],
                "Counts": [1.0] * 50,
                "Unit": "Milliseconds",
            }
        ],
    )
    # The next minute: one value three times, as Values+Counts.
    cloudwatch.put_metric_data(
        Namespace=namespace,
        MetricData=[
            {
                "MetricName": "Latency",
                "Dimensions": dims,
                "Timestamp": at + datetime.timedelta(minutes=1),
                "Values": [7.0],
                "Counts": [3.0],
                "Unit": "Milliseconds",
            }
        ],
    )
    answer = cloudwatch.get_metric_statistics(
        Namespace=namespace,
        MetricName="Latency",
        Dimensions=dims,
        StartTime=at,
        EndTime=at + datetime.timedelta(minutes=2),
        Period=60,
        Statistics=["SampleCount", "Average", "Sum", "Minimum", "Maximum"],
        ExtendedStatistics=["p50", "p90", "p99", "p99.9"],
    )
    assert bare(answer) == {
        "Label": "Latency",
        "Datapoints": [
            {
                "Timestamp": at,
                "SampleCount": 100.0,
                "Average": sum(values) / 100,
                "Sum": sum(values),
                "Minimum": 1.0,
                "Maximum": 100.0,
                "Unit": "Milliseconds",
                "ExtendedStatistics": {
                    p: nearest_rank(values, float(p[1:])) for p in ("p50", "p90", "p99", "p99.9")
                },
            },
            {
                "Timestamp": at + datetime.timedelta(minutes=1),
                "SampleCount": 3.0,
                "Average": 7.0,
                "Sum": 21.0,
                "Minimum": 7.0,
                "Maximum": 7.0,
                "Unit": "Milliseconds",
                "ExtendedStatistics": {"p50": 7.0, "p90": 7.0, "p99": 7.0, "p99.9": 7.0},
            },
        ],
    }
    # One period over both minutes; a unit filter that matches nothing.
    whole = cloudwatch.get_metric_statistics(
        Namespace=namespace,
        MetricName="Latency",
        Dimensions=dims,
        StartTime=at,
        EndTime=at + datetime.timedelta(minutes=2),
        Period=120,
        Statistics=["Sum", "SampleCount"],
    )
    assert whole["Datapoints"] == [
        {"Timestamp": at, "SampleCount": 103.0, "Sum": sum(values) + 21.0, "Unit": "Milliseconds"}
    ]
    other_unit = cloudwatch.get_metric_statistics(
        Namespace=namespace,
        MetricName="Latency",
        Dimensions=dims,
        StartTime=at,
        EndTime=at + datetime.timedelta(minutes=2),
        Period=60,
        Statistics=["Sum"],
        Unit="Seconds",
    )
    assert other_unit["Datapoints"] == []
    # Fewer dimensions are another metric.
    fewer = cloudwatch.get_metric_statistics(
        Namespace=namespace,
        MetricName="Latency",
        Dimensions=dims[:1],
        StartTime=at,
        EndTime=at + datetime.timedelta(minutes=2),
        Period=60,
        Statistics=["Sum"],
    )
    assert fewer["Datapoints"] == []


def test_statistic_sets_and_unitless_values(cloudwatch, namespace):
    at = minute_ago(3)
    cloudwatch.put_metric_data(
        Namespace=namespace,
        MetricData=[
            {
                "MetricName": "Batch",
                "Timestamp": at,
                "StatisticValues": {"SampleCount": 4, "Sum": 10, "Minimum": 1, "Maximum": 4},
            },
            {"MetricName": "Batch", "Timestamp": at, "Value": 5},
        ],
    )
    answer = cloudwatch.get_metric_statistics(
        Namespace=namespace,
        MetricName="Batch",
        StartTime=at,
        EndTime=at + datetime.timedelta(minutes=1),
        Period=60,
        Statistics=["SampleCount", "Sum", "Average", "Minimum", "Maximum"],
    )
    assert answer["Datapoints"] == [
        {
            "Timestamp": at,
            "SampleCount": 5.0,
            "Average": 3.0,
            "Sum": 15.0,
            "Minimum": 1.0,
            "Maximum": 5.0,
            "Unit": "None",
        }
    ]


def test_list_metrics_filters_and_pages(cloudwatch, namespace):
    cloudwatch.put_metric_data(
        Namespace=namespace,
        MetricData=[
            {"MetricName": "Hits", "Dimensions": [{"Name": "Page", "Value": str(i)}], "Value": 1}
            for i in range(501)
        ]
        + [{"MetricName": "Misses", "Value": 1}],
    )
    first = cloudwatch.list_metrics(Namespace=namespace)
    assert len(first["Metrics"]) == 500
    second = cloudwatch.list_metrics(Namespace=namespace, NextToken=first["NextToken"])
    assert "NextToken" not in second
    assert len(second["Metrics"]) == 2
    everything = first["Metrics"] + second["Metrics"]
    assert {m["MetricName"] for m in everything} == {"Hits", "Misses"}
    assert len({json.dumps(m, sort_keys=True) for m in everything}) == 502
    paginated = [
        m for page in cloudwatch.get_paginator("list_metrics").paginate(Namespace=namespace) for m in page["Metrics"]
    ]
    assert len(paginated) == 502
    one = cloudwatch.list_metrics(Namespace=namespace, Dimensions=[{"Name": "Page", "Value": "7"}])
    assert bare(one) == {
        "Metrics": [{"Namespace": namespace, "MetricName": "Hits", "Dimensions": [{"Name": "Page", "Value": "7"}]}]
    }
    named = cloudwatch.list_metrics(Namespace=namespace, MetricName="Misses")
    assert bare(named) == {"Metrics": [{"Namespace": namespace, "MetricName": "Misses", "Dimensions": []}]}
    by_name_only = cloudwatch.list_metrics(Namespace=namespace, Dimensions=[{"Name": "Page"}])
    assert len(by_name_only["Metrics"]) == 500
    assert cloudwatch.list_metrics(Namespace=namespace, MetricName="Nothing")["Metrics"] == []
    assert len(cloudwatch.list_metrics(Namespace=namespace, MetricName="Misses", RecentlyActive="PT3H")["Metrics"]) == 1


def test_get_metric_data(cloudwatch, namespace):
    at = minute_ago(4)
    dims = [{"Name": "Queue", "Value": "orders"}]
    cloudwatch.put_metric_data(
        Namespace=namespace,
        MetricData=[
            {
                "MetricName": "Depth",
                "Dimensions": dims,
                "Timestamp": at + datetime.timedelta(minutes=m, seconds=s),
                "Value": float(m * 10 + s),
                "Unit": "Count",
            }
            for m in range(3)
            for s in (1, 2)
        ],
    )
    metric = {"Namespace": namespace, "MetricName": "Depth", "Dimensions": dims}
    answer = cloudwatch.get_metric_data(
        MetricDataQueries=[
            {"Id": "sum", "MetricStat": {"Metric": metric, "Period": 60, "Stat": "Sum"}},
            {"Id": "p50", "MetricStat": {"Metric": metric, "Period": 60, "Stat": "p50"}, "Label": "median"},
            {"Id": "hidden", "MetricStat": {"Metric": metric, "Period": 60, "Stat": "Maximum"}, "ReturnData": False},
        ],
        StartTime=at,
        EndTime=at + datetime.timedelta(minutes=3),
    )
    minutes = [at + datetime.timedelta(minutes=m) for m in (2, 1, 0)]
    assert bare(answer) == {
        "MetricDataResults": [
            {
                "Id": "sum",
                "Label": "Depth",
                "Timestamps": minutes,
                "Values": [43.0, 23.0, 3.0],
                "StatusCode": "Complete",
            },
            {
                "Id": "p50",
                "Label": "median",
                "Timestamps": minutes,
                "Values": [21.0, 11.0, 1.0],
                "StatusCode": "Complete",
            },
        ],
        "Messages": [],
    }
    ascending = cloudwatch.get_metric_data(
        MetricDataQueries=[{"Id": "m", "MetricStat": {"Metric": metric, "Period": 180, "Stat": "SampleCount"}}],
        StartTime=at,
        EndTime=at + datetime.timedelta(minutes=3),
        ScanBy="TimestampAscending",
    )
    assert ascending["MetricDataResults"][0]["Timestamps"] == [at]
    assert ascending["MetricDataResults"][0]["Values"] == [6.0]


def test_refusals_as_aws_words_them(cloudwatch, namespace):
    now = datetime.datetime.now(UTC)
    put = cloudwatch.put_metric_data
    assert error_of(put, Namespace=namespace, MetricData=[{"MetricName": "m", "Value": float("nan")}]) == (
        400,
        "InvalidParameterValue",
        "The value NaN for parameter MetricData.member.1.Value is invalid.",
    )
    both = {"MetricName": "m", "Value": 1, "StatisticValues": {"SampleCount": 1, "Sum": 1, "Minimum": 1, "Maximum": 1}}
    assert error_of(put, Namespace=namespace, MetricData=[{"MetricName": "ok", "Value": 1}, both]) == (
        400,
        "InvalidParameterCombination",
        "The parameters MetricData.member.2.Value and MetricData.member.2.StatisticValues are mutually exclusive and you have specified both.",
    )
    assert error_of(
        put, Namespace=namespace, MetricData=[{"MetricName": "m", "Values": [1, 2], "Counts": [1]}]
    ) == (
        400,
        "InvalidParameterValue",
        "The parameters MetricData.member.1.Values and MetricData.member.1.Counts must be of the same size.",
    )
    assert error_of(put, Namespace="AWS/Lambda", MetricData=[{"MetricName": "m", "Value": 1}]) == (
        400,
        "InvalidParameterValue",
        "The value AWS/Lambda for parameter Namespace is invalid.",
    )
    # Nothing of a refused call was written.
    assert cloudwatch.list_metrics(Namespace=namespace)["Metrics"] == []
    stats = cloudwatch.get_metric_statistics
    window = dict(Namespace=namespace, MetricName="m", StartTime=now - datetime.timedelta(hours=1), EndTime=now)
    assert error_of(stats, Period=45, Statistics=["Sum"], **window) == (
        400,
        "InvalidParameterValue",
        "The parameter Period must be a multiple of 60.",
    )
    assert error_of(stats, Period=60, **window) == (
        400,
        "InvalidParameterCombination",
        "Must specify either Statistics or ExtendedStatistics",
    )
    assert error_of(stats, Period=60, Statistics=["Median"], **window) == (
        400,
        "InvalidParameterValue",
        "The parameter Statistics.member.1 must be a value in the set [ Minimum, Maximum, Average, SampleCount, Sum ].",
    )
    assert error_of(
        stats,
        Namespace=namespace,
        MetricName="m",
        StartTime=now,
        EndTime=now - datetime.timedelta(hours=1),
        Period=60,
        Statistics=["Sum"],
    ) == (400, "InvalidParameterValue", "The parameter StartTime must be less than the parameter EndTime.")
    long_window = dict(window, StartTime=now - datetime.timedelta(days=2))
    status, code, message = error_of(stats, Period=60, Statistics=["Sum"], **long_window)
    assert (status, code) == (400, "InvalidParameterCombination")
    assert message.startswith("You have requested up to 288")
    assert message.endswith(
        " datapoints, which exceeds the limit of 1,440. You may reduce the datapoints requested by increasing Period, or decreasing the time range."
    )


def cli(endpoint: str, *args: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ENV)
    env["AWS_CONFIG_FILE"] = os.devnull
    env["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
    env["AWS_PAGER"] = ""
    out = subprocess.run(
        [sys.executable, "-m", "awscli", "cloudwatch", *args, "--endpoint-url", endpoint, "--output", "json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


FUNCTION = """\
import json
import time


def handler(event, context):
    time.sleep(event.get("sleep", 0))
    if event.get("fail"):
        raise RuntimeError("asked to fail")
    if event.get("emf"):
        print(json.dumps({
            "_aws": {
                "Timestamp": int(time.time() * 1000),
                "CloudWatchMetrics": [{
                    "Namespace": event["emf"],
                    "Dimensions": [["Service"], []],
                    "Metrics": [{"Name": "Orders", "Unit": "Count"}, {"Name": "Took", "Unit": "Milliseconds"}],
                }],
            },
            "Service": "shop",
            "Orders": 2,
            "Took": [5, 15],
            "note": "not a metric",
        }))
    return {"ok": True}
"""


def lambda_stats(cloudwatch, name: str, metric: str, dims: list[dict], statistics: list[str]) -> list[dict]:
    now = datetime.datetime.now(UTC)
    answer = cloudwatch.get_metric_statistics(
        Namespace="AWS/Lambda",
        MetricName=metric,
        Dimensions=dims,
        StartTime=now - datetime.timedelta(minutes=30),
        EndTime=now + datetime.timedelta(minutes=30),
        Period=3600,
        Statistics=statistics,
    )
    return [{k: v for k, v in d.items() if k != "Timestamp"} for d in answer["Datapoints"]]


def test_lambda_metrics_match_the_invocations(laminar, lambda_, cloudwatch, function_name):
    create_python_function(lambda_, function_name, FUNCTION)
    for event in ({}, {"fail": True}, {}, {"sleep": 0.2}, {"fail": True}):
        lambda_.invoke(FunctionName=function_name, Payload=json.dumps(event))
    version = lambda_.publish_version(FunctionName=function_name)["Version"]
    wait_active(lambda_, function_name, version)
    lambda_.create_alias(FunctionName=function_name, Name="live", FunctionVersion=version)
    for _ in range(2):
        lambda_.invoke(FunctionName=function_name, Qualifier="live", Payload=b"{}")
    lambda_.put_function_concurrency(FunctionName=function_name, ReservedConcurrentExecutions=0)
    with pytest.raises(ClientError) as throttled:
        lambda_.invoke(FunctionName=function_name, Payload=b"{}")
    assert throttled.value.response["Error"]["Code"] == "TooManyRequestsException"

    by_name = [{"Name": "FunctionName", "Value": function_name}]
    count = ["Sum", "SampleCount"]
    assert lambda_stats(cloudwatch, function_name, "Invocations", by_name, count) == [
        {"Sum": 7.0, "SampleCount": 7.0, "Unit": "Count"}
    ]
    assert lambda_stats(cloudwatch, function_name, "Errors", by_name, ["Sum", "Average"]) == [
        {"Sum": 2.0, "Average": 2 / 7, "Unit": "Count"}
    ]
    assert lambda_stats(cloudwatch, function_name, "Throttles", by_name, ["Sum"]) == [{"Sum": 1.0, "Unit": "Count"}]
    [duration] = lambda_stats(cloudwatch, function_name, "Duration", by_name, ["SampleCount", "Minimum", "Maximum"])
    assert duration["SampleCount"] == 7.0
    assert duration["Unit"] == "Milliseconds"
    assert 0 < duration["Minimum"] <= duration["Maximum"]
    assert duration["Maximum"] >= 200.0  # the invocation that slept 0.2 s
    [concurrency] = lambda_stats(cloudwatch, function_name, "ConcurrentExecutions", by_name, ["Maximum"])
    assert concurrency == {"Maximum": 1.0, "Unit": "Count"}
    # Account-wide (shared with the session's other tests): at least this test's one.
    [unreserved] = lambda_stats(cloudwatch, function_name, "UnreservedConcurrentExecutions", [], ["Maximum"])
    assert unreserved["Maximum"] >= 1.0

    resource = by_name + [{"Name": "Resource", "Value": f"{function_name}:live"}]
    assert lambda_stats(cloudwatch, function_name, "Invocations", resource, ["Sum"]) == [
        {"Sum": 2.0, "Unit": "Count"}
    ]
    executed = resource + [{"Name": "ExecutedVersion", "Value": version}]
    assert lambda_stats(cloudwatch, function_name, "Errors", executed, ["Sum", "SampleCount"]) == [
        {"Sum": 0.0, "SampleCount": 2.0, "Unit": "Count"}
    ]
    assert lambda_stats(cloudwatch, function_name, "ConcurrentExecutions", resource, ["Maximum"]) == [
        {"Maximum": 1.0, "Unit": "Count"}
    ]
    listed = cloudwatch.list_metrics(Namespace="AWS/Lambda", MetricName="Invocations", Dimensions=[by_name[0]])
    assert sorted(len(m["Dimensions"]) for m in listed["Metrics"]) == [1, 2, 3]
    # A version invoked by its number: by Resource, with no ExecutedVersion (AWS keeps that for aliases).
    lambda_.delete_function_concurrency(FunctionName=function_name)
    lambda_.invoke(FunctionName=function_name, Qualifier=version, Payload=b"{}")
    by_version = cloudwatch.list_metrics(
        Namespace="AWS/Lambda",
        MetricName="Invocations",
        Dimensions=[{"Name": "Resource", "Value": f"{function_name}:{version}"}],
    )
    assert [sorted(d["Name"] for d in m["Dimensions"]) for m in by_version["Metrics"]] == [
        ["FunctionName", "Resource"]
    ]

    # The AWS CLI reads the same numbers.
    now = datetime.datetime.now(UTC).replace(microsecond=0)
    from_cli = cli(
        laminar.url,
        "get-metric-statistics",
        "--namespace", "AWS/Lambda",
        "--metric-name", "Invocations",
        "--dimensions", f"Name=FunctionName,Value={function_name}",
        "--start-time", (now - datetime.timedelta(minutes=30)).isoformat(),
        "--end-time", (now + datetime.timedelta(minutes=30)).isoformat(),
        "--period", "3600",
        "--statistics", "Sum",
    )
    assert from_cli["Label"] == "Invocations"
    assert [(d["Sum"], d["Unit"]) for d in from_cli["Datapoints"]] == [(8.0, "Count")]


def test_embedded_metric_format_lines_become_metrics(lambda_, cloudwatch, function_name, namespace):
    create_python_function(lambda_, function_name, FUNCTION)
    for _ in range(3):
        lambda_.invoke(FunctionName=function_name, Payload=json.dumps({"emf": namespace}))
    now = datetime.datetime.now(UTC)
    window = dict(StartTime=now - datetime.timedelta(minutes=30), EndTime=now + datetime.timedelta(minutes=30), Period=3600)
    orders = cloudwatch.get_metric_statistics(
        Namespace=namespace,
        MetricName="Orders",
        Dimensions=[{"Name": "Service", "Value": "shop"}],
        Statistics=["Sum", "SampleCount"],
        **window,
    )
    assert [(d["Sum"], d["SampleCount"], d["Unit"]) for d in orders["Datapoints"]] == [(6.0, 3.0, "Count")]
    took = cloudwatch.get_metric_statistics(
        Namespace=namespace,
        MetricName="Took",
        Statistics=["Sum", "Minimum", "Maximum"],
        ExtendedStatistics=["p50"],
        **window,
    )
    assert [
        (d["Sum"], d["Minimum"], d["Maximum"], d["ExtendedStatistics"], d["Unit"]) for d in took["Datapoints"]
    ] == [(60.0, 5.0, 15.0, {"p50": 5.0}, "Milliseconds")]
    listed = cloudwatch.list_metrics(Namespace=namespace)["Metrics"]
    assert sorted((m["MetricName"], len(m["Dimensions"])) for m in listed) == [
        ("Orders", 0),
        ("Orders", 1),
        ("Took", 0),
        ("Took", 1),
    ]


def test_asynchronous_invocation_metrics(lambda_, cloudwatch, function_name):
    create_python_function(lambda_, function_name, FUNCTION)
    lambda_.put_function_event_invoke_config(FunctionName=function_name, MaximumRetryAttempts=0)
    for event in ({}, {"fail": True}, {}):
        lambda_.invoke(FunctionName=function_name, InvocationType="Event", Payload=json.dumps(event))
    by_name = [{"Name": "FunctionName", "Value": function_name}]

    def dropped():
        return lambda_stats(cloudwatch, function_name, "AsyncEventsDropped", by_name, ["Sum"])

    # The failed event is dropped once its one attempt failed (no retries).
    assert wait_for(dropped, what="the dropped event") == [{"Sum": 1.0, "Unit": "Count"}]
    wait_for(
        lambda: lambda_stats(cloudwatch, function_name, "Invocations", by_name, ["Sum"]) == [{"Sum": 3.0, "Unit": "Count"}],
        what="three invocations",
    )
    assert lambda_stats(cloudwatch, function_name, "AsyncEventsReceived", by_name, ["Sum"]) == [
        {"Sum": 3.0, "Unit": "Count"}
    ]
    assert lambda_stats(cloudwatch, function_name, "Errors", by_name, ["Sum"]) == [{"Sum": 1.0, "Unit": "Count"}]
    [age] = lambda_stats(cloudwatch, function_name, "AsyncEventAge", by_name, ["SampleCount", "Minimum"])
    assert age["SampleCount"] == 3.0 and age["Minimum"] >= 0.0 and age["Unit"] == "Milliseconds"


def test_metrics_survive_a_restart_with_a_data_dir(laminar_factory, tmp_path, namespace):
    data_dir = tmp_path / "state"
    first = laminar_factory(data_dir=data_dir)
    at = minute_ago(2)
    cloudwatch_client(first.url).put_metric_data(
        Namespace=namespace, MetricData=[{"MetricName": "Kept", "Timestamp": at, "Value": 42, "Unit": "Count"}]
    )
    first.stop()
    second = laminar_factory(data_dir=data_dir)
    answer = cloudwatch_client(second.url).get_metric_statistics(
        Namespace=namespace,
        MetricName="Kept",
        StartTime=at,
        EndTime=at + datetime.timedelta(minutes=1),
        Period=60,
        Statistics=["Sum"],
    )
    assert answer["Datapoints"] == [{"Timestamp": at, "Sum": 42.0, "Unit": "Count"}]


def query(endpoint: str, params: dict) -> tuple[int, "ET.Element"]:
    """A query-protocol call (`Action=…&Version=2010-08-01`, a form body),
    as older SDKs send it; the answer's status and XML."""
    body = urllib.parse.urlencode({**params, "Version": "2010-08-01"}).encode()
    signed = AWSRequest(
        method="POST",
        url=endpoint + "/",
        data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
    )
    credentials = Credentials(AWS_ENV["AWS_ACCESS_KEY_ID"], AWS_ENV["AWS_SECRET_ACCESS_KEY"])
    SigV4Auth(credentials, "monitoring", REGION).add_auth(signed)
    request = urllib.request.Request(endpoint + "/", data=body, headers=dict(signed.headers.items()))
    try:
        with urllib.request.urlopen(request, timeout=30) as r:
            return r.status, ET.fromstring(r.read())
    except urllib.error.HTTPError as e:
        return e.code, ET.fromstring(e.read())


def test_the_query_protocol(laminar, namespace):
    ns = "{http://monitoring.amazonaws.com/doc/2010-08-01/}"
    at = minute_ago(3)
    status, put = query(
        laminar.url,
        {
            "Action": "PutMetricData",
            "Namespace": namespace,
            "MetricData.member.1.MetricName": "Q",
            "MetricData.member.1.Dimensions.member.1.Name": "Shard",
            "MetricData.member.1.Dimensions.member.1.Value": "7",
            "MetricData.member.1.Timestamp": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "MetricData.member.1.Values.member.1": "2",
            "MetricData.member.1.Values.member.2": "4",
            "MetricData.member.1.Unit": "Bytes",
        },
    )
    assert status == 200 and put.tag == f"{ns}PutMetricDataResponse"
    status, stats = query(
        laminar.url,
        {
            "Action": "GetMetricStatistics",
            "Namespace": namespace,
            "MetricName": "Q",
            "Dimensions.member.1.Name": "Shard",
            "Dimensions.member.1.Value": "7",
            "StartTime": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "EndTime": (at + datetime.timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Period": "60",
            "Statistics.member.1": "Sum",
            "ExtendedStatistics.member.1": "p50",
        },
    )
    assert status == 200
    [point] = stats.findall(f"{ns}GetMetricStatisticsResult/{ns}Datapoints/{ns}member")
    assert point.findtext(f"{ns}Timestamp") == at.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    assert float(point.findtext(f"{ns}Sum")) == 6.0
    assert point.findtext(f"{ns}Unit") == "Bytes"
    assert point.findtext(f"{ns}ExtendedStatistics/{ns}entry/{ns}key") == "p50"
    assert float(point.findtext(f"{ns}ExtendedStatistics/{ns}entry/{ns}value")) == 2.0
    status, refused = query(
        laminar.url,
        {"Action": "PutMetricData", "Namespace": namespace, "MetricData.member.1.MetricName": "Q", "MetricData.member.1.Value": "NaN"},
    )
    assert status == 400
    assert refused.findtext(f"{ns}Error/{ns}Code") == "InvalidParameterValue"
    assert refused.findtext(f"{ns}Error/{ns}Type") == "Sender"
    assert refused.findtext(f"{ns}Error/{ns}Message") == "The value NaN for parameter MetricData.member.1.Value is invalid."
