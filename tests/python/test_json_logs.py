"""LoggingConfig.LogFormat=JSON through real clients: the official Python
runtime client (awslambdaric) sees AWS_LAMBDA_LOG_FORMAT / AWS_LAMBDA_LOG_LEVEL
and writes its application logs as JSON, the platform's START / REPORT become
`platform.start` / `platform.report` records in CloudWatch Logs (read with
boto3), filtered by SystemLogLevel, and a telemetry subscriber receives the
function's records as JSON objects."""

from __future__ import annotations

import json

import pytest

from extension_testing import Recorder
from laminar_testing import ROLE, make_zip, wait_active, wait_for
from test_awslambdaric import bootstrap_script
from test_extensions import extension_layer
from test_logs import logs_client

APP_PY = """\
import logging
import os

logger = logging.getLogger()


def handler(event, context):
    logger.info("hello %s", event["who"])
    logger.debug("not at INFO")
    logger.warning("careful")
    return {k: os.environ.get(k) for k in ("AWS_LAMBDA_LOG_FORMAT", "AWS_LAMBDA_LOG_LEVEL")}
"""


def create(lambda_, name: str, logging_config: dict, layers=(), variables=None, runtime="provided.al2023"):
    # provided.al2023: the official client (awslambdaric) as the bootstrap;
    # python3.11: laminar's own Python runtime client.
    files = {"app.py": APP_PY}
    if runtime == "provided.al2023":
        files["bootstrap"] = bootstrap_script()
    lambda_.create_function(
        FunctionName=name,
        Runtime=runtime,
        Role=ROLE,
        Handler="app.handler",
        Code={"ZipFile": make_zip(files, modes={"bootstrap": 0o755} if "bootstrap" in files else None)},
        Timeout=30,
        LoggingConfig=logging_config,
        Layers=list(layers),
        Environment={"Variables": variables or {}},
    )
    wait_active(lambda_, name)


def invoke(lambda_, name: str) -> tuple[str, dict]:
    answer = lambda_.invoke(FunctionName=name, Payload=json.dumps({"who": "json"}))
    assert "FunctionError" not in answer
    return answer["ResponseMetadata"]["RequestId"], json.loads(answer["Payload"].read())


def log_records(laminar, name: str, until) -> list:
    logs = logs_client(laminar.url)

    def read():
        try:
            events = logs.filter_log_events(logGroupName=f"/aws/lambda/{name}")["events"]
        except logs.exceptions.ResourceNotFoundException:
            return None
        lines = [e["message"] for e in events]
        return lines if until(lines) else None

    return wait_for(read, timeout=15, what="the function's log events")


def parse(line: str):
    try:
        return json.loads(line)
    except json.JSONDecodeError:
        return line


@pytest.mark.parametrize("runtime", ["provided.al2023", "python3.11"])
def test_json_logs_in_cloudwatch_and_the_runtime_client(laminar, lambda_, function_name, runtime):
    config = {"LogFormat": "JSON", "ApplicationLogLevel": "INFO", "SystemLogLevel": "INFO"}
    create(lambda_, function_name, config, runtime=runtime)
    request_id, env = invoke(lambda_, function_name)
    assert env == {"AWS_LAMBDA_LOG_FORMAT": "JSON", "AWS_LAMBDA_LOG_LEVEL": "INFO"}

    lines = log_records(laminar, function_name, lambda ls: any("platform.report" in l for l in ls))
    records = [parse(line) for line in lines]
    start, *application, report = records
    assert start["type"] == "platform.start"
    assert start["record"] == {"requestId": request_id, "version": "$LATEST"}
    assert set(start) == {"time", "type", "record"}
    # awslambdaric's own JSON records, at INFO and above only.
    assert [(r["level"], r["message"]) for r in application] == [("INFO", "hello json"), ("WARNING", "careful")]
    for r in application:
        assert r["requestId"] == request_id
        assert {"timestamp", "level", "message", "logger", "requestId"} <= set(r)
    assert report["type"] == "platform.report"
    assert set(report["record"]) == {"requestId", "metrics", "status"}
    assert (report["record"]["requestId"], report["record"]["status"]) == (request_id, "success")
    metrics = report["record"]["metrics"]
    assert set(metrics) == {"durationMs", "billedDurationMs", "memorySizeMB", "maxMemoryUsedMB", "initDurationMs"}
    assert metrics["memorySizeMB"] == 128
    assert not any(isinstance(r, str) and r.startswith(("START", "END", "REPORT")) for r in records)


def test_system_log_level_filters_platform_records(laminar, lambda_, function_name):
    config = {"LogFormat": "JSON", "ApplicationLogLevel": "WARN", "SystemLogLevel": "WARN"}
    create(lambda_, function_name, config)
    _, env = invoke(lambda_, function_name)
    assert env == {"AWS_LAMBDA_LOG_FORMAT": "JSON", "AWS_LAMBDA_LOG_LEVEL": "WARN"}
    lines = log_records(laminar, function_name, lambda ls: any("careful" in l for l in ls))
    assert [(r["level"], r["message"]) for r in map(parse, lines)] == [("WARNING", "careful")]

    # DEBUG adds the runtime's end between the output and the report.
    debug = function_name + "-debug"
    create(lambda_, debug, {"LogFormat": "JSON", "SystemLogLevel": "DEBUG"})
    invoke(lambda_, debug)
    lines = log_records(laminar, debug, lambda ls: any("platform.report" in l for l in ls))
    kinds = [r.get("type", "application") for r in map(parse, lines)]
    assert kinds == ["platform.start", "application", "application", "platform.runtimeDone", "platform.report"]


def test_telemetry_function_records_are_json_objects(laminar, lambda_, function_name):
    recorder = Recorder()
    try:
        out = recorder.url_for("process")
        layer = extension_layer(lambda_)
        create(lambda_, function_name, {"LogFormat": "JSON"}, [layer], {"EXT_OUT": out, "EXT_TELEMETRY": "1"})
        request_id, _ = invoke(lambda_, function_name)

        def functions():
            got = [r for r in recorder.records("recorder") if r["kind"] == "telemetry"]
            if not any(t["type"] == "platform.report" for t in got):
                return None
            return [t["record"] for t in got if t["type"] == "function"]

        records = wait_for(functions, timeout=15, what="the function's telemetry")
        assert [(r["level"], r["message"], r["requestId"]) for r in records] == [
            ("INFO", "hello json", request_id),
            ("WARNING", "careful", request_id),
        ]
    finally:
        recorder.close()
