"""Helpers for the introspection API's tests (and the console's): JSON
requests to /_laminar/api, a reader of its server-sent events, and a small
function that answers, logs and fails on request."""

from __future__ import annotations

import json
import math
import threading
import urllib.error
import urllib.request

HANDLER = """
import json
def handler(event, context):
    print("handling", json.dumps(event))
    if event.get("fail"):
        raise ValueError("asked to fail")
    return {"echo": event, "request": context.aws_request_id}
"""


def api(url: str, path: str, method: str = "GET") -> tuple[int, dict]:
    """Status and JSON body of a /_laminar/api request."""
    request = urllib.request.Request(f"{url}/_laminar/api{path}", method=method, data=b"" if method == "POST" else None)
    try:
        with urllib.request.urlopen(request, timeout=30) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def invoke(client, name: str, event: dict, **kwargs) -> tuple[str, dict]:
    """The request id Invoke answered with, and the payload."""
    answer = client.invoke(FunctionName=name, Payload=json.dumps(event).encode(), **kwargs)
    request_id = answer["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"]
    body = answer["Payload"].read()
    return request_id, json.loads(body) if body else {}


def billed(duration_ms: float) -> int:
    return max(1, math.ceil(duration_ms))


class Stream:
    """Reads /_laminar/api/stream in a thread: the invocation events it got."""

    def __init__(self, url: str, function: str | None = None):
        query = f"?function={function}" if function else ""
        self.response = urllib.request.urlopen(f"{url}/_laminar/api/stream{query}", timeout=60)
        self.events: list[dict] = []
        self.opened = threading.Event()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        try:
            self._read_events()
        except (OSError, ValueError, AttributeError):
            pass  # closed by the test

    def _read_events(self) -> None:
        name = None
        for raw in self.response:
            line = raw.decode().rstrip("\n")
            if line.startswith("event:"):
                name = line[6:].strip()
            elif line.startswith("data:") and name == "invocation":
                self.events.append(json.loads(line[5:].strip()))
            elif not line:
                name = None

    def close(self) -> None:
        self.response.close()
