"""Start-up on damaged state, a newer schema, or a data directory an earlier
laminar wrote.

A damaged database is refused with its file's name and what to do, laminar
exits non-zero, and no file of the data directory changes. A data directory
of an earlier laminar (fixtures/data-dir-<commit>, written by that commit's
binary) opens, is migrated forward, and its functions invoke.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from faults_testing import digests, failed_start
from laminar_testing import (
    create_python_function,
    expected_config,
    redacted,
    sqs_client,
)

FIXTURES = Path(__file__).parent / "fixtures"
DB = "laminar.db"

APP = """\
def handler(event, context):
    return {"kept": True, "event": event}
"""

WHAT_TO_DO = (
    "laminar changed nothing in it. Restore the data directory from a backup, or move it "
    "aside and start with an empty one (`sqlite3 laminar.db .recover` may save part of it)"
)


def checkpoint(data_dir: Path) -> None:
    """Moves everything into the database file (as a clean shutdown leaves it)."""
    with sqlite3.connect(data_dir / DB) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def populated(laminar_factory, data_dir: Path, crash: bool = False):
    """A data directory holding the function `kept`; laminar stopped (or
    killed, leaving the write-ahead log as a crash does)."""
    server = laminar_factory(data_dir=data_dir)
    create_python_function(server.client(), "kept", APP)
    if crash:
        server.kill()
    else:
        server.stop()
        checkpoint(data_dir)
    return server


EMPTY = hashlib.sha256(b"").hexdigest()


def unchanged_files(data_dir: Path) -> dict[str, str]:
    """Every file's digest, but SQLite's scratch files: the shared-memory
    index (rebuilt from the log) and an empty log (holding nothing)."""
    return {
        k: v
        for k, v in digests(data_dir).items()
        if not k.endswith("-shm") and not (k.endswith("-wal") and v == EMPTY)
    }


def assert_refused(data_dir: Path, named: Path, detail: str) -> None:
    before = unchanged_files(data_dir)
    code, stderr = failed_start(data_dir)
    assert code == 1, stderr
    line = next(l for l in stderr.splitlines() if l.startswith("laminar: "))
    assert line.startswith(f"laminar: the database {named} is damaged: "), line
    assert detail in line, line
    assert line.endswith(WHAT_TO_DO), line
    assert unchanged_files(data_dir) == before


def test_a_truncated_database_is_refused_and_left_as_it_was(laminar_factory, tmp_path):
    data_dir = tmp_path / "state"
    populated(laminar_factory, data_dir)
    file = data_dir / DB
    size = file.stat().st_size
    with open(file, "r+b") as f:
        f.truncate(size // 2)
    assert_refused(data_dir, file, "")


def test_a_corrupted_page_is_refused_and_left_as_it_was(laminar_factory, tmp_path):
    data_dir = tmp_path / "state"
    populated(laminar_factory, data_dir)
    file = data_dir / DB
    data = bytearray(file.read_bytes())
    page = 4096
    data[page * 2 : page * 2 + 512] = b"\xa5" * 512
    file.write_bytes(bytes(data))
    assert_refused(data_dir, file, "*** in database main *** ")


def test_a_file_that_is_no_database_is_refused(laminar_factory, tmp_path):
    data_dir = tmp_path / "state"
    populated(laminar_factory, data_dir)
    (data_dir / DB).write_bytes(b"these bytes are not a database, whatever the name says\n" * 100)
    assert_refused(data_dir, data_dir / DB, "file is not a database")


def test_a_write_ahead_log_with_a_broken_header_is_refused(laminar_factory, tmp_path):
    data_dir = tmp_path / "state"
    populated(laminar_factory, data_dir, crash=True)
    wal = data_dir / f"{DB}-wal"
    data = bytearray(wal.read_bytes())
    assert len(data) > 4096, "the crash left committed frames in the log"
    data[:32] = b"\0" * 32
    wal.write_bytes(bytes(data))
    assert_refused(data_dir, wal, "its write-ahead log has no valid header")


def test_a_torn_last_frame_is_dropped_and_every_commit_kept(laminar_factory, tmp_path):
    """A crash in the middle of a commit leaves part of a frame at the log's
    end: that commit was never acknowledged, and SQLite's recovery drops it."""
    data_dir = tmp_path / "state"
    populated(laminar_factory, data_dir, crash=True)
    with open(data_dir / f"{DB}-wal", "ab") as f:
        f.write(b"\x37\x7f" + b"\x11" * 3000)
    server = laminar_factory(data_dir=data_dir)
    client = server.client()
    answer = client.invoke(FunctionName="kept", Payload=b'{"after": "tear"}')
    assert json.loads(answer["Payload"].read()) == {"kept": True, "event": {"after": "tear"}}


