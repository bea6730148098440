//! The MD5 digests SQS answers with, computed as AWS does so that SDKs that
//! verify them (boto3 does) accept our answers.

use crate::MessageAttributeValue;
use md5::{Digest, Md5};
use std::collections::BTreeMap;

/// Hex MD5 of the body's UTF-8 bytes.
pub fn md5_of_body(body: &str) -> String {
    hex::encode(Md5::digest(body.as_bytes()))
}

/// Hex MD5 of the message attributes, `None` when there are none. Each
/// attribute, in name order, contributes its name, its data type, a
/// transport byte (1 for String/Number, 2 for Binary) and its value; every
/// string is preceded by its length as a 4-byte big-endian integer.
pub fn md5_of_attributes(attributes: &BTreeMap<String, MessageAttributeValue>) -> Option<String> {
    if attributes.is_empty() {
        return None;
    }
    let mut buf = Vec::new();
    let put = |buf: &mut Vec<u8>, bytes: &[u8]| {
        buf.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
        buf.extend_from_slice(bytes);
    };
    for (name, value) in attributes {
        put(&mut buf, name.as_bytes());
        put(&mut buf, value.data_type.as_bytes());
        if value.is_binary() {
            buf.push(2);
            put(&mut buf, value.binary_value.as_deref().unwrap_or_default());
        } else {
            buf.push(1);
            put(
                &mut buf,
                value.string_value.as_deref().unwrap_or_default().as_bytes(),
            );
        }
    }
    Some(hex::encode(Md5::digest(&buf)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn string(data_type: &str, value: &str) -> MessageAttributeValue {
        MessageAttributeValue {
            data_type: data_type.into(),
            string_value: Some(value.into()),
            binary_value: None,
        }
    }

    #[test]
    fn body_digest_is_plain_md5() {
        assert_eq!(md5_of_body("hello"), "5d41402abc4b2a76b9719d911017c592");
    }

    #[test]
    fn attribute_digest_matches_botocore() {
        // The value an independent Python implementation of the documented
        // encoding gives (the same one tests/python/test_sqs.py checks with).
        let mut attrs = BTreeMap::new();
        attrs.insert("color".to_string(), string("String", "blue"));
        attrs.insert("count".to_string(), string("Number", "3"));
        attrs.insert(
            "blob".to_string(),
            MessageAttributeValue {
                data_type: "Binary".into(),
                string_value: None,
                binary_value: Some(vec![0, 1, 2, 255]),
            },
        );
        assert_eq!(md5_of_attributes(&attrs).as_deref(), Some(REFERENCE_DIGEST));
        assert_eq!(md5_of_attributes(&BTreeMap::new()), None);
    }

    const REFERENCE_DIGEST: &str = "d21caa959a94d14be1f1ac01152e22fc";
}
