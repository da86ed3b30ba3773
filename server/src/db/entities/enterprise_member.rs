use app::domain::Date;
use sea_orm::entity::prelude::*;

pub use super::types::MemberRole;

/// Who may act for an enterprise: its administrator (the legal
/// representative who registered it) and the agents (经办人) they authorise.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "enterprise_members")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub enterprise_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: Uuid,
    /// `admin` or `agent`.
    pub role: MemberRole,
    /// Last day the authorisation is valid (`YYYY-MM-DD`); none: no expiry.
    pub expires_on: Option<Date>,
    pub revoked_at: Option<ChronoDateTimeUtc>,
    pub granted_by: Option<Uuid>,
    pub created_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
