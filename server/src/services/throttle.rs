//! Login throttling, kept in the database so that every server instance
//! sees the same counts (ASVS V2.2.1).
//!
//! Per account: after 5 failures within 15 minutes the account is locked
//! for 1 minute, doubling with each further failure up to 15 minutes — long
//! enough to stop guessing, short enough that an attacker cannot keep a
//! real person out for long. Per IP address: 30 failures within 15 minutes
//! lock that address for 15 minutes. A successful login clears the account's
//! count, not the address's.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait, EntityTrait};

use crate::db::entities::login_throttle::{self, Entity as Throttle};

/// How a kind of key is throttled.
#[derive(Clone, Copy, Debug)]
pub struct Policy {
    pub window: Duration,
    pub threshold: i32,
    pub base_lock: Duration,
    pub max_lock: Duration,
}

pub const ACCOUNT: Policy = Policy {
    window: Duration::minutes(15),
    threshold: 5,
    base_lock: Duration::minutes(1),
    max_lock: Duration::minutes(15),
};

pub const IP: Policy = Policy {
    window: Duration::minutes(15),
    threshold: 30,
    base_lock: Duration::minutes(15),
    max_lock: Duration::minutes(15),
};

/// The longest window of any policy: a row whose window started longer ago
/// than this, and is not locked, counts for nothing (housekeeping deletes it).
pub const LONGEST_WINDOW: Duration = Duration::minutes(15);

/// Seconds until `key` may try again, if it is locked now.
pub async fn locked_for<C: ConnectionTrait>(
    db: &C,
    key: &str,
    now: DateTime<Utc>,
) -> Result<Option<i64>, sea_orm::DbErr> {
    Ok(Throttle::find_by_id(key.to_owned())
        .one(db)
        .await?
        .and_then(|t| t.locked_until)
        .filter(|until| *until > now)
        .map(|until| (until - now).num_seconds().max(1)))
}

/// Counts a failure for `key`.
pub async fn record_failure<C: ConnectionTrait>(
    db: &C,
    key: &str,
    policy: Policy,
    now: DateTime<Utc>,
) -> Result<(), sea_orm::DbErr> {
    let existing = Throttle::find_by_id(key.to_owned()).one(db).await?;
    let (failures, window_started_at) = match &existing {
        Some(t) if now - t.window_started_at < policy.window => (t.failures + 1, t.window_started_at),
        _ => (1, now),
    };
    let locked_until = (failures >= policy.threshold).then(|| {
        let doublings = u32::try_from(failures - policy.threshold)
            .unwrap_or(u32::MAX)
            .min(16);
        let lock = policy.base_lock * 2i32.saturating_pow(doublings);
        now + lock.min(policy.max_lock)
    });
    let row = login_throttle::ActiveModel {
        key: Set(key.to_owned()),
        failures: Set(failures),
        window_started_at: Set(window_started_at),
        locked_until: Set(locked_until),
    };
    if existing.is_some() {
        row.update(db).await?;
    } else {
        // Another instance may have inserted meanwhile; then count on it.
        if Throttle::insert(row).exec(db).await.is_err() {
            return Box::pin(record_failure(db, key, policy, now)).await;
        }
    }
    Ok(())
}

/// Clears the count of `key` (after a successful login).
pub async fn clear<C: ConnectionTrait>(db: &C, key: &str) -> Result<(), sea_orm::DbErr> {
    Throttle::delete_by_id(key.to_owned()).exec(db).await.map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_window_is_longer_than_the_longest() {
        for p in [ACCOUNT, IP] {
            assert!(p.window <= LONGEST_WINDOW, "{p:?}");
        }
    }
}
