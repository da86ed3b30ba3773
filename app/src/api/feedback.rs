//! Wire types of 好差评 (ratings) and of cases (12345 诉求, 办不成事,
//! 差评整改). The words and state machines are in [`crate::feedback`].

use serde::{Deserialize, Serialize};

pub use crate::feedback::{
    CaseAction, CaseKind, CaseStatus, Channel, RatingAction, RatingStatus, RatingTag, Satisfaction,
};

/// `POST /api/v1/work-items/{id}/rating` and `POST /api/v1/submissions/{id}/rating`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RatingRequest {
    /// 5 非常满意, 4 满意, 3 基本满意, 2 不满意, 1 非常不满意.
    #[cfg_attr(feature = "ssr", schema(minimum = 1, maximum = 5))]
    pub score: i64,
    /// Words of `RatingTag`.
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(max_length = 500))]
    pub comment: Option<String>,
    /// 实名评价: the department may see who rated. Anonymous by default.
    #[serde(default)]
    pub real_name: bool,
    /// `online` (default) or `window`: a clerk of the item's department
    /// records the rating of the person at the window (一次一评).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
}

/// A rating as its reader may see it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema), schema(as = Rating))]
pub struct RatingDto {
    #[cfg_attr(feature = "ssr", schema(format = Uuid))]
    pub id: String,
    #[cfg_attr(feature = "ssr", schema(format = Uuid))]
    pub submission: String,
    pub tracking_no: String,
    /// Absent for the rating of the whole submission.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(format = Uuid))]
    pub work_item: Option<String>,
    /// The item's name, or the bundle's for a submission rating.
    pub subject_name: String,
    /// The department rated: the item's, or the lead's for a submission.
    pub department: String,
    pub department_name: String,
    pub score: i64,
    pub score_label: String,
    pub tags: Vec<RatingTag>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// 追评 (one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub follow_up: Option<String>,
    pub channel: Channel,
    pub status: RatingStatus,
    pub status_label: String,
    pub real_name: bool,
    /// Who rated: the name for the applicant themself and for a 实名
    /// rating, else masked (`张*`).
    pub rater: String,
    /// The 差评 case it opened.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(format = Uuid))]
    pub case: Option<String>,
    /// The department's 申诉 reason and the county office's decision.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appeal_reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review_comment: Option<String>,
    #[cfg_attr(feature = "ssr", schema(format = DateTime))]
    pub created_at: String,
}

/// `POST /api/v1/ratings/{id}/actions`: `follow_up` (the applicant's 追评,
/// once), `appeal` (the department, a 差评 only), `uphold` or `void` (the
/// county office).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RatingActionRequest {
    pub action: String,
    /// The 追评, the reason of an appeal, or the county office's decision.
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(max_length = 500))]
    pub comment: String,
}

/// `GET /api/v1/ratings`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RatingList {
    pub items: Vec<RatingDto>,
}

/// Who a hotline operator files for: a registered person found by
/// `GET /api/v1/people`, or a name and phone number (no account).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CasePerson {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(format = Uuid))]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

/// `POST /api/v1/cases`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NewCase {
    /// `complaint`, `consultation`, `suggestion` or `cannot_get_done`
    /// (`bad_rating` cases open themselves).
    pub kind: String,
    #[cfg_attr(feature = "ssr", schema(max_length = 2000))]
    pub description: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(format = Uuid))]
    pub submission: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(format = Uuid))]
    pub work_item: Option<String>,
    /// The department it is about, if the person knows; a case about a work
    /// item goes to that item's department.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    /// Operators: `hotline_12345` (default for them) or `window`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    /// Operators: who is calling.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person: Option<CasePerson>,
}

/// `POST /api/v1/cases/{id}/actions`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CaseActionRequest {
    /// `assign`, `contact`, `return`, `answer`, `confirm`, `reopen`,
    /// `escalate` or `close`.
    pub action: String,
    /// For `assign` and `escalate`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    /// Required for `contact` (the 回访 record), `return`, `answer`,
    /// `reopen` and `close`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(max_length = 2000))]
    pub comment: Option<String>,
    /// For `confirm`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub satisfaction: Option<String>,
    /// The version the caller saw; another version answers 409.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<i32>,
}

/// One step of a case's timeline.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CaseEvent {
    #[cfg_attr(feature = "ssr", schema(format = DateTime))]
    pub at: String,
    /// `register`, an action word, or `overdue` (automatic escalation).
    pub action: String,
    pub label: String,
    /// Who: a role label and, for staff, their department (never a name).
    pub by: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<CaseStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub satisfaction: Option<Satisfaction>,
}

/// A case as its reader may see it (`events` only in `GET /api/v1/cases/{id}`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema), schema(as = Case))]
pub struct CaseDto {
    #[cfg_attr(feature = "ssr", schema(format = Uuid))]
    pub id: String,
    /// `SQ20261204-7K3Q9P`: read out over the phone.
    pub tracking_no: String,
    pub kind: CaseKind,
    pub kind_label: String,
    pub channel: Channel,
    pub status: CaseStatus,
    pub status_label: String,
    pub description: String,
    /// The person: their name for themself, the operator and the county
    /// office; masked for departments.
    pub person: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(format = Uuid))]
    pub submission: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub submission_tracking_no: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(format = Uuid))]
    pub work_item: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(format = Uuid))]
    pub rating: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department_name: Option<String>,
    /// The deadline of the current stage (转办, 回访 or 答复).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(format = Date))]
    pub due_date: Option<String>,
    /// The 答复 deadline while a department holds it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(format = Date))]
    pub answer_due: Option<String>,
    pub overdue: bool,
    /// Escalated to the county office (overdue, or 督办).
    pub escalated: bool,
    pub reopened: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub satisfaction: Option<Satisfaction>,
    /// The actions the caller may take now.
    pub actions: Vec<CaseAction>,
    /// The department codes `escalate` may name (the county office and the
    /// lead department of the submission it is about), when `actions` has
    /// `escalate`; else empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub escalate_to: Vec<String>,
    pub version: i32,
    #[cfg_attr(feature = "ssr", schema(format = DateTime))]
    pub created_at: String,
    #[serde(default)]
    pub events: Vec<CaseEvent>,
}

/// `GET /api/v1/cases`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CaseList {
    pub items: Vec<CaseDto>,
}

/// A registered person found by a hotline operator (`GET /api/v1/people`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PersonMatch {
    #[cfg_attr(feature = "ssr", schema(format = Uuid))]
    pub id: String,
    pub name: String,
    /// Masked: `138****5678`.
    pub phone: String,
}
