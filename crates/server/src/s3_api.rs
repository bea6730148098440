//! S3 on the wire: REST-XML, path-style (`/bucket/key`) and virtual-hosted
//! (`bucket.s3.<anything>`).

mod chunked;
mod listing;
mod multipart;
mod notification;
mod xml;

use axum::body::Body;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};
use axum::response::Response;
use base64::Engine;
use laminar_lambda::Scope;
use laminar_s3::{Created, ObjectInfo, Origin, PutObjectInput, S3Error, S3Service};
use percent_encoding::{percent_decode_str, AsciiSet, NON_ALPHANUMERIC};
use std::collections::BTreeMap;
use xml::Xml;

/// Uploads are held in memory whole; beyond this S3 callers should use
/// multipart uploads, which laminar does not offer.
const PUT_BODY_MAX_BYTES: usize = 512 * 1024 * 1024;
const MAX_KEYS_DEFAULT: usize = 1000;
/// S3 keys are at most 1024 bytes of UTF-8.
const KEY_MAX_BYTES: usize = 1024;
/// Headers stored with an object and sent back with it.
const STORED_HEADERS: &[&str] = &[
    "cache-control",
    "content-disposition",
    "content-encoding",
    "content-language",
    "expires",
];
/// Bucket sub-resources laminar does not implement.
const UNSUPPORTED_SUBRESOURCES: &[&str] = &[
    "acl",
    "analytics",
    "cors",
    "encryption",
    "intelligent-tiering",
    "inventory",
    "lifecycle",
    "logging",
    "metrics",
    "object-lock",
    "ownershipControls",
    "policy",
    "policyStatus",
    "publicAccessBlock",
    "replication",
    "requestPayment",
    "retention",
    "legal-hold",
    "tagging",
    "torrent",
    "versioning",
    "versions",
    "website",
    "accelerate",
    "attributes",
    "restore",
    "select",
];
/// What S3 leaves unencoded in keys with `encoding-type=url`.
const KEY_ENCODE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~')
    .remove(b'/');

/// `s3.localhost`, `bucket.s3.localhost.localstack.cloud`, `bucket.s3.us-east-1.amazonaws.com`, …
pub fn is_s3_host(host: &str) -> bool {
    let host = host.split(':').next().unwrap_or_default();
    host.starts_with("s3.") || host.contains(".s3.")
}

/// The bucket a virtual-hosted request names in its host
/// (`bucket.s3.<anything>`), if it is one.
fn bucket_from_host(host: &str) -> Option<&str> {
    let host = host.split(':').next().unwrap_or_default();
    let index = host.find(".s3.")?;
    Some(&host[..index]).filter(|b| !b.is_empty())
}

/// Which bucket and key a request addresses.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Address {
    pub bucket: Option<String>,
    pub key: Option<String>,
}

pub(crate) fn address(uri: &Uri, headers: &HeaderMap) -> Address {
    let decode = |s: &str| percent_decode_str(s).decode_utf8_lossy().into_owned();
    let path = uri.path().strip_prefix('/').unwrap_or(uri.path());
    let host = headers
        .get("host")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let (bucket, key) = match bucket_from_host(host) {
        Some(bucket) => (Some(bucket.to_string()), path),
        None => match path.split_once('/') {
            Some((bucket, key)) => (Some(decode(bucket)), key),
            None => (Some(decode(path)), ""),
        },
    };
    Address {
        bucket: bucket.filter(|b| !b.is_empty()),
        key: Some(decode(key)).filter(|k| !k.is_empty()),
    }
}

/// One request, with what every operation reads.
struct Call<'a> {
    s3: &'a S3Service,
    scope: &'a Scope,
    headers: &'a HeaderMap,
    query: Vec<(String, String)>,
    request_id: &'a str,
}

