//! The code of a function as a request brings it (a zip, a zip in S3, a
//! folder run live, an image) and where it is stored.

use crate::{ApiResult, Inner};
use base64::Engine;
use laminar_model::config::{FunctionCode, ImageConfig};
use laminar_model::limits::{UNZIPPED_MAX_BYTES, ZIP_MAX_BYTES};
use laminar_model::{ApiError, ErrorKind};
use laminar_store::{CodeError, StoredCode};

pub(crate) fn code_error(e: CodeError) -> ApiError {
    match e {
        CodeError::NotAZip | CodeError::EscapingEntry(_) => ApiError::invalid_parameter(
            "Could not unzip uploaded file. Please check your file, then try to upload again.",
        ),
        CodeError::UnzippedTooLarge { limit } => {
            ApiError::invalid_parameter(format!("Unzipped size must be smaller than {limit} bytes"))
        }
        CodeError::Io(e) => {
            tracing::error!(error = %e, "the code could not be stored");
            ApiError::service(format!(
                "laminar could not store the code: {}",
                io_reason(&e)
            ))
        }
    }
}

/// The OS's reason alone, the same whichever file failed (the error may
/// name a temporary file, or wrap the OS's error without its number).
fn io_reason(e: &std::io::Error) -> String {
    use std::io::ErrorKind;
    match e.kind() {
        ErrorKind::StorageFull => "No space left on device".to_string(),
        ErrorKind::ReadOnlyFilesystem => "Read-only file system".to_string(),
        kind => match e.raw_os_error() {
            Some(code) => std::io::Error::from_raw_os_error(code).to_string(),
            None => kind.to_string(),
        },
    }
}

