//! Wire types of 效能评估 (`/api/v1/stats`): figures of a period computed
//! from what the platform records. No figure names or numbers a person, and
//! every count of 1–4 is sent as `"<5"`.

use serde::{Deserialize, Serialize};

/// A count as evaluators see it: exact, or `"<5"` for 1 to 4 so that a
/// small group cannot point at a person. Zero is exact.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Count {
    Exact(u64),
    /// 1–4.
    Few,
}

impl Count {
    pub const FEW: &'static str = "<5";

    pub fn of(n: u64) -> Self {
        if (1..5).contains(&n) {
            Self::Few
        } else {
            Self::Exact(n)
        }
    }

    /// The number, or `None` when it is hidden.
    pub fn exact(self) -> Option<u64> {
        match self {
            Self::Exact(n) => Some(n),
            Self::Few => None,
        }
    }
}

impl std::fmt::Display for Count {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Exact(n) => write!(f, "{n}"),
            Self::Few => f.write_str(Self::FEW),
        }
    }
}

impl Serialize for Count {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Exact(n) => s.serialize_u64(*n),
            Self::Few => s.serialize_str(Self::FEW),
        }
    }
}

impl<'de> Deserialize<'de> for Count {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Wire {
            N(u64),
            S(String),
        }
        match Wire::deserialize(d)? {
            Wire::N(n) => Ok(Self::Exact(n)),
            Wire::S(s) if s == Self::FEW => Ok(Self::Few),
            Wire::S(s) => Err(serde::de::Error::custom(format!("not a count: {s}"))),
        }
    }
}

#[cfg(feature = "ssr")]
impl utoipa::PartialSchema for Count {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, SchemaType, Type};
        OneOfBuilder::new()
            .item(
                ObjectBuilder::new()
                    .schema_type(SchemaType::new(Type::Integer))
                    .minimum(Some(0)),
            )
            .item(
                ObjectBuilder::new()
                    .schema_type(SchemaType::new(Type::String))
                    .enum_values(Some([Count::FEW])),
            )
            .description(Some(
                "A count: an integer, or the string `<5` for 1 to 4 (small groups are not shown).",
            ))
            .into()
    }
}

#[cfg(feature = "ssr")]
impl utoipa::ToSchema for Count {}

/// The common query of `/api/v1/stats/*`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct StatsQuery {
    /// First day (China time), `YYYY-MM-DD`. Default: 29 days before `to`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// Last day, included. Default: today.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// A bundle code: only its submissions and items.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bundle: Option<String>,
    /// A department code: only its work items.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
}

/// `GET /api/v1/stats/report`: the period (a `month`, or `from`/`to`),
/// the scope, and the form of the file.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct ReportQuery {
    /// `YYYY-MM`: the whole month (instead of `from`/`to`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub month: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bundle: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    /// `xlsx` (default: a sheet per view) or `csv` (one view, UTF-8 with BOM).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    /// For `csv`: `overview` (default), `departments`, `bundles`, `items`
    /// (with a `bundle`), `savings` (四减一优), `trend` or `cases`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
}

impl ReportQuery {
    pub fn stats(&self) -> StatsQuery {
        StatsQuery {
            from: self.from.clone(),
            to: self.to.clone(),
            bundle: self.bundle.clone(),
            department: self.department.clone(),
        }
    }
}

/// Submissions by how they came in.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ChannelCount {
    /// `online` (the applicant's own phone or computer); `window` and
    /// `assisted` once 帮办代办 filing exists.
    pub channel: String,
    pub submissions: Count,
}

/// Cases (诉求) of one kind.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CaseFigures {
    /// A `CaseKind` word.
    pub kind: String,
    pub label: String,
    /// Registered in the period.
    pub opened: Count,
    /// Answers given in the period (a case reopened and answered again
    /// counts twice).
    pub answered: Count,
    /// Share of `answered` given by the answer deadline; `null` under 5.
    pub answered_on_time_rate: Option<f64>,
}

/// One point of the trend line.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TrendPoint {
    /// First day of the step.
    pub start: String,
    pub submissions: Count,
    /// Work items completed or rejected.
    pub ended: Count,
}

/// The figures of one department, bundle or item.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PartFigures {
    /// A department, bundle or item code.
    pub code: String,
    pub name: String,
    /// For an item: its department's code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    /// For an item: its promised time limit (承诺时限), working days.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_limit_days: Option<u32>,
    /// Submissions with work for it (for an item: as `work_items`).
    pub submissions: Count,
    pub work_items: Count,
    pub completed: Count,
    pub rejected: Count,
    pub on_time_rate: Option<f64>,
    pub median_working_days: Option<f64>,
    /// Running past their due date today.
    pub overdue_now: Count,
    pub satisfaction_rate: Option<f64>,
}

