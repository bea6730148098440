//! Multipart uploads (CreateMultipartUpload, UploadPart,
//! CompleteMultipartUpload, AbortMultipartUpload) and DeleteObjects: the
//! requests boto3's transfer manager and `aws s3 cp`/`rm` send beyond single
//! PUTs and DELETEs.

use super::xml::{self, Xml};
use super::{
    blocking, check_content_md5, empty, invalid_argument, not_implemented, object_bytes, put_input,
    s3_error, set_header, xml_response, Call,
};
use axum::response::Response;
use laminar_s3::S3Error;

pub(super) async fn create(call: &Call<'_>, bucket: &str, key: &str) -> Result<Response, S3Error> {
    let input = put_input(call);
    let upload_id = call.s3.create_multipart_upload(bucket, key, input)?;
    let root = "InitiateMultipartUploadResult";
    let mut doc = Xml::document(root);
    doc.leaf("Bucket", bucket)
        .leaf("Key", key)
        .leaf("UploadId", upload_id);
    Ok(xml_response(200, doc.finish(root)))
}

pub(super) async fn upload_part(
    call: &Call<'_>,
    bucket: &str,
    key: &str,
    upload_id: &str,
    body: bytes::Bytes,
) -> Result<Response, S3Error> {
    let part_number: u32 = call
        .query("partNumber")
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| {
            invalid_argument("Part number must be an integer between 1 and 10000, inclusive")
        })?;
    if call.header("x-amz-copy-source").is_some() {
        return Err(not_implemented(
            "laminar's S3 does not implement UploadPartCopy",
        ));
    }
    let bytes = object_bytes(call, body)?;
    check_content_md5(call, &bytes)?;
    let (bucket, key, upload_id) = (bucket.to_string(), key.to_string(), upload_id.to_string());
    let etag = blocking(call.s3, move |s3| {
        s3.upload_part(&bucket, &key, &upload_id, part_number, &bytes)
    })
    .await?;
    let mut response = empty(200);
    set_header(&mut response, "etag", &etag);
    Ok(response)
}

pub(super) async fn complete(
    call: &Call<'_>,
    bucket: &str,
    key: &str,
    upload_id: &str,
    body: bytes::Bytes,
) -> Result<Response, S3Error> {
    let malformed = || {
        s3_error(
            400,
            "MalformedXML",
            "The XML you provided was not well-formed or did not validate against our published schema",
        )
    };
    let parts = xml::records(&body, "Part")
        .ok_or_else(malformed)?
        .into_iter()
        .map(|p| {
            let number = p.get("PartNumber").and_then(|n| n.trim().parse().ok());
            match (number, p.get("ETag")) {
                (Some(number), Some(etag)) => Ok((number, etag.clone())),
                _ => Err(malformed()),
            }
        })
        .collect::<Result<Vec<(u32, String)>, S3Error>>()?;
    let (b, k, id) = (bucket.to_string(), key.to_string(), upload_id.to_string());
    let origin = call.origin();
    let info = blocking(call.s3, move |s3| {
        s3.complete_multipart_upload(&b, &k, &id, &parts, origin)
    })
    .await?;
    let root = "CompleteMultipartUploadResult";
    let mut doc = Xml::document(root);
    doc.leaf("Location", format!("/{bucket}/{key}"))
        .leaf("Bucket", bucket)
        .leaf("Key", key)
        .leaf("ETag", &info.etag);
    Ok(xml_response(200, doc.finish(root)))
}

pub(super) async fn abort(
    call: &Call<'_>,
    bucket: &str,
    key: &str,
    upload_id: &str,
) -> Result<Response, S3Error> {
    let (b, k, id) = (bucket.to_string(), key.to_string(), upload_id.to_string());
    blocking(call.s3, move |s3| s3.abort_multipart_upload(&b, &k, &id)).await?;
    Ok(empty(204))
}

/// DeleteObjects: each key is deleted on its own; the answer lists each
/// outcome (only the errors with `Quiet`).
pub(super) async fn delete_objects(
    call: &Call<'_>,
    bucket: &str,
    body: bytes::Bytes,
) -> Result<Response, S3Error> {
    let objects = xml::records(&body, "Object").ok_or_else(|| {
        s3_error(
            400,
            "MalformedXML",
            "The XML you provided was not well-formed or did not validate against our published schema",
        )
    })?;
    let quiet = xml::first_text(&body, "Quiet").is_some_and(|q| q.eq_ignore_ascii_case("true"));
    call.s3.bucket(bucket)?;
    let keys: Vec<String> = objects
        .into_iter()
        .filter_map(|o| o.get("Key").cloned())
        .collect();
    let b = bucket.to_string();
    let origin = call.origin();
    let outcomes = blocking(call.s3, move |s3| {
        Ok(keys
            .into_iter()
            .map(|key| {
                let outcome = s3.delete_object_as(&b, &key, &origin);
                (key, outcome)
            })
            .collect::<Vec<_>>())
    })
    .await?;
    let root = "DeleteResult";
    let mut doc = Xml::document(root);
    for (key, outcome) in outcomes {
        match outcome {
            Ok(()) if quiet => {}
            Ok(()) => {
                doc.open("Deleted").leaf("Key", &key).close("Deleted");
            }
            Err(e) => {
                doc.open("Error")
                    .leaf("Key", &key)
                    .leaf("Code", &e.code)
                    .leaf("Message", &e.message)
                    .close("Error");
            }
        }
    }
    Ok(xml_response(200, doc.finish(root)))
}
