use app::domain::Date;
use app::workflow::WorkStatus;
use sea_orm::entity::prelude::*;

/// One item of one submission routed to one department (子件).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "work_items")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub submission_id: Uuid,
    pub tracking_no: String,
    pub bundle: String,
    pub submitted_at: ChronoDateTimeUtc,
    pub item: String,
    pub department: String,
    /// waiting | pending | accepted | returned | completed | rejected
    pub status: WorkStatus,
    /// Optimistic concurrency: every transition increments it.
    pub version: i32,
    /// Time limit in working days (copied from the catalog at submission).
    pub due_days: i32,
    /// `YYYY-MM-DD`; `None` while waiting.
    pub due_date: Option<Date>,
    pub clock_started_on: Option<Date>,
    /// Set while returned for 补正 (the clock is paused).
    pub paused_at: Option<ChronoDateTimeUtc>,
    /// The department's result (JSON), when completed.
    pub result: Option<String>,
    /// While returned: JSON list of the field and material keys to correct.
    pub corrections: Option<String>,
    pub created_at: ChronoDateTimeUtc,
    pub updated_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
