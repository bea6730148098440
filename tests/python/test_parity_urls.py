"""Function URL configurations as AWS answers them, compared whole (the URL's
id and the times redacted): `InvokeMode` is left out of every answer until a
client sets it.
"""

from __future__ import annotations

import re

from laminar_testing import ACCOUNT, REGION, create_python_function

HELLO = "def handler(event, context):\n    return 'hello'\n"
URL = re.compile(r"^http://[a-z0-9]{32}\.lambda-url\." + REGION + r"\.localhost:\d+/$")
TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def redacted(config: dict) -> dict:
    config = {k: v for k, v in config.items() if k != "ResponseMetadata"}
    assert URL.match(config["FunctionUrl"]), config["FunctionUrl"]
    config["FunctionUrl"] = "<url>"
    for key in ("CreationTime", "LastModifiedTime"):
        if key in config:
            assert TIME.match(config[key]), config[key]
            config[key] = "<time>"
    return config


def test_invoke_mode_is_answered_only_once_set(lambda_, function_name):
    create_python_function(lambda_, function_name, HELLO)
    arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{function_name}"
    base = {"FunctionUrl": "<url>", "FunctionArn": arn, "AuthType": "NONE", "CreationTime": "<time>"}

    created = lambda_.create_function_url_config(FunctionName=function_name, AuthType="NONE")
    assert redacted(created) == base
    got = lambda_.get_function_url_config(FunctionName=function_name)
    assert redacted(got) == {**base, "LastModifiedTime": "<time>"}
    listed = lambda_.list_function_url_configs(FunctionName=function_name)["FunctionUrlConfigs"]
    assert [redacted(c) for c in listed] == [{**base, "LastModifiedTime": "<time>"}]

    updated = lambda_.update_function_url_config(FunctionName=function_name, InvokeMode="BUFFERED")
    assert redacted(updated) == {**base, "LastModifiedTime": "<time>", "InvokeMode": "BUFFERED"}
    got = lambda_.get_function_url_config(FunctionName=function_name)
    assert redacted(got) == {**base, "LastModifiedTime": "<time>", "InvokeMode": "BUFFERED"}


def test_invoke_mode_given_at_creation_is_answered(lambda_, function_name):
    create_python_function(lambda_, function_name, HELLO)
    arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{function_name}"
    created = lambda_.create_function_url_config(
        FunctionName=function_name, AuthType="AWS_IAM", InvokeMode="RESPONSE_STREAM"
    )
    assert redacted(created) == {
        "FunctionUrl": "<url>",
        "FunctionArn": arn,
        "AuthType": "AWS_IAM",
        "CreationTime": "<time>",
        "InvokeMode": "RESPONSE_STREAM",
    }
