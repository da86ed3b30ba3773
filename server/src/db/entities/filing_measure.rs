use sea_orm::entity::prelude::*;

/// 四减一优 of one submission, measured when it was filed (see
/// `services::stats::savings`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "filing_measures")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub submission_id: Uuid,
    pub bundle: String,
    pub submitted_at: ChronoDateTimeUtc,
    /// Index in the stats channels (`online`, `window`, `assisted`).
    pub channel: i16,
    pub items: i32,
    pub steps_before: i32,
    pub materials_before: i32,
    pub materials_asked: i32,
    pub materials_certificate: i32,
    pub fields_before: i32,
    pub fields_asked: i32,
    pub fields_prefilled: i32,
    pub trips_before: i32,
    pub trips: i32,
    pub days_before: i32,
    pub legal_days_before: Option<i32>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
