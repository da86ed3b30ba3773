use sea_orm::entity::prelude::*;

/// One saved version of a year's 放假/调休 days.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "calendar_years")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub year: i32,
    #[sea_orm(primary_key, auto_increment = false)]
    pub version: i32,
    pub source: String,
    /// JSON array of `YYYY-MM-DD`, in order.
    pub holidays: String,
    /// JSON array of `YYYY-MM-DD`, in order.
    pub workdays: String,
    pub entered_by: Uuid,
    pub entered_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
