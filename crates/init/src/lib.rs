//! What laminar and its init inside containers agree on: which files of a
//! layer tree are external extensions. The init itself is the `laminar-init`
//! binary (`main.rs`).

use std::path::{Path, PathBuf};

/// Where a function's layers put their external extensions.
pub const EXTENSIONS_DIR: &str = "/opt/extensions";

/// The executable files of `dir`, by name, in lexical order.
pub fn extensions_in(dir: &Path) -> Vec<(String, PathBuf)> {
    use std::os::unix::fs::PermissionsExt;
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut found: Vec<(String, PathBuf)> = entries
        .filter_map(Result::ok)
        .filter(|e| {
            e.path()
                .metadata()
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            (!name.contains('\n')).then(|| (name, e.path()))
        })
        .collect();
    found.sort();
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extensions_are_the_executables_in_lexical_order() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("laminar-init-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for (name, mode) in [("b-two", 0o755), ("a-one", 0o755), ("notes.txt", 0o644)] {
            let path = dir.join(name);
            std::fs::write(&path, "#!/bin/sh\n").unwrap();
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        }
        let names: Vec<String> = extensions_in(&dir).into_iter().map(|(n, _)| n).collect();
        assert_eq!(names, ["a-one", "b-two"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
