//! DynamoDB numbers: up to 38 significant digits, magnitudes from 1E-130 to
//! below 1E+126, written back in canonical form (no exponent, no leading or
//! trailing zeros, "0" for zero), and an encoding whose byte order is the
//! numeric order, for range keys.

use crate::error::{DynamoError, DynamoResult};

/// A number as sign, significant digits and exponent: the value is
/// 0.d₁d₂… × 10^exponent. Zero has no digits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Number {
    negative: bool,
    digits: Vec<u8>,
    exponent: i32,
}

fn not_a_number() -> DynamoError {
    DynamoError::validation("A value provided cannot be converted into a number")
}

impl Number {
    pub fn parse(text: &str) -> DynamoResult<Self> {
        let text = text.trim();
        let (negative, rest) = match text.as_bytes().first() {
            Some(b'-') => (true, &text[1..]),
            Some(b'+') => (false, &text[1..]),
            _ => (false, text),
        };
        let (mantissa, exponent) = match rest.find(['e', 'E']) {
            Some(at) => {
                let e: i32 = rest[at + 1..].parse().map_err(|_| not_a_number())?;
                (&rest[..at], e)
            }
            None => (rest, 0),
        };
        let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if (whole.is_empty() && fraction.is_empty()) || !all_digits(whole) || !all_digits(fraction)
        {
            return Err(not_a_number());
        }
        let mut digits: Vec<u8> = whole
            .bytes()
            .chain(fraction.bytes())
            .map(|b| b - b'0')
            .collect();
        let mut point = whole.len() as i64 + exponent as i64;
        let leading = digits.iter().take_while(|d| **d == 0).count();
        digits.drain(..leading);
        point -= leading as i64;
        while digits.last() == Some(&0) {
            digits.pop();
        }
        if digits.is_empty() {
            return Ok(Self {
                negative: false,
                digits,
                exponent: 0,
            });
        }
        if digits.len() > 38 {
            return Err(DynamoError::validation(
                "Attempting to store more than 38 significant digits in a Number",
            ));
        }
        if point > 126 {
            return Err(DynamoError::validation(
                "Number overflow. Attempting to store a number with magnitude larger than supported range",
            ));
        }
        if point < -129 {
            return Err(DynamoError::validation(
                "Number underflow. Attempting to store a number with magnitude smaller than supported range",
            ));
        }
        Ok(Self {
            negative,
            digits,
            exponent: point as i32,
        })
    }

    /// The canonical text DynamoDB answers with.
    pub fn canonical(&self) -> String {
        if self.digits.is_empty() {
            return "0".into();
        }
        let digits: String = self.digits.iter().map(|d| char::from(b'0' + d)).collect();
        let sign = if self.negative { "-" } else { "" };
        let e = self.exponent;
        let len = digits.len() as i32;
        if e <= 0 {
            format!("{sign}0.{}{digits}", "0".repeat((-e) as usize))
        } else if e >= len {
            format!("{sign}{digits}{}", "0".repeat((e - len) as usize))
        } else {
            format!("{sign}{}.{}", &digits[..e as usize], &digits[e as usize..])
        }
    }

    /// The exact sum (or difference), within DynamoDB's limits.
    pub fn add(&self, other: &Number, subtract: bool) -> DynamoResult<Number> {
        // Both as integers of digits scaled to the smaller exponent of their last digit.
        let last = |n: &Number| n.exponent - n.digits.len() as i32;
        let scale = last(self).min(last(other));
        let integer = |n: &Number| {
            let mut digits = n.digits.clone();
            digits.extend(std::iter::repeat_n(0, (last(n) - scale) as usize));
            digits
        };
        let (a, b) = (integer(self), integer(other));
        let b_negative = other.negative != subtract;
        let (negative, digits) = if self.negative == b_negative {
            (self.negative, add_magnitudes(&a, &b))
        } else if greater_or_equal(&a, &b) {
            (self.negative, sub_magnitudes(&a, &b))
        } else {
            (b_negative, sub_magnitudes(&b, &a))
        };
        let text: String = digits.iter().map(|d| char::from(b'0' + d)).collect();
        let sign = if negative { "-" } else { "" };
        Number::parse(&format!(
            "{sign}{}e{scale}",
            if text.is_empty() { "0" } else { &text }
        ))
    }

