use sea_orm::entity::prelude::*;

use super::types::VerdictWord;

/// A clerk's verdict (合格/不合格) on one material of a work item.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "material_reviews")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub work_item_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub material: String,
    pub verdict: VerdictWord,
    pub reason: Option<String>,
    pub reviewer_id: Uuid,
    pub reviewed_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
