//! The clerk queue at a county's scale (a million work items): one index
//! range per status read in (due date, id) order, and work items found by
//! 办件编号 without scanning a department.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // (department, status, due_date) is a prefix of the new index.
        m.drop_index(
            Index::drop()
                .name("work_items_queue")
                .table("work_items")
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("work_items_queue_order")
                .table("work_items")
                .col("department")
                .col("status")
                .col("due_date")
                .col("id")
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("work_items_tracking_no")
                .table("work_items")
                .col("tracking_no")
                .to_owned(),
        )
        .await
    }
}
