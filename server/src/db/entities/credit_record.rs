use sea_orm::entity::prelude::*;

use crate::identity::Subject;

/// A credit record (信用记录) in a subject's profile (一人一档/一企一档),
/// e.g. a broken 告知承诺.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "credit_records")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub subject: Subject,
    /// `commitment_breached`.
    pub kind: String,
    pub submission_id: Option<Uuid>,
    pub item: Option<String>,
    pub material: Option<String>,
    pub reason: String,
    pub created_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