/// `GET /api/v1/stats/overview`: the headline figures of a period.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct StatsOverview {
    /// The county served, e.g. 眉县 (may be empty).
    pub county: String,
    pub from: String,
    pub to: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bundle: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    /// Submissions filed in the period (with a `department`: those with an
    /// item of that department).
    pub submissions: Count,
    pub channels: Vec<ChannelCount>,
    /// Work items created in the period.
    pub work_items: Count,
    /// Work items completed in the period.
    pub completed: Count,
    /// Work items rejected in the period.
    pub rejected: Count,
    /// Working days from submission to the end, of the items ended in the
    /// period (time paused for 补正 included); `null` under 5 items.
    pub median_working_days: Option<f64>,
    pub p90_working_days: Option<f64>,
    /// Share of the items ended in the period that ended by their due date.
    pub on_time_rate: Option<f64>,
    /// Running work items past their due date today (whatever the period).
    pub overdue_now: Count,
    /// Working days the clock stood still for 补正, over the items ended in
    /// the period.
    pub paused_working_days: Count,
    /// Share of the ended items that were returned for 补正 at least once.
    pub correction_rate: Option<f64>,
    /// Share of the ended items that were rejected.
    pub rejection_rate: Option<f64>,
    /// 容缺 告知承诺 made, fulfilled and breached in the period.
    pub commitments_made: Count,
    pub commitments_fulfilled: Count,
    pub commitments_breached: Count,
    /// 好差评 given in the period (voided ones taken out).
    pub ratings: Count,
    /// Share of ratings of 3 (基本满意) and above.
    pub satisfaction_rate: Option<f64>,
    /// Cases by kind; `bad_rating` is the 差评整改.
    pub cases: Vec<CaseFigures>,
    /// `day`, `week` or `month`, chosen by the length of the period.
    pub trend_step: String,
    pub trend: Vec<TrendPoint>,
    pub departments: Vec<PartFigures>,
    /// Every bundle with work in the period or overdue now.
    pub bundles: Vec<PartFigures>,
    /// 四减一优 of every bundle with submissions measured in the period
    /// (bundle-wide: empty when the query names a `department`).
    pub savings: Vec<BundleSavings>,
}

/// One measure of 四减一优, per submission (averages, to one place):
/// `before`, the chosen items done one by one; `after`, done as one thing.
/// `null` where fewer than 5 submissions are behind the number.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Reduction {
    pub before: Option<f64>,
    pub after: Option<f64>,
    /// `before - after`.
    pub saved: Option<f64>,
    /// `saved / before`, to four places.
    pub saved_rate: Option<f64>,
}

impl Reduction {
    /// Both ends, and what lies between them.
    pub fn between(before: Option<f64>, after: Option<f64>) -> Self {
        let saved = before.zip(after).map(|(b, a)| ((b - a) * 10.0).round() / 10.0);
        Self {
            before,
            after,
            saved,
            saved_rate: saved
                .zip(before)
                .filter(|(_, b)| *b > 0.0)
                .map(|(s, b)| (s / b * 10_000.0).round() / 10_000.0),
        }
    }
}

/// 四减一优 (减环节、减时间、减材料、减跑动) of a bundle in a period. The
/// "before" of each item is catalog data with its source
/// (`BundleStats.before`); the "after" is measured from real submissions.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct BundleSavings {
    pub code: String,
    pub name: String,
    /// Submissions filed in the period whose 四减一优 was measured.
    pub submissions: Count,
    /// 减环节: applications; one per chosen item before, one after.
    pub steps: Reduction,
    /// 减材料: materials handed in; after, the merged form's materials
    /// (each asked once) less those an e-certificate replaced (免提交).
    pub materials: Reduction,
    /// Form fields the applicant fills: before, every item's own form;
    /// after, the merged form (each field once) less the prefilled ones.
    pub fields: Reduction,
    /// 减跑动: trips to a counter; after, none for an online submission.
    pub trips: Reduction,
    /// 减时间, working days: before, the chosen items' promised limits
    /// (承诺时限) one after another; after, the median from filing to the
    /// last item completed, of the submissions done in the period.
    pub days: Reduction,
    /// Submissions done (every item completed) in the period.
    pub done: Count,
    /// The chosen items' legal limits (法定时限) one after another, over
    /// the submissions whose every item has one in the catalog.
    pub legal_days_before: Option<f64>,
    /// Materials an e-certificate replaced, per submission.
    pub materials_by_certificate: Option<f64>,
    /// Fields the platform prefilled, per submission.
    pub fields_prefilled: Option<f64>,
}

