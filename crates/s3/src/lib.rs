//! Amazon S3, minimal: buckets and objects, enough for `Code.S3Bucket` /
//! `S3Key` in CreateFunction, UpdateFunctionCode and PublishLayerVersion.
//!
//! Metadata lives in the shared SQLite database (tables `s3_*`); object bytes
//! are files under `<data root>/s3/objects`, one per stored version, named by
//! a random id. A row points at its file only once the file is whole (and
//! synced when the data root is durable), so no half-written object is visible.

mod events;
mod files;
mod listing;
mod multipart;
mod names;
mod notification;
mod outbox;
mod schema;

pub use events::{encode_key, Created, Notification, Origin};
pub use listing::{ListPage, ListRequest};
pub use multipart::MIN_PART_BYTES;
pub use names::is_valid_bucket_name;
pub use notification::{
    bucket_arn, DestinationCheck, FilterRule, NotificationConfig, TargetConfig, TargetKind,
};

use bytes::Bytes;
use md5::{Digest, Md5};
use rusqlite::{params, OptionalExtension};
use std::collections::BTreeMap;
use std::sync::Arc;

/// An S3 error: the modelled code (`NoSuchBucket`, `NoSuchKey`, …) and a message.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{code}: {message}")]
pub struct S3Error {
    pub code: String,
    pub message: String,
    pub status: u16,
    /// Numbered `ArgumentName<n>` / `ArgumentValue<n>` members of the error
    /// document (a single pair is unnumbered).
    pub arguments: Vec<(String, String)>,
}

impl S3Error {
    pub(crate) fn new(status: u16, code: &str, message: &str) -> Self {
        Self {
            code: code.into(),
            message: message.into(),
            status,
            arguments: Vec::new(),
        }
    }

    pub fn no_such_bucket() -> Self {
        Self::new(404, "NoSuchBucket", "The specified bucket does not exist")
    }

    pub fn no_such_key() -> Self {
        Self::new(404, "NoSuchKey", "The specified key does not exist.")
    }

    pub fn invalid_bucket_name() -> Self {
        Self::new(
            400,
            "InvalidBucketName",
            "The specified bucket is not valid.",
        )
    }

    pub fn internal(detail: impl std::fmt::Display) -> Self {
        tracing::warn!(error = %detail, "S3 internal error");
        Self::new(
            500,
            "InternalError",
            "We encountered an internal error. Please try again.",
        )
    }
}

impl From<rusqlite::Error> for S3Error {
    fn from(e: rusqlite::Error) -> Self {
        Self::internal(e)
    }
}

impl From<laminar_db::DbError> for S3Error {
    fn from(e: laminar_db::DbError) -> Self {
        Self::internal(e)
    }
}

impl From<std::io::Error> for S3Error {
    fn from(e: std::io::Error) -> Self {
        Self::internal(e)
    }
}

/// A bucket as ListBuckets shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BucketInfo {
    pub name: String,
    pub region: String,
    /// Milliseconds since the Unix epoch.
    pub created_ms: i64,
}

/// What S3 keeps about an object besides its bytes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ObjectInfo {
    pub key: String,
    pub size: u64,
    /// Hex MD5 of the content, in double quotes, as S3 sends it.
    pub etag: String,
    pub content_type: String,
    /// Milliseconds since the Unix epoch.
    pub last_modified_ms: i64,
    /// `x-amz-meta-*` headers, names lowercased and without the prefix.
    pub metadata: BTreeMap<String, String>,
    /// Standard headers stored with the object and sent back on GET
    /// (`cache-control`, `content-disposition`, `content-encoding`, …).
    pub headers: BTreeMap<String, String>,
}

/// What a PutObject brings besides the bytes.
#[derive(Clone, Debug, Default)]
pub struct PutObjectInput {
    pub content_type: Option<String>,
    pub metadata: BTreeMap<String, String>,
    pub headers: BTreeMap<String, String>,
    /// Which `ObjectCreated` event the store raises.
    pub created: Created,
    /// The request, for the event record.
    pub origin: Origin,
}

