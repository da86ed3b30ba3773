//! Working days (工作日): Monday to Friday, minus the statutory holidays, plus
//! the weekend days that are worked instead (调休上班), as the State Council
//! publishes them each year. A year without a published calendar counts
//! weekends only (the server warns when it uses one).

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, RwLock};

use serde::Deserialize;

use super::Date;

/// One year's published arrangement (`catalog/calendar/<year>.toml`, or
/// entered by an admin at run time).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
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
    source: String,
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
            let source = y.source;
            if years
                .insert(
                    year,
                    Year {
                        source,
                        holidays,
                        workdays,
                    },
                )
                .is_some()
            {
                return Err((year, "defined twice".into()));
            }
        }
        Ok(Self { years })
    }

    /// This calendar with `years` in place of the years of the same number
    /// (checked as [`Self::build`] checks them).
    pub fn with_years(&self, years: Vec<YearSource>) -> Result<Self, (i32, String)> {
        let replaced: HashSet<i32> = years.iter().map(|y| y.year).collect();
        let mut all: Vec<YearSource> = self
            .years()
            .filter(|y| !replaced.contains(y))
            .filter_map(|y| self.year(y))
            .collect();
        all.extend(years);
        Self::build(all)
    }

    /// The arrangement of `year`, dates in order, if it is known.
    pub fn year(&self, year: i32) -> Option<YearSource> {
        let y = self.years.get(&year)?;
        let sorted = |set: &HashSet<Date>| {
            let mut v: Vec<Date> = set.iter().copied().collect();
            v.sort();
            v
        };
        Some(YearSource {
            year,
            source: y.source.clone(),
            holidays: sorted(&y.holidays),
            workdays: sorted(&y.workdays),
        })
    }

    /// What every admin should be told on `today`: the current year has no
    /// calendar, or from 1 November the next one has none yet.
    pub fn warning(&self, today: Date) -> Option<String> {
        let this = today.year();
        if !self.has_year(this) {
            return Some(format!(
                "{this} 年的节假日安排尚未录入：今年的办理时限只扣除了周末，春节等假期前后会算错。请立即按国务院办公厅的通知录入。"
            ));
        }
        let next = this + 1;
        (today.month() >= 11 && !self.has_year(next)).then(|| {
            format!(
                "{next} 年的节假日安排尚未录入：跨入 {next} 年的办理时限将只扣除周末。国务院办公厅发布通知后，请尽快录入。"
            )
        })
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

/// The working-day calendar in use, shared by every part of the server:
/// the catalog's yearly files, with the years admins entered at run time
/// in their place. Cloning shares it; a replacement is seen by every
/// holder. Due dates already computed are stored, so a replacement changes
/// only the dates computed after it.
#[derive(Clone, Debug, Default)]
pub struct Calendar {
    files: Arc<WorkCalendar>,
    current: Arc<RwLock<Loaded>>,
}

#[derive(Debug, Default)]
struct Loaded {
    calendar: Arc<WorkCalendar>,
    /// How many entered versions it was built from (see [`Calendar::generation`]).
    generation: u64,
}

impl Calendar {
    /// The calendar of the catalog's files, with nothing entered yet.
    pub fn new(files: WorkCalendar) -> Self {
        let files = Arc::new(files);
        Self {
            current: Arc::new(RwLock::new(Loaded {
                calendar: files.clone(),
                generation: 0,
            })),
            files,
        }
    }

    /// The calendar now, to compute several dates with one calendar.
    pub fn snapshot(&self) -> Arc<WorkCalendar> {
        match self.current.read() {
            Ok(l) => l.calendar.clone(),
            Err(poisoned) => poisoned.into_inner().calendar.clone(),
        }
    }

    /// The catalog's files alone.
    pub fn files(&self) -> &WorkCalendar {
        &self.files
    }

    /// The number of entered versions the calendar was last built from:
    /// a store that sees more rebuilds it.
    pub fn generation(&self) -> u64 {
        match self.current.read() {
            Ok(l) => l.generation,
            Err(poisoned) => poisoned.into_inner().generation,
        }
    }

    /// Uses the files with `entered` in place of their years from now on.
    pub fn replace(&self, entered: Vec<YearSource>, generation: u64) -> Result<(), (i32, String)> {
        let calendar = Arc::new(self.files.with_years(entered)?);
        let mut l = match self.current.write() {
            Ok(l) => l,
            Err(poisoned) => poisoned.into_inner(),
        };
        *l = Loaded { calendar, generation };
        Ok(())
    }

    pub fn has_year(&self, year: i32) -> bool {
        self.snapshot().has_year(year)
    }

    pub fn years(&self) -> Vec<i32> {
        self.snapshot().years().collect()
    }

    pub fn is_working_day(&self, d: Date) -> bool {
        self.snapshot().is_working_day(d)
    }

    /// See [`WorkCalendar::add_working_days`].
    pub fn add_working_days(&self, start: Date, n: u32) -> Date {
        self.snapshot().add_working_days(start, n)
    }

    /// See [`WorkCalendar::working_days_between`].
    pub fn working_days_between(&self, from: Date, to: Date) -> u32 {
        self.snapshot().working_days_between(from, to)
    }
}

/// Days written as people write them: dates and ranges
/// (`2027-02-05~2027-02-13`, also with `至`, `到` or ` - ` between), one
/// per line or separated by commas, semicolons or spaces; `#` starts a
/// comment (a day's name, say). Duplicates are dropped; the days come back
/// in order. An error names the first piece that is not a date or a range.
pub fn parse_days(text: &str) -> Result<Vec<Date>, String> {
    let mut days = std::collections::BTreeSet::new();
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or_default();
        let mut line = line.replace(['至', '到', '～', '~'], "~").replace(" - ", "~");
        while line.contains(" ~") || line.contains("~ ") {
            line = line.replace(" ~", "~").replace("~ ", "~");
        }
        for piece in line.split([',', '，', ';', '；', '、', ' ', '\t']) {
            let piece = piece.trim();
            if piece.is_empty() {
                continue;
            }
            let bad = || format!("“{piece}”不是日期（例：2027-02-05，或 2027-02-05~2027-02-13）");
            match piece.split_once('~') {
                None => {
                    days.insert(Date::parse(piece).ok_or_else(bad)?);
                }
                Some((from, to)) => {
                    let from = Date::parse(from.trim()).ok_or_else(bad)?;
                    let to = Date::parse(to.trim()).ok_or_else(bad)?;
                    if to < from || to.days_since_epoch() - from.days_since_epoch() > 31 {
                        return Err(format!("“{piece}”：结束日须在开始日之后，且一段不超过 31 天"));
                    }
                    let mut d = from;
                    while d <= to {
                        days.insert(d);
                        d = d.add_days(1);
                    }
                }
            }
        }
    }
    Ok(days.into_iter().collect())
}

