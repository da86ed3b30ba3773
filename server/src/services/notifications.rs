//! Notifications. Every message is a row (the in-app inbox); the channels
//! beyond it (`crate::channels`: SMS to applicants, email to staff) deliver
//! the same messages after their row is committed.

use app::api::{NotificationDto, Notifications};
use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter};
use uuid::Uuid;

use super::ServiceResult;
use crate::AppState;
use crate::db::entities::notification;
use crate::identity::Actor;

pub use crate::channels::{Channel, Channels, Logged, Message, Sender};

/// Sends a committed message through `channel`, counting the outcome in
/// `/metrics`; a failure is logged, never retried (the inbox has it).
pub async fn send(state: &AppState, channel: &Channel, message: &Message) {
    let outcome = match channel.send(message).await {
        Ok(()) => "sent",
        Err(e) => {
            tracing::warn!(error = %e, channel = channel.channel(), kind = message.kind, "message not sent");
            "failed"
        }
    };
    state
        .metrics
        .count_notification(channel.channel(), message.kind, outcome);
}

/// Writes a message (inside the caller's transaction, so it exists exactly
/// when the event it reports does).
pub async fn write<C: ConnectionTrait>(db: &C, m: Message) -> Result<(), sea_orm::DbErr> {
    notification::Entity::insert(notification::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(m.user_id),
        submission_id: Set(m.submission_id),
        work_item_id: Set(m.work_item_id),
        kind: Set(m.kind.to_owned()),
        title: Set(m.title),
        body: Set(m.body),
        created_at: Set(Utc::now()),
        read_at: Set(None),
    })
    .exec(db)
    .await
    .map(|_| ())
}

/// The caller's messages, newest first, with the unread count.
pub async fn list(
    state: &AppState,
    actor: &Actor,
    before: Option<Uuid>,
    limit: u64,
) -> ServiceResult<Notifications> {
    let limit = limit.clamp(1, 100);
    let (rows, next) = super::paging::by_id(
        &state.db,
        notification::Entity::find().filter(notification::Column::UserId.eq(actor.user_id)),
        (notification::Column::Id, |n| n.id),
        super::paging::Order::NewestFirst,
        before,
        limit,
    )
    .await?;
    let unread = notification::Entity::find()
        .filter(notification::Column::UserId.eq(actor.user_id))
        .filter(notification::Column::ReadAt.is_null())
        .count(&state.db)
        .await?;
    Ok(Notifications {
        items: rows
            .into_iter()
            .map(|n| NotificationDto {
                id: n.id.to_string(),
                kind: n.kind,
                title: n.title,
                body: n.body,
                submission_id: n.submission_id.map(|s| s.to_string()),
                work_item_id: n.work_item_id.map(|w| w.to_string()),
                created_at: n.created_at.to_rfc3339(),
                read: n.read_at.is_some(),
            })
            .collect(),
        next,
        unread,
    })
}

/// Marks one message (or, with `None`, all) of the caller as read.
pub async fn mark_read(state: &AppState, actor: &Actor, id: Option<Uuid>) -> ServiceResult<u64> {
    let mut q = notification::Entity::update_many()
        .col_expr(notification::Column::ReadAt, Expr::value(Utc::now()))
        .filter(notification::Column::UserId.eq(actor.user_id))
        .filter(notification::Column::ReadAt.is_null());
    if let Some(id) = id {
        q = q.filter(notification::Column::Id.eq(id));
    }
    Ok(q.exec(&state.db).await?.rows_affected)
}
