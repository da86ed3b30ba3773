//! Every catalog version the server has run with, so that a submission's
//! `catalog_version` can always be traced to when that catalog was live.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("catalog_versions")
                    .if_not_exists()
                    .col(string_len("version", 64).primary_key())
                    .col(timestamp_with_time_zone("first_loaded_at"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("catalog_versions").to_owned())
            .await
    }
}
