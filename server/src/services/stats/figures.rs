//! From facts to the figures evaluators read. Pure: hand-made facts in,
//! figures out.

use std::collections::{BTreeMap, HashMap};

use app::api::{
    BundleSavings, CaseFigures, ChannelCount, Count, ItemBefore, PartFigures, Reduction, StatsOverview,
    TrendPoint,
};
use app::catalog::Catalog;
use app::domain::Date;
use app::feedback::CaseKind;

use super::facts::{CHANNELS, Key, Place, measure};

/// Rates and medians of fewer things than this are not shown.
pub const MIN_GROUP: u64 = 5;

/// Everything counted for one group of places.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Tally {
    pub submissions: [u64; 3],
    pub department_submissions: [u64; 3],
    pub work_items: u64,
    /// Ended items by working days from submission to the end.
    pub ended_days: BTreeMap<i32, u64>,
    pub completed: u64,
    pub rejected: u64,
    pub on_time: u64,
    pub corrected: u64,
    pub paused_days: u64,
    pub commitments: [u64; 3],
    /// Ratings by score, voided ones taken out.
    pub ratings: BTreeMap<i32, i64>,
    /// Per case kind: opened, answered, answered on time.
    pub cases: BTreeMap<String, [u64; 3]>,
    /// Submissions whose 四减一优 was measured.
    pub filings: u64,
    /// Per `filing:<name>` measure: (Σ value, submissions).
    pub filed: BTreeMap<String, (i64, u64)>,
    /// Submissions done (every item completed) by working days taken.
    pub done_days: BTreeMap<i32, u64>,
}

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

impl Tally {
    pub fn add(&mut self, k: &Key, n: i64) {
        let v = k.value;
        let channel = usize::try_from(v).unwrap_or(0).min(CHANNELS.len() - 1);
        let c = count(n);
        match k.measure.as_str() {
            measure::SUBMISSION => self.submissions[channel] += c,
            measure::DEPARTMENT_SUBMISSION => self.department_submissions[channel] += c,
            measure::WORK_ITEM => self.work_items += c,
            measure::COMPLETED | measure::REJECTED => {
                *self.ended_days.entry(v).or_default() += c;
                if k.measure == measure::COMPLETED {
                    self.completed += c;
                } else {
                    self.rejected += c;
                }
            }
            measure::ON_TIME => self.on_time += c,
            measure::CORRECTED => self.corrected += c,
            measure::PAUSED => self.paused_days += c * u64::try_from(v).unwrap_or(0),
            measure::COMMITMENT_MADE => self.commitments[0] += c,
            measure::COMMITMENT_FULFILLED => self.commitments[1] += c,
            measure::COMMITMENT_BREACHED => self.commitments[2] += c,
            measure::RATING => *self.ratings.entry(v).or_default() += n,
            measure::RATING_VOIDED => *self.ratings.entry(v).or_default() -= n,
            measure::FILING => self.filings += c,
            measure::BUNDLE_DONE => *self.done_days.entry(v).or_default() += c,
            m => {
                if let Some((prefix, kind)) = m.split_once(':') {
                    let e = self.cases.entry(kind.to_owned()).or_default();
                    if prefix == measure::FILING {
                        let e = self.filed.entry(kind.to_owned()).or_default();
                        e.0 += i64::from(v) * n;
                        e.1 += c;
                        return;
                    }
                    match prefix {
                        measure::CASE_OPENED => e[0] += c,
                        measure::CASE_ANSWERED => {
                            e[1] += c;
                            if v == 1 {
                                e[2] += c;
                            }
                        }
                        _ => {}
                    }
                }
            }
        }
    }

    pub fn ended(&self) -> u64 {
        self.completed + self.rejected
    }

    /// The `q`-quantile of the working days of ended items.
    pub fn working_days(&self, q: f64) -> Option<f64> {
        quantile(&self.ended_days, q)
    }

    pub fn rated(&self) -> u64 {
        self.ratings.values().map(|n| count(*n)).sum()
    }