/// S3's content type for objects uploaded without one.
pub const DEFAULT_CONTENT_TYPE: &str = "binary/octet-stream";

/// The S3 service of one laminar instance. Cheap to clone.
#[derive(Clone)]
pub struct S3Service {
    db: laminar_db::Db,
    files: Arc<files::ObjectFiles>,
    destinations: Arc<std::sync::OnceLock<Arc<dyn DestinationCheck>>>,
    wake: Arc<tokio::sync::Notify>,
}

const OBJECT_COLUMNS: &str =
    "key, size, etag, content_type, last_modified_ms, metadata, headers, file";

fn object_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<(ObjectInfo, String)> {
    let json_map = |i: usize| -> rusqlite::Result<BTreeMap<String, String>> {
        let text: String = row.get(i)?;
        Ok(serde_json::from_str(&text).unwrap_or_default())
    };
    Ok((
        ObjectInfo {
            key: row.get(0)?,
            size: row.get::<_, i64>(1)?.max(0) as u64,
            etag: row.get(2)?,
            content_type: row.get(3)?,
            last_modified_ms: row.get(4)?,
            metadata: json_map(5)?,
            headers: json_map(6)?,
        },
        row.get(7)?,
    ))
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

impl S3Service {
    /// The service over the shared database, its tables brought up to
    /// date; object bytes go under the database's data root.
    pub fn new(db: laminar_db::Db) -> Result<Self, S3Error> {
        db.migrate(&schema::S3)?;
        let files =
            files::ObjectFiles::open(&db.data_root().join("s3").join("objects"), db.durable())?;
        Ok(Self {
            db,
            files: Arc::new(files),
            destinations: Arc::new(std::sync::OnceLock::new()),
            wake: Arc::new(tokio::sync::Notify::new()),
        })
    }

    /// Runs `work` on the database on this thread (a blocking one).
    fn with<T>(
        &self,
        work: impl FnOnce(&mut rusqlite::Connection) -> Result<T, S3Error>,
    ) -> Result<T, S3Error> {
        self.db.call_blocking(work)
    }

    /// Creates a bucket. Bucket names are global: another account's bucket
    /// of the same name is `BucketAlreadyExists`. Re-creating one's own
    /// bucket is `BucketAlreadyOwnedByYou`, except in us-east-1 where S3
    /// answers 200 for legacy compatibility (`Ok(false)`).
    pub fn create_bucket(&self, account: &str, name: &str, region: &str) -> Result<bool, S3Error> {
        if !is_valid_bucket_name(name) {
            return Err(S3Error::invalid_bucket_name());
        }
        self.with(|conn| {
            let inserted = conn.execute(
                "INSERT INTO s3_buckets (name, account, region, created_ms) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (name) DO NOTHING",
                params![name, account, region, now_ms()],
            )?;
            if inserted == 1 {
                return Ok(true);
            }
            let (owner, existing_region): (String, String) = conn.query_row(
                "SELECT account, region FROM s3_buckets WHERE name = ?1",
                params![name],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )?;
            if owner != account {
                return Err(S3Error::new(
                    409,
                    "BucketAlreadyExists",
                    "The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.",
                ));
            }
            if region == "us-east-1" && existing_region == "us-east-1" {
                return Ok(false);
            }
            Err(S3Error::new(
                409,
                "BucketAlreadyOwnedByYou",
                "Your previous request to create the named bucket succeeded and you already own it.",
            ))
        })
    }

    /// The account's buckets, by name.
    pub fn list_buckets(&self, account: &str) -> Result<Vec<BucketInfo>, S3Error> {
        self.with(|conn| {
            let mut stmt = conn.prepare(
                "SELECT name, region, created_ms FROM s3_buckets WHERE account = ?1 ORDER BY name",
            )?;
            let rows = stmt.query_map(params![account], |row| {
                Ok(BucketInfo {
                    name: row.get(0)?,
                    region: row.get(1)?,
                    created_ms: row.get(2)?,
                })
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }

    /// A bucket, or `NoSuchBucket`.
    pub fn bucket(&self, name: &str) -> Result<BucketInfo, S3Error> {
        self.with(|conn| {
            Ok(conn
                .query_row(
                    "SELECT name, region, created_ms FROM s3_buckets WHERE name = ?1",
                    params![name],
                    |row| {
                        Ok(BucketInfo {
                            name: row.get(0)?,
                            region: row.get(1)?,
                            created_ms: row.get(2)?,
                        })
                    },
                )
                .optional()?)
        })?
        .ok_or_else(S3Error::no_such_bucket)
    }

    /// Deletes an empty bucket.
    pub fn delete_bucket(&self, name: &str) -> Result<(), S3Error> {
        self.with(|conn| {
            let tx = conn.transaction()?;
            let exists = bucket_exists(&tx, name)?;
            if !exists {
                return Err(S3Error::no_such_bucket());
            }
            let has_objects = tx
                .query_row(
                    "SELECT 1 FROM s3_objects WHERE bucket = ?1 LIMIT 1",
                    params![name],
                    |_| Ok(()),
                )
                .optional()?
                .is_some();
            if has_objects {
                return Err(S3Error::new(
                    409,
                    "BucketNotEmpty",
                    "The bucket you tried to delete is not empty",
                ));
            }
            tx.execute("DELETE FROM s3_buckets WHERE name = ?1", params![name])?;
            tx.execute(
                "DELETE FROM s3_notification_configs WHERE bucket = ?1",
                params![name],
            )?;
            tx.commit()?;
            Ok(())
        })
    }

    /// Stores an object (replacing any object of the same key). Blocking:
    /// writes and syncs a file.
    pub fn put_object(
        &self,
        bucket: &str,
        key: &str,
        body: &[u8],
        input: PutObjectInput,
    ) -> Result<ObjectInfo, S3Error> {
        // Fail fast before writing a file for a bucket that is not there.
        self.bucket(bucket)?;
        let info = ObjectInfo {
            key: key.to_string(),
            size: body.len() as u64,
            etag: format!("\"{}\"", hex::encode(Md5::digest(body))),
            content_type: input
                .content_type
                .filter(|t| !t.is_empty())
                .unwrap_or_else(|| DEFAULT_CONTENT_TYPE.into()),
            last_modified_ms: now_ms(),
            metadata: input.metadata,
            headers: input.headers,
        };
        let file = self.files.write(body)?;
        let change = (input.created, input.origin);
        match self.insert_object(bucket, &info, &file, change) {
            Ok(replaced) => {
                if let Some(old) = replaced {
                    self.files.remove(&old);
                }
                Ok(info)
            }
            Err(e) => {
                self.files.remove(&file);
                Err(e)
            }
        }
    }

    /// Points the key at its new file (and records the event); returns the
    /// file it replaced.
    fn insert_object(
        &self,
        bucket: &str,
        info: &ObjectInfo,
        file: &str,
        (created, origin): (Created, Origin),
    ) -> Result<Option<String>, S3Error> {
        let metadata = serde_json::to_string(&info.metadata).map_err(S3Error::internal)?;
        let headers = serde_json::to_string(&info.headers).map_err(S3Error::internal)?;
        self.with(|conn| {
            let tx = conn.transaction()?;
            let bucket_exists = bucket_exists(&tx, bucket)?;
            if !bucket_exists {
                return Err(S3Error::no_such_bucket());
            }
            let replaced: Option<String> = tx
                .query_row(
                    "SELECT file FROM s3_objects WHERE bucket = ?1 AND key = ?2",
                    params![bucket, info.key],
                    |row| row.get(0),
                )
                .optional()?;
            tx.execute(
                "INSERT INTO s3_objects (bucket, key, size, etag, content_type, last_modified_ms, metadata, headers, file)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
                 ON CONFLICT (bucket, key) DO UPDATE SET size = excluded.size, etag = excluded.etag,
                   content_type = excluded.content_type, last_modified_ms = excluded.last_modified_ms,
                   metadata = excluded.metadata, headers = excluded.headers, file = excluded.file",
                params![
                    bucket,
                    info.key,
                    info.size as i64,
                    info.etag,
                    info.content_type,
                    info.last_modified_ms,
                    metadata,
                    headers,
                    file
                ],
            )?;
            let change = events::Change {
                event_name: created.event_name(),
                key: &info.key,
                object: Some((info.size, &info.etag)),
                origin: &origin,
                time_ms: info.last_modified_ms,
            };
            let notify = events::record(&tx, bucket, &change)?;
            tx.commit()?;
            Ok((replaced, notify))
        })
        .map(|(replaced, notify)| {
            if notify {
                self.wake.notify_one();
            }
            replaced
        })
    }

    fn object_row(&self, bucket: &str, key: &str) -> Result<(ObjectInfo, String), S3Error> {
        self.with(|conn| {
            let found = conn
                .query_row(
                    &format!(
                        "SELECT {OBJECT_COLUMNS} FROM s3_objects WHERE bucket = ?1 AND key = ?2"
                    ),
                    params![bucket, key],
                    object_from_row,
                )
                .optional()?;
            match found {
                Some(found) => Ok(found),
                None => {
                    let bucket_exists = bucket_exists(conn, bucket)?;
                    Err(if bucket_exists {
                        S3Error::no_such_key()
                    } else {
                        S3Error::no_such_bucket()
                    })
                }
            }
        })
    }

    /// An object's metadata (HeadObject).
    pub fn head_object(&self, bucket: &str, key: &str) -> Result<ObjectInfo, S3Error> {
        Ok(self.object_row(bucket, key)?.0)
    }

    /// An object's metadata and an open handle on its bytes. The handle
    /// stays readable even if the object is replaced meanwhile. Blocking.
    pub fn open_object(
        &self,
        bucket: &str,
        key: &str,
    ) -> Result<(ObjectInfo, std::fs::File), S3Error> {
        // A concurrent overwrite may remove the file between the lookup and
        // the open: look again, the new row names the new file.
        for _ in 0..3 {
            let (info, file) = self.object_row(bucket, key)?;
            match self.files.read(&file) {
                Ok(handle) => return Ok((info, handle)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(S3Error::internal(format!(
            "the file of s3://{bucket}/{key} keeps changing"
        )))
    }

    /// Deletes an object; deleting a key that does not exist succeeds.
    pub fn delete_object(&self, bucket: &str, key: &str) -> Result<(), S3Error> {
        self.delete_object_as(bucket, key, &Origin::default())
    }

    /// Deletes an object for a request (its `ObjectRemoved:Delete` event
    /// names it); deleting a key that does not exist succeeds and raises
    /// no event.
    pub fn delete_object_as(
        &self,
        bucket: &str,
        key: &str,
        origin: &Origin,
    ) -> Result<(), S3Error> {
        let (removed, notify) = self.with(|conn| {
            let tx = conn.transaction()?;
            let bucket_exists = bucket_exists(&tx, bucket)?;
            if !bucket_exists {
                return Err(S3Error::no_such_bucket());
            }
            let file: Option<String> = tx
                .query_row(
                    "DELETE FROM s3_objects WHERE bucket = ?1 AND key = ?2 RETURNING file",
                    params![bucket, key],
                    |row| row.get(0),
                )
                .optional()?;
            let mut notify = false;
            if file.is_some() {
                let change = events::Change {
                    event_name: "ObjectRemoved:Delete",
                    key,
                    object: None,
                    origin,
                    time_ms: now_ms(),
                };
                notify = events::record(&tx, bucket, &change)?;
            }
            tx.commit()?;
            Ok((file, notify))
        })?;
        if notify {
            self.wake.notify_one();
        }
        if let Some(file) = removed {
            self.files.remove(&file);
        }
        Ok(())
    }

    /// One page of a bucket listing (ListObjects and ListObjectsV2).
    pub fn list_objects(&self, bucket: &str, request: &ListRequest) -> Result<ListPage, S3Error> {
        self.bucket(bucket)?;
        self.with(|conn| {
            let mut stmt = conn.prepare(&format!(
                "SELECT {OBJECT_COLUMNS} FROM s3_objects
                 WHERE bucket = ?1 AND key >= ?2 AND key > ?3 ORDER BY key"
            ))?;
            let after = request.after.clone().unwrap_or_default();
            let mut rows = stmt.query(params![bucket, request.prefix, after])?;
            let mut failure = None;
            let objects = std::iter::from_fn(|| match rows.next() {
                Ok(Some(row)) => match object_from_row(row) {
                    Ok((info, _)) => Some(info),
                    Err(e) => {
                        failure = Some(e);
                        None
                    }
                },
                Ok(None) => None,
                Err(e) => {
                    failure = Some(e);
                    None
                }
            });
            let page = listing::page(request, objects);
            match failure {
                Some(e) => Err(e.into()),
                None => Ok(page),
            }
        })
    }

    /// An object's bytes (`version` is the S3ObjectVersion, if any; buckets
    /// are unversioned, so it is not checked). Blocking: reads a file.
    pub fn get_object_bytes(
        &self,
        bucket: &str,
        key: &str,
        _version: Option<&str>,
    ) -> Result<Bytes, S3Error> {
        use std::io::Read;
        let (info, mut file) = self.open_object(bucket, key)?;
        let mut bytes = Vec::with_capacity(info.size as usize);
        file.read_to_end(&mut bytes)?;
        Ok(Bytes::from(bytes))
    }
}

/// Whether a bucket of this name exists (inside the caller's transaction).
fn bucket_exists(conn: &rusqlite::Connection, name: &str) -> Result<bool, S3Error> {
    Ok(conn
        .query_row(
            "SELECT 1 FROM s3_buckets WHERE name = ?1",
            params![name],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service() -> S3Service {
        S3Service::new(laminar_db::Db::open(None).unwrap()).unwrap()
    }

    #[test]
    fn objects_round_trip_with_md5_etag() {
        let s3 = service();
        assert!(s3.create_bucket("1", "bucket", "eu-west-1").unwrap());
        let info = s3
            .put_object("bucket", "a/b.txt", b"hello", PutObjectInput::default())
            .unwrap();
        assert_eq!(info.etag, "\"5d41402abc4b2a76b9719d911017c592\"");
        assert_eq!(info.content_type, DEFAULT_CONTENT_TYPE);
        assert_eq!(
            &s3.get_object_bytes("bucket", "a/b.txt", None).unwrap()[..],
            b"hello"
        );
        s3.put_object("bucket", "a/b.txt", b"bye", PutObjectInput::default())
            .unwrap();
        assert_eq!(
            &s3.get_object_bytes("bucket", "a/b.txt", None).unwrap()[..],
            b"bye"
        );
        let err = s3.delete_bucket("bucket").unwrap_err();
        assert_eq!(err.code, "BucketNotEmpty");
        s3.delete_object("bucket", "a/b.txt").unwrap();
        assert_eq!(
            s3.get_object_bytes("bucket", "a/b.txt", None)
                .unwrap_err()
                .code,
            "NoSuchKey"
        );
        s3.delete_bucket("bucket").unwrap();
        assert_eq!(
            s3.get_object_bytes("bucket", "a/b.txt", None)
                .unwrap_err()
                .code,
            "NoSuchBucket"
        );
    }

    #[test]
    fn bucket_conflicts_follow_s3() {
        let s3 = service();
        assert!(s3.create_bucket("1", "b-east", "us-east-1").unwrap());
        assert!(!s3.create_bucket("1", "b-east", "us-east-1").unwrap());
        s3.create_bucket("1", "b-west", "eu-west-1").unwrap();
        let again = s3.create_bucket("1", "b-west", "eu-west-1").unwrap_err();
        assert_eq!(
            (again.code.as_str(), again.status),
            ("BucketAlreadyOwnedByYou", 409)
        );
        let other = s3.create_bucket("2", "b-west", "eu-west-1").unwrap_err();
        assert_eq!(other.code, "BucketAlreadyExists");
        assert_eq!(
            s3.create_bucket("1", "Bad_Name", "us-east-1")
                .unwrap_err()
                .code,
            "InvalidBucketName"
        );
        assert_eq!(s3.list_buckets("1").unwrap().len(), 2);
        assert!(s3.list_buckets("2").unwrap().is_empty());
    }
}
