//! Signature Version 4, checked (`--iam enforce`): the request's canonical
//! form, the string to sign and the signature, recomputed with the secret of
//! the signing key and compared with the one sent — from the `Authorization`
//! header or a presigned URL's query.

use axum::http::{HeaderMap, Method, Uri};
use hmac::{Hmac, KeyInit, Mac};
use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use sha2::{Digest, Sha256};

/// Everything but the unreserved characters, as SigV4's `UriEncode`.
const ENCODE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');
/// The same, keeping the path's slashes.
const ENCODE_PATH: &AsciiSet = &ENCODE.remove(b'/');

/// AWS's allowance for clock skew between a client and the service.
const SKEW: chrono::TimeDelta = chrono::TimeDelta::minutes(15);

/// What a signed request presents.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Presented {
    pub access_key: String,
    /// `20260101/us-east-1/lambda/aws4_request`
    pub scope: String,
    pub region: String,
    pub service: String,
    /// `20260101T000000Z`
    pub amz_date: String,
    pub signed_headers: Vec<String>,
    pub signature: String,
    pub session_token: Option<String>,
    pub presigned: bool,
}

/// Why a request is refused before any policy is read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rejection {
    /// Neither an `Authorization` header nor a presigned query.
    Missing,
    /// The access key is not one laminar knows.
    UnknownKey,
    /// The session token does not belong to the key.
    BadToken,
    ExpiredToken,
    Mismatch,
    /// The signing time is more than 15 minutes from now.
    Stale {
        amz_date: String,
    },
    /// The credential scope names a region no partition has.
    UnknownRegion {
        region: String,
    },
}

fn query_pairs(uri: &Uri) -> Vec<(String, String)> {
    uri.query()
        .unwrap_or_default()
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let decode = |s: &str| percent_decode_str(s).decode_utf8_lossy().into_owned();
            (decode(k), decode(v))
        })
        .collect()
}

