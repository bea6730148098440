"""State kept in --data-dir survives a crash (SIGKILL) of laminar."""

from __future__ import annotations

import base64
import hashlib
import json
import signal
import urllib.request

from laminar_testing import ROLE, make_zip, wait_active, wait_updated

APP_PY = """\
import os


def handler(event, context):
    return {"echo": event, "colour": os.environ.get("COLOUR")}
"""


def invoke(client, name: str, payload: dict) -> dict:
    response = client.invoke(FunctionName=name, Payload=json.dumps(payload).encode())
    assert response["StatusCode"] == 200
    body = json.loads(response["Payload"].read())
    assert "FunctionError" not in response, body
    return body


def test_functions_survive_sigkill(laminar_factory, tmp_path):
    data_dir = tmp_path / "state"
    name = "survivor"
    package = make_zip({"app.py": APP_PY})
    sha = base64.b64encode(hashlib.sha256(package).digest()).decode()

    first = laminar_factory(data_dir=data_dir)
    client = first.client()
    client.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=ROLE,
        Handler="app.handler",
        Code={"ZipFile": package},
        Description="kept on disk",
        MemorySize=256,
        Timeout=10,
        Environment={"Variables": {"COLOUR": "teal"}},
        Tags={"team": "core"},
    )
    wait_active(client, name)
    client.update_function_configuration(FunctionName=name, Description="updated once")
    wait_updated(client, name)
    before = client.get_function(FunctionName=name)
    assert before["Configuration"]["CodeSha256"] == sha
    assert before["Configuration"]["LastUpdateStatus"] == "Successful"
    assert invoke(client, name, {"run": 1}) == {"echo": {"run": 1}, "colour": "teal"}

    # A crash: no graceful shutdown.
    assert first.kill() == -signal.SIGKILL

    second = laminar_factory(data_dir=data_dir)
    client = second.client()
    after = client.get_function(FunctionName=name)
    a, b = after["Configuration"], before["Configuration"]
    assert a["CodeSha256"] == b["CodeSha256"] == sha
    assert a["RevisionId"] == b["RevisionId"]
    for key in (
        "FunctionName",
        "FunctionArn",
        "Runtime",
        "Handler",
        "Role",
        "CodeSize",
        "Description",
        "MemorySize",
        "Timeout",
        "LastModified",
        "Environment",
    ):
        assert a.get(key) == b.get(key), key
    assert a["Description"] == "updated once"
    assert after.get("Tags") == {"team": "core"}

    # The stored package is still there, byte for byte.
    with urllib.request.urlopen(after["Code"]["Location"], timeout=30) as r:
        assert r.read() == package

    assert [f["FunctionName"] for f in client.list_functions()["Functions"]] == [name]
    assert invoke(client, name, {"run": 2}) == {"echo": {"run": 2}, "colour": "teal"}

    # And the restarted laminar keeps writing to the same state.
    client.update_function_configuration(
        FunctionName=name, Environment={"Variables": {"COLOUR": "amber"}}
    )
    wait_updated(client, name)
    changed = client.get_function_configuration(FunctionName=name)
    assert changed["RevisionId"] != a["RevisionId"]
    assert second.stop() == 0

    third = laminar_factory(data_dir=data_dir)
    client = third.client()
    config = client.get_function_configuration(FunctionName=name)
    assert config["RevisionId"] == changed["RevisionId"]
    assert invoke(client, name, {"run": 3}) == {"echo": {"run": 3}, "colour": "amber"}


def test_state_without_data_dir_is_not_kept(laminar_factory, tmp_path):
    """The counterpart: without --data-dir a restart starts empty."""
    first = laminar_factory()
    first.client().create_function(
        FunctionName="ephemeral",
        Runtime="python3.12",
        Role=ROLE,
        Handler="app.handler",
        Code={"ZipFile": make_zip({"app.py": APP_PY})},
    )
    first.kill()
    second = laminar_factory()
    assert second.client().list_functions()["Functions"] == []
