use sea_orm::entity::prelude::*;

/// A person who logs in: citizen, clerk or admin. Phone and 身份证号 are
/// stored encrypted with a keyed hash for lookups (see `crate::crypto`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub role: String,
    pub username: Option<String>,
    pub name: String,
    pub phone_hash: Option<String>,
    pub phone_enc: Option<String>,
    pub id_number_hash: Option<String>,
    pub id_number_enc: Option<String>,
    pub department: Option<String>,
    pub password_hash: String,
    pub password_changed_at: ChronoDateTimeUtc,
    pub disabled: bool,
    pub created_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