/// `days` (in order) as [`parse_days`] reads them: consecutive days as one
/// range, one date or range per line.
pub fn format_days(days: &[Date]) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < days.len() {
        let start = days[i];
        let mut end = start;
        while i + 1 < days.len() && days[i + 1] == end.add_days(1) {
            i += 1;
            end = days[i];
        }
        out.push(if end == start {
            start.to_string()
        } else {
            format!("{start}~{end}")
        });
        i += 1;
    }
    out.join("\n")
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
    fn entered_years_replace_the_files_for_every_holder() {
        let live = Calendar::new(cal());
        let holder = live.clone();
        assert!(!holder.is_working_day(d("2025-10-08")));
        let entered = YearSource {
            year: 2025,
            source: "更正".into(),
            holidays: vec![d("2025-10-01")],
            workdays: vec![],
        };
        live.replace(vec![entered.clone()], 1).expect("valid");
        assert!(holder.is_working_day(d("2025-10-08")), "seen by every clone");
        assert_eq!(holder.snapshot().year(2025), Some(entered));
        assert_eq!(holder.generation(), 1);
        assert!(!live.files().is_working_day(d("2025-10-08")), "files kept");
        // A wrong year is refused and the calendar stays as it was.
        let wrong = YearSource {
            year: 2026,
            source: String::new(),
            holidays: vec![],
            workdays: vec![d("2026-01-05")],
        };
        assert!(live.replace(vec![wrong], 2).is_err());
        assert_eq!(live.generation(), 1);
        assert!(!live.has_year(2026));
    }

    #[test]
    fn warns_from_november_while_next_year_is_missing() {
        let c = cal();
        assert_eq!(c.warning(d("2025-10-31")), None);
        let w = c.warning(d("2025-11-01")).expect("warned");
        assert!(w.contains("2026 年"), "{w}");
        assert!(c.warning(d("2026-03-01")).expect("this year").contains("2026 年"));
        let both = c
            .with_years(vec![YearSource {
                year: 2026,
                source: String::new(),
                holidays: vec![d("2026-01-01")],
                workdays: vec![],
            }])
            .expect("valid");
        assert_eq!(both.warning(d("2025-12-31")), None);
        assert!(both.has_year(2025), "other years kept");
    }

    #[test]
    fn days_are_read_as_people_write_them() {
        let got =
            parse_days("2027-02-05~2027-02-07 # 春节\n2027-01-01，2027-01-01\n2027-10-01 至 2027-10-02")
                .expect("valid");
        let want: Vec<Date> = [
            "2027-01-01",
            "2027-02-05",
            "2027-02-06",
            "2027-02-07",
            "2027-10-01",
            "2027-10-02",
        ]
        .map(d)
        .to_vec();
        assert_eq!(got, want);
        assert_eq!(
            format_days(&want),
            "2027-01-01\n2027-02-05~2027-02-07\n2027-10-01~2027-10-02"
        );
        assert_eq!(parse_days(&format_days(&want)), Ok(want));
        assert_eq!(parse_days("  \n# nothing"), Ok(vec![]));
        assert!(
            parse_days("2027-02-30")
                .expect_err("no such day")
                .contains("2027-02-30")
        );
        assert!(parse_days("2027-02-07~2027-02-05").is_err(), "backwards");
        assert!(parse_days("2027-01-01~2027-03-01").is_err(), "too long");
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
