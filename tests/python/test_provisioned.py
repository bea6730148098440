"""Provisioned concurrency that really initializes ahead of demand.

AWS's answers: PutProvisionedConcurrencyConfig answers `IN_PROGRESS` with
nothing allocated yet; the configuration becomes `READY` once every
environment is initialized, or `FAILED` with `StatusReason`
`FUNCTION_ERROR_INIT_FAILURE` when the function's init fails (the reason
CloudFormation reports as "Provisioned Concurrency configuration failed to be
applied. Reason: FUNCTION_ERROR_INIT_FAILURE"). Provisioned environments run
with `AWS_LAMBDA_INITIALIZATION_TYPE=provisioned-concurrency`, serve their
qualifier's invokes first (no `Init Duration` in REPORT), and invokes beyond
them spill over to on-demand environments.

The servers here run with `--prewarm 0`, so that an on-demand environment is
a cold start and shows its `Init Duration`.
"""

from __future__ import annotations

import base64
import concurrent.futures
import datetime
import json
import time
from pathlib import Path

import botocore.exceptions
import pytest

from laminar_testing import AWS_ENV, REGION, create_python_function, process_alive as alive, wait_for

# Records when its module was imported; with a barrier directory, each
# invoke waits until `expect` invokes are running at once.
MODULE = """
import os, time
IMPORTED_AT = time.time()

def handler(event, context):
    barrier = event.get("barrier")
    if barrier:
        open(os.path.join(barrier, context.aws_request_id), "w").close()
        deadline = time.time() + 20
        while len(os.listdir(barrier)) < event["expect"] and time.time() < deadline:
            time.sleep(0.01)
    return {
        "imported_at": IMPORTED_AT,
        "init_type": os.environ["AWS_LAMBDA_INITIALIZATION_TYPE"],
        "pid": os.getpid(),
    }
"""

BROKEN = "raise RuntimeError('no init today')\n\ndef handler(event, context):\n    return 1\n"


@pytest.fixture
def lambda_cold(laminar_factory):
    return laminar_factory(extra_args=["--prewarm", "0"]).client()


def published(client, name: str, source: str = MODULE) -> str:
    create_python_function(client, name, source)
    version = client.publish_version(FunctionName=name)["Version"]
    client.get_waiter("published_version_active").wait(FunctionName=name, Qualifier=version)
    return version


def config(client, name: str, qualifier: str) -> dict:
    got = client.get_provisioned_concurrency_config(FunctionName=name, Qualifier=qualifier)
    got.pop("ResponseMetadata")
    return got


def settled(client, name: str, qualifier: str) -> dict:
    return wait_for(
        lambda: (c := config(client, name, qualifier))["Status"] != "IN_PROGRESS" and c,
        what="the configuration to settle",
    )


def invoke(client, name: str, event: dict | None = None) -> tuple[dict, str]:
    answer = client.invoke(FunctionName=name, Payload=json.dumps(event or {}).encode(), LogType="Tail")
    log = base64.b64decode(answer["LogResult"]).decode()
    return json.loads(answer["Payload"].read()), log


def together(client, name: str, count: int, barrier: Path) -> list[tuple[dict, str]]:
    """`count` invokes running at the same time (each waits for the others)."""
    barrier.mkdir()
    event = {"barrier": str(barrier), "expect": count}
    with concurrent.futures.ThreadPoolExecutor(count) as pool:
        return list(pool.map(lambda _: invoke(client, name, event), range(count)))


def test_environments_initialize_before_the_first_invoke(lambda_cold, function_name):
    version = published(lambda_cold, function_name)
    put = lambda_cold.put_provisioned_concurrency_config(
        FunctionName=function_name, Qualifier=version, ProvisionedConcurrentExecutions=2
    )
    put.pop("ResponseMetadata")
    last_modified = put.pop("LastModified")
    assert put == {
        "RequestedProvisionedConcurrentExecutions": 2,
        "AvailableProvisionedConcurrentExecutions": 0,
        "AllocatedProvisionedConcurrentExecutions": 0,
        "Status": "IN_PROGRESS",
    }
    assert settled(lambda_cold, function_name, version) == {
        "RequestedProvisionedConcurrentExecutions": 2,
        "AvailableProvisionedConcurrentExecutions": 2,
        "AllocatedProvisionedConcurrentExecutions": 2,
        "Status": "READY",
        "LastModified": last_modified,
    }
    before = time.time()
    result, log = invoke(lambda_cold, f"{function_name}:{version}")
    assert result["imported_at"] < before
    assert result["init_type"] == "provisioned-concurrency"
    assert "Init Duration" not in log, log
    listed = lambda_cold.list_provisioned_concurrency_configs(FunctionName=function_name)
    assert [c["Status"] for c in listed["ProvisionedConcurrencyConfigs"]] == ["READY"]


