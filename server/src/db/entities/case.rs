use app::domain::Date;
use app::feedback::{CaseKind, CaseStatus, Channel, Satisfaction};
use sea_orm::entity::prelude::*;

/// A case (诉求): a 12345 complaint, consultation or suggestion, a 办不成事
/// 反映, or the 整改 of a 差评.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "cases")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tracking_no: String,
    pub kind: CaseKind,
    pub channel: Channel,
    pub status: CaseStatus,
    pub person_id: Option<Uuid>,
    /// Encrypted JSON `{name, phone}` of a caller without an account.
    pub contact_enc: Option<String>,
    pub entered_by: Option<Uuid>,
    pub submission_id: Option<Uuid>,
    pub work_item_id: Option<Uuid>,
    pub rating_id: Option<Uuid>,
    pub department: Option<String>,
    pub description_enc: String,
    pub due_date: Option<Date>,
    pub answer_due: Option<Date>,
    pub escalated_at: Option<ChronoDateTimeUtc>,
    pub reopen_count: i16,
    pub satisfaction: Option<Satisfaction>,
    pub version: i32,
    pub created_at: ChronoDateTimeUtc,
    pub updated_at: ChronoDateTimeUtc,
    pub closed_at: Option<ChronoDateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
