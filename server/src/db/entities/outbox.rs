use sea_orm::entity::prelude::*;

pub use super::types::OutboxStatus;

/// An event waiting for (or done with) delivery to a department system.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "outbox")]
pub struct Model {
    /// Also the event's idempotency key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub department: String,
    /// `work_item.created`, `work_item.released`, `work_item.accepted`, …
    pub event: String,
    pub submission_id: Option<Uuid>,
    pub work_item_id: Option<Uuid>,
    pub payload_enc: String,
    /// `pending`, `delivering`, `delivered` or `dead`.
    pub status: OutboxStatus,
    pub attempts: i32,
    pub next_attempt_at: ChronoDateTimeUtc,
    /// A worker owns a `delivering` row until then (a crashed one's rows return).
    pub locked_until: Option<ChronoDateTimeUtc>,
    pub last_error: Option<String>,
    pub created_at: ChronoDateTimeUtc,
    pub delivered_at: Option<ChronoDateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
