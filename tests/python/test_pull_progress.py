"""Image pulls show their progress: with stderr not a terminal (as here, a
pipe) as log lines, never a bar's carriage returns. No registry can be
reached from these machines, so the pull here is of an image from a port
nothing listens on: the lines say what is pulled and how it failed. (The
bar-or-lines decision and the lines of a pull that progresses are unit
tests of `laminar-executor`: `progress.rs`, `docker/pull.rs`.)"""

from __future__ import annotations

import pytest

from conftest import assert_no_panics
from extension_testing import require_docker
from laminar_testing import ROLE, Laminar, make_zip, wait_for

IMAGE = "localhost:1/nowhere/python:3.12"


@pytest.fixture
def server(tmp_path):
    require_docker()
    server = Laminar(
        tmp_dir=tmp_path, executor="docker", extra_args=["--image-prefix", "localhost:1/nowhere/"]
    ).start()
    yield server
    server.stop()
    assert_no_panics(server)


def test_a_failed_pull_is_told_in_log_lines(server, function_name):
    client = server.client()
    client.create_function(
        FunctionName=function_name,
        Runtime="python3.12",
        Role=ROLE,
        Handler="app.handler",
        Code={"ZipFile": make_zip({"app.py": "def handler(e, c):\n    return 1\n"})},
    )
    failed = wait_for(
        lambda: (c := client.get_function_configuration(FunctionName=function_name))["State"] == "Failed" and c,
        what="the function to fail",
    )
    assert failed["StateReasonCode"] == "ImageAccessDenied"
    assert IMAGE in failed["StateReason"]
    pulls = [line for line in server.lines if IMAGE in line and "pull" in line]
    assert any("pulling image" in line for line in pulls), server.log()
    assert any(f"pulling {IMAGE} failed after " in line for line in pulls), server.log()
    # Lines, not a bar redrawn in place.
    assert not any("\r" in line for line in server.lines)
