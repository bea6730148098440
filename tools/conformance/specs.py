"""What the model alone cannot say: per operation, which resources the
members name, which members go together, and the extra valid and invalid
requests worth sending.

A spec's `values` are hints by path (a constant, or a function of the case's
Ctx); `minimal` lists members beyond the required ones without which AWS
refuses the request (the "required only" case sends required + minimal);
`exclude` takes members out of the "all members" case because they exclude
another member or need another kind of resource: each of them is then sent
in a case of its own (minimal + that member), or in the `variants` given;
`no_variant` members are never sent in a valid case (e.g. S3 code: there is
no S3 here).  `prepare(ctx)` runs before the request is built (valid cases
get fresh resources for operations that consume them).  `unknown` requests
name resources that do not exist; `invalid` adds requests beyond the ones
derived from the constraints.
"""

from __future__ import annotations

import datetime as dt
import uuid

from engine import OMIT, path_of, under
from fixtures import (
    ACCOUNT,
    EFS_ACCESS_POINT,
    S3FILES_ACCESS_POINT,
    FUNCTION_ZIP,
    IMAGE_URI,
    KMS_KEY,
    LAYER_ZIP,
    REGION,
    ROLE,
    SECURITY_GROUP,
    SIGNING_PROFILE,
    SUBNET,
    client_context,
    fn_arn,
    sqs,
)


class Marker:
    """A paging marker: taken from the same request with MaxItems=1."""

    def __repr__(self):
        return "<marker>"


MARKER = Marker()


class Spec:
    def __init__(
        self,
        op,
        values=None,
        minimal=(),
        exclude=None,
        no_variant=None,
        variants=(),
        prepare=None,
        unknown=(),
        invalid=(),
        enum_hook=None,
        forms=False,
        check=None,
        after=None,
        undo=None,
        boundaries=(),
        companions=None,
    ):
        self.op = op
        self.values = values or {}
        self.minimal = tuple(minimal)
        self.exclude = exclude or {}
        self.no_variant = no_variant or {}
        self.variants = list(variants)
        self.prepare = prepare
        self.unknown = list(unknown)
        self.invalid = list(invalid)
        self.enum_hook = enum_hook
        self.forms = forms
        self.check = check
        self.after = after
        self.undo = undo
        self.boundaries = list(boundaries)
        self.companions = dict(COMPANIONS)
        self.companions.update(companions or {})

    def excluded(self, path) -> bool:
        for table in (self.exclude, self.no_variant):
            if any(under(path, path_of(p)) for p in table):
                return True
        return False

    def never(self, path) -> bool:
        return any(under(path, path_of(p)) for p in self.no_variant)


SPECS: dict[str, Spec] = {}


def S(op, **kw):
    SPECS[op] = Spec(op, **kw)


def V(label, include=(), tags=None, **overrides):
    """A variant: minimal + `include` + overrides (path -> value)."""
    return {
        "label": label,
        "include": tuple(include),
        "overrides": {k.replace("__", "."): v for k, v in overrides.items()},
        "tags": dict(tags or {}),
    }


def spec_for(op) -> Spec:
    return SPECS.get(op) or Spec(op)


# Members that only make sense together: when a case includes the key, it
# includes the others too.
COMPANIONS = {
    "LoggingConfig.ApplicationLogLevel": ["LoggingConfig.LogFormat"],
    "LoggingConfig.SystemLogLevel": ["LoggingConfig.LogFormat"],
    "FileSystemConfigs": ["VpcConfig"],
}

# --------------------------------------------------------------------------
# Hints shared by every operation


def _uniq(prefix):
    return lambda c: c.run.uniq(prefix)


SHAPE_HINTS = {
    "RoleArn": ROLE,
    "KMSKeyArn": KMS_KEY,
    "KMSKeyArnNonEmpty": KMS_KEY,
    "SubnetId": SUBNET,
    "SecurityGroupId": SECURITY_GROUP,
    "FileSystemArn": EFS_ACCESS_POINT,
    "LocalMountPath": "/mnt/conformance",
    "Description": "conformance test",
    "Handler": "app.handler",
    "Runtime": "python3.12",
    "Tags": {"conf-key": "conf-value"},
    "EnvironmentVariables": {"CONF_VAR": "value"},
    "Architecture": "x86_64",
    "LayerVersionArn": lambda c: c.run.layer()["version_arn"],
    "CodeSigningConfigArn": lambda c: c.run.csc(),
    "Arn": sqs("conf-queue"),
    "DestinationArn": sqs("conf-destination"),
    "ResourceArn": sqs("conf-dlq"),
    "Principal": "s3.amazonaws.com",
    "Action": "lambda:InvokeFunction",
    "SourceOwner": ACCOUNT,
    "StatementId": _uniq("conf-sid"),
    "TagKey": "conf-key",
    "TagValue": "conf-value",
    "LogGroup": "/aws/lambda/conformance",
    "CapacityProviderArn": lambda c: c.run.cp(),
    "OrganizationId": "o-abcdefghij",
    "PrincipalOrgID": "o-abcdefghij",
    "EventSourceToken": "conformance-token",
    "ClientToken": _uniq("conf-token"),
    "CheckpointToken": lambda c: c.run.durable()["token"],
    "DurableExecutionArn": lambda c: c.run.durable()["arn"],
    "CallbackId": lambda c: c.run.callback_id(),
    "OperationId": _uniq("op"),
    "FunctionRuntimeArn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:runtime/conformance-runtime",
    "FunctionRuntimeAlias": "live",
    "InstanceType": "m7i.large",
    "ExecutionEnvironmentMemoryGiBPerVCpu": 2.0,
    "PerExecutionEnvironmentMaxConcurrency": 4,
    "AcceleratorMemoryGB": 16,
    "EphemeralStorageSize": 1024,
    "Timeout": 30,
    "MemorySize": 256,
    "MaxListItems": 10,
    "MaxItems": 10,
    "MaxLayerListItems": 10,
    "MaxFiftyListItems": 10,
    "MaxFunctionEventInvokeConfigListItems": 10,
    "MaxProvisionedConcurrencyConfigListItems": 10,
    "ItemCount": 10,
    "WorkingDirectory": "/var/task",
}

MEMBER_HINTS = {
    "Marker": MARKER,
    "ReservedConcurrentExecutions": 5,
    "ProvisionedConcurrentExecutions": 1,
    "Publish": True,
    "DryRun": False,
    "ErrorMessage": "conformance error",
    "ErrorType": "ConformanceError",
    "ErrorData": "{}",
    "StackTrace": ["conformance.py:1"],
}

PATH_HINTS = {
    "Code.ZipFile": FUNCTION_ZIP,
    "Code.ImageUri": IMAGE_URI,
    "Code.SourceKMSKeyArn": KMS_KEY,
    "Content.ZipFile": LAYER_ZIP,
    "TracingConfig.Mode": "Active",
    "SnapStart.ApplyOn": "PublishedVersions",
    "LoggingConfig.LogFormat": "JSON",
    "LoggingConfig.ApplicationLogLevel": "INFO",
    "LoggingConfig.SystemLogLevel": "INFO",
    "ImageConfig": {"EntryPoint": ["/lambda-entrypoint.sh"], "Command": ["app.handler"], "WorkingDirectory": "/var/task"},
    "DeadLetterConfig.TargetArn": sqs("conf-dlq"),
    "DurableConfig.ExecutionTimeout": 300,
    "DurableConfig.RetentionPeriodInDays": 7,
    "AllowedPublishers.SigningProfileVersionArns": [SIGNING_PROFILE],
    "CodeSigningPolicies.UntrustedArtifactOnDeployment": "Warn",
    "PropagateTags": {"Mode": "Explicit", "ExplicitTags": {"conf-key": "conf-value"}},
}

NO_S3 = "S3 code needs an S3 service (none here); ZipFile is the code source"

# --------------------------------------------------------------------------
# Helpers for the function-centred operations


def main_fn(c):
    return c.run.main_fn()


def missing_fn(c):
    return "conf-missing-function"


def unknown_function(member="FunctionName"):
    return ("function that does not exist", {member: missing_fn}, None)


def unknown_qualifier(value="99", member="Qualifier"):
    return (f"{member} {value} that does not exist", {member: value}, None)


def current_revision(name_of, qualifier_of=None):
    def get(c):
        return c.run.revision(name_of(c), qualifier_of(c) if qualifier_of else None)

    return get


STALE_REVISION = "00000000-0000-4000-8000-000000000000"

# --------------------------------------------------------------------------
# Functions