def test_concurrent_invokes_use_every_provisioned_environment_then_spill_over(
    lambda_cold, function_name, tmp_path
):
    version = published(lambda_cold, function_name)
    lambda_cold.create_alias(FunctionName=function_name, Name="live", FunctionVersion=version)
    lambda_cold.put_provisioned_concurrency_config(
        FunctionName=function_name, Qualifier="live", ProvisionedConcurrentExecutions=2
    )
    assert settled(lambda_cold, function_name, "live")["Status"] == "READY"
    before = time.time()
    answers = together(lambda_cold, f"{function_name}:live", 2, tmp_path / "two")
    assert {a["init_type"] for a, _ in answers} == {"provisioned-concurrency"}
    assert len({a["pid"] for a, _ in answers}) == 2
    assert all(a["imported_at"] < before for a, _ in answers)
    assert not any("Init Duration" in log for _, log in answers)

    answers = together(lambda_cold, f"{function_name}:live", 3, tmp_path / "three")
    provisioned = [(a, log) for a, log in answers if a["init_type"] == "provisioned-concurrency"]
    spilled = [(a, log) for a, log in answers if a["init_type"] == "on-demand"]
    assert len(provisioned) == 2 and len(spilled) == 1, answers
    assert not any("Init Duration" in log for _, log in provisioned)
    assert "Init Duration" in spilled[0][1]


def test_lowering_and_deleting_retire_environments(lambda_cold, function_name, tmp_path):
    version = published(lambda_cold, function_name)
    qualified = f"{function_name}:{version}"
    lambda_cold.put_provisioned_concurrency_config(
        FunctionName=function_name, Qualifier=version, ProvisionedConcurrentExecutions=2
    )
    settled(lambda_cold, function_name, version)
    pids = {a["pid"] for a, _ in together(lambda_cold, qualified, 2, tmp_path / "before")}
    assert len(pids) == 2

    lambda_cold.put_provisioned_concurrency_config(
        FunctionName=function_name, Qualifier=version, ProvisionedConcurrentExecutions=1
    )
    lowered = settled(lambda_cold, function_name, version)
    assert lowered["Status"] == "READY"
    assert lowered["AvailableProvisionedConcurrentExecutions"] == 1
    wait_for(lambda: sum(alive(p) for p in pids) == 1, what="one provisioned environment to retire")
    answers = together(lambda_cold, qualified, 2, tmp_path / "after")
    assert sorted(a["init_type"] for a, _ in answers) == ["on-demand", "provisioned-concurrency"]

    lambda_cold.delete_provisioned_concurrency_config(FunctionName=function_name, Qualifier=version)
    wait_for(lambda: not any(alive(p) for p in pids), what="the provisioned environments to retire")
    with pytest.raises(botocore.exceptions.ClientError) as gone:
        lambda_cold.get_provisioned_concurrency_config(FunctionName=function_name, Qualifier=version)
    assert gone.value.response["Error"]["Code"] == "ProvisionedConcurrencyConfigNotFoundException"
    result, _ = invoke(lambda_cold, qualified)
    assert result["init_type"] == "on-demand"


def test_an_init_error_fails_the_configuration(lambda_cold, function_name):
    version = published(lambda_cold, function_name, BROKEN)
    lambda_cold.put_provisioned_concurrency_config(
        FunctionName=function_name, Qualifier=version, ProvisionedConcurrentExecutions=1
    )
    failed = settled(lambda_cold, function_name, version)
    failed.pop("LastModified")
    assert failed == {
        "RequestedProvisionedConcurrentExecutions": 1,
        "AvailableProvisionedConcurrentExecutions": 0,
        "AllocatedProvisionedConcurrentExecutions": 0,
        "Status": "FAILED",
        "StatusReason": "FUNCTION_ERROR_INIT_FAILURE",
    }


