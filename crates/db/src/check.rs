//! The check of an existing database file before laminar opens it for
//! writing: a damaged file is refused with its name and what to do, and
//! nothing in it is changed (the check reads through a read-only
//! connection, which never checkpoints the WAL into the file).

use crate::DbError;
use rusqlite::{Connection, OpenFlags};
use std::io::Read;
use std::path::Path;

/// What to tell the user of a damaged database.
const WHAT_TO_DO: &str = "laminar changed nothing in it. Restore the data directory from a \
backup, or move it aside and start with an empty one (`sqlite3 laminar.db .recover` may \
save part of it)";

fn damaged(file: &Path, detail: impl std::fmt::Display) -> DbError {
    DbError::Damaged {
        file: file.display().to_string(),
        detail: format!("{detail}; {WHAT_TO_DO}"),
    }
}

/// Refuses `file` (an existing database) if it or its WAL is damaged.
pub(crate) fn existing(file: &Path) -> Result<(), DbError> {
    let has_wal = check_wal_header(file)?;
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    // Without a log to read, `immutable` reads the file alone and creates
    // no log or index beside it.
    let conn = if has_wal {
        Connection::open_with_flags(file, flags)
    } else {
        let path = file.display().to_string();
        let escaped = path
            .replace('%', "%25")
            .replace('?', "%3f")
            .replace('#', "%23");
        Connection::open_with_flags(
            format!("file:{escaped}?immutable=1"),
            flags | OpenFlags::SQLITE_OPEN_URI,
        )
    }
    .map_err(|e| damaged(file, e))?;
    let mut found: Vec<String> = Vec::new();
    let checked = conn
        .prepare("PRAGMA quick_check(5)")
        .and_then(|mut statement| {
            let rows = statement.query_map([], |row| row.get::<_, String>(0))?;
            for row in rows {
                found.push(row?);
            }
            Ok(())
        });
    match checked {
        Err(e) => Err(damaged(file, e)),
        Ok(()) if found == ["ok"] => Ok(()),
        Ok(()) => Err(damaged(file, found.join("; ").replace('\n', " "))),
    }
}

const WAL_HEADER: usize = 32;
const WAL_MAGIC: [u32; 2] = [0x377f_0682, 0x377f_0683];

/// A WAL with frames after a header SQLite cannot read would be ignored
/// (and with it every commit it holds): refuse it instead. A torn last
/// frame is not damage: it is a commit that never finished (and was never
/// acknowledged), which SQLite's recovery drops.
/// Whether a log with frames exists (and its header is sound).
fn check_wal_header(file: &Path) -> Result<bool, DbError> {
    let mut wal_name = file.as_os_str().to_os_string();
    wal_name.push("-wal");
    let wal = Path::new(&wal_name);
    let Ok(mut f) = std::fs::File::open(wal) else {
        return Ok(false);
    };
    let len = f.metadata().map(|m| m.len()).unwrap_or(0);
    if len <= WAL_HEADER as u64 {
        // Empty, or a header torn before any frame followed it.
        return Ok(len > 0);
    }
    let mut header = [0u8; WAL_HEADER];
    f.read_exact(&mut header)?;
    let word =
        |i: usize| u32::from_be_bytes([header[i], header[i + 1], header[i + 2], header[i + 3]]);
    let magic = word(0);
    if !WAL_MAGIC.contains(&magic) {
        return Err(damaged(wal, "its write-ahead log has no valid header"));
    }
    let (s0, s1) = wal_checksum(&header[..24], magic & 1 == 1);
    if (s0, s1) != (word(24), word(28)) {
        return Err(damaged(
            wal,
            "the header of its write-ahead log fails its checksum",
        ));
    }
    Ok(true)
}

/// SQLite's WAL checksum over 8-byte words (big- or little-endian words as
/// the magic number's low bit says).
fn wal_checksum(bytes: &[u8], big_endian: bool) -> (u32, u32) {
    let (mut s0, mut s1) = (0u32, 0u32);
    for pair in bytes.chunks_exact(8) {
        let read = |b: &[u8]| {
            let b = [b[0], b[1], b[2], b[3]];
            if big_endian {
                u32::from_be_bytes(b)
            } else {
                u32::from_le_bytes(b)
            }
        };
        s0 = s0.wrapping_add(read(&pair[..4])).wrapping_add(s1);
        s1 = s1.wrapping_add(read(&pair[4..])).wrapping_add(s0);
    }
    (s0, s1)
}

