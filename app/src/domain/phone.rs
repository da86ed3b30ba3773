//! Mainland mobile numbers: `1[3-9]` followed by 9 digits.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::Invalid;

/// A checked mobile number. Personal information: encrypt at rest, mask in lists.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Phone(String);

impl Phone {
    /// Accepts spaces and hyphens and a leading `+86`/`86`, which people type.
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let digits: String = input.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
        let digits = digits
            .strip_prefix("+86")
            .or_else(|| digits.strip_prefix("0086"))
            .unwrap_or(&digits);
        let digits = if digits.len() == 13 {
            digits.strip_prefix("86").unwrap_or(digits)
        } else {
            digits
        };
        if digits.is_empty() {
            return Err(Invalid::new("required", "请填写手机号码"));
        }
        let b = digits.as_bytes();
        let ok = b.len() == 11
            && b[0] == b'1'
            && (b'3'..=b'9').contains(&b[1])
            && b.iter().all(u8::is_ascii_digit);
        if ok {
            Ok(Self(digits.to_owned()))
        } else {
            Err(Invalid::new(
                "phone_format",
                "请输入 11 位手机号码，如 13800138000",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `138****8000`.
    pub fn masked(&self) -> String {
        super::mask(&self.0, 3, 4)
    }
}

impl TryFrom<String> for Phone {
    type Error = Invalid;
    fn try_from(s: String) -> Result<Self, Invalid> {
        Self::parse(&s)
    }
}

impl From<Phone> for String {
    fn from(v: Phone) -> String {
        v.0
    }
}

impl fmt::Debug for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Phone({})", self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones() {
        for ok in [
            "13800138000",
            "199 1234 5678",
            "+8613800138000",
            "138-0013-8000",
            "8613800138000",
        ] {
            assert_eq!(Phone::parse(ok).map(|p| p.as_str().len()), Ok(11), "{ok}");
        }
        for bad in [
            "12800138000",
            "1380013800",
            "138001380000",
            "1380013800a",
            "23800138000",
        ] {
            assert_eq!(
                Phone::parse(bad).map_err(|e| e.code),
                Err("phone_format"),
                "{bad}"
            );
        }
        assert_eq!(Phone::parse("").map_err(|e| e.code), Err("required"));
        assert_eq!(
            Phone::parse("13800138000").map(|p| p.masked()),
            Ok("138****8000".into())
        );
    }
}
