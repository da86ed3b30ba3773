//! 四减一优: what each submission spared its applicant, measured when it is
//! filed (the form, the prefill and the e-certificates of that moment are
//! gone afterwards). The stored daily facts are forgotten so that the
//! stats worker stores them again with the new measures.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("filing_measures")
                .col(uuid("submission_id").primary_key())
                .col(string_len("bundle", 64))
                .col(timestamp_with_time_zone("submitted_at"))
                // Index in the stats channels: online, window, assisted.
                .col(small_integer("channel"))
                .col(integer("items"))
                // "Before": the chosen items done one by one (catalog data);
                // "after": this one submission.
                .col(integer("steps_before"))
                .col(integer("materials_before"))
                .col(integer("materials_asked"))
                .col(integer("materials_certificate"))
                .col(integer("fields_before"))
                .col(integer("fields_asked"))
                .col(integer("fields_prefilled"))
                .col(integer("trips_before"))
                .col(integer("trips"))
                // Σ 承诺时限 of the chosen items, working days.
                .col(integer("days_before"))
                // Σ 法定时限, when the catalog knows it for every chosen item.
                .col(integer_null("legal_days_before"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("filing_measures_submitted")
                .table("filing_measures")
                .col("submitted_at")
                .to_owned(),
        )
        .await?;
        // Finished days are stored again, with the 四减一优 measures.
        for table in ["stats_facts", "stats_periods"] {
            m.get_connection()
                .execute_unprepared(&format!("DELETE FROM {table}"))
                .await?;
        }
        Ok(())
    }
}
