//! The catalog files as written. Unknown keys are errors, so a typo in a data
//! file stops the server instead of being silently ignored.

use serde::Deserialize;

use super::{Audience, DepartmentKind, Level};

/// `catalog.toml`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogMeta {
    pub label: String,
    #[serde(default)]
    pub source: String,
    /// The county the platform serves, e.g. 眉县 (on reports).
    #[serde(default)]
    pub county: String,
}

/// `departments.toml`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DepartmentsFile {
    pub department: Vec<DepartmentSource>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DepartmentSource {
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    pub kind: DepartmentKind,
    pub level: Level,
}

/// One file under `bundles/`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BundleSource {
    pub code: String,
    pub name: String,
    pub audience: Audience,
    pub lead_department: String,
    #[serde(default)]
    pub summary: String,
    pub items: Vec<ItemSource>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemSource {
    pub code: String,
    pub name: String,
    pub departments: Vec<String>,
    pub due_days: u16,
    #[serde(default)]
    pub optional: bool,
    #[serde(default)]
    pub depends_on: Vec<String>,
    /// Field keys the item needs (required).
    #[serde(default)]
    pub fields: Vec<String>,
    /// Field keys the item uses when given (not required).
    #[serde(default)]
    pub optional_fields: Vec<String>,
    /// Keys of `material` fields: documents the item needs.
    #[serde(default)]
    pub materials: Vec<String>,
    /// Materials that may be promised instead of handed in (容缺受理 +
    /// 告知承诺): material key → working days to supplement after filing.
    #[serde(default)]
    pub commitable: std::collections::BTreeMap<String, u16>,
    /// The e-certificate (电子证照) completing this item issues.
    #[serde(default)]
    pub result_certificate: Option<super::ResultCertificate>,
    /// 四减一优 "before": the item done on its own, each number with its
    /// source. What is not given is derived (see [`super::Before`]).
    #[serde(default)]
    pub before: BeforeSource,
}

/// `before` of an item, as written.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BeforeSource {
    #[serde(default)]
    pub legal_days: Option<super::Sourced>,
    #[serde(default)]
    pub steps: Option<super::Sourced>,
    #[serde(default)]
    pub materials: Option<super::Sourced>,
    #[serde(default)]
    pub trips: Option<super::Sourced>,
}
