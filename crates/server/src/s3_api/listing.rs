//! ListObjectsV2 and ListObjects (v1): query parameters in, one page of
//! keys and common prefixes out, with `encoding-type=url` honoured.

use super::xml::Xml;
use super::{invalid_argument, iso_time, owner, xml_response, Call, KEY_ENCODE, MAX_KEYS_DEFAULT};
use axum::response::Response;
use base64::Engine;
use laminar_s3::{ListPage, ListRequest, S3Error};
use percent_encoding::utf8_percent_encode;

fn max_keys(call: &Call<'_>) -> Result<usize, S3Error> {
    match call.query("max-keys") {
        None => Ok(MAX_KEYS_DEFAULT),
        Some(text) => text
            .parse::<i64>()
            .ok()
            .filter(|n| *n >= 0)
            .map(|n| (n as usize).min(MAX_KEYS_DEFAULT))
            .ok_or_else(|| {
                invalid_argument("Provided max-keys not an integer or within integer range")
            }),
    }
}

/// Encodes keys and prefixes when the caller asked for `encoding-type=url`.
struct Encoder(bool);

impl Encoder {
    fn from(call: &Call<'_>) -> Result<Self, S3Error> {
        match call.query("encoding-type") {
            None => Ok(Self(false)),
            Some(t) if t.eq_ignore_ascii_case("url") => Ok(Self(true)),
            Some(_) => Err(invalid_argument(
                "Invalid Encoding Method specified in Request",
            )),
        }
    }

    fn text(&self, value: &str) -> String {
        if self.0 {
            utf8_percent_encode(value, KEY_ENCODE).to_string()
        } else {
            value.to_string()
        }
    }
}

fn list_request(call: &Call<'_>, after: Option<String>) -> Result<ListRequest, S3Error> {
    Ok(ListRequest {
        prefix: call.query("prefix").unwrap_or_default().to_string(),
        delimiter: call.query("delimiter").unwrap_or_default().to_string(),
        after: after.filter(|a| !a.is_empty()),
        max_keys: max_keys(call)?,
    })
}

fn list_entries(doc: &mut Xml, page: &ListPage, encoder: &Encoder, account: Option<&str>) {
    for object in &page.objects {
        doc.open("Contents")
            .leaf("Key", encoder.text(&object.key))
            .leaf("LastModified", iso_time(object.last_modified_ms))
            .leaf("ETag", &object.etag)
            .leaf("Size", object.size.to_string());
        if let Some(account) = account {
            owner(doc, account);
        }
        doc.leaf("StorageClass", "STANDARD").close("Contents");
    }
    for prefix in &page.common_prefixes {
        doc.open("CommonPrefixes")
            .leaf("Prefix", encoder.text(prefix))
            .close("CommonPrefixes");
    }
}

pub(super) fn list_objects_v2(call: &Call<'_>, bucket: &str) -> Result<Response, S3Error> {
    let encoder = Encoder::from(call)?;
    let token = call.query("continuation-token");
    let resume = token
        .map(|t| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(t)
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .ok_or_else(|| invalid_argument("The continuation token provided is incorrect"))
        })
        .transpose()?;
    let start_after = call.query("start-after");
    let after = resume.or_else(|| start_after.map(str::to_string));
    let request = list_request(call, after)?;
    let page = call.s3.list_objects(bucket, &request)?;
    let fetch_owner = call.query("fetch-owner") == Some("true");
    let root = "ListBucketResult";
    let mut doc = Xml::document(root);
    doc.leaf("Name", bucket)
        .leaf("Prefix", encoder.text(&request.prefix))
        .leaf("KeyCount", page.key_count().to_string())
        .leaf("MaxKeys", request.max_keys.to_string());
    if !request.delimiter.is_empty() {
        doc.leaf("Delimiter", encoder.text(&request.delimiter));
    }
    doc.leaf("IsTruncated", page.truncated.to_string());
    if encoder.0 {
        doc.leaf("EncodingType", "url");
    }
    if let Some(token) = token {
        doc.leaf("ContinuationToken", token);
    }
    if let (true, Some(last)) = (page.truncated, &page.last) {
        doc.leaf(
            "NextContinuationToken",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(last),
        );
    }
    if let Some(start_after) = start_after {
        doc.leaf("StartAfter", encoder.text(start_after));
    }
    let account = fetch_owner.then_some(call.scope.account.as_str());
    list_entries(&mut doc, &page, &encoder, account);
    Ok(xml_response(200, doc.finish(root)))
}

pub(super) fn list_objects_v1(call: &Call<'_>, bucket: &str) -> Result<Response, S3Error> {
    let encoder = Encoder::from(call)?;
    let marker = call.query("marker").unwrap_or_default();
    let request = list_request(call, Some(marker.to_string()))?;
    let page = call.s3.list_objects(bucket, &request)?;
    let root = "ListBucketResult";
    let mut doc = Xml::document(root);
    doc.leaf("Name", bucket)
        .leaf("Prefix", encoder.text(&request.prefix))
        .leaf("Marker", encoder.text(marker))
        .leaf("MaxKeys", request.max_keys.to_string());
    if !request.delimiter.is_empty() {
        doc.leaf("Delimiter", encoder.text(&request.delimiter));
    }
    doc.leaf("IsTruncated", page.truncated.to_string());
    if encoder.0 {
        doc.leaf("EncodingType", "url");
    }
    if let (true, Some(last)) = (page.truncated, &page.last) {
        doc.leaf("NextMarker", encoder.text(last));
    }
    list_entries(&mut doc, &page, &encoder, Some(&call.scope.account));
    Ok(xml_response(200, doc.finish(root)))
}
