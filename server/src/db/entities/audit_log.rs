use sea_orm::entity::prelude::*;

/// One append-only, hash-chained audit entry.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub seq: i64,
    /// Microseconds since 1970 (exact, so the hash can be recomputed).
    pub at_us: i64,
    pub actor_id: Option<Uuid>,
    pub actor: String,
    pub action: String,
    pub object: String,
    pub detail: String,
    pub ip: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
