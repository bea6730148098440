"""Error paths through boto3: the status, the x-amzn-ErrorType header and the
exception class each one maps to, as the Lambda service answers them."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from laminar_testing import ACCOUNT, REGION, ROLE, create_python_function, make_zip, wait_active

HELLO = "def handler(event, context):\n    return {'ok': True}\n"
SYNC_PAYLOAD_LIMIT = 6 * 1024 * 1024


@pytest.fixture
def raw(laminar):
    """A client that leaves the checks to the server: botocore would refuse
    some of these values itself (e.g. MemorySize below its model minimum)."""
    return laminar.client(parameter_validation=False)


def arn_of(name: str) -> str:
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"


def error_type_header(response) -> str:
    headers = response["ResponseMetadata"]["HTTPHeaders"]  # lower-cased by botocore
    value = {k.lower(): v for k, v in headers.items()}.get("x-amzn-errortype", "")
    # The service may append ':<uri>' to the type.
    return value.split(":", 1)[0]


def expect_error(call, code: str, status: int, exception=ClientError) -> ClientError:
    with pytest.raises(exception) as info:
        call()
    err = info.value
    assert isinstance(err, ClientError)
    assert err.response["Error"]["Code"] == code, err.response
    assert err.response["ResponseMetadata"]["HTTPStatusCode"] == status, err.response
    assert error_type_header(err.response) == code, err.response["ResponseMetadata"]
    return err


def message(err: ClientError) -> str:
    return err.response["Error"]["Message"]


def assert_absent(client, name: str) -> None:
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.get_function(FunctionName=name)


def create_kwargs(name: str, **overrides):
    params = dict(
        FunctionName=name,
        Runtime="python3.12",
        Role=ROLE,
        Handler="app.handler",
        Code={"ZipFile": make_zip({"app.py": HELLO})},
    )
    params.update(overrides)
    return params


# -- validation of CreateFunction ------------------------------------------


def test_invalid_runtime_is_a_validation_exception(raw, function_name):
    err = expect_error(
        lambda: raw.create_function(**create_kwargs(function_name, Runtime="python9.99")),
        "ValidationException",
        400,
    )
    text = message(err)
    assert text.startswith("1 validation error detected: ")
    assert "Value 'python9.99' at 'runtime' failed to satisfy constraint" in text
    assert_absent(raw, function_name)


@pytest.mark.parametrize(
    "memory, constraint",
    [
        (64, "Member must have value greater than or equal to 128"),
        (20000, "Member must have value less than or equal to 10240"),
    ],
)
def test_memory_size_out_of_range(raw, function_name, memory, constraint):
    err = expect_error(
        lambda: raw.create_function(**create_kwargs(function_name, MemorySize=memory)),
        "ValidationException",
        400,
    )
    assert f"Value '{memory}' at 'memorySize' failed to satisfy constraint: {constraint}" in message(err)
    assert_absent(raw, function_name)


@pytest.mark.parametrize(
    "timeout, constraint",
    [
        (0, "Member must have value greater than or equal to 1"),
        (901, "Member must have value less than or equal to 900"),
    ],
)
def test_timeout_out_of_range(raw, function_name, timeout, constraint):
    err = expect_error(
        lambda: raw.create_function(**create_kwargs(function_name, Timeout=timeout)),
        "ValidationException",
        400,
    )
    assert f"Value '{timeout}' at 'timeout' failed to satisfy constraint: {constraint}" in message(err)
    assert_absent(raw, function_name)


def test_memory_and_timeout_limits_themselves_are_accepted(lambda_, function_name):
    created = lambda_.create_function(**create_kwargs(function_name, MemorySize=10240, Timeout=900))
    assert (created["MemorySize"], created["Timeout"]) == (10240, 900)
    wait_active(lambda_, function_name)
    updated = lambda_.update_function_configuration(
        FunctionName=function_name, MemorySize=128, Timeout=1
    )
    assert (updated["MemorySize"], updated["Timeout"]) == (128, 1)


def test_bad_function_name(raw):
    name = "not a valid name!"
    err = expect_error(
        lambda: raw.create_function(**create_kwargs(name)), "ValidationException", 400
    )
    assert f"Value '{name}' at 'functionName' failed to satisfy constraint" in message(err)


def test_reserved_environment_variable(lambda_, function_name):
    err = expect_error(
        lambda: lambda_.create_function(
            **create_kwargs(function_name, Environment={"Variables": {"AWS_REGION": "eu-west-1"}})
        ),
        "InvalidParameterValueException",
        400,
        lambda_.exceptions.InvalidParameterValueException,
    )
    assert err.response.get("Type") == "User"
    assert "Reserved keys used in this request: AWS_REGION" in message(err)
    assert_absent(lambda_, function_name)


def test_reserved_environment_variable_on_update(lambda_, function_name):
    create_python_function(lambda_, function_name, HELLO)
    expect_error(
        lambda: lambda_.update_function_configuration(
            FunctionName=function_name, Environment={"Variables": {"AWS_REGION": "eu-west-1"}}
        ),
        "InvalidParameterValueException",
        400,
        lambda_.exceptions.InvalidParameterValueException,
    )
    config = lambda_.get_function_configuration(FunctionName=function_name)
    assert "Environment" not in config or "AWS_REGION" not in config["Environment"].get("Variables", {})


def test_environment_over_4kb(lambda_, function_name):
    err = expect_error(
        lambda: lambda_.create_function(
            **create_kwargs(function_name, Environment={"Variables": {"BIG": "x" * 4096}})
        ),
        "InvalidParameterValueException",
        400,
        lambda_.exceptions.InvalidParameterValueException,
    )
    assert "exceeded the 4KB limit" in message(err)
    assert_absent(lambda_, function_name)
    # Well under the limit is fine.
    created = lambda_.create_function(
        **create_kwargs(function_name, Environment={"Variables": {"BIG": "x" * 3000}})
    )
    assert created["Environment"]["Variables"]["BIG"] == "x" * 3000


def test_duplicate_create_is_a_conflict(lambda_, function_name):
    create_python_function(lambda_, function_name, HELLO)
    first = lambda_.get_function_configuration(FunctionName=function_name)
    err = expect_error(
        lambda: create_python_function(lambda_, function_name, "def handler(e, c):\n    return 2\n"),
        "ResourceConflictException",
        409,
        lambda_.exceptions.ResourceConflictException,
    )
    assert err.response.get("Type") == "User"
    assert f"Function already exist: {function_name}" in message(err)
    # The first function is untouched.
    config = lambda_.get_function_configuration(FunctionName=function_name)
    assert config["CodeSha256"] == first["CodeSha256"]
    assert config["RevisionId"] == first["RevisionId"]


# -- functions that do not exist -------------------------------------------


@pytest.mark.parametrize("operation", ["get_function", "invoke", "delete_function"])
def test_unknown_function(lambda_, function_name, operation):
    call = getattr(lambda_, operation)
    err = expect_error(
        lambda: call(FunctionName=function_name),
        "ResourceNotFoundException",
        404,
        lambda_.exceptions.ResourceNotFoundException,
    )
    assert err.response.get("Type") == "User"
    assert message(err) == f"Function not found: {arn_of(function_name)}"


# -- Invoke payloads -------------------------------------------------------


def test_invalid_json_payload(lambda_, function_name):
    create_python_function(lambda_, function_name, HELLO)
    err = expect_error(
        lambda: lambda_.invoke(FunctionName=function_name, Payload=b"{not json"),
        "InvalidRequestContentException",
        400,
        lambda_.exceptions.InvalidRequestContentException,
    )
    assert err.response.get("Type") == "User"
    assert message(err).startswith("Could not parse request body into json")
    # A valid payload still works afterwards.
    ok = lambda_.invoke(FunctionName=function_name, Payload=b'{"a": 1}')
    assert ok["StatusCode"] == 200 and "FunctionError" not in ok


def test_payload_over_6mb(lambda_, function_name):
    create_python_function(lambda_, function_name, HELLO)
    payload = b'"' + b"a" * SYNC_PAYLOAD_LIMIT + b'"'  # valid JSON, just too big
    err = expect_error(
        lambda: lambda_.invoke(FunctionName=function_name, Payload=payload),
        "RequestTooLargeException",
        413,
        lambda_.exceptions.RequestTooLargeException,
    )
    assert err.response.get("Type") == "User"
    assert f"Request must be smaller than {SYNC_PAYLOAD_LIMIT} bytes for the InvokeFunction operation" in message(err)


# -- deployment packages ---------------------------------------------------


@pytest.mark.parametrize("escape", ["shallow", "deep"])
def test_zip_slip_is_refused(laminar_factory, tmp_path, escape):
    data_dir = tmp_path / "data"
    server = laminar_factory(data_dir=data_dir)
    client = server.client()
    if escape == "shallow":
        entry = "../evil.py"
    else:
        # Climbs past / and back down to a file beside the data dir.
        entry = "../" * 40 + str(tmp_path / "evil.py").lstrip("/")
    package = make_zip({"app.py": HELLO, entry: "print('pwned')\n"})
    err = expect_error(
        lambda: client.create_function(**create_kwargs("slip", Code={"ZipFile": package})),
        "InvalidParameterValueException",
        400,
        client.exceptions.InvalidParameterValueException,
    )
    assert "Could not unzip uploaded file" in message(err)
    assert_absent(client, "slip")
    written = [p for p in tmp_path.parent.rglob("evil.py")]
    assert written == [], written


def test_not_a_zip(lambda_, function_name):
    err = expect_error(
        lambda: lambda_.create_function(
            **create_kwargs(function_name, Code={"ZipFile": b"this is not a zip archive"})
        ),
        "InvalidParameterValueException",
        400,
        lambda_.exceptions.InvalidParameterValueException,
    )
    assert message(err) == (
        "Could not unzip uploaded file. Please check your file, then try to upload again."
    )
    assert_absent(lambda_, function_name)


def test_not_a_zip_on_update_keeps_the_old_code(lambda_, function_name):
    create_python_function(lambda_, function_name, HELLO)
    created = lambda_.get_function_configuration(FunctionName=function_name)
    expect_error(
        lambda: lambda_.update_function_code(FunctionName=function_name, ZipFile=b"PK\x03\x04junk"),
        "InvalidParameterValueException",
        400,
        lambda_.exceptions.InvalidParameterValueException,
    )
    config = lambda_.get_function_configuration(FunctionName=function_name)
    assert config["CodeSha256"] == created["CodeSha256"]
    assert config["RevisionId"] == created["RevisionId"]


# -- optimistic locking ----------------------------------------------------


def test_bad_revision_id_on_update(lambda_, function_name):
    create_python_function(lambda_, function_name, HELLO, Description="before")
    created = lambda_.get_function_configuration(FunctionName=function_name)
    stale = "00000000-0000-0000-0000-000000000000"
    err = expect_error(
        lambda: lambda_.update_function_configuration(
            FunctionName=function_name, Description="after", RevisionId=stale
        ),
        "PreconditionFailedException",
        412,
        lambda_.exceptions.PreconditionFailedException,
    )
    assert err.response.get("Type") == "User"
    assert "The Revision Id provided does not match the latest Revision Id" in message(err)
    expect_error(
        lambda: lambda_.update_function_code(
            FunctionName=function_name,
            ZipFile=make_zip({"app.py": "def handler(e, c):\n    return 2\n"}),
            RevisionId=stale,
        ),
        "PreconditionFailedException",
        412,
        lambda_.exceptions.PreconditionFailedException,
    )
    config = lambda_.get_function_configuration(FunctionName=function_name)
    assert config["Description"] == "before"
    assert config["RevisionId"] == created["RevisionId"]
    assert config["CodeSha256"] == created["CodeSha256"]
    # The current RevisionId is accepted.
    updated = lambda_.update_function_configuration(
        FunctionName=function_name, Description="after", RevisionId=created["RevisionId"]
    )
    assert updated["Description"] == "after"
    assert updated["RevisionId"] != created["RevisionId"]
