//! The primitives every state change of a work item uses: the lock on its
//! submission, the optimistic-concurrency update, and the history event.

use app::workflow::{Action, WorkStatus};
use chrono::Utc;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, Statement,
};
use uuid::Uuid;

use crate::db::WriteTxn;
use crate::db::entities::{work_item, work_item_event};
use crate::services::ServiceError;

/// `accept` → `accepted`, … (event names are past tense).
pub(super) fn past(a: Action) -> &'static str {
    match a {
        Action::Accept => "accepted",
        Action::Return => "returned",
        Action::Complete => "completed",
        Action::Reject => "rejected",
        Action::Release => "released",
        Action::Supplement => "supplemented",
    }
}

/// Serialises actions on one submission: on PostgreSQL a row lock on the
/// submission; on SQLite the first write of the transaction already takes the
/// database's single write lock.
pub(super) async fn lock_submission(txn: &WriteTxn, id: Uuid) -> Result<(), sea_orm::DbErr> {
    if txn.get_database_backend() == DbBackend::Postgres {
        txn.query_one_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT id FROM submissions WHERE id = $1 FOR UPDATE",
            [id.into()],
        ))
        .await?;
    } else {
        // A no-op write: takes SQLite's write lock before anything is read.
        txn.execute_raw(Statement::from_sql_and_values(
            DbBackend::Sqlite,
            "UPDATE submissions SET id = id WHERE id = ?",
            [id.into()],
        ))
        .await?;
    }
    Ok(())
}

pub(super) fn event(
    w: &work_item::Model,
    who: (Option<Uuid>, String),
    name: &str,
    from: WorkStatus,
    to: WorkStatus,
    comment: Option<String>,
) -> work_item_event::ActiveModel {
    work_item_event::ActiveModel {
        id: Set(Uuid::now_v7()),
        submission_id: Set(w.submission_id),
        work_item_id: Set(Some(w.id)),
        at: Set(Utc::now()),
        actor_id: Set(who.0),
        actor: Set(who.1),
        department: Set(Some(w.department.clone())),
        event: Set(name.to_owned()),
        from_status: Set(Some(from)),
        to_status: Set(Some(to)),
        comment: Set(comment),
    }
}

/// Moves `w` from `from` to `to` if nobody else did meanwhile (its version
/// is unchanged); `false` when another action won.
pub(super) async fn transition(
    txn: &WriteTxn,
    w: &work_item::Model,
    to: WorkStatus,
    extra: Vec<(work_item::Column, sea_orm::sea_query::SimpleExpr)>,
) -> Result<bool, sea_orm::DbErr> {
    let mut q = work_item::Entity::update_many()
        .col_expr(work_item::Column::Status, Expr::value(to))
        .col_expr(
            work_item::Column::Version,
            Expr::col(work_item::Column::Version).add(1),
        )
        .col_expr(work_item::Column::UpdatedAt, Expr::value(Utc::now()));
    for (c, e) in extra {
        q = q.col_expr(c, e);
    }
    let res = q
        .filter(work_item::Column::Id.eq(w.id))
        .filter(work_item::Column::Version.eq(w.version))
        .filter(work_item::Column::Status.eq(w.status))
        .exec(txn)
        .await?;
    Ok(res.rows_affected == 1)
}

pub(super) fn conflict() -> ServiceError {
    ServiceError::Conflict {
        code: "version_conflict",
        message: "这件事项刚被他人处理过，请刷新后再操作".into(),
    }
}
