//! In-app notifications (站内消息). A row per message and recipient; SMS or
//! other channels can be added as senders that read the same rows.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("notifications")
                .col(uuid("id").primary_key())
                .col(uuid("user_id"))
                .col(uuid_null("submission_id"))
                .col(uuid_null("work_item_id"))
                .col(string_len("kind", 32))
                .col(string_len("title", 200))
                .col(text("body"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone_null("read_at"))
                .foreign_key(
                    ForeignKey::create()
                        .name("notifications_user")
                        .from("notifications", "user_id")
                        .to("users", "id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("notifications_user_unread")
                .table("notifications")
                .col("user_id")
                .col("read_at")
                .col("id")
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}
