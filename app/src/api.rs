//! Wire types of the REST API v1 (`/api/v1`). These are the public contract:
//! department systems, scripts and tests rely on the field names. Extend,
//! never rename. Database entities never appear here.

use serde::{Deserialize, Serialize};

use crate::catalog::{self, Audience, DepartmentKind, Level};

// Types the API sends as they are, defined in the layer that makes them.
/// `GET /api/v1/bundles/{code}/form?items=a,b`: the merged form is the
/// result of [`catalog::merge::merge`], sent as is.
pub use crate::catalog::form::{CertificateRef, FormDto, FormField, FormItem, FormStep};
/// One invalid field of a request (made by the validators).
pub use crate::domain::FieldError;

mod materials;
pub use materials::{
    CommitmentDto, CommitmentOutcome, CommitmentStatus, Correction, DecideCommitmentRequest, FulfilRequest,
    MaterialDocs, MaterialState, ReviewRequest, UploadDto, Verdict, size_label,
};

mod stats;
pub use stats::{
    BundleSavings, BundleStats, CaseFigures, ChannelCount, Count, HighFrequencyBundle, HighFrequencyList,
    ItemBefore, OverdueItem, OverdueList, PartFigures, PublishHighFrequency, Ranked, Reduction, ReportQuery,
    StatsOverview, StatsQuery, StatsRanking, TrendPoint,
};

mod calendar;
pub use calendar::{CalendarOrigin, CalendarOverview, CalendarYear, SaveCalendarYear};

mod feedback;
pub use feedback::{
    CaseAction, CaseActionRequest, CaseDto, CaseEvent, CaseKind, CaseList, CasePerson, CaseStatus, Channel,
    NewCase, PersonMatch, RatingAction, RatingActionRequest, RatingDto, RatingList, RatingRequest,
    RatingStatus, RatingTag, Satisfaction,
};

/// `GET /api/v1/health`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Health {
    pub status: String,
}

/// `GET /api/v1/departments` element.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema), schema(as = Department))]
pub struct DepartmentDto {
    #[cfg_attr(feature = "ssr", schema(example = "market-regulation"))]
    pub code: String,
    #[cfg_attr(feature = "ssr", schema(example = "县市场监管局"))]
    pub name: String,
    pub kind: DepartmentKind,
    pub level: Level,
}

impl From<&catalog::Department> for DepartmentDto {
    fn from(d: &catalog::Department) -> Self {
        Self {
            code: d.code.to_string(),
            name: d.name.clone(),
            kind: d.kind,
            level: d.level,
        }
    }
}

/// An item inside [`BundleDto`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "ssr",
    derive(utoipa::ToSchema),
    schema(as = Item, description = "An item of a `Bundle`.")
)]
pub struct ItemDto {
    #[cfg_attr(feature = "ssr", schema(example = "food-business-licence"))]
    pub code: String,
    #[cfg_attr(feature = "ssr", schema(example = "食品经营许可"))]
    pub name: String,
    /// Department codes, in the order of the annex.
    pub departments: Vec<String>,
    pub optional: bool,
    /// Time limit in working days (工作日).
    pub due_days: u16,
    /// Codes of items that must be completed first (串联).
    pub depends_on: Vec<String>,
}

/// `GET /api/v1/bundles` element and `GET /api/v1/bundles/{code}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema), schema(as = Bundle))]
pub struct BundleDto {
    #[cfg_attr(feature = "ssr", schema(example = "restaurant"))]
    pub code: String,
    #[cfg_attr(feature = "ssr", schema(example = "开办餐饮店"))]
    pub name: String,
    pub audience: Audience,
    pub lead_department: String,
    pub summary: String,
    pub items: Vec<ItemDto>,
}

