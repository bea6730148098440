//! Multipart uploads (what boto3's transfer manager and `aws s3 cp` use for
//! large files): parts are files of their own until CompleteMultipartUpload
//! joins them into the object's file in one go.

use crate::{now_ms, ObjectInfo, PutObjectInput, S3Error, S3Service};
use md5::{Digest, Md5};
use rusqlite::{params, OptionalExtension};

/// Every part but the last must be at least this large.
pub const MIN_PART_BYTES: u64 = 5 * 1024 * 1024;
const MAX_PART_NUMBER: u32 = 10_000;

fn no_such_upload() -> S3Error {
    S3Error::new(
        404,
        "NoSuchUpload",
        "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.",
    )
}

fn invalid_part() -> S3Error {
    S3Error::new(
        400,
        "InvalidPart",
        "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.",
    )
}

/// A stored part: its size, ETag and file.
struct Part {
    size: u64,
    etag: String,
    file: String,
}

impl S3Service {
    /// Starts an upload; returns its id.
    pub fn create_multipart_upload(
        &self,
        bucket: &str,
        key: &str,
        input: PutObjectInput,
    ) -> Result<String, S3Error> {
        self.bucket(bucket)?;
        let upload_id = uuid::Uuid::new_v4().simple().to_string();
        let metadata = serde_json::to_string(&input.metadata).map_err(S3Error::internal)?;
        let headers = serde_json::to_string(&input.headers).map_err(S3Error::internal)?;
        self.with(|conn| {
            conn.execute(
                "INSERT INTO s3_uploads (upload_id, bucket, key, content_type, metadata, headers, created_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![upload_id, bucket, key, input.content_type, metadata, headers, now_ms()],
            )?;
            Ok(())
        })?;
        Ok(upload_id)
    }

    /// Checks that the upload exists and is for this bucket and key.
    fn upload(&self, bucket: &str, key: &str, upload_id: &str) -> Result<PutObjectInput, S3Error> {
        let row: Option<(Option<String>, String, String)> = self.with(|conn| {
            Ok(conn
                .query_row(
                    "SELECT content_type, metadata, headers FROM s3_uploads
                     WHERE upload_id = ?1 AND bucket = ?2 AND key = ?3",
                    params![upload_id, bucket, key],
                    |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
                )
                .optional()?)
        })?;
        let (content_type, metadata, headers) = row.ok_or_else(no_such_upload)?;
        Ok(PutObjectInput {
            content_type,
            metadata: serde_json::from_str(&metadata).unwrap_or_default(),
            headers: serde_json::from_str(&headers).unwrap_or_default(),
            ..PutObjectInput::default()
        })
    }

    /// Stores one part (replacing an earlier part of the same number);
    /// returns its ETag. Blocking.
    pub fn upload_part(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        part_number: u32,
        body: &[u8],
    ) -> Result<String, S3Error> {
        if !(1..=MAX_PART_NUMBER).contains(&part_number) {
            return Err(S3Error::new(
                400,
                "InvalidArgument",
                "Part number must be an integer between 1 and 10000, inclusive",
            ));
        }
        self.upload(bucket, key, upload_id)?;
        let etag = format!("\"{}\"", hex::encode(Md5::digest(body)));
        let file = self.files.write(body)?;
        let stored = self.with(|conn| {
            let tx = conn.transaction()?;
            let alive = tx
                .query_row(
                    "SELECT 1 FROM s3_uploads WHERE upload_id = ?1",
                    params![upload_id],
                    |_| Ok(()),
                )
                .optional()?
                .is_some();
            if !alive {
                return Ok(None);
            }
            let replaced: Option<String> = tx
                .query_row(
                    "SELECT file FROM s3_parts WHERE upload_id = ?1 AND part_number = ?2",
                    params![upload_id, part_number],
                    |row| row.get(0),
                )
                .optional()?;
            tx.execute(
                "INSERT INTO s3_parts (upload_id, part_number, size, etag, file) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (upload_id, part_number) DO UPDATE SET
                   size = excluded.size, etag = excluded.etag, file = excluded.file",
                params![upload_id, part_number, body.len() as i64, etag, file],
            )?;
            tx.commit()?;
            Ok(Some(replaced))
        })?;
        let Some(replaced) = stored else {
            self.files.remove(&file);
            return Err(no_such_upload());
        };
        if let Some(old) = replaced {
            self.files.remove(&old);
        }
        Ok(etag)
    }