    pub fn satisfied(&self) -> u64 {
        self.ratings
            .iter()
            .filter(|(s, _)| **s >= 3)
            .map(|(_, n)| count(*n))
            .sum()
    }
}

/// The `q`-quantile of a distribution (value → how many), nearest rank;
/// the median of an even count is the mean of the two middle ones. `None`
/// under [`MIN_GROUP`].
pub fn quantile(of: &BTreeMap<i32, u64>, q: f64) -> Option<f64> {
    let n: u64 = of.values().sum();
    if n < MIN_GROUP {
        return None;
    }
    let nth = |rank: u64| {
        let mut seen = 0;
        for (days, c) in of {
            seen += c;
            if seen >= rank {
                return f64::from(*days);
            }
        }
        0.0
    };
    if (q - 0.5).abs() < f64::EPSILON && n.is_multiple_of(2) {
        return Some(f64::midpoint(nth(n / 2), nth(n / 2 + 1)));
    }
    #[expect(
        clippy::cast_precision_loss,
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss
    )]
    let rank = ((q * n as f64).ceil() as u64).max(1);
    Some(nth(rank))
}

/// `num / den` to four places; `None` when `den` is under [`MIN_GROUP`].
pub fn rate(num: u64, den: u64) -> Option<f64> {
    #[expect(clippy::cast_precision_loss)]
    (den >= MIN_GROUP).then(|| ((num as f64 / den as f64) * 10_000.0).round() / 10_000.0)
}

fn of(n: u64) -> Count {
    Count::of(n)
}

/// The trend's step for a period of `days` days.
pub fn step_of(days: i64) -> &'static str {
    match days {
        ..=31 => "day",
        32..=190 => "week",
        _ => "month",
    }
}

/// The first day of the step `d` falls in.
pub fn step_start(step: &str, from: Date, d: Date) -> Date {
    match step {
        "day" => d,
        "week" => from.add_days((d.days_since_epoch() - from.days_since_epoch()).div_euclid(7) * 7),
        _ => Date::new(d.year(), d.month(), 1).unwrap_or(d).max(from),
    }
}

/// What [`overview`] is made of.
pub struct Parts<'a> {
    pub catalog: &'a Catalog,
    pub from: Date,
    pub to: Date,
    pub bundle: Option<&'a str>,
    pub department: Option<&'a str>,
    /// Summed facts of the period.
    pub totals: &'a HashMap<&'a Key, i64>,
    /// Facts of the trend measures, by period start.
    pub trend: &'a [(Date, Key, i64)],
    pub overdue: &'a HashMap<Place, i64>,
}

fn part(code: &str, name: &str, t: &Tally, submissions: &[u64; 3], overdue: i64) -> PartFigures {
    PartFigures {
        code: code.to_owned(),
        name: name.to_owned(),
        department: None,
        time_limit_days: None,
        submissions: of(submissions.iter().sum()),
        work_items: of(t.work_items),
        completed: of(t.completed),
        rejected: of(t.rejected),
        on_time_rate: rate(t.on_time, t.ended()),
        median_working_days: t.working_days(0.5),
        overdue_now: of(count(overdue)),
        satisfaction_rate: rate(t.satisfied(), t.rated()),
    }
}