S3FILES_MOUNT = V(
    "S3 Files mount",
    include=("FileSystemConfigs", "VpcConfig"),
    FileSystemConfigs=[{"Arn": S3FILES_ACCESS_POINT, "LocalMountPath": "/mnt/conformance", "S3FilesConfig": {"DirectS3Read": "AUTO"}}],
)

CREATE_FUNCTION_EXCLUDE = {
    "FileSystemConfigs[].S3FilesConfig": "S3 Files mounts only: the 'S3 Files mount' variant",
    "Code.ImageUri": "container image package: the 'image package' variant",
    "ImageConfig": "container image package only: the 'image package' variant",
    "PublishTo": "functions on a capacity provider: the 'capacity provider' variant",
    "CapacityProviderConfig": "Lambda Managed Instances: the 'capacity provider' variant",
    "AcceleratorConfig": "accelerators run on a capacity provider: the 'capacity provider' variant",
    "SnapStart": "SnapStart excludes EFS and ephemeral storage above 512 MB: a case of its own",
    "TenancyConfig": "tenant isolation: a case of its own",
    "DurableConfig": "durable functions: a case of its own",
    "RuntimeConfig": "customer-managed runtimes: a case of its own",
}


def runtime_enum_hook(path, value):
    if path == "PackageType" and value == "Image":
        return {
            "include": ("Code.ImageUri",),
            "overrides": {"Code.ZipFile": OMIT, "Runtime": OMIT, "Handler": OMIT},
        }
    if path == "Runtime" and value.startswith(("java", "dotnet")):
        return {"overrides": {"Handler": "example::Handler::handle"}}
    return {}


def cf_name(c):
    return c.run.uniq("conf-cf")


def undo_function(c, params, resp):
    """An invalid CreateFunction that succeeded: remove what it made."""
    name = resp.get("FunctionName") or params.get("FunctionName")
    if isinstance(name, str) and name != "conf-fn":
        c.run.client.delete_function(FunctionName=name)


S(
    "CreateFunction",
    values={"FunctionName": cf_name},
    undo=undo_function,
    minimal=("Runtime", "Handler", "Code.ZipFile"),
    exclude=CREATE_FUNCTION_EXCLUDE,
    no_variant={
        "Code.S3Bucket": NO_S3,
        "Code.S3Key": NO_S3,
        "Code.S3ObjectVersion": NO_S3,
        "Code.S3ObjectStorageMode": NO_S3,
    },
    variants=[
        S3FILES_MOUNT,
        V(
            "image package",
            include=("Code.ImageUri", "ImageConfig", "PackageType"),
            PackageType="Image",
            Code__ZipFile=OMIT,
            Runtime=OMIT,
            Handler=OMIT,
        ),
        V(
            "capacity provider",
            include=("CapacityProviderConfig", "PublishTo", "Publish"),
            MemorySize=2048,
        ),
        V(
            "capacity provider with an accelerator",
            include=("CapacityProviderConfig", "AcceleratorConfig"),
            MemorySize=2048,
        ),
    ],
    boundaries=[
        ("FunctionName of 64 characters", {"FunctionName": lambda c: c.run.uniq("conf-cf").ljust(64, "x")}, ()),
        ("FunctionName as a full ARN", {"FunctionName": lambda c: fn_arn(c.run.uniq("conf-cf"))}, ()),
    ],
    enum_hook=runtime_enum_hook,
    invalid=[
        ("zip package without Runtime", {"Runtime": OMIT}, ()),
        ("ZipFile that is not a zip archive", {"Code.ZipFile": b"this is not a zip archive"}, ()),
        ("name of an existing function", {"FunctionName": main_fn}, ()),
        ("reserved environment variable AWS_REGION", {"Environment.Variables": {"AWS_REGION": "eu-west-1"}}, ("Environment",)),
    ],
    unknown=[
        ("code signing config that does not exist",
         {"CodeSigningConfigArn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:code-signing-config:csc-0000000000000000a"},
         "CodeSigningConfigNotFoundException"),
    ],
)


def read_fn_spec(op, qualifier="1", extra_unknown=(), **kw):
    S(
        op,
        values={"FunctionName": main_fn, "Qualifier": qualifier, **kw.pop("values", {})},
        forms=True,
        variants=[
            V("Qualifier $LATEST", include=("Qualifier",), Qualifier="$LATEST"),
            V("Qualifier is an alias", include=("Qualifier",), Qualifier="conf-alias"),
            V("FunctionName with a :version suffix", FunctionName=lambda c: f"{c.run.main_fn()}:1"),
        ]
        + list(kw.pop("variants", [])),
        unknown=[unknown_function(), unknown_qualifier("99"), unknown_qualifier("conf-missing-alias")] + list(extra_unknown),
        **kw,
    )


read_fn_spec("GetFunction")
read_fn_spec("GetFunctionConfiguration")

S(
    "ListFunctions",
    values={"FunctionVersion": "ALL", "MasterRegion": "ALL"},
    exclude={"MasterRegion": "Lambda@Edge replicas: a case of its own (with FunctionVersion ALL)"},
    variants=[V("MasterRegion ALL with FunctionVersion ALL", include=("MasterRegion", "FunctionVersion"))],
    prepare=lambda c: c.run.main_fn(),
)


def delete_fn_prepare(c):
    if c.valid:
        name = c.run.new_fn("conf-del")
        if c.includes("Qualifier"):
            c.v["qualifier"] = c.run.publish(name)
        c.v["fn"] = name
    else:
        c.v["fn"] = c.run.own_fn("delete", alias=True)
        c.v["qualifier"] = "99"


S(
    "DeleteFunction",
    values={"FunctionName": lambda c: c.v["fn"], "Qualifier": lambda c: c.v.get("qualifier", "1")},
    prepare=delete_fn_prepare,
    boundaries=[("FunctionName as a full ARN", {"FunctionName": lambda c: fn_arn(c.v["fn"])}, ())],
    unknown=[unknown_function(), unknown_qualifier("99")],
    invalid=[
        ("version that an alias points to",
         {"FunctionName": lambda c: c.run.own_fn("delete-aliased", alias=True), "Qualifier": "1"}, ("Qualifier",)),
    ],
)


def ufc_fn(c):
    return c.run.own_fn("update-code")


S(
    "UpdateFunctionCode",
    values={
        "FunctionName": ufc_fn,
        "ZipFile": lambda c: c.run.fresh_zip(),
        "RevisionId": current_revision(ufc_fn),
        "SourceKMSKeyArn": KMS_KEY,
        "ImageUri": IMAGE_URI,
    },
    minimal=("ZipFile",),
    exclude={
        "ImageUri": "image functions only: the 'image function' variant",
        "PublishTo": "functions on a capacity provider: the 'capacity provider function' variant",
        "DryRun": "a case of its own",
    },
    no_variant={"S3Bucket": NO_S3, "S3Key": NO_S3, "S3ObjectVersion": NO_S3, "S3ObjectStorageMode": NO_S3},
    variants=[
        V("image function", include=("ImageUri",), ZipFile=OMIT, FunctionName=lambda c: c.run.image_fn()),
        V("capacity provider function", include=("PublishTo", "Publish"), FunctionName=lambda c: c.run.cp_fn()),
        V("DryRun", include=("DryRun",), DryRun=True),
    ],
    invalid=[
        ("ZipFile that is not a zip archive", {"ZipFile": b"this is not a zip archive"}, ()),
        ("RevisionId that is not the current one", {"RevisionId": STALE_REVISION}, ("RevisionId",)),
        ("no code source at all", {"ZipFile": OMIT}, ()),
    ],
    unknown=[unknown_function()],
)


def ufcfg_fn(c):
    return c.run.own_fn("update-config")


S(
    "UpdateFunctionConfiguration",
    values={
        "FunctionName": ufcfg_fn,
        "RevisionId": current_revision(ufcfg_fn),
    },
    exclude={
        "FileSystemConfigs[].S3FilesConfig": "S3 Files mounts only: the 'S3 Files mount' variant",
        "ImageConfig": "image functions only: the 'image function' variant",
        "SnapStart": "SnapStart excludes EFS and ephemeral storage above 512 MB: a case of its own",
        "CapacityProviderConfig": "Lambda Managed Instances: a case of its own on the capacity provider function",
        "AcceleratorConfig": "accelerators: a case of its own on the capacity provider function",
        "DurableConfig": "durable functions: a case of its own",
        "RuntimeConfig": "customer-managed runtimes: a case of its own",
    },
    variants=[
        S3FILES_MOUNT,
        V("image function", include=("ImageConfig",), FunctionName=lambda c: c.run.image_fn()),
        V("capacity provider function", include=("CapacityProviderConfig",), FunctionName=lambda c: c.run.cp_fn()),
        V("accelerator on the capacity provider function", include=("AcceleratorConfig",), FunctionName=lambda c: c.run.cp_fn()),
    ],
    invalid=[
        ("RevisionId that is not the current one", {"RevisionId": STALE_REVISION}, ("RevisionId",)),
        ("reserved environment variable AWS_REGION", {"Environment.Variables": {"AWS_REGION": "eu-west-1"}}, ("Environment",)),
    ],
    unknown=[unknown_function()],
)

