//! Reminders sent (催办提醒): one row per reminder, its primary key the
//! reminder's identity — what kind, about what (a work item or a
//! department), for which date (the due date it warns about, or the day of
//! a daily digest). Claiming a reminder is inserting its row, so each is
//! sent once however often, and on however many instances, the job runs.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("reminders")
                .col(string_len("kind", 32))
                // A work item's id or a department's code.
                .col(string_len("target", 64))
                // `YYYY-MM-DD`.
                .col(string_len("on_date", 10))
                .col(integer("recipients"))
                .col(timestamp_with_time_zone("sent_at"))
                .primary_key(Index::create().col("kind").col("target").col("on_date"))
                .to_owned(),
        )
        .await
    }
}
