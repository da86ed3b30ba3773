//! Materials (申请材料): uploaded files, 告知承诺 commitments, the clerk's
//! review of each material, what a return asks to correct, and credit
//! records (一人一档/一企一档) of broken promises.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("uploads")
                .col(uuid("id").primary_key())
                // The account that uploaded it.
                .col(uuid("owner_id"))
                .col(string_len("filename", 255))
                .col(string_len("content_type", 64))
                .col(big_integer("size"))
                .col(string_len("sha256", 64))
                // The object's key in the file store, and its per-file key
                // wrapped by the PII master key.
                .col(string_len("storage_key", 255))
                .col(text("wrapped_key"))
                .col(timestamp_with_time_zone("created_at"))
                // Set in the transaction that files the submission (or a
                // supplement); unbound uploads older than 24 h are removed.
                .col(uuid_null("submission_id"))
                .col(string_len_null("material", 64))
                .col(timestamp_with_time_zone_null("bound_at"))
                // Replaced by a 补正 (kept to compare with, never deleted).
                .col(timestamp_with_time_zone_null("superseded_at"))
                .to_owned(),
        )
        .await?;
        for (name, cols) in [
            ("uploads_owner", &["owner_id", "created_at"][..]),
            ("uploads_material", &["submission_id", "material"][..]),
            ("uploads_unbound", &["bound_at", "created_at"][..]),
        ] {
            let mut i = Index::create();
            i.name(name).table("uploads");
            for c in cols {
                i.col(*c);
            }
            m.create_index(i.to_owned()).await?;
        }
        m.create_table(
            Table::create()
                .table("commitments")
                .col(uuid("id").primary_key())
                .col(uuid("submission_id"))
                .col(uuid("work_item_id"))
                .col(string_len("item", 64))
                .col(string_len("material", 64))
                .col(string_len("due_date", 10))
                // open | fulfilled | breached (overdue is derived).
                .col(string_len("status", 16))
                .col(text("text"))
                .col(timestamp_with_time_zone_null("supplied_at"))
                .col(timestamp_with_time_zone_null("decided_at"))
                .col(uuid_null("decided_by"))
                .col(text_null("reason"))
                // Reminders sent: 1 = two working days before, 2 = on the day.
                .col(small_integer("reminded").default(0))
                .col(timestamp_with_time_zone("created_at"))
                .to_owned(),
        )
        .await?;
        for (name, cols) in [
            ("commitments_submission", &["submission_id", "material"][..]),
            ("commitments_work_item", &["work_item_id"][..]),
            ("commitments_due", &["status", "due_date"][..]),
        ] {
            let mut i = Index::create();
            i.name(name).table("commitments");
            for c in cols {
                i.col(*c);
            }
            m.create_index(i.to_owned()).await?;
        }
        m.create_table(
            Table::create()
                .table("material_reviews")
                .col(uuid("work_item_id"))
                .col(string_len("material", 64))
                // accepted | rejected
                .col(string_len("verdict", 16))
                .col(text_null("reason"))
                .col(uuid("reviewer_id"))
                .col(timestamp_with_time_zone("reviewed_at"))
                .primary_key(Index::create().col("work_item_id").col("material"))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table("work_items")
                // JSON list of the keys a return asks to correct.
                .add_column(text_null("corrections"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("credit_records")
                .col(uuid("id").primary_key())
                .col(string_len("subject", 80))
                .col(string_len("kind", 48))
                .col(uuid_null("submission_id"))
                .col(string_len_null("item", 64))
                .col(string_len_null("material", 64))
                .col(text("reason"))
                .col(timestamp_with_time_zone("created_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("credit_records_subject")
                .table("credit_records")
                .col("subject")
                .col("created_at")
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}
