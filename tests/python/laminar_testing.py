"""Helpers for the Python-side tests: a laminar process, clients, packages.

The binary is taken from LAMINAR_BIN (default: target/debug/laminar of this
repository). Each server is started with `serve --port 0`; the URL is read
from the start-up line on stderr, and the process is stopped with SIGTERM
(SIGKILL if it does not exit) at teardown.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import re
import shutil
import signal
import subprocess
import threading
import time
import urllib.request
import zipfile
from pathlib import Path

import boto3
import pytest
from botocore.config import Config

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_BIN = REPO_ROOT / "target" / "debug" / "laminar"

REGION = "us-east-1"
ACCOUNT = "000000000000"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/lambda-role"

# Dummy credentials: laminar accepts any, but the SDKs and the CLI refuse to
# sign without some.
AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
}

STARTUP_RE = re.compile(r"laminar listening on (http://[^\s]+)")
ANSI_RE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")

STARTUP_TIMEOUT_S = 60
BINARY_WAIT_S = 180


def docker_answers() -> bool:
    """A Docker engine with the stand-in Python image (scripts/build-test-images.sh)."""
    if shutil.which("docker") is None:
        return False
    probe = subprocess.run(
        ["docker", "image", "inspect", "public.ecr.aws/lambda/python:3.11"],
        capture_output=True,
    )
    return probe.returncode == 0


def laminar_bin() -> Path:
    return Path(os.environ.get("LAMINAR_BIN", str(DEFAULT_BIN)))


def _wait_for_binary(path: Path) -> None:
    """The binary may be briefly missing while it is being rebuilt."""
    deadline = time.monotonic() + BINARY_WAIT_S
    while not (path.is_file() and os.access(path, os.X_OK)):
        if time.monotonic() > deadline:
            pytest.fail(f"laminar binary not found or not executable: {path}")
        time.sleep(1)


class Laminar:
    """One laminar process. `url` is set once it has printed its start-up line."""

    def __init__(
        self,
        data_dir: Path | None = None,
        extra_args: list[str] | None = None,
        tmp_dir: Path | None = None,
        executor: str = "process",
        env: dict[str, str] | None = None,
    ):
        self.data_dir = data_dir
        # Variables for laminar's environment beyond the test's own (DOCKER_HOST, …).
        self.env = dict(env or {})
        self.executor = executor
        # Where laminar's throw-away state goes (TMPDIR): a crashed laminar
        # cannot remove it, so keep it inside pytest's temporary folders.
        self.tmp_dir = tmp_dir
        self.extra_args = list(extra_args or [])
        self.proc: subprocess.Popen | None = None
        self.url: str | None = None
        self.lines: list[str] = []
        self._found = threading.Event()
        self._reader: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------

    def start(self) -> "Laminar":
        binary = laminar_bin()
        # The process executor unless asked: most tests run functions on this host.
        args = ["serve", "--port", "0", "--executor", self.executor]
        if self.data_dir is not None:
            args += ["--data-dir", str(self.data_dir)]
        args += self.extra_args
        env = dict(os.environ)
        env.update(AWS_ENV)
        env["NO_COLOR"] = "1"
        if self.tmp_dir is not None:
            env["TMPDIR"] = str(self.tmp_dir)
        env.setdefault("LAMINAR_LOG", "info")
        env.update(self.env)
        # Flags are given explicitly; a stray LAMINAR_* setting must not win.
        for name in ("LAMINAR_PORT", "LAMINAR_HOST", "LAMINAR_DATA_DIR", "LAMINAR_EXECUTOR"):
            env.pop(name, None)

        deadline = time.monotonic() + BINARY_WAIT_S
        while True:
            _wait_for_binary(binary)
            try:
                self.proc = subprocess.Popen(
                    [str(binary), *args],
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.PIPE,
                    env=env,
                    cwd=str(REPO_ROOT),
                )
                break
            except OSError:  # ETXTBSY / ENOENT while the binary is replaced
                if time.monotonic() > deadline:
                    raise
                time.sleep(1)

        self._reader = threading.Thread(target=self._read_stderr, daemon=True)
        self._reader.start()
        if not self._found.wait(STARTUP_TIMEOUT_S) or self.url is None:
            self.stop()
            pytest.fail("laminar did not print its start-up line:\n" + self.log())
        self._check_health()
        return self

    def _read_stderr(self) -> None:
        assert self.proc is not None and self.proc.stderr is not None
        # Keep draining after start-up so that laminar never blocks on a full pipe.
        for raw in self.proc.stderr:
            line = ANSI_RE.sub("", raw.decode("utf-8", "replace")).rstrip("\n")
            self.lines.append(line)
            if self.url is None:
                m = STARTUP_RE.search(line)
                if m:
                    self.url = m.group(1)
                    self._found.set()
        self._found.set()  # EOF: the process is gone

    def _check_health(self) -> None:
        with urllib.request.urlopen(f"{self.url}/_laminar/health", timeout=10) as r:
            assert r.status == 200
            body = json.loads(r.read())
        assert body.get("status") == "running", body

    def stop(self) -> int | None:
        """SIGTERM, then wait (SIGKILL after 15 s). Returns the exit code."""
        proc = self.proc
        if proc is None:
            return None
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=15)
        if self._reader is not None:
            self._reader.join(timeout=5)
        return proc.returncode

    def kill(self) -> int:
        """SIGKILL: a crash, with no chance to clean up."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        code = self.proc.wait(timeout=15)
        if self._reader is not None:
            self._reader.join(timeout=5)
        return code

    def log(self) -> str:
        return "\n".join(self.lines)

    # -- clients -----------------------------------------------------------

    def client(self, **config):
        return lambda_client(self.url, **config)