impl Call<'_> {
    fn query(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn has_query(&self, name: &str) -> bool {
        self.query.iter().any(|(k, _)| k == name)
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The request, as an event record names it.
    fn origin(&self) -> Origin {
        Origin {
            request_id: self.request_id.to_string(),
            principal: self.scope.account.clone(),
            source_ip: String::new(),
        }
    }
}

pub async fn serve(
    s3: &S3Service,
    scope: &Scope,
    method: Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: Body,
) -> Response {
    let request_id = uuid::Uuid::new_v4().simple().to_string().to_uppercase();
    let address = address(uri, headers);
    let call = Call {
        s3,
        scope,
        headers,
        query: serde_urlencoded::from_str(uri.query().unwrap_or_default()).unwrap_or_default(),
        request_id: &request_id,
    };
    let head = method == Method::HEAD;
    let result = route(&call, &method, &address, body).await;
    let mut response = match result {
        Ok(response) => response,
        Err(e) => error_response(&e, head, &address, &request_id),
    };
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert("x-amz-request-id", v.clone());
        response.headers_mut().insert("x-amz-id-2", v);
    }
    response
}

async fn route(
    call: &Call<'_>,
    method: &Method,
    address: &Address,
    body: Body,
) -> Result<Response, S3Error> {
    let (bucket, key) = match (&address.bucket, &address.key) {
        (None, _) if *method == Method::GET => return list_buckets(call),
        (None, _) => return Err(method_not_allowed()),
        (Some(bucket), key) => (bucket.as_str(), key.as_deref()),
    };
    // Only PUT and POST carry a body.
    let body = match *method {
        Method::PUT | Method::POST => read_body(body).await?,
        _ => bytes::Bytes::new(),
    };
    if key.is_some_and(|k| k.len() > KEY_MAX_BYTES) && matches!(*method, Method::PUT | Method::POST)
    {
        return Err(s3_error(400, "KeyTooLongError", "Your key is too long"));
    }
    if let Some(key) = key {
        let multipart = match (method.as_str(), call.query("uploadId")) {
            ("POST", _) if call.has_query("uploads") => {
                Some(multipart::create(call, bucket, key).await)
            }
            ("PUT", Some(id)) => {
                Some(multipart::upload_part(call, bucket, key, id, body.clone()).await)
            }
            ("POST", Some(id)) => {
                Some(multipart::complete(call, bucket, key, id, body.clone()).await)
            }
            ("DELETE", Some(id)) => Some(multipart::abort(call, bucket, key, id).await),
            _ => None,
        };
        if let Some(answer) = multipart {
            return answer;
        }
    }
    if key.is_none() && *method == Method::POST && call.has_query("delete") {
        return multipart::delete_objects(call, bucket, body).await;
    }
    if let Some(sub) = UNSUPPORTED_SUBRESOURCES.iter().find(|s| call.has_query(s)) {
        return Err(not_implemented(&format!(
            "laminar's S3 does not implement the `{sub}` subresource"
        )));
    }
    // ListMultipartUploads and ListParts: not built; answering with an
    // object listing or NoSuchKey would mislead the client.
    let listing_uploads = key.is_none() && *method == Method::GET && call.has_query("uploads");
    let listing_parts = key.is_some() && *method == Method::GET && call.has_query("uploadId");
    if listing_uploads || listing_parts {
        return Err(not_implemented(
            "laminar's S3 does not list multipart uploads or their parts",
        ));
    }
    match (key, method.as_str()) {
        (None, "PUT") if call.has_query("notification") => {
            notification::put(call, bucket, body).await
        }
        (None, "GET") if call.has_query("notification") => notification::get(call, bucket),
        (None, "PUT") => create_bucket(call, bucket, body),
        (None, "HEAD") => head_bucket(call, bucket),
        (None, "DELETE") => {
            call.s3.delete_bucket(bucket)?;
            Ok(empty(204))
        }
        (None, "GET") if call.has_query("location") => bucket_location(call, bucket),
        (None, "GET") if call.query("list-type") == Some("2") => {
            listing::list_objects_v2(call, bucket)
        }
        (None, "GET") => listing::list_objects_v1(call, bucket),
        (Some(key), "PUT") if call.header("x-amz-copy-source").is_some() => {
            copy_object(call, bucket, key).await
        }
        (Some(key), "PUT") => put_object(call, bucket, key, body).await,
        (Some(key), "GET") => get_object(call, bucket, key, false).await,
        (Some(key), "HEAD") => get_object(call, bucket, key, true).await,
        (Some(key), "DELETE") => {
            call.s3.delete_object_as(bucket, key, &call.origin())?;
            Ok(empty(204))
        }
        _ => Err(method_not_allowed()),
    }
}