fn header<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// The signature a request presents, if it presents one.
pub fn presented(uri: &Uri, headers: &HeaderMap) -> Option<Presented> {
    if let Some(auth) = header(headers, "authorization") {
        let fields = auth.strip_prefix("AWS4-HMAC-SHA256")?;
        let field = |name: &str| {
            fields
                .split([',', ' '])
                .find_map(|part| part.trim().strip_prefix(name))
                .map(str::to_string)
        };
        let credential = field("Credential=")?;
        let amz_date = header(headers, "x-amz-date")
            .map(str::to_string)
            .or_else(|| header(headers, "date").map(str::to_string))?;
        return build(
            &credential,
            &field("SignedHeaders=")?,
            field("Signature=")?,
            amz_date,
            header(headers, "x-amz-security-token").map(str::to_string),
            false,
        );
    }
    let query = query_pairs(uri);
    let get = |name: &str| {
        query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    if get("X-Amz-Algorithm")? != "AWS4-HMAC-SHA256" {
        return None;
    }
    build(
        &get("X-Amz-Credential")?,
        &get("X-Amz-SignedHeaders")?,
        get("X-Amz-Signature")?,
        get("X-Amz-Date")?,
        get("X-Amz-Security-Token"),
        true,
    )
}

fn build(
    credential: &str,
    signed_headers: &str,
    signature: String,
    amz_date: String,
    session_token: Option<String>,
    presigned: bool,
) -> Option<Presented> {
    let (access_key, scope) = credential.split_once('/')?;
    let parts: Vec<&str> = scope.split('/').collect();
    let [_, region, service, "aws4_request"] = parts[..] else {
        return None;
    };
    Some(Presented {
        access_key: access_key.to_string(),
        scope: scope.to_string(),
        region: region.to_string(),
        service: service.to_string(),
        amz_date,
        signed_headers: signed_headers.split(';').map(str::to_string).collect(),
        signature,
        session_token,
        presigned,
    })
}

/// The path as the client signed it: S3 signs the path as sent; every other
/// service encodes the sent path once more.
fn canonical_path(uri: &Uri, service: &str) -> String {
    let path = match uri.path() {
        "" => "/",
        p => p,
    };
    if service == "s3" {
        path.to_string()
    } else {
        utf8_percent_encode(path, ENCODE_PATH).to_string()
    }
}

fn canonical_query(uri: &Uri) -> String {
    let mut pairs: Vec<(String, String)> = query_pairs(uri)
        .into_iter()
        .filter(|(k, _)| k != "X-Amz-Signature")
        .map(|(k, v)| {
            (
                utf8_percent_encode(&k, ENCODE).to_string(),
                utf8_percent_encode(&v, ENCODE).to_string(),
            )
        })
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

fn canonical_headers(headers: &HeaderMap, signed: &[String]) -> String {
    signed
        .iter()
        .map(|name| {
            let values: Vec<String> = headers
                .get_all(name.as_str())
                .iter()
                .map(|v| {
                    String::from_utf8_lossy(v.as_bytes())
                        .split_whitespace()
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .collect();
            format!("{name}:{}\n", values.join(","))
        })
        .collect()
}

/// The hash the signature covers: what the client declared
/// (`x-amz-content-sha256`, S3's `UNSIGNED-PAYLOAD`), else the body's.
pub fn payload_hash(headers: &HeaderMap, presented: &Presented, body: Option<&[u8]>) -> String {
    if let Some(declared) = header(headers, "x-amz-content-sha256") {
        return declared.to_string();
    }
    if presented.presigned && presented.service == "s3" {
        return "UNSIGNED-PAYLOAD".into();
    }
    hex::encode(Sha256::digest(body.unwrap_or_default()))
}

pub fn canonical_request(
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    presented: &Presented,
    payload_hash: &str,
) -> String {
    format!(
        "{method}\n{}\n{}\n{}\n{}\n{payload_hash}",
        canonical_path(uri, &presented.service),
        canonical_query(uri),
        canonical_headers(headers, &presented.signed_headers),
        presented.signed_headers.join(";"),
    )
}

fn hmac(key: &[u8], data: &str) -> Vec<u8> {
    // HMAC takes keys of any length: this cannot fail.
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key).expect("HMAC accepts any key");
    mac.update(data.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

/// The signature of a canonical request with `secret`.
pub fn signature(secret: &str, presented: &Presented, canonical_request: &str) -> String {
    let string_to_sign = format!(
        "AWS4-HMAC-SHA256\n{}\n{}\n{}",
        presented.amz_date,
        presented.scope,
        hex::encode(Sha256::digest(canonical_request.as_bytes()))
    );
    let date = presented.scope.split('/').next().unwrap_or_default();
    let key = [date, &presented.region, &presented.service, "aws4_request"]
        .iter()
        .fold(format!("AWS4{secret}").into_bytes(), |key, part| {
            hmac(&key, part)
        });
    hex::encode(hmac(&key, &string_to_sign))
}

/// Whether the signing time is within AWS's 15 minutes of now (presigned
/// URLs carry their own expiry instead).
pub fn fresh(presented: &Presented) -> bool {
    if presented.presigned {
        return true;
    }
    chrono::NaiveDateTime::parse_from_str(&presented.amz_date, "%Y%m%dT%H%M%SZ")
        .map(|t| (chrono::Utc::now().naive_utc() - t).abs() <= SKEW)
        .unwrap_or(false)
}

/// Constant-time comparison of two hex signatures.
pub fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// AWS's documented example (the `get-vanilla` case of the SigV4 test
    /// suite): secret `wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY`.
    #[test]
    fn matches_awss_test_suite_vanilla_get() {
        let uri: Uri = "/".parse().unwrap();
        let mut headers = HeaderMap::new();
        headers.insert("host", "example.amazonaws.com".parse().unwrap());
        headers.insert("x-amz-date", "20150830T123600Z".parse().unwrap());
        headers.insert(
            "authorization",
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
                .parse()
                .unwrap(),
        );
        let p = presented(&uri, &headers).unwrap();
        assert_eq!(p.access_key, "AKIDEXAMPLE");
        let hash = payload_hash(&headers, &p, Some(b""));
        let canonical = canonical_request(&Method::GET, &uri, &headers, &p, &hash);
        assert_eq!(
            canonical,
            "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        let expected = signature("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", &p, &canonical);
        assert!(same(&expected, &p.signature));
        assert!(!same(&signature("other", &p, &canonical), &p.signature));
    }

    #[test]
    fn query_is_sorted_and_encoded() {
        let uri: Uri = "/?Param2=value2&Param1=value%201&X-Amz-Signature=x"
            .parse()
            .unwrap();
        assert_eq!(canonical_query(&uri), "Param1=value%201&Param2=value2");
        let uri: Uri =
            "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A1%3Afunction%3Af/invocations"
                .parse()
                .unwrap();
        assert_eq!(
            canonical_path(&uri, "lambda"),
            "/2015-03-31/functions/arn%253Aaws%253Alambda%253Aus-east-1%253A1%253Afunction%253Af/invocations"
        );
        assert_eq!(canonical_path(&uri, "s3"), uri.path());
    }
}
