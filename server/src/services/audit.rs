//! The audit log: logins, failed logins, account changes and every staff view
//! of a submission. Append-only (database triggers refuse UPDATE and DELETE)
//! and hash-chained: each entry's hash covers its content and the previous
//! hash, so any change or removal breaks verification from that entry on.
//!
//! Appends are serialised by first incrementing the single `audit_head` row
//! inside the transaction: that takes the write lock on SQLite and a row lock
//! on PostgreSQL, so two instances can never chain onto the same entry.

use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    TransactionSession, TransactionTrait,
};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::db::entities::{audit_head, audit_log};
use crate::db::migration::GENESIS;
use crate::identity::Who;

/// What to record.
#[derive(Clone, Debug)]
pub struct Event<'a> {
    pub who: Who,
    pub action: &'a str,
    pub object: String,
    pub detail: Value,
    pub ip: Option<String>,
}

fn entry_hash(m: &audit_log::Model) -> String {
    let canonical = serde_json::json!([
        m.seq,
        m.at_us,
        m.actor_id.map(|u| u.to_string()),
        m.actor,
        m.action,
        m.object,
        m.detail,
        m.ip,
        m.prev_hash,
    ]);
    hex::encode(Sha256::digest(canonical.to_string().as_bytes()))
}

/// Appends one entry in its own transaction (a savepoint when `db` is
/// already a transaction).
pub async fn record<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    event: Event<'_>,
) -> Result<i64, sea_orm::DbErr> {
    let txn = db.begin().await?;
    audit_head::Entity::update_many()
        .col_expr(audit_head::Column::Seq, Expr::col(audit_head::Column::Seq).add(1))
        .filter(audit_head::Column::Id.eq(1))
        .exec(&txn)
        .await?;
    let head = audit_head::Entity::find_by_id(1)
        .one(&txn)
        .await?
        .ok_or_else(|| sea_orm::DbErr::RecordNotFound("audit_head".into()))?;
    let mut entry = audit_log::Model {
        seq: head.seq,
        at_us: chrono::Utc::now().timestamp_micros(),
        actor_id: event.who.id,
        actor: truncate(&event.who.label, 96),
        action: truncate(event.action, 48),
        object: truncate(&event.object, 128),
        detail: event.detail.to_string(),
        ip: event.ip,
        prev_hash: head.hash,
        hash: String::new(),
    };
    entry.hash = entry_hash(&entry);
    audit_log::Entity::insert(audit_log::ActiveModel {
        seq: Set(entry.seq),
        at_us: Set(entry.at_us),
        actor_id: Set(entry.actor_id),
        actor: Set(entry.actor.clone()),
        action: Set(entry.action.clone()),
        object: Set(entry.object.clone()),
        detail: Set(entry.detail.clone()),
        ip: Set(entry.ip.clone()),
        prev_hash: Set(entry.prev_hash.clone()),
        hash: Set(entry.hash.clone()),
    })
    .exec(&txn)
    .await?;
    audit_head::Entity::update_many()
        .col_expr(audit_head::Column::Hash, Expr::value(entry.hash.clone()))
        .filter(audit_head::Column::Id.eq(1))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(entry.seq)
}

/// Records, logging instead of failing: for places where the audit must
/// not turn a successful answer into an error after the fact.
pub async fn record_or_log<C: ConnectionTrait + TransactionTrait>(db: &C, event: Event<'_>) {
    let action = event.action.to_owned();
    if let Err(e) = record(db, event).await {
        tracing::error!(error = %e, action, "audit entry could not be written");
    }
}

fn truncate(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

/// Recomputes the chain from the first entry, in pages.
pub async fn verify<C: ConnectionTrait>(db: &C) -> Result<(bool, i64, Option<i64>), sea_orm::DbErr> {
    let mut prev = GENESIS.to_owned();
    let mut expected_seq = 1;
    let mut count = 0;
    loop {
        let page = audit_log::Entity::find()
            .filter(audit_log::Column::Seq.gte(expected_seq))
            .order_by_asc(audit_log::Column::Seq)
            .limit(1000)
            .all(db)
            .await?;
        if page.is_empty() {
            break;
        }
        for e in page {
            // A gap (a deleted entry) or a changed entry both break the chain.
            if e.seq != expected_seq || e.prev_hash != prev || entry_hash(&e) != e.hash {
                return Ok((false, count, Some(expected_seq)));
            }
            prev = e.hash;
            expected_seq += 1;
            count += 1;
        }
    }
    let head = audit_head::Entity::find_by_id(1).one(db).await?;
    let head_ok = head.is_some_and(|h| h.seq == count && h.hash == prev);
    Ok((head_ok, count, (!head_ok).then_some(count + 1)))
}

/// Newest first, before `before` (a sequence number), at most `limit`.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    before: Option<i64>,
    limit: u64,
) -> Result<Vec<audit_log::Model>, sea_orm::DbErr> {
    let mut q = audit_log::Entity::find()
        .order_by_desc(audit_log::Column::Seq)
        .limit(limit);
    if let Some(b) = before {
        q = q.filter(audit_log::Column::Seq.lt(b));
    }
    q.all(db).await
}