async fn read_body(body: Body) -> Result<bytes::Bytes, S3Error> {
    axum::body::to_bytes(body, PUT_BODY_MAX_BYTES)
        .await
        .map_err(|_| {
            s3_error(
                400,
                "EntityTooLarge",
                "Your proposed upload exceeds the maximum allowed size",
            )
        })
}

fn s3_error(status: u16, code: &str, message: &str) -> S3Error {
    S3Error {
        code: code.into(),
        message: message.into(),
        status,
        arguments: Vec::new(),
    }
}

fn method_not_allowed() -> S3Error {
    s3_error(
        405,
        "MethodNotAllowed",
        "The specified method is not allowed against this resource.",
    )
}

fn not_implemented(message: &str) -> S3Error {
    s3_error(501, "NotImplemented", message)
}

fn invalid_argument(message: &str) -> S3Error {
    s3_error(400, "InvalidArgument", message)
}

// ---- buckets ------------------------------------------------------------

fn create_bucket(call: &Call<'_>, bucket: &str, body: bytes::Bytes) -> Result<Response, S3Error> {
    // Without a LocationConstraint S3 creates the bucket in us-east-1.
    let region = xml::first_text(&body, "LocationConstraint")
        .filter(|r| !r.is_empty())
        .unwrap_or_else(|| "us-east-1".into());
    call.s3
        .create_bucket(&call.scope.account, bucket, &region)?;
    let mut response = empty(200);
    set_header(&mut response, "location", &format!("/{bucket}"));
    Ok(response)
}

fn head_bucket(call: &Call<'_>, bucket: &str) -> Result<Response, S3Error> {
    let info = call.s3.bucket(bucket)?;
    let mut response = empty(200);
    set_header(&mut response, "x-amz-bucket-region", &info.region);
    Ok(response)
}

fn bucket_location(call: &Call<'_>, bucket: &str) -> Result<Response, S3Error> {
    let info = call.s3.bucket(bucket)?;
    // us-east-1 is reported as an empty constraint.
    let region = if info.region == "us-east-1" {
        ""
    } else {
        &info.region
    };
    let doc = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<LocationConstraint xmlns=\"{}\">{}</LocationConstraint>",
        xml::NAMESPACE,
        quick_xml::escape::escape(region)
    );
    Ok(xml_response(200, doc))
}

fn list_buckets(call: &Call<'_>) -> Result<Response, S3Error> {
    let buckets = call.s3.list_buckets(&call.scope.account)?;
    let root = "ListAllMyBucketsResult";
    let mut doc = Xml::document(root);
    owner(&mut doc, &call.scope.account);
    doc.open("Buckets");
    for b in &buckets {
        doc.open("Bucket")
            .leaf("Name", &b.name)
            .leaf("CreationDate", iso_time(b.created_ms))
            .leaf("BucketRegion", &b.region)
            .close("Bucket");
    }
    doc.close("Buckets");
    Ok(xml_response(200, doc.finish(root)))
}

fn owner(doc: &mut Xml, account: &str) {
    doc.open("Owner")
        .leaf("ID", account)
        .leaf("DisplayName", "laminar")
        .close("Owner");
}

// ---- objects ------------------------------------------------------------

/// The object's bytes: the body, or what its `aws-chunked` framing carries.
fn object_bytes(call: &Call<'_>, body: bytes::Bytes) -> Result<bytes::Bytes, S3Error> {
    if !chunked::is_aws_chunked(call.headers) {
        return Ok(body);
    }
    let decoded_length = call
        .header("x-amz-decoded-content-length")
        .and_then(|v| v.parse().ok());
    chunked::decode(&body, decoded_length)
        .map(bytes::Bytes::from)
        .ok_or_else(|| {
            s3_error(
                400,
                "IncompleteBody",
                "The request body terminated unexpectedly",
            )
        })
}

