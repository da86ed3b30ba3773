use sea_orm::entity::prelude::*;

use app::domain::Date;

use crate::identity::Subject;

/// An e-certificate (电子证照) held by a subject.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "certificates")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub subject: Subject,
    pub kind: String,
    pub name: String,
    pub number: String,
    /// Department code (or `platform`).
    pub issued_by: String,
    pub valid_from: Date,
    pub valid_until: Option<Date>,
    pub submission_id: Option<Uuid>,
    pub work_item_id: Option<Uuid>,
    pub created_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
