use sea_orm::entity::prelude::*;

/// One published version of the 高频清单.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "high_frequency_lists")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub version: i32,
    /// JSON array of bundle codes, in the published order.
    pub bundles: String,
    pub note: Option<String>,
    pub published_by: Uuid,
    pub published_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
