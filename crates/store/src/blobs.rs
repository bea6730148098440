//! Deployment packages by SHA-256: the zip as uploaded, and its unpacked tree
//! that executors run from.

use base64::Engine;
use sha2::{Digest, Sha256};
use std::fs;
use std::io::{self, Read, Write};
use std::path::{Component, Path, PathBuf};

/// Why a package was refused. Each maps to one API error.
#[derive(Debug, thiserror::Error)]
pub enum CodeError {
    #[error("the file is not a readable zip archive")]
    NotAZip,
    #[error("an entry would be written outside the function's folder: {0}")]
    EscapingEntry(String),
    #[error("unzipped size exceeds {limit} bytes")]
    UnzippedTooLarge { limit: u64 },
    #[error("io: {0}")]
    Io(#[from] io::Error),
}

/// What the blob store knows about one stored package.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredCode {
    pub sha256_hex: String,
    /// `CodeSha256` as the API reports it: base64 of the digest.
    pub sha256_base64: String,
    pub size: u64,
}

pub struct BlobStore {
    root: PathBuf,
    /// Whether writes must survive a crash (a data directory) or not (a
    /// temporary folder): only then are they synced to disk.
    durable: bool,
    zips: PathBuf,
    trees: PathBuf,
}

impl BlobStore {
    pub fn open(root: &Path, durable: bool) -> io::Result<Self> {
        let store = Self {
            root: root.to_path_buf(),
            durable,
            zips: root.join("blobs"),
            trees: root.join("code"),
        };
        fs::create_dir_all(&store.zips)?;
        fs::create_dir_all(&store.trees)?;
        Ok(store)
    }

    /// The folder the store lives in; other on-disk state may sit beside it.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Whether writes beside the store must be synced to disk before they
    /// are acknowledged (a data directory) or need not be (a temporary one).
    pub fn durable(&self) -> bool {
        self.durable
    }

    pub fn zip_path(&self, sha256_hex: &str) -> PathBuf {
        self.zips.join(format!("{sha256_hex}.zip"))
    }

    /// Checks, stores and unpacks a zip. Storing the same bytes twice is a
    /// no-op. Blocking: call from a blocking thread.
    pub fn put_zip(&self, bytes: &[u8], unzipped_limit: u64) -> Result<StoredCode, CodeError> {
        let digest = Sha256::digest(bytes);
        let code = StoredCode {
            sha256_hex: hex::encode(digest),
            sha256_base64: base64::engine::general_purpose::STANDARD.encode(digest),
            size: bytes.len() as u64,
        };
        let tree = self.trees.join(&code.sha256_hex);
        let zip = self.zip_path(&code.sha256_hex);
        // The zip is written (and synced) while the tree is unpacked: the
        // sync is the slow part, and neither needs the other.
        std::thread::scope(|scope| {
            let written = (!zip.exists())
                .then(|| scope.spawn(|| write_atomically(&zip, bytes, self.durable)));
            let unpacked = if tree.exists() {
                Ok(())
            } else {
                unpack_atomically(bytes, &tree, unzipped_limit)
            };
            let wrote_zip = written.is_some();
            let written = match written {
                Some(handle) => handle
                    .join()
                    .unwrap_or_else(|_| Err(io::Error::other("the zip writer panicked"))),
                None => Ok(()),
            };
            if let Err(e) = unpacked {
                // Not a package laminar keeps: leave no zip of it behind.
                if wrote_zip && written.is_ok() {
                    let _ = fs::remove_file(&zip);
                }
                return Err(e);
            }
            written?;
            Ok::<(), CodeError>(())
        })?;
        Ok(code)
    }

    /// The unpacked tree of a stored package, unpacking it again if a crash
    /// left only the zip behind.
    pub fn code_dir(&self, sha256_hex: &str) -> Result<PathBuf, CodeError> {
        let tree = self.trees.join(sha256_hex);
        if !tree.exists() {
            let bytes = fs::read(self.zip_path(sha256_hex))?;
            unpack_atomically(&bytes, &tree, u64::MAX)?;
        }
        // Trees unpacked before they were made world-readable.
        let _ = fs::set_permissions(&tree, readable());
        Ok(tree)
    }

