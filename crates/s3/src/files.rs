//! Object bytes on disk: one file per stored object version, written to a
//! temporary name and renamed into place whole.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

pub(crate) struct ObjectFiles {
    dir: PathBuf,
    /// Sync each file (and the folder) before it is acknowledged.
    durable: bool,
}

impl ObjectFiles {
    pub(crate) fn open(dir: &Path, durable: bool) -> io::Result<Self> {
        fs::create_dir_all(dir)?;
        Ok(Self {
            dir: dir.to_path_buf(),
            durable,
        })
    }

    /// Writes `bytes` to a new file and returns its name.
    pub(crate) fn write(&self, bytes: &[u8]) -> io::Result<String> {
        let name = uuid::Uuid::new_v4().simple().to_string();
        let mut tmp = tempfile::Builder::new()
            .prefix(".upload-")
            .tempfile_in(&self.dir)?;
        tmp.write_all(bytes)?;
        self.finish(tmp, &name)?;
        Ok(name)
    }

    /// Writes the concatenation of existing files to a new file and
    /// returns its name.
    pub(crate) fn join(&self, names: &[&str]) -> io::Result<String> {
        let name = uuid::Uuid::new_v4().simple().to_string();
        let mut tmp = tempfile::Builder::new()
            .prefix(".join-")
            .tempfile_in(&self.dir)?;
        for part in names {
            io::copy(&mut self.read(part)?, tmp.as_file_mut())?;
        }
        self.finish(tmp, &name)?;
        Ok(name)
    }

    fn finish(&self, tmp: tempfile::NamedTempFile, name: &str) -> io::Result<()> {
        if self.durable {
            tmp.as_file().sync_all()?;
        }
        tmp.persist(self.dir.join(name)).map_err(|e| e.error)?;
        if self.durable {
            // The rename itself must survive a crash too.
            fs::File::open(&self.dir)?.sync_all()?;
        }
        Ok(())
    }

    pub(crate) fn read(&self, name: &str) -> io::Result<fs::File> {
        fs::File::open(self.path(name)?)
    }

    /// Removes a file no row points at any more; a failure only leaks space.
    pub(crate) fn remove(&self, name: &str) {
        if let Ok(path) = self.path(name) {
            if let Err(e) = fs::remove_file(&path) {
                tracing::debug!(path = %path.display(), error = %e, "could not remove an S3 object file");
            }
        }
    }

    /// Names come from the database; refuse anything that is not a plain name.
    fn path(&self, name: &str) -> io::Result<PathBuf> {
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("bad object file name {name:?}"),
            ));
        }
        Ok(self.dir.join(name))
    }
}