/// The headline figures, with a part per department.
pub fn overview(p: &Parts<'_>) -> StatsOverview {
    let mut all = Tally::default();
    let mut per_dept: BTreeMap<&str, Tally> = BTreeMap::new();
    for (k, n) in p.totals {
        all.add(k, *n);
        if !k.place.department.is_empty() {
            per_dept
                .entry(k.place.department.as_str())
                .or_default()
                .add(k, *n);
        }
    }
    let mut overdue_dept: BTreeMap<&str, i64> = BTreeMap::new();
    for (place, n) in p.overdue {
        *overdue_dept.entry(place.department.as_str()).or_default() += n;
    }
    let by_department = p.department.is_some();
    let submissions = if by_department {
        all.department_submissions
    } else {
        all.submissions
    };

    let step = step_of(p.to.days_since_epoch() - p.from.days_since_epoch() + 1);
    let mut points: BTreeMap<Date, (u64, u64)> = BTreeMap::new();
    let mut d = p.from;
    while d <= p.to {
        points.entry(step_start(step, p.from, d)).or_default();
        d = d.add_days(1);
    }
    for (day, k, n) in p.trend {
        let e = points.entry(step_start(step, p.from, *day)).or_default();
        let submission = if by_department {
            measure::DEPARTMENT_SUBMISSION
        } else {
            measure::SUBMISSION
        };
        if k.measure == submission {
            e.0 += count(*n);
        } else if k.measure == measure::COMPLETED || k.measure == measure::REJECTED {
            e.1 += count(*n);
        }
    }

    let mut departments: Vec<&str> = per_dept.keys().chain(overdue_dept.keys()).copied().collect();
    if let Some(b) = p.bundle.and_then(|b| p.catalog.bundle(b)) {
        departments.extend(b.departments().into_iter().map(|c| c.as_str()));
    }
    departments.sort_unstable();
    departments.dedup();
    let empty = Tally::default();

    StatsOverview {
        county: p.catalog.county.clone(),
        from: p.from.to_string(),
        to: p.to.to_string(),
        bundle: p.bundle.map(ToOwned::to_owned),
        department: p.department.map(ToOwned::to_owned),
        submissions: of(submissions.iter().sum()),
        channels: CHANNELS
            .iter()
            .zip(submissions)
            .map(|(c, n)| ChannelCount {
                channel: (*c).to_owned(),
                submissions: of(n),
            })
            .collect(),
        work_items: of(all.work_items),
        completed: of(all.completed),
        rejected: of(all.rejected),
        median_working_days: all.working_days(0.5),
        p90_working_days: all.working_days(0.9),
        on_time_rate: rate(all.on_time, all.ended()),
        overdue_now: of(count(p.overdue.values().sum())),
        paused_working_days: of(all.paused_days),
        correction_rate: rate(all.corrected, all.ended()),
        rejection_rate: rate(all.rejected, all.ended()),
        commitments_made: of(all.commitments[0]),
        commitments_fulfilled: of(all.commitments[1]),
        commitments_breached: of(all.commitments[2]),
        ratings: of(all.rated()),
        satisfaction_rate: rate(all.satisfied(), all.rated()),
        cases: CaseKind::ALL
            .iter()
            .map(|kind| {
                let c = all.cases.get(kind.as_str()).copied().unwrap_or_default();
                CaseFigures {
                    kind: kind.as_str().to_owned(),
                    label: kind.label().to_owned(),
                    opened: of(c[0]),
                    answered: of(c[1]),
                    answered_on_time_rate: rate(c[2], c[1]),
                }
            })
            .collect(),
        trend_step: step.to_owned(),
        trend: points
            .into_iter()
            .map(|(start, (s, e))| TrendPoint {
                start: start.to_string(),
                submissions: of(s),
                ended: of(e),
            })
            .collect(),
        departments: departments
            .into_iter()
            .filter(|d| p.department.is_none_or(|x| x == *d))
            .map(|d| {
                let name = p.catalog.department(d).map_or(d, |x| x.name.as_str());
                let t = per_dept.get(d).unwrap_or(&empty);
                part(
                    d,
                    name,
                    t,
                    &t.department_submissions,
                    overdue_dept.get(d).copied().unwrap_or(0),
                )
            })
            .collect(),
        bundles: bundles(p),
        savings: savings(p),
    }
}

/// `n / d` to one place.
fn mean(sum: i64, n: u64) -> Option<f64> {
    #[expect(clippy::cast_precision_loss)]
    (n >= MIN_GROUP).then(|| (sum as f64 / n as f64 * 10.0).round() / 10.0)
}

impl Tally {
    /// The mean of `filing:<name>` per measured submission.
    fn filed_mean(&self, name: &str) -> Option<f64> {
        let (sum, n) = self.filed.get(name).copied().unwrap_or_default();
        mean(sum, n)
    }

