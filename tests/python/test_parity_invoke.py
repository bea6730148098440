"""Invoke's answers as AWS gives them: the request id the caller gets back
is the invocation's own — the one the function's context, its START / END /
REPORT lines and its log stream show (synchronous, asynchronous, streamed)."""

from __future__ import annotations

import base64
import json
import re

from laminar_testing import create_python_function, runs, wait_for

RECORDER = """\
import json, os


def handler(event, context):
    path = os.path.join(os.environ["RUNS_DIR"], context.function_name + ".jsonl")
    with open(path, "a") as f:
        f.write(json.dumps({"request_id": context.aws_request_id}) + "\\n")
    return {"request_id": context.aws_request_id}
"""


def recorder(client, name, runs_dir):
    create_python_function(
        client, name, RECORDER, Environment={"Variables": {"RUNS_DIR": str(runs_dir)}}
    )


def test_a_synchronous_invoke_answers_with_the_invocations_request_id(
    lambda_, function_name, tmp_path
):
    recorder(lambda_, function_name, tmp_path)
    response = lambda_.invoke(FunctionName=function_name, LogType="Tail")
    request_id = response["ResponseMetadata"]["RequestId"]
    assert json.loads(response["Payload"].read()) == {"request_id": request_id}
    tail = base64.b64decode(response["LogResult"]).decode()
    assert re.findall(r"(?:START|END|REPORT) RequestId: (\S+)", tail) == [request_id] * 3
    assert runs(tmp_path, function_name) == [{"request_id": request_id}]


def test_an_asynchronous_invoke_answers_with_the_id_the_function_sees(
    lambda_, function_name, tmp_path
):
    recorder(lambda_, function_name, tmp_path)
    for invoke in (
        lambda: lambda_.invoke(FunctionName=function_name, InvocationType="Event"),
        lambda: lambda_.invoke_async(FunctionName=function_name, InvokeArgs=b"{}"),
    ):
        response = invoke()
        request_id = response["ResponseMetadata"]["RequestId"]
        seen = wait_for(
            lambda: {"request_id": request_id} in runs(tmp_path, function_name),
            what="the asynchronous run",
        )
        assert seen


def test_a_streamed_invoke_answers_with_the_invocations_request_id(
    lambda_, function_name, tmp_path
):
    recorder(lambda_, function_name, tmp_path)
    response = lambda_.invoke_with_response_stream(FunctionName=function_name)
    request_id = response["ResponseMetadata"]["RequestId"]
    chunks = b"".join(
        e["PayloadChunk"]["Payload"] for e in response["EventStream"] if "PayloadChunk" in e
    )
    assert json.loads(chunks) == {"request_id": request_id}
    assert runs(tmp_path, function_name) == [{"request_id": request_id}]
