use sea_orm::entity::prelude::*;

pub use super::types::OfferStatus;
use crate::identity::Subject;

/// A 免申即享 offer to a subject.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "policy_offers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub subject: Subject,
    pub policy: String,
    /// `offered`, `confirmed` or `declined`.
    pub status: OfferStatus,
    pub created_at: ChronoDateTimeUtc,
    pub decided_at: Option<ChronoDateTimeUtc>,
    pub decided_by: Option<Uuid>,
    /// The submission filed on confirmation.
    pub submission_id: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
