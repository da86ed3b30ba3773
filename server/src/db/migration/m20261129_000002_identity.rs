//! Identity and access: users, server-side sessions, login throttling and the
//! hash-chained audit log.
//!
//! Personal data (phone, 身份证号) is stored encrypted (`*_enc`) with a keyed
//! hash beside it (`*_hash`) for lookups and uniqueness; see `crate::crypto`.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("users")
                .col(uuid("id").primary_key())
                .col(string_len("role", 16))
                .col(string_len_null("username", 64).unique_key())
                .col(string_len("name", 64))
                .col(string_len_null("phone_hash", 64).unique_key())
                .col(text_null("phone_enc"))
                .col(string_len_null("id_number_hash", 64).unique_key())
                .col(text_null("id_number_enc"))
                .col(string_len_null("department", 64))
                .col(text("password_hash"))
                .col(timestamp_with_time_zone("password_changed_at"))
                .col(boolean("disabled").default(false))
                .col(timestamp_with_time_zone("created_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("users_role_department")
                .table("users")
                .col("role")
                .col("department")
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("sessions")
                .col(string_len("id", 64).primary_key())
                .col(uuid("user_id"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("last_seen_at"))
                .col(timestamp_with_time_zone("expires_at"))
                .foreign_key(
                    ForeignKey::create()
                        .name("sessions_user")
                        .from("sessions", "user_id")
                        .to("users", "id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("sessions_user_id")
                .table("sessions")
                .col("user_id")
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("login_throttles")
                .col(string_len("key", 96).primary_key())
                .col(integer("failures"))
                .col(timestamp_with_time_zone("window_started_at"))
                .col(timestamp_with_time_zone_null("locked_until"))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("audit_head")
                .col(integer("id").primary_key())
                .col(big_integer("seq"))
                .col(string_len("hash", 64))
                .to_owned(),
        )
        .await?;
        m.exec_stmt(
            Query::insert()
                .into_table("audit_head")
                .columns(["id", "seq", "hash"])
                .values_panic([1.into(), 0i64.into(), GENESIS.into()])
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("audit_log")
                .col(big_integer("seq").primary_key())
                .col(big_integer("at_us"))
                .col(uuid_null("actor_id"))
                .col(string_len("actor", 96))
                .col(string_len("action", 48))
                .col(string_len("object", 128))
                .col(text("detail"))
                .col(string_len_null("ip", 64))
                .col(string_len("prev_hash", 64))
                .col(string_len("hash", 64))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("audit_log_object")
                .table("audit_log")
                .col("object")
                .to_owned(),
        )
        .await?;

        // Append-only: the database itself refuses to change or delete entries.
        let db = m.get_connection();
        match m.get_database_backend() {
            sea_orm::DbBackend::Postgres => {
                db.execute_unprepared(
                    "CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ \
                     BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$",
                )
                .await?;
                db.execute_unprepared(
                    "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log \
                     FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
                )
                .await?;
            }
            _ => {
                for op in ["UPDATE", "DELETE"] {
                    db.execute_unprepared(&format!(
                        "CREATE TRIGGER audit_log_no_{op} BEFORE {op} ON audit_log \
                         BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
                        op = op.to_lowercase()
                    ))
                    .await?;
                }
            }
        }
        Ok(())
    }
}

/// The `prev_hash` of the first audit entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";
