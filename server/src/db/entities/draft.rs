use sea_orm::entity::prelude::*;

use crate::identity::Subject;

/// An autosaved, unfinished form: one per person, subject and bundle. The
/// body (chosen items, answers, step) is encrypted: it holds personal data.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "drafts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: Uuid,
    /// `person:<uuid>` or `enterprise:<uuid>`: for whom the form is filled.
    #[sea_orm(primary_key, auto_increment = false)]
    pub subject: Subject,
    #[sea_orm(primary_key, auto_increment = false)]
    pub bundle: String,
    pub body_enc: String,
    pub version: i32,
    pub updated_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
