"""Tenant isolation mode (`TenancyConfig`), through boto3 and the AWS CLI.

A function created with `{"TenantIsolationMode": "PER_TENANT"}` serves each
tenant (`TenantId` on Invoke, the `X-Amz-Tenant-Id` header) from execution
environments of its own: never one another tenant used, so module state and
/tmp never cross tenants. Every invoke of such a function names its tenant;
an invoke of any other function names none. The function code sees the
tenant as `context.tenant_id`, and JSON log records carry it as `tenantId`.
Provisioned concurrency, function URLs and event source mappings are not
available to such a function.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys

import botocore.exceptions
import pytest

from introspection_testing import api
from test_faults_hostile import shared_tmp
from laminar_testing import (
    ACCOUNT,
    REGION,
    create_python_function,
    expected_config,
    make_zip,
    redacted,
    sqs_client,
    wait_for,
)

TENANCY = {"TenantIsolationMode": "PER_TENANT"}

# Counts its invocations per environment and leaves a file in its /tmp.
MODULE = """
import json, logging, os

COUNT = 0
logging.getLogger().setLevel(logging.INFO)

def handler(event, context):
    global COUNT
    COUNT += 1
    seen = sorted(os.listdir("/tmp"))
    with open("/tmp/" + context.tenant_id, "w") as f:
        f.write(context.aws_request_id)
    logging.info("serving %s", context.tenant_id)
    if event.get("record"):
        with open(event["record"], "a") as f:
            f.write(json.dumps({"tenant": context.tenant_id, "request": context.aws_request_id}) + "\\n")
    return {"tenant": context.tenant_id, "count": COUNT, "pid": os.getpid(), "tmp": seen}
