"""Load far beyond what laminar admits: the excess is refused at once in AWS's
terms, memory stays bounded, and everything admitted completes."""

from __future__ import annotations

import http.client
import json
import threading
import time
import urllib.parse
from pathlib import Path

import pytest

from conftest import assert_no_panics
from laminar_testing import (
    ROLE,
    Laminar,
    laminar_bin,
    make_zip,
    service_client,
    wait_active,
    wait_for,
)

# The official Rust runtime client's test function (fixtures/rust-bootstrap),
# built beside laminar.
BOOTSTRAP = "bootstrap"
# How long each admitted invocation holds its environment: long enough that
# every refusal is back before the first of them ends, however loaded the
# machine running the test.
HOLD_MS = 15_000


def bootstrap_zip() -> bytes:
    binary = Path(laminar_bin()).with_name(BOOTSTRAP)
    if not binary.exists():
        pytest.fail(f"{binary} is missing: cargo build --workspace --bins")
    return make_zip({"bootstrap": binary.read_bytes()}, modes={"bootstrap": 0o755})


def create(client, name: str, **kwargs) -> None:
    client.create_function(
        FunctionName=name,
        Runtime="provided.al2023",
        Role=ROLE,
        Handler="fixture",
        Code={"ZipFile": bootstrap_zip()},
        Timeout=60,
        **kwargs,
    )
    wait_active(client, name)


def vm_rss_mb(pid: int) -> float:
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


class Raw:
    """Invokes over plain HTTP, one connection per thread: thousands of
    concurrent clients without thousands of SDK clients."""

    def __init__(self, url: str):
        parts = urllib.parse.urlsplit(url)
        self.host, self.port = parts.hostname, parts.port

    def invoke(self, name: str, payload: dict, kind: str = "RequestResponse"):
        conn = http.client.HTTPConnection(self.host, self.port, timeout=300)
        try:
            conn.request(
                "POST",
                f"/2015-03-31/functions/{name}/invocations",
                body=json.dumps(payload),
                headers={"X-Amz-Invocation-Type": kind, "Content-Type": "application/json"},
            )
            answer = conn.getresponse()
            return answer.status, answer.headers, answer.read(), time.monotonic()
        finally:
            conn.close()


def test_twice_the_account_limit_at_once(tmp_path):
    server = Laminar(tmp_dir=tmp_path, extra_args=["--account-concurrency", "200"]).start()
    try:
        client = server.client()
        create(client, "crowd")
        raw = Raw(server.url)
        baseline = vm_rss_mb(server.proc.pid)
        results: list = [None] * 400
        gate = threading.Barrier(400)

        def one(i: int) -> None:
            gate.wait()
            results[i] = raw.invoke("crowd", {"sleep_ms": HOLD_MS, "i": i})

        started = time.monotonic()
        threads = [threading.Thread(target=one, args=(i,)) for i in range(400)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=240)
        assert all(r is not None for r in results), "an invoke never came back"

        admitted = [r for r in results if r[0] == 200]
        refused = [r for r in results if r[0] == 429]
        assert len(admitted) + len(refused) == 400, {r[0] for r in results}
        assert len(admitted) == 200, (len(admitted), len(refused))
        for status, headers, body, _ in refused:
            assert headers["x-amzn-ErrorType"] == "TooManyRequestsException"
            assert json.loads(body) == {
                "Reason": "ConcurrentInvocationLimitExceeded",
                "Type": "User",
                "message": "Rate Exceeded.",
            }
        # Refusals were not queued behind the admitted: every one came back
        # while the admitted invocations were still sleeping.
        first_done = min(done for *_, done in admitted)
        assert max(done for *_, done in refused) < first_done
        assert first_done - started >= HOLD_MS / 1000
        # Every admitted invocation ran to its end, each once.
        seen = sorted(json.loads(body)["echo"]["i"] for _, _, body, _ in admitted)
        assert len(set(seen)) == 200
        grown = vm_rss_mb(server.proc.pid) - baseline
        assert grown < 100, f"laminar grew by {grown:.0f} MB"
    finally:
        server.stop()
    assert_no_panics(server)


@pytest.mark.slow
def test_a_burst_of_event_invokes_is_kept_and_drained(tmp_path):
    data = tmp_path / "data"
    server = Laminar(data_dir=data, tmp_dir=tmp_path).start()
    burst = 100_000
    try:
        client = server.client()
        create(client, "drain")
        client.put_function_concurrency(FunctionName="drain", ReservedConcurrentExecutions=8)
        raw = Raw(server.url)
        baseline = vm_rss_mb(server.proc.pid)
        accepted = 0
        lock = threading.Lock()

        def sender(start: int) -> None:
            nonlocal accepted
            conn = http.client.HTTPConnection(raw.host, raw.port, timeout=300)
            mine = 0
            for i in range(start, burst, 32):
                conn.request(
                    "POST",
                    "/2015-03-31/functions/drain/invocations",
                    body=json.dumps({"i": i}),
                    headers={"X-Amz-Invocation-Type": "Event"},
                )
                answer = conn.getresponse()
                answer.read()
                assert answer.status == 202, answer.status
                mine += 1
            conn.close()
            with lock:
                accepted += mine

        threads = [threading.Thread(target=sender, args=(s,)) for s in range(32)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert accepted == burst
        peak = vm_rss_mb(server.proc.pid) - baseline
        assert peak < 200, f"laminar grew by {peak:.0f} MB holding {burst} events"

        # Drained at the function's concurrency: every event ran, never
        # more than 8 at once (AWS/Lambda metrics, computed from what ran).
        metrics = service_client("cloudwatch", server.url)

        def statistic(name: str, stat: str) -> float:
            now = time.time()
            points = metrics.get_metric_statistics(
                Namespace="AWS/Lambda",
                MetricName=name,
                Dimensions=[{"Name": "FunctionName", "Value": "drain"}],
                StartTime=now - 3600,
                EndTime=now + 60,
                Period=3600,
                Statistics=[stat],
            )["Datapoints"]
            return sum(p[stat] for p in points) if stat == "Sum" else max(
                (p[stat] for p in points), default=0
            )

        # At concurrency 8, a debug build on a loaded 2-core machine drains
        # about a hundred a second: allow half an hour.
        begun = time.monotonic()
        try:
            wait_for(lambda: statistic("Invocations", "Sum") >= burst, timeout=1800, what="the drain")
        except AssertionError:
            done = statistic("Invocations", "Sum")
            rate = done / (time.monotonic() - begun)
            raise AssertionError(f"{done:.0f} of {burst} events ran in 30 minutes ({rate:.0f} a second)")
        assert statistic("Invocations", "Sum") == burst
        assert statistic("ConcurrentExecutions", "Maximum") <= 8
        assert vm_rss_mb(server.proc.pid) - baseline < 200
    finally:
        server.stop()
    assert_no_panics(server)
