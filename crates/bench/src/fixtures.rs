//! The functions the bench deploys: the `lambda_runtime` fixture as a
//! `provided.al2023` zip, a small Python handler, and 1 MB packages of
//! incompressible bytes for the control plane.

use crate::Result;
use base64::Engine;
use std::io::Write;
use std::path::Path;

pub const ROLE: &str = "arn:aws:iam::000000000000:role/lambda-role";

pub const PYTHON_HANDLER: &str = r#"def handler(event, context):
    return {"ok": True, "echo": event}
"#;

/// A zip of `(name, bytes, unix mode)`; `stored` skips compression.
pub fn zip_of(entries: &[(&str, &[u8], u32)], stored: bool) -> Result<Vec<u8>> {
    let mut buf = std::io::Cursor::new(Vec::new());
    let mut writer = zip::ZipWriter::new(&mut buf);
    let method = if stored {
        zip::CompressionMethod::Stored
    } else {
        zip::CompressionMethod::Deflated
    };
    for (name, bytes, mode) in entries {
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(method)
            .compression_level((!stored).then_some(1))
            .unix_permissions(*mode);
        writer.start_file(*name, options)?;
        writer.write_all(bytes)?;
    }
    writer.finish()?;
    Ok(buf.into_inner())
}

/// The fixture binary as `bootstrap`, mode 0755.
pub fn bootstrap_zip(binary: &Path) -> Result<Vec<u8>> {
    let bytes = std::fs::read(binary).map_err(|e| {
        format!(
            "cannot read the fixture {}: {e} (build it with -p laminar-fixture-bootstrap)",
            binary.display()
        )
    })?;
    zip_of(&[("bootstrap", &bytes, 0o755)], false)
}

pub fn python_zip() -> Result<Vec<u8>> {
    zip_of(&[("app.py", PYTHON_HANDLER.as_bytes(), 0o644)], false)
}

/// A fast generator of incompressible bytes (splitmix64).
pub struct Noise(u64);

impl Noise {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn bytes(&mut self, len: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(len + 8);
        while out.len() < len {
            out.extend_from_slice(&self.next().to_le_bytes());
        }
        out.truncate(len);
        out
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// A Python package of about `size` bytes: the handler and random bytes,
/// stored uncompressed (they would not compress anyway).
pub fn big_zip(noise: &mut Noise, size: usize) -> Result<Vec<u8>> {
    let data = noise.bytes(size);
    zip_of(
        &[
            ("app.py", PYTHON_HANDLER.as_bytes(), 0o644),
            ("data.bin", &data, 0o644),
        ],
        true,
    )
}

/// The `CreateFunction` body for a zip package.
pub fn create_body(name: &str, runtime: &str, handler: &str, zip: &[u8]) -> bytes::Bytes {
    let body = serde_json::json!({
        "FunctionName": name,
        "Runtime": runtime,
        "Role": ROLE,
        "Handler": handler,
        "Timeout": 30,
        "MemorySize": 256,
        "Code": { "ZipFile": base64::engine::general_purpose::STANDARD.encode(zip) },
    });
    bytes::Bytes::from(body.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn noise_does_not_compress_and_zips_read_back() {
        let mut noise = Noise::new(7);
        let zip = big_zip(&mut noise, 100_000).unwrap();
        assert!(zip.len() > 100_000);
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap();
        assert_eq!(archive.len(), 2);
        assert_eq!(archive.by_name("data.bin").unwrap().size(), 100_000);
        let deflated = zip_of(&[("x", &noise.bytes(50_000), 0o755)], false).unwrap();
        assert!(deflated.len() > 49_000, "random bytes stay incompressible");
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(deflated)).unwrap();
        assert_eq!(
            archive.by_index(0).unwrap().unix_mode().map(|m| m & 0o777),
            Some(0o755)
        );
    }
}
