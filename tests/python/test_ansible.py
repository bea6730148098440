"""An Ansible playbook with the `amazon.aws` collection (bundled in PyPI's
`ansible`) against laminar, the playbook written as for AWS: `iam_role`
creates the execution role with a managed policy attached, `lambda` creates a
Python function from a zip, `lambda_execute` invokes it and the playbook
asserts the answer; a second run changes nothing; a teardown playbook deletes
function and role."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from iam_testing import LAMBDA_TRUST, client
from laminar_testing import ACCOUNT, AWS_ENV, REGION, make_zip

ROLE_NAME = "laminar-ansible-role"
FUNCTION_NAME = "laminar-ansible-hello"
BASIC_EXECUTION = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"

HANDLER = '''def handler(event, context):
    return {"hello": event.get("name", "world")}
'''

# The tasks as a user writes them for AWS; only module_defaults point the
# modules at laminar.
DEPLOY = """
- hosts: localhost
  gather_facts: false
  module_defaults:
    group/amazon.aws.aws:
      endpoint_url: "{{ endpoint }}"
      access_key: test
      secret_key: test
      region: us-east-1
  tasks:
    - name: execution role
      amazon.aws.iam_role:
        name: "{{ role_name }}"
        assume_role_policy_document: "{{ trust | to_json }}"
        managed_policies:
          - arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole
        create_instance_profile: false
        wait: false
      register: role

    - name: function
      amazon.aws.lambda:
        name: "{{ function_name }}"
        state: present
        runtime: python3.12
        handler: app.handler
        role: "{{ role.iam_role.arn }}"
        zip_file: "{{ zip_file }}"
        timeout: 10
      register: function

    - name: invoke
      amazon.aws.lambda_execute:
        name: "{{ function_name }}"
        payload:
          name: ansible
      register: invoked

    - name: the function answered
      ansible.builtin.assert:
        that:
          - 'invoked.result.output == {"hello": "ansible"}'
          - function.configuration.function_name == function_name
          - function.configuration.role == role.iam_role.arn
"""

TEARDOWN = """
- hosts: localhost
  gather_facts: false
  module_defaults:
    group/amazon.aws.aws:
      endpoint_url: "{{ endpoint }}"
      access_key: test
      secret_key: test
      region: us-east-1
  tasks:
    - name: function gone
      amazon.aws.lambda:
        name: "{{ function_name }}"
        state: absent

    - name: role gone
      amazon.aws.iam_role:
        name: "{{ role_name }}"
        state: absent
"""

RECAP = re.compile(r"^localhost\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.M)


def playbook_bin() -> str:
    found = Path(sys.executable).with_name("ansible-playbook")
    if not found.exists():
        pytest.skip("ansible is not installed (tests/python/requirements.txt)")
    return str(found)


def play(tmp_path: Path, name: str, text: str, extra_vars: dict) -> dict:
    """Runs one playbook; its recap counts (ok, changed, failed)."""
    (tmp_path / f"{name}.yml").write_text(text)
    (tmp_path / "vars.json").write_text(json.dumps(extra_vars))
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "ANSIBLE_"))},
        **AWS_ENV,
        "AWS_CONFIG_FILE": str(tmp_path / "aws-config-none"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "aws-credentials-none"),
        "HOME": str(tmp_path),
        "ANSIBLE_LOCAL_TEMP": str(tmp_path / "ansible-tmp"),
        "ANSIBLE_NOCOLOR": "1",
        # Deprecation notices (create_instance_profile) are not the test's business.
        "ANSIBLE_DEPRECATION_WARNINGS": "0",
    }
    args = [
        playbook_bin(),
        "-i",
        "localhost,",
        "-c",
        "local",
        "-e",
        f"ansible_python_interpreter={sys.executable}",
        "-e",
        f"@{tmp_path / 'vars.json'}",
        str(tmp_path / f"{name}.yml"),
    ]
    result = subprocess.run(args, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"ansible-playbook {name} exited {result.returncode}\n{output}"
    recap = RECAP.search(output)
    assert recap, output
    ok, changed, unreachable, failed = map(int, recap.groups())
    assert (unreachable, failed) == (0, 0), output
    return {"ok": ok, "changed": changed, "output": output}


def test_ansible_playbook_role_function_invoke_delete(laminar, tmp_path):
    package = tmp_path / "hello.zip"
    package.write_bytes(make_zip({"app.py": HANDLER}))
    extra_vars = {
        "endpoint": laminar.url,
        "role_name": ROLE_NAME,
        "function_name": FUNCTION_NAME,
        "trust": LAMBDA_TRUST,
        "zip_file": str(package),
    }

    first = play(tmp_path, "deploy", DEPLOY, extra_vars)
    # role and function created; the invoke counts as a change, the assert not.
    assert (first["ok"], first["changed"]) == (4, 3), first["output"]

    iam = client("iam", laminar.url)
    role = iam.get_role(RoleName=ROLE_NAME)["Role"]
    assert role["Arn"] == f"arn:aws:iam::{ACCOUNT}:role/{ROLE_NAME}"
    assert role["AssumeRolePolicyDocument"] == LAMBDA_TRUST
    attached = iam.list_attached_role_policies(RoleName=ROLE_NAME)["AttachedPolicies"]
    assert attached == [{"PolicyName": "AWSLambdaBasicExecutionRole", "PolicyArn": BASIC_EXECUTION}]
    lambda_ = laminar.client()
    config = lambda_.get_function_configuration(FunctionName=FUNCTION_NAME)
    assert config["Role"] == role["Arn"]
    assert (config["Runtime"], config["Handler"], config["Timeout"]) == ("python3.12", "app.handler", 10)
    assert config["FunctionArn"] == f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{FUNCTION_NAME}"

    # Idempotent: role and function as asked, so only the invoke changes.
    second = play(tmp_path, "deploy", DEPLOY, extra_vars)
    assert (second["ok"], second["changed"]) == (4, 1), second["output"]

    gone = play(tmp_path, "teardown", TEARDOWN, extra_vars)
    assert (gone["ok"], gone["changed"]) == (2, 2), gone["output"]
    with pytest.raises(lambda_.exceptions.ResourceNotFoundException):
        lambda_.get_function(FunctionName=FUNCTION_NAME)
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.get_role(RoleName=ROLE_NAME)