fn put_input(call: &Call<'_>) -> PutObjectInput {
    let mut metadata = BTreeMap::new();
    let mut headers = BTreeMap::new();
    for (name, value) in call.headers {
        let Ok(value) = value.to_str() else { continue };
        if let Some(meta) = name.as_str().strip_prefix("x-amz-meta-") {
            metadata.insert(meta.to_string(), value.to_string());
        } else if STORED_HEADERS.contains(&name.as_str()) {
            headers.insert(name.as_str().to_string(), value.to_string());
        }
    }
    // `aws-chunked` describes the upload, not the object.
    if let Some(encoding) = headers.remove("content-encoding") {
        let kept: Vec<&str> = encoding
            .split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty() && !t.eq_ignore_ascii_case("aws-chunked"))
            .collect();
        if !kept.is_empty() {
            headers.insert("content-encoding".into(), kept.join(", "));
        }
    }
    PutObjectInput {
        content_type: call.header("content-type").map(str::to_string),
        metadata,
        headers,
        created: Created::Put,
        origin: call.origin(),
    }
}

/// `Content-MD5`, when sent, must match the bytes.
fn check_content_md5(call: &Call<'_>, bytes: &[u8]) -> Result<(), S3Error> {
    use md5::{Digest, Md5};
    let Some(sent) = call.header("content-md5") else {
        return Ok(());
    };
    let sent = base64::engine::general_purpose::STANDARD
        .decode(sent.trim())
        .ok()
        .filter(|d| d.len() == 16)
        .ok_or_else(|| {
            s3_error(
                400,
                "InvalidDigest",
                "The Content-MD5 you specified was invalid.",
            )
        })?;
    if sent[..] != Md5::digest(bytes)[..] {
        return Err(s3_error(
            400,
            "BadDigest",
            "The Content-MD5 you specified did not match what we received.",
        ));
    }
    Ok(())
}

async fn put_object(
    call: &Call<'_>,
    bucket: &str,
    key: &str,
    body: bytes::Bytes,
) -> Result<Response, S3Error> {
    let bytes = object_bytes(call, body)?;
    check_content_md5(call, &bytes)?;
    let input = put_input(call);
    let info = blocking(call.s3, {
        let (bucket, key) = (bucket.to_string(), key.to_string());
        move |s3| s3.put_object(&bucket, &key, &bytes, input)
    })
    .await?;
    let mut response = empty(200);
    set_header(&mut response, "etag", &info.etag);
    Ok(response)
}

async fn copy_object(call: &Call<'_>, bucket: &str, key: &str) -> Result<Response, S3Error> {
    let source = call.header("x-amz-copy-source").unwrap_or_default();
    let source = percent_decode_str(source.split('?').next().unwrap_or_default())
        .decode_utf8_lossy()
        .into_owned();
    let (source_bucket, source_key) = source
        .trim_start_matches('/')
        .split_once('/')
        .map(|(b, k)| (b.to_string(), k.to_string()))
        .ok_or_else(|| {
            invalid_argument(
                "Copy Source must mention the source bucket and key: sourcebucket/sourcekey",
            )
        })?;
    let replace = call.header("x-amz-metadata-directive") == Some("REPLACE");
    let new_input = PutObjectInput {
        created: Created::Copy,
        ..put_input(call)
    };
    let origin = call.origin();
    let (bucket, key) = (bucket.to_string(), key.to_string());
    let info = blocking(call.s3, move |s3| {
        let source_info = s3.head_object(&source_bucket, &source_key)?;
        let bytes = s3.get_object_bytes(&source_bucket, &source_key, None)?;
        let input = if replace {
            new_input
        } else {
            PutObjectInput {
                content_type: Some(source_info.content_type),
                metadata: source_info.metadata,
                headers: source_info.headers,
                created: Created::Copy,
                origin,
            }
        };
        s3.put_object(&bucket, &key, &bytes, input)
    })
    .await?;
    let root = "CopyObjectResult";
    let mut doc = Xml::document(root);
    doc.leaf("LastModified", iso_time(info.last_modified_ms))
        .leaf("ETag", &info.etag);
    Ok(xml_response(200, doc.finish(root)))
}

