use sea_orm::entity::prelude::*;

/// `n` things of `measure` (with `value`) in a day or month: the aggregate
/// 效能评估 reads (see `services::stats`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "stats_facts")]
pub struct Model {
    /// `YYYY-MM-DD` (China time) or `YYYY-MM`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub period: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub bundle: String,
    /// An item code, or empty for facts of a whole submission.
    #[sea_orm(primary_key, auto_increment = false)]
    pub item: String,
    /// A department code, or empty when none is known (an unassigned case).
    #[sea_orm(primary_key, auto_increment = false)]
    pub department: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub measure: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub value: i32,
    pub n: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
