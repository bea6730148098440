"""The process executor's paths as AWS's: the code at `/var/task`, the layers
at `/opt`, in `__file__`, stack traces and the working directory, where the
kernel gives laminar a private mount namespace (this machine does: the test
checks it first, as laminar does)."""

from __future__ import annotations

import json
import subprocess

import pytest

from laminar_testing import create_python_function, make_zip, wait_active, ROLE

pytestmark = pytest.mark.skipif(
    subprocess.run(["unshare", "-Urm", "true"], capture_output=True).returncode != 0,
    reason="no user namespaces here: laminar runs functions from the host's folders",
)

PYTHON = """\
import os
import helper


def handler(event, context):
    if event.get("fail"):
        raise ValueError("failed on purpose")
    return {
        "file": __file__,
        "helper": helper.__file__,
        "cwd": os.getcwd(),
        "task_root": os.environ["LAMBDA_TASK_ROOT"],
        "opt": sorted(os.listdir("/opt")),
    }
"""


def test_python_sees_var_task_and_opt(lambda_, function_name):
    layer = lambda_.publish_layer_version(
        LayerName=f"{function_name}-helper", Content={"ZipFile": make_zip({"python/helper.py": "VALUE = 1\n"})}
    )
    create_python_function(lambda_, function_name, PYTHON, Layers=[layer["LayerVersionArn"]])
    answer = json.loads(lambda_.invoke(FunctionName=function_name, Payload=b"{}")["Payload"].read())
    assert answer == {
        "file": "/var/task/app.py",
        "helper": "/opt/python/helper.py",
        "cwd": "/var/task",
        "task_root": "/var/task",
        "opt": ["python"],
    }
    failed = lambda_.invoke(FunctionName=function_name, Payload=b'{"fail": true}')
    body = json.loads(failed["Payload"].read())
    assert failed["FunctionError"] == "Unhandled"
    assert body["stackTrace"][0].startswith('  File "/var/task/app.py", line 7, in handler\n'), body


NODE = """\
exports.handler = async () => ({
  file: __filename,
  cwd: process.cwd(),
  taskRoot: process.env.LAMBDA_TASK_ROOT,
  stack: new Error("where").stack.split("\\n")[1].trim(),
});
"""


def test_node_sees_var_task(lambda_, function_name):
    lambda_.create_function(
        FunctionName=function_name,
        Runtime="nodejs22.x",
        Role=ROLE,
        Handler="index.handler",
        Code={"ZipFile": make_zip({"index.js": NODE})},
    )
    wait_active(lambda_, function_name)
    answer = json.loads(lambda_.invoke(FunctionName=function_name, Payload=b"{}")["Payload"].read())
    assert answer["file"] == "/var/task/index.js"
    assert (answer["cwd"], answer["taskRoot"]) == ("/var/task", "/var/task")
    assert "/var/task/index.js:5" in answer["stack"], answer


BOOTSTRAP = """\
#!/bin/sh
# A custom runtime in shell: one answer naming where it runs from.
set -e
api="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation"
headers=$(mktemp)
while true; do
  curl -sS -D "$headers" -o /dev/null "$api/next"
  id=$(grep -i '^lambda-runtime-aws-request-id:' "$headers" | tr -d '\\r' | cut -d' ' -f2)
  curl -sS -X POST "$api/$id/response" -d "{\\"self\\": \\"$0\\", \\"cwd\\": \\"$(pwd)\\"}" >/dev/null
done
"""


def test_a_custom_runtime_runs_var_task_bootstrap(lambda_, function_name):
    if subprocess.run(["which", "curl"], capture_output=True).returncode != 0:
        pytest.skip("no curl on this host")
    lambda_.create_function(
        FunctionName=function_name,
        Runtime="provided.al2023",
        Role=ROLE,
        Handler="none",
        Code={"ZipFile": make_zip({"bootstrap": BOOTSTRAP}, modes={"bootstrap": 0o755})},
    )
    wait_active(lambda_, function_name)
    answer = json.loads(lambda_.invoke(FunctionName=function_name, Payload=b"{}")["Payload"].read())
    assert answer == {"self": "/var/task/bootstrap", "cwd": "/var/task"}
