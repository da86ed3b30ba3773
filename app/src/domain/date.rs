//! A calendar date without time zone or formatting machinery (keeps `chrono`
//! out of the WASM). Days are counted from 1970-01-01 with Howard Hinnant's
//! civil-calendar algorithms.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A proleptic Gregorian date, serialised as `YYYY-MM-DD`.
/// In the database it is that same text (it sorts as dates do).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sea_orm::DeriveValueType))]
#[cfg_attr(feature = "ssr", sea_orm(value_type = "String"))]
#[serde(try_from = "String", into = "String")]
pub struct Date {
    year: i32,
    month: u8,
    day: u8,
}

/// Monday = 0 … Sunday = 6.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Weekday {
    Mon,
    Tue,
    Wed,
    Thu,
    Fri,
    Sat,
    Sun,
}

pub fn is_leap(y: i32) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

pub fn days_in_month(y: i32, m: u8) -> u8 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(y) => 29,
        2 => 28,
        _ => 0,
    }
}

impl Date {
    /// A valid date or `None` (e.g. 2023-02-29).
    pub fn new(year: i32, month: u8, day: u8) -> Option<Self> {
        ((1..=9999).contains(&year)
            && (1..=12).contains(&month)
            && day >= 1
            && day <= days_in_month(year, month))
        .then_some(Self { year, month, day })
    }

    /// Parses `YYYY-MM-DD`.
    pub fn parse(s: &str) -> Option<Self> {
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<u32>().ok();
        let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
        Self::new(
            i32::try_from(y).ok()?,
            u8::try_from(m).ok()?,
            u8::try_from(d).ok()?,
        )
    }

    /// Parses the compact `YYYYMMDD` form used inside 身份证号.
    pub fn parse_compact(s: &str) -> Option<Self> {
        if s.len() != 8 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let y = s.get(0..4)?.parse().ok()?;
        let m = s.get(4..6)?.parse().ok()?;
        let d = s.get(6..8)?.parse().ok()?;
        Self::new(y, m, d)
    }

    pub fn year(self) -> i32 {
        self.year
    }
    pub fn month(self) -> u8 {
        self.month
    }
    pub fn day(self) -> u8 {
        self.day
    }

    /// Days since 1970-01-01 (negative before).
    pub fn days_since_epoch(self) -> i64 {
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = if y >= 0 { y } else { y - 399 } / 400;
        let yoe = y - era * 400;
        let m = i64::from(self.month);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The date `days` after 1970-01-01.
    pub fn from_days_since_epoch(days: i64) -> Self {
        let z = days + 719_468;
        let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let y = yoe + era * 400;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = doy - (153 * mp + 2) / 5 + 1;
        let m = if mp < 10 { mp + 3 } else { mp - 9 };
        let y = if m <= 2 { y + 1 } else { y };
        Self {
            year: i32::try_from(y).unwrap_or(i32::MAX),
            month: u8::try_from(m).unwrap_or(1),
            day: u8::try_from(d).unwrap_or(1),
        }
    }

    pub fn add_days(self, n: i64) -> Self {
        Self::from_days_since_epoch(self.days_since_epoch() + n)
    }

    pub fn weekday(self) -> Weekday {
        // 1970-01-01 was a Thursday.
        match (self.days_since_epoch() + 3).rem_euclid(7) {
            0 => Weekday::Mon,
            1 => Weekday::Tue,
            2 => Weekday::Wed,
            3 => Weekday::Thu,
            4 => Weekday::Fri,
            5 => Weekday::Sat,
            _ => Weekday::Sun,
        }
    }

    pub fn is_weekend(self) -> bool {
        matches!(self.weekday(), Weekday::Sat | Weekday::Sun)
    }

    /// Full years from `self` (a birth date) to `on`.
    pub fn age_on(self, on: Date) -> i32 {
        let mut age = on.year - self.year;
        if (on.month, on.day) < (self.month, self.day) {
            age -= 1;
        }
        age
    }

    /// Today in China (UTC+8), from the system clock.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn today_china() -> Self {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        Self::china_day_of(i64::try_from(secs).unwrap_or(0))
    }

    /// The day in China (UTC+8) at `unix_secs` seconds since 1970.
    pub fn china_day_of(unix_secs: i64) -> Self {
        Self::from_days_since_epoch((unix_secs + 8 * 3600).div_euclid(86_400))
    }

    /// Today in China (UTC+8), from the browser's clock.
    #[cfg(target_arch = "wasm32")]
    pub fn today_china() -> Self {
        #[cfg(feature = "hydrate")]
        let ms = js_sys::Date::now();
        #[cfg(not(feature = "hydrate"))]
        let ms = 0.0_f64;
        #[expect(
            clippy::cast_possible_truncation,
            reason = "milliseconds since 1970 fit in i64"
        )]
        let secs = (ms / 1000.0) as i64;
        Self::china_day_of(secs)
    }
}

impl std::str::FromStr for Date {
    type Err = super::UnknownValue;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s).ok_or_else(|| super::UnknownValue::new("YYYY-MM-DD date", s))
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl TryFrom<String> for Date {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Self::parse(&s).ok_or_else(|| format!("`{s}` is not a date (YYYY-MM-DD)"))
    }
}

impl From<Date> for String {
    fn from(d: Date) -> String {
        d.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_weekdays() {
        for (s, days) in [
            ("1970-01-01", 0),
            ("2000-02-29", 11_016),
            ("2024-10-01", 19_997),
            ("1969-12-31", -1),
        ] {
            let d = Date::parse(s).expect(s);
            assert_eq!(d.days_since_epoch(), days, "{s}");
            assert_eq!(Date::from_days_since_epoch(days), d);
            assert_eq!(d.to_string(), s);
        }
        assert_eq!(Date::parse("2026-11-29").map(Date::weekday), Some(Weekday::Sun));
        assert_eq!(Date::parse("2024-10-01").map(Date::weekday), Some(Weekday::Tue));
    }

    #[test]
    fn rejects_impossible_dates() {
        for s in [
            "2023-02-29",
            "2024-13-01",
            "2024-00-10",
            "2024-04-31",
            "24-01-01",
            "2024/01/01",
            "2024-1-01",
        ] {
            assert!(Date::parse(s).is_none(), "{s}");
        }
        assert!(Date::parse_compact("20000229").is_some());
        assert!(Date::parse_compact("19000229").is_none());
    }

    #[test]
    fn ages() {
        let b = Date::parse("1964-06-15").expect("date");
        assert_eq!(b.age_on(Date::parse("2024-06-14").expect("d")), 59);
        assert_eq!(b.age_on(Date::parse("2024-06-15").expect("d")), 60);
    }

    #[test]
    fn every_day_of_four_centuries_round_trips() {
        let start = Date::parse("1900-01-01").expect("d").days_since_epoch();
        let mut prev = Date::from_days_since_epoch(start - 1);
        for n in start..start + 146_097 {
            let d = Date::from_days_since_epoch(n);
            assert_eq!(d.days_since_epoch(), n);
            assert!(d > prev);
            assert!(Date::new(d.year(), d.month(), d.day()).is_some());
            prev = d;
        }
    }
}
