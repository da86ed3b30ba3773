//! 高频清单: the high-frequency list the county office publishes, every
//! version kept (who, when, which bundles).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("high_frequency_lists")
                .col(integer("version").primary_key())
                // A JSON array of bundle codes, in the published order.
                .col(text("bundles"))
                .col(text_null("note"))
                .col(uuid("published_by"))
                .col(timestamp_with_time_zone("published_at"))
                .to_owned(),
        )
        .await
    }
}
