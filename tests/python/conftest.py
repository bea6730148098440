"""Fixtures that run a real laminar process (see laminar_testing.Laminar)."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest

from laminar_testing import Laminar


@pytest.fixture(scope="session")
def laminar(tmp_path_factory):
    """A laminar with its state in memory, shared by the whole session."""
    server = Laminar(tmp_dir=tmp_path_factory.mktemp("laminar")).start()
    yield server
    server.stop()
    assert_no_panics(server)


@pytest.fixture
def laminar_factory(tmp_path_factory):
    """Starts extra laminar processes (e.g. with --data-dir); all are stopped
    at teardown."""
    started: list[Laminar] = []

    def start(
        data_dir: Path | None = None, extra_args: list[str] | None = None, executor: str = "process"
    ) -> Laminar:
        tmp_dir = tmp_path_factory.mktemp("laminar")
        server = Laminar(data_dir=data_dir, extra_args=extra_args, tmp_dir=tmp_dir, executor=executor).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
    for server in started:
        assert_no_panics(server)


def assert_no_panics(server: Laminar) -> None:
    """A panic in a background task answers nothing, so a test may miss it;
    in a debug build it is also how the store refuses a commit on an async
    worker."""
    panics = [line for line in server.lines if " panicked at " in line]
    assert not panics, "laminar panicked:\n" + "\n".join(panics)


@pytest.fixture
def lambda_(laminar):
    """A boto3 Lambda client for the shared laminar."""
    return laminar.client()


@pytest.fixture
def function_name(request):
    """A name no other test uses."""
    base = re.sub(r"[^A-Za-z0-9]", "-", request.node.name)[:40].strip("-")
    return f"{base}-{uuid.uuid4().hex[:8]}"


