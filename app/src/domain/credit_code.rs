//! 统一社会信用代码 (GB 32100-2015): 18 characters from a 31-symbol alphabet
//! (digits and upper-case letters without I, O, Z, S, V): registration
//! authority, organisation type, 6-digit region code, 9-character organisation
//! code, and a MOD 31 check character.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::Invalid;

const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

fn value(b: u8) -> Option<u32> {
    ALPHABET
        .iter()
        .position(|&a| a == b)
        .and_then(|p| u32::try_from(p).ok())
}

/// The check character of the first 17 characters.
pub fn check_char(first17: &str) -> Option<char> {
    if first17.len() != 17 {
        return None;
    }
    let mut sum = 0;
    for (b, w) in first17.bytes().zip(WEIGHTS) {
        sum += value(b)? * w;
    }
    let c = (31 - sum % 31) % 31;
    ALPHABET.get(usize::try_from(c).ok()?).map(|&b| char::from(b))
}

/// A checked 统一社会信用代码.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CreditCode(String);

impl CreditCode {
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let s = input.trim().to_ascii_uppercase();
        if s.is_empty() {
            return Err(Invalid::new("required", "请填写统一社会信用代码"));
        }
        if s.len() != 18 || !s.bytes().all(|b| value(b).is_some()) {
            return Err(Invalid::new(
                "credit_code_format",
                "统一社会信用代码应为 18 位数字或大写字母（不含 I、O、Z、S、V）",
            ));
        }
        if !s.as_bytes()[2..8].iter().all(u8::is_ascii_digit) {
            return Err(Invalid::new(
                "credit_code_region",
                "统一社会信用代码第 3–8 位应为行政区划码",
            ));
        }
        if check_char(&s[..17]) != s.chars().last() {
            return Err(Invalid::new(
                "credit_code_check_digit",
                "统一社会信用代码校验位不正确，请核对后重新输入",
            ));
        }
        Ok(Self(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for CreditCode {
    type Error = Invalid;
    fn try_from(s: String) -> Result<Self, Invalid> {
        Self::parse(&s)
    }
}

impl From<CreditCode> for String {
    fn from(v: CreditCode) -> String {
        v.0
    }
}

impl fmt::Debug for CreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CreditCode({})", self.0)
    }
}

impl fmt::Display for CreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_codes() {
        // The standard's worked example and a published enterprise code.
        for ok in ["91350100M000100Y43", "91110000100006485K"] {
            assert!(CreditCode::parse(ok).is_ok(), "{ok}");
        }
        assert_eq!(
            CreditCode::parse("91350100M000100Y44").map_err(|e| e.code),
            Err("credit_code_check_digit")
        );
        assert_eq!(
            CreditCode::parse("91350100M000100YI3").map_err(|e| e.code),
            Err("credit_code_format")
        );
        assert_eq!(
            CreditCode::parse("9135010").map_err(|e| e.code),
            Err("credit_code_format")
        );
        assert_eq!(CreditCode::parse("").map_err(|e| e.code), Err("required"));
        assert_eq!(
            CreditCode::parse("91350100m000100y43").map(|c| c.to_string()),
            Ok("91350100M000100Y43".into())
        );
    }

    fn symbol() -> impl Strategy<Value = u8> {
        (0usize..31).prop_map(|i| ALPHABET[i])
    }

    proptest! {
        /// Generated codes with their check character pass; replacing any one
        /// of the first 17 characters by another symbol fails (MOD 31 with
        /// weights coprime to 31 detects every single substitution).
        #[test]
        fn single_substitutions_are_caught(
            head in proptest::collection::vec(symbol(), 2),
            region in 0u32..1_000_000,
            tail in proptest::collection::vec(symbol(), 9),
            pos in 0usize..17,
            other in symbol(),
        ) {
            let mut first17: Vec<u8> = head;
            first17.extend(format!("{region:06}").bytes());
            first17.extend(tail);
            let first17 = String::from_utf8(first17).expect("ascii");
            let good = format!("{first17}{}", check_char(&first17).expect("alphabet"));
            prop_assert!(CreditCode::parse(&good).is_ok());

            let mut bytes = good.into_bytes();
            prop_assume!(bytes[pos] != other);
            prop_assume!(!(2..8).contains(&pos) || other.is_ascii_digit());
            bytes[pos] = other;
            let bad = String::from_utf8(bytes).expect("ascii");
            prop_assert!(CreditCode::parse(&bad).is_err(), "{} accepted", bad);
        }
    }
}
