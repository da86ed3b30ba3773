//! Data retention (PIPL's data minimisation): what housekeeping deletes
//! once it has served its purpose. README's retention table lists every
//! kind of record, how long it is kept and why; this is the deleting half.
//!
//! Each rule is one conditional statement, so a row that became live again
//! meanwhile (a session seen a moment ago, a draft saved) is never taken.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter};

use crate::AppState;
use crate::db::entities::types::OutboxStatus;
use crate::db::entities::{draft, login_throttle, outbox, session};
use crate::services::{auth, throttle};

/// How long a delivered outbox event keeps its payload (the personal data
/// sent to the department), for an admin to look into a complaint about
/// the delivery. The delivery record itself stays.
pub const DELIVERED_PAYLOAD_KEPT: Duration = Duration::days(7);

/// What one pass removed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Purged {
    pub sessions: u64,
    pub throttles: u64,
    pub drafts: u64,
    pub outbox_payloads: u64,
    /// Records of reminders sent, past the time they could be due again.
    pub reminders: u64,
}

/// Deletes what is past its retention as of `now`.
pub async fn purge(state: &AppState, now: DateTime<Utc>) -> anyhow::Result<Purged> {
    let db = &state.db;
    let draft_days = i64::from(state.settings.draft_retention_days);

    // Sessions past either timeout can never be used again.
    let txn = state.writes.begin_bookkeeping(db).await?;
    let sessions = session::Entity::delete_many()
        .filter(
            Condition::any()
                .add(session::Column::ExpiresAt.lte(now))
                .add(session::Column::LastSeenAt.lte(now - auth::IDLE_TIMEOUT)),
        )
        .exec(&txn)
        .await?
        .rows_affected;
    // Throttle rows whose window and lock are both over count for nothing:
    // the next failure starts a new window either way.
    let throttles = login_throttle::Entity::delete_many()
        .filter(login_throttle::Column::WindowStartedAt.lte(now - throttle::LONGEST_WINDOW))
        .filter(
            Condition::any()
                .add(login_throttle::Column::LockedUntil.is_null())
                .add(login_throttle::Column::LockedUntil.lte(now)),
        )
        .exec(&txn)
        .await?
        .rows_affected;
    txn.commit().await?;

    let txn = state.writes.begin_bookkeeping(db).await?;
    let drafts = draft::Entity::delete_many()
        .filter(draft::Column::UpdatedAt.lte(now - Duration::days(draft_days)))
        .exec(&txn)
        .await?
        .rows_affected;
    // An emptied payload is never read again: only delivered events have
    // one, and they are never sent again.
    let outbox_payloads = outbox::Entity::update_many()
        .col_expr(outbox::Column::PayloadEnc, Expr::value(""))
        .filter(outbox::Column::Status.eq(OutboxStatus::Delivered))
        .filter(outbox::Column::DeliveredAt.lte(now - DELIVERED_PAYLOAD_KEPT))
        .filter(outbox::Column::PayloadEnc.ne(""))
        .exec(&txn)
        .await?
        .rows_affected;
    let reminders = super::reminders::purge(&txn, app::domain::Date::china_day_of(now.timestamp())).await?;
    txn.commit().await?;

    let purged = Purged {
        sessions,
        throttles,
        drafts,
        outbox_payloads,
        reminders,
    };
    if purged != Purged::default() {
        tracing::info!(
            sessions,
            throttles,
            drafts,
            outbox_payloads,
            reminders,
            "removed records past their retention"
        );
    }
    Ok(purged)
}
