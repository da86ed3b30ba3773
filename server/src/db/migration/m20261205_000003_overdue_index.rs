//! 逾期 right now without reading the work items: the overview counts the
//! running items past their due date per (bundle, item, department) from
//! the index alone. `(status, due_date)` is a prefix of the new index, so
//! it goes.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name("work_items_status_due")
                .table("work_items")
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("work_items_overdue")
                .table("work_items")
                .col("status")
                .col("due_date")
                .col("bundle")
                .col("item")
                .col("department")
                .to_owned(),
        )
        .await
    }
}
