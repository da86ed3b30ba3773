use app::domain::Date;
use app::feedback::{CaseStatus, Satisfaction};
use sea_orm::entity::prelude::*;

/// One step of a case's timeline.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "case_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub case_id: Uuid,
    pub at: ChronoDateTimeUtc,
    pub actor_id: Option<Uuid>,
    /// A role word, or `system`.
    pub actor_role: String,
    pub actor_department: Option<String>,
    /// `register`, a `CaseAction` word, or `overdue`.
    pub action: String,
    pub to_status: Option<CaseStatus>,
    pub department: Option<String>,
    pub comment: Option<String>,
    pub satisfaction: Option<Satisfaction>,
    /// On an `answer`: the answer deadline that applied.
    pub answer_due: Option<Date>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
