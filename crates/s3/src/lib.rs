//! Amazon S3, minimal: buckets and objects, enough for `Code.S3Bucket` /
//! `S3Key` in CreateFunction, UpdateFunctionCode and PublishLayerVersion.

use bytes::Bytes;
use laminar_store::Store;
use std::sync::Arc;

/// An S3 error: the modelled code (`NoSuchBucket`, `NoSuchKey`, …) and a message.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{code}: {message}")]
pub struct S3Error {
    pub code: String,
    pub message: String,
    pub status: u16,
}

/// The S3 service of one laminar instance. Cheap to clone.
#[derive(Clone)]
pub struct S3Service {
    #[allow(dead_code)]
    store: Arc<Store>,
}

impl S3Service {
    pub fn new(store: Arc<Store>) -> Result<Self, S3Error> {
        Ok(Self { store })
    }

    /// An object's bytes (`version` is the S3ObjectVersion, if any).
    pub fn get_object_bytes(
        &self,
        bucket: &str,
        key: &str,
        _version: Option<&str>,
    ) -> Result<Bytes, S3Error> {
        Err(S3Error {
            code: "NoSuchKey".into(),
            message: format!("s3://{bucket}/{key} does not exist"),
            status: 404,
        })
    }
}
