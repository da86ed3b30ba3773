//! Delivery to department systems: each department's endpoint and API token,
//! and the transactional outbox the worker delivers from.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("department_endpoints")
                .col(string_len("department", 64).primary_key())
                .col(string_len_null("url", 500))
                .col(text("secret_enc"))
                .col(string_len_null("token_hash", 64).unique_key())
                .col(boolean("enabled").default(true))
                .col(timestamp_with_time_zone("updated_at"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("outbox")
                .col(uuid("id").primary_key())
                .col(string_len("department", 64))
                .col(string_len("event", 48))
                .col(uuid_null("submission_id"))
                .col(uuid_null("work_item_id"))
                // Encrypted JSON: it can hold the applicant's answers.
                .col(text("payload_enc"))
                .col(string_len("status", 16))
                .col(integer("attempts"))
                .col(timestamp_with_time_zone("next_attempt_at"))
                .col(timestamp_with_time_zone_null("locked_until"))
                .col(text_null("last_error"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone_null("delivered_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("outbox_due")
                .table("outbox")
                .col("status")
                .col("next_attempt_at")
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}