/// The code a request brings.
pub(crate) enum CodeSource<'a> {
    /// Base64 of a zip.
    Zip(&'a str),
    /// A zip in an S3 bucket of laminar's S3.
    S3(S3Location<'a>),
    /// A folder run live (the `hot-reload` bucket).
    LocalFolder(&'a str),
    Image(&'a str),
}

/// `S3Bucket`, `S3Key` and `S3ObjectVersion` of a request.
#[derive(Clone, Copy)]
pub(crate) struct S3Location<'a> {
    pub bucket: Option<&'a str>,
    pub key: Option<&'a str>,
    pub version: Option<&'a str>,
}

impl<'a> S3Location<'a> {
    pub(crate) fn of(
        bucket: Option<&'a str>,
        key: Option<&'a str>,
        version: Option<&'a str>,
    ) -> Option<Self> {
        (bucket.is_some() || key.is_some()).then_some(Self {
            bucket,
            key,
            version,
        })
    }
}

/// Stored code: where it lives, its size and its `CodeSha256`.
pub(crate) struct NewCode {
    pub code: FunctionCode,
    pub size: u64,
    pub sha256_base64: String,
}

impl Inner {
    pub(crate) async fn store_code(
        &self,
        source: CodeSource<'_>,
        image_config: ImageConfig,
    ) -> ApiResult<NewCode> {
        match source {
            CodeSource::Zip(zip) => {
                let stored = self.store_zip(zip).await?;
                Ok(NewCode {
                    code: FunctionCode::Zip {
                        sha256_hex: stored.sha256_hex,
                    },
                    size: stored.size,
                    sha256_base64: stored.sha256_base64,
                })
            }
            CodeSource::S3(location) => {
                let stored = self.store_zip_from_s3(location).await?;
                Ok(NewCode {
                    code: FunctionCode::Zip {
                        sha256_hex: stored.sha256_hex,
                    },
                    size: stored.size,
                    sha256_base64: stored.sha256_base64,
                })
            }
            CodeSource::LocalFolder(path) => {
                let path = laminar_invoke::hot_reload::check_folder(path).await?;
                Ok(NewCode {
                    sha256_base64: laminar_invoke::hot_reload::code_sha256(&path),
                    code: FunctionCode::LocalFolder { path },
                    size: 0,
                })
            }
            CodeSource::Image(uri) => Ok(NewCode {
                code: FunctionCode::Image {
                    image_uri: uri.to_string(),
                    image_config,
                },
                size: 0,
                sha256_base64: hex_of(uri),
            }),
        }
    }

    /// Decodes, checks and stores a zip from a request.
    pub(crate) async fn store_zip(&self, zip_base64: &str) -> ApiResult<StoredCode> {
        let zip_base64 = zip_base64.to_string();
        self.store_package(move || {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(zip_base64)
                .map_err(|_| {
                    ApiError::invalid_parameter(
                        "Could not unzip uploaded file. Please check your file, then try to upload again.",
                    )
                })?;
            if bytes.len() as u64 > ZIP_MAX_BYTES {
                return Err(ApiError::new(
                    ErrorKind::RequestEntityTooLarge,
                    format!("Zipped size must be smaller than {ZIP_MAX_BYTES} bytes"),
                ));
            }
            Ok(bytes)
        })
        .await
    }

    /// Fetches a zip from laminar's S3 and stores it as if it came inline.
    /// (The zipped-size limit of inline uploads does not apply to S3.)
    pub(crate) async fn store_zip_from_s3(
        &self,
        location: S3Location<'_>,
    ) -> ApiResult<StoredCode> {
        let (Some(bucket), Some(key)) = (location.bucket, location.key) else {
            return Err(ApiError::invalid_parameter(
                "Please provide both S3Bucket and S3Key for code in S3.",
            ));
        };
        let s3 = self.companions.s3.clone();
        let (bucket, key) = (bucket.to_string(), key.to_string());
        let version = location.version.map(str::to_string);
        let bytes = tokio::task::spawn_blocking(move || {
            s3.get_object_bytes(&bucket, &key, version.as_deref())
        })
        .await
        .map_err(|e| ApiError::service(format!("reading the code from S3 failed: {e}")))?
        .map_err(|e| {
            ApiError::invalid_parameter(format!(
                "Error occurred while GetObject. S3 Error Code: {}. S3 Error Message: {}",
                e.code, e.message
            ))
        })?;
        self.store_package(move || Ok(bytes.to_vec())).await
    }

    /// Checks, stores and unpacks the zip `bytes` gives, all on one blocking
    /// thread: megabytes of decoding, hashing and unpacking must not stall
    /// the async workers serving other requests.
    pub(crate) async fn store_package(
        &self,
        bytes: impl FnOnce() -> ApiResult<Vec<u8>> + Send + 'static,
    ) -> ApiResult<StoredCode> {
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || {
            store
                .blobs
                .put_zip(&bytes()?, UNZIPPED_MAX_BYTES)
                .map_err(code_error)
        })
        .await
        .map_err(|e| ApiError::service(format!("code storage task failed: {e}")))?
    }

    pub(crate) fn code_from_request<'a>(
        &self,
        package_type: &str,
        zip_file: Option<&'a str>,
        s3: Option<S3Location<'a>>,
        image: Option<&'a str>,
    ) -> ApiResult<CodeSource<'a>> {
        match (package_type, image) {
            ("Image", None) => {
                return Err(ApiError::invalid_parameter(
                    "Please provide ImageUri when PackageType is Image.",
                ))
            }
            ("Zip", Some(_)) => {
                return Err(ApiError::invalid_parameter(
                    "Please don't provide ImageUri when PackageType is Zip.",
                ))
            }
            _ => {}
        }
        match (zip_file, s3, image) {
            (Some(zip), None, None) => Ok(CodeSource::Zip(zip)),
            (None, None, Some(uri)) => Ok(CodeSource::Image(uri)),
            (None, Some(location), None) => Ok(match (location.bucket, location.key) {
                (Some(laminar_invoke::hot_reload::BUCKET), Some(path)) => {
                    CodeSource::LocalFolder(path)
                }
                _ => CodeSource::S3(location),
            }),
            (None, None, None) => Err(ApiError::invalid_parameter(
                "Please provide a source for function code.",
            )),
            _ => Err(ApiError::invalid_parameter(
                "Please don't provide more than one source for function code.",
            )),
        }
    }
}

/// A stable, runtime-specific identifier for the runtime version ARN (and
/// the `CodeSha256` of an image function).
pub(crate) fn hex_of(text: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(text.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}
