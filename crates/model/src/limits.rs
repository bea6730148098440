//! Service quotas as the Lambda service applies them to ordinary functions.

pub const MEMORY_MIN_MB: i64 = 128;
pub const MEMORY_MAX_MB: i64 = 10_240;
pub const MEMORY_DEFAULT_MB: i64 = 128;
pub const TIMEOUT_MIN_S: i64 = 1;
pub const TIMEOUT_MAX_S: i64 = 900;
pub const TIMEOUT_DEFAULT_S: i64 = 3;
pub const EPHEMERAL_MIN_MB: i64 = 512;
pub const EPHEMERAL_MAX_MB: i64 = 10_240;
/// Largest zip accepted directly in a request (`ZipFile`).
pub const ZIP_MAX_BYTES: u64 = 50 * 1024 * 1024;
/// Largest unzipped deployment package.
pub const UNZIPPED_MAX_BYTES: u64 = 262_144_000;
/// Largest request body: AWS's figure, which its RequestEntityTooLargeException
/// names (a 50 MB zip grows by a third as base64).
pub const REQUEST_BODY_MAX_BYTES: usize = 70_167_211;
/// Synchronous invoke: request and response payloads.
pub const SYNC_PAYLOAD_MAX_BYTES: usize = 6 * 1024 * 1024;
/// Asynchronous invoke payloads.
pub const ASYNC_PAYLOAD_MAX_BYTES: usize = 1024 * 1024;
/// Total size of a function's environment variables.
pub const ENVIRONMENT_MAX_BYTES: usize = 4 * 1024;
/// `LogType=Tail` returns this much of the end of the log.
pub const LOG_TAIL_BYTES: usize = 4 * 1024;
pub const ACCOUNT_CONCURRENCY_DEFAULT: u32 = 1000;
pub const CODE_STORAGE_LIMIT_BYTES: u64 = 80 * 1024 * 1024 * 1024;
pub const LIST_MAX_ITEMS: usize = 50;
