//! The merged form (多表合一): the steps and fields an applicant answers
//! for a choice of items. It is what [`merge`](super::merge::merge)
//! builds and what [`values`](super::values) checks answers against; the
//! API sends it unchanged (`api::FormDto` is this type), so the field names
//! below are part of the public contract.

use serde::{Deserialize, Serialize};

/// The merged form (多表合一) of a bundle for the chosen items: what
/// [`merge`](super::merge::merge) returns and `GET /api/v1/bundles/{code}/form?items=a,b` sends.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "ssr",
    derive(utoipa::ToSchema),
    schema(
        as = Form,
        description = "`GET /api/v1/bundles/{code}/form?items=a,b`: the merged form (多表合一)."
    )
)]
pub struct FormDto {
    pub bundle: String,
    pub catalog_version: String,
    /// Every item of the bundle; `selected` says whether it is in this form.
    pub items: Vec<FormItem>,
    pub steps: Vec<FormStep>,
    /// Values known for the logged-in applicant (e.g. 申请人姓名), by field key.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub prefill: std::collections::BTreeMap<String, serde_json::Value>,
    /// Where each prefilled value comes from: `prefill` (the account or the
    /// enterprise's registration), `user_input`/`clerk` (the profile),
    /// `certificate`.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub prefill_sources: std::collections::BTreeMap<String, String>,
}

impl FormDto {
    pub fn field(&self, key: &str) -> Option<&FormField> {
        self.steps.iter().flat_map(|s| &s.fields).find(|f| f.key == key)
    }

    pub fn fields(&self) -> impl Iterator<Item = &FormField> {
        self.steps.iter().flat_map(|s| &s.fields)
    }

    pub fn selected_items(&self) -> Vec<String> {
        self.items
            .iter()
            .filter(|i| i.selected)
            .map(|i| i.code.clone())
            .collect()
    }
}

/// An item of the bundle, and whether it is in this form.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct FormItem {
    pub code: String,
    pub name: String,
    pub optional: bool,
    pub selected: bool,
    /// Department codes.
    pub departments: Vec<String>,
    pub due_days: u16,
}

/// One step (section) of the merged form.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct FormStep {
    pub key: String,
    pub title: String,
    pub fields: Vec<FormField>,
}

/// A field of the merged form: asked once, used by every item in `used_by`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct FormField {
    pub key: String,
    pub label: String,
    pub kind: super::FieldKind,
    /// Required when any chosen item requires it.
    pub required: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<Vec<super::EnumOption>>,
    /// Codes of the chosen items that use the field.
    pub used_by: Vec<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub help: String,
    #[serde(default)]
    pub pii: super::PiiClass,
    #[serde(default, flatten)]
    pub rules: super::Rules,
    /// A `material` the applicant's subject already holds as an e-certificate
    /// (免提交): answer `certificate` instead of a document.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate: Option<CertificateRef>,
    /// A `material` every chosen item accepts as a promise (容缺受理 +
    /// 告知承诺): the working days the applicant has to supplement it after
    /// filing. Absent: the document must be uploaded (or be an e-certificate).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit_days: Option<u16>,
}

/// An e-certificate that stands in for a material.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CertificateRef {
    #[cfg_attr(feature = "ssr", schema(format = Uuid))]
    pub id: String,
    pub name: String,
    pub number: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(format = Date))]
    pub valid_until: Option<String>,
}
