"""ARNs and listings as AWS answers them, compared whole (ids, times redacted).

- GetFunction / GetFunctionConfiguration through an alias answer the alias's
  ARN, with the version it points at in `Version`.
- CreateFunction with `Publish: true` answers version 1's configuration under
  the function's unqualified ARN.
- ListFunctions with `FunctionVersion=ALL` lists each function's `$LATEST` and
  its published versions, and pages through them.
- GetAccountSettings' `TotalCodeSize` counts every published version's
  package too.
"""

from __future__ import annotations

from laminar_testing import (
    ACCOUNT,
    PENDING,
    REGION,
    ROLE,
    create_python_function,
    expected_config,
    make_zip,
    redacted,
    wait_active,
)

HELLO = "def handler(event, context):\n    return 'hello'\n"


def arn(name: str, qualifier: str | None = None) -> str:
    base = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"
    return f"{base}:{qualifier}" if qualifier else base


def create(client, name: str, package: bytes, **kwargs) -> dict:
    return client.create_function(
        FunctionName=name, Runtime="python3.12", Role=ROLE, Handler="app.handler", Code={"ZipFile": package}, **kwargs
    )


def test_create_with_publish_answers_the_unqualified_arn(laminar_factory):
    client = laminar_factory().client()
    package = make_zip({"app.py": HELLO})
    created = create(client, "published", package, Publish=True)
    assert redacted(created) == expected_config("published", package, Version="1", **PENDING)
    wait_active(client, "published", "1")
    assert client.get_function_configuration(FunctionName="published", Qualifier="1")["FunctionArn"] == arn(
        "published", "1"
    )


def test_reads_through_an_alias_answer_the_alias_arn(laminar_factory):
    client = laminar_factory().client()
    package = make_zip({"app.py": HELLO})
    create(client, "aliased", package, Publish=True)
    wait_active(client, "aliased")
    wait_active(client, "aliased", "1")
    client.create_alias(FunctionName="aliased", Name="live", FunctionVersion="1")
    expected = expected_config("aliased", package, FunctionArn=arn("aliased", "live"), Version="1")

    through_param = client.get_function(FunctionName="aliased", Qualifier="live")
    assert redacted(through_param["Configuration"]) == expected
    through_name = client.get_function(FunctionName="aliased:live")
    assert redacted(through_name["Configuration"]) == expected
    assert redacted(client.get_function_configuration(FunctionName=arn("aliased", "live"))) == expected
    # By number, the version's own ARN.
    by_number = client.get_function_configuration(FunctionName="aliased", Qualifier="1")
    assert redacted(by_number) == expected_config("aliased", package, FunctionArn=arn("aliased", "1"), Version="1")


def test_list_functions_all_versions_pages_through_versions(laminar_factory):
    client = laminar_factory().client()
    packages = {}
    for name in ("alpha", "beta"):
        packages[name] = make_zip({"app.py": HELLO + f"# {name}\n"})
        create(client, name, packages[name])
        wait_active(client, name)
    client.publish_version(FunctionName="alpha")
    wait_active(client, "alpha", "1")

    latest_only = client.list_functions()
    assert [f["FunctionArn"] for f in latest_only["Functions"]] == [arn("alpha"), arn("beta")]

    everything = client.list_functions(FunctionVersion="ALL")
    assert "NextMarker" not in everything
    assert [redacted(f) for f in everything["Functions"]] == [
        expected_config("alpha", packages["alpha"]),
        expected_config("alpha", packages["alpha"], FunctionArn=arn("alpha", "1"), Version="1"),
        expected_config("beta", packages["beta"]),
    ]

    pages = client.get_paginator("list_functions").paginate(
        FunctionVersion="ALL", PaginationConfig={"PageSize": 1}
    )
    arns = [f["FunctionArn"] for page in pages for f in page["Functions"]]
    assert arns == [arn("alpha"), arn("alpha", "1"), arn("beta")]


def test_total_code_size_counts_every_version(laminar_factory):
    client = laminar_factory().client()
    first = make_zip({"app.py": HELLO})
    create(client, "sized", first)
    wait_active(client, "sized")
    usage = lambda: client.get_account_settings()["AccountUsage"]  # noqa: E731
    assert usage() == {"TotalCodeSize": len(first), "FunctionCount": 1}

    client.publish_version(FunctionName="sized")
    assert usage() == {"TotalCodeSize": 2 * len(first), "FunctionCount": 1}

    second = make_zip({"app.py": HELLO + "# two\n"})
    client.update_function_code(FunctionName="sized", ZipFile=second)
    assert usage() == {"TotalCodeSize": len(first) + len(second), "FunctionCount": 1}


def test_latest_and_the_unqualified_function_share_one_event_invoke_config(lambda_, function_name):
    """AWS keeps one asynchronous-invocation configuration for a function and
    its `$LATEST`: written through one, it is read, listed, updated and
    deleted through the other, always answered with the `:$LATEST` ARN."""
    create_python_function(lambda_, function_name, HELLO)
    arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{function_name}:$LATEST"
    # AWS answers both sides, empty, when no destination was set.
    no_destinations = {"OnSuccess": {}, "OnFailure": {}}
    lambda_.put_function_event_invoke_config(
        FunctionName=function_name, Qualifier="$LATEST", MaximumRetryAttempts=1
    )
    got = lambda_.get_function_event_invoke_config(FunctionName=function_name)
    got.pop("ResponseMetadata")
    got.pop("LastModified")
    assert got == {"FunctionArn": arn, "MaximumRetryAttempts": 1, "DestinationConfig": no_destinations}

    updated = lambda_.update_function_event_invoke_config(
        FunctionName=function_name, MaximumEventAgeInSeconds=120
    )
    updated.pop("ResponseMetadata")
    updated.pop("LastModified")
    assert updated == {
        "FunctionArn": arn,
        "MaximumRetryAttempts": 1,
        "MaximumEventAgeInSeconds": 120,
        "DestinationConfig": no_destinations,
    }
    listed = lambda_.list_function_event_invoke_configs(FunctionName=function_name)
    configs = listed["FunctionEventInvokeConfigs"]
    for config in configs:
        config.pop("LastModified")
    assert configs == [
        {"FunctionArn": arn, "MaximumRetryAttempts": 1, "MaximumEventAgeInSeconds": 120, "DestinationConfig": no_destinations}
    ]
    lambda_.delete_function_event_invoke_config(FunctionName=function_name, Qualifier="$LATEST")
    try:
        lambda_.get_function_event_invoke_config(FunctionName=function_name)
    except lambda_.exceptions.ResourceNotFoundException as e:
        assert e.response["Error"]["Message"] == (
            f"The function arn:aws:lambda:{REGION}:{ACCOUNT}:function:{function_name} doesn't have an EventInvokeConfig"
        )
    else:
        raise AssertionError("the configuration was deleted through $LATEST")