/// A `Range: bytes=…` header resolved against the object's size:
/// `Ok(None)` for the whole object.
fn byte_range(header: Option<&str>, size: u64) -> Result<Option<(u64, u64)>, S3Error> {
    let Some(spec) = header.and_then(|h| h.trim().strip_prefix("bytes=")) else {
        return Ok(None);
    };
    // Several ranges: S3 ignores the header and sends the whole object.
    if spec.contains(',') {
        return Ok(None);
    }
    let unsatisfiable = || {
        s3_error(
            416,
            "InvalidRange",
            "The requested range is not satisfiable",
        )
    };
    let Some((start, end)) = spec.split_once('-') else {
        return Ok(None);
    };
    let (start, end) = match (start.trim(), end.trim()) {
        ("", suffix) => {
            let n: u64 = suffix.parse().map_err(|_| unsatisfiable())?;
            if n == 0 || size == 0 {
                return Err(unsatisfiable());
            }
            (size.saturating_sub(n), size - 1)
        }
        (start, end) => {
            let start: u64 = start.parse().map_err(|_| unsatisfiable())?;
            let end: u64 = match end {
                "" => size.saturating_sub(1),
                e => e
                    .parse::<u64>()
                    .map_err(|_| unsatisfiable())?
                    .min(size.saturating_sub(1)),
            };
            if start >= size || end < start {
                return Err(unsatisfiable());
            }
            (start, end)
        }
    };
    Ok(Some((start, end)))
}

async fn get_object(
    call: &Call<'_>,
    bucket: &str,
    key: &str,
    head: bool,
) -> Result<Response, S3Error> {
    let range_header = call.header("range").map(str::to_string);
    let (bucket, key) = (bucket.to_string(), key.to_string());
    let (info, range, bytes) = blocking(call.s3, move |s3| {
        if head {
            let info = s3.head_object(&bucket, &key)?;
            let range = byte_range(range_header.as_deref(), info.size)?;
            return Ok((info, range, Vec::new()));
        }
        let (info, file) = s3.open_object(&bucket, &key)?;
        let range = byte_range(range_header.as_deref(), info.size)?;
        let bytes = read_range(file, range, info.size)?;
        Ok((info, range, bytes))
    })
    .await?;
    let length = match range {
        Some((start, end)) => end - start + 1,
        None => info.size,
    };
    let mut response = if head {
        empty(if range.is_some() { 206 } else { 200 })
    } else {
        let mut r = Response::new(Body::from(bytes));
        *r.status_mut() = if range.is_some() {
            StatusCode::PARTIAL_CONTENT
        } else {
            StatusCode::OK
        };
        r
    };
    object_headers(&mut response, &info);
    set_header(&mut response, "content-length", &length.to_string());
    if let Some((start, end)) = range {
        set_header(
            &mut response,
            "content-range",
            &format!("bytes {start}-{end}/{}", info.size),
        );
    }
    Ok(response)
}

fn read_range(
    mut file: std::fs::File,
    range: Option<(u64, u64)>,
    size: u64,
) -> Result<Vec<u8>, S3Error> {
    use std::io::{Read, Seek, SeekFrom};
    let (start, length) = match range {
        Some((start, end)) => (start, end - start + 1),
        None => (0, size),
    };
    file.seek(SeekFrom::Start(start))?;
    let mut bytes = Vec::with_capacity(length as usize);
    file.take(length).read_to_end(&mut bytes)?;
    Ok(bytes)
}

fn object_headers(response: &mut Response, info: &ObjectInfo) {
    set_header(response, "etag", &info.etag);
    set_header(response, "content-type", &info.content_type);
    set_header(response, "accept-ranges", "bytes");
    set_header(response, "last-modified", &http_time(info.last_modified_ms));
    for (name, value) in &info.headers {
        set_header(response, name, value);
    }
    for (name, value) in &info.metadata {
        set_header(response, &format!("x-amz-meta-{name}"), value);
    }
}

/// Runs blocking storage work (file reads and writes) off the async threads.
async fn blocking<T: Send + 'static>(
    s3: &S3Service,
    work: impl FnOnce(&S3Service) -> Result<T, S3Error> + Send + 'static,
) -> Result<T, S3Error> {
    let s3 = s3.clone();
    laminar_db::try_blocking(move || work(&s3)).await
}