S("GetAccountSettings")


def invoke_check(c, resp):
    invocation = c.params.get("InvocationType") or "RequestResponse"
    if c.case.tags.get("durable") and not resp.get("DurableExecutionArn"):
        return "no DurableExecutionArn (X-Amz-Durable-Execution-Arn) for an invoke of a durable function"
    if invocation == "RequestResponse":
        if resp.get("StatusCode") != 200:
            return f"StatusCode {resp.get('StatusCode')} for a RequestResponse invoke"
        if resp.get("FunctionError"):
            return f"FunctionError {resp.get('FunctionError')}: {resp.get('Payload')!r:.200}"
    if invocation == "Event" and resp.get("StatusCode") != 202:
        return f"StatusCode {resp.get('StatusCode')} for an Event invoke (202 expected)"
    if invocation == "DryRun" and resp.get("StatusCode") != 204:
        return f"StatusCode {resp.get('StatusCode')} for a DryRun invoke (204 expected)"
    return None


def invocation_enum_hook(path, value):
    if path == "InvocationType":
        return {"tags": {"invocation": value}}
    return {}


S(
    "Invoke",
    values={
        "FunctionName": main_fn,
        "InvocationType": "RequestResponse",
        "LogType": "Tail",
        "ClientContext": lambda c: client_context(),
        "Payload": b'{"conformance": true}',
        "Qualifier": "conf-alias",
        "TenantId": "tenant-a",
        "DurableExecutionName": _uniq("conf-exec"),
    },
    forms=True,
    exclude={
        "TenantId": "functions with tenant isolation only: a case on conf-tenant",
        "DurableExecutionName": "durable functions only: a case on conf-durable",
    },
    variants=[
        V("tenant isolation function with TenantId", include=("TenantId",), FunctionName=lambda c: c.run.tenant_fn()),
        V(
            "durable function with DurableExecutionName",
            include=("DurableExecutionName", "InvocationType"),
            FunctionName=lambda c: c.run.durable_fn(),
            InvocationType="Event",
            tags={"durable": True},
        ),
        V("Qualifier is a version", include=("Qualifier",), Qualifier="1"),
    ],
    enum_hook=invocation_enum_hook,
    check=invoke_check,
    invalid=[
        ("Payload that is not JSON", {"Payload": b"{not json"}, ()),
        ("ClientContext that is not base64 JSON", {"ClientContext": "not base64 !"}, ("ClientContext",)),
    ],
    unknown=[unknown_function(), unknown_qualifier("99"), unknown_qualifier("conf-missing-alias")],
)

S(
    "InvokeAsync",
    values={"FunctionName": main_fn, "InvokeArgs": b'{"conformance": true}'},
    forms=True,
    unknown=[unknown_function()],
)


def stream_check(c, resp):
    events = resp.get("_events") or []
    kinds = [next(iter(e)) for e in events if e]
    if c.case.tags.get("invocation") == "DryRun":
        return None
    if not kinds or kinds[-1] != "InvokeComplete":
        return f"event stream did not end with InvokeComplete: {kinds}"
    complete = events[-1]["InvokeComplete"]
    if complete.get("ErrorCode"):
        return f"InvokeComplete.ErrorCode {complete.get('ErrorCode')}: {complete.get('ErrorDetails')}"
    return None


S(
    "InvokeWithResponseStream",
    values={
        "FunctionName": main_fn,
        "InvocationType": "RequestResponse",
        "LogType": "Tail",
        "ClientContext": lambda c: client_context(),
        "Payload": b'{"conformance": true}',
        "Qualifier": "conf-alias",
        "TenantId": "tenant-a",
    },
    forms=True,
    exclude={"TenantId": "functions with tenant isolation only: a case on conf-tenant"},
    variants=[V("tenant isolation function with TenantId", include=("TenantId",), FunctionName=lambda c: c.run.tenant_fn())],
    enum_hook=invocation_enum_hook,
    check=stream_check,
    invalid=[("Payload that is not JSON", {"Payload": b"{not json"}, ())],
    unknown=[unknown_function(), unknown_qualifier("99")],
)

# --------------------------------------------------------------------------
# Versions and aliases


def pv_fn(c):
    return c.run.own_fn("publish")


def pv_prepare(c):
    if c.valid:
        c.run.touch(pv_fn(c))


S(
    "PublishVersion",
    values={
        "FunctionName": pv_fn,
        "CodeSha256": lambda c: c.run.config(pv_fn(c))["CodeSha256"],
        "RevisionId": current_revision(pv_fn),
    },
    prepare=pv_prepare,
    exclude={"PublishTo": "functions on a capacity provider: a case on conf-cp-fn"},
    variants=[
        V(
            "capacity provider function with PublishTo",
            include=("PublishTo",),
            FunctionName=lambda c: c.run.cp_fn(),
        )
    ],
    invalid=[
        ("CodeSha256 that is not the current one", {"CodeSha256": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}, ("CodeSha256",)),
        ("RevisionId that is not the current one", {"RevisionId": STALE_REVISION}, ("RevisionId",)),
    ],
    unknown=[unknown_function()],
)

S(
    "ListVersionsByFunction",
    values={"FunctionName": main_fn},
    forms=True,
    unknown=[unknown_function()],
)


def alias_name(c):
    return c.run.uniq("conf-new-alias")


def undo_alias(c, params, resp):
    if resp.get("Name") and resp.get("Name") != "conf-alias":
        c.run.client.delete_alias(FunctionName="conf-fn", Name=resp["Name"])


S(
    "CreateAlias",
    undo=undo_alias,
    values={
        "FunctionName": main_fn,
        "Name": alias_name,
        "FunctionVersion": "1",
        "RoutingConfig": {"AdditionalVersionWeights": {"2": 0.25}},
    },
    forms=True,
    variants=[V("FunctionVersion $LATEST", FunctionVersion="$LATEST")],
    boundaries=[
        ("Name of 128 characters", {"Name": lambda c: c.run.uniq("conf-new-alias").ljust(128, "x")}, ()),
    ],
    invalid=[
        ("Name of an existing alias", {"Name": "conf-alias"}, ()),
        ("Name that is a number", {"Name": "123"}, ()),
        ("routing to the alias's own version", {"RoutingConfig": {"AdditionalVersionWeights": {"1": 0.5}}}, ("RoutingConfig",)),
    ],
    unknown=[unknown_function(), ("FunctionVersion 99 that does not exist", {"FunctionVersion": "99"}, None)],
)

S(
    "GetAlias",
    values={"FunctionName": main_fn, "Name": "conf-alias"},
    forms=True,
    unknown=[unknown_function(), ("alias that does not exist", {"Name": "conf-missing-alias"}, None)],
)


def ua_alias(c):
    def make():
        c.run.main_fn()
        c.run.call("CreateAlias", FunctionName="conf-fn", Name="conf-upd-alias", FunctionVersion="1")
        return "conf-upd-alias"

    return c.run.once("upd_alias", make)


S(
    "UpdateAlias",
    values={
        "FunctionName": main_fn,
        "Name": ua_alias,
        "FunctionVersion": "1",
        "RoutingConfig": {"AdditionalVersionWeights": {"2": 0.25}},
        "RevisionId": lambda c: c.run.alias_revision("conf-fn", ua_alias(c)),
    },
    invalid=[
        ("RevisionId that is not the current one", {"RevisionId": STALE_REVISION}, ("RevisionId",)),
        ("FunctionVersion 99 that does not exist", {"FunctionVersion": "99"}, ("FunctionVersion",)),
    ],
    unknown=[unknown_function(), ("alias that does not exist", {"Name": "conf-missing-alias"}, None)],
)


def da_prepare(c):
    fn = c.run.main_fn()
    if c.valid:
        name = c.run.uniq("conf-del-alias")
        c.run.call("CreateAlias", FunctionName=fn, Name=name, FunctionVersion="1")
        c.v["alias"] = name
    else:
        def make():
            c.run.call("CreateAlias", FunctionName=fn, Name="conf-del-alias-own", FunctionVersion="1")
            return "conf-del-alias-own"

        c.v["alias"] = c.run.once("del_alias_own", make)


