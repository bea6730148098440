"""Debugger clients for the debug-mode tests: a Debug Adapter Protocol client
for debugpy (JSON messages with Content-Length framing over TCP) and a Chrome
DevTools Protocol client for Node's inspector (JSON over a WebSocket found
at /json/list), plus laminar's /_laminar/debug endpoint."""

from __future__ import annotations

import json
import queue
import socket
import threading
import time
import urllib.error
import urllib.request

import websocket

WAIT_S = 60


def free_ports(count: int = 1) -> int:
    """A port such that it and the `count - 1` after it are free now."""
    for _ in range(200):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            base = s.getsockname()[1]
        if base + count > 65535:
            continue
        if all(_free(base + n) for n in range(count)):
            return base
    raise RuntimeError("no free ports")


def _free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def debug_endpoint(url: str, method: str = "GET", function: str | None = None, body=None):
    """(status, parsed JSON or None, headers) of /_laminar/debug[/{function}]."""
    path = f"{url}/_laminar/debug" + (f"/{function}" if function else "")
    data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    request = urllib.request.Request(path, data=data, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as r:
            raw = r.read()
            return r.status, (json.loads(raw) if raw else None), _lower(r.headers)
    except urllib.error.HTTPError as e:
        raw = e.read()
        return e.code, (json.loads(raw) if raw else None), _lower(e.headers)


def _lower(headers) -> dict:
    return {k.lower(): v for k, v in headers.items()}


def environments(url: str, function: str) -> list[dict]:
    _, listing, _ = debug_endpoint(url)
    for f in listing["functions"]:
        if f["functionName"] == function:
            return f["environments"]
    return []


def _connect(port: int) -> socket.socket:
    deadline = time.monotonic() + WAIT_S
    while True:
        try:
            return socket.create_connection(("127.0.0.1", port), timeout=5)
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


class DapClient:
    """A Debug Adapter Protocol client attached to debugpy on a port."""

    def __init__(self, port: int):
        self.sock = _connect(port)
        self.sock.settimeout(None)
        self.seq = 0
        self.responses: dict[int, queue.Queue] = {}
        self.events: queue.Queue = queue.Queue()
        self.lock = threading.Lock()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        stream = self.sock.makefile("rb")
        while True:
            length = None
            while True:
                line = stream.readline()
                if not line:
                    return
                line = line.strip()
                if not line:
                    break
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            if length is None:
                return
            message = json.loads(stream.read(length))
            if message["type"] == "response":
                self._queue_for(message["request_seq"]).put(message)
            elif message["type"] == "event":
                self.events.put(message)

    def _queue_for(self, seq: int) -> queue.Queue:
        with self.lock:
            return self.responses.setdefault(seq, queue.Queue())

    def send(self, command: str, arguments: dict | None = None) -> int:
        with self.lock:
            self.seq += 1
            seq = self.seq
        message = {"seq": seq, "type": "request", "command": command}
        if arguments is not None:
            message["arguments"] = arguments
        body = json.dumps(message).encode()
        self.sock.sendall(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        return seq

    def response(self, seq: int) -> dict:
        message = self._queue_for(seq).get(timeout=WAIT_S)
        assert message["success"], message
        return message.get("body") or {}

    def request(self, command: str, arguments: dict | None = None) -> dict:
        return self.response(self.send(command, arguments))

    def event(self, name: str) -> dict:
        deadline = time.monotonic() + WAIT_S
        while True:
            message = self.events.get(timeout=max(0.1, deadline - time.monotonic()))
            if message["event"] == name:
                return message.get("body") or {}

    def attach_with_breakpoint(self, path: str, line: int) -> None:
        """initialize, attach, a breakpoint at path:line, configurationDone."""
        self.request(
            "initialize",
            {"clientID": "laminar-tests", "adapterID": "debugpy", "pathFormat": "path",
             "linesStartAt1": True, "columnsStartAt1": True},
        )
        attach = self.send("attach", {"justMyCode": False})
        self.event("initialized")
        answer = self.request(
            "setBreakpoints", {"source": {"path": path}, "breakpoints": [{"line": line}]}
        )
        assert len(answer["breakpoints"]) == 1, answer
        self.request("configurationDone")
        self.response(attach)

    def stopped_variable(self, name: str) -> tuple[int, str]:
        """Waits for a stop at a breakpoint; (thread id, repr of `name` in
        the top frame's first scope, the locals)."""
        stopped = self.event("stopped")
        assert stopped["reason"] == "breakpoint", stopped
        thread = stopped["threadId"]
        frames = self.request("stackTrace", {"threadId": thread, "levels": 1})["stackFrames"]
        scopes = self.request("scopes", {"frameId": frames[0]["id"]})["scopes"]
        variables = self.request(
            "variables", {"variablesReference": scopes[0]["variablesReference"]}
        )["variables"]
        by_name = {v["name"]: v["value"] for v in variables}
        return thread, by_name[name]

    def resume(self, thread: int) -> None:
        self.request("continue", {"threadId": thread})

    def close(self) -> None:
        try:
            self.request("disconnect", {"terminateDebuggee": False})
        except Exception:  # the environment may already be gone
            pass
        self.sock.close()


class CdpClient:
    """A Chrome DevTools Protocol client attached to Node's inspector."""

    def __init__(self, port: int):
        deadline = time.monotonic() + WAIT_S
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=5) as r:
                    targets = json.loads(r.read())
                if targets:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"no inspector target on port {port}")
            time.sleep(0.1)
        self.ws = websocket.create_connection(targets[0]["webSocketDebuggerUrl"], timeout=WAIT_S)
        self.next_id = 0
        self.events: list[dict] = []

    def call(self, method: str, params: dict | None = None) -> dict:
        self.next_id += 1
        wanted = self.next_id
        self.ws.send(json.dumps({"id": wanted, "method": method, "params": params or {}}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == wanted:
                assert "error" not in message, message
                return message.get("result", {})
            if "method" in message:
                self.events.append(message)

    def event(self, method: str) -> dict:
        while True:
            for i, message in enumerate(self.events):
                if message["method"] == method:
                    return self.events.pop(i)["params"]
            message = json.loads(self.ws.recv())
            if "method" in message:
                self.events.append(message)

    def break_at(self, url_regex: str, line: int) -> None:
        """Debugger.enable and a breakpoint at a 1-based line of the scripts
        whose URL matches; lets a runtime waiting at its first line go."""
        self.call("Debugger.enable")
        self.call("Debugger.setBreakpointByUrl", {"urlRegex": url_regex, "lineNumber": line - 1})
        self.call("Runtime.runIfWaitingForDebugger")

    def paused_value(self, expression: str):
        """Waits for Debugger.paused; the value of `expression` in the top
        frame (JSON text evaluated there)."""
        paused = self.event("Debugger.paused")
        frame = paused["callFrames"][0]["callFrameId"]
        result = self.call(
            "Debugger.evaluateOnCallFrame",
            {"callFrameId": frame, "expression": f"JSON.stringify({expression})",
             "returnByValue": True},
        )
        return json.loads(result["result"]["value"])

    def resume(self) -> None:
        self.call("Debugger.resume")

    def close(self) -> None:
        self.ws.close()