    /// The mean of `before` less the mean of `less` (each per submission).
    fn filed_less(&self, before: &str, less: &[&str]) -> Option<f64> {
        let (sum, n) = self.filed.get(before).copied().unwrap_or_default();
        let taken: i64 = less.iter().map(|l| self.filed.get(*l).map_or(0, |x| x.0)).sum();
        mean(sum - taken, n)
    }
}

/// 四减一优 of every bundle with submissions measured (or done) in the
/// period, in catalog order.
pub fn savings(p: &Parts<'_>) -> Vec<BundleSavings> {
    let mut per_bundle: HashMap<&str, Tally> = HashMap::new();
    for (k, n) in p.totals {
        if k.measure == measure::FILING
            || k.measure == measure::BUNDLE_DONE
            || k.measure.starts_with(measure::FILING)
        {
            per_bundle.entry(k.place.bundle.as_str()).or_default().add(k, *n);
        }
    }
    p.catalog
        .bundles
        .iter()
        .filter_map(|b| {
            let t = per_bundle.get(b.code.as_str())?;
            let done: u64 = t.done_days.values().sum();
            let steps_after = (t.filings >= MIN_GROUP).then_some(1.0);
            Some(BundleSavings {
                code: b.code.to_string(),
                name: b.name.clone(),
                submissions: of(t.filings),
                steps: Reduction::between(t.filed_mean("steps_before"), steps_after),
                materials: Reduction::between(
                    t.filed_mean("materials_before"),
                    t.filed_less("materials_asked", &["materials_certificate"]),
                ),
                fields: Reduction::between(
                    t.filed_mean("fields_before"),
                    t.filed_less("fields_asked", &["fields_prefilled"]),
                ),
                trips: Reduction::between(t.filed_mean("trips_before"), t.filed_mean("trips")),
                days: Reduction::between(t.filed_mean("days_before"), quantile(&t.done_days, 0.5)),
                done: of(done),
                legal_days_before: t.filed_mean("legal_days_before"),
                materials_by_certificate: t.filed_mean("materials_certificate"),
                fields_prefilled: t.filed_mean("fields_prefilled"),
            })
        })
        .collect()
}

/// What doing each item of `bundle` on its own took (catalog data).
pub fn before(bundle: &app::catalog::Bundle) -> Vec<ItemBefore> {
    bundle
        .items
        .iter()
        .map(|i| ItemBefore {
            code: i.code.to_string(),
            name: i.name.clone(),
            promised_days: u32::from(i.due_days),
            legal_days: i.before.legal_days.clone(),
            steps: i.before.steps.clone(),
            materials: i.before.materials.clone(),
            trips: i.before.trips.clone(),
        })
        .collect()
}

/// A bundle's items, in catalog order.
pub fn items(p: &Parts<'_>, bundle: &app::catalog::Bundle) -> Vec<PartFigures> {
    let mut per_item: HashMap<&str, Tally> = HashMap::new();
    for (k, n) in p.totals {
        if !k.place.item.is_empty() {
            per_item.entry(k.place.item.as_str()).or_default().add(k, *n);
        }
    }
    let empty = Tally::default();
    bundle
        .items
        .iter()
        .filter(|i| {
            p.department
                .is_none_or(|d| i.departments.iter().any(|x| x.as_str() == d))
        })
        .map(|i| {
            let overdue: i64 = p
                .overdue
                .iter()
                .filter(|(pl, _)| pl.item == i.code.as_str())
                .map(|(_, n)| n)
                .sum();
            let t = per_item.get(i.code.as_str()).unwrap_or(&empty);
            let mut f = part(i.code.as_str(), &i.name, t, &[t.work_items, 0, 0], overdue);
            f.department = i.departments.first().map(|d| d.to_string());
            f.time_limit_days = Some(u32::from(i.due_days));
            f
        })
        .collect()
}