"""


def create(client, name: str, **kwargs) -> dict:
    return create_python_function(client, name, MODULE, TenancyConfig=TENANCY, **kwargs)


def invoke(client, name: str, tenant: str | None, event: dict | None = None, **kwargs) -> dict:
    params = dict(FunctionName=name, Payload=json.dumps(event or {}).encode(), **kwargs)
    if tenant is not None:
        params["TenantId"] = tenant
    answer = client.invoke(**params)
    assert "FunctionError" not in answer, answer["Payload"].read()
    return answer


def result(answer) -> dict:
    return json.loads(answer["Payload"].read())


def error_of(call) -> tuple[int, str, str]:
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        call()
    e = caught.value.response
    return e["ResponseMetadata"]["HTTPStatusCode"], e["Error"]["Code"], e["Error"]["Message"]


def test_the_configuration_says_so_and_stays(lambda_, function_name):
    created = create(lambda_, function_name)
    package = make_zip({"app.py": MODULE})
    expected = expected_config(function_name, package, TenancyConfig=TENANCY)
    got = lambda_.get_function_configuration(FunctionName=function_name)
    assert redacted(got) == expected
    assert created["TenancyConfig"] == TENANCY
    # It is kept by published versions; UpdateFunctionConfiguration has no
    # member to change it.
    version = lambda_.publish_version(FunctionName=function_name)
    assert version["TenancyConfig"] == TENANCY
    lambda_.get_waiter("published_version_active").wait(FunctionName=function_name, Qualifier=version["Version"])
    assert result(invoke(lambda_, function_name, "blue", Qualifier=version["Version"]))["tenant"] == "blue"


def test_each_tenant_gets_environments_of_its_own(laminar, lambda_, function_name):
    create(lambda_, function_name)
    blue = result(invoke(lambda_, function_name, "blue"))
    green = result(invoke(lambda_, function_name, "green"))
    blue_again = result(invoke(lambda_, function_name, "blue"))
    assert (blue["tenant"], blue["count"]) == ("blue", 1)
    # A new tenant starts cold: nothing of blue's in its memory.
    assert (green["tenant"], green["count"]) == ("green", 1)
    assert green["pid"] != blue["pid"]
    assert (blue_again["pid"], blue_again["count"]) == (blue["pid"], 2)
    # Nor in its /tmp, where environments have one of their own (not when
    # laminar runs from under /tmp: then functions share the host's).
    if not shared_tmp(laminar):
        assert (blue["tmp"], green["tmp"], blue_again["tmp"]) == ([], [], ["blue"])
    # Tenant ids are case-sensitive names of their own.
    assert result(invoke(lambda_, function_name, "Blue"))["count"] == 1

    _, listed = api(laminar.url, f"/environments?function={function_name}")
    tenants = sorted(e.get("tenant") for e in listed["environments"])
    assert tenants == ["Blue", "blue", "green"], listed


def test_an_invoke_names_a_tenant_exactly_when_the_function_isolates_them(lambda_, function_name):
    create(lambda_, function_name)
    assert error_of(lambda: invoke(lambda_, function_name, None)) == (
        400,
        "InvalidParameterValueException",
        f"The function {function_name} has tenant isolation mode enabled. Specify a TenantId to invoke it.",
    )
    assert error_of(lambda: invoke(lambda_, function_name, None, InvocationType="Event")) == (
        400,
        "InvalidParameterValueException",
        f"The function {function_name} has tenant isolation mode enabled. Specify a TenantId to invoke it.",
    )
    shared = function_name + "-shared"
    create_python_function(lambda_, shared, MODULE.replace("context.tenant_id", "'none'"))
    assert error_of(lambda: invoke(lambda_, shared, "blue")) == (
        400,
        "InvalidParameterValueException",
        f"The function {shared} does not have tenant isolation mode enabled. Remove the TenantId to invoke it.",
    )
    # The model's constraints on TenantId (1 to 256 of [a-zA-Z0-9._:/=+\-@ ]).
    status, code, message = error_of(lambda: invoke(lambda_, function_name, "a" * 257))
    assert (status, code) == (400, "ValidationException"), message
    assert "tenantId" in message and "256" in message, message
    status, code, message = error_of(lambda: invoke(lambda_, function_name, "semi;colon"))
    assert (status, code) == (400, "ValidationException"), message


def test_event_invokes_keep_their_tenant(lambda_, function_name, tmp_path):
    create(lambda_, function_name)
    record = tmp_path / "runs.jsonl"
    for tenant in ["blue", "green", "blue"]:
        answer = invoke(lambda_, function_name, tenant, {"record": str(record)}, InvocationType="Event")
        assert answer["StatusCode"] == 202

    def runs():
        if not record.exists():
            return None
        lines = [json.loads(line) for line in record.read_text().splitlines() if line]
        return lines if len(lines) == 3 else None

    assert sorted(r["tenant"] for r in wait_for(runs, what="three Event invokes")) == ["blue", "blue", "green"]


def test_json_logs_carry_the_tenant(lambda_, function_name):
    create(lambda_, function_name, LoggingConfig={"LogFormat": "JSON", "ApplicationLogLevel": "INFO"})
    answer = invoke(lambda_, function_name, "blue", LogType="Tail")
    records = [json.loads(line) for line in base64.b64decode(answer["LogResult"]).decode().splitlines() if line.startswith("{")]
    mine = [r for r in records if r.get("message") == "serving blue"]
    assert len(mine) == 1, records
    assert mine[0]["tenantId"] == "blue"
    assert mine[0]["level"] == "INFO"
    # Lambda's own records name the tenant too.
    platform = {r["type"]: r["record"] for r in records if "type" in r}
    assert sorted(platform) == ["platform.report", "platform.start"], records
    assert platform["platform.start"]["tenantId"] == "blue"
    assert platform["platform.report"]["tenantId"] == "blue"


def test_features_a_tenant_isolated_function_cannot_use(laminar, lambda_, function_name):
    create(lambda_, function_name)
    version = lambda_.publish_version(FunctionName=function_name)["Version"]

    def refused(feature: str) -> tuple[int, str, str]:
        return 400, "InvalidParameterValueException", f"{feature} is not supported for functions with tenant isolation mode enabled."

    assert error_of(
        lambda: lambda_.put_provisioned_concurrency_config(
            FunctionName=function_name, Qualifier=version, ProvisionedConcurrentExecutions=1
        )
    ) == refused("Provisioned concurrency")
    assert error_of(
        lambda: lambda_.create_function_url_config(FunctionName=function_name, AuthType="NONE")
    ) == refused("Function URL")
    queue = sqs_client(laminar.url).create_queue(QueueName=function_name)["QueueUrl"]
    arn = f"arn:aws:sqs:{REGION}:{ACCOUNT}:{function_name}"
    assert queue.endswith(function_name)
    assert error_of(
        lambda: lambda_.create_event_source_mapping(EventSourceArn=arn, FunctionName=function_name)
    ) == refused("Event source mapping")
    # Nothing was half-made.
    assert lambda_.list_provisioned_concurrency_configs(FunctionName=function_name)["ProvisionedConcurrencyConfigs"] == []
    assert lambda_.list_function_url_configs(FunctionName=function_name)["FunctionUrlConfigs"] == []
    assert lambda_.list_event_source_mappings(FunctionName=function_name)["EventSourceMappings"] == []


def test_the_aws_cli_invokes_as_a_tenant(laminar, lambda_, function_name, tmp_path):
    create(lambda_, function_name)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_ACCESS_KEY_ID="test",
        AWS_SECRET_ACCESS_KEY="test",
        AWS_DEFAULT_REGION=REGION,
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        AWS_PAGER="",
    )
    out_file = tmp_path / "out.json"
    out = subprocess.run(
        [sys.executable, "-m", "awscli", "lambda", "invoke", "--function-name", function_name,
         "--tenant-id", "blue", "--endpoint-url", laminar.url, str(out_file)],
        capture_output=True, text=True, env=env, timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == {"StatusCode": 200, "ExecutedVersion": "$LATEST"}
    assert json.loads(out_file.read_text())["tenant"] == "blue"
