//! Wire types of the REST API v1 (`/api/v1`). These are the public contract:
//! department systems, scripts and tests rely on the field names. Extend,
//! never rename. Database entities never appear here.

use serde::{Deserialize, Serialize};

use crate::catalog::{self, Audience, DepartmentKind, Level};

/// `GET /api/v1/health`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Health {
    pub status: String,
}

/// `GET /api/v1/departments` element.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DepartmentDto {
    pub code: String,
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
pub struct ItemDto {
    pub code: String,
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
pub struct BundleDto {
    pub code: String,
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
pub struct ErrorEnvelope {
    pub error: ErrorBody,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// Machine-readable, stable: `not_found`, `validation`, `unauthorized`, …
    pub code: String,
    /// Human-readable, in Chinese.
    pub message: String,
    /// Field errors, present on `validation` (HTTP 422).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldError>,
}

/// One invalid field of a request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub code: String,
    pub message: String,
}

/// Roles of a user. `lead` is not a role: it is the right of the clerks of a
/// bundle's ★ lead department (see [`Me::lead_bundles`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Citizen,
    Clerk,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Citizen => "citizen",
            Self::Clerk => "clerk",
            Self::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "citizen" => Some(Self::Citizen),
            "clerk" => Some(Self::Clerk),
            "admin" => Some(Self::Admin),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Citizen => "群众",
            Self::Clerk => "窗口工作人员",
            Self::Admin => "管理员",
        }
    }
}

/// `POST /api/v1/auth/register`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RegisterRequest {
    pub phone: String,
    pub password: String,
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
pub struct LoginRequest {
    pub login: String,
    pub password: String,
}

/// `POST /api/v1/auth/password`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ChangePasswordRequest {
    pub current_password: String,
    pub new_password: String,
}

/// `GET /api/v1/me`: who is logged in.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Me {
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
    pub phone_masked: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_number_masked: Option<String>,
}

impl Me {
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }
}

/// A user as admins see it (`GET /api/v1/admin/users`); personal data masked.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UserSummary {
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
    pub created_at: String,
}

/// `POST /api/v1/admin/users`: a staff account.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CreateStaffRequest {
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
pub struct Page<T> {
    pub items: Vec<T>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// An audit entry (`GET /api/v1/admin/audit`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub seq: i64,
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
pub struct AuditVerification {
    pub valid: bool,
    pub count: i64,
    /// The first entry whose hash does not match, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub broken_at: Option<i64>,
}
