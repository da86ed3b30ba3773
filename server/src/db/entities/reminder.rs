use sea_orm::entity::prelude::*;

/// A reminder that was sent (see `services::reminders`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "reminders")]
pub struct Model {
    /// `due_soon`, `overdue`, `lead_overdue`, `supplement_waiting`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub kind: String,
    /// A work item's id or a department's code.
    #[sea_orm(primary_key, auto_increment = false)]
    pub target: String,
    /// The due date warned about, or the day of a daily digest
    /// (`YYYY-MM-DD`).
    #[sea_orm(primary_key, auto_increment = false)]
    pub on_date: String,
    /// How many people it went to.
    pub recipients: i32,
    pub sent_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