impl From<&catalog::Bundle> for BundleDto {
    fn from(b: &catalog::Bundle) -> Self {
        Self {
            code: b.code.to_string(),
            name: b.name.clone(),
            audience: b.audience,
            lead_department: b.lead_department.to_string(),
            summary: b.summary.clone(),
            items: b
                .items
                .iter()
                .map(|i| ItemDto {
                    code: i.code.to_string(),
                    name: i.name.clone(),
                    departments: i.departments.iter().map(ToString::to_string).collect(),
                    optional: i.optional,
                    due_days: i.due_days,
                    depends_on: i.depends_on.iter().map(ToString::to_string).collect(),
                })
                .collect(),
        }
    }
}

/// The one error envelope of every `/api/` response: `{"error":{…}}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema), schema(as = Error))]
pub struct ErrorEnvelope {
    pub error: ErrorBody,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    /// Machine-readable, stable: `not_found`, `validation`, `unauthorized`, …
    pub code: String,
    /// Human-readable, in Chinese.
    pub message: String,
    /// Field errors, present on `validation` (HTTP 422).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldError>,
}

/// Roles of a user. `lead` is not a role: it is the right of the clerks of a
/// bundle's ★ lead department (see [`Me::lead_bundles`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sea_orm::DeriveValueType))]
#[cfg_attr(feature = "ssr", sea_orm(value_type = "String"))]
#[cfg_attr(
    feature = "ssr",
    derive(utoipa::ToSchema),
    schema(
        description = "Roles of a user. `lead` is not a role: it is the right of the clerks of a bundle's ★ lead department (see `Me.lead_bundles`)."
    )
)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Citizen,
    Clerk,
    Admin,
    /// 县政务服务中心 (county office): dispatches cases, reviews 差评 appeals.
    Dispatcher,
    /// A 12345 hotline seat: files cases for callers.
    Operator,
    /// 县政务服务中心 效能评估: reads every figure of `/api/v1/stats`, nothing else.
    Evaluator,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Citizen => "citizen",
            Self::Clerk => "clerk",
            Self::Admin => "admin",
            Self::Dispatcher => "dispatcher",
            Self::Operator => "operator",
            Self::Evaluator => "evaluator",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "citizen" => Some(Self::Citizen),
            "clerk" => Some(Self::Clerk),
            "admin" => Some(Self::Admin),
            "dispatcher" => Some(Self::Dispatcher),
            "operator" => Some(Self::Operator),
            "evaluator" => Some(Self::Evaluator),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Citizen => "群众",
            Self::Clerk => "窗口工作人员",
            Self::Admin => "管理员",
            Self::Dispatcher => "县政务服务中心调度员",
            Self::Operator => "12345热线话务员",
            Self::Evaluator => "效能评估员",
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Role {
    type Err = crate::domain::UnknownValue;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s).ok_or_else(|| crate::domain::UnknownValue::new("role", s))
    }
}

/// `POST /api/v1/auth/register`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RegisterRequest {
    #[cfg_attr(feature = "ssr", schema(example = "13800138000"))]
    pub phone: String,
    #[cfg_attr(feature = "ssr", schema(min_length = 8, max_length = 128))]
    pub password: String,
    #[cfg_attr(feature = "ssr", schema(example = "张晓梅"))]
    pub name: String,
    pub id_number: String,
}

impl RegisterRequest {
    /// The checks the browser and the server share (the server adds the
    /// common-password list and uniqueness).
    pub fn validate(&self, today: crate::domain::Date) -> Vec<FieldError> {
        use crate::domain::{IdNumber, Phone, name::parse_person_name, password};
        let mut errors = Vec::new();
        let phone = Phone::parse(&self.phone)
            .map_err(|e| errors.push(e.for_field("phone")))
            .ok();
        if let Err(e) = parse_person_name(&self.name) {
            errors.push(e.for_field("name"));
        }
        let id = IdNumber::parse(&self.id_number, today)
            .map_err(|e| errors.push(e.for_field("id_number")))
            .ok();
        match password::check_length(&self.password) {
            Err(e) => errors.push(e.for_field("password")),
            Ok(()) => {
                let contains = |s: &str| self.password.contains(s);
                if phone.as_ref().is_some_and(|p| contains(p.as_str()))
                    || id
                        .as_ref()
                        .is_some_and(|i| contains(&i.as_str()[6..14]) || contains(i.as_str()))
                {
                    errors.push(password::contains_personal_data().for_field("password"));
                }
            }
        }
        errors
    }
}

