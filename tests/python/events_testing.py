"""Shared helpers of the EventBridge tests."""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from laminar_testing import ACCOUNT, AWS_ENV, REGION, recording_function, wait_for

def events_client(endpoint_url: str):
    return boto3.client(
        "events",
        endpoint_url=endpoint_url,
        region_name=REGION,
        aws_access_key_id=AWS_ENV["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=AWS_ENV["AWS_SECRET_ACCESS_KEY"],
        config=Config(retries={"total_max_attempts": 1}),
    )


def rule_arn(name: str, bus: str = "default") -> str:
    if bus == "default":
        return f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{name}"
    return f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{bus}/{name}"


def bus_arn(name: str) -> str:
    return f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/{name}"


def function_arn(name: str) -> str:
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"


def recorder(client, name, runs_dir, rule=None):
    """A recording function; with `rule`, EventBridge may invoke it for that rule."""
    principal = "events.amazonaws.com" if rule is not None else None
    return recording_function(client, name, runs_dir, principal, rule)


def error_of(call, *args, **kwargs):
    with pytest.raises(ClientError) as info:
        call(*args, **kwargs)
    response = info.value.response
    return (
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"]["Code"],
        response["Error"]["Message"],
    )


def bare(answer: dict) -> dict:
    answer = dict(answer)
    answer.pop("ResponseMetadata", None)
    return answer


def queue_arn(sqs, url: str) -> str:
    return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]


def receive_bodies(sqs, url: str, count: int, timeout: float = 30) -> list[str]:
    got: list[str] = []

    def more():
        answer = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        for message in answer.get("Messages", []):
            got.append(message["Body"])
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        return len(got) >= count

    wait_for(more, timeout=timeout, what=f"{count} messages in the queue")
    return got


def as_json(text: str):
    return json.loads(text)
