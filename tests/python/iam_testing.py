"""Helpers shared by the IAM and STS tests: clients and trust policies."""

from __future__ import annotations

import json

import boto3
from botocore.config import Config

from laminar_testing import AWS_ENV, REGION

CONFIG = Config(retries={"total_max_attempts": 1})

LAMBDA_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}


def trust_for(principal: dict) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}],
        }
    )


def client(service: str, url: str, key: str | None = None, secret: str | None = None, token: str | None = None, validate: bool = True):
    return boto3.client(
        service,
        endpoint_url=url,
        region_name=REGION,
        aws_access_key_id=key or AWS_ENV["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=secret or AWS_ENV["AWS_SECRET_ACCESS_KEY"],
        aws_session_token=token,
        # validate=False lets out-of-range values reach laminar, as from other SDKs.
        config=CONFIG.merge(Config(parameter_validation=validate)),
    )


def body(response: dict) -> dict:
    """A response without its ResponseMetadata."""
    return {k: v for k, v in response.items() if k != "ResponseMetadata"}


def error_of(excinfo) -> tuple[int, dict]:
    """The status and the parsed Error of a botocore ClientError."""
    response = excinfo.value.response
    return response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]