/// `POST /api/v1/auth/login`: `login` is a phone number (citizens) or a
/// username (staff).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct LoginRequest {
    #[cfg_attr(feature = "ssr", schema(example = "13800138000"))]
    pub login: String,
    pub password: String,
}

/// `POST /api/v1/auth/password`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ChangePasswordRequest {
    pub current_password: String,
    pub new_password: String,
}

/// `GET /api/v1/me`: who is logged in.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Me {
    #[cfg_attr(feature = "ssr", schema(format = Uuid))]
    pub id: String,
    pub name: String,
    pub roles: Vec<Role>,
    /// Department code, for clerks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department_name: Option<String>,
    /// Bundles whose ★ lead department this clerk belongs to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lead_bundles: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(example = "138****8000"))]
    pub phone_masked: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(example = "6103************12"))]
    pub id_number_masked: Option<String>,
    /// The enterprise the person is acting for right now (企业身份).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acting_for: Option<EnterpriseBrief>,
}

/// An enterprise a person may act for.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct EnterpriseBrief {
    #[cfg_attr(feature = "ssr", schema(format = Uuid))]
    pub id: String,
    pub name: String,
    pub credit_code: String,
    /// `admin` (the legal representative who registered it) or `agent` (经办人).
    pub role: String,
    /// Last day an agent's authorisation is valid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(format = Date))]
    pub expires_on: Option<String>,
}

/// `POST /api/v1/enterprises`: the legal representative registers the enterprise.
/// (Missing fields are empty, so they are reported field by field.)
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct RegisterEnterpriseRequest {
    pub credit_code: String,
    pub name: String,
    pub legal_representative: String,
    pub legal_representative_id_number: String,
    /// 成立日期 (`YYYY-MM-DD`); defaults to today.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(format = Date))]
    pub established_on: Option<String>,
}

/// An agent (经办人) of an enterprise, as its administrator sees them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema), schema(as = Agent))]
pub struct AgentDto {
    #[cfg_attr(feature = "ssr", schema(format = Uuid))]
    pub user_id: String,
    pub name: String,
    pub phone_masked: String,
    pub role: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(format = Date))]
    pub expires_on: Option<String>,
    /// `active`, `expired` or `revoked`.
    pub state: String,
}

/// `GET /api/v1/enterprises/{id}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema), schema(as = Enterprise))]
pub struct EnterpriseDto {
    #[cfg_attr(feature = "ssr", schema(format = Uuid))]
    pub id: String,
    pub credit_code: String,
    pub name: String,
    pub legal_representative: String,
    #[cfg_attr(feature = "ssr", schema(format = Date))]
    pub established_on: String,
    /// The caller's role.
    pub role: String,
    /// Everyone who may act for it (administrators only).
    #[serde(default)]
    pub agents: Vec<AgentDto>,
}

/// `POST /api/v1/enterprises/{id}/agents`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AddAgentRequest {
    pub phone: String,
    /// Last valid day, `YYYY-MM-DD`.
    #[cfg_attr(feature = "ssr", schema(format = Date))]
    pub expires_on: String,
}

/// `POST /api/v1/acting`: act for an enterprise, or (`null`) for oneself.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ActingRequest {
    #[cfg_attr(feature = "ssr", schema(format = Uuid))]
    pub enterprise: Option<String>,
}

