"""Fixtures that run a real laminar process (see laminar_testing.Laminar)."""

from __future__ import annotations

import re
import tempfile
import uuid
from pathlib import Path

import pytest

from laminar_testing import Laminar


@pytest.fixture(scope="session")
def laminar(tmp_path_factory):
    """A laminar with its state in memory, shared by the whole session."""
    # Tests count environments: none is initialized ahead of demand beside
    # them (test_prewarm.py tests that, with servers of its own).
    server = Laminar(tmp_dir=tmp_path_factory.mktemp("laminar"), extra_args=["--prewarm", "0"]).start()
    yield server
    server.stop()
    assert_no_panics(server)


@pytest.fixture
def laminar_factory(tmp_path_factory):
    """Starts extra laminar processes (e.g. with --data-dir); all are stopped
    at teardown."""
    started: list[Laminar] = []

    def start(
        data_dir: Path | None = None,
        extra_args: list[str] | None = None,
        executor: str = "process",
    ) -> Laminar:
        tmp_dir = tmp_path_factory.mktemp("laminar")
        server = Laminar(
            data_dir=data_dir, extra_args=extra_args, tmp_dir=tmp_dir, executor=executor
        ).start()
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




def pytest_addoption(parser):
    parser.addoption(
        "--slow",
        action="store_true",
        default=False,
        help="also run the slow fault and load cases (marked `slow`)",
    )


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: a long fault or load case, run with --slow")
    # Functions run by the process executor get a /tmp of their own, as in
    # Lambda: the folders tests share with them live under /var/tmp.
    if config.option.basetemp is None:
        config.option.basetemp = tempfile.mkdtemp(prefix="laminar-tests-", dir="/var/tmp")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--slow"):
        return
    skip = pytest.mark.skip(reason="slow: run with --slow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)
