//! The enterprise zone: enterprises and who may act for them, profiles
//! (一企一档/一人一档), e-certificates (电子证照) and 免申即享 offers. Sessions
//! remember whom their person is acting for.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("enterprises")
                .col(uuid("id").primary_key())
                .col(string_len("credit_code", 18).unique_key())
                .col(string_len("name", 100))
                .col(string_len("legal_representative", 64))
                .col(string_len("legal_rep_id_hash", 64))
                .col(text("legal_rep_id_enc"))
                .col(string_len("established_on", 10))
                .col(uuid("created_by"))
                .col(timestamp_with_time_zone("created_at"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("enterprise_members")
                .col(uuid("enterprise_id"))
                .col(uuid("user_id"))
                .col(string_len("role", 16))
                .col(string_len_null("expires_on", 10))
                .col(timestamp_with_time_zone_null("revoked_at"))
                .col(uuid_null("granted_by"))
                .col(timestamp_with_time_zone("created_at"))
                .primary_key(Index::create().col("enterprise_id").col("user_id"))
                .foreign_key(
                    ForeignKey::create()
                        .name("enterprise_members_enterprise")
                        .from("enterprise_members", "enterprise_id")
                        .to("enterprises", "id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("enterprise_members_user")
                        .from("enterprise_members", "user_id")
                        .to("users", "id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("enterprise_members_user")
                .table("enterprise_members")
                .col("user_id")
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("profile_facts")
                .col(string_len("subject", 80))
                .col(string_len("key", 64))
                .col(text("value_enc"))
                .col(string_len("source", 16))
                .col(uuid_null("submission_id"))
                .col(timestamp_with_time_zone("updated_at"))
                .primary_key(Index::create().col("subject").col("key"))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("certificates")
                .col(uuid("id").primary_key())
                .col(string_len("subject", 80))
                .col(string_len("kind", 64))
                .col(string_len("name", 100))
                .col(string_len("number", 64))
                .col(string_len("issued_by", 64))
                .col(string_len("valid_from", 10))
                .col(string_len_null("valid_until", 10))
                .col(uuid_null("submission_id"))
                .col(uuid_null("work_item_id"))
                .col(timestamp_with_time_zone("created_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("certificates_subject_kind")
                .table("certificates")
                .col("subject")
                .col("kind")
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("policy_offers")
                .col(uuid("id").primary_key())
                .col(string_len("subject", 80))
                .col(string_len("policy", 64))
                .col(string_len("status", 16))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone_null("decided_at"))
                .col(uuid_null("decided_by"))
                .col(uuid_null("submission_id"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("policy_offers_subject_policy")
                .table("policy_offers")
                .col("subject")
                .col("policy")
                .unique()
                .to_owned(),
        )
        .await?;

        m.alter_table(
            Table::alter()
                .table("sessions")
                .add_column(uuid_null("acting_enterprise_id"))
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}