/// A remembered fact of a profile (一企一档/一人一档).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ProfileFact {
    pub key: String,
    pub label: String,
    pub value: serde_json::Value,
    pub display: String,
    /// `user_input`, `prefill`, `certificate` or `clerk`.
    pub source: String,
    #[cfg_attr(feature = "ssr", schema(format = DateTime))]
    pub updated_at: String,
}

/// An e-certificate (电子证照) of the caller's subject.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema), schema(as = Certificate))]
pub struct CertificateDto {
    #[cfg_attr(feature = "ssr", schema(format = Uuid))]
    pub id: String,
    #[cfg_attr(feature = "ssr", schema(example = "food-business-licence"))]
    pub kind: String,
    #[cfg_attr(feature = "ssr", schema(example = "食品经营许可证"))]
    pub name: String,
    pub number: String,
    /// Department code (or `platform`).
    pub issued_by: String,
    #[serde(default)]
    pub issued_by_name: String,
    #[cfg_attr(feature = "ssr", schema(format = Date))]
    pub valid_from: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(format = Date))]
    pub valid_until: Option<String>,
    pub valid: bool,
}

/// `GET /api/v1/profile`: what is known about the caller's current subject.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema), schema(as = Profile))]
pub struct ProfileDto {
    /// `person:<id>` or `enterprise:<id>`.
    pub subject: String,
    pub facts: Vec<ProfileFact>,
    pub certificates: Vec<CertificateDto>,
    /// Credit records (信用记录), newest first: e.g. a broken 告知承诺.
    #[serde(default)]
    pub credit_records: Vec<CreditRecordDto>,
}

/// A credit record of a profile (一人一档/一企一档).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema), schema(as = CreditRecord))]
pub struct CreditRecordDto {
    /// `commitment_breached`.
    pub kind: String,
    /// What it is, for people (e.g. 告知承诺未履约：《父母结婚证》).
    pub title: String,
    pub reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracking_no: Option<String>,
    #[cfg_attr(feature = "ssr", schema(format = DateTime))]
    pub created_at: String,
}

/// `PUT /api/v1/profile/{key}`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PutFactRequest {
    pub value: serde_json::Value,
}

/// A 免申即享 offer (`GET /api/v1/offers`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema), schema(as = Offer))]
pub struct OfferDto {
    #[cfg_attr(feature = "ssr", schema(format = Uuid))]
    pub id: String,
    pub policy: String,
    pub name: String,
    pub department: String,
    pub department_name: String,
    pub benefit: String,
    pub basis: String,
    /// `offered`, `confirmed` or `declined`.
    pub status: String,
    #[cfg_attr(feature = "ssr", schema(format = DateTime))]
    pub created_at: String,
    /// The submission filed on confirmation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(format = Uuid))]
    pub submission_id: Option<String>,
}

impl Me {
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }
}

/// A user as admins see it (`GET /api/v1/admin/users`); personal data masked.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct UserSummary {
    #[cfg_attr(feature = "ssr", schema(format = Uuid))]
    pub id: String,
    pub role: Role,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_masked: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_number_masked: Option<String>,
    pub disabled: bool,
    #[cfg_attr(feature = "ssr", schema(format = DateTime))]
    pub created_at: String,
}

/// `POST /api/v1/admin/users`: a staff account.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CreateStaffRequest {
    #[cfg_attr(feature = "ssr", schema(example = "clerk-health-2"))]
    pub username: String,
    pub name: String,
    /// `clerk` or `admin`.
    pub role: String,
    /// Department code; required for clerks.
    #[serde(default)]
    pub department: Option<String>,
    pub password: String,
}

/// One page of a list, newest or most urgent first; `next` continues it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Page<T> {
    pub items: Vec<T>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// An audit entry (`GET /api/v1/admin/audit`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AuditEntry {
    pub seq: i64,
    #[cfg_attr(feature = "ssr", schema(format = DateTime))]
    pub at: String,
    pub actor: String,
    pub action: String,
    pub object: String,
    pub detail: serde_json::Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
    pub hash: String,
}

