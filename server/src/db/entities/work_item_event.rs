use app::workflow::WorkStatus;
use sea_orm::entity::prelude::*;

/// Something that happened to a submission or one of its work items: the
/// timeline the applicant sees and the history a clerk sees.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "work_item_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub submission_id: Uuid,
    pub work_item_id: Option<Uuid>,
    pub at: ChronoDateTimeUtc,
    pub actor_id: Option<Uuid>,
    pub actor: String,
    pub department: Option<String>,
    /// submitted | released | accept | return | supplement | complete | reject | …
    pub event: String,
    pub from_status: Option<WorkStatus>,
    pub to_status: Option<WorkStatus>,
    pub comment: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
