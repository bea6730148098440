"""Resources the cases need, created through the same client before use.

Every fixture is created on first use and cached; a fixture that fails is
cached as failed too, so the cases that need it fail at once with the reason
("prerequisite: CreateCodeSigningConfig -> 501 NotImplementedException").
"""

from __future__ import annotations

import base64
import io
import json
import os
import time
import zipfile

from botocore import xform_name
from botocore.exceptions import ClientError

from engine import PrereqError

ACCOUNT = "000000000000"
REGION = "us-east-1"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/conformance-role"
KMS_KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/11111111-2222-3333-4444-555555555555"
SIGNING_PROFILE = f"arn:aws:signer:{REGION}:{ACCOUNT}:/signing-profiles/conformance/abcdef0123"
SUBNET = "subnet-0123456789abcdef0"
SECURITY_GROUP = "sg-0123456789abcdef0"
EFS_ACCESS_POINT = f"arn:aws:elasticfilesystem:{REGION}:{ACCOUNT}:access-point/fsap-0123456789abcdef0"
S3FILES_ACCESS_POINT = (
    f"arn:aws:s3files:{REGION}:{ACCOUNT}:file-system/fs-0123456789abcdef0/access-point/fsap-0123456789abcdef0"
)
IMAGE_URI = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/conformance:latest"
MAIN_FN = "conf-fn"


def sqs(name: str) -> str:
    return f"arn:aws:sqs:{REGION}:{ACCOUNT}:{name}"


def fn_arn(name: str, qualifier: str | None = None) -> str:
    arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"
    return f"{arn}:{qualifier}" if qualifier else arn


APP_PY = """\
import json


def handler(event, context):
    return {"ok": True, "event": event}
"""

# The durable function records the event it is given (its checkpoint token
# and execution ARN) in CONF_EVENT_DIR, so that the harness can act as the
# durable SDK would, then holds the execution open until released.
DURABLE_PY = """\
import json
import os
import time
import uuid


def handler(event, context):
    folder = os.environ.get("CONF_EVENT_DIR")
    if folder and isinstance(event, dict) and event.get("DurableExecutionArn"):
        tmp = os.path.join(folder, uuid.uuid4().hex)
        with open(tmp + ".tmp", "w") as f:
            json.dump(event, f)
        os.replace(tmp + ".tmp", tmp + ".json")
        deadline = time.time() + float(os.environ.get("CONF_HOLD_SECONDS", "20"))
        while time.time() < deadline and not os.path.exists(os.path.join(folder, "release")):
            time.sleep(0.1)
    return {"Status": "SUCCEEDED", "Result": json.dumps({"ok": True})}
"""

LAYER_PY = """\
VALUE = "from a layer"
"""