/// What doing one item on its own took (四减一优 "before"), each number
/// with its source.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ItemBefore {
    pub code: String,
    pub name: String,
    /// 承诺时限, working days.
    pub promised_days: u32,
    /// 法定时限; `null` where the catalog has no source for one.
    pub legal_days: Option<crate::catalog::Sourced>,
    pub steps: crate::catalog::Sourced,
    pub materials: crate::catalog::Sourced,
    pub trips: crate::catalog::Sourced,
}

/// `GET /api/v1/stats/bundles/{code}`: one bundle's figures and its items.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct BundleStats {
    pub code: String,
    pub name: String,
    pub lead_department: String,
    pub overview: StatsOverview,
    pub items: Vec<PartFigures>,
    /// The 四减一优 "before" of every item, in catalog order.
    pub before: Vec<ItemBefore>,
}

/// A running work item past its due date, as the drill-down shows it:
/// no applicant, only the 办件编号.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct OverdueItem {
    #[cfg_attr(feature = "ssr", schema(format = Uuid))]
    pub id: String,
    pub tracking_no: String,
    pub bundle: String,
    pub item: String,
    pub item_name: String,
    pub department: String,
    pub department_name: String,
    /// A `WorkStatus` word.
    pub status: String,
    pub due_date: String,
    /// Working days past the due date.
    pub working_days_late: u32,
}

/// `GET /api/v1/stats/overdue`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct OverdueList {
    /// Most late first; at most 200.
    pub items: Vec<OverdueItem>,
    /// All that match.
    pub total: u64,
}

/// A bundle or an item ranked by volume, with its trend.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Ranked {
    /// 1 for the most; equal volumes share a rank.
    pub rank: u32,
    pub code: String,
    pub name: String,
    /// For an item: its bundle's code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bundle: Option<String>,
    /// Submissions (a bundle) or work items (an item) in the period.
    pub volume: Count,
    /// The same in the period of equal length just before.
    pub previous: Count,
    /// `volume / previous - 1`, to four places; `null` when either is under 5.
    pub change_rate: Option<f64>,
    /// On the published 高频清单 now.
    pub published: bool,
}

/// `GET /api/v1/stats/ranking`: bundles and items by volume (高频清单).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct StatsRanking {
    pub from: String,
    pub to: String,
    /// The period compared with: as long, just before.
    pub previous_from: String,
    pub previous_to: String,
    /// Every bundle with work in either period, most first.
    pub bundles: Vec<Ranked>,
    /// Every item with work in either period, most first.
    pub items: Vec<Ranked>,
}

/// A bundle on the 高频清单, as the public sees it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct HighFrequencyBundle {
    pub code: String,
    pub name: String,
    pub lead_department: String,
    pub lead_department_name: String,
    /// 承诺办结时限: working days from filing to the last item, items
    /// that wait for others counted one after the other (串联).
    pub promised_working_days: u32,
    /// Filed in the last 365 days.
    pub submissions: Count,
    /// Share of ratings of 3 and above in the last 365 days; `null` under 5.
    pub satisfaction_rate: Option<f64>,
}

/// `GET /api/v1/high-frequency`: the current published list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct HighFrequencyList {
    /// 1, 2, …; `null` before the first publication.
    pub version: Option<i32>,
    pub published_at: Option<String>,
    pub note: Option<String>,
    pub bundles: Vec<HighFrequencyBundle>,
}

/// `PUT /api/v1/high-frequency`: publish a new version.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PublishHighFrequency {
    /// Bundle codes, in the order to publish; 1 to 50, no repeats.
    pub bundles: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(max_length = 500))]
    pub note: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_of_one_to_four_are_hidden() {
        let json: Vec<String> = [0, 1, 4, 5, 1234]
            .map(|n| serde_json::to_string(&Count::of(n)).expect("json"))
            .to_vec();
        assert_eq!(json, ["0", "\"<5\"", "\"<5\"", "5", "1234"]);
        let back: Count = serde_json::from_str("\"<5\"").expect("count");
        assert_eq!(back, Count::Few);
        assert!(serde_json::from_str::<Count>("\"7\"").is_err());
    }
}
