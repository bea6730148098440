"""`chalice deploy` of a pure-Lambda Chalice app with AWS_ENDPOINT_URL
pointing at laminar, the app unchanged: Chalice creates the execution role
(IAM), its inline policy and the function (Lambda), the function answers,
and `chalice delete` removes function and role."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from iam_testing import client
from laminar_testing import ACCOUNT, AWS_ENV

APP = '''from chalice import Chalice

app = Chalice(app_name="laminar-chalice")


@app.lambda_function()
def hello(event, context):
    return {"hello": event.get("name", "world")}
'''

CONFIG = {"version": "2.0", "app_name": "laminar-chalice", "stages": {"dev": {"api_gateway_stage": "api"}}}


def chalice_bin() -> str:
    found = Path(sys.executable).with_name("chalice")
    if not found.exists():
        pytest.skip("chalice is not installed (tests/python/requirements.txt)")
    return str(found)


def run(args, cwd, env):
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"{args} exited {result.returncode}\n{result.stdout}\n{result.stderr}"
    return result.stdout + result.stderr


def test_chalice_deploy_invoke_delete(laminar, tmp_path):
    project = tmp_path / "laminar-chalice"
    (project / ".chalice").mkdir(parents=True)
    (project / "app.py").write_text(APP)
    (project / "requirements.txt").write_text("")
    (project / ".chalice" / "config.json").write_text(json.dumps(CONFIG))
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("AWS_")},
        **AWS_ENV,
        "AWS_ENDPOINT_URL": laminar.url,
        "AWS_CONFIG_FILE": str(tmp_path / "aws-config-none"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "aws-credentials-none"),
        "HOME": str(tmp_path),
    }
    chalice = chalice_bin()
    deployed = run([chalice, "deploy", "--stage", "dev"], project, env)
    arn = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:laminar-chalice-dev-hello"
    assert arn in deployed, deployed

    iam = client("iam", laminar.url)
    role = iam.get_role(RoleName="laminar-chalice-dev")["Role"]
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {"Service": "lambda.amazonaws.com"}
    assert iam.list_role_policies(RoleName="laminar-chalice-dev")["PolicyNames"] == ["laminar-chalice-dev"]

    lambda_ = laminar.client()
    config = lambda_.get_function_configuration(FunctionName="laminar-chalice-dev-hello")
    assert config["Role"] == role["Arn"]
    out = lambda_.invoke(FunctionName="laminar-chalice-dev-hello", Payload=json.dumps({"name": "laminar"}))
    assert "FunctionError" not in out, out["Payload"].read()
    assert json.loads(out["Payload"].read()) == {"hello": "laminar"}

    run([chalice, "delete", "--stage", "dev"], project, env)
    with pytest.raises(lambda_.exceptions.ResourceNotFoundException):
        lambda_.get_function(FunctionName="laminar-chalice-dev-hello")
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.get_role(RoleName="laminar-chalice-dev")
    shutil.rmtree(project, ignore_errors=True)