    /// Bytes whose lexicographic order is the numbers' order.
    pub fn sort_bytes(&self) -> Vec<u8> {
        if self.digits.is_empty() {
            return vec![0x80];
        }
        let biased = (self.exponent + 1000) as u16;
        let mut out = Vec::with_capacity(self.digits.len() + 4);
        if self.negative {
            out.push(0x7f);
            out.extend_from_slice(&(u16::MAX - biased).to_be_bytes());
            out.extend(self.digits.iter().map(|d| 0xfe - d));
            out.push(0xff);
        } else {
            out.push(0x81);
            out.extend_from_slice(&biased.to_be_bytes());
            out.extend(self.digits.iter().map(|d| d + 1));
            out.push(0x00);
        }
        out
    }
}

fn trimmed(digits: &[u8]) -> &[u8] {
    let leading = digits.iter().take_while(|d| **d == 0).count();
    &digits[leading..]
}

fn greater_or_equal(a: &[u8], b: &[u8]) -> bool {
    let (a, b) = (trimmed(a), trimmed(b));
    a.len() > b.len() || (a.len() == b.len() && a >= b)
}

fn add_magnitudes(a: &[u8], b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut carry = 0;
    let (mut i, mut j) = (a.len(), b.len());
    while i > 0 || j > 0 || carry > 0 {
        let x = if i > 0 {
            i -= 1;
            a[i]
        } else {
            0
        };
        let y = if j > 0 {
            j -= 1;
            b[j]
        } else {
            0
        };
        let sum = x + y + carry;
        out.push(sum % 10);
        carry = sum / 10;
    }
    out.reverse();
    out
}

/// a − b for a ≥ b.
fn sub_magnitudes(a: &[u8], b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut borrow = 0i8;
    let (mut i, mut j) = (a.len(), b.len());
    while i > 0 {
        i -= 1;
        let y = if j > 0 {
            j -= 1;
            b[j] as i8
        } else {
            0
        };
        let mut d = a[i] as i8 - y - borrow;
        borrow = 0;
        if d < 0 {
            d += 10;
            borrow = 1;
        }
        out.push(d as u8);
    }
    out.reverse();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canon(text: &str) -> String {
        Number::parse(text).expect(text).canonical()
    }

    #[test]
    fn writes_numbers_canonically() {
        assert_eq!(canon("1.0"), "1");
        assert_eq!(canon("-0"), "0");
        assert_eq!(canon("0.10"), "0.1");
        assert_eq!(canon("1E+2"), "100");
        assert_eq!(canon("00012.3400"), "12.34");
        assert_eq!(canon("-1.5e-3"), "-0.0015");
        assert_eq!(canon("+7"), "7");
        assert_eq!(
            canon("12345678901234567890123456789012345678"),
            "12345678901234567890123456789012345678"
        );
        assert!(Number::parse("123456789012345678901234567890123456789").is_err());
        assert!(Number::parse("1e126").is_err());
        assert!(Number::parse("9.9e125").is_ok());
        assert!(Number::parse("1e-130").is_ok());
        assert!(Number::parse("1e-131").is_err());
        for bad in ["", "abc", "1.2.3", "--1", ".", "1e", "e5"] {
            assert!(Number::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn adds_exactly() {
        let sum = |a: &str, b: &str, sub: bool| {
            Number::parse(a)
                .unwrap()
                .add(&Number::parse(b).unwrap(), sub)
                .unwrap()
                .canonical()
        };
        assert_eq!(sum("1", "2", false), "3");
        assert_eq!(sum("0.1", "0.2", false), "0.3");
        assert_eq!(sum("5", "7", true), "-2");
        assert_eq!(sum("-1.5", "1.5", false), "0");
        assert_eq!(
            sum("99999999999999999999999999999999999999", "1", false).len(),
            39
        );
        assert_eq!(sum("1e20", "-1", false), "99999999999999999999");
        assert_eq!(sum("-3", "-4", true), "1");
    }

    #[test]
    fn sort_bytes_follow_numeric_order() {
        let ordered = [
            "-1000", "-12.5", "-12", "-0.5", "0", "0.001", "0.5", "1", "1.5", "12", "12.5", "100",
        ];
        let bytes: Vec<Vec<u8>> = ordered
            .iter()
            .map(|n| Number::parse(n).expect(n).sort_bytes())
            .collect();
        for pair in bytes.windows(2) {
            assert!(pair[0] < pair[1], "{pair:?}");
        }
    }
}
