"""Requests built to break a server: each must get an error answer, and
laminar must still be there afterwards."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import boto3
import pytest
from botocore.config import Config

from laminar_testing import AWS_ENV, REGION, create_python_function


def authorization(service: str) -> str:
    return (
        f"AWS4-HMAC-SHA256 Credential=test/20240101/{REGION}/{service}/aws4_request, "
        "SignedHeaders=host, Signature=0"
    )


def send(url: str, method: str, path: str, headers: dict, body: bytes) -> int:
    request = urllib.request.Request(url + path, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as e:
        return e.code


def client(laminar, service: str, **config):
    return boto3.client(
        service,
        endpoint_url=laminar.url,
        region_name=REGION,
        aws_access_key_id=AWS_ENV["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=AWS_ENV["AWS_SECRET_ACCESS_KEY"],
        config=Config(retries={"total_max_attempts": 1}, **config),
    )


def still_answers(url: str) -> None:
    with urllib.request.urlopen(f"{url}/_laminar/health", timeout=10) as response:
        assert json.loads(response.read())["status"] == "running"


def test_a_chunked_upload_claiming_a_huge_length_is_refused(laminar):
    s3 = client(laminar, "s3", s3={"addressing_style": "path"})
    s3.create_bucket(Bucket="hostile-chunks")
    status = send(
        laminar.url,
        "PUT",
        "/hostile-chunks/k",
        {
            "Authorization": authorization("s3"),
            "x-amz-content-sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
            "x-amz-decoded-content-length": "9223372036854775807",
            "Content-Encoding": "aws-chunked",
        },
        b"5\r\nhello\r\n0\r\n\r\n",
    )
    assert 400 <= status < 500
    still_answers(laminar.url)


def test_an_sqs_query_with_absurdly_nested_names_is_answered(laminar):
    body = b"Action=ListQueues&Version=2012-11-05&" + b"a." * 300_000 + b"b=1"
    status = send(
        laminar.url,
        "POST",
        "/",
        {
            "Authorization": authorization("sqs"),
            "Content-Type": "application/x-www-form-urlencoded",
        },
        body,
    )
    assert status == 200
    still_answers(laminar.url)


@pytest.mark.parametrize(
    "pattern",
    [
        "{ " + "(" * 200_000 + "$.a = 1" + ")" * 200_000 + " }",
        "{ $.a €€ }",
    ],
)
def test_hostile_filter_patterns_are_invalid_parameters(laminar, pattern):
    logs = client(laminar, "logs", parameter_validation=False)
    logs.create_log_group(logGroupName=f"/hostile/{len(pattern)}")
    with pytest.raises(logs.exceptions.InvalidParameterException):
        logs.filter_log_events(logGroupName=f"/hostile/{len(pattern)}", filterPattern=pattern)
    still_answers(laminar.url)


def test_log_tokens_and_spans_at_the_limits_of_i64(laminar):
    logs = client(laminar, "logs", parameter_validation=False)
    logs.create_log_group(logGroupName="/hostile/limits")
    logs.create_log_stream(logGroupName="/hostile/limits", logStreamName="s")
    with pytest.raises(logs.exceptions.InvalidParameterException):
        logs.put_log_events(
            logGroupName="/hostile/limits",
            logStreamName="s",
            logEvents=[
                {"timestamp": -(2**63), "message": "a"},
                {"timestamp": 2**63 - 1, "message": "b"},
            ],
        )
    with pytest.raises(logs.exceptions.InvalidParameterException):
        logs.get_log_events(
            logGroupName="/hostile/limits",
            logStreamName="s",
            nextToken="b/5/-9223372036854775808",
        )
    still_answers(laminar.url)


def test_a_function_url_keeps_requests_that_look_like_other_services(lambda_, function_name, laminar):
    create_python_function(
        lambda_,
        function_name,
        "def handler(event, context):\n    return {'statusCode': 200, 'body': event['rawQueryString']}\n",
    )
    url = lambda_.create_function_url_config(FunctionName=function_name, AuthType="NONE")[
        "FunctionUrl"
    ]
    url_id = url.split("//", 1)[1].split(".", 1)[0]
    query = "Action=Hello&Version=2012-11-05"
    request = urllib.request.Request(
        f"{laminar.url}/lambda-url/{url_id}/?{query}",
        headers={"X-Amz-Target": "AmazonSQS.ListQueues"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200
        assert response.read().decode() == query
