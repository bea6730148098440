//! LocalStack's hot-reload convention: `Code.S3Bucket = "hot-reload"` and
//! `S3Key = /absolute/folder` make a function run that folder live.
//!
//! Nothing is copied. An edit takes effect on the next invoke because warm
//! environments are pooled by a fingerprint of the folder (newest
//! modification time and entry count): once the folder changes, environments
//! started from the older fingerprint are no longer taken.

use crate::ApiResult;
use base64::Engine;
use laminar_model::config::FunctionCode;
use laminar_model::ApiError;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

/// The bucket name that marks a local folder instead of an S3 object.
pub const BUCKET: &str = "hot-reload";

/// Entries walked at most per fingerprint, so a huge tree stays cheap.
const MAX_ENTRIES: usize = 20_000;

/// Folders whose changes are the runtime's own (bytecode caches, VCS
/// metadata) or that are large and rarely what is being edited
/// (installed dependencies), not the user's edits.
const IGNORED_DIRS: &[&str] = &["__pycache__", ".git", "node_modules"];

/// Checks that the folder is absolute and exists; returns it as stored.
pub async fn check_folder(path: &str) -> ApiResult<String> {
    let invalid = || {
        ApiError::invalid_parameter(format!(
            "The hot-reload S3Key must be the absolute path of an existing folder on laminar's host: {path}"
        ))
    };
    if !Path::new(path).is_absolute() {
        return Err(invalid());
    }
    let owned = PathBuf::from(path);
    let is_dir = tokio::task::spawn_blocking(move || owned.is_dir())
        .await
        .unwrap_or(false);
    if !is_dir {
        return Err(invalid());
    }
    Ok(path.to_string())
}

/// `CodeSha256` of a hot-reloaded function: a stable hash of the path.
pub fn code_sha256(path: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(Sha256::digest(path.as_bytes()))
}

/// The fingerprint of a hot-reloaded function's folder (`None` for other
/// code): environments started under one fingerprint serve only it.
pub async fn stamp(code: &FunctionCode) -> Option<u64> {
    match code {
        // A walk of the folder is file system work: off the async workers.
        FunctionCode::LocalFolder { path } => {
            let path = path.clone();
            tokio::task::spawn_blocking(move || fingerprint(Path::new(&path)))
                .await
                .ok()
        }
        FunctionCode::Zip { .. } | FunctionCode::Image { .. } => None,
    }
}

/// Variables a hot-reloaded environment needs: Python must not trust
/// bytecode caches keyed on a one-second mtime when files change live.
pub fn with_variables(
    code: &FunctionCode,
    mut variables: Vec<(String, String)>,
) -> Vec<(String, String)> {
    const NO_BYTECODE: &str = "PYTHONDONTWRITEBYTECODE";
    if matches!(code, FunctionCode::LocalFolder { .. })
        && !variables.iter().any(|(k, _)| k == NO_BYTECODE)
    {
        variables.push((NO_BYTECODE.into(), "1".into()));
    }
    variables
}

/// Newest modification time (ns) and entry count under `root`, hashed.
fn fingerprint(root: &Path) -> u64 {
    let mut newest: u128 = 0;
    let mut count: u64 = 0;
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            if IGNORED_DIRS.iter().any(|d| entry.file_name() == *d) {
                continue;
            }
            count += 1;
            if count as usize > MAX_ENTRIES {
                return combine(newest, count);
            }
            let Ok(meta) = entry.metadata() else { continue };
            if let Some(ns) = meta
                .modified()
                .ok()
                .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            {
                newest = newest.max(ns.as_nanos());
            }
            if meta.is_dir() {
                pending.push(entry.path());
            }
        }
    }
    combine(newest, count)
}

fn combine(newest: u128, count: u64) -> u64 {
    let digest = Sha256::new()
        .chain_update(newest.to_le_bytes())
        .chain_update(count.to_le_bytes())
        .finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    u64::from_le_bytes(first)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_edit_changes_the_fingerprint() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("app.py");
        std::fs::write(&file, "x = 1").unwrap();
        let before = fingerprint(dir.path());
        assert_eq!(before, fingerprint(dir.path()));
        let later = std::time::SystemTime::now() + std::time::Duration::from_secs(5);
        std::fs::write(&file, "x = 2").unwrap();
        std::fs::File::options()
            .write(true)
            .open(&file)
            .unwrap()
            .set_modified(later)
            .unwrap();
        assert_ne!(before, fingerprint(dir.path()));
        let edited = fingerprint(dir.path());
        std::fs::write(dir.path().join("new.py"), "").unwrap();
        assert_ne!(edited, fingerprint(dir.path()));
    }

    #[test]
    fn bytecode_caches_do_not_count() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("app.py"), "x = 1").unwrap();
        std::fs::create_dir(dir.path().join("__pycache__")).unwrap();
        let before = fingerprint(dir.path());
        std::fs::write(dir.path().join("__pycache__/app.pyc"), "").unwrap();
        assert_eq!(before, fingerprint(dir.path()));
    }
}