def lambda_client(endpoint_url: str, **config):
    options = dict(
        region_name=REGION,
        retries={"total_max_attempts": 1, "mode": "standard"},
        connect_timeout=10,
        read_timeout=120,
    )
    options.update(config)
    return boto3.client(
        "lambda",
        endpoint_url=endpoint_url,
        region_name=REGION,
        aws_access_key_id=AWS_ENV["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=AWS_ENV["AWS_SECRET_ACCESS_KEY"],
        config=Config(**options),
    )


def make_zip(files: dict[str, str | bytes], modes: dict[str, int] | None = None) -> bytes:
    """A deployment package built in memory. `modes` gives unix permission
    bits per entry (default 0o644)."""
    modes = modes or {}
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in files.items():
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # unix, so that the mode bits are honoured
            info.external_attr = (0o100000 | modes.get(name, 0o644)) << 16
            data = content.encode() if isinstance(content, str) else content
            zf.writestr(info, data)
    return buf.getvalue()


# laminar keeps a new function Pending (an update InProgress) for a moment,
# as AWS does; tests wait as a user must, with the SDK's waiters, polling
# more often than their default second.
WAITER_CONFIG = {"Delay": 0.05, "MaxAttempts": 600}


def wait_active(client, name: str, qualifier: str | None = None) -> None:
    """function_active_v2, or published_version_active for a version."""
    if qualifier is None:
        client.get_waiter("function_active_v2").wait(FunctionName=name, WaiterConfig=WAITER_CONFIG)
    else:
        client.get_waiter("published_version_active").wait(
            FunctionName=name, Qualifier=qualifier, WaiterConfig=WAITER_CONFIG
        )


def wait_updated(client, name: str) -> None:
    client.get_waiter("function_updated_v2").wait(FunctionName=name, WaiterConfig=WAITER_CONFIG)


def create_python_function(client, name: str, source: str, wait: bool = True, **kwargs):
    """CreateFunction's answer; with `wait`, once the function is Active."""
    params = dict(
        FunctionName=name,
        Runtime="python3.12",
        Role=ROLE,
        Handler="app.handler",
        Code={"ZipFile": make_zip({"app.py": source})},
    )
    params.update(kwargs)
    created = client.create_function(**params)
    if wait:
        wait_active(client, name)
    return created


def runs(runs_dir: Path, name: str) -> list[dict]:
    """The JSON lines a recording test function appended to RUNS_DIR/<name>.jsonl."""
    path = runs_dir / f"{name}.jsonl"
    if not path.exists():
        return []
    text = path.read_text()
    # A line still being written (no newline yet) is read next time.
    complete = text[: text.rfind("\n") + 1]
    return [json.loads(line) for line in complete.splitlines() if line]


def process_alive(pid: int) -> bool:
    """Whether a process of this host (a function run by the process executor) still runs."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def wait_for(predicate, timeout=30.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def service_client(service: str, endpoint_url: str):
    """A boto3 client of `service` against laminar, with the test credentials
    and no retries (a retry would hide the first answer)."""
    return boto3.client(
        service,
        endpoint_url=endpoint_url,
        region_name=REGION,
        aws_access_key_id=AWS_ENV["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=AWS_ENV["AWS_SECRET_ACCESS_KEY"],
        config=Config(retries={"total_max_attempts": 1}),
    )


def sqs_client(endpoint_url: str):
    return service_client("sqs", endpoint_url)


# -- whole configuration documents, as AWS answers them ----------------------

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
LAST_MODIFIED = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$")
RUNTIME_VERSION = re.compile(rf"^arn:aws:lambda:{REGION}::runtime:[0-9a-f]{{64}}$")


def redacted(config: dict) -> dict:
    """The answer without its metadata, with ids and times checked for form
    and replaced by placeholders."""
    config = {k: v for k, v in config.items() if k != "ResponseMetadata"}
    assert UUID.match(config["RevisionId"]), config["RevisionId"]
    assert LAST_MODIFIED.match(config["LastModified"]), config["LastModified"]
    config["RevisionId"] = "<revision>"
    config["LastModified"] = "<time>"
    if "RuntimeVersionConfig" in config:
        arn = config["RuntimeVersionConfig"]["RuntimeVersionArn"]
        assert RUNTIME_VERSION.match(arn), arn
        config["RuntimeVersionConfig"] = {"RuntimeVersionArn": "<runtime version>"}
    return config


def expected_config(name: str, package: bytes, **changes) -> dict:
    """A python3.12 function's configuration as AWS answers it, Active."""
    config = {
        "FunctionName": name,
        "FunctionArn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}",
        "Runtime": "python3.12",
        "Role": ROLE,
        "Handler": "app.handler",
        "CodeSize": len(package),
        "Description": "",
        "Timeout": 3,
        "MemorySize": 128,
        "LastModified": "<time>",
        "CodeSha256": base64.b64encode(hashlib.sha256(package).digest()).decode(),
        "Version": "$LATEST",
        "TracingConfig": {"Mode": "PassThrough"},
        "RevisionId": "<revision>",
        "State": "Active",
        "LastUpdateStatus": "Successful",
        "PackageType": "Zip",
        "Architectures": ["x86_64"],
        "EphemeralStorage": {"Size": 512},
        "SnapStart": {"ApplyOn": "None", "OptimizationStatus": "Off"},
        "RuntimeVersionConfig": {"RuntimeVersionArn": "<runtime version>"},
        "LoggingConfig": {"LogFormat": "Text", "LogGroup": f"/aws/lambda/{name}"},
    }
    config.update(changes)
    return {k: v for k, v in config.items() if v is not None}


PENDING = dict(
    State="Pending",
    StateReason="The function is being created.",
    StateReasonCode="Creating",
    LastUpdateStatus=None,
)
IN_PROGRESS = dict(
    LastUpdateStatus="InProgress",
    LastUpdateStatusReason="The function is being created.",
    LastUpdateStatusReasonCode="Creating",
)


# Appends each event it gets, with its request id, to $RUNS_DIR/<function>.jsonl.
RECORDER = """\
import json, os


def handler(event, context):
    path = os.path.join(os.environ["RUNS_DIR"], context.function_name + ".jsonl")
    with open(path, "a") as f:
        f.write(json.dumps({"event": event, "request_id": context.aws_request_id}) + "\\n")
    return {"ok": True}
"""


def recording_function(client, name: str, runs_dir, principal: str | None = None,
                       source_arn: str | None = None) -> str:
    """A RECORDER function; with `principal`, its policy lets that service
    invoke it (for `source_arn` when given). Its ARN."""
    create_python_function(
        client,
        name,
        RECORDER,
        Timeout=30,
        Environment={"Variables": {"RUNS_DIR": str(runs_dir)}},
    )
    if principal is not None:
        client.add_permission(
            FunctionName=name,
            StatementId=principal.split(".")[0],
            Action="lambda:InvokeFunction",
            Principal=principal,
            **({"SourceArn": source_arn} if source_arn else {}),
        )
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"

