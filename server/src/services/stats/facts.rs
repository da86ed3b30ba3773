//! From a stretch of history to facts: pure, so every figure can be
//! checked on a hand-made history.
//!
//! A fact is "`n` things of `measure` (with `value`) happened on `day` in
//! (bundle, item, department)". Every fact belongs to the day of the event
//! that made it (a submission, an item's end, a rating, …), so a finished
//! day never changes and can be stored once (see `store`). Adding a source
//! is a new record type below, one arm in [`facts_of`], and its figure in
//! `figures`.

use std::collections::{BTreeMap, BTreeSet};

use app::domain::Date;
use app::domain::calendar::WorkCalendar;
use app::feedback::CaseKind;
use uuid::Uuid;

use super::savings::{AtFiling, Done};

/// The measures stored (the `measure` column).
pub mod measure {
    /// A submission, once (bundle-wide: item and department empty); the
    /// value is the channel's index in [`super::CHANNELS`].
    pub const SUBMISSION: &str = "submission";
    /// A submission, once per department that has an item in it (item
    /// empty); the value is the channel's index.
    pub const DEPARTMENT_SUBMISSION: &str = "department_submission";
    pub const WORK_ITEM: &str = "work_item";
    /// An item completed; value: working days from submission to the end.
    pub const COMPLETED: &str = "completed";
    /// An item rejected; value: working days from submission to the end.
    pub const REJECTED: &str = "rejected";
    /// An ended item that ended by its due date.
    pub const ON_TIME: &str = "on_time";
    /// An ended item that was returned for 补正 at least once.
    pub const CORRECTED: &str = "corrected";
    /// An ended item; value: working days its clock stood still for 补正.
    pub const PAUSED: &str = "paused_days";
    pub const COMMITMENT_MADE: &str = "commitment_made";
    pub const COMMITMENT_FULFILLED: &str = "commitment_fulfilled";
    pub const COMMITMENT_BREACHED: &str = "commitment_breached";
    /// A rating given; value: the score.
    pub const RATING: &str = "rating";
    /// A rating voided on appeal; value: its score (taken out again).
    pub const RATING_VOIDED: &str = "rating_voided";
    /// `case_opened:<kind>`.
    pub const CASE_OPENED: &str = "case_opened";
    /// `case_answered:<kind>`; value 1 when by the answer deadline.
    pub const CASE_ANSWERED: &str = "case_answered";

    /// A submission whose 四减一优 was measured (bundle-wide).
    pub const FILING: &str = "filing";
    /// `filing:<name>` is one such submission, its measure `<name>` the
    /// value (see `savings::AtFiling::named`).
    /// A submission all of whose items were completed (办成), on the day of
    /// the last; value: working days from submission.
    pub const BUNDLE_DONE: &str = "bundle_done";

    pub fn case(prefix: &str, kind: app::feedback::CaseKind) -> String {
        format!("{prefix}:{kind}")
    }
}

/// How submissions come in (the value of a [`measure::SUBMISSION`]).
pub const CHANNELS: [&str; 3] = ["online", "window", "assisted"];

/// The place a fact belongs to.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Place {
    pub bundle: String,
    /// Empty for a whole submission.
    pub item: String,
    /// Empty when unknown (a case not yet assigned).
    pub department: String,
}