/// Every bundle with anything in the period or overdue now, in catalog order.
pub fn bundles(p: &Parts<'_>) -> Vec<PartFigures> {
    let mut per_bundle: HashMap<&str, Tally> = HashMap::new();
    for (k, n) in p.totals {
        per_bundle.entry(k.place.bundle.as_str()).or_default().add(k, *n);
    }
    let mut overdue: HashMap<&str, i64> = HashMap::new();
    for (place, n) in p.overdue {
        *overdue.entry(place.bundle.as_str()).or_default() += n;
    }
    let empty = Tally::default();
    p.catalog
        .bundles
        .iter()
        .filter_map(|b| {
            let code = b.code.as_str();
            let late = overdue.get(code).copied().unwrap_or(0);
            let t = match per_bundle.get(code) {
                Some(t) => t,
                None if late > 0 => &empty,
                None => return None,
            };
            let submissions = if p.department.is_some() {
                &t.department_submissions
            } else {
                &t.submissions
            };
            Some(part(code, &b.name, t, submissions, late))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(measure: &str, value: i32) -> Key {
        Key {
            place: Place::new("newborn", "birth-registration", "public-security"),
            measure: measure.to_owned(),
            value,
        }
    }

    fn tally(facts: &[(&str, i32, i64)]) -> Tally {
        let mut t = Tally::default();
        for (m, v, n) in facts {
            t.add(&key(m, *v), *n);
        }
        t
    }

    #[test]
    fn median_and_p90_of_working_days() {
        // 1, 2, 2, 3, 9, 10 → median (2+3)/2; p90: rank ⌈5.4⌉ = 6 → 10.
        let t = tally(&[
            (measure::COMPLETED, 1, 1),
            (measure::COMPLETED, 2, 2),
            (measure::COMPLETED, 3, 1),
            (measure::REJECTED, 9, 1),
            (measure::COMPLETED, 10, 1),
        ]);
        assert_eq!(t.working_days(0.5), Some(2.5));
        assert_eq!(t.working_days(0.9), Some(10.0));
        assert_eq!((t.completed, t.rejected), (5, 1));
        // Five: the middle one.
        let t = tally(&[(measure::COMPLETED, 1, 2), (measure::COMPLETED, 4, 3)]);
        assert_eq!(t.working_days(0.5), Some(4.0));
    }

    #[test]
    fn small_groups_show_no_rate_or_median() {
        let t = tally(&[(measure::COMPLETED, 1, 4), (measure::ON_TIME, 0, 4)]);
        assert_eq!(t.working_days(0.5), None);
        assert_eq!(rate(t.on_time, t.ended()), None);
        assert_eq!(rate(4, 5), Some(0.8));
        assert_eq!(rate(2, 3), None);
        assert_eq!(rate(1, 3 * 5), Some(0.0667));
    }

    #[test]
    fn voided_ratings_are_taken_out_and_satisfaction_starts_at_three() {
        let t = tally(&[
            (measure::RATING, 5, 3),
            (measure::RATING, 3, 1),
            (measure::RATING, 1, 2),
            (measure::RATING_VOIDED, 1, 1),
        ]);
        // 5,5,5,3,1 → 4 of 5 基本满意 or better.
        assert_eq!((t.rated(), t.satisfied()), (5, 4));
        assert_eq!(rate(t.satisfied(), t.rated()), Some(0.8));
    }

    #[test]
    fn paused_days_and_cases_add_up() {
        let t = tally(&[
            (measure::PAUSED, 0, 7),
            (measure::PAUSED, 3, 2),
            ("case_opened:complaint", 0, 2),
            ("case_answered:complaint", 1, 4),
            ("case_answered:complaint", 0, 1),
        ]);
        assert_eq!(t.paused_days, 6);
        assert_eq!(t.cases["complaint"], [2, 5, 4]);
    }

    #[test]
    fn trend_steps_follow_the_length_of_the_period() {
        let d = |s: &str| Date::parse(s).expect(s);
        assert_eq!(step_of(31), "day");
        assert_eq!(step_of(32), "week");
        assert_eq!(step_of(366), "month");
        let from = d("2026-11-04");
        assert_eq!(step_start("week", from, d("2026-11-10")), from);
        assert_eq!(step_start("week", from, d("2026-11-11")), d("2026-11-11"));
        assert_eq!(step_start("month", from, d("2026-11-20")), from);
        assert_eq!(step_start("month", from, d("2026-12-20")), d("2026-12-01"));
    }

    /// Five newborn submissions, five done (one across 国庆 with its 调休
    /// Saturday), figures computed by hand.
    #[test]
    fn the_figures_of_five_submissions() {
        use super::super::facts::tests::{cal, d};
        use super::super::facts::{History, facts_of};
        use super::super::savings::{AtFiling, Done};
        use app::api::{Count, Reduction};

        let catalog = crate::catalog_loader::load(&crate::config::default_catalog_dir()).expect("catalog");
        // (steps, materials before/asked/certificate, fields before/asked/prefilled, trips, days, legal)
        let rows = [
            (2, 1, 1, 1, 14, 8, 1, 2, 6, Some(10)),
            (2, 1, 1, 0, 14, 8, 2, 2, 6, Some(10)),
            (3, 2, 1, 0, 20, 10, 3, 3, 10, Some(12)),
            (4, 2, 2, 1, 20, 10, 0, 4, 12, Some(12)),
            (4, 4, 2, 0, 30, 12, 4, 4, 12, None),
        ];
        let filings = rows
            .iter()
            .map(|r| {
                let m = AtFiling {
                    channel: 0,
                    items: r.0,
                    steps_before: r.0,
                    materials_before: r.1,
                    materials_asked: r.2,
                    materials_certificate: r.3,
                    fields_before: r.4,
                    fields_asked: r.5,
                    fields_prefilled: r.6,
                    trips_before: r.7,
                    trips: 0,
                    days_before: r.8,
                    legal_days_before: r.9,
                };
                (d("2026-11-02"), "newborn".to_owned(), m)
            })
            .collect();
        let done = |from: &str, to: &str| Done {
            bundle: "newborn".into(),
            submitted_on: d(from),
            on: d(to),
        };
        let h = History {
            filings,
            done: vec![
                // Friday to the worked Saturday after 国庆: 7 working days.
                done("2026-09-25", "2026-10-10"),
                done("2026-11-02", "2026-11-05"),
                done("2026-11-02", "2026-11-06"),
                done("2026-11-02", "2026-11-06"),
                done("2026-11-02", "2026-11-09"),
            ],
            ..History::default()
        };
        let facts = facts_of(&h, &cal());
        let mut totals = std::collections::HashMap::new();
        for ((_, k), n) in &facts {
            *totals.entry(k).or_insert(0) += n;
        }
        let parts = Parts {
            catalog: &catalog,
            from: d("2026-09-01"),
            to: d("2026-11-30"),
            bundle: None,
            department: None,
            totals: &totals,
            trend: &[],
            overdue: &std::collections::HashMap::new(),
        };
        let s = savings(&parts);
        assert_eq!(s.len(), 1, "{s:?}");
        let b = &s[0];
        assert_eq!(
            (b.code.as_str(), b.submissions, b.done),
            ("newborn", Count::Exact(5), Count::Exact(5))
        );
        let r = |before, after, saved, rate| Reduction {
            before: Some(before),
            after: Some(after),
            saved: Some(saved),
            saved_rate: Some(rate),
        };
        // Steps 15/5 = 3 → 1.
        assert_eq!(b.steps, r(3.0, 1.0, 2.0, 0.6667));
        // Materials 10/5 = 2; handed in (7 − 2)/5 = 1.
        assert_eq!(b.materials, r(2.0, 1.0, 1.0, 0.5));
        // Fields 98/5 = 19.6; typed (48 − 10)/5 = 7.6.
        assert_eq!(b.fields, r(19.6, 7.6, 12.0, 0.6122));
        assert_eq!(b.trips, r(3.0, 0.0, 3.0, 1.0));
        // Promised 46/5 = 9.2; done in 3, 4, 4, 5, 7 → median 4.
        assert_eq!(b.days, r(9.2, 4.0, 5.2, 0.5652));
        // 法定时限 known for four submissions only: not shown.
        assert_eq!(b.legal_days_before, None);
        assert_eq!(b.materials_by_certificate, Some(0.4));
        assert_eq!(b.fields_prefilled, Some(2.0));
    }
}
