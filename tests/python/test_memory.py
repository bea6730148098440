"""What large requests leave behind: laminar gives the memory a 20 MB
deployment package took back once the request is done, rather than keeping
it for the rest of its life."""

from __future__ import annotations

import os

from conftest import assert_no_panics
from laminar_testing import ROLE, Laminar, make_zip, wait_active

PACKAGE_MB = 20


def anonymous_mb(pid: int) -> float:
    """Private memory (file pages of the binary left out: they are shared
    and come and go with the page cache)."""
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("RssAnon:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no RssAnon")


def test_large_packages_leave_no_memory_behind(tmp_path):
    server = Laminar(tmp_dir=tmp_path, extra_args=["--prewarm", "0"]).start()
    try:
        client = server.client()
        # Incompressible, so the zip, its base64 and the request body are
        # each about as large as the package.
        package = make_zip(
            {
                "app.py": "def handler(event, context):\n    return {'ok': True}\n",
                "blob.bin": os.urandom(PACKAGE_MB << 20),
            }
        )
        client.list_functions()
        before = anonymous_mb(server.proc.pid)
        for n in range(3):
            name = f"large-{n}"
            client.create_function(
                FunctionName=name, Runtime="python3.11", Role=ROLE,
                Handler="app.handler", Code={"ZipFile": package},
            )
            wait_active(client, name)
            client.update_function_code(FunctionName=name, ZipFile=package)
        answer = client.invoke(FunctionName="large-2", Payload=b"{}")
        assert answer["Payload"].read() == b'{"ok": true}'
        grown = anonymous_mb(server.proc.pid) - before
        # Each request held the package several times over while it ran
        # (more than 60 MB); what stays is laminar's own bookkeeping.
        assert grown < PACKAGE_MB, f"laminar kept {grown:.0f} MB after the requests"
    finally:
        server.stop()
    assert_no_panics(server)
