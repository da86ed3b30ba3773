use sea_orm::entity::prelude::*;

use crate::identity::Subject;

/// One remembered fact of a subject's profile (一企一档/一人一档).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "profile_facts")]
pub struct Model {
    /// `person:<uuid>` or `enterprise:<uuid>`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub subject: Subject,
    /// A field key of the dictionary.
    #[sea_orm(primary_key, auto_increment = false)]
    pub key: String,
    /// Encrypted JSON value.
    pub value_enc: String,
    /// `user_input`, `prefill`, `certificate` or `clerk`.
    pub source: String,
    pub submission_id: Option<Uuid>,
    pub updated_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