    /// A folder with the given packages' trees merged in order (later ones
    /// win), as `/opt` holds a function's layers. Built once per combination.
    pub fn merged(&self, packages: &[String]) -> Result<PathBuf, CodeError> {
        let mut hasher = Sha256::new();
        for sha in packages {
            hasher.update(sha.as_bytes());
            hasher.update(b"\n");
        }
        let dir = self.root.join("opt").join(hex::encode(hasher.finalize()));
        if dir.exists() {
            let _ = fs::set_permissions(&dir, readable());
            return Ok(dir);
        }
        let parent = self.root.join("opt");
        fs::create_dir_all(&parent)?;
        let staging = tempfile::Builder::new()
            .prefix(".merge-")
            .tempdir_in(&parent)?;
        for sha in packages {
            copy_tree(&self.code_dir(sha)?, staging.path())?;
        }
        fs::set_permissions(staging.path(), readable())?;
        match fs::rename(staging.path(), &dir) {
            Ok(()) => {
                let _ = staging.keep();
                Ok(dir)
            }
            Err(_) if dir.exists() => Ok(dir),
            Err(e) => Err(e.into()),
        }
    }

    pub fn read_zip(&self, sha256_hex: &str) -> io::Result<Vec<u8>> {
        fs::read(self.zip_path(sha256_hex))
    }
}

fn write_atomically(path: &Path, bytes: &[u8], durable: bool) -> io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(bytes)?;
    if durable {
        tmp.as_file().sync_all()?;
    }
    tmp.persist(path).map_err(|e| e.error)?;
    if durable {
        // The rename is only durable once the folder holding it is synced.
        fs::File::open(dir)?.sync_all()?;
    }
    Ok(())
}

/// Unpacks into a sibling temporary folder, then renames it into place, so a
/// tree either exists whole or not at all.
fn unpack_atomically(bytes: &[u8], dest: &Path, limit: u64) -> Result<(), CodeError> {
    let parent = dest.parent().unwrap_or(Path::new("."));
    let staging = tempfile::Builder::new()
        .prefix(".unpack-")
        .tempdir_in(parent)?;
    unpack(bytes, staging.path(), limit)?;
    // Functions run as a user without privileges (the Docker executor):
    // the tree's root must be readable to it, as every folder inside is.
    fs::set_permissions(staging.path(), readable())?;
    match fs::rename(staging.path(), dest) {
        Ok(()) => {
            // The folder now lives at `dest`; nothing is left to clean up.
            let _ = staging.keep();
            Ok(())
        }
        // Another request unpacked the same package first.
        Err(_) if dest.exists() => Ok(()),
        Err(e) => Err(e.into()),
    }
}

fn readable() -> fs::Permissions {
    use std::os::unix::fs::PermissionsExt;
    fs::Permissions::from_mode(0o755)
}

/// Copies `from` into `to` (files hard-linked where possible), replacing
/// files that exist.
fn copy_tree(from: &Path, to: &Path) -> io::Result<()> {
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        let kind = entry.file_type()?;
        if kind.is_dir() {
            fs::create_dir_all(&target)?;
            copy_tree(&entry.path(), &target)?;
        } else if kind.is_symlink() {
            let _ = fs::remove_file(&target);
            std::os::unix::fs::symlink(fs::read_link(entry.path())?, &target)?;
        } else {
            let _ = fs::remove_file(&target);
            if fs::hard_link(entry.path(), &target).is_err() {
                fs::copy(entry.path(), &target)?;
            }
        }
    }
    Ok(())
}

const S_IFMT: u32 = 0o170_000;
const S_IFLNK: u32 = 0o120_000;

