//! The working-day calendar entered at run time: every version of a year's
//! 放假/调休 days an admin saved (who, when, from which notice). The latest
//! version of a year replaces the catalog's file of that year.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("calendar_years")
                .col(integer("year"))
                .col(integer("version"))
                // The State Council notice the days come from.
                .col(text("source"))
                // JSON arrays of `YYYY-MM-DD`, in order.
                .col(text("holidays"))
                .col(text("workdays"))
                .col(uuid("entered_by"))
                .col(timestamp_with_time_zone("entered_at"))
                .primary_key(Index::create().col("year").col("version"))
                .to_owned(),
        )
        .await
    }
}
