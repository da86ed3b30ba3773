use app::feedback::{Channel, RatingStatus};
use sea_orm::entity::prelude::*;

use crate::identity::Subject;

/// A 好差评 rating of one work item or of a whole submission (一事一评).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ratings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The work item's id, or the submission's: unique.
    pub target_id: Uuid,
    pub submission_id: Uuid,
    pub work_item_id: Option<Uuid>,
    pub subject: Subject,
    pub rater_id: Uuid,
    pub department: String,
    pub score: i16,
    /// Comma-separated `RatingTag` words.
    pub tags: String,
    pub comment_enc: Option<String>,
    pub follow_up_enc: Option<String>,
    pub follow_up_at: Option<ChronoDateTimeUtc>,
    pub channel: Channel,
    pub entered_by: Option<Uuid>,
    pub real_name: bool,
    pub status: RatingStatus,
    pub appeal_reason: Option<String>,
    pub review_comment: Option<String>,
    pub case_id: Option<Uuid>,
    pub version: i32,
    pub created_at: ChronoDateTimeUtc,
    pub updated_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
