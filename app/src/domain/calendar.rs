//! Working days (工作日): Monday to Friday, minus the statutory holidays, plus
//! the weekend days that are worked instead (调休上班), as the State Council
//! publishes them each year. A year without a published calendar counts
//! weekends only (the server warns when it uses one).

use std::collections::{BTreeMap, HashSet};

use serde::Deserialize;

use super::Date;

/// One year's published arrangement (`catalog/calendar/<year>.toml`).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct YearSource {
    pub year: i32,
    #[serde(default)]
    pub source: String,
    pub holidays: Vec<Date>,
    pub workdays: Vec<Date>,
}

#[derive(Clone, Debug, Default)]
struct Year {
    holidays: HashSet<Date>,
    workdays: HashSet<Date>,
}

/// The working-day calendar.
#[derive(Clone, Debug, Default)]
pub struct WorkCalendar {
    years: BTreeMap<i32, Year>,
}

impl WorkCalendar {
    /// Checks and indexes the yearly files: every date in its own year, no
    /// day both off and worked, worked days on weekends, holidays not
    /// weekends-only noise. Errors carry the year they are about.
    pub fn build(sources: Vec<YearSource>) -> Result<Self, (i32, String)> {
        let mut years = BTreeMap::new();
        for y in sources {
            let wrong_year = y.holidays.iter().chain(&y.workdays).find(|d| d.year() != y.year);
            if let Some(d) = wrong_year {
                return Err((y.year, format!("{d} is not in {}", y.year)));
            }
            let holidays: HashSet<Date> = y.holidays.into_iter().collect();
            let workdays: HashSet<Date> = y.workdays.into_iter().collect();
            if let Some(d) = holidays.intersection(&workdays).next() {
                return Err((y.year, format!("{d} is both a holiday and a workday")));
            }
            if let Some(d) = workdays.iter().find(|d| !d.is_weekend()) {
                return Err((y.year, format!("workday {d} is not a weekend day")));
            }
            let year = y.year;
            if years.insert(year, Year { holidays, workdays }).is_some() {
                return Err((year, "defined twice".into()));
            }
        }
        Ok(Self { years })
    }

    /// Whether the State Council calendar of `year` is known.
    pub fn has_year(&self, year: i32) -> bool {
        self.years.contains_key(&year)
    }

    pub fn years(&self) -> impl Iterator<Item = i32> + '_ {
        self.years.keys().copied()
    }

    pub fn is_working_day(&self, d: Date) -> bool {
        match self.years.get(&d.year()) {
            Some(y) if y.workdays.contains(&d) => true,
            Some(y) if y.holidays.contains(&d) => false,
            _ => !d.is_weekend(),
        }
    }

    /// The `n`th working day after `start` (`start` itself does not count):
    /// filed on Friday with a limit of one working day, it is due on Monday.
    pub fn add_working_days(&self, start: Date, n: u32) -> Date {
        let mut d = start;
        let mut left = n;
        while left > 0 {
            d = d.add_days(1);
            if self.is_working_day(d) {
                left -= 1;
            }
        }
        d
    }

    /// Working days in `(from, to]`: 0 when `to <= from`.
    pub fn working_days_between(&self, from: Date, to: Date) -> u32 {
        let mut n = 0;
        let mut d = from;
        while d < to {
            d = d.add_days(1);
            if self.is_working_day(d) {
                n += 1;
            }
        }
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        Date::parse(s).expect(s)
    }

    fn cal() -> WorkCalendar {
        WorkCalendar::build(vec![YearSource {
            year: 2025,
            source: String::new(),
            holidays: [
                "2025-10-01",
                "2025-10-02",
                "2025-10-03",
                "2025-10-04",
                "2025-10-05",
                "2025-10-06",
                "2025-10-07",
                "2025-10-08",
            ]
            .map(d)
            .to_vec(),
            workdays: vec![d("2025-09-28"), d("2025-10-11")],
        }])
        .expect("valid")
    }

    #[test]
    fn holidays_and_make_up_days() {
        let c = cal();
        assert!(c.is_working_day(d("2025-09-28")), "Sunday worked (调休)");
        assert!(!c.is_working_day(d("2025-10-01")));
        assert!(!c.is_working_day(d("2025-10-06")), "Monday off");
        // Filed on Tuesday 30 Sep: the next working day is Thursday 9 Oct.
        assert_eq!(c.add_working_days(d("2025-09-30"), 1), d("2025-10-09"));
        // 9 Oct (Thu), 10 Oct (Fri), 11 Oct (Sat, worked), 13 Oct (Mon).
        assert_eq!(c.add_working_days(d("2025-09-30"), 4), d("2025-10-13"));
        assert_eq!(c.working_days_between(d("2025-09-30"), d("2025-10-13")), 4);
        assert_eq!(c.working_days_between(d("2025-10-13"), d("2025-09-30")), 0);
    }

    #[test]
    fn a_year_without_a_calendar_counts_weekends_only() {
        let c = cal();
        assert!(!c.has_year(2031));
        // Friday 3 Jan 2031 + 1 working day = Monday 6 Jan.
        assert_eq!(c.add_working_days(d("2031-01-03"), 1), d("2031-01-06"));
        assert_eq!(c.add_working_days(d("2031-01-03"), 0), d("2031-01-03"));
    }

    #[test]
    fn bad_files_are_refused() {
        let y = |holidays: &[&str], workdays: &[&str]| YearSource {
            year: 2025,
            source: String::new(),
            holidays: holidays.iter().map(|s| d(s)).collect(),
            workdays: workdays.iter().map(|s| d(s)).collect(),
        };
        assert!(
            WorkCalendar::build(vec![y(&["2024-10-01"], &[])]).is_err(),
            "wrong year"
        );
        assert!(
            WorkCalendar::build(vec![y(&["2025-09-28"], &["2025-09-28"])]).is_err(),
            "both"
        );
        assert!(
            WorkCalendar::build(vec![y(&[], &["2025-09-29"])]).is_err(),
            "workday on a Monday"
        );
    }
}
