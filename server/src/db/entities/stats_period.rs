use sea_orm::entity::prelude::*;

/// A day or month whose facts are stored in `stats_facts` (and final).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "stats_periods")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub period: String,
    pub computed_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