#[cfg(test)]
mod tests {
    use crate::{Db, DbError, FILE_NAME};
    use std::path::{Path, PathBuf};

    /// A data directory holding a table of 200 rows (several pages), closed
    /// cleanly (no WAL left).
    fn made() -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(Some(dir.path())).unwrap();
        db.call_blocking(|conn| {
            conn.execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")?;
            for i in 0..200 {
                conn.execute("INSERT INTO t (v) VALUES (?1)", [format!("{i:0>200}")])?;
            }
            Ok::<_, rusqlite::Error>(())
        })
        .unwrap();
        drop(db);
        let file = dir.path().join(FILE_NAME);
        (dir, file)
    }

    fn refused(dir: &Path) -> String {
        let before = std::fs::read(dir.join(FILE_NAME)).unwrap();
        let err = Db::open(Some(dir))
            .err()
            .expect("a damaged database is refused");
        assert!(matches!(err, DbError::Damaged { .. }), "{err}");
        assert_eq!(std::fs::read(dir.join(FILE_NAME)).unwrap(), before);
        err.to_string()
    }

    #[test]
    fn a_truncated_file_is_refused_untouched() {
        let (dir, file) = made();
        let len = std::fs::metadata(&file).unwrap().len();
        let f = std::fs::OpenOptions::new().write(true).open(&file).unwrap();
        f.set_len(len / 2).unwrap();
        let message = refused(dir.path());
        assert!(message.contains(&file.display().to_string()), "{message}");
        assert!(message.contains("changed nothing"), "{message}");
    }

    #[test]
    fn a_corrupted_page_is_refused() {
        let (dir, file) = made();
        let mut bytes = std::fs::read(&file).unwrap();
        let page = 4096;
        bytes[page * 2..page * 2 + 512].fill(0xA5);
        std::fs::write(&file, bytes).unwrap();
        refused(dir.path());
    }

    #[test]
    fn garbage_is_refused() {
        let (dir, file) = made();
        std::fs::write(&file, b"not a database at all, just some words").unwrap();
        refused(dir.path());
    }

    #[test]
    fn a_wal_with_a_broken_header_is_refused() {
        let (dir, file) = made();
        let wal = dir.path().join(format!("{FILE_NAME}-wal"));
        std::fs::write(&wal, vec![0x5Au8; 4096 + 32 + 24]).unwrap();
        let message = refused(dir.path());
        assert!(message.contains("write-ahead log"), "{message}");
        assert!(file.exists());
    }

    #[test]
    fn a_torn_last_frame_is_recovered_with_every_commit_before_it() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(Some(dir.path())).unwrap();
        db.call_blocking(|conn| {
            conn.execute_batch("PRAGMA wal_autocheckpoint = 0; CREATE TABLE t (v TEXT)")?;
            conn.execute("INSERT INTO t VALUES ('kept')", [])
        })
        .unwrap();
        // Copy the WAL as a crash would leave it, then tear a frame off its end.
        let wal = dir.path().join(format!("{FILE_NAME}-wal"));
        let mut bytes = std::fs::read(&wal).unwrap();
        let kept = dir.path().join("copy");
        std::fs::create_dir(&kept).unwrap();
        std::fs::copy(dir.path().join(FILE_NAME), kept.join(FILE_NAME)).unwrap();
        bytes.extend_from_slice(&[0x11; 1000]);
        std::fs::write(kept.join(format!("{FILE_NAME}-wal")), bytes).unwrap();
        drop(db);
        let db = Db::open(Some(&kept)).unwrap();
        let v: String = db
            .call_blocking(|conn| conn.query_row("SELECT v FROM t", [], |r| r.get(0)))
            .unwrap();
        assert_eq!(v, "kept");
    }

    #[test]
    fn a_newer_schema_names_the_file() {
        let (dir, file) = made();
        let db = Db::open(Some(dir.path())).unwrap();
        let schema = crate::Schema {
            owner: "things",
            steps: &["CREATE TABLE things (id TEXT)"],
        };
        db.migrate(&schema).unwrap();
        db.call_blocking(|conn| conn.execute("UPDATE schema_versions SET version = 9", []))
            .unwrap();
        let err = db.migrate(&schema).unwrap_err().to_string();
        assert!(err.contains(&file.display().to_string()), "{err}");
        assert!(err.contains("newer laminar"), "{err}");
    }
}
