//! Identifiers and dates shaped like IAM's: unique ids (`AROA…`, `AIDA…`,
//! `ANPA…`: a prefix and 17 characters of A–Z and 2–7), access keys
//! (`AKIA…`/`ASIA…`, 20 characters), 40-character secrets, ISO 8601 dates.

const BASE32: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const SECRET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn random_from(alphabet: &[u8], len: usize) -> String {
    let mut out = String::with_capacity(len);
    while out.len() < len {
        for byte in uuid::Uuid::new_v4().into_bytes() {
            if out.len() < len {
                out.push(char::from(alphabet[usize::from(byte) % alphabet.len()]));
            }
        }
    }
    out
}

/// `AROA` + 17 (roles), `AIDA` (users), `ANPA` (policies).
pub(crate) fn unique_id(prefix: &str) -> String {
    format!("{prefix}{}", random_from(BASE32, 17))
}

/// `AKIA` / `ASIA` + 16.
pub(crate) fn access_key_id(prefix: &str) -> String {
    format!("{prefix}{}", random_from(BASE32, 16))
}

pub(crate) fn secret() -> String {
    random_from(SECRET, 40)
}

/// A session token: long and opaque, as STS's are.
pub(crate) fn session_token() -> String {
    format!("FwoGZXIvYXdzE{}", random_from(SECRET, 300))
}

/// Now as IAM writes dates: `2024-01-01T12:00:00Z`.
pub(crate) fn now() -> String {
    iso(chrono::Utc::now())
}

pub(crate) fn iso(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}
