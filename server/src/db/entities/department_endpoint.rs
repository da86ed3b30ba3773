use sea_orm::entity::prelude::*;

/// Where a department's own system receives work items, and the token it
/// uses to report back through the work-item actions API.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "department_endpoints")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub department: String,
    /// HTTP(S) URL events are POSTed to; none: workbench only.
    pub url: Option<String>,
    /// The HMAC-SHA256 signing secret, encrypted.
    pub secret_enc: String,
    /// SHA-256 of the department's API token.
    pub token_hash: Option<String>,
    pub enabled: bool,
    pub updated_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