S(
    "DeleteAlias",
    values={"FunctionName": main_fn, "Name": lambda c: c.v["alias"]},
    prepare=da_prepare,
    # no "alias that does not exist": AWS deletes aliases idempotently (204)
    unknown=[unknown_function()],
)

S(
    "ListAliases",
    values={"FunctionName": main_fn, "FunctionVersion": "1"},
    forms=True,
    unknown=[unknown_function()],
)

# --------------------------------------------------------------------------
# Tags


def tag_fn_arn(c):
    return fn_arn(c.run.own_fn("tags"))


TAGGABLE_VARIANTS = [
    V("Resource is a code signing config", Resource=lambda c: c.run.csc()),
    V("Resource is an event source mapping",
      Resource=lambda c: f"arn:aws:lambda:{REGION}:{ACCOUNT}:event-source-mapping:{c.run.esm()}"),
    V("Resource is a capacity provider", Resource=lambda c: c.run.cp()),
]
MISSING_FN_ARN = fn_arn("conf-missing-function")

S(
    "TagResource",
    values={"Resource": tag_fn_arn, "Tags": {"conf-key": "conf-value", "conf-other": "value"}},
    variants=TAGGABLE_VARIANTS,
    boundaries=[
        ("tag key of 128 characters", {"Tags": {"k" * 128: "v"}}, ()),
        ("tag value of 256 characters", {"Tags": {"conf-long": "v" * 256}}, ()),
        ("empty tag value", {"Tags": {"conf-empty": ""}}, ()),
    ],
    invalid=[
        ("tag key with the reserved aws: prefix", {"Tags": {"aws:conf": "v"}}, ()),
        ("Resource that is a function name, not an ARN", {"Resource": "conf-fn"}, ()),
    ],
    unknown=[("function that does not exist", {"Resource": MISSING_FN_ARN}, None)],
)


def untag_prepare(c):
    if c.valid:
        c.run.call("TagResource", Resource=c.v.get("resource") or tag_fn_arn(c), Tags={"conf-untag": "v"})


S(
    "UntagResource",
    values={"Resource": tag_fn_arn, "TagKeys": ["conf-untag"]},
    prepare=untag_prepare,
    unknown=[("function that does not exist", {"Resource": MISSING_FN_ARN}, None)],
)

S(
    "ListTags",
    values={"Resource": lambda c: fn_arn(c.run.main_fn())},
    variants=TAGGABLE_VARIANTS,
    unknown=[("function that does not exist", {"Resource": MISSING_FN_ARN}, None)],
)

# --------------------------------------------------------------------------
# Reserved concurrency


def conc_fn(c):
    return c.run.own_fn("put-concurrency")


S(
    "PutFunctionConcurrency",
    values={"FunctionName": conc_fn},
    boundaries=[("ReservedConcurrentExecutions 0", {"ReservedConcurrentExecutions": 0}, ())],
    invalid=[("reservation leaving less than 100 unreserved", {"ReservedConcurrentExecutions": 1000}, ())],
    unknown=[unknown_function()],
)

S(
    "GetFunctionConcurrency",
    values={"FunctionName": lambda c: c.run.concurrency_fn()},
    unknown=[unknown_function()],
)


def dfc_prepare(c):
    name = c.run.own_fn("delete-concurrency")
    if c.valid:
        c.run.call("PutFunctionConcurrency", FunctionName=name, ReservedConcurrentExecutions=5)


S(
    "DeleteFunctionConcurrency",
    values={"FunctionName": lambda c: c.run.own_fn("delete-concurrency")},
    prepare=dfc_prepare,
    unknown=[unknown_function()],
)

# --------------------------------------------------------------------------
# Function policies


def perm_fn(c):
    return c.run.perm_fn()


def perm_revision(c):
    return c.run.policy_revision(perm_fn(c), "live" if c.includes("Qualifier") else None)


S(
    "AddPermission",
    values={
        "FunctionName": perm_fn,
        "Qualifier": "live",
        "SourceArn": "arn:aws:s3:::conformance-bucket",
        "RevisionId": perm_revision,
        "FunctionUrlAuthType": "NONE",
        "InvokedViaFunctionUrl": True,
    },
    exclude={
        "FunctionUrlAuthType": "with Action lambda:InvokeFunctionUrl: a case of its own",
        "PrincipalOrgID": "with Principal '*': a case of its own",
        "EventSourceToken": "Alexa skills: a case of its own",
        "InvokedViaFunctionUrl": "with Principal '*': a case of its own",
    },
    variants=[
        V("function URL permission", include=("FunctionUrlAuthType",), Action="lambda:InvokeFunctionUrl", Principal="*"),
        V("organization permission", include=("PrincipalOrgID",), Principal="*"),
        V("Alexa skill permission", include=("EventSourceToken",), Principal="alexa-appkit.amazon.com",
          EventSourceToken="amzn1.ask.skill.conformance"),
        V("InvokeFunction through the function URL only", include=("InvokedViaFunctionUrl",), Principal="*"),
        V("Principal is an account id", Principal=ACCOUNT),
        V("Principal is an account root ARN", Principal=f"arn:aws:iam::{ACCOUNT}:root"),
    ],
    boundaries=[("StatementId of 100 characters", {"StatementId": lambda c: c.run.uniq("conf-sid").ljust(100, "x")}, ())],
    invalid=[
        ("StatementId already used", {"StatementId": "conf-base"}, ()),
        ("RevisionId that is not the current one", {"RevisionId": STALE_REVISION}, ("RevisionId",)),
    ],
    unknown=[unknown_function(), unknown_qualifier("conf-missing-alias")],
)


def rp_fn(c):
    return c.run.perm_fn("remove-perm")


def rp_prepare(c):
    name = rp_fn(c)
    if c.valid:
        qualifier = "live" if c.includes("Qualifier") else None
        c.v["sid"] = c.run.add_statement(name, qualifier)
    else:
        c.v["sid"] = "conf-base"


S(
    "RemovePermission",
    values={
        "FunctionName": rp_fn,
        "StatementId": lambda c: c.v["sid"],
        "Qualifier": "live",
        "RevisionId": lambda c: c.run.policy_revision(rp_fn(c), "live" if c.includes("Qualifier") else None),
    },
    prepare=rp_prepare,
    invalid=[("RevisionId that is not the current one", {"RevisionId": STALE_REVISION}, ("RevisionId",))],
    unknown=[
        unknown_function(),
        ("statement that does not exist", {"StatementId": "conf-missing-sid"}, None),
    ],
)

S(
    "GetPolicy",
    values={"FunctionName": perm_fn, "Qualifier": "live"},
    variants=[V("FunctionName as a full ARN", FunctionName=lambda c: fn_arn(perm_fn(c)))],
    unknown=[
        unknown_function(),
        ("function without a policy", {"FunctionName": lambda c: c.run.own_fn("no-policy")}, None),
    ],
)

# --------------------------------------------------------------------------
# Layers


def layer_name(c):
    return c.run.layer()["name"]


def layer_version(c):
    return c.run.layer()["version"]


S(
    "PublishLayerVersion",
    values={"LayerName": "conf-layer-pub", "CompatibleRuntimes": ["python3.12", "python3.13"]},
    minimal=("Content.ZipFile",),
    no_variant={
        "Content.S3Bucket": NO_S3,
        "Content.S3Key": NO_S3,
        "Content.S3ObjectVersion": NO_S3,
        "Content.S3ObjectStorageMode": NO_S3,
    },
    boundaries=[("LayerName of 140 characters", {"LayerName": lambda c: c.run.uniq("conf-layer").ljust(140, "x")}, ())],
    invalid=[("ZipFile that is not a zip archive", {"Content.ZipFile": b"not a zip"}, ())],
)

S(
    "GetLayerVersion",
    values={"LayerName": layer_name, "VersionNumber": layer_version},
    variants=[V("LayerName as an ARN", LayerName=lambda c: c.run.layer()["arn"])],
    unknown=[
        ("layer that does not exist", {"LayerName": "conf-missing-layer"}, None),
        ("version that does not exist", {"VersionNumber": 999}, None),
    ],
)

S(
    "GetLayerVersionByArn",
    values={"Arn": lambda c: c.run.layer()["version_arn"]},
    unknown=[("version that does not exist", {"Arn": lambda c: c.run.layer()["arn"] + ":999"}, None)],
)

S(
    "ListLayers",
    values={"CompatibleRuntime": "python3.12", "CompatibleArchitecture": "x86_64"},
    prepare=lambda c: c.run.layer(),
)

S(
    "ListLayerVersions",
    values={"LayerName": layer_name, "CompatibleRuntime": "python3.12", "CompatibleArchitecture": "x86_64"},
)