/// `GET /api/v1/admin/audit/verify`: the chain recomputed from the start.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AuditVerification {
    pub valid: bool,
    pub count: i64,
    /// The first entry whose hash does not match, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub broken_at: Option<i64>,
}

/// `GET/PUT /api/v1/drafts/{bundle}`: an unfinished merged form.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Draft {
    /// Chosen item codes.
    #[serde(default)]
    pub items: Vec<String>,
    /// Answers so far, by field key.
    #[serde(default)]
    pub data: serde_json::Map<String, serde_json::Value>,
    /// The step the applicant was on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<String>,
    /// On `PUT`: the version this edit started from; a different stored
    /// version answers 409 `draft_conflict` instead of overwriting newer
    /// answers from another device. Omitted: last write wins.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<i32>,
    /// Set by the server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(format = DateTime))]
    pub updated_at: Option<String>,
}

/// `POST /api/v1/submissions`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SubmitRequest {
    pub bundle: String,
    /// Chosen items; omitted: every item. Required items are always included.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub items: Option<Vec<String>>,
    pub data: serde_json::Map<String, serde_json::Value>,
    /// The same key again returns the same submission instead of a new one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(max_length = 128))]
    pub idempotency_key: Option<String>,
    /// The applicant agrees to the 告知承诺书 of every material answered
    /// `commit` (the form shows each text). Required when any is.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub commitment_agreed: bool,
}

/// A work item in a submission (applicant's and clerks' views).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct WorkItemBrief {
    #[cfg_attr(feature = "ssr", schema(format = Uuid))]
    pub id: String,
    pub item: String,
    pub department: String,
    pub status: crate::workflow::WorkStatus,
    /// `YYYY-MM-DD`; absent while waiting for an earlier item.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(format = Date))]
    pub due_date: Option<String>,
    #[serde(default)]
    pub overdue: bool,
    /// Due within one working day (and not overdue).
    #[serde(default)]
    pub due_soon: bool,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub item_name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub department_name: String,
    /// Items (codes) it is waiting for.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub waiting_for: Vec<String>,
    /// Why it cannot start: an item it depends on was rejected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blocked_by: Option<String>,
    /// The version for optimistic concurrency of actions.
    #[serde(default)]
    pub version: i32,
    /// While `returned`: what the department asks to correct (补正).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub corrections: Vec<Correction>,
}

/// `201` of `POST /api/v1/submissions`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SubmissionCreated {
    #[cfg_attr(feature = "ssr", schema(format = Uuid))]
    pub id: String,
    /// 办件编号.
    #[cfg_attr(feature = "ssr", schema(example = "MX20261130-7K3Q9P"))]
    pub tracking_no: String,
    pub status: crate::workflow::SubmissionStatus,
    pub bundle: String,
    pub catalog_version: String,
    #[cfg_attr(feature = "ssr", schema(format = DateTime))]
    pub submitted_at: String,
    pub work_items: Vec<WorkItemBrief>,
}

/// One line of a submission's timeline.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TimelineEntry {
    #[cfg_attr(feature = "ssr", schema(format = DateTime))]
    pub at: String,
    /// Department code, when a department acted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    /// `submitted`, `release`, `accept`, `return`, `supplement`, `complete`, `reject`.
    pub event: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// The work item it concerns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(format = Uuid))]
    pub work_item: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item: Option<String>,
}

