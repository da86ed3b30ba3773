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
