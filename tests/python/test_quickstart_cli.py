"""The README quickstart (the "Quickstart" section of README.md), replayed with the AWS CLI against a
fresh laminar."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import subprocess
import sys
import urllib.request
import zipfile
from pathlib import Path

import pytest

from laminar_testing import ACCOUNT, AWS_ENV, REGION, Laminar

HERE = Path(__file__).resolve().parent
README = HERE.parent.parent / "README.md"

FUNCTION = "hello"
ROLE = "arn:aws:iam::000000000000:role/lambda-role"

# Exactly the app.py of README.md's Quickstart (checked below).
APP_PY = """\
import os


def handler(event, context):
    print(f"STAGE={os.environ.get('STAGE', 'unset')}")
    return {"message": f"Hello, {event.get('name', 'world')}!"}
"""

# The `aws lambda` commands the replay runs, in order. The quickstart's own
# commands must appear in this order (the replay adds a log check before the
# configuration update, to show the variable was not there before).
REPLAYED_OPS = [
    "create-function",
    "wait function-active-v2",
    "invoke",
    "get-function",
    "list-functions",
    "invoke",
    "update-function-configuration",
    "wait function-updated-v2",
    "invoke",
    "delete-function",
    "get-function",
]


def aws_command() -> list[str]:
    """The AWS CLI installed next to this interpreter (the venv's)."""
    return [sys.executable, "-m", "awscli"]


def cli_major_version(env) -> int:
    out = subprocess.run(
        [*aws_command(), "--version"], capture_output=True, text=True, env=env, timeout=60
    )
    text = out.stdout + out.stderr
    m = re.search(r"aws-cli/(\d+)\.", text)
    assert m, f"cannot tell the AWS CLI version from {text!r}"
    return int(m.group(1))


class Cli:
    """Runs `aws lambda ...` as a subprocess, the way a shell user would."""

    def __init__(self, endpoint: str, cwd: Path):
        self.endpoint = endpoint
        self.cwd = cwd
        self.ops: list[str] = []
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith("AWS_") or k in ("AWS_CA_BUNDLE",)
        }
        env.update(AWS_ENV)
        # Keep the user's ~/.aws out of it.
        env["AWS_CONFIG_FILE"] = str(cwd / "aws-config-none")
        env["AWS_SHARED_CREDENTIALS_FILE"] = str(cwd / "aws-credentials-none")
        env["AWS_PAGER"] = ""
        env["AWS_EC2_METADATA_DISABLED"] = "true"
        self.env = env
        # AWS CLI v2 reads blob arguments as base64 unless told otherwise; v1
        # sends them raw and has no such option.
        self.binary_format = (
            ["--cli-binary-format", "raw-in-base64-out"] if cli_major_version(env) >= 2 else []
        )

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        op = " ".join(args[:2]) if args[0] == "wait" else args[0]
        self.ops.append(op)
        command = [*aws_command(), "lambda", *args, "--endpoint-url", self.endpoint]
        result = subprocess.run(
            command,
            cwd=self.cwd,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=180,
        )
        if check:
            assert result.returncode == 0, (
                f"aws lambda {' '.join(args)} exited {result.returncode}\n"
                f"stdout: {result.stdout}\nstderr: {result.stderr}"
            )
        return result

    def json(self, *args: str) -> dict:
        out = self.run(*args).stdout
        return json.loads(out)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A laminar of its own, so that list-functions sees only the quickstart."""
    s = Laminar(tmp_dir=tmp_path_factory.mktemp("laminar")).start()
    yield s
    s.stop()


def decode_log(log_result: str) -> list[str]:
    return base64.b64decode(log_result).decode("utf-8").splitlines()


def check_log(lines: list[str], expected_print: str) -> None:
    text = "\n".join(lines)
    start = [l for l in lines if l.startswith("START RequestId: ")]
    end = [l for l in lines if l.startswith("END RequestId: ")]
    report = [l for l in lines if l.startswith("REPORT RequestId: ")]
    assert len(start) == len(end) == len(report) == 1, text
    request_id = start[0].split()[2]
    assert start[0] == f"START RequestId: {request_id} Version: $LATEST", text
    assert end[0] == f"END RequestId: {request_id}", text
    assert report[0].startswith(f"REPORT RequestId: {request_id}\tDuration: "), text
    assert "\tBilled Duration: " in report[0] and "\tMemory Size: 128 MB\t" in report[0], text
    # Order: START, the function's output, END, REPORT.
    i_start, i_end, i_report = lines.index(start[0]), lines.index(end[0]), lines.index(report[0])
    assert expected_print in lines[i_start + 1 : i_end], text
    assert i_start < i_end < i_report, text


def test_quickstart_with_the_aws_cli(server, tmp_path):
    cli = Cli(server.url, tmp_path)

    # cat > app.py; zip function.zip app.py
    (tmp_path / "app.py").write_text(APP_PY)
    with zipfile.ZipFile(tmp_path / "function.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(tmp_path / "app.py", "app.py")
    package = (tmp_path / "function.zip").read_bytes()
    expected_sha = base64.b64encode(hashlib.sha256(package).digest()).decode()
    arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{FUNCTION}"

    created = cli.json(
        "create-function",
        "--function-name", FUNCTION,
        "--runtime", "python3.12",
        "--handler", "app.handler",
        "--role", ROLE,
        "--zip-file", "fileb://function.zip",
    )
    assert created["FunctionName"] == FUNCTION
    assert created["FunctionArn"] == arn
    assert created["Runtime"] == "python3.12"
    assert created["Handler"] == "app.handler"
    assert created["Role"] == ROLE
    assert created["CodeSha256"] == expected_sha
    assert created["CodeSize"] == len(package)
    assert created["Version"] == "$LATEST"
    assert created["MemorySize"] == 128 and created["Timeout"] == 3

    waited = cli.run("wait", "function-active-v2", "--function-name", FUNCTION)
    assert waited.stdout.strip() == ""

    out = cli.json(
        "invoke",
        "--function-name", FUNCTION,
        *cli.binary_format,
        "--payload", '{"name":"laminar"}',
        "response.json",
    )
    assert out == {"StatusCode": 200, "ExecutedVersion": "$LATEST"}
    assert json.loads((tmp_path / "response.json").read_text()) == {"message": "Hello, laminar!"}

    got = cli.json("get-function", "--function-name", FUNCTION)
    config = got["Configuration"]
    assert config["FunctionName"] == FUNCTION and config["FunctionArn"] == arn
    assert config["State"] == "Active"
    assert config["LastUpdateStatus"] == "Successful"
    assert config["CodeSha256"] == expected_sha
    # Becoming Active gave the function a new revision, as in AWS.
    assert config["RevisionId"] != created["RevisionId"]
    assert got["Code"]["RepositoryType"] == "S3"
    with urllib.request.urlopen(got["Code"]["Location"], timeout=30) as r:
        assert r.read() == package

    listed = cli.json("list-functions")
    assert [f["FunctionName"] for f in listed["Functions"]] == [FUNCTION]
    assert listed["Functions"][0]["CodeSha256"] == expected_sha

    # Before the update the function has no STAGE.
    log = cli.run(
        "invoke",
        "--function-name", FUNCTION,
        *cli.binary_format,
        "--payload", '{"name":"laminar"}',
        "--log-type", "Tail",
        "--query", "LogResult", "--output", "text",
        "response.json",
    ).stdout.strip()
    check_log(decode_log(log), "STAGE=unset")

    updated = cli.json(
        "update-function-configuration",
        "--function-name", FUNCTION,
        "--environment", "Variables={STAGE=prod}",
    )
    assert updated["Environment"] == {"Variables": {"STAGE": "prod"}}
    assert updated["RevisionId"] != created["RevisionId"]
    assert updated["CodeSha256"] == expected_sha

    cli.run("wait", "function-updated-v2", "--function-name", FUNCTION)

    log = cli.run(
        "invoke",
        "--function-name", FUNCTION,
        *cli.binary_format,
        "--payload", '{"name":"laminar"}',
        "--log-type", "Tail",
        "--query", "LogResult", "--output", "text",
        "response.json",
    ).stdout.strip()
    lines = decode_log(log)
    check_log(lines, "STAGE=prod")
    assert "STAGE=unset" not in lines
    assert json.loads((tmp_path / "response.json").read_text()) == {"message": "Hello, laminar!"}

    deleted = cli.run("delete-function", "--function-name", FUNCTION).stdout.strip()
    # Newer API models bind the HTTP status (204) to the output; older print nothing.
    assert deleted == "" or json.loads(deleted) == {"StatusCode": 204}, deleted

    gone = cli.run("get-function", "--function-name", FUNCTION, check=False)
    assert gone.returncode != 0, gone.stdout
    assert "ResourceNotFoundException" in gone.stderr, gone.stderr
    assert f"Function not found: {arn}" in gone.stderr, gone.stderr

    assert cli.ops == REPLAYED_OPS


def quickstart_shell() -> str:
    section = re.search(r"^## Quickstart\n(.*?)(?=^## )", README.read_text(), re.S | re.M)
    assert section, "README.md has no Quickstart section"
    blocks = re.findall(r"```sh\n(.*?)```", section.group(1), re.S)
    assert blocks, "the Quickstart section has no sh block"
    return "\n".join(blocks)


def test_quickstart_doc_matches_the_replay():
    """README.md's Quickstart shows the code and the commands this module runs."""
    shell = quickstart_shell()
    heredoc = re.search(r"cat > app\.py <<'EOF'\n(.*?)\nEOF\n", shell, re.S)
    assert heredoc, "no app.py heredoc in README.md's Quickstart"
    assert heredoc.group(1) + "\n" == APP_PY

    # Commands continue over lines ending in a backslash.
    joined = re.sub(r"\\\n\s*", " ", shell)
    ops = []
    for line in joined.splitlines():
        m = re.match(r"aws lambda (wait \S+|\S+)", line.strip())
        if m:
            ops.append(m.group(1))
            assert "--endpoint-url http://localhost:4566" in line, line
    # The doc's commands are the replay's, in the same order.
    remaining = iter(REPLAYED_OPS)
    assert all(op in remaining for op in ops), (ops, REPLAYED_OPS)
    assert len(ops) >= len(REPLAYED_OPS) - 2

    create = next(l for l in joined.splitlines() if "aws lambda create-function" in l)
    for part in (
        f"--function-name {FUNCTION}",
        "--runtime python3.12",
        "--handler app.handler",
        f"--role {ROLE}",
        "--zip-file fileb://function.zip",
    ):
        assert part in create, part
    assert "--payload '{\"name\":\"laminar\"}'" in joined
    assert "--environment 'Variables={STAGE=prod}'" in joined