def make_zip(files: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in files.items():
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            z.writestr(info, text)
    return buf.getvalue()


FUNCTION_ZIP = make_zip({"app.py": APP_PY, "durable.py": DURABLE_PY})
LAYER_ZIP = make_zip({"python/conf_layer_mod.py": LAYER_PY})


def describe_error(op: str, e: Exception) -> str:
    if isinstance(e, ClientError):
        md = e.response.get("ResponseMetadata", {})
        err = e.response.get("Error", {})
        return f"{op} -> {md.get('HTTPStatusCode')} {err.get('Code')}: {str(err.get('Message'))[:160]}"
    return f"{op} -> {type(e).__name__}: {str(e)[:160]}"


class Run:
    """The client and the fixtures of one harness run."""

    def __init__(self, client, work_dir: str):
        self.client = client
        self.work_dir = work_dir
        self.event_dir = os.path.join(work_dir, "durable-events")
        os.makedirs(self.event_dir, exist_ok=True)
        self.counter = 0
        self._cache: dict = {}
        self.zip_counter = 0

    # -- basics --------------------------------------------------------------

    def uniq(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}-{self.counter}"

    def call(self, op: str, **params):
        try:
            resp = getattr(self.client, xform_name(op))(**params)
        except Exception as e:  # noqa: BLE001 - every failure is a prerequisite failure
            raise PrereqError("prerequisite " + describe_error(op, e)) from None
        resp.pop("ResponseMetadata", None)
        return resp

    def once(self, key, make):
        if key in self._cache:
            ok, value = self._cache[key]
            if ok:
                return value
            raise PrereqError(value)
        try:
            value = make()
        except PrereqError as e:
            self._cache[key] = (False, str(e))
            raise
        self._cache[key] = (True, value)
        return value

    def fresh_zip(self) -> bytes:
        """A package with different bytes each time (a new CodeSha256)."""
        self.zip_counter += 1
        return make_zip({"app.py": APP_PY + f"\n# build {self.zip_counter}\n", "durable.py": DURABLE_PY})

    # -- functions -----------------------------------------------------------

    def wait_ready(self, name: str, qualifier: str | None = None, timeout: float = 15.0):
        deadline = time.monotonic() + timeout
        params = {"FunctionName": name}
        if qualifier:
            params["Qualifier"] = qualifier
        while True:
            cfg = self.call("GetFunctionConfiguration", **params)
            if cfg.get("State") != "Pending" and cfg.get("LastUpdateStatus") != "InProgress":
                return cfg
            if time.monotonic() > deadline:
                raise PrereqError(f"prerequisite: function {name} still {cfg.get('State')}/{cfg.get('LastUpdateStatus')}")
            time.sleep(0.05)

    def create_fn(self, name: str, **extra) -> str:
        params = dict(
            FunctionName=name,
            Runtime="python3.12",
            Role=ROLE,
            Handler="app.handler",
            Code={"ZipFile": FUNCTION_ZIP},
            Timeout=30,
        )
        params.update(extra)
        self.call("CreateFunction", **params)
        self.wait_ready(name)
        return name

    def new_fn(self, prefix: str = "conf-s", **extra) -> str:
        return self.create_fn(self.uniq(prefix), **extra)

    def publish(self, name: str, description: str | None = None) -> str:
        self.wait_ready(name)
        params = {"FunctionName": name}
        if description:
            params["Description"] = description
        return self.call("PublishVersion", **params)["Version"]

    def touch(self, name: str):
        """Change the function's code so that a new version can be published."""
        self.call("UpdateFunctionCode", FunctionName=name, ZipFile=self.fresh_zip())
        self.wait_ready(name)

    def main_fn(self) -> str:
        """conf-fn: versions 1 and 2, aliases conf-alias (1), conf-alias-b (2),
        conf-alias-c (1)."""

        def make():
            self.create_fn(MAIN_FN, Tags={"conf-key": "conf-value"})
            self.publish(MAIN_FN)
            self.touch(MAIN_FN)
            self.publish(MAIN_FN)
            self.call("CreateAlias", FunctionName=MAIN_FN, Name="conf-alias", FunctionVersion="1")
            self.call("CreateAlias", FunctionName=MAIN_FN, Name="conf-alias-b", FunctionVersion="2")
            self.call("CreateAlias", FunctionName=MAIN_FN, Name="conf-alias-c", FunctionVersion="1")
            return MAIN_FN

        return self.once("main_fn", make)

    def own_fn(self, key: str, alias: bool = False, **extra) -> str:
        """A function that belongs to one operation's cases (conf-own-KEY);
        with alias=True it has version 1 and the alias "live" on it."""

        def make():
            name = self.create_fn(f"conf-own-{key}", **extra)
            if alias:
                version = self.publish(name)
                self.call("CreateAlias", FunctionName=name, Name="live", FunctionVersion=version)
            return name

        return self.once(("own", key), make)

    def config(self, name: str, qualifier: str | None = None) -> dict:
        params = {"FunctionName": name}
        if qualifier:
            params["Qualifier"] = qualifier
        return self.call("GetFunctionConfiguration", **params)

    def revision(self, name: str, qualifier: str | None = None) -> str:
        return self.config(name, qualifier)["RevisionId"]

    def alias_revision(self, name: str, alias: str) -> str:
        return self.call("GetAlias", FunctionName=name, Name=alias)["RevisionId"]

    def policy_revision(self, name: str, qualifier: str | None = None) -> str:
        params = {"FunctionName": name}
        if qualifier:
            params["Qualifier"] = qualifier
        return self.call("GetPolicy", **params)["RevisionId"]

    def add_statement(self, name: str, qualifier: str | None = None, sid: str | None = None) -> str:
        sid = sid or self.uniq("conf-sid")
        params = dict(FunctionName=name, StatementId=sid, Action="lambda:InvokeFunction", Principal="s3.amazonaws.com")
        if qualifier:
            params["Qualifier"] = qualifier
        self.call("AddPermission", **params)
        return sid

    def perm_fn(self, key: str = "perm") -> str:
        """conf-own-KEY with alias "live" and a statement "conf-base" on both."""

        def make():
            name = self.own_fn(key, alias=True)
            self.add_statement(name, sid="conf-base")
            self.add_statement(name, "live", sid="conf-base")
            return name

        return self.once(("perm_fn", key), make)

    def image_fn(self) -> str:
        """conf-own-image: a container image function."""
        return self.once("image_fn", self._make_image_fn)

    def _make_image_fn(self) -> str:
        name = "conf-own-image"
        self.call("CreateFunction", FunctionName=name, Role=ROLE, PackageType="Image", Code={"ImageUri": IMAGE_URI})
        self.wait_ready(name)
        return name

    def tenant_fn(self) -> str:
        return self.once("tenant_fn", lambda: self.create_fn("conf-tenant", TenancyConfig={"TenantIsolationMode": "PER_TENANT"}))

    def runtime_version_arn(self, name: str) -> str:
        cfg = self.config(name)
        arn = (cfg.get("RuntimeVersionConfig") or {}).get("RuntimeVersionArn")
        if not arn:
            raise PrereqError(f"prerequisite: GetFunctionConfiguration of {name} has no RuntimeVersionConfig.RuntimeVersionArn")
        return arn

    # -- concurrency, URLs, event invoke configs -------------------------------

    def concurrency_fn(self) -> str:
        def make():
            name = self.own_fn("concurrency")
            self.call("PutFunctionConcurrency", FunctionName=name, ReservedConcurrentExecutions=10)
            return name

        return self.once("concurrency_fn", make)

    def urls(self) -> str:
        """conf-fn with a function URL, and one on conf-alias."""

        def make():
            name = self.main_fn()
            self.call("CreateFunctionUrlConfig", FunctionName=name, AuthType="NONE")
            self.call("CreateFunctionUrlConfig", FunctionName=name, Qualifier="conf-alias", AuthType="NONE")
            return name

        return self.once("urls", make)

    def event_invoke_configs(self) -> str:
        def make():
            name = self.main_fn()
            self.call("PutFunctionEventInvokeConfig", FunctionName=name, MaximumRetryAttempts=1)
            self.call("PutFunctionEventInvokeConfig", FunctionName=name, Qualifier="conf-alias", MaximumRetryAttempts=1)
            return name

        return self.once("eic", make)

    def provisioned_configs(self) -> str:
        def make():
            name = self.main_fn()
            self.call("PutProvisionedConcurrencyConfig", FunctionName=name, Qualifier="conf-alias", ProvisionedConcurrentExecutions=1)
            self.call("PutProvisionedConcurrencyConfig", FunctionName=name, Qualifier="conf-alias-b", ProvisionedConcurrentExecutions=1)
            return name

        return self.once("pcc", make)

    # -- resource policies -----------------------------------------------------

    def policy_document(self, resource_arn: str, sid: str = "conformance") -> str:
        return json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": sid,
                        "Effect": "Allow",
                        "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                        "Action": "lambda:InvokeFunction",
                        "Resource": resource_arn,
                    }
                ],
            }
        )

    def resource_policy_fn(self) -> str:
        """conf-own-rp with a resource policy (PutResourcePolicy)."""

        def make():
            name = self.own_fn("rp")
            self.call("PutResourcePolicy", ResourceArn=fn_arn(name), Policy=self.policy_document(fn_arn(name)))
            return name

        return self.once("rp_fn", make)

    def resource_policy_revision(self, arn: str) -> str:
        return self.call("GetResourcePolicy", ResourceArn=arn)["RevisionId"]

    # -- layers ----------------------------------------------------------------

    def publish_layer(self, name: str) -> dict:
        return self.call(
            "PublishLayerVersion",
            LayerName=name,
            Content={"ZipFile": LAYER_ZIP},
            CompatibleRuntimes=["python3.12"],
            CompatibleArchitectures=["x86_64"],
        )

    def layer(self) -> dict:
        """conf-layer (versions 1 and 2) and conf-layer-b (1), all for python3.12."""

        def make():
            first = self.publish_layer("conf-layer")
            self.publish_layer("conf-layer")
            self.publish_layer("conf-layer-b")
            return {
                "name": "conf-layer",
                "arn": first["LayerArn"],
                "version": first["Version"],
                "version_arn": first["LayerVersionArn"],
            }

        return self.once("layer", make)

    def layer_policy(self, name: str = "conf-layer") -> dict:
        """Version 1 of the layer with a statement "conf-base"."""

        def make():
            self.layer()
            self.call(
                "AddLayerVersionPermission",
                LayerName=name,
                VersionNumber=1,
                StatementId="conf-base",
                Action="lambda:GetLayerVersion",
                Principal="*",
            )
            return {"name": name, "version": 1}

        return self.once(("layer_policy", name), make)

    def layer_policy_revision(self, name: str = "conf-layer") -> str:
        layer = self.layer_policy(name)
        return self.call("GetLayerVersionPolicy", LayerName=layer["name"], VersionNumber=layer["version"])["RevisionId"]

    # -- code signing ----------------------------------------------------------

    def csc(self, key: str = "main") -> str:
        def make():
            resp = self.call(
                "CreateCodeSigningConfig",
                Description=f"conformance {key}",
                AllowedPublishers={"SigningProfileVersionArns": [SIGNING_PROFILE]},
                CodeSigningPolicies={"UntrustedArtifactOnDeployment": "Warn"},
            )
            return resp["CodeSigningConfig"]["CodeSigningConfigArn"]

        return self.once(("csc", key), make)

    def new_csc(self) -> str:
        resp = self.call("CreateCodeSigningConfig", AllowedPublishers={"SigningProfileVersionArns": [SIGNING_PROFILE]})
        return resp["CodeSigningConfig"]["CodeSigningConfigArn"]

    def csc_with_functions(self) -> str:
        """The main code signing config, used by two functions."""

        def make():
            arn = self.csc()
            for key in ("csc-a", "csc-b"):
                self.call("PutFunctionCodeSigningConfig", FunctionName=self.own_fn(key), CodeSigningConfigArn=arn)
            return arn

        return self.once("csc_fns", make)

    # -- capacity providers ----------------------------------------------------

    def capacity_provider_params(self, name: str) -> dict:
        return dict(
            CapacityProviderName=name,
            VpcConfig={"SubnetIds": [SUBNET], "SecurityGroupIds": [SECURITY_GROUP]},
            PermissionsConfig={"CapacityProviderOperatorRoleArn": ROLE},
        )

    def wait_cp(self, name: str, timeout: float = 15.0):
        deadline = time.monotonic() + timeout
        while True:
            cp = self.call("GetCapacityProvider", CapacityProviderName=name)["CapacityProvider"]
            if cp.get("State") != "Pending" or time.monotonic() > deadline:
                return cp
            time.sleep(0.2)

    def cp(self, key: str = "main") -> str:
        def make():
            name = f"conf-cp-{key}"
            resp = self.call("CreateCapacityProvider", **self.capacity_provider_params(name))
            self.wait_cp(name)
            return resp["CapacityProvider"]["CapacityProviderArn"]

        return self.once(("cp", key), make)

    def new_cp(self) -> str:
        name = self.uniq("conf-cp-s")
        self.call("CreateCapacityProvider", **self.capacity_provider_params(name))
        self.wait_cp(name)
        return name

    def cp_fn(self) -> str:
        """conf-cp-fn on the main capacity provider, with versions 1 and 2."""

        def make():
            arn = self.cp()
            name = self.create_fn(
                "conf-cp-fn",
                MemorySize=2048,
                CapacityProviderConfig={"LambdaManagedInstancesCapacityProviderConfig": {"CapacityProviderArn": arn}},
            )
            self.publish(name)
            self.touch(name)
            self.publish(name)
            return name

        return self.once("cp_fn", make)

    # -- event source mappings -------------------------------------------------

    def queue(self, name: str) -> str:
        """An SQS queue on laminar's own SQS (mappings need a real one); its ARN."""

        def make():
            import boto3

            client = boto3.client(
                "sqs",
                endpoint_url=self.client.meta.endpoint_url,
                region_name=REGION,
                aws_access_key_id="conformance",
                aws_secret_access_key="conformance",
            )
            try:
                client.create_queue(QueueName=name)
            except Exception as e:  # noqa: BLE001 - a prerequisite failure
                raise PrereqError("prerequisite " + describe_error("CreateQueue", e)) from None
            return sqs(name)

        return self.once(("queue", name), make)

    def stream(self, name: str) -> str:
        """A Kinesis stream on laminar's own Kinesis (stream mappings need a real one); its ARN."""

        def make():
            import boto3

            client = boto3.client(
                "kinesis",
                endpoint_url=self.client.meta.endpoint_url,
                region_name=REGION,
                aws_access_key_id="conformance",
                aws_secret_access_key="conformance",
            )
            try:
                client.create_stream(StreamName=name, ShardCount=1)
            except Exception as e:  # noqa: BLE001 - a prerequisite failure
                raise PrereqError("prerequisite " + describe_error("CreateStream", e)) from None
            return f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/{name}"

        return self.once(("stream", name), make)

    def new_esm(self, function: str | None = None, queue: str | None = None) -> str:
        resp = self.call(
            "CreateEventSourceMapping",
            FunctionName=function or self.main_fn(),
            EventSourceArn=self.queue(queue or self.uniq("conf-q")),
            BatchSize=10,
        )
        return resp["UUID"]

    def esm(self, key: str = "main") -> str:
        return self.once(("esm", key), lambda: self.new_esm(queue=f"conf-q-{key}"))

    def esm_pair(self) -> str:
        """Two mappings on conf-fn (for paging); returns conf-fn."""

        def make():
            self.esm("main")
            self.esm("second")
            return self.main_fn()

        return self.once("esm_pair", make)

    # -- durable executions ----------------------------------------------------

    def durable_fn(self) -> str:
        def make():
            return self.create_fn(
                "conf-durable",
                Handler="durable.handler",
                DurableConfig={"ExecutionTimeout": 300, "RetentionPeriodInDays": 1},
                Environment={"Variables": {"CONF_EVENT_DIR": self.event_dir, "CONF_HOLD_SECONDS": "30"}},
            )

        return self.once("durable_fn", make)

    def start_execution(self) -> dict:
        """Starts a durable execution and waits for the event the function got."""
        name = self.durable_fn()
        execution = self.uniq("conf-exec")
        resp = self.call(
            "Invoke",
            FunctionName=name,
            InvocationType="Event",
            DurableExecutionName=execution,
            Payload=b'{"conformance": true}',
        )
        arn = resp.get("DurableExecutionArn")
        if arn is None:
            raise PrereqError("prerequisite: Invoke of a durable function returned no DurableExecutionArn")
        deadline = time.monotonic() + 8
        while time.monotonic() < deadline:
            for entry in sorted(os.listdir(self.event_dir)):
                if not entry.endswith(".json"):
                    continue
                try:
                    with open(os.path.join(self.event_dir, entry)) as f:
                        event = json.load(f)
                except (OSError, ValueError):
                    continue
                event_arn = event.get("DurableExecutionArn") if isinstance(event, dict) else None
                if event_arn and (arn is None or event_arn == arn) and event_arn.split("/")[-2] == execution:
                    os.remove(os.path.join(self.event_dir, entry))
                    token = event.get("CheckpointToken")
                    if not token:
                        raise PrereqError("prerequisite: the durable function's event has no CheckpointToken")
                    return {"arn": event_arn, "token": token, "name": execution, "function": name}
            time.sleep(0.1)
        raise PrereqError("prerequisite: the durable function was not given its execution event within 8 s")

    def durable(self, key: str = "main") -> dict:
        return self.once(("durable", key), self.start_execution)

    def checkpoint(self, updates: list) -> dict:
        execution = self.durable()
        resp = self.call(
            "CheckpointDurableExecution",
            DurableExecutionArn=execution["arn"],
            CheckpointToken=execution["token"],
            Updates=updates,
        )
        if resp.get("CheckpointToken"):
            execution["token"] = resp["CheckpointToken"]
        return resp

    def callback_id(self) -> str:
        op_id = self.uniq("callback")
        resp = self.checkpoint([{"Id": op_id, "Type": "CALLBACK", "Action": "START", "CallbackOptions": {"TimeoutSeconds": 600}}])
        for operation in resp.get("NewExecutionState", {}).get("Operations", []):
            if operation.get("Id") == op_id and operation.get("CallbackDetails", {}).get("CallbackId"):
                return operation["CallbackDetails"]["CallbackId"]
        raise PrereqError("prerequisite: CheckpointDurableExecution (CALLBACK START) returned no CallbackId")

    def release_durable(self):
        try:
            with open(os.path.join(self.event_dir, "release"), "w"):
                pass
        except OSError:
            pass


def client_context() -> str:
    return base64.b64encode(json.dumps({"custom": {"source": "conformance"}}).encode()).decode()
