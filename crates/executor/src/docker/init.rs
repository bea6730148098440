//! laminar-init in containers (crates/init): where the static binary is, and
//! the command line that makes it PID 1 with the image's own entrypoint and
//! command as the runtime it starts.

use crate::spec::{EnvironmentSpec, Package, StartError};
use std::path::{Path, PathBuf};

/// Where the binary is mounted (or copied) in every container.
pub(crate) const INIT_IN_CONTAINER: &str = "/laminar-init";

const BINARY: &str = "laminar-init";
/// Where `cargo build --release --target x86_64-unknown-linux-gnu -p
/// laminar-init` puts it, from the folder of a development build of laminar.
const BESIDE_A_DEV_BUILD: &str = "../x86_64-unknown-linux-gnu/release/laminar-init";

/// The init to put into containers: `configured` (`--docker-init`), else a
/// static `laminar-init` beside the running laminar or beside its dev build.
/// A binary linked against this host's C library would not run in images
/// with an older one, so only static ones are taken.
pub(crate) fn locate(configured: Option<&Path>) -> Result<PathBuf, String> {
    if let Some(path) = configured {
        return check(path).map(|()| path.to_path_buf());
    }
    let exe = std::env::current_exe().map_err(|e| format!("cannot find laminar itself: {e}"))?;
    let dir = exe.parent().unwrap_or(Path::new("/"));
    let candidates = [dir.join(BINARY), dir.join(BESIDE_A_DEV_BUILD)];
    let mut refusals = Vec::new();
    for path in &candidates {
        match check(path) {
            Ok(()) => return Ok(path.clone()),
            Err(why) => refusals.push(why),
        }
    }
    Err(refusals.join("; "))
}

fn check(path: &Path) -> Result<(), String> {
    let shown = path.display();
    match is_static(path) {
        Ok(true) => Ok(()),
        Ok(false) => Err(format!("{shown} is linked dynamically (build it with RUSTFLAGS=\"-C target-feature=+crt-static\")")),
        Err(e) => Err(format!("{shown}: {e}")),
    }
}

/// Whether an ELF executable needs no dynamic loader (no `PT_INTERP`).
fn is_static(path: &Path) -> std::io::Result<bool> {
    const PT_INTERP: u32 = 3;
    let bytes = std::fs::read(path)?;
    let invalid = || {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "not a 64-bit little-endian ELF file",
        )
    };
    if bytes.get(..6) != Some(&[0x7f, b'E', b'L', b'F', 2, 1]) {
        return Err(invalid());
    }
    let u16_at = |at: usize| {
        bytes
            .get(at..at + 2)
            .map(|b| u16::from_le_bytes([b[0], b[1]]) as usize)
    };
    let u64_at = |at: usize| {
        bytes
            .get(at..at + 8)
            .and_then(|b| b.try_into().ok())
            .map(u64::from_le_bytes)
    };
    let table = u64_at(0x20)
        .and_then(|o| usize::try_from(o).ok())
        .ok_or_else(invalid)?;
    let (entry_size, entries) = (
        u16_at(0x36).ok_or_else(invalid)?,
        u16_at(0x38).ok_or_else(invalid)?,
    );
    for i in 0..entries {
        let at = table + i * entry_size;
        let kind = bytes.get(at..at + 4).ok_or_else(invalid)?;
        if u32::from_le_bytes([kind[0], kind[1], kind[2], kind[3]]) == PT_INTERP {
            return Ok(false);
        }
    }
    Ok(true)
}

/// What the image would run without laminar-init: its entrypoint and command
/// as the function's `ImageConfig` (or, for a zip function, its handler)
/// leave them.
pub(crate) fn runtime_command(
    spec: &EnvironmentSpec,
    image: &bollard::models::ImageInspect,
) -> Result<Vec<String>, StartError> {
    let config = image.config.as_ref();
    let image_entrypoint = config
        .and_then(|c| c.entrypoint.clone())
        .unwrap_or_default();
    let image_cmd = config.and_then(|c| c.cmd.clone()).unwrap_or_default();
    let (entrypoint, cmd) = match &spec.package {
        Package::Zip { .. } => (image_entrypoint, vec![spec.handler.clone()]),
        Package::Image {
            entry_point,
            command,
            ..
        } => match (entry_point, command) {
            // As Docker does: a new entrypoint drops the image's command.
            (Some(entry), command) => (entry.clone(), command.clone().unwrap_or_default()),
            (None, command) => (image_entrypoint, command.clone().unwrap_or(image_cmd)),
        },
    };
    let command: Vec<String> = entrypoint.into_iter().chain(cmd).collect();
    if command.is_empty() {
        return Err(StartError::InvalidEntrypoint {
            message: "The image has neither an entrypoint nor a command.".into(),
        });
    }
    Ok(command)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dynamic_executable_is_told_from_a_static_one() {
        // The test binary itself is linked dynamically.
        let me = std::env::current_exe().unwrap();
        assert!(!is_static(&me).unwrap());
        assert!(check(&me).unwrap_err().contains("dynamically"));
        assert!(is_static(&Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml")).is_err());
    }
}
