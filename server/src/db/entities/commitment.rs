use sea_orm::entity::prelude::*;

use app::domain::Date;

use super::types::CommitmentState;

/// A 告知承诺: a material promised for one work item, due on `due_date`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "commitments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub submission_id: Uuid,
    pub work_item_id: Uuid,
    pub item: String,
    pub material: String,
    pub due_date: Date,
    pub status: CommitmentState,
    /// The 告知承诺书 agreed to.
    pub text: String,
    pub supplied_at: Option<ChronoDateTimeUtc>,
    pub decided_at: Option<ChronoDateTimeUtc>,
    pub decided_by: Option<Uuid>,
    pub reason: Option<String>,
    /// Bit 1: reminded two working days before; bit 2: on the due date.
    pub reminded: i16,
    pub created_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