impl Place {
    pub fn new(bundle: &str, item: &str, department: &str) -> Self {
        Self {
            bundle: bundle.to_owned(),
            item: item.to_owned(),
            department: department.to_owned(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Key {
    pub place: Place,
    pub measure: String,
    pub value: i32,
}

/// Facts of a stretch of days: (day, key) → n.
pub type Facts = BTreeMap<(Date, Key), i64>;

/// A work item as filed.
#[derive(Clone, Debug)]
pub struct Filed {
    pub submission: Uuid,
    pub on: Date,
    pub place: Place,
    /// Index in [`CHANNELS`].
    pub channel: usize,
}

/// A work item that ended (completed or rejected).
#[derive(Clone, Debug)]
pub struct Ended {
    pub place: Place,
    pub submitted_on: Date,
    pub on: Date,
    pub rejected: bool,
    pub due: Option<Date>,
    /// Each 补正: the day it was returned and the day the applicant
    /// supplied (none when the item ended while returned).
    pub pauses: Vec<(Date, Option<Date>)>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CommitmentEvent {
    Made,
    Fulfilled,
    Breached,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CaseEvent {
    Opened,
    Answered { on_time: bool },
}

/// What happened in a stretch of days, as plain data.
#[derive(Clone, Debug, Default)]
pub struct History {
    pub filed: Vec<Filed>,
    pub ended: Vec<Ended>,
    pub commitments: Vec<(Date, Place, CommitmentEvent)>,
    /// (day, place, score, voided: this record takes a voided rating out).
    pub ratings: Vec<(Date, Place, i16, bool)>,
    pub cases: Vec<(Date, Place, CaseKind, CaseEvent)>,
    /// Submissions filed, with what filing them measured (四减一优).
    pub filings: Vec<(Date, String, AtFiling)>,
    /// Submissions done (all items completed).
    pub done: Vec<Done>,
}

fn add(f: &mut Facts, day: Date, place: Place, measure: &str, value: i32) {
    *f.entry((
        day,
        Key {
            place,
            measure: measure.to_owned(),
            value,
        },
    ))
    .or_default() += 1;
}

fn as_value(n: u32) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// The facts of `h`.
pub fn facts_of(h: &History, cal: &WorkCalendar) -> Facts {
    let mut f = Facts::new();
    // A submission counts once, and once per department it reaches.
    let mut seen: BTreeSet<Uuid> = BTreeSet::new();
    let mut seen_in: BTreeSet<(Uuid, &str)> = BTreeSet::new();
    for w in &h.filed {
        add(&mut f, w.on, w.place.clone(), measure::WORK_ITEM, 0);
        if seen.insert(w.submission) {
            let whole = Place::new(&w.place.bundle, "", "");
            add(
                &mut f,
                w.on,
                whole,
                measure::SUBMISSION,
                as_value(w.channel as u32),
            );
        }
        if seen_in.insert((w.submission, &w.place.department)) {
            let dept = Place::new(&w.place.bundle, "", &w.place.department);
            add(
                &mut f,
                w.on,
                dept,
                measure::DEPARTMENT_SUBMISSION,
                as_value(w.channel as u32),
            );
        }
    }
    for e in &h.ended {
        let days = as_value(cal.working_days_between(e.submitted_on, e.on));
        let m = if e.rejected {
            measure::REJECTED
        } else {
            measure::COMPLETED
        };
        add(&mut f, e.on, e.place.clone(), m, days);
        if e.due.is_none_or(|due| e.on <= due) {
            add(&mut f, e.on, e.place.clone(), measure::ON_TIME, 0);
        }
        if !e.pauses.is_empty() {
            add(&mut f, e.on, e.place.clone(), measure::CORRECTED, 0);
        }
        let paused: u32 = e
            .pauses
            .iter()
            .map(|(from, to)| cal.working_days_between(*from, to.unwrap_or(e.on)))
            .sum();
        add(&mut f, e.on, e.place.clone(), measure::PAUSED, as_value(paused));
    }
    for (day, place, what) in &h.commitments {
        let m = match what {
            CommitmentEvent::Made => measure::COMMITMENT_MADE,
            CommitmentEvent::Fulfilled => measure::COMMITMENT_FULFILLED,
            CommitmentEvent::Breached => measure::COMMITMENT_BREACHED,
        };
        add(&mut f, *day, place.clone(), m, 0);
    }
    for (day, place, score, voided) in &h.ratings {
        let m = if *voided {
            measure::RATING_VOIDED
        } else {
            measure::RATING
        };
        add(&mut f, *day, place.clone(), m, i32::from(*score));
    }
    for (day, place, kind, what) in &h.cases {
        let (m, v) = match what {
            CaseEvent::Opened => (measure::case(measure::CASE_OPENED, *kind), 0),
            CaseEvent::Answered { on_time } => {
                (measure::case(measure::CASE_ANSWERED, *kind), i32::from(*on_time))
            }
        };
        add(&mut f, *day, place.clone(), &m, v);
    }
    for (day, bundle, m) in &h.filings {
        let whole = Place::new(bundle, "", "");
        add(
            &mut f,
            *day,
            whole.clone(),
            measure::FILING,
            as_value(m.channel as u32),
        );
        for (name, value) in m.named() {
            if let Some(v) = value {
                let key = format!("{}:{name}", measure::FILING);
                add(&mut f, *day, whole.clone(), &key, v);
            }
        }
    }
    for d in &h.done {
        let days = as_value(cal.working_days_between(d.submitted_on, d.on));
        add(
            &mut f,
            d.on,
            Place::new(&d.bundle, "", ""),
            measure::BUNDLE_DONE,
            days,
        );
    }
    f
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use app::domain::calendar::YearSource;

    pub(crate) fn d(s: &str) -> Date {
        Date::parse(s).expect(s)
    }

    /// 2026 around 国庆: 10-01..10-07 off, Sunday 09-28 and Saturday 10-10 worked.
    pub(crate) fn cal() -> WorkCalendar {
        WorkCalendar::build(vec![YearSource {
            year: 2026,
            source: String::new(),
            holidays: [
                "2026-10-01",
                "2026-10-02",
                "2026-10-05",
                "2026-10-06",
                "2026-10-07",
            ]
            .map(d)
            .to_vec(),
            workdays: ["2026-09-27", "2026-10-10"].map(d).to_vec(),
        }])
        .expect("calendar")
    }

    fn n(f: &Facts, day: &str, place: &Place, m: &str, v: i32) -> i64 {
        f.get(&(
            d(day),
            Key {
                place: place.clone(),
                measure: m.to_owned(),
                value: v,
            },
        ))
        .copied()
        .unwrap_or(0)
    }

    #[test]
    fn an_item_across_a_holiday_with_a_paused_clock() {
        let place = Place::new("newborn", "birth-registration", "public-security");
        // Filed Friday 09-25; returned Tuesday 09-29, supplied Thursday
        // 10-08: 09-30 and 10-08 are the working days in between → 2
        // paused. Ended Saturday 10-10 (调休, a working day). After 09-25:
        // 09-27 (a worked Sunday), 09-28, 09-29, 09-30, 10-08, 10-09,
        // 10-10 → 7 working days; due 10-09 → late.
        let h = History {
            ended: vec![Ended {
                place: place.clone(),
                submitted_on: d("2026-09-25"),
                on: d("2026-10-10"),
                rejected: false,
                due: Some(d("2026-10-09")),
                pauses: vec![(d("2026-09-29"), Some(d("2026-10-08")))],
            }],
            ..History::default()
        };
        let f = facts_of(&h, &cal());
        assert_eq!(n(&f, "2026-10-10", &place, measure::COMPLETED, 7), 1);
        assert_eq!(n(&f, "2026-10-10", &place, measure::ON_TIME, 0), 0);
        assert_eq!(n(&f, "2026-10-10", &place, measure::CORRECTED, 0), 1);
        assert_eq!(n(&f, "2026-10-10", &place, measure::PAUSED, 2), 1);
        assert_eq!(f.len(), 3, "{f:?}");
    }

    #[test]
    fn a_submission_counts_once_and_once_per_department() {
        let s = Uuid::now_v7();
        let filed = |item: &str, dept: &str| Filed {
            submission: s,
            on: d("2026-11-02"),
            place: Place::new("newborn", item, dept),
            channel: 0,
        };
        let h = History {
            filed: vec![
                filed("birth-certificate", "health"),
                filed("vaccination-certificate", "health"),
                filed("birth-registration", "public-security"),
            ],
            ..History::default()
        };
        let f = facts_of(&h, &cal());
        let day = "2026-11-02";
        assert_eq!(
            n(&f, day, &Place::new("newborn", "", ""), measure::SUBMISSION, 0),
            1
        );
        assert_eq!(
            n(
                &f,
                day,
                &Place::new("newborn", "", "health"),
                measure::DEPARTMENT_SUBMISSION,
                0
            ),
            1
        );
        assert_eq!(
            n(
                &f,
                day,
                &Place::new("newborn", "", "public-security"),
                measure::DEPARTMENT_SUBMISSION,
                0
            ),
            1
        );
        let items: i64 = f
            .iter()
            .filter(|((_, k), _)| k.measure == measure::WORK_ITEM)
            .map(|(_, n)| n)
            .sum();
        assert_eq!(items, 3);
    }

    #[test]
    fn a_rejection_while_returned_pauses_until_the_end() {
        let place = Place::new("newborn", "medical-insurance", "medical-security");
        let h = History {
            ended: vec![Ended {
                place: place.clone(),
                submitted_on: d("2026-11-02"),
                on: d("2026-11-06"),
                rejected: true,
                due: Some(d("2026-11-09")),
                // Returned Tuesday, never supplied: Wed, Thu, Fri paused.
                pauses: vec![(d("2026-11-03"), None)],
            }],
            ..History::default()
        };
        let f = facts_of(&h, &cal());
        assert_eq!(n(&f, "2026-11-06", &place, measure::REJECTED, 4), 1);
        assert_eq!(n(&f, "2026-11-06", &place, measure::ON_TIME, 0), 1);
        assert_eq!(n(&f, "2026-11-06", &place, measure::PAUSED, 3), 1);
    }
}