def test_provisioned_environments_initialize_again_after_a_restart(laminar_factory, function_name, tmp_path):
    data_dir = tmp_path / "data"
    first = laminar_factory(data_dir=data_dir, extra_args=["--prewarm", "0"])
    client = first.client()
    version = published(client, function_name)
    client.put_provisioned_concurrency_config(
        FunctionName=function_name, Qualifier=version, ProvisionedConcurrentExecutions=1
    )
    settled(client, function_name, version)
    first.stop()

    client = laminar_factory(data_dir=data_dir, extra_args=["--prewarm", "0"]).client()
    assert settled(client, function_name, version)["Status"] == "READY"
    before = time.time()
    result, log = invoke(client, f"{function_name}:{version}")
    assert result["imported_at"] < before
    assert result["init_type"] == "provisioned-concurrency"
    assert "Init Duration" not in log, log


def cloudwatch_of(laminar):
    import boto3

    return boto3.client(
        "cloudwatch",
        endpoint_url=laminar.url,
        region_name=REGION,
        aws_access_key_id=AWS_ENV["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=AWS_ENV["AWS_SECRET_ACCESS_KEY"],
    )


def test_provisioned_concurrency_metrics_count_what_ran(laminar_factory, function_name, tmp_path):
    """A configuration of 2 and 3 invokes at once: 2 on provisioned
    concurrency, 1 spilled over; at most 2 provisioned environments busy,
    all of the allocation in use; by FunctionName and by Resource (the
    alias) and ExecutedVersion, as AWS publishes them."""
    server = laminar_factory(extra_args=["--prewarm", "0"])
    client = server.client()
    version = published(client, function_name)
    client.create_alias(FunctionName=function_name, Name="live", FunctionVersion=version)
    client.put_provisioned_concurrency_config(
        FunctionName=function_name, Qualifier="live", ProvisionedConcurrentExecutions=2
    )
    assert settled(client, function_name, "live")["Status"] == "READY"
    answers = together(client, f"{function_name}:live", 3, tmp_path / "three")
    assert sorted(a["init_type"] for a, _ in answers) == ["on-demand", "provisioned-concurrency", "provisioned-concurrency"]
    # An invoke of the function itself has no provisioned concurrency.
    invoke(client, function_name)

    cloudwatch = cloudwatch_of(server)
    now = datetime.datetime.now(datetime.timezone.utc)
    window = dict(
        StartTime=now - datetime.timedelta(minutes=30), EndTime=now + datetime.timedelta(minutes=30), Period=3600
    )
    by_name = [{"Name": "FunctionName", "Value": function_name}]
    by_alias = by_name + [{"Name": "Resource", "Value": f"{function_name}:live"}]
    executed = by_alias + [{"Name": "ExecutedVersion", "Value": version}]

    def stat(metric: str, dims: list[dict], statistic: str):
        answer = cloudwatch.get_metric_statistics(
            Namespace="AWS/Lambda", MetricName=metric, Dimensions=dims, Statistics=[statistic], **window
        )
        return [(d[statistic], d["Unit"]) for d in answer["Datapoints"]]

    for dims in (by_name, by_alias, executed):
        assert stat("ProvisionedConcurrencyInvocations", dims, "Sum") == [(2.0, "Count")]
        assert stat("ProvisionedConcurrencySpilloverInvocations", dims, "Sum") == [(1.0, "Count")]
        assert stat("ProvisionedConcurrentExecutions", dims, "Maximum") == [(2.0, "Count")]
        assert stat("ProvisionedConcurrencyUtilization", dims, "Maximum") == [(1.0, "None")]
    assert stat("Invocations", by_alias, "Sum") == [(3.0, "Count")]
    assert stat("Invocations", by_name, "Sum") == [(4.0, "Count")]
    assert stat("ConcurrentExecutions", by_alias, "Maximum") == [(3.0, "Count")]

    # GetMetricData reads the same: the three invocations of the alias.
    start = now - datetime.timedelta(minutes=30)
    data = cloudwatch.get_metric_data(
        MetricDataQueries=[
            {
                "Id": f"m{i}",
                "MetricStat": {
                    "Metric": {"Namespace": "AWS/Lambda", "MetricName": name, "Dimensions": by_alias},
                    "Period": 3600,
                    "Stat": "Sum",
                },
            }
            for i, name in enumerate(["ProvisionedConcurrencyInvocations", "ProvisionedConcurrencySpilloverInvocations"])
        ],
        StartTime=start,
        EndTime=now + datetime.timedelta(minutes=30),
    )
    assert [(r["Id"], r["Values"], r["StatusCode"]) for r in data["MetricDataResults"]] == [
        ("m0", [2.0], "Complete"),
        ("m1", [1.0], "Complete"),
    ]