fn unpack(bytes: &[u8], root: &Path, limit: u64) -> Result<(), CodeError> {
    let mut archive =
        zip::ZipArchive::new(io::Cursor::new(bytes)).map_err(|_| CodeError::NotAZip)?;
    let mut written: u64 = 0;
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index).map_err(|_| CodeError::NotAZip)?;
        let raw_name = entry.name().map_err(|_| CodeError::NotAZip)?.to_string();
        let relative = entry
            .enclosed_name()
            .ok_or_else(|| CodeError::EscapingEntry(raw_name.clone()))?;
        let path = root.join(&relative);
        if entry.is_dir() {
            fs::create_dir_all(&path)?;
            continue;
        }
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)?;
        }
        let mode = entry.unix_mode();
        if mode.is_some_and(|m| m & S_IFMT == S_IFLNK) {
            let mut target = String::new();
            entry
                .by_ref()
                .take(4096)
                .read_to_string(&mut target)
                .map_err(|_| CodeError::NotAZip)?;
            if !link_stays_inside(&relative, Path::new(&target)) {
                return Err(CodeError::EscapingEntry(raw_name));
            }
            std::os::unix::fs::symlink(&target, &path)?;
            continue;
        }
        // Declared sizes can lie (zip bombs): count what really comes out.
        let mut out = fs::File::create(&path)?;
        let budget = limit.saturating_sub(written);
        let copied = io::copy(&mut entry.by_ref().take(budget.saturating_add(1)), &mut out)
            .map_err(|e| match e.kind() {
                io::ErrorKind::InvalidData => CodeError::NotAZip,
                _ => CodeError::Io(e),
            })?;
        if copied > budget {
            return Err(CodeError::UnzippedTooLarge { limit });
        }
        written += copied;
        if let Some(mode) = mode {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&path, fs::Permissions::from_mode(mode & 0o777))?;
        }
    }
    Ok(())
}

/// A symlink at `entry` (relative to the root) pointing at `target` must not
/// resolve outside the root.
fn link_stays_inside(entry: &Path, target: &Path) -> bool {
    if target.is_absolute() {
        return false;
    }
    let mut depth: i64 = entry.components().count() as i64 - 1;
    for part in target.components() {
        match part {
            Component::ParentDir => depth -= 1,
            Component::Normal(_) => depth += 1,
            Component::CurDir => {}
            _ => return false,
        }
        if depth < 0 {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut buf = io::Cursor::new(Vec::new());
        let mut w = zip::ZipWriter::new(&mut buf);
        for (name, data) in entries {
            w.start_file(*name, zip::write::SimpleFileOptions::default())
                .unwrap();
            w.write_all(data).unwrap();
        }
        w.finish().unwrap();
        buf.into_inner()
    }

    #[test]
    fn stores_and_unpacks() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::open(dir.path(), false).unwrap();
        let code = store
            .put_zip(&zip_of(&[("app.py", b"x = 1"), ("pkg/m.py", b"")]), 1 << 20)
            .unwrap();
        let tree = store.code_dir(&code.sha256_hex).unwrap();
        assert_eq!(fs::read(tree.join("app.py")).unwrap(), b"x = 1");
        assert!(tree.join("pkg/m.py").exists());
        assert_eq!(code.sha256_base64.len(), 44);
        // Readable to the unprivileged user functions run as in containers.
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(&tree).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o755);
    }

    #[test]
    fn refuses_escaping_entries_and_bombs() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::open(dir.path(), false).unwrap();
        let slip = zip_of(&[("../evil.py", b"x")]);
        assert!(matches!(
            store.put_zip(&slip, 1 << 20),
            Err(CodeError::EscapingEntry(_))
        ));
        let big = zip_of(&[("zeros", &vec![0u8; 4096])]);
        assert!(matches!(
            store.put_zip(&big, 1000),
            Err(CodeError::UnzippedTooLarge { .. })
        ));
        assert!(matches!(
            store.put_zip(b"not a zip", 1000),
            Err(CodeError::NotAZip)
        ));
        assert!(!dir.path().join("../evil.py").exists());
    }

    #[test]
    fn symlinks_must_stay_inside() {
        assert!(link_stays_inside(Path::new("a/link"), Path::new("../b")));
        assert!(!link_stays_inside(Path::new("link"), Path::new("../b")));
        assert!(!link_stays_inside(
            Path::new("link"),
            Path::new("/etc/passwd")
        ));
    }
}
