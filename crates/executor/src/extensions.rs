//! What the executors need to know about extensions: the external ones a
//! function's layers bring, and what the Extensions API tells them.

use crate::spec::EnvironmentSpec;
use laminar_runtime_api::FunctionMeta;
use std::path::{Path, PathBuf};

/// The external extensions of a merged layer tree: the executable files of
/// `extensions/`, by name, in lexical order (the order Lambda starts them).
pub(crate) fn external_extensions(opt: &Path) -> Vec<(String, PathBuf)> {
    use std::os::unix::fs::PermissionsExt;
    let Ok(entries) = std::fs::read_dir(opt.join("extensions")) else {
        return Vec::new();
    };
    let mut found: Vec<(String, PathBuf)> = entries
        .filter_map(Result::ok)
        .filter(|e| {
            e.path()
                .metadata()
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
        .filter_map(|e| Some((e.file_name().into_string().ok()?, e.path())))
        .collect();
    found.sort();
    found
}

/// The function as the register answer describes it.
pub(crate) fn function_meta(spec: &EnvironmentSpec) -> FunctionMeta {
    FunctionMeta {
        function_name: spec.function_name.clone(),
        function_version: spec.version.clone(),
        handler: spec.handler.clone(),
        account_id: spec
            .function_arn
            .split(':')
            .nth(4)
            .unwrap_or_default()
            .to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn executables_only_in_lexical_order() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("laminar-ext-{}", std::process::id()));
        let ext = dir.join("extensions");
        std::fs::create_dir_all(&ext).unwrap();
        for (name, mode) in [("b-two", 0o755), ("a-one", 0o755), ("notes.txt", 0o644)] {
            let path = ext.join(name);
            std::fs::write(&path, "#!/bin/sh\n").unwrap();
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        }
        let names: Vec<String> = external_extensions(&dir)
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        assert_eq!(names, ["a-one", "b-two"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