def test_a_schema_newer_than_this_laminar_is_refused_untouched(laminar_factory, tmp_path):
    data_dir = tmp_path / "state"
    populated(laminar_factory, data_dir)
    with sqlite3.connect(data_dir / DB) as conn:
        (known,) = conn.execute(
            "SELECT version FROM schema_versions WHERE owner = 'dynamodb'"
        ).fetchone()
        conn.execute("UPDATE schema_versions SET version = version + 1 WHERE owner = 'dynamodb'")
    conn.close()
    checkpoint(data_dir)
    before = unchanged_files(data_dir)
    code, stderr = failed_start(data_dir)
    assert code == 1, stderr
    assert (
        f"the database {data_dir / DB} was written by a newer laminar (the schema of dynamodb "
        f"is at version {known + 1}, this laminar knows {known}); laminar changed nothing in "
        "it. Run the newer laminar, or start this one with another --data-dir"
    ) in stderr, stderr
    assert unchanged_files(data_dir) == before


# -- data directories written by earlier laminars ------------------------------


def copy_fixture(name: str, tmp_path: Path) -> Path:
    target = tmp_path / name
    shutil.copytree(FIXTURES / name, target)
    return target


def fixture_package(data_dir: Path) -> bytes:
    (zip_file,) = (data_dir / "blobs").glob("*.zip")
    return zip_file.read_bytes()


def versions(data_dir: Path) -> dict[str, int]:
    with sqlite3.connect(f"file:{data_dir / DB}?mode=ro", uri=True) as conn:
        return dict(conn.execute("SELECT owner, version FROM schema_versions"))


@pytest.mark.parametrize(
    "fixture,function,description",
    [
        # The first laminar with a data directory: one table, no schema versions.
        ("data-dir-ebb0c48", "from-the-first-laminar", "made by laminar ebb0c48"),
        # The first with versioned schemas (lambda, sqs, logs and s3 at step 1).
        ("data-dir-36c124c", "from-schema-versions-1", "made by laminar 36c124c"),
    ],
)
def test_a_data_directory_of_an_earlier_laminar_opens_and_invokes(
    laminar_factory, tmp_path, fixture, function, description
):
    data_dir = copy_fixture(fixture, tmp_path)
    package = fixture_package(data_dir)
    server = laminar_factory(data_dir=data_dir)
    client = server.client()

    config = client.get_function_configuration(FunctionName=function)
    assert redacted(config) == expected_config(
        function,
        package,
        Description=description,
        MemorySize=256,
        Timeout=10,
        Environment={"Variables": {"COLOUR": "amber"}},
    )
    answer = client.invoke(FunctionName=function, Payload=b'{"n": 2}')
    assert json.loads(answer["Payload"].read()) == {"echo": {"n": 2}, "colour": "amber"}

    # Migrated forward: it takes today's writes, and keeps them.
    client.update_function_configuration(FunctionName=function, Description="migrated")
    server.stop()
    migrated = versions(data_dir)
    for owner in ("lambda", "sqs", "logs", "s3", "iam", "kinesis", "sns", "dynamodb", "events"):
        assert migrated.get(owner, 0) >= 1, (owner, migrated)
    again = laminar_factory(data_dir=data_dir).client()
    assert again.get_function_configuration(FunctionName=function)["Description"] == "migrated"


def test_the_companions_state_of_an_earlier_laminar_is_kept(laminar_factory, tmp_path):
    import boto3
    from botocore.config import Config

    data_dir = copy_fixture("data-dir-36c124c", tmp_path)
    server = laminar_factory(data_dir=data_dir)
    sqs = sqs_client(server.url)
    url = sqs.get_queue_url(QueueName="kept")["QueueUrl"]
    messages = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)["Messages"]
    assert [m["Body"] for m in messages] == ["sent by 36c124c"]
    s3 = boto3.client(
        "s3",
        endpoint_url=server.url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(s3={"addressing_style": "path"}, retries={"total_max_attempts": 1}),
    )
    body = s3.get_object(Bucket="kept", Key="note.txt")["Body"].read()
    assert body == b"stored by 36c124c"
