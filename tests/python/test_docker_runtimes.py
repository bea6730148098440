"""Functions the docker executor runs in the stand-in images of runtimes other
than Python: AWS's own custom-runtime tutorial (a shell bootstrap calling
curl) in provided:al2023, and Node.js in nodejs:20 (Debian's Node.js and
laminar's runtime client, a stand-in for the official image)."""

from __future__ import annotations

import json

import pytest

from conftest import assert_no_panics
from extension_testing import require_docker
from laminar_testing import ROLE, Laminar, make_zip, wait_active

PROVIDED = "public.ecr.aws/lambda/provided:al2023"
NODE = "public.ecr.aws/lambda/nodejs:20"

# The bootstrap and handler of AWS's tutorial "Building a custom runtime"
# (Lambda developer guide, runtimes-walkthrough), word for word.
TUTORIAL_BOOTSTRAP = """#!/bin/sh
set -euo pipefail

# Initialization - load function handler
source $LAMBDA_TASK_ROOT/"$(echo $_HANDLER | cut -d. -f1).sh"

# Processing
while true
do
  HEADERS="$(mktemp)"
  # Get an event. The HTTP request will block until one is received
  EVENT_DATA=$(curl -sS -LD "$HEADERS" "http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation/next")

  # Extract request ID by scraping response headers received above
  REQUEST_ID=$(grep -Fi Lambda-Runtime-Aws-Request-Id "$HEADERS" | tr -d '[:space:]' | cut -d: -f2)

  # Run the handler function from the script
  RESPONSE=$($(echo "$_HANDLER" | cut -d. -f2) "$EVENT_DATA")

  # Send the response
  curl "http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation/$REQUEST_ID/response"  -d "$RESPONSE"
done
"""

TUTORIAL_FUNCTION = """function handler () {
  EVENT_DATA=$1
  echo "$EVENT_DATA" 1>&2;
  RESPONSE="Echoing request: '$EVENT_DATA'"

  echo $RESPONSE
}
"""

NODE_HANDLER = """
let count = 0;
exports.handler = async (event, context) => {
  count += 1;
  if (event.fail) throw new TypeError("asked to fail");
  return { count, event, cwd: process.cwd(), requestId: context.awsRequestId,
           memory: context.memoryLimitInMB, nodePath: process.env.NODE_PATH };
};
"""


@pytest.fixture(scope="module")
def docker_server(tmp_path_factory):
    require_docker(PROVIDED, NODE)
    server = Laminar(tmp_dir=tmp_path_factory.mktemp("laminar"), executor="docker").start()
    yield server
    server.stop()
    assert_no_panics(server)


def deploy(client, name: str, runtime: str, handler: str, package: bytes, **settings) -> None:
    client.create_function(
        FunctionName=name, Runtime=runtime, Role=ROLE, Handler=handler, Code={"ZipFile": package}, **settings
    )
    wait_active(client, name)


def test_the_shell_bootstrap_of_aws_tutorial_runs_with_curl(docker_server, function_name):
    client = docker_server.client()
    files = {"bootstrap": TUTORIAL_BOOTSTRAP, "function.sh": TUTORIAL_FUNCTION}
    package = make_zip(files, modes={"bootstrap": 0o755, "function.sh": 0o755})
    deploy(client, function_name, "provided.al2023", "function.handler", package)
    for _ in range(2):
        answer = client.invoke(FunctionName=function_name, Payload=b'{"text":"Hello"}')
        assert "FunctionError" not in answer
        assert answer["Payload"].read() == b"Echoing request: '{\"text\":\"Hello\"}'"


def test_a_node_function_runs_in_the_nodejs_image(docker_server, function_name):
    client = docker_server.client()
    deploy(client, function_name, "nodejs20.x", "index.handler", make_zip({"index.js": NODE_HANDLER}), MemorySize=256)
    bodies = []
    for n in (1, 2):
        answer = client.invoke(FunctionName=function_name, Payload=json.dumps({"n": n}))
        assert "FunctionError" not in answer
        bodies.append((answer["ResponseMetadata"]["RequestId"], json.loads(answer["Payload"].read())))
    for count, (request_id, body) in enumerate(bodies, start=1):
        assert body == {
            # The same environment, warm, serves both.
            "count": count,
            "event": {"n": count},
            "cwd": "/var/task",
            "requestId": request_id,
            "memory": "256",
            "nodePath": "/opt/nodejs/node20/node_modules:/opt/nodejs/node_modules:/var/runtime/node_modules:/var/runtime:/var/task",
        }
    answer = client.invoke(FunctionName=function_name, Payload=b'{"fail": true}')
    assert answer["FunctionError"] == "Unhandled"
    error = json.loads(answer["Payload"].read())
    assert error["errorType"] == "TypeError"
    assert error["errorMessage"] == "asked to fail"
