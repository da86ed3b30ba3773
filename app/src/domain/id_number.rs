//! 居民身份证号码 (GB 11643-1999): 6-digit region code, 8-digit birth date,
//! 3-digit sequence (odd for men), and an ISO 7064 MOD 11-2 check character.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::{Date, Invalid};

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];

/// Province-level codes (first two digits) of GB/T 2260, plus 71/81/82 (台港澳).
const PROVINCES: [u8; 34] = [
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54,
    61, 62, 63, 64, 65, 71, 81, 82,
];

/// A checked 18-character 身份证号, with `X` upper-cased. Sensitive personal
/// information: encrypt at rest, mask in lists, never log.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct IdNumber(String);

/// The check character of the first 17 digits.
pub fn check_char(first17: &str) -> Option<char> {
    if first17.len() != 17 {
        return None;
    }
    let mut sum = 0;
    for (b, w) in first17.bytes().zip(WEIGHTS) {
        if !b.is_ascii_digit() {
            return None;
        }
        sum += u32::from(b - b'0') * w;
    }
    CHECK.get(usize::try_from(sum % 11).ok()?).copied()
}

impl IdNumber {
    /// Checks format, region, birth date (a real day, not after `today`, not
    /// before 1900) and the check character.
    pub fn parse(input: &str, today: Date) -> Result<Self, Invalid> {
        let s: String = input.trim().to_ascii_uppercase();
        if s.is_empty() {
            return Err(Invalid::new("required", "请填写身份证号"));
        }
        let well_formed = s.len() == 18
            && s.bytes().take(17).all(|b| b.is_ascii_digit())
            && s.bytes().last().is_some_and(|b| b.is_ascii_digit() || b == b'X');
        if !well_formed {
            return Err(Invalid::new(
                "id_number_format",
                "身份证号应为 18 位，最后一位可以是数字或 X",
            ));
        }
        let province: u8 = s[0..2].parse().unwrap_or(0);
        if !PROVINCES.contains(&province) {
            return Err(Invalid::new("id_number_region", "身份证号前 6 位地区码不正确"));
        }
        let birth = Date::parse_compact(&s[6..14])
            .filter(|d| d.year() >= 1900)
            .ok_or_else(|| Invalid::new("id_number_birth_date", "身份证号中的出生日期不正确"))?;
        if birth > today {
            return Err(Invalid::new(
                "id_number_birth_date",
                "身份证号中的出生日期晚于今天",
            ));
        }
        if check_char(&s[..17]) != s.chars().last() {
            return Err(Invalid::new(
                "id_number_check_digit",
                "身份证号校验位不正确，请核对后重新输入",
            ));
        }
        Ok(Self(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn birth_date(&self) -> Date {
        // Checked in `parse`.
        Date::parse_compact(&self.0[6..14]).unwrap_or_else(|| Date::from_days_since_epoch(0))
    }

    /// `true` for men (odd sequence digit).
    pub fn is_male(&self) -> bool {
        self.0.as_bytes().get(16).is_some_and(|b| (b - b'0') % 2 == 1)
    }

    /// `6103************12`: the form shown in lists.
    pub fn masked(&self) -> String {
        super::mask(&self.0, 4, 2)
    }
}

impl TryFrom<String> for IdNumber {
    type Error = Invalid;
    fn try_from(s: String) -> Result<Self, Invalid> {
        Self::parse(&s, Date::today_china())
    }
}

impl From<IdNumber> for String {
    fn from(v: IdNumber) -> String {
        v.0
    }
}

/// Debug never prints the number itself.
impl fmt::Debug for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IdNumber({})", self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn today() -> Date {
        Date::parse("2026-11-29").expect("date")
    }

    fn with_check(first17: &str) -> String {
        format!("{first17}{}", check_char(first17).expect("digits"))
    }

    #[test]
    fn accepts_known_good_numbers() {
        // The GB 11643 worked example.
        let id = IdNumber::parse("11010519491231002X", today()).expect("valid");
        assert_eq!(id.birth_date().to_string(), "1949-12-31");
        assert!(!id.is_male());
        assert_eq!(
            IdNumber::parse("11010519491231002x", today()).map(|i| i.as_str().to_owned()),
            Ok("11010519491231002X".into())
        );
        let meixian = with_check("61032619900101123");
        let id = IdNumber::parse(&meixian, today()).expect("valid");
        assert!(id.is_male());
        assert_eq!(id.masked(), format!("6103************{}", &meixian[16..]));
        assert_eq!(format!("{id:?}"), format!("IdNumber({})", id.masked()));
    }

    #[test]
    fn refuses_with_the_reason() {
        let code = |s: &str| IdNumber::parse(s, today()).map_err(|e| e.code).err();
        assert_eq!(code(""), Some("required"));
        assert_eq!(code("1101051949123100"), Some("id_number_format"));
        assert_eq!(code("11010519491231002Y"), Some("id_number_format"));
        assert_eq!(code(&with_check("99010519491231002")), Some("id_number_region"));
        assert_eq!(
            code(&with_check("11010519490231002")),
            Some("id_number_birth_date")
        );
        assert_eq!(
            code(&with_check("11010520991231002")),
            Some("id_number_birth_date")
        );
        assert_eq!(code("110105194912310021"), Some("id_number_check_digit"));
    }

    proptest! {
        /// Any valid number stays valid, and changing any single digit of the
        /// first 17 is caught by the check character (MOD 11-2 detects all
        /// single-digit errors).
        #[test]
        fn single_digit_errors_are_caught(
            seq in 0u32..1000,
            days in 0i64..40_000,
            pos in 0usize..17,
            delta in 1u8..10,
        ) {
            let birth = Date::from_days_since_epoch(-25_567 + days); // from 1900-01-01
            prop_assume!(birth <= today());
            let first17 = format!("610326{:04}{:02}{:02}{seq:03}", birth.year(), birth.month(), birth.day());
            let good = with_check(&first17);
            prop_assert!(IdNumber::parse(&good, today()).is_ok());

            let mut bytes = good.clone().into_bytes();
            bytes[pos] = b'0' + (bytes[pos] - b'0' + delta) % 10;
            let bad = String::from_utf8(bytes).expect("ascii");
            prop_assert!(IdNumber::parse(&bad, today()).is_err(), "{} accepted", bad);
        }

        /// Swapping two different adjacent digits is caught too.
        #[test]
        fn adjacent_transpositions_are_caught(seq in 0u32..1000, pos in 14usize..16) {
            let good = with_check(&format!("61032619851203{seq:03}"));
            let mut bytes = good.clone().into_bytes();
            prop_assume!(bytes[pos] != bytes[pos + 1]);
            bytes.swap(pos, pos + 1);
            let bad = String::from_utf8(bytes).expect("ascii");
            prop_assert!(IdNumber::parse(&bad, today()).is_err());
        }
    }
}
