//! `aws-chunked` request bodies: SigV4 streaming uploads
//! (`STREAMING-AWS4-HMAC-SHA256-PAYLOAD`, with or without a trailer) and
//! unsigned streaming with trailing checksums
//! (`STREAMING-UNSIGNED-PAYLOAD-TRAILER`).
//!
//! Each chunk is `<hex size>[;chunk-signature=<sig>]\r\n<bytes>\r\n`; a chunk
//! of size 0 ends the data and trailing headers may follow. Signatures and
//! trailers are not checked: laminar accepts any credentials.

use axum::http::HeaderMap;

/// Whether the body uses the chunked framing rather than carrying the
/// object's bytes as they are.
pub fn is_aws_chunked(headers: &HeaderMap) -> bool {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    header("x-amz-content-sha256").is_some_and(|v| v.starts_with("STREAMING-"))
        || header("content-encoding").is_some_and(|v| {
            v.split(',')
                .any(|t| t.trim().eq_ignore_ascii_case("aws-chunked"))
        })
}

/// The object's bytes inside a chunked body, or `None` if the framing is
/// broken or shorter than `decoded_length` says.
pub fn decode(body: &[u8], decoded_length: Option<usize>) -> Option<Vec<u8>> {
    // The decoded bytes are never more than the body: the client's claimed
    // length is checked at the end, not trusted for an allocation.
    let mut out = Vec::with_capacity(decoded_length.unwrap_or(body.len()).min(body.len()));
    let mut rest = body;
    loop {
        let line_end = rest.windows(2).position(|w| w == b"\r\n")?;
        let line = std::str::from_utf8(&rest[..line_end]).ok()?;
        let size_text = line.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size_text, 16).ok()?;
        rest = &rest[line_end + 2..];
        if size == 0 {
            // What follows are trailing headers (checksums, a signature).
            break;
        }
        let data = rest.get(..size)?;
        out.extend_from_slice(data);
        rest = rest[size..].strip_prefix(b"\r\n")?;
    }
    match decoded_length {
        Some(expected) if expected != out.len() => None,
        _ => Some(out),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_signed_chunks() {
        let sig = "a".repeat(64);
        let body = format!(
            "5;chunk-signature={sig}\r\nhello\r\n6;chunk-signature={sig}\r\n world\r\n0;chunk-signature={sig}\r\n\r\n"
        );
        assert_eq!(decode(body.as_bytes(), Some(11)).unwrap(), b"hello world");
    }

    #[test]
    fn decodes_unsigned_chunks_with_trailer() {
        let body = b"b\r\nhello world\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n";
        assert_eq!(decode(body, None).unwrap(), b"hello world");
    }

    #[test]
    fn refuses_broken_framing() {
        assert!(decode(b"5\r\nhel", None).is_none());
        assert!(decode(b"zz\r\nhello\r\n0\r\n\r\n", None).is_none());
        assert!(decode(b"5\r\nhello\r\n0\r\n\r\n", Some(6)).is_none());
        assert!(decode(b"5\r\nhelloXX0\r\n\r\n", None).is_none());
    }

    #[test]
    fn recognises_chunked_requests() {
        let mut headers = HeaderMap::new();
        assert!(!is_aws_chunked(&headers));
        headers.insert("content-encoding", "gzip, aws-chunked".parse().unwrap());
        assert!(is_aws_chunked(&headers));
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-amz-content-sha256",
            "STREAMING-UNSIGNED-PAYLOAD-TRAILER".parse().unwrap(),
        );
        assert!(is_aws_chunked(&headers));
    }
}