def dlv_prepare(c):
    if c.valid:
        c.v["version"] = c.run.publish_layer("conf-layer-del")["Version"]
    else:
        c.v["version"] = 1


S(
    "DeleteLayerVersion",
    values={"LayerName": "conf-layer-del", "VersionNumber": lambda c: c.v["version"]},
    prepare=dlv_prepare,
)


def lp_name(c):
    return c.run.layer_policy()["name"]


def lp_version(c):
    return c.run.layer_policy()["version"]


S(
    "AddLayerVersionPermission",
    values={
        "LayerName": lp_name,
        "VersionNumber": lp_version,
        "Action": "lambda:GetLayerVersion",
        "Principal": "*",
        "RevisionId": lambda c: c.run.layer_policy_revision(),
    },
    variants=[
        V("Principal is an account id", Principal=ACCOUNT),
        V("Principal is an account root ARN", Principal=f"arn:aws:iam::{ACCOUNT}:root"),
    ],
    invalid=[
        ("StatementId already used", {"StatementId": "conf-base"}, ()),
        ("RevisionId that is not the current one", {"RevisionId": STALE_REVISION}, ("RevisionId",)),
    ],
    unknown=[
        ("layer that does not exist", {"LayerName": "conf-missing-layer"}, None),
        ("version that does not exist", {"VersionNumber": 999}, None),
    ],
)


def rlvp_layer(c):
    return c.run.layer_policy("conf-layer-b")


def rlvp_prepare(c):
    layer = rlvp_layer(c)
    if c.valid:
        sid = c.run.uniq("conf-lsid")
        c.run.call(
            "AddLayerVersionPermission",
            LayerName=layer["name"],
            VersionNumber=layer["version"],
            StatementId=sid,
            Action="lambda:GetLayerVersion",
            Principal=ACCOUNT,
        )
        c.v["sid"] = sid
    else:
        c.v["sid"] = "conf-base"


S(
    "RemoveLayerVersionPermission",
    values={
        "LayerName": lambda c: rlvp_layer(c)["name"],
        "VersionNumber": lambda c: rlvp_layer(c)["version"],
        "StatementId": lambda c: c.v["sid"],
        "RevisionId": lambda c: c.run.layer_policy_revision("conf-layer-b"),
    },
    prepare=rlvp_prepare,
    invalid=[("RevisionId that is not the current one", {"RevisionId": STALE_REVISION}, ("RevisionId",))],
    unknown=[("statement that does not exist", {"StatementId": "conf-missing-sid"}, None)],
)

S(
    "GetLayerVersionPolicy",
    values={"LayerName": lp_name, "VersionNumber": lp_version},
    unknown=[
        ("layer that does not exist", {"LayerName": "conf-missing-layer"}, None),
        ("version that does not exist", {"VersionNumber": 999}, None),
    ],
)

# --------------------------------------------------------------------------
# Code signing

MISSING_CSC = f"arn:aws:lambda:{REGION}:{ACCOUNT}:code-signing-config:csc-0000000000000000a"

S(
    "CreateCodeSigningConfig",
    values={"AllowedPublishers.SigningProfileVersionArns": [SIGNING_PROFILE]},
)

S(
    "GetCodeSigningConfig",
    values={"CodeSigningConfigArn": lambda c: c.run.csc()},
    unknown=[("code signing config that does not exist", {"CodeSigningConfigArn": MISSING_CSC}, None)],
)

S(
    "UpdateCodeSigningConfig",
    values={"CodeSigningConfigArn": lambda c: c.run.csc("update")},
    unknown=[("code signing config that does not exist", {"CodeSigningConfigArn": MISSING_CSC}, None)],
)


def dcsc_prepare(c):
    c.v["arn"] = c.run.new_csc() if c.valid else c.run.csc("delete")


S(
    "DeleteCodeSigningConfig",
    values={"CodeSigningConfigArn": lambda c: c.v["arn"]},
    prepare=dcsc_prepare,
    unknown=[("code signing config that does not exist", {"CodeSigningConfigArn": MISSING_CSC}, None)],
)

S("ListCodeSigningConfigs", prepare=lambda c: (c.run.csc(), c.run.csc("second")))

S(
    "PutFunctionCodeSigningConfig",
    values={"FunctionName": lambda c: c.run.own_fn("put-csc"), "CodeSigningConfigArn": lambda c: c.run.csc()},
    unknown=[
        unknown_function(),
        ("code signing config that does not exist", {"CodeSigningConfigArn": MISSING_CSC}, "CodeSigningConfigNotFoundException"),
    ],
)

S(
    "GetFunctionCodeSigningConfig",
    values={"FunctionName": lambda c: (c.run.csc_with_functions(), c.run.own_fn("csc-a"))[1]},
    unknown=[unknown_function()],
)


def dfcsc_prepare(c):
    name = c.run.own_fn("delete-csc")
    if c.valid:
        c.run.call("PutFunctionCodeSigningConfig", FunctionName=name, CodeSigningConfigArn=c.run.csc())


S(
    "DeleteFunctionCodeSigningConfig",
    values={"FunctionName": lambda c: c.run.own_fn("delete-csc")},
    prepare=dfcsc_prepare,
    unknown=[unknown_function()],
)

S(
    "ListFunctionsByCodeSigningConfig",
    values={"CodeSigningConfigArn": lambda c: c.run.csc_with_functions()},
    unknown=[("code signing config that does not exist", {"CodeSigningConfigArn": MISSING_CSC}, None)],
)

# --------------------------------------------------------------------------
# Event source mappings: the "all members" case is an SQS mapping; the
# members of other kinds of source are sent in variants of their own.

ESM_STREAM = (
    "StartingPosition",
    "StartingPositionTimestamp",
    "ParallelizationFactor",
    "DestinationConfig",
    "MaximumRecordAgeInSeconds",
    "BisectBatchOnFunctionError",
    "MaximumRetryAttempts",
    "TumblingWindowInSeconds",
)
ESM_KAFKA = (
    "Topics",
    "SelfManagedEventSource",
    "SelfManagedKafkaEventSourceConfig",
    "AmazonManagedKafkaEventSourceConfig",
    "ProvisionedPollerConfig",
)
ESM_OTHER = ("Queues", "SourceAccessConfigurations", "DocumentDBEventSourceConfig")
MSK = f"arn:aws:kafka:{REGION}:{ACCOUNT}:cluster/conformance/11111111-2222-3333-4444-555555555555-1"
MQ = f"arn:aws:mq:{REGION}:{ACCOUNT}:broker:conformance:b-11111111-2222-3333-4444-555555555555"
DOCDB = f"arn:aws:rds:{REGION}:{ACCOUNT}:cluster:conformance"
SECRET = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:conformance-AbCdEf"


def esm_source(c):
    return c.run.queue(c.run.uniq("conf-q"))


def kinesis_source(c):
    """A stream of its own per case, created first: AWS refuses a mapping on
    a stream that does not exist."""
    return c.run.stream(c.run.uniq("conformance"))


def unique_source(arn):
    """A source of its own per case: a second mapping of one function to one
    source is a conflict, as in AWS."""
    return lambda c: f"{arn}-{c.run.uniq('src')}"


ESM_VALUES = {
    "FunctionName": main_fn,
    "EventSourceArn": esm_source,
    "BatchSize": 10,
    "MaximumBatchingWindowInSeconds": 1,
    "ScalingConfig.MaximumConcurrency": 2,
    "FilterCriteria.Filters": [{"Pattern": '{"body": {"kind": ["conformance"]}}'}],
    "FunctionResponseTypes": ["ReportBatchItemFailures"],
    "MetricsConfig.Metrics": ["EventCount"],
    "StartingPosition": "LATEST",
    "StartingPositionTimestamp": OMIT,
    "ParallelizationFactor": 2,
    "MaximumRecordAgeInSeconds": 3600,
    "MaximumRetryAttempts": 2,
    "TumblingWindowInSeconds": 60,
    "DestinationConfig": {"OnFailure": {"Destination": sqs("conf-destination")}},
    "Topics": ["conformance"],
    "Queues": ["conformance"],
    "SelfManagedEventSource": {"Endpoints": {"KAFKA_BOOTSTRAP_SERVERS": ["kafka.example.com:9092"]}},
    "SourceAccessConfigurations": [{"Type": "BASIC_AUTH", "URI": SECRET}],
    "SelfManagedKafkaEventSourceConfig": {"ConsumerGroupId": "conformance"},
    "AmazonManagedKafkaEventSourceConfig": {"ConsumerGroupId": "conformance"},
    "ProvisionedPollerConfig": {"MinimumPollers": 1, "MaximumPollers": 2},
    "DocumentDBEventSourceConfig": {"DatabaseName": "conformance", "CollectionName": "items", "FullDocument": "Default"},
}