// ---- rendering ----------------------------------------------------------

fn iso_time(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

fn http_time(ms: i64) -> String {
    let time = std::time::UNIX_EPOCH + std::time::Duration::from_millis(ms.max(0) as u64);
    httpdate::fmt_http_date(time)
}

fn set_header(response: &mut Response, name: &str, value: &str) {
    if let (Ok(name), Ok(value)) = (
        HeaderName::from_bytes(name.as_bytes()),
        HeaderValue::from_str(value),
    ) {
        response.headers_mut().insert(name, value);
    }
}

fn empty(status: u16) -> Response {
    crate::render::empty(status)
}

fn xml_response(status: u16, doc: String) -> Response {
    crate::render::raw(status, "application/xml", doc)
}

/// S3's error document; HEAD answers carry the status only.
fn error_response(e: &S3Error, head: bool, address: &Address, request_id: &str) -> Response {
    if head {
        return empty(e.status);
    }
    let root = "Error";
    let mut doc = Xml::bare(root);
    doc.leaf("Code", &e.code).leaf("Message", &e.message);
    // One argument is unnumbered; several are numbered from 1.
    let numbered = e.arguments.len() > 1 || e.message.starts_with("Unable to validate");
    for (i, (name, value)) in e.arguments.iter().enumerate() {
        let n = if numbered {
            (i + 1).to_string()
        } else {
            String::new()
        };
        doc.leaf(&format!("ArgumentName{n}"), name)
            .leaf(&format!("ArgumentValue{n}"), value);
    }
    match e.code.as_str() {
        "NoSuchKey" => {
            if let Some(key) = &address.key {
                doc.leaf("Key", key);
            }
        }
        "NoSuchBucket"
        | "BucketNotEmpty"
        | "BucketAlreadyOwnedByYou"
        | "BucketAlreadyExists"
        | "InvalidBucketName" => {
            if let Some(bucket) = &address.bucket {
                doc.leaf("BucketName", bucket);
            }
        }
        _ => {}
    }
    doc.leaf("RequestId", request_id).leaf("HostId", request_id);
    xml_response(e.status, doc.finish(root))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers_with_host(host: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("host", host.parse().unwrap());
        headers
    }

    #[test]
    fn addresses_path_style_and_virtual_hosted() {
        let uri: Uri = "/bucket/dir/a%20b.txt".parse().unwrap();
        let a = address(&uri, &headers_with_host("127.0.0.1:4566"));
        assert_eq!(a.bucket.as_deref(), Some("bucket"));
        assert_eq!(a.key.as_deref(), Some("dir/a b.txt"));
        let uri: Uri = "/dir/x".parse().unwrap();
        let a = address(
            &uri,
            &headers_with_host("bucket.s3.localhost.localstack.cloud:4566"),
        );
        assert_eq!(a.bucket.as_deref(), Some("bucket"));
        assert_eq!(a.key.as_deref(), Some("dir/x"));
        let uri: Uri = "/".parse().unwrap();
        let a = address(&uri, &headers_with_host("s3.localhost.localstack.cloud"));
        assert_eq!(
            a,
            Address {
                bucket: None,
                key: None
            }
        );
        let uri: Uri = "/bucket/".parse().unwrap();
        let a = address(&uri, &headers_with_host("localhost"));
        assert_eq!(a.bucket.as_deref(), Some("bucket"));
        assert_eq!(a.key, None);
    }

    #[test]
    fn resolves_ranges() {
        assert_eq!(byte_range(None, 10).unwrap(), None);
        assert_eq!(byte_range(Some("bytes=0-3"), 10).unwrap(), Some((0, 3)));
        assert_eq!(byte_range(Some("bytes=5-"), 10).unwrap(), Some((5, 9)));
        assert_eq!(byte_range(Some("bytes=-4"), 10).unwrap(), Some((6, 9)));
        assert_eq!(byte_range(Some("bytes=8-100"), 10).unwrap(), Some((8, 9)));
        assert_eq!(byte_range(Some("bytes=10-"), 10).unwrap_err().status, 416);
        assert_eq!(byte_range(Some("bytes=x-"), 10).unwrap_err().status, 416);
    }
}
