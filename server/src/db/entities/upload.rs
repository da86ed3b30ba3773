use sea_orm::entity::prelude::*;

/// An uploaded file (申请材料). The bytes live encrypted in the file store
/// under `storage_key`; the row holds their per-file key, wrapped.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "uploads")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub owner_id: Uuid,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub storage_key: String,
    pub wrapped_key: String,
    pub created_at: ChronoDateTimeUtc,
    pub submission_id: Option<Uuid>,
    pub material: Option<String>,
    pub bound_at: Option<ChronoDateTimeUtc>,
    pub superseded_at: Option<ChronoDateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
