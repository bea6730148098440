"""Helpers for the extension tests: a recorder the extensions report to, and
the Docker engine's readiness.

Extensions run as processes of this host or inside containers; either way
they reach the test over HTTP: each record is one JSON document POSTed to
`<recorder>/<extension name>`, kept in arrival order."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

DOCKER_IMAGES = ("public.ecr.aws/lambda/python:3.11", "public.ecr.aws/lambda/provided:al2023")


class Recorder:
    """A loopback-and-bridge HTTP listener keeping what extensions POST."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: dict[str, list] = {}
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with recorder._lock:
                    recorder._records.setdefault(self.path.strip("/"), []).append(json.loads(body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        # Every interface: containers reach the host on the bridge's gateway.
        self._server = ThreadingHTTPServer(("0.0.0.0", 0), Handler)
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def url_for(self, executor: str) -> str:
        host = docker_gateway() if executor == "docker" else "127.0.0.1"
        return f"http://{host}:{self.port}"

    def records(self, name: str) -> list:
        with self._lock:
            return list(self._records.get(name, []))

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def docker_gateway() -> str:
    """Where containers on the default bridge reach this host."""
    out = subprocess.run(
        ["docker", "network", "inspect", "bridge", "--format", "{{range .IPAM.Config}}{{.Gateway}} {{end}}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return next((ip for ip in out if "." in ip), "172.17.0.1")


def docker_ready(*images: str) -> bool:
    """A Docker engine with the stand-in images; with LAMINAR_REQUIRE_DOCKER=1
    (CI) their absence is a failure, not a skip."""
    images = images or DOCKER_IMAGES
    ready = shutil.which("docker") is not None and all(
        subprocess.run(["docker", "image", "inspect", image], capture_output=True).returncode == 0
        for image in images
    )
    if not ready and os.environ.get("LAMINAR_REQUIRE_DOCKER") == "1":
        pytest.fail(f"LAMINAR_REQUIRE_DOCKER=1 but no Docker engine with {', '.join(images)}")
    return ready


def require_docker(*images: str) -> None:
    if not docker_ready(*images):
        pytest.skip("no Docker engine with the stand-in images (scripts/build-test-images.sh)")
