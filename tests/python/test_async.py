"""Asynchronous invocation: durable acceptance, retries, destinations and
dead-letter queues, through boto3 against a real laminar."""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path

from laminar_testing import (
    ACCOUNT,
    REGION,
    create_python_function,
    wait_active,
    wait_updated,
    runs,
    sqs_client,
    wait_for,
)

# Appends each event it gets to $RUNS_DIR/<function>.jsonl, then fails or
# succeeds as the event asks.
RECORDER = """\
import json, os, time


def handler(event, context):
    path = os.path.join(os.environ["RUNS_DIR"], context.function_name + ".jsonl")
    with open(path, "a") as f:
        f.write(json.dumps({"event": event, "request_id": context.aws_request_id}) + "\\n")
    if isinstance(event, dict):
        time.sleep(event.get("sleep", 0))
        if event.get("fail"):
            raise RuntimeError("failing on purpose: " + str(event.get("n")))
    return {"ok": True, "got": event}
"""

FAST_RETRIES = ["--async-retry-delay", "0.2"]


def recorder(client, name: str, runs_dir: Path):
    create_python_function(
        client,
        name,
        RECORDER,
        Timeout=30,
        Environment={"Variables": {"RUNS_DIR": str(runs_dir)}},
    )


def invoke_event(client, name: str, payload: dict, **kwargs) -> None:
    response = client.invoke(
        FunctionName=name,
        InvocationType="Event",
        Payload=json.dumps(payload).encode(),
        **kwargs,
    )
    assert response["StatusCode"] == 202
    assert response["Payload"].read() == b""


def function_arn(name: str) -> str:
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"


def test_function_errors_are_retried_then_sent_to_the_failure_destination(
    laminar_factory, tmp_path
):
    server = laminar_factory(extra_args=FAST_RETRIES)
    client = server.client()
    recorder(client, "failing", tmp_path)
    recorder(client, "on-failure", tmp_path)
    client.put_function_event_invoke_config(
        FunctionName="failing",
        DestinationConfig={"OnFailure": {"Destination": function_arn("on-failure")}},
    )
    invoke_event(client, "failing", {"fail": True, "n": 7})

    records = wait_for(lambda: runs(tmp_path, "on-failure"), what="the failure record")
    attempts = runs(tmp_path, "failing")
    # The first run and the two default retries, all with the same request id.
    assert len(attempts) == 3
    assert {a["request_id"] for a in attempts} == {attempts[0]["request_id"]}
    record = records[0]["event"]
    assert record["version"] == "1.0"
    assert record["timestamp"].endswith("Z")
    assert record["requestContext"] == {
        "requestId": attempts[0]["request_id"],
        "functionArn": function_arn("failing") + ":$LATEST",
        "condition": "RetriesExhausted",
        "approximateInvokeCount": 3,
    }
    assert record["requestPayload"] == {"fail": True, "n": 7}
    assert record["responseContext"] == {
        "statusCode": 200,
        "executedVersion": "$LATEST",
        "functionError": "Unhandled",
    }
    assert record["responsePayload"]["errorType"] == "RuntimeError"
    assert record["responsePayload"]["errorMessage"] == "failing on purpose: 7"


def test_retry_attempts_and_success_destination_follow_the_config(laminar_factory, tmp_path):
    server = laminar_factory(extra_args=FAST_RETRIES)
    client = server.client()
    recorder(client, "once", tmp_path)
    recorder(client, "on-success", tmp_path)
    recorder(client, "on-failure", tmp_path)
    client.put_function_event_invoke_config(
        FunctionName="once",
        MaximumRetryAttempts=0,
        DestinationConfig={
            "OnSuccess": {"Destination": function_arn("on-success")},
            "OnFailure": {"Destination": function_arn("on-failure")},
        },
    )
    invoke_event(client, "once", {"fail": True, "n": 1})
    invoke_event(client, "once", {"n": 2})

    failure = wait_for(lambda: runs(tmp_path, "on-failure"), what="the failure record")
    success = wait_for(lambda: runs(tmp_path, "on-success"), what="the success record")
    assert failure[0]["event"]["requestContext"]["approximateInvokeCount"] == 1
    record = success[0]["event"]
    assert record["requestContext"]["condition"] == "Success"
    assert record["requestContext"]["approximateInvokeCount"] == 1
    assert record["requestPayload"] == {"n": 2}
    assert record["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST"}
    assert record["responsePayload"] == {"ok": True, "got": {"n": 2}}
    # No retry: exactly two runs.
    time.sleep(1)
    assert len(runs(tmp_path, "once")) == 2


def test_a_version_qualifier_runs_that_version_and_uses_its_config(laminar_factory, tmp_path):
    server = laminar_factory(extra_args=FAST_RETRIES)
    client = server.client()
    recorder(client, "versioned", tmp_path)
    recorder(client, "v1-success", tmp_path)
    version = client.publish_version(FunctionName="versioned")["Version"]
    wait_active(client, "versioned", version)
    client.put_function_event_invoke_config(
        FunctionName="versioned",
        Qualifier=version,
        DestinationConfig={"OnSuccess": {"Destination": function_arn("v1-success")}},
    )
    invoke_event(client, "versioned", {"n": 1}, Qualifier=version)
    record = wait_for(lambda: runs(tmp_path, "v1-success"), what="the success record")[0]["event"]
    assert record["requestContext"]["functionArn"] == function_arn("versioned") + f":{version}"
    assert record["responseContext"]["executedVersion"] == version