/// `GET /api/v1/submissions/{id}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema), schema(as = Submission))]
pub struct SubmissionDto {
    #[cfg_attr(feature = "ssr", schema(format = Uuid))]
    pub id: String,
    pub tracking_no: String,
    pub bundle: String,
    #[serde(default)]
    pub bundle_name: String,
    pub status: crate::workflow::SubmissionStatus,
    #[cfg_attr(feature = "ssr", schema(format = DateTime))]
    pub submitted_at: String,
    pub catalog_version: String,
    pub work_items: Vec<WorkItemBrief>,
    pub timeline: Vec<TimelineEntry>,
    /// The answers the caller may see: all of them for the applicant and the
    /// lead department; for a clerk, those the clerk's items use.
    #[serde(default)]
    pub data: serde_json::Map<String, serde_json::Value>,
    /// Materials promised under 告知承诺 (容缺受理), per work item.
    #[serde(default)]
    pub commitments: Vec<CommitmentDto>,
    /// The files of each uploaded material (the applicant's own view).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub documents: Vec<MaterialDocs>,
    /// The applicant's ratings (好差评) of its items and of the whole.
    #[serde(default)]
    pub ratings: Vec<RatingDto>,
    /// The applicant's cases about it (我要反映), without timelines.
    #[serde(default)]
    pub cases: Vec<CaseDto>,
    /// An open 办不成事 case is about it (督办).
    #[serde(default)]
    pub supervised: bool,
}

/// An element of `GET /api/v1/submissions`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SubmissionSummary {
    #[cfg_attr(feature = "ssr", schema(format = Uuid))]
    pub id: String,
    pub tracking_no: String,
    pub bundle: String,
    #[serde(default)]
    pub bundle_name: String,
    pub status: crate::workflow::SubmissionStatus,
    #[cfg_attr(feature = "ssr", schema(format = DateTime))]
    pub submitted_at: String,
    pub work_items: Vec<WorkItemBrief>,
    /// An open 办不成事 case is about this submission (督办).
    #[serde(default)]
    pub supervised: bool,
}

/// A row of the clerk queue (`GET /api/v1/work-items`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct WorkItemRow {
    #[cfg_attr(feature = "ssr", schema(format = Uuid))]
    pub id: String,
    #[cfg_attr(feature = "ssr", schema(format = Uuid))]
    pub submission_id: String,
    pub tracking_no: String,
    pub bundle: String,
    #[serde(default)]
    pub bundle_name: String,
    pub item: String,
    #[serde(default)]
    pub item_name: String,
    pub department: String,
    pub status: crate::workflow::WorkStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(format = Date))]
    pub due_date: Option<String>,
    #[serde(default)]
    pub overdue: bool,
    #[serde(default)]
    pub due_soon: bool,
    #[cfg_attr(feature = "ssr", schema(format = DateTime))]
    pub submitted_at: String,
    pub version: i32,
    /// 告知承诺 of this item past their due date with nothing handed in.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub commitments_overdue: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// `GET /api/v1/work-items`: one page of a department's queue.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct WorkQueue {
    pub items: Vec<WorkItemRow>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
    /// Items of the department per status.
    pub counts: std::collections::BTreeMap<String, u64>,
    /// Open items past their due date.
    pub overdue: u64,
}

/// An answer of a submission as a clerk sees it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct FieldValue {
    pub key: String,
    pub label: String,
    pub kind: crate::catalog::FieldKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<serde_json::Value>,
    /// The value as a person reads it (option labels, 是/否).
    pub display: String,
}

/// The submission a work item belongs to, in brief.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SubmissionHead {
    #[cfg_attr(feature = "ssr", schema(format = Uuid))]
    pub id: String,
    pub tracking_no: String,
    pub bundle: String,
    pub bundle_name: String,
    pub status: crate::workflow::SubmissionStatus,
    #[cfg_attr(feature = "ssr", schema(format = DateTime))]
    pub submitted_at: String,
    /// An open 办不成事 case is about this submission (督办).
    #[serde(default)]
    pub supervised: bool,
}

