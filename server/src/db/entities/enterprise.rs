use app::domain::Date;
use sea_orm::entity::prelude::*;

/// An enterprise (企业). The legal representative's 身份证号 is encrypted.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "enterprises")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub credit_code: String,
    pub name: String,
    pub legal_representative: String,
    pub legal_rep_id_hash: String,
    pub legal_rep_id_enc: String,
    /// 成立日期, `YYYY-MM-DD`.
    pub established_on: Date,
    pub created_by: Uuid,
    pub created_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
