//! The numbers of the Kinesis data plane: hash keys (the MD5 of a partition
//! key as a 128-bit integer), the ranges shards own, sequence numbers and
//! shard iterators.

use crate::error::{KinesisError, KinesisResult};
use base64::Engine;
use md5::{Digest, Md5};

/// The hash key a partition key routes to.
pub fn hash_of(partition_key: &str) -> u128 {
    let digest = Md5::digest(partition_key.as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest);
    u128::from_be_bytes(bytes)
}

/// `count` contiguous ranges covering `start..=end`, the way AWS cuts them:
/// each `floor(width / count)` wide, the last one taking the remainder.
pub fn split_range(start: u128, end: u128, count: u32) -> Vec<(u128, u128)> {
    if count <= 1 {
        return vec![(start, end)];
    }
    let count = u128::from(count);
    // width = end - start + 1, which is 2^128 for the whole key space.
    let span = end - start;
    let step = span / count + (span % count + 1) / count;
    (0..count)
        .map(|i| {
            let from = start + i * step;
            let to = if i + 1 == count {
                end
            } else {
                start + (i + 1) * step - 1
            };
            (from, to)
        })
        .collect()
}

pub fn shard_id(index: i64) -> String {
    format!("shardId-{index:012}")
}

/// The index in `shardId-000000000007`, or None for anything else.
pub fn shard_index(id: &str) -> Option<i64> {
    let digits = id.strip_prefix("shardId-")?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// A 56-digit sequence number like AWS's: `49`, the shard index (6 digits),
/// the per-shard counter (20 digits), then the stream's creation time. It
/// grows with the counter within a shard and names its shard.
pub fn sequence_number(shard_index: i64, counter: i64, stream_created_ms: i64) -> String {
    format!("49{shard_index:06}{counter:020}{stream_created_ms:028}")
}

/// The shard index and counter a sequence number of ours encodes.
pub fn parse_sequence_number(text: &str) -> Option<(i64, i64)> {
    if text.len() != 56 || !text.starts_with("49") || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((text[2..8].parse().ok()?, text[8..28].parse().ok()?))
}

/// What a shard iterator points at: the next record counter to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Iterator {
    pub account: String,
    pub stream_name: String,
    pub stream_id: i64,
    pub shard_index: i64,
    pub next_counter: i64,
    pub issued_ms: i64,
}

const ITERATOR_TAG: &str = "laminar-kinesis-iterator";

impl Iterator {
    pub fn encode(&self) -> String {
        let text = format!(
            "{ITERATOR_TAG}|{}|{}|{}|{}|{}|{}",
            self.account,
            self.stream_name,
            self.stream_id,
            self.shard_index,
            self.next_counter,
            self.issued_ms
        );
        base64::engine::general_purpose::STANDARD.encode(text)
    }

    pub fn decode(text: &str) -> KinesisResult<Self> {
        let invalid = || KinesisError::invalid("Invalid ShardIterator.");
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(text)
            .map_err(|_| invalid())?;
        let text = String::from_utf8(bytes).map_err(|_| invalid())?;
        let mut parts = text.split('|');
        if parts.next() != Some(ITERATOR_TAG) {
            return Err(invalid());
        }
        let account = parts.next().ok_or_else(invalid)?.to_string();
        let stream_name = parts.next().ok_or_else(invalid)?.to_string();
        let mut number = || -> KinesisResult<i64> {
            parts
                .next()
                .and_then(|p| p.parse().ok())
                .ok_or_else(invalid)
        };
        Ok(Self {
            account,
            stream_name,
            stream_id: number()?,
            shard_index: number()?,
            next_counter: number()?,
            issued_ms: number()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_cut_as_aws_cuts_them() {
        let four = split_range(0, u128::MAX, 4);
        assert_eq!(four[0].1, 85070591730234615865843651857942052863);
        assert_eq!(
            four[3],
            (255211775190703847597530955573826158592, u128::MAX)
        );
        let three = split_range(0, u128::MAX, 3);
        assert_eq!(three[0].1, 113427455640312821154458202477256070484);
        assert_eq!(three[1].0, 113427455640312821154458202477256070485);
        assert_eq!(split_range(0, u128::MAX, 1), vec![(0, u128::MAX)]);
        let halves = split_range(10, 19, 2);
        assert_eq!(halves, vec![(10, 14), (15, 19)]);
    }

    #[test]
    fn sequence_numbers_grow_and_name_their_shard() {
        let a = sequence_number(3, 9, 1_700_000_000_000);
        let b = sequence_number(3, 10, 1_700_000_000_000);
        assert_eq!(a.len(), 56);
        assert!(a < b);
        assert_eq!(parse_sequence_number(&b), Some((3, 10)));
        assert_eq!(parse_sequence_number("123"), None);
    }

    #[test]
    fn iterators_round_trip_and_reject_garbage() {
        let it = Iterator {
            account: "123456789012".into(),
            stream_name: "s".into(),
            stream_id: 1,
            shard_index: 2,
            next_counter: 3,
            issued_ms: 4,
        };
        assert_eq!(Iterator::decode(&it.encode()), Ok(it));
        assert_eq!(
            Iterator::decode("garbage").unwrap_err().code,
            "InvalidArgumentException"
        );
    }

    #[test]
    fn md5_routes_like_kinesis() {
        // MD5("a") = 0cc175b9c0f1b6a831c399e269772661
        assert_eq!(hash_of("a"), 0x0cc175b9c0f1b6a831c399e269772661);
    }
}
