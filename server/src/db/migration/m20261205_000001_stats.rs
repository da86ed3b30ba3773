//! 效能评估: the aggregate facts of every finished day and month, and the
//! indexes that let one day's history be read without a scan.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // One row per (period, bundle, item, department, measure, value):
        // `n` things of that measure happened, e.g. `n` work items of an
        // item ended after `value` working days. `period` is a day
        // (`YYYY-MM-DD`, China time) or a whole month (`YYYY-MM`).
        m.create_table(
            Table::create()
                .table("stats_facts")
                .col(string_len("period", 10))
                .col(string_len("bundle", 64))
                .col(string_len("item", 64))
                .col(string_len("department", 64))
                .col(string_len("measure", 48))
                .col(integer("value"))
                .col(big_integer("n"))
                .primary_key(
                    Index::create()
                        .col("period")
                        .col("bundle")
                        .col("item")
                        .col("department")
                        .col("measure")
                        .col("value"),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("stats_facts_measure")
                .table("stats_facts")
                .col("measure")
                .col("period")
                .to_owned(),
        )
        .await?;
        // The periods whose facts are stored (and final).
        m.create_table(
            Table::create()
                .table("stats_periods")
                .col(string_len("period", 10).primary_key())
                .col(timestamp_with_time_zone("computed_at"))
                .to_owned(),
        )
        .await?;
        // The answer deadline that applied when a case was answered, so
        // that "answered on time" stays known after the case moves on.
        m.alter_table(
            Table::alter()
                .table("case_events")
                .add_column(string_len_null("answer_due", 10))
                .to_owned(),
        )
        .await?;
        for (name, table, cols) in [
            ("work_items_submitted", "work_items", &["submitted_at"][..]),
            (
                "work_item_events_status_time",
                "work_item_events",
                &["to_status", "at"][..],
            ),
            ("commitments_created", "commitments", &["created_at"][..]),
            ("commitments_decided", "commitments", &["decided_at"][..]),
            ("ratings_created", "ratings", &["created_at"][..]),
            ("cases_created", "cases", &["created_at"][..]),
            ("case_events_action_time", "case_events", &["action", "at"][..]),
            // 逾期 right now, county-wide, without reading every department.
            ("work_items_status_due", "work_items", &["status", "due_date"][..]),
        ] {
            let mut i = Index::create();
            i.name(name).table(table);
            for c in cols {
                i.col(*c);
            }
            m.create_index(i.to_owned()).await?;
        }
        Ok(())
    }
}