/// `GET /api/v1/work-items/{id}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct WorkItemDetail {
    pub work_item: WorkItemRow,
    pub submission: SubmissionHead,
    /// Only the answers this item uses (need-to-know).
    pub fields: Vec<FieldValue>,
    /// The documents this item needs and whether they are ready or promised.
    pub materials: Vec<FieldValue>,
    /// This item's events, oldest first.
    pub history: Vec<TimelineEntry>,
    /// Every work item of the submission (states only).
    pub siblings: Vec<WorkItemBrief>,
    /// What the caller may do now.
    pub allowed_actions: Vec<crate::workflow::Action>,
    /// The department's result, once completed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<Object>))]
    pub result: Option<serde_json::Value>,
    /// The e-certificate completing this item issues: completion then needs
    /// `result.certificate_no` (and takes an optional `result.valid_until`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issues_certificate: Option<crate::catalog::ResultCertificate>,
    /// Each material with its files, the clerk's verdict and any commitment.
    #[serde(default)]
    pub documents: Vec<MaterialDocs>,
}

/// `POST /api/v1/work-items/{id}/actions`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ActionRequest {
    /// `accept`, `return`, `complete` or `reject`.
    pub action: String,
    /// Required for `return` and `reject`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(max_length = 1000))]
    pub comment: Option<String>,
    /// The result of a `complete` (e.g. a certificate number).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<Object>))]
    pub result: Option<serde_json::Value>,
    /// The version the clerk saw; another version answers 409.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<i32>,
    /// For `return`: the field and material keys to correct (补正). The
    /// materials marked 不合格 are always included.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub corrections: Option<Vec<String>>,
}

/// `200` of an action: the item in its new state and the items it released.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ActionResult {
    pub work_item: WorkItemRow,
    #[serde(default)]
    pub released: Vec<WorkItemBrief>,
}

/// `POST /api/v1/submissions/{id}/supplement` (补正).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SupplementRequest {
    /// The returned work item's id.
    #[cfg_attr(feature = "ssr", schema(format = Uuid))]
    pub work_item: String,
    /// Corrected answers (only fields that item uses).
    #[serde(default)]
    pub data: serde_json::Map<String, serde_json::Value>,
}

/// An in-app notification.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema), schema(as = Notification))]
pub struct NotificationDto {
    #[cfg_attr(feature = "ssr", schema(format = Uuid))]
    pub id: String,
    /// What it is about. To applicants: `accept`, `return`, `complete`,
    /// `reject`, `rate`, `policy_offer`, `case`, `commitment_reminder`,
    /// `commitment_breached`, `supplement_waiting` (a 补正 waiting two
    /// working days). To clerks: `due_soon` (items due within two working
    /// days), `overdue` (items past their due date), `lead_overdue` (the ★
    /// lead department's daily count of overdue items), `case`.
    pub kind: String,
    pub title: String,
    pub body: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(format = Uuid))]
    pub submission_id: Option<String>,
    /// The work item it is about (a clerk's reminder of one item).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(format = Uuid))]
    pub work_item_id: Option<String>,
    #[cfg_attr(feature = "ssr", schema(format = DateTime))]
    pub created_at: String,
    pub read: bool,
}

/// `GET /api/v1/notifications`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Notifications {
    pub items: Vec<NotificationDto>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
    pub unread: u64,
}

/// A department's load in a lead department's bundle.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DepartmentLoad {
    pub department: String,
    pub department_name: String,
    /// Items not yet completed or rejected.
    pub open: u64,
    pub overdue: u64,
    pub returned: u64,
}

/// `GET /api/v1/lead/board?bundle=`: a bundle as its ★ lead department sees it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct LeadBoard {
    pub bundle: String,
    pub bundle_name: String,
    /// The bundles the caller's department leads.
    pub bundles: Vec<String>,
    /// Bottlenecks first: most overdue, then most open.
    pub departments: Vec<DepartmentLoad>,
    /// Submissions with overdue items, most overdue first (at most 50).
    pub overdue: Vec<SubmissionSummary>,
    /// Every submission of the bundle, newest first, one page.
    pub submissions: Page<SubmissionSummary>,
}