    /// Joins the listed parts (number and ETag, in ascending order) into the
    /// object. Blocking.
    pub fn complete_multipart_upload(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        listed: &[(u32, String)],
        origin: crate::Origin,
    ) -> Result<ObjectInfo, S3Error> {
        let input = self.upload(bucket, key, upload_id)?;
        if listed.is_empty() {
            return Err(S3Error::new(
                400,
                "MalformedXML",
                "The XML you provided was not well-formed or did not validate against our published schema",
            ));
        }
        if listed.windows(2).any(|w| w[0].0 >= w[1].0) {
            return Err(S3Error::new(
                400,
                "InvalidPartOrder",
                "The list of parts was not in ascending order. Parts must be ordered by part number.",
            ));
        }
        let parts = self.listed_parts(upload_id, listed)?;
        if parts[..parts.len() - 1]
            .iter()
            .any(|p| p.size < MIN_PART_BYTES)
        {
            return Err(S3Error::new(
                400,
                "EntityTooSmall",
                "Your proposed upload is smaller than the minimum allowed size",
            ));
        }
        // The multipart ETag: MD5 of the parts' binary MD5s, then the count.
        let mut digests = Md5::new();
        for part in &parts {
            let hex_md5 = part.etag.trim_matches('"');
            digests.update(hex::decode(hex_md5).map_err(S3Error::internal)?);
        }
        let etag = format!("\"{}-{}\"", hex::encode(digests.finalize()), parts.len());
        let files: Vec<&str> = parts.iter().map(|p| p.file.as_str()).collect();
        let joined = self.files.join(&files)?;
        let info = ObjectInfo {
            key: key.to_string(),
            size: parts.iter().map(|p| p.size).sum(),
            etag,
            content_type: input
                .content_type
                .filter(|t| !t.is_empty())
                .unwrap_or_else(|| crate::DEFAULT_CONTENT_TYPE.into()),
            last_modified_ms: now_ms(),
            metadata: input.metadata,
            headers: input.headers,
        };
        let change = (crate::Created::CompleteMultipartUpload, origin);
        match self.insert_object(bucket, &info, &joined, change) {
            Ok(replaced) => {
                if let Some(old) = replaced {
                    self.files.remove(&old);
                }
            }
            Err(e) => {
                self.files.remove(&joined);
                return Err(e);
            }
        }
        self.forget_upload(upload_id)?;
        Ok(info)
    }

    fn listed_parts(
        &self,
        upload_id: &str,
        listed: &[(u32, String)],
    ) -> Result<Vec<Part>, S3Error> {
        self.with(|conn| {
            let mut parts = Vec::with_capacity(listed.len());
            for (number, etag) in listed {
                let part = conn
                    .query_row(
                        "SELECT size, etag, file FROM s3_parts WHERE upload_id = ?1 AND part_number = ?2",
                        params![upload_id, number],
                        |row| {
                            Ok(Part {
                                size: row.get::<_, i64>(0)?.max(0) as u64,
                                etag: row.get(1)?,
                                file: row.get(2)?,
                            })
                        },
                    )
                    .optional()?
                    .ok_or_else(invalid_part)?;
                if part.etag.trim_matches('"') != etag.trim().trim_matches('"') {
                    return Err(invalid_part());
                }
                parts.push(part);
            }
            Ok(parts)
        })
    }

    /// Drops an upload and its parts (AbortMultipartUpload).
    pub fn abort_multipart_upload(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
    ) -> Result<(), S3Error> {
        self.upload(bucket, key, upload_id)?;
        self.forget_upload(upload_id)
    }

    fn forget_upload(&self, upload_id: &str) -> Result<(), S3Error> {
        let files: Vec<String> = self.with(|conn| {
            let tx = conn.transaction()?;
            let files = {
                let mut stmt =
                    tx.prepare("DELETE FROM s3_parts WHERE upload_id = ?1 RETURNING file")?;
                let rows = stmt.query_map(params![upload_id], |row| row.get(0))?;
                rows.collect::<Result<Vec<String>, _>>()?
            };
            tx.execute(
                "DELETE FROM s3_uploads WHERE upload_id = ?1",
                params![upload_id],
            )?;
            tx.commit()?;
            Ok(files)
        })?;
        for file in files {
            self.files.remove(&file);
        }
        Ok(())
    }
}
