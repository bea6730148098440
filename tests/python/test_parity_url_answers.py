"""Function URLs answer as AWS's do: what a handler returns becomes the body
(a string as it is, other JSON compact), a function error is a plain 502, an
unknown URL id a 403 with a null message, and the event's requestContext
carries the invocation's own request id, which also answers the request."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from laminar_testing import create_python_function


def fetch(url: str) -> tuple[int, str | None, bytes, dict]:
    try:
        with urllib.request.urlopen(url) as r:
            return r.status, r.headers.get("content-type"), r.read(), dict(r.headers)
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("content-type"), e.read(), dict(e.headers)


def url_of(laminar, lambda_, name: str) -> str:
    url = lambda_.create_function_url_config(FunctionName=name, AuthType="NONE")["FunctionUrl"]
    url_id = url.split("//", 1)[1].split(".", 1)[0]
    return f"{laminar.url}/lambda-url/{url_id}/"


@pytest.mark.parametrize(
    "returned, body",
    [
        ("'hello'", b"hello"),
        ("['hello', 3, True]", b'["hello",3,true]'),
        ("42", b"42"),
        ("1.5", b"1.5"),
        ("True", b"true"),
        ("{'b': [1, 2], 'a': 'x y'}", b'{"b":[1,2],"a":"x y"}'),
    ],
)
def test_what_a_handler_returns_is_the_body(laminar, lambda_, function_name, returned, body):
    create_python_function(lambda_, function_name, f"def handler(event, context):\n    return {returned}\n")
    status, content_type, got, _ = fetch(url_of(laminar, lambda_, function_name))
    assert (status, content_type, got) == (200, "application/json", body)


def test_a_function_error_is_a_plain_bad_gateway(laminar, lambda_, function_name):
    create_python_function(lambda_, function_name, "def handler(event, context):\n    raise ValueError('no')\n")
    status, content_type, got, headers = fetch(url_of(laminar, lambda_, function_name))
    assert (status, content_type, got) == (502, "application/json", b"Internal Server Error")
    assert "x-amzn-errortype" not in {k.lower() for k in headers}


def test_an_unknown_url_id(laminar):
    status, content_type, got, _ = fetch(f"{laminar.url}/lambda-url/{'0' * 32}/")
    assert (status, content_type, json.loads(got)) == (403, "application/json", {"Message": None})


def test_the_event_and_the_answer_carry_the_invocations_request_id(laminar, lambda_, function_name):
    create_python_function(
        lambda_,
        function_name,
        "def handler(event, context):\n"
        "    return {'statusCode': 200, 'body': event['requestContext']['requestId'] + ' ' + context.aws_request_id}\n",
    )
    status, _, got, headers = fetch(url_of(laminar, lambda_, function_name))
    in_event, in_context = got.decode().split()
    answered = {k.lower(): v for k, v in headers.items()}["x-amzn-requestid"]
    assert status == 200 and in_event == in_context == answered