def esm_variants(for_update=False):
    stream = V(
        "Kinesis stream source",
        include=ESM_STREAM,
        EventSourceArn=kinesis_source,
        ScalingConfig=OMIT,
        MaximumBatchingWindowInSeconds=OMIT,
        FunctionResponseTypes=OMIT,
    )
    at_timestamp = V(
        "Kinesis stream from a timestamp",
        include=("StartingPosition", "StartingPositionTimestamp"),
        EventSourceArn=kinesis_source,
        StartingPosition="AT_TIMESTAMP",
        StartingPositionTimestamp=lambda c: dt.datetime.now(dt.timezone.utc).replace(microsecond=0) - dt.timedelta(hours=1),
    )
    kafka = V(
        "self-managed Kafka source",
        include=("Topics", "SelfManagedEventSource", "SelfManagedKafkaEventSourceConfig", "SourceAccessConfigurations",
                 "ProvisionedPollerConfig", "StartingPosition"),
        EventSourceArn=OMIT,
    )
    msk = V(
        "Amazon MSK source",
        include=("Topics", "AmazonManagedKafkaEventSourceConfig", "StartingPosition"),
        EventSourceArn=unique_source(MSK),
    )
    mq = V("Amazon MQ source", include=("Queues", "SourceAccessConfigurations"), EventSourceArn=MQ)
    docdb = V(
        "DocumentDB source",
        include=("DocumentDBEventSourceConfig", "SourceAccessConfigurations", "StartingPosition"),
        EventSourceArn=unique_source(DOCDB),
    )
    if for_update:
        return []
    return [stream, at_timestamp, kafka, msk, mq, docdb]


def esm_enum_hook(path, value):
    if path in ("StartingPosition",) or path.startswith(("SourceAccessConfigurations", "SelfManagedKafkaEventSourceConfig",
                                                        "AmazonManagedKafkaEventSourceConfig", "DocumentDBEventSourceConfig")):
        return None  # only valid with their kind of source: covered by the variants
    return {}


S(
    "CreateEventSourceMapping",
    values=ESM_VALUES,
    minimal=("EventSourceArn", "MaximumBatchingWindowInSeconds"),
    exclude={p: "not for an SQS source: see the variants" for p in ESM_STREAM + ESM_KAFKA + ESM_OTHER},
    variants=esm_variants(),
    enum_hook=esm_enum_hook,
    unknown=[unknown_function()],
    invalid=[("BatchSize above 10 without a batching window", {"BatchSize": 11, "MaximumBatchingWindowInSeconds": OMIT}, ())],
)

MISSING_UUID = "00000000-0000-4000-8000-000000000000"

S(
    "GetEventSourceMapping",
    values={"UUID": lambda c: c.run.esm()},
    unknown=[("mapping that does not exist", {"UUID": MISSING_UUID}, None)],
)

S(
    "UpdateEventSourceMapping",
    values={**ESM_VALUES, "UUID": lambda c: c.run.esm("update")},
    # The mapping updated reads an SQS queue: stream, Kafka, MQ and DocumentDB
    # settings are refused for it, as AWS refuses them.
    no_variant={p: "not for an SQS source" for p in ESM_STREAM + ESM_KAFKA + ESM_OTHER},
    minimal=("BatchSize", "MaximumBatchingWindowInSeconds"),
    enum_hook=esm_enum_hook,
    unknown=[("mapping that does not exist", {"UUID": MISSING_UUID}, None)],
)


def desm_prepare(c):
    c.v["uuid"] = c.run.new_esm() if c.valid else c.run.esm("delete")


S(
    "DeleteEventSourceMapping",
    values={"UUID": lambda c: c.v["uuid"]},
    prepare=desm_prepare,
    unknown=[("mapping that does not exist", {"UUID": MISSING_UUID}, None)],
)

S(
    "ListEventSourceMappings",
    values={"FunctionName": lambda c: c.run.esm_pair(), "EventSourceArn": sqs("conf-q-main")},
    exclude={"EventSourceArn": "filters down to one mapping: a case of its own"},
)

# --------------------------------------------------------------------------
# Function URLs

URL_CORS = {
    "AllowCredentials": True,
    "AllowHeaders": ["x-conformance"],
    "AllowMethods": ["GET", "POST"],
    "AllowOrigins": ["https://example.com"],
    "ExposeHeaders": ["x-conformance"],
    "MaxAge": 60,
}


def curl_prepare(c):
    if c.valid:
        name = c.run.new_fn("conf-url")
        if c.includes("Qualifier"):
            version = c.run.publish(name)
            c.run.call("CreateAlias", FunctionName=name, Name="live", FunctionVersion=version)
        c.v["fn"] = name
    else:
        c.v["fn"] = c.run.own_fn("create-url", alias=True)


S(
    "CreateFunctionUrlConfig",
    values={"FunctionName": lambda c: c.v["fn"], "Qualifier": "live", "Cors": URL_CORS},
    prepare=curl_prepare,
    invalid=[
        ("function that already has a URL", {"FunctionName": lambda c: c.run.urls()}, ()),
        ("Qualifier that is a version number", {"Qualifier": "1"}, ("Qualifier",)),
    ],
    unknown=[unknown_function(), unknown_qualifier("conf-missing-alias")],
)

S(
    "GetFunctionUrlConfig",
    values={"FunctionName": lambda c: c.run.urls(), "Qualifier": "conf-alias"},
    unknown=[
        unknown_function(),
        ("function without a URL", {"FunctionName": lambda c: c.run.own_fn("no-url")}, None),
    ],
)


def uurl_fn(c):
    def make():
        name = c.run.own_fn("update-url", alias=True)
        c.run.call("CreateFunctionUrlConfig", FunctionName=name, AuthType="NONE")
        c.run.call("CreateFunctionUrlConfig", FunctionName=name, Qualifier="live", AuthType="NONE")
        return name

    return c.run.once("uurl", make)


S(
    "UpdateFunctionUrlConfig",
    values={"FunctionName": uurl_fn, "Qualifier": "live", "Cors": URL_CORS},
    unknown=[
        unknown_function(),
        ("function without a URL", {"FunctionName": lambda c: c.run.own_fn("no-url")}, None),
    ],
)


def durl_prepare(c):
    if c.valid:
        name = c.run.new_fn("conf-url")
        params = {"FunctionName": name, "AuthType": "NONE"}
        if c.includes("Qualifier"):
            version = c.run.publish(name)
            c.run.call("CreateAlias", FunctionName=name, Name="live", FunctionVersion=version)
            params["Qualifier"] = "live"
        c.run.call("CreateFunctionUrlConfig", **params)
        c.v["fn"] = name
    else:
        def make():
            name = c.run.own_fn("delete-url", alias=True)
            c.run.call("CreateFunctionUrlConfig", FunctionName=name, AuthType="NONE")
            c.run.call("CreateFunctionUrlConfig", FunctionName=name, Qualifier="live", AuthType="NONE")
            return name

        c.v["fn"] = c.run.once("durl_own", make)


S(
    "DeleteFunctionUrlConfig",
    values={"FunctionName": lambda c: c.v["fn"], "Qualifier": "live"},
    prepare=durl_prepare,
    unknown=[unknown_function(), ("function without a URL", {"FunctionName": lambda c: c.run.own_fn("no-url")}, None)],
)

S(
    "ListFunctionUrlConfigs",
    values={"FunctionName": lambda c: c.run.urls()},
    unknown=[unknown_function()],
)

# --------------------------------------------------------------------------
# Event invoke configs

EIC_VALUES = {
    "MaximumRetryAttempts": 1,
    "MaximumEventAgeInSeconds": 3600,
    "DestinationConfig": {
        "OnSuccess": {"Destination": sqs("conf-on-success")},
        "OnFailure": {"Destination": sqs("conf-on-failure")},
    },
}


def eic_fn(c):
    return c.run.own_fn("eic", alias=True)


S(
    "PutFunctionEventInvokeConfig",
    values={"FunctionName": eic_fn, "Qualifier": "live", **EIC_VALUES},
    unknown=[unknown_function(), unknown_qualifier("conf-missing-alias")],
)


def ueic_prepare(c):
    name = eic_fn(c)
    params = {"FunctionName": name, "MaximumRetryAttempts": 0}
    if c.includes("Qualifier"):
        params["Qualifier"] = "live"
    c.run.call("PutFunctionEventInvokeConfig", **params)


S(
    "UpdateFunctionEventInvokeConfig",
    values={"FunctionName": eic_fn, "Qualifier": "live", **EIC_VALUES},
    prepare=ueic_prepare,
    unknown=[unknown_function(), ("function without an event invoke config",
                                  {"FunctionName": lambda c: c.run.own_fn("no-eic")}, None)],
)

