//! 好差评 (ratings) and cases (12345 诉求, 办不成事, 差评整改) with their
//! timelines. Free text the applicant writes (a description, a rating's
//! comment and 追评, a caller's name and phone) is stored encrypted.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

async fn indexes(
    m: &SchemaManager<'_>,
    table: &str,
    list: &[(&'static str, &'static [&'static str])],
) -> Result<(), DbErr> {
    for (name, cols) in list {
        let mut i = Index::create();
        i.name(*name).table(table.to_owned());
        for c in *cols {
            i.col(*c);
        }
        m.create_index(i.to_owned()).await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("ratings")
                .col(uuid("id").primary_key())
                // The work item's id, or the submission's for a rating of the
                // whole: one rating per target (一事一评).
                .col(uuid("target_id").unique_key())
                .col(uuid("submission_id"))
                .col(uuid_null("work_item_id"))
                // The submission's subject and the account that rated (or
                // the applicant, for a window rating).
                .col(string_len("subject", 80))
                .col(uuid("rater_id"))
                .col(string_len("department", 64))
                .col(small_integer("score"))
                // Comma-separated RatingTag words.
                .col(string_len("tags", 255))
                .col(text_null("comment_enc"))
                .col(text_null("follow_up_enc"))
                .col(timestamp_with_time_zone_null("follow_up_at"))
                .col(string_len("channel", 16))
                // The clerk who typed in a window rating.
                .col(uuid_null("entered_by"))
                .col(boolean("real_name"))
                // valid | appealed | upheld | voided
                .col(string_len("status", 16))
                .col(text_null("appeal_reason"))
                .col(text_null("review_comment"))
                .col(uuid_null("case_id"))
                .col(integer("version"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .to_owned(),
        )
        .await?;
        indexes(
            m,
            "ratings",
            &[
                ("ratings_submission", &["submission_id"]),
                ("ratings_department", &["department", "created_at"]),
                ("ratings_status", &["status", "created_at"]),
            ],
        )
        .await?;
        m.create_table(
            Table::create()
                .table("cases")
                .col(uuid("id").primary_key())
                .col(string_len("tracking_no", 32).unique_key())
                .col(string_len("kind", 24))
                .col(string_len("channel", 16))
                .col(string_len("status", 16))
                // The person it is for: an account, or (a caller without
                // one) an encrypted JSON {name, phone}.
                .col(uuid_null("person_id"))
                .col(text_null("contact_enc"))
                // The operator who typed it in.
                .col(uuid_null("entered_by"))
                .col(uuid_null("submission_id"))
                .col(uuid_null("work_item_id"))
                .col(uuid_null("rating_id"))
                .col(string_len_null("department", 64))
                .col(text("description_enc"))
                // The deadline of the current stage, and of the answer.
                .col(string_len_null("due_date", 10))
                .col(string_len_null("answer_due", 10))
                .col(timestamp_with_time_zone_null("escalated_at"))
                .col(small_integer("reopen_count").default(0))
                .col(string_len_null("satisfaction", 24))
                .col(integer("version"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .col(timestamp_with_time_zone_null("closed_at"))
                .to_owned(),
        )
        .await?;
        indexes(
            m,
            "cases",
            &[
                ("cases_department", &["department", "status", "created_at"]),
                ("cases_status", &["status", "due_date"]),
                ("cases_person", &["person_id", "created_at"]),
                ("cases_entered_by", &["entered_by", "created_at"]),
                ("cases_submission", &["submission_id"]),
            ],
        )
        .await?;
        m.create_table(
            Table::create()
                .table("case_events")
                .col(uuid("id").primary_key())
                .col(uuid("case_id"))
                .col(timestamp_with_time_zone("at"))
                .col(uuid_null("actor_id"))
                // The actor's role word (or `system`) and department.
                .col(string_len("actor_role", 16))
                .col(string_len_null("actor_department", 64))
                // register | an action word | overdue
                .col(string_len("action", 16))
                .col(string_len_null("to_status", 16))
                // The department it went to (assign, escalate).
                .col(string_len_null("department", 64))
                .col(text_null("comment"))
                .col(string_len_null("satisfaction", 24))
                .to_owned(),
        )
        .await?;
        indexes(m, "case_events", &[("case_events_case", &["case_id", "at"])]).await?;
        Ok(())
    }
}
