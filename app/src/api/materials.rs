//! Wire types of materials (申请材料): uploads, 容缺受理 commitments
//! (告知承诺), the clerk's review of each material and 补正 requests.

use serde::{Deserialize, Serialize};

/// `201` of `POST /api/v1/uploads`, and a file of a material.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema), schema(as = Upload))]
pub struct UploadDto {
    #[cfg_attr(feature = "ssr", schema(format = Uuid))]
    pub id: String,
    /// The name the file was sent with, stripped of any folder and of
    /// control characters.
    pub filename: String,
    /// Bytes.
    pub size: u64,
    /// `application/pdf`, `image/jpeg`, `image/png` or `image/webp`, from
    /// the file's first bytes (never from its name or header).
    pub content_type: String,
    /// Hex SHA-256 of the file as received.
    pub sha256: String,
    #[cfg_attr(feature = "ssr", schema(format = DateTime))]
    pub created_at: String,
}

impl UploadDto {
    /// Whether browsers show it inline as a picture.
    pub fn is_image(&self) -> bool {
        self.content_type.starts_with("image/")
    }

    /// `1.2 MB`, `340 KB`, `12 B`.
    pub fn size_label(&self) -> String {
        size_label(self.size)
    }
}

/// A file size as people read it.
pub fn size_label(bytes: u64) -> String {
    #[allow(clippy::cast_precision_loss)]
    let b = bytes as f64;
    if bytes >= 1024 * 1024 {
        format!("{:.1} MB", b / 1024.0 / 1024.0)
    } else if bytes >= 1024 {
        format!("{:.0} KB", b / 1024.0)
    } else {
        format!("{bytes} B")
    }
}

/// Where a 告知承诺 stands. `overdue` is derived: still open, nothing
/// supplied, and the due date has passed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CommitmentStatus {
    Open,
    Fulfilled,
    Overdue,
    Breached,
}

impl CommitmentStatus {
    pub fn label(self) -> &'static str {
        match self {
            Self::Open => "待补交",
            Self::Fulfilled => "已履约",
            Self::Overdue => "已逾期",
            Self::Breached => "未履约",
        }
    }
}

/// A promise to supplement a material (容缺受理 + 告知承诺), per work item
/// that needs the material.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema), schema(as = Commitment))]
pub struct CommitmentDto {
    #[cfg_attr(feature = "ssr", schema(format = Uuid))]
    pub id: String,
    /// The material's field key.
    pub material: String,
    pub material_label: String,
    /// The item code.
    pub item: String,
    pub item_name: String,
    #[cfg_attr(feature = "ssr", schema(format = Uuid))]
    pub work_item: String,
    #[cfg_attr(feature = "ssr", schema(format = Date))]
    pub due_date: String,
    pub status: CommitmentStatus,
    /// The 告知承诺书 the applicant agreed to.
    pub text: String,
    /// When the applicant handed in the files (before the clerk's check).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(format = DateTime))]
    pub supplied_at: Option<String>,
    /// The files handed in.
    #[serde(default)]
    pub files: Vec<UploadDto>,
    /// The clerk's reason for `breached`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// `POST /api/v1/submissions/{id}/commitments/{material}`: the promised
/// material, handed in.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct FulfilRequest {
    /// Upload ids (1–20), from `POST /api/v1/uploads`.
    pub files: Vec<String>,
}

/// The clerk's 事后核查 outcome of a commitment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CommitmentOutcome {
    Fulfilled,
    Breached,
}

/// `POST /api/v1/work-items/{id}/commitments/{material}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DecideCommitmentRequest {
    pub outcome: CommitmentOutcome,
    /// Required for `breached`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(max_length = 500))]
    pub reason: Option<String>,
}

/// The clerk's verdict on a material: 合格 or 不合格.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Accepted,
    Rejected,
}

impl Verdict {
    pub fn label(self) -> &'static str {
        match self {
            Self::Accepted => "合格",
            Self::Rejected => "不合格",
        }
    }
}

/// `PUT /api/v1/work-items/{id}/materials/{key}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ReviewRequest {
    pub verdict: Verdict,
    /// Required for `rejected`: what is wrong, shown to the applicant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(max_length = 500))]
    pub reason: Option<String>,
}

/// How a material was answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MaterialState {
    /// Files uploaded.
    Files,
    /// Promised (告知承诺); see `commitment`.
    Commit,
    /// An e-certificate stands in (电子证照，已核验 once verified).
    Certificate,
    /// Not answered (an optional material).
    Missing,
}

/// A material of a work item as the clerk reviews it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct MaterialDocs {
    pub key: String,
    pub label: String,
    pub state: MaterialState,
    /// The files in force.
    #[serde(default)]
    pub files: Vec<UploadDto>,
    /// Files replaced by a 补正 (newest first), to compare with.
    #[serde(default)]
    pub previous: Vec<UploadDto>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verdict: Option<Verdict>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commitment: Option<CommitmentDto>,
}

/// What a returned work item asks the applicant to correct (补正).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Correction {
    /// A field or material key.
    pub key: String,
    pub label: String,
    pub kind: crate::catalog::FieldKind,
    /// Why (the clerk's 不合格 reason), when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}