S(
    "GetFunctionEventInvokeConfig",
    values={"FunctionName": lambda c: c.run.event_invoke_configs(), "Qualifier": "conf-alias"},
    unknown=[unknown_function(), ("function without an event invoke config",
                                  {"FunctionName": lambda c: c.run.own_fn("no-eic")}, None)],
)


def deic_prepare(c):
    if c.valid:
        ueic_prepare(c)


S(
    "DeleteFunctionEventInvokeConfig",
    values={"FunctionName": eic_fn, "Qualifier": "live"},
    prepare=deic_prepare,
    unknown=[unknown_function()],
)

S(
    "ListFunctionEventInvokeConfigs",
    values={"FunctionName": lambda c: c.run.event_invoke_configs()},
    unknown=[unknown_function()],
)

# --------------------------------------------------------------------------
# Provisioned concurrency


def pc_fn(c):
    return c.run.own_fn("provisioned", alias=True)


S(
    "PutProvisionedConcurrencyConfig",
    values={"FunctionName": pc_fn, "Qualifier": "live"},
    invalid=[("Qualifier $LATEST", {"Qualifier": "$LATEST"}, ())],
    unknown=[unknown_function(), unknown_qualifier("conf-missing-alias")],
)

S(
    "GetProvisionedConcurrencyConfig",
    values={"FunctionName": lambda c: c.run.provisioned_configs(), "Qualifier": "conf-alias"},
    unknown=[
        unknown_function(),
        ("alias without provisioned concurrency", {"Qualifier": "conf-alias-c"}, "ProvisionedConcurrencyConfigNotFoundException"),
    ],
)


def dpc_prepare(c):
    if c.valid:
        c.run.call("PutProvisionedConcurrencyConfig", FunctionName=pc_fn(c), Qualifier="live", ProvisionedConcurrentExecutions=1)


S(
    "DeleteProvisionedConcurrencyConfig",
    values={"FunctionName": pc_fn, "Qualifier": "live"},
    prepare=dpc_prepare,
    unknown=[unknown_function(), unknown_qualifier("conf-missing-alias")],
)

S(
    "ListProvisionedConcurrencyConfigs",
    values={"FunctionName": lambda c: c.run.provisioned_configs()},
    unknown=[unknown_function()],
)

# --------------------------------------------------------------------------
# Recursion, runtime management, scaling, resource policies

S("GetFunctionRecursionConfig", values={"FunctionName": main_fn}, unknown=[unknown_function()])
S("PutFunctionRecursionConfig", values={"FunctionName": lambda c: c.run.own_fn("recursion")}, unknown=[unknown_function()])

S(
    "GetRuntimeManagementConfig",
    values={"FunctionName": main_fn, "Qualifier": "1"},
    variants=[V("Qualifier $LATEST", include=("Qualifier",), Qualifier="$LATEST")],
    unknown=[unknown_function(), unknown_qualifier("99")],
)


def rm_fn(c):
    return c.run.own_fn("runtime-management")


def rm_enum_hook(path, value):
    if path == "UpdateRuntimeOn" and value == "Manual":
        return {"include": ("RuntimeVersionArn",)}
    if path == "UpdateRuntimeOn":
        return {"overrides": {"RuntimeVersionArn": OMIT}}
    return {}


S(
    "PutRuntimeManagementConfig",
    values={
        "FunctionName": rm_fn,
        "Qualifier": "$LATEST",
        "UpdateRuntimeOn": lambda c: "Manual" if c.includes("RuntimeVersionArn") else "Auto",
        "RuntimeVersionArn": lambda c: c.run.runtime_version_arn(rm_fn(c)),
    },
    enum_hook=rm_enum_hook,
    invalid=[("UpdateRuntimeOn Manual without RuntimeVersionArn", {"UpdateRuntimeOn": "Manual", "RuntimeVersionArn": OMIT}, ())],
    unknown=[unknown_function()],
)

S(
    "GetFunctionScalingConfig",
    values={"FunctionName": lambda c: c.run.cp_fn(), "Qualifier": "1"},
    unknown=[unknown_function(), unknown_qualifier("99")],
)

S(
    "PutFunctionScalingConfig",
    values={
        "FunctionName": lambda c: c.run.cp_fn(),
        "Qualifier": "1",
        "FunctionScalingConfig": {"MinExecutionEnvironments": 0, "MaxExecutionEnvironments": 15000},
    },
    variants=[V("Qualifier $LATEST.PUBLISHED", Qualifier="$LATEST.PUBLISHED")],
    invalid=[("MinExecutionEnvironments above MaxExecutionEnvironments",
              {"FunctionScalingConfig": {"MinExecutionEnvironments": 3, "MaxExecutionEnvironments": 2}}, ())],
    unknown=[unknown_function(), unknown_qualifier("99")],
)


def rp_arn(c):
    return fn_arn(c.run.resource_policy_fn())


S(
    "GetResourcePolicy",
    values={"ResourceArn": rp_arn},
    unknown=[
        ("function that does not exist", {"ResourceArn": MISSING_FN_ARN}, None),
        ("function without a resource policy", {"ResourceArn": lambda c: fn_arn(c.run.own_fn("no-policy"))}, None),
    ],
)


def prp_arn(c):
    return fn_arn(c.run.own_fn("put-rp"))


def prp_prepare(c):
    if c.valid and c.includes("RevisionId"):
        arn = prp_arn(c)
        c.run.call("PutResourcePolicy", ResourceArn=arn, Policy=c.run.policy_document(arn, "conf-base"))


S(
    "PutResourcePolicy",
    values={
        "ResourceArn": prp_arn,
        "Policy": lambda c: c.run.policy_document(prp_arn(c)),
        "RevisionId": lambda c: c.run.resource_policy_revision(prp_arn(c)),
    },
    prepare=prp_prepare,
    invalid=[
        ("Policy that is not JSON", {"Policy": "{not json"}, ()),
        ("RevisionId that is not the current one", {"RevisionId": STALE_REVISION}, ("RevisionId",)),
    ],
    unknown=[("function that does not exist", {"ResourceArn": MISSING_FN_ARN,
                                               "Policy": lambda c: c.run.policy_document(MISSING_FN_ARN)}, None)],
)


def drp_arn(c):
    return fn_arn(c.run.own_fn("delete-rp"))


def drp_prepare(c):
    def put():
        c.run.call("PutResourcePolicy", ResourceArn=drp_arn(c), Policy=c.run.policy_document(drp_arn(c)))
        return True

    if c.valid:
        put()
    else:
        c.run.once("drp_policy", put)


S(
    "DeleteResourcePolicy",
    values={"ResourceArn": drp_arn, "RevisionId": lambda c: c.run.resource_policy_revision(drp_arn(c))},
    prepare=drp_prepare,
    invalid=[("RevisionId that is not the current one", {"RevisionId": STALE_REVISION}, ("RevisionId",))],
    unknown=[("function that does not exist", {"ResourceArn": MISSING_FN_ARN}, None)],
)

# --------------------------------------------------------------------------
# Capacity providers

CP_VALUES = {
    "CapacityProviderName": lambda c: c.run.uniq("conf-cp-new"),
    "VpcConfig": {"SubnetIds": [SUBNET], "SecurityGroupIds": [SECURITY_GROUP]},
    "InstanceRequirements": {"Architectures": ["x86_64"], "AllowedInstanceTypes": ["m7i.large"]},
    "CapacityProviderScalingConfig": {
        "MaxVCpuCount": 16,
        "ScalingMode": "Manual",
        "ScalingPolicies": [{"PredefinedMetricType": "LambdaCapacityProviderAverageCPUUtilization", "TargetValue": 50.0}],
    },
    "TelemetryConfig": {"LoggingConfig": {"SystemLogLevel": "INFO", "LogGroup": "/aws/lambda/conformance"}},
}

S(
    "CreateCapacityProvider",
    values=CP_VALUES,
    variants=[V("excluded instance types", include=("InstanceRequirements",),
                InstanceRequirements={"Architectures": ["x86_64"], "ExcludedInstanceTypes": ["m7i.large"]})],
    boundaries=[("CapacityProviderName of 140 characters",
                 {"CapacityProviderName": lambda c: c.run.uniq("conf-cp-new").ljust(140, "x")}, ())],
)

MISSING_CP = "conf-missing-cp"

S(
    "GetCapacityProvider",
    values={"CapacityProviderName": lambda c: c.run.cp()},
    variants=[V("CapacityProviderName as a name", CapacityProviderName=lambda c: (c.run.cp(), "conf-cp-main")[1])],
    unknown=[("capacity provider that does not exist", {"CapacityProviderName": MISSING_CP}, None)],
)

