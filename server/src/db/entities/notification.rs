use sea_orm::entity::prelude::*;

/// An in-app message to a user about one of their submissions.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notifications")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Uuid,
    pub submission_id: Option<Uuid>,
    pub work_item_id: Option<Uuid>,
    /// `accept`, `return`, `complete`, `reject`, `policy_offer`, …
    pub kind: String,
    pub title: String,
    pub body: String,
    pub created_at: ChronoDateTimeUtc,
    pub read_at: Option<ChronoDateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
