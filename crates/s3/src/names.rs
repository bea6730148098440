//! The general-purpose bucket naming rules S3 enforces on CreateBucket.

/// Whether `name` is a valid general-purpose bucket name: 3–63 characters of
/// lowercase letters, digits, dots and hyphens, starting and ending with a
/// letter or digit, no `..`, not an IPv4 address, and none of the prefixes
/// and suffixes S3 reserves.
pub fn is_valid_bucket_name(name: &str) -> bool {
    const RESERVED_PREFIXES: &[&str] = &["xn--", "sthree-", "amzn-s3-demo-"];
    const RESERVED_SUFFIXES: &[&str] = &["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"];
    let bytes = name.as_bytes();
    let edge_ok = |b: Option<&u8>| b.is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    (3..=63).contains(&bytes.len())
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'.' || *b == b'-')
        && edge_ok(bytes.first())
        && edge_ok(bytes.last())
        && !name.contains("..")
        && name.parse::<std::net::Ipv4Addr>().is_err()
        && !RESERVED_PREFIXES.iter().any(|p| name.starts_with(p))
        && !RESERVED_SUFFIXES.iter().any(|s| name.ends_with(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_names() {
        for name in [
            "abc",
            "my-bucket",
            "my.bucket.1",
            "hot-reload",
            &"a".repeat(63),
        ] {
            assert!(is_valid_bucket_name(name), "{name}");
        }
    }

    #[test]
    fn refuses_what_s3_refuses() {
        for name in [
            "ab",
            &"a".repeat(64),
            "My-Bucket",
            "under_score",
            "-start",
            "end-",
            "a..b",
            "192.168.1.1",
            "xn--bucket",
            "sthree-x",
            "bucket-s3alias",
            "bucket--ol-s3",
            "",
        ] {
            assert!(!is_valid_bucket_name(name), "{name}");
        }
    }
}