S(
    "UpdateCapacityProvider",
    values={**CP_VALUES, "CapacityProviderName": lambda c: c.run.cp("update")},
    unknown=[("capacity provider that does not exist", {"CapacityProviderName": MISSING_CP}, None)],
)


def dcp_prepare(c):
    c.v["cp"] = c.run.new_cp() if c.valid else c.run.cp("delete")


S(
    "DeleteCapacityProvider",
    values={"CapacityProviderName": lambda c: c.v["cp"]},
    prepare=dcp_prepare,
    unknown=[("capacity provider that does not exist", {"CapacityProviderName": MISSING_CP}, None)],
)

S(
    "ListCapacityProviders",
    values={"State": "Active"},
    prepare=lambda c: (c.run.cp(), c.run.cp("second")),
)

S(
    "ListFunctionVersionsByCapacityProvider",
    values={"CapacityProviderName": lambda c: (c.run.cp_fn(), c.run.cp())[1]},
    unknown=[("capacity provider that does not exist", {"CapacityProviderName": MISSING_CP}, None)],
)

# --------------------------------------------------------------------------
# Durable executions: the harness plays the durable SDK's part (the durable
# function hands it its checkpoint token through a file, see fixtures.py).


def missing_execution(c):
    return fn_arn("conf-durable", "$LATEST") + "/durable-execution/conf-missing/" + str(uuid.UUID(int=0))


UNKNOWN_EXECUTION = [("durable execution that does not exist", {"DurableExecutionArn": missing_execution}, None)]

CHECKPOINT_STEP = [{"Id": "placeholder", "Type": "STEP", "Action": "START", "Name": "conformance step"}]


def checkpoint_after(c, resp):
    if resp and resp.get("CheckpointToken"):
        try:
            main = c.run.durable()
            if (getattr(c, "params", None) or {}).get("DurableExecutionArn", main["arn"]) == main["arn"]:
                main["token"] = resp["CheckpointToken"]
        except Exception:  # noqa: BLE001
            pass


def step(action, **extra):
    return lambda c: [dict({"Id": c.run.uniq("step"), "Type": "STEP", "Action": action, "Name": "conformance step"}, **extra)]


def checkpoint_enum_hook(path, value):
    # An update must be coherent to succeed: the EXECUTION operation has no
    # START (it only completes the execution: a variant on an execution of
    # its own), a WAIT needs its WaitOptions and CANCEL applies to a WAIT
    # (variants below).
    if (path, value) in (("Updates[].Type", "EXECUTION"), ("Updates[].Type", "WAIT"), ("Updates[].Action", "CANCEL")):
        return None
    return {}


def own_execution(c) -> dict:
    if "own" not in c.v:
        c.v["own"] = c.run.start_execution()
    return c.v["own"]


S(
    "CheckpointDurableExecution",
    values={"Updates": step("START")},
    after=checkpoint_after,
    enum_hook=checkpoint_enum_hook,
    variants=[
        V("EXECUTION operation succeeds the execution", include=("Updates",),
          DurableExecutionArn=lambda c: own_execution(c)["arn"],
          CheckpointToken=lambda c: own_execution(c)["token"],
          Updates=lambda c: [{"Id": own_execution(c)["arn"].split("/")[-1], "Type": "EXECUTION", "Action": "SUCCEED",
                              "Payload": '"done"'}]),
        V("WAIT operation cancelled", include=("Updates",),
          Updates=lambda c: (lambda i: [
              {"Id": i, "Type": "WAIT", "Action": "START", "WaitOptions": {"WaitSeconds": 60}},
              {"Id": i, "Type": "WAIT", "Action": "CANCEL"},
          ])(c.run.uniq("wait"))),
        V("WAIT operation", include=("Updates",),
          Updates=lambda c: [{"Id": c.run.uniq("wait"), "Type": "WAIT", "Action": "START", "WaitOptions": {"WaitSeconds": 60}}]),
        V("CALLBACK operation", include=("Updates",),
          Updates=lambda c: [{"Id": c.run.uniq("cb"), "Type": "CALLBACK", "Action": "START",
                              "CallbackOptions": {"TimeoutSeconds": 600, "HeartbeatTimeoutSeconds": 60}}]),
        V("CONTEXT operation", include=("Updates",),
          Updates=lambda c: [{"Id": c.run.uniq("ctx"), "Type": "CONTEXT", "Action": "START", "SubType": "Parallel",
                              "ContextOptions": {"ReplayChildren": False}}]),
        V("CHAINED_INVOKE operation", include=("Updates",),
          Updates=lambda c: [{"Id": c.run.uniq("chain"), "Type": "CHAINED_INVOKE", "Action": "START",
                              "Payload": "{}", "ChainedInvokeOptions": {"FunctionName": c.run.main_fn()}}]),
        V("STEP succeeded with a payload", include=("Updates",),
          Updates=lambda c: (lambda i: [
              {"Id": i, "Type": "STEP", "Action": "START"},
              {"Id": i, "Type": "STEP", "Action": "SUCCEED", "Payload": '"done"'},
          ])(c.run.uniq("step"))),
        V("STEP retried after an error", include=("Updates",),
          Updates=lambda c: (lambda i: [
              {"Id": i, "Type": "STEP", "Action": "START"},
              {"Id": i, "Type": "STEP", "Action": "RETRY", "StepOptions": {"NextAttemptDelaySeconds": 1},
               "Error": {"ErrorType": "ConformanceError", "ErrorMessage": "retry me"}},
          ])(c.run.uniq("step"))),
    ],
    unknown=UNKNOWN_EXECUTION,
    invalid=[("CheckpointToken that was never issued", {"CheckpointToken": "bm90LWEtdG9rZW4="}, ())],
)

S("GetDurableExecution", values={"IncludeExecutionData": True}, unknown=UNKNOWN_EXECUTION)


def two_operations(c):
    """Paging needs two items: a checkpointed STEP adds an operation and
    events beside the EXECUTION operation and ExecutionStarted."""
    c.run.once("durable-step", lambda: c.run.checkpoint(step("START")(c)))


S("GetDurableExecutionHistory", values={"IncludeExecutionData": True, "ReverseOrder": False}, unknown=UNKNOWN_EXECUTION,
  prepare=two_operations)
S("GetDurableExecutionState", unknown=[("durable execution that does not exist",
                                        {"DurableExecutionArn": missing_execution}, "InvalidParameterValueException")],
  prepare=two_operations)

S(
    "ListDurableExecutionsByFunction",
    values={
        "FunctionName": lambda c: c.run.durable()["function"],
        "Qualifier": "$LATEST",
        "DurableExecutionName": lambda c: c.run.durable()["name"],
        "Statuses": ["RUNNING"],
        "StartedAfter": lambda c: dt.datetime.now(dt.timezone.utc).replace(microsecond=0) - dt.timedelta(hours=1),
        "StartedBefore": lambda c: dt.datetime.now(dt.timezone.utc).replace(microsecond=0) + dt.timedelta(hours=1),
        "ReverseOrder": True,
    },
    exclude={"DurableExecutionName": "one execution: no second page; a case of its own"},
    prepare=lambda c: c.run.durable() and c.run.start_execution(),
    unknown=[unknown_function()],
)


def scratch_execution(c):
    if c.valid:
        c.v["execution"] = c.run.start_execution()["arn"]
    else:
        c.v["execution"] = c.run.durable(c.case.op)["arn"]


def paused_execution(c):
    scratch_execution(c)
    if c.valid:
        c.run.call("PauseDurableExecution", DurableExecutionArn=c.v["execution"])


for _op in ("PauseDurableExecution", "StopDurableExecution", "DeleteDurableExecution"):
    S(_op, values={"DurableExecutionArn": lambda c: c.v["execution"]}, prepare=scratch_execution, unknown=UNKNOWN_EXECUTION)
S("ResumeDurableExecution", values={"DurableExecutionArn": lambda c: c.v["execution"]}, prepare=paused_execution,
  unknown=UNKNOWN_EXECUTION)

UNKNOWN_CALLBACK = [("callback that does not exist", {"CallbackId": "Y29uZm9ybWFuY2UtbWlzc2luZw=="}, None)]
S("SendDurableExecutionCallbackSuccess", values={"Result": b'"done"'}, unknown=UNKNOWN_CALLBACK)
S("SendDurableExecutionCallbackFailure", unknown=UNKNOWN_CALLBACK)
S("SendDurableExecutionCallbackHeartbeat", unknown=UNKNOWN_CALLBACK)
