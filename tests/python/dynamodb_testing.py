"""Shared helpers of the DynamoDB tests: a boto3 client on laminar's port and
a response with its metadata checked and removed."""

from __future__ import annotations

import uuid

import boto3
from botocore.config import Config

from laminar_testing import AWS_ENV, REGION


def dynamodb_client(url: str):
    return boto3.client(
        "dynamodb",
        endpoint_url=url,
        region_name=REGION,
        aws_access_key_id=AWS_ENV["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=AWS_ENV["AWS_SECRET_ACCESS_KEY"],
        config=Config(retries={"total_max_attempts": 1, "mode": "standard"}),
    )


def body(response: dict) -> dict:
    response = dict(response)
    metadata = response.pop("ResponseMetadata")
    assert metadata["HTTPStatusCode"] == 200
    return response


def table_name() -> str:
    return f"table-{uuid.uuid4().hex[:12]}"