def test_zero_reserved_concurrency_sends_events_straight_to_failure(laminar_factory, tmp_path):
    server = laminar_factory(extra_args=FAST_RETRIES)
    client = server.client()
    recorder(client, "parked", tmp_path)
    recorder(client, "parked-failures", tmp_path)
    client.put_function_concurrency(FunctionName="parked", ReservedConcurrentExecutions=0)
    client.put_function_event_invoke_config(
        FunctionName="parked",
        DestinationConfig={"OnFailure": {"Destination": function_arn("parked-failures")}},
    )
    invoke_event(client, "parked", {"n": 1})
    record = wait_for(lambda: runs(tmp_path, "parked-failures"), what="the record")[0]["event"]
    assert record["requestContext"]["approximateInvokeCount"] == 0
    assert record["requestPayload"] == {"n": 1}
    assert "responsePayload" not in record
    assert runs(tmp_path, "parked") == []


def test_destinations_and_dead_letter_queue_on_sqs(laminar_factory, tmp_path):
    server = laminar_factory(extra_args=FAST_RETRIES)
    client = server.client()
    sqs = sqs_client(server.url)
    queues = {}
    for name in ("successes", "failures", "dead-letters"):
        url = sqs.create_queue(QueueName=name)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        queues[name] = (url, arn)
    recorder(client, "queued", tmp_path)
    client.update_function_configuration(
        FunctionName="queued", DeadLetterConfig={"TargetArn": queues["dead-letters"][1]}
    )
    wait_updated(client, "queued")
    client.put_function_event_invoke_config(
        FunctionName="queued",
        MaximumRetryAttempts=1,
        DestinationConfig={
            "OnSuccess": {"Destination": queues["successes"][1]},
            "OnFailure": {"Destination": queues["failures"][1]},
        },
    )
    invoke_event(client, "queued", {"n": 1})
    invoke_event(client, "queued", {"fail": True, "n": 2})

    def receive(queue: str):
        url = queues[queue][0]
        got = sqs.receive_message(
            QueueUrl=url, WaitTimeSeconds=1, MessageAttributeNames=["All"]
        ).get("Messages", [])
        return got

    success = wait_for(lambda: receive("successes"), what="the success record")[0]
    record = json.loads(success["Body"])
    assert record["requestContext"]["condition"] == "Success"
    assert record["requestPayload"] == {"n": 1}
    assert record["responsePayload"] == {"ok": True, "got": {"n": 1}}

    failure = wait_for(lambda: receive("failures"), what="the failure record")[0]
    record = json.loads(failure["Body"])
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 2
    assert record["responsePayload"]["errorMessage"] == "failing on purpose: 2"

    dead = wait_for(lambda: receive("dead-letters"), what="the dead letter")[0]
    assert json.loads(dead["Body"]) == {"fail": True, "n": 2}
    attributes = dead["MessageAttributes"]
    assert attributes["RequestID"]["StringValue"] == record["requestContext"]["requestId"]
    assert attributes["ErrorCode"] == {"StringValue": "200", "DataType": "Number"}
    assert attributes["ErrorMessage"]["StringValue"] == "failing on purpose: 2"


def test_accepted_events_survive_sigkill(laminar_factory, tmp_path):
    data_dir = tmp_path / "state"
    runs_dir = tmp_path / "runs"
    runs_dir.mkdir()
    first = laminar_factory(data_dir=data_dir, extra_args=FAST_RETRIES)
    client = first.client()
    recorder(client, "slow", runs_dir)
    client.put_function_concurrency(FunctionName="slow", ReservedConcurrentExecutions=2)
    total = 20
    for n in range(total):
        invoke_event(client, "slow", {"n": n, "sleep": 0.3})
    # Some have run, most are still queued.
    wait_for(lambda: runs(runs_dir, "slow"), what="a first run")
    assert first.kill() == -signal.SIGKILL
    done_before = {r["event"]["n"] for r in runs(runs_dir, "slow")}
    assert len(done_before) < total

    second = laminar_factory(data_dir=data_dir, extra_args=FAST_RETRIES)
    assert second.client().get_function(FunctionName="slow")
    wait_for(
        lambda: {r["event"]["n"] for r in runs(runs_dir, "slow")} == set(range(total)),
        timeout=60,
        what="every accepted event to run",
    )


def test_an_event_that_can_never_run_fails_at_once(laminar_factory, tmp_path):
    server = laminar_factory(extra_args=FAST_RETRIES)
    client = server.client()
    recorder(client, "cannot-run-failures", tmp_path)
    # The process executor has no Java: the runtime is refused on every try.
    client.create_function(
        FunctionName="cannot-run",
        Runtime="java21",
        Role=f"arn:aws:iam::{ACCOUNT}:role/lambda-role",
        Handler="example.Handler::handleRequest",
        Code={"ZipFile": b"PK\x05\x06" + b"\x00" * 18},
    )
    wait_active(client, "cannot-run")
    client.put_function_event_invoke_config(
        FunctionName="cannot-run",
        DestinationConfig={"OnFailure": {"Destination": function_arn("cannot-run-failures")}},
    )
    invoke_event(client, "cannot-run", {"n": 1})
    record = wait_for(lambda: runs(tmp_path, "cannot-run-failures"), what="the record")[0]["event"]
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 0
    assert record["requestPayload"] == {"n": 1}
