//! Drafts, submissions (办件), work items (子件) and their events.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("drafts")
                .col(uuid("user_id"))
                .col(string_len("subject", 80))
                .col(string_len("bundle", 64))
                .col(text("body_enc"))
                .col(integer("version"))
                .col(timestamp_with_time_zone("updated_at"))
                .primary_key(Index::create().col("user_id").col("subject").col("bundle"))
                .foreign_key(
                    ForeignKey::create()
                        .name("drafts_user")
                        .from("drafts", "user_id")
                        .to("users", "id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("submissions")
                .col(uuid("id").primary_key())
                .col(string_len("tracking_no", 32).unique_key())
                .col(string_len("bundle", 64))
                .col(string_len("catalog_version", 64))
                .col(uuid("applicant_id"))
                .col(string_len("subject", 80))
                .col(text("items"))
                .col(text("data_enc"))
                .col(string_len_null("idempotency_key", 128))
                .col(string_len("payload_hash", 64))
                .col(timestamp_with_time_zone("submitted_at"))
                .foreign_key(
                    ForeignKey::create()
                        .name("submissions_applicant")
                        .from("submissions", "applicant_id")
                        .to("users", "id"),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("submissions_idempotency")
                .table("submissions")
                .col("applicant_id")
                .col("idempotency_key")
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("submissions_applicant_time")
                .table("submissions")
                .col("applicant_id")
                .col("submitted_at")
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("submissions_subject_time")
                .table("submissions")
                .col("subject")
                .col("submitted_at")
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("submissions_bundle_time")
                .table("submissions")
                .col("bundle")
                .col("submitted_at")
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("work_items")
                .col(uuid("id").primary_key())
                .col(uuid("submission_id"))
                // Copied from the submission (immutable) so the queues need no join.
                .col(string_len("tracking_no", 32))
                .col(string_len("bundle", 64))
                .col(timestamp_with_time_zone("submitted_at"))
                .col(string_len("item", 64))
                .col(string_len("department", 64))
                .col(string_len("status", 16))
                .col(integer("version"))
                .col(integer("due_days"))
                // YYYY-MM-DD; NULL while waiting (the clock has not started).
                .col(string_len_null("due_date", 10))
                .col(string_len_null("clock_started_on", 10))
                .col(timestamp_with_time_zone_null("paused_at"))
                .col(text_null("result"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(
                    ForeignKey::create()
                        .name("work_items_submission")
                        .from("work_items", "submission_id")
                        .to("submissions", "id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("work_items_submission")
                .table("work_items")
                .col("submission_id")
                .to_owned(),
        )
        .await?;
        // The clerk queue: a department's items by status, oldest due first.
        m.create_index(
            Index::create()
                .name("work_items_queue")
                .table("work_items")
                .col("department")
                .col("status")
                .col("due_date")
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("work_items_department_due")
                .table("work_items")
                .col("department")
                .col("due_date")
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("work_item_events")
                .col(uuid("id").primary_key())
                .col(uuid("submission_id"))
                .col(uuid_null("work_item_id"))
                .col(timestamp_with_time_zone("at"))
                .col(uuid_null("actor_id"))
                .col(string_len("actor", 96))
                .col(string_len_null("department", 64))
                .col(string_len("event", 32))
                .col(string_len_null("from_status", 16))
                .col(string_len_null("to_status", 16))
                .col(text_null("comment"))
                .foreign_key(
                    ForeignKey::create()
                        .name("work_item_events_submission")
                        .from("work_item_events", "submission_id")
                        .to("submissions", "id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("work_item_events_submission")
                .table("work_item_events")
                .col("submission_id")
                .col("at")
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("work_item_events_item")
                .table("work_item_events")
                .col("work_item_id")
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}
