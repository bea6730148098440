"""laminar's minimal S3 through real clients (boto3, its transfer manager,
the AWS CLI), and Lambda code taken from it: Code.S3Bucket/S3Key, layers
from S3, and LocalStack's hot-reload folders."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
import uuid

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from laminar_testing import AWS_ENV, REGION, ROLE, make_zip, wait_active, wait_updated

VIRTUAL_HOST_DOMAIN = "s3.localhost.localstack.cloud"


def s3_client(url: str, **s3_config):
    return boto3.client(
        "s3",
        endpoint_url=url,
        region_name=REGION,
        aws_access_key_id=AWS_ENV["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=AWS_ENV["AWS_SECRET_ACCESS_KEY"],
        config=Config(
            s3={"addressing_style": "path", **s3_config},
            retries={"total_max_attempts": 1, "mode": "standard"},
        ),
    )


@pytest.fixture
def s3(laminar):
    return s3_client(laminar.url)


@pytest.fixture
def bucket(s3):
    name = f"bkt-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name)
    return name


def md5_etag(data: bytes) -> str:
    return f'"{hashlib.md5(data).hexdigest()}"'


def error_of(excinfo) -> tuple[int, str, dict]:
    response = excinfo.value.response
    return (
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"]["Code"],
        response["Error"],
    )


# A SigV4 Authorization header naming S3 in its scope (laminar does not check
# signatures; the scope tells it which service a path-style request is for).
S3_AUTH = f"AWS4-HMAC-SHA256 Credential=testing/20250101/{REGION}/s3/aws4_request, SignedHeaders=host, Signature=x"


def raw_request(url: str, method: str, path: str, host: str | None = None, body=None, headers=None):
    """A plain HTTP request to laminar. Path-style requests carry an S3
    Authorization header; with `host` (virtual-hosted) none is sent."""
    request = urllib.request.Request(url + path, data=body, method=method)
    headers = dict(headers or {})
    if host is None:
        headers.setdefault("Authorization", S3_AUTH)
    for name, value in headers.items():
        request.add_header(name, value)
    if host is not None:
        request.add_header("Host", host)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
    except urllib.error.HTTPError as e:
        return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read()


# ---- buckets -------------------------------------------------------------


def test_bucket_lifecycle_and_errors(s3):
    name = f"life-{uuid.uuid4().hex[:10]}"
    created = s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    assert created["Location"] == f"/{name}"
    head = s3.head_bucket(Bucket=name)
    assert head["ResponseMetadata"]["HTTPHeaders"]["x-amz-bucket-region"] == "eu-west-1"
    assert s3.get_bucket_location(Bucket=name)["LocationConstraint"] == "eu-west-1"
    assert name in [b["Name"] for b in s3.list_buckets()["Buckets"]]

    with pytest.raises(ClientError) as again:
        s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    status, code, error = error_of(again)
    assert (status, code, error["BucketName"]) == (409, "BucketAlreadyOwnedByYou", name)

    # us-east-1 answers 200 to re-creating one's own bucket (legacy behaviour).
    east = f"east-{uuid.uuid4().hex[:10]}"
    s3.create_bucket(Bucket=east)
    assert s3.create_bucket(Bucket=east)["ResponseMetadata"]["HTTPStatusCode"] == 200

    with pytest.raises(ClientError) as invalid:
        s3.create_bucket(Bucket="Not_A_Valid_Bucket")
    assert error_of(invalid)[:2] == (400, "InvalidBucketName")

    s3.put_object(Bucket=name, Key="keep", Body=b"x")
    with pytest.raises(ClientError) as not_empty:
        s3.delete_bucket(Bucket=name)
    status, code, error = error_of(not_empty)
    assert (status, code, error["BucketName"]) == (409, "BucketNotEmpty", name)

    s3.delete_object(Bucket=name, Key="keep")
    assert s3.delete_bucket(Bucket=name)["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert name not in [b["Name"] for b in s3.list_buckets()["Buckets"]]

    with pytest.raises(ClientError) as gone:
        s3.head_bucket(Bucket=name)
    assert error_of(gone)[0] == 404
    with pytest.raises(ClientError) as no_bucket:
        s3.list_objects_v2(Bucket=name)
    status, code, error = error_of(no_bucket)
    assert (status, code, error["BucketName"]) == (404, "NoSuchBucket", name)
    assert error["Message"] == "The specified bucket does not exist"


def test_error_documents_are_s3_xml(laminar, bucket):
    status, headers, body = raw_request(laminar.url, "GET", f"/{bucket}/missing.txt")
    assert status == 404
    text = body.decode()
    assert "<Error><Code>NoSuchKey</Code>" in text
    assert "<Key>missing.txt</Key>" in text
    request_id = headers.get("x-amz-request-id")
    assert request_id and f"<RequestId>{request_id}</RequestId>" in text

    status, _, body = raw_request(laminar.url, "HEAD", f"/{bucket}/missing.txt")
    assert (status, body) == (404, b"")


# ---- objects -------------------------------------------------------------


def test_object_crud(s3, bucket):
    data = b"hello, laminar\n" * 10
    put = s3.put_object(
        Bucket=bucket,
        Key="docs/readme.txt",
        Body=data,
        ContentType="text/plain",
        Metadata={"Owner": "tests", "stage": "dev"},
        CacheControl="max-age=60",
    )
    assert put["ETag"] == md5_etag(data)

    got = s3.get_object(Bucket=bucket, Key="docs/readme.txt")
    assert got["Body"].read() == data
    assert got["ETag"] == md5_etag(data)
    assert got["ContentType"] == "text/plain"
    assert got["ContentLength"] == len(data)
    assert got["Metadata"] == {"owner": "tests", "stage": "dev"}
    assert got["CacheControl"] == "max-age=60"

    head = s3.head_object(Bucket=bucket, Key="docs/readme.txt")
    assert head["ContentLength"] == len(data)
    assert head["ETag"] == md5_etag(data)
    assert head["Metadata"]["stage"] == "dev"

    part = s3.get_object(Bucket=bucket, Key="docs/readme.txt", Range="bytes=7-13")
    assert part["ResponseMetadata"]["HTTPStatusCode"] == 206
    assert part["Body"].read() == data[7:14]
    assert part["ContentRange"] == f"bytes 7-13/{len(data)}"
    tail = s3.get_object(Bucket=bucket, Key="docs/readme.txt", Range="bytes=-5")
    assert tail["Body"].read() == data[-5:]
    with pytest.raises(ClientError) as bad_range:
        s3.get_object(Bucket=bucket, Key="docs/readme.txt", Range=f"bytes={len(data)}-")
    assert error_of(bad_range)[:2] == (416, "InvalidRange")

    replaced = b"second version"
    s3.put_object(Bucket=bucket, Key="docs/readme.txt", Body=replaced)
    again = s3.get_object(Bucket=bucket, Key="docs/readme.txt")
    assert again["Body"].read() == replaced
    assert again["ContentType"] == "binary/octet-stream"
    assert again["Metadata"] == {}

    copied = s3.copy_object(Bucket=bucket, Key="copy.txt", CopySource={"Bucket": bucket, "Key": "docs/readme.txt"})
    assert copied["CopyObjectResult"]["ETag"] == md5_etag(replaced)
    assert s3.get_object(Bucket=bucket, Key="copy.txt")["Body"].read() == replaced

    assert s3.delete_object(Bucket=bucket, Key="docs/readme.txt")["ResponseMetadata"]["HTTPStatusCode"] == 204
    with pytest.raises(ClientError) as missing:
        s3.get_object(Bucket=bucket, Key="docs/readme.txt")
    status, code, error = error_of(missing)
    assert (status, code, error["Key"]) == (404, "NoSuchKey", "docs/readme.txt")
    assert error["Message"] == "The specified key does not exist."
    with pytest.raises(ClientError) as missing_head:
        s3.head_object(Bucket=bucket, Key="docs/readme.txt")
    assert error_of(missing_head)[0] == 404
    with pytest.raises(ClientError) as too_long:
        s3.put_object(Bucket=bucket, Key="k" * 1025, Body=b"x")
    assert error_of(too_long)[:2] == (400, "KeyTooLongError")
    # Deleting what is not there succeeds, as in S3.
    assert s3.delete_object(Bucket=bucket, Key="never-existed")["ResponseMetadata"]["HTTPStatusCode"] == 204


def test_keys_with_special_characters_round_trip(s3, bucket):
    keys = ["with space.txt", "plus+sign", "ünïcödé/ключ", "a&b<c>.xml", "dir//double"]
    for key in keys:
        s3.put_object(Bucket=bucket, Key=key, Body=key.encode())
    for key in keys:
        assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == key.encode()
    # boto3 asks for encoding-type=url and decodes the answer.
    listed = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]]
    assert listed == sorted(keys, key=lambda k: k.encode())
    listed_v1 = [o["Key"] for o in s3.list_objects(Bucket=bucket)["Contents"]]
    assert listed_v1 == listed


def test_aws_chunked_uploads_are_decoded(laminar, s3, bucket):
    payload = b"chunked payload " * 100
    signature = "0" * 64
    signed = (
        f"{len(payload[:1000]):x};chunk-signature={signature}\r\n".encode()
        + payload[:1000]
        + b"\r\n"
        + f"{len(payload[1000:]):x};chunk-signature={signature}\r\n".encode()
        + payload[1000:]
        + b"\r\n"
        + f"0;chunk-signature={signature}\r\n\r\n".encode()
    )
    status, headers, _ = raw_request(
        laminar.url,
        "PUT",
        f"/{bucket}/signed-chunks",
        body=signed,
        headers={
                        "Content-Encoding": "aws-chunked",
            "x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
            "x-amz-decoded-content-length": str(len(payload)),
        },
    )
    assert status == 200
    assert headers["etag"] == md5_etag(payload)

    trailer = (
        f"{len(payload):x}\r\n".encode()
        + payload
        + b"\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n"
    )
    status, headers, _ = raw_request(
        laminar.url,
        "PUT",
        f"/{bucket}/unsigned-trailer",
        body=trailer,
        headers={
                        "Content-Encoding": "aws-chunked",
            "x-amz-content-sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
            "x-amz-trailer": "x-amz-checksum-crc32",
            "x-amz-decoded-content-length": str(len(payload)),
        },
    )
    assert status == 200
    for key in ("signed-chunks", "unsigned-trailer"):
        got = s3.get_object(Bucket=bucket, Key=key)
        assert got["Body"].read() == payload
        assert got["ETag"] == md5_etag(payload)
        assert "ContentEncoding" not in got

    # A streamed body from boto3 itself (it may frame it as aws-chunked with
    # a trailing checksum, depending on the botocore version).
    import io

    put = s3.put_object(Bucket=bucket, Key="streamed", Body=io.BytesIO(payload))
    assert put["ETag"] == md5_etag(payload)
    assert s3.get_object(Bucket=bucket, Key="streamed")["Body"].read() == payload


# ---- listing -------------------------------------------------------------


def test_listing_with_prefix_delimiter_and_paging(s3, bucket):
    keys = [f"logs/2024/{i:02d}.txt" for i in range(12)] + [f"logs/2025/{i:02d}.txt" for i in range(5)]
    keys += ["readme.md", "src/a.py", "src/b.py", "src/pkg/c.py"]
    for key in keys:
        s3.put_object(Bucket=bucket, Key=key, Body=key.encode())

    top = s3.list_objects_v2(Bucket=bucket, Delimiter="/")
    assert [o["Key"] for o in top["Contents"]] == ["readme.md"]
    assert [p["Prefix"] for p in top["CommonPrefixes"]] == ["logs/", "src/"]
    assert top["KeyCount"] == 3
    assert top["IsTruncated"] is False

    logs = s3.list_objects_v2(Bucket=bucket, Prefix="logs/", Delimiter="/")
    assert "Contents" not in logs
    assert [p["Prefix"] for p in logs["CommonPrefixes"]] == ["logs/2024/", "logs/2025/"]

    src = s3.list_objects_v2(Bucket=bucket, Prefix="src/")
    assert [o["Key"] for o in src["Contents"]] == ["src/a.py", "src/b.py", "src/pkg/c.py"]
    assert src["Contents"][0]["Size"] == len(b"src/a.py")
    assert src["Contents"][0]["ETag"] == md5_etag(b"src/a.py")

    first = s3.list_objects_v2(Bucket=bucket, MaxKeys=5)
    assert first["IsTruncated"] is True
    assert first["KeyCount"] == 5
    assert first["MaxKeys"] == 5
    second = s3.list_objects_v2(Bucket=bucket, MaxKeys=5, ContinuationToken=first["NextContinuationToken"])
    assert [o["Key"] for o in second["Contents"]] == sorted(keys)[5:10]

    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, PaginationConfig={"PageSize": 4})
    seen = [o["Key"] for page in pages for o in page.get("Contents", [])]
    assert seen == sorted(keys)

    grouped = s3.get_paginator("list_objects_v2").paginate(
        Bucket=bucket, Delimiter="/", Prefix="logs/2024/", PaginationConfig={"PageSize": 5}
    )
    assert [o["Key"] for page in grouped for o in page.get("Contents", [])] == keys[:12]

    after = s3.list_objects_v2(Bucket=bucket, StartAfter="logs/2025/03.txt")
    assert [o["Key"] for o in after["Contents"]][:2] == ["logs/2025/04.txt", "readme.md"]
    assert after["StartAfter"] == "logs/2025/03.txt"

    v1_pages = s3.get_paginator("list_objects").paginate(Bucket=bucket, PaginationConfig={"PageSize": 6})
    assert [o["Key"] for page in v1_pages for o in page.get("Contents", [])] == sorted(keys)
    v1 = s3.list_objects(Bucket=bucket, Delimiter="/", MaxKeys=1)
    assert v1["IsTruncated"] is True
    assert v1["NextMarker"] == "logs/"


# ---- addressing ----------------------------------------------------------


def test_virtual_hosted_requests(laminar, s3, bucket):
    port = urllib.parse.urlparse(laminar.url).port
    host = f"{bucket}.{VIRTUAL_HOST_DOMAIN}:{port}"

    status, headers, _ = raw_request(laminar.url, "PUT", "/notes/today.txt", host=host, body=b"virtual")
    assert status == 200
    assert headers["etag"] == md5_etag(b"virtual")
    assert s3.get_object(Bucket=bucket, Key="notes/today.txt")["Body"].read() == b"virtual"

    status, _, body = raw_request(laminar.url, "GET", "/notes/today.txt", host=host)
    assert (status, body) == (200, b"virtual")
    status, _, body = raw_request(laminar.url, "GET", "/?list-type=2&prefix=notes/", host=host)
    assert status == 200
    assert b"<Key>notes/today.txt</Key>" in body and b"<KeyCount>1</KeyCount>" in body
    status, _, body = raw_request(laminar.url, "GET", "/missing", host=host)
    assert status == 404 and b"<Code>NoSuchKey</Code>" in body

    # boto3 itself in virtual-hosted style: the bucket is moved into the Host
    # header just before sending (the *.localstack.cloud name does not
    # resolve here, so the connection still goes to laminar's address).
    virtual = s3_client(laminar.url, addressing_style="path")

    def to_virtual_host(request, **_):
        url = urllib.parse.urlsplit(request.url)
        prefix = f"/{bucket}"
        if url.path == prefix or url.path.startswith(prefix + "/"):
            path = url.path[len(prefix):] or "/"
            request.url = urllib.parse.urlunsplit((url.scheme, url.netloc, path, url.query, ""))
            request.headers["Host"] = host

    virtual.meta.events.register("before-send.s3", to_virtual_host)
    put = virtual.put_object(Bucket=bucket, Key="boto/virtual.txt", Body=b"via host")
    assert put["ETag"] == md5_etag(b"via host")
    assert virtual.get_object(Bucket=bucket, Key="boto/virtual.txt")["Body"].read() == b"via host"
    assert [o["Key"] for o in virtual.list_objects_v2(Bucket=bucket, Prefix="boto/")["Contents"]] == [
        "boto/virtual.txt"
    ]


# ---- transfer manager and CLI ---------------------------------------------


def test_upload_file_and_download_file(s3, bucket, tmp_path):
    source = tmp_path / "data.bin"
    data = os.urandom(3 * 1024 * 1024 + 17)
    source.write_bytes(data)
    s3.upload_file(str(source), bucket, "transfer/data.bin")
    target = tmp_path / "back.bin"
    s3.download_file(bucket, "transfer/data.bin", str(target))
    assert target.read_bytes() == data
    assert s3.head_object(Bucket=bucket, Key="transfer/data.bin")["ETag"] == md5_etag(data)


def test_multipart_uploads(s3, bucket, tmp_path):
    from boto3.s3.transfer import TransferConfig

    mib = 1024 * 1024
    source = tmp_path / "big.bin"
    data = os.urandom(12 * mib + 123)
    source.write_bytes(data)
    config = TransferConfig(multipart_threshold=5 * mib, multipart_chunksize=5 * mib)
    s3.upload_file(str(source), bucket, "big/data.bin", Config=config)
    head = s3.head_object(Bucket=bucket, Key="big/data.bin")
    assert head["ContentLength"] == len(data)
    chunks = [data[i : i + 5 * mib] for i in range(0, len(data), 5 * mib)]
    digests = b"".join(hashlib.md5(c).digest() for c in chunks)
    assert head["ETag"] == f'"{hashlib.md5(digests).hexdigest()}-{len(chunks)}"'
    target = tmp_path / "big-back.bin"
    s3.download_file(bucket, "big/data.bin", str(target))
    assert target.read_bytes() == data

    # The low-level calls: a small part that is not the last is refused.
    upload = s3.create_multipart_upload(Bucket=bucket, Key="small-parts", ContentType="text/plain")
    upload_id = upload["UploadId"]
    etags = [
        s3.upload_part(Bucket=bucket, Key="small-parts", UploadId=upload_id, PartNumber=n, Body=b"x" * 10)["ETag"]
        for n in (1, 2)
    ]
    parts = {"Parts": [{"PartNumber": n, "ETag": e} for n, e in zip((1, 2), etags)]}
    with pytest.raises(ClientError) as too_small:
        s3.complete_multipart_upload(Bucket=bucket, Key="small-parts", UploadId=upload_id, MultipartUpload=parts)
    assert error_of(too_small)[:2] == (400, "EntityTooSmall")
    with pytest.raises(ClientError) as wrong_etag:
        s3.complete_multipart_upload(
            Bucket=bucket,
            Key="small-parts",
            UploadId=upload_id,
            MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": '"0000"'}]},
        )
    assert error_of(wrong_etag)[:2] == (400, "InvalidPart")
    # A single part may be small; content type comes from the creation.
    done = s3.complete_multipart_upload(
        Bucket=bucket, Key="small-parts", UploadId=upload_id, MultipartUpload={"Parts": parts["Parts"][:1]}
    )
    assert done["ETag"].endswith('-1"')
    got = s3.get_object(Bucket=bucket, Key="small-parts")
    assert (got["Body"].read(), got["ContentType"]) == (b"x" * 10, "text/plain")

    aborted = s3.create_multipart_upload(Bucket=bucket, Key="aborted")["UploadId"]
    s3.abort_multipart_upload(Bucket=bucket, Key="aborted", UploadId=aborted)
    with pytest.raises(ClientError) as gone:
        s3.upload_part(Bucket=bucket, Key="aborted", UploadId=aborted, PartNumber=1, Body=b"x")
    assert error_of(gone)[:2] == (404, "NoSuchUpload")


def test_delete_objects(s3, bucket):
    for key in ("a", "b", "c&d"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    result = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "a"}, {"Key": "c&d"}, {"Key": "missing"}]})
    assert sorted(d["Key"] for d in result["Deleted"]) == ["a", "c&d", "missing"]
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["b"]
    quiet = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "b"}], "Quiet": True})
    assert "Deleted" not in quiet and "Errors" not in quiet
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0


def test_aws_cli_cp_and_ls(laminar, s3, bucket, tmp_path):
    env = dict(os.environ)
    env.update(AWS_ENV)
    aws = [sys.executable, "-m", "awscli", "--endpoint-url", laminar.url]
    source = tmp_path / "cli.txt"
    source.write_text("from the CLI\n")

    subprocess.run([*aws, "s3", "cp", str(source), f"s3://{bucket}/cli/cli.txt"], env=env, check=True, capture_output=True)
    assert s3.get_object(Bucket=bucket, Key="cli/cli.txt")["Body"].read() == b"from the CLI\n"

    listed = subprocess.run([*aws, "s3", "ls", f"s3://{bucket}/cli/"], env=env, check=True, capture_output=True, text=True)
    assert "cli.txt" in listed.stdout and " 13 " in listed.stdout
    buckets = subprocess.run([*aws, "s3", "ls"], env=env, check=True, capture_output=True, text=True)
    assert bucket in buckets.stdout

    # Past the CLI's 8 MiB threshold: a multipart upload and a ranged download.
    big = tmp_path / "big.bin"
    big_data = os.urandom(9 * 1024 * 1024)
    big.write_bytes(big_data)
    subprocess.run([*aws, "s3", "cp", str(big), f"s3://{bucket}/cli/big.bin"], env=env, check=True, capture_output=True)
    big_back = tmp_path / "big-back.bin"
    subprocess.run([*aws, "s3", "cp", f"s3://{bucket}/cli/big.bin", str(big_back)], env=env, check=True, capture_output=True)
    assert big_back.read_bytes() == big_data

    back = tmp_path / "back.txt"
    subprocess.run([*aws, "s3", "cp", f"s3://{bucket}/cli/cli.txt", str(back)], env=env, check=True, capture_output=True)
    assert back.read_text() == "from the CLI\n"


# ---- Lambda code from S3 ---------------------------------------------------


def returning(value: str) -> str:
    return f"def handler(event, context):\n    return {{'value': {value!r}}}\n"


def invoke_json(lambda_, name: str):
    response = lambda_.invoke(FunctionName=name, Payload=b"{}")
    assert "FunctionError" not in response, response["Payload"].read()
    return json.loads(response["Payload"].read())


def test_function_code_from_s3(lambda_, s3, bucket, function_name):
    first = make_zip({"app.py": returning("first")})
    s3.put_object(Bucket=bucket, Key="code/v1.zip", Body=first)
    created = lambda_.create_function(
        FunctionName=function_name,
        Runtime="python3.12",
        Role=ROLE,
        Handler="app.handler",
        Code={"S3Bucket": bucket, "S3Key": "code/v1.zip"},
    )
    assert created["CodeSha256"] == base64.b64encode(hashlib.sha256(first).digest()).decode()
    assert created["CodeSize"] == len(first)
    wait_active(lambda_, function_name)
    assert invoke_json(lambda_, function_name) == {"value": "first"}

    second = make_zip({"app.py": returning("second")})
    s3.put_object(Bucket=bucket, Key="code/v2.zip", Body=second)
    updated = lambda_.update_function_code(FunctionName=function_name, S3Bucket=bucket, S3Key="code/v2.zip")
    assert updated["CodeSha256"] == base64.b64encode(hashlib.sha256(second).digest()).decode()
    wait_updated(lambda_, function_name)
    assert invoke_json(lambda_, function_name) == {"value": "second"}


def test_layer_from_s3(lambda_, s3, bucket, function_name):
    layer_zip = make_zip({"python/greeting.py": "WORD = 'from the layer'\n"})
    s3.put_object(Bucket=bucket, Key="layers/greeting.zip", Body=layer_zip)
    layer = lambda_.publish_layer_version(
        LayerName=f"greeting-{uuid.uuid4().hex[:8]}",
        Content={"S3Bucket": bucket, "S3Key": "layers/greeting.zip"},
        CompatibleRuntimes=["python3.12"],
    )
    assert layer["Content"]["CodeSize"] == len(layer_zip)
    assert layer["Content"]["CodeSha256"] == base64.b64encode(hashlib.sha256(layer_zip).digest()).decode()
    source = "import greeting\n\ndef handler(event, context):\n    return {'value': greeting.WORD}\n"
    lambda_.create_function(
        FunctionName=function_name,
        Runtime="python3.12",
        Role=ROLE,
        Handler="app.handler",
        Code={"ZipFile": make_zip({"app.py": source})},
        Layers=[layer["LayerVersionArn"]],
    )
    wait_active(lambda_, function_name)
    assert invoke_json(lambda_, function_name) == {"value": "from the layer"}


def test_missing_code_in_s3_is_an_invalid_parameter(lambda_, bucket, function_name):
    base = dict(FunctionName=function_name, Runtime="python3.12", Role=ROLE, Handler="app.handler")
    with pytest.raises(ClientError) as missing_key:
        lambda_.create_function(**base, Code={"S3Bucket": bucket, "S3Key": "nope.zip"})
    status, code, error = error_of(missing_key)
    assert (status, code) == (400, "InvalidParameterValueException")
    assert error["Message"] == (
        "Error occurred while GetObject. S3 Error Code: NoSuchKey. "
        "S3 Error Message: The specified key does not exist."
    )
    with pytest.raises(ClientError) as missing_bucket:
        lambda_.create_function(**base, Code={"S3Bucket": f"no-{bucket}", "S3Key": "nope.zip"})
    assert error_of(missing_bucket)[1] == "InvalidParameterValueException"
    assert "S3 Error Code: NoSuchBucket" in error_of(missing_bucket)[2]["Message"]
    with pytest.raises(ClientError) as layer_missing:
        lambda_.publish_layer_version(LayerName="missing-layer", Content={"S3Bucket": bucket, "S3Key": "nope.zip"})
    assert error_of(layer_missing)[1] == "InvalidParameterValueException"
    with pytest.raises(ClientError):
        lambda_.get_function(FunctionName=function_name)


# ---- hot reload ----------------------------------------------------------


def test_hot_reload_runs_the_folder_live(lambda_, function_name, tmp_path):
    folder = tmp_path / "live"
    folder.mkdir()
    app = folder / "app.py"
    app.write_text(returning("one"))
    created = lambda_.create_function(
        FunctionName=function_name,
        Runtime="python3.12",
        Role=ROLE,
        Handler="app.handler",
        Code={"S3Bucket": "hot-reload", "S3Key": str(folder)},
    )
    assert created["CodeSize"] == 0
    assert created["CodeSha256"] == base64.b64encode(hashlib.sha256(str(folder).encode()).digest()).decode()
    wait_active(lambda_, function_name)
    assert invoke_json(lambda_, function_name) == {"value": "one"}
    assert invoke_json(lambda_, function_name) == {"value": "one"}

    # Same size, same second: neither a size check nor a 1 s mtime would see it.
    app.write_text(returning("two"))
    assert invoke_json(lambda_, function_name) == {"value": "two"}

    (folder / "helper.py").write_text("VALUE = 'three'\n")
    app.write_text("import helper\n\ndef handler(event, context):\n    return {'value': helper.VALUE}\n")
    assert invoke_json(lambda_, function_name) == {"value": "three"}
    assert lambda_.get_function(FunctionName=function_name)["Configuration"]["CodeSize"] == 0


def test_hot_reload_needs_an_absolute_existing_folder(lambda_, function_name, tmp_path):
    base = dict(FunctionName=function_name, Runtime="python3.12", Role=ROLE, Handler="app.handler")
    for key in ["relative/folder", str(tmp_path / "does-not-exist")]:
        with pytest.raises(ClientError) as bad:
            lambda_.create_function(**base, Code={"S3Bucket": "hot-reload", "S3Key": key})
        assert error_of(bad)[:2] == (400, "InvalidParameterValueException")


# ---- durability ------------------------------------------------------------


def test_objects_and_hot_reload_functions_survive_sigkill(laminar_factory, tmp_path):
    data_dir = tmp_path / "state"
    folder = tmp_path / "live"
    folder.mkdir()
    (folder / "app.py").write_text(returning("kept"))
    data = os.urandom(100_000)

    first = laminar_factory(data_dir=data_dir)
    s3 = s3_client(first.url)
    s3.create_bucket(Bucket="durable-bucket")
    put = s3.put_object(Bucket="durable-bucket", Key="blob.bin", Body=data, Metadata={"kept": "yes"})
    lambda_ = first.client()
    lambda_.create_function(
        FunctionName="hot-survivor",
        Runtime="python3.12",
        Role=ROLE,
        Handler="app.handler",
        Code={"S3Bucket": "hot-reload", "S3Key": str(folder)},
    )
    assert first.kill() == -9

    second = laminar_factory(data_dir=data_dir)
    s3 = s3_client(second.url)
    got = s3.get_object(Bucket="durable-bucket", Key="blob.bin")
    assert got["Body"].read() == data
    assert (got["ETag"], got["Metadata"]) == (put["ETag"], {"kept": "yes"})
    lambda_ = second.client()
    wait_active(lambda_, "hot-survivor")
    assert invoke_json(lambda_, "hot-survivor") == {"value": "kept"}
    (folder / "app.py").write_text(returning("edited"))
    assert invoke_json(lambda_, "hot-survivor") == {"value": "edited"}


def test_presigned_urls_reach_s3(s3, bucket):
    s3.put_object(Bucket=bucket, Key="shared.txt", Body=b"for anyone with the link")
    url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "shared.txt"})
    with urllib.request.urlopen(url, timeout=30) as response:
        assert response.read() == b"for anyone with the link"
    put = s3.generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": "uploaded.txt"})
    request = urllib.request.Request(put, data=b"sent by link", method="PUT")
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200
    assert s3.get_object(Bucket=bucket, Key="uploaded.txt")["Body"].read() == b"sent by link"


def test_listing_uploads_and_parts_is_not_implemented(s3, bucket):
    upload = s3.create_multipart_upload(Bucket=bucket, Key="big")["UploadId"]
    for call in (
        lambda: s3.list_multipart_uploads(Bucket=bucket),
        lambda: s3.list_parts(Bucket=bucket, Key="big", UploadId=upload),
    ):
        with pytest.raises(ClientError) as info:
            call()
        assert info.value.response["Error"]["Code"] == "NotImplemented"
        assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 501
    s3.abort_multipart_upload(Bucket=bucket, Key="big", UploadId=upload)
