use sea_orm::entity::prelude::*;

pub use super::types::ItemCodes;
use crate::identity::Subject;

/// A filed bundle (办件). Its status is derived from its work items.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "submissions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// 办件编号, e.g. `MX20261129-7K3Q9P`.
    pub tracking_no: String,
    pub bundle: String,
    pub catalog_version: String,
    /// The person who filed it.
    pub applicant_id: Uuid,
    /// For whom: `person:<uuid>` or `enterprise:<uuid>`.
    pub subject: Subject,
    /// The chosen item codes (a JSON array in the database).
    pub items: ItemCodes,
    /// Encrypted JSON object of the answers.
    pub data_enc: String,
    pub idempotency_key: Option<String>,
    /// SHA-256 of the request, to tell a retry from a different request
    /// that reuses an idempotency key.
    pub payload_hash: String,
    pub submitted_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
