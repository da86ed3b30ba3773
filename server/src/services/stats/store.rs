//! The stored aggregate: every finished day's facts (and, once all its
//! days are in, the month's sums), written by a worker that is idempotent
//! and catches up after any pause; and reading a period back, computing
//! whatever is not stored yet (today, at least) from the history.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use app::domain::Date;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QuerySelect, TryInsertResult,
};

use super::cache::{CacheInner, Fact, LIVE_DAYS, ROWS, SETTLE};
use super::facts::{Facts, Key, Place, facts_of};
use super::load::history;
use crate::AppState;
use crate::db::entities::{case, stats_fact, stats_period, work_item};

fn month_of(d: Date) -> String {
    format!("{:04}-{:02}", d.year(), d.month())
}

fn first_of_month(d: Date) -> Date {
    Date::new(d.year(), d.month(), 1).unwrap_or(d)
}

fn last_of_month(d: Date) -> Date {
    let next = first_of_month(d).add_days(32);
    first_of_month(next).add_days(-1)
}

/// The last day whose facts may be stored at `now`.
pub fn last_final_day(now: DateTime<Utc>) -> Date {
    Date::china_day_of((now - SETTLE).timestamp()).add_days(-1)
}

/// The first day anything was recorded, if anything was.
async fn first_day(db: &DatabaseConnection) -> Result<Option<Date>, sea_orm::DbErr> {
    let w: Option<Option<DateTime<Utc>>> = work_item::Entity::find()
        .select_only()
        .expr(Expr::col(work_item::Column::SubmittedAt).min())
        .into_tuple()
        .one(db)
        .await?;
    let c: Option<Option<DateTime<Utc>>> = case::Entity::find()
        .select_only()
        .expr(Expr::col(case::Column::CreatedAt).min())
        .into_tuple()
        .one(db)
        .await?;
    Ok([w.flatten(), c.flatten()]
        .into_iter()
        .flatten()
        .min()
        .map(|t| Date::china_day_of(t.timestamp())))
}

/// The stored periods in `from..=to` (as text) and when each was stored.
async fn stored_periods(
    db: &DatabaseConnection,
    from: &str,
    to: &str,
) -> Result<BTreeMap<String, DateTime<Utc>>, sea_orm::DbErr> {
    stats_period::Entity::find()
        .select_only()
        .columns([stats_period::Column::Period, stats_period::Column::ComputedAt])
        .filter(stats_period::Column::Period.gte(from))
        .filter(stats_period::Column::Period.lte(to))
        .into_tuple()
        .all(db)
        .await
        .map(|v: Vec<(String, DateTime<Utc>)>| v.into_iter().collect())
}

/// Stores every finished day (and month) not stored yet. Returns how many
/// periods it stored. Safe on several instances at once: each period is
/// claimed by inserting its `stats_periods` row in the same transaction.
pub async fn catch_up(state: &AppState, now: DateTime<Utc>) -> anyhow::Result<u64> {
    let Some(first) = first_day(&state.db).await? else {
        return Ok(0);
    };
    let last = last_final_day(now);
    if last < first {
        return Ok(0);
    }
    let stored = stored_periods(&state.db, &month_of(first), &last.to_string()).await?;
    let mut n = 0;
    let mut day = first;
    while day <= last {
        if !stored.contains_key(&day.to_string()) && store_day(state, day).await? {
            n += 1;
        }
        let month_end = last_of_month(day);
        if day == month_end && !stored.contains_key(&month_of(day)) && store_month(state, day).await? {
            n += 1;
        }
        day = day.add_days(1);
    }
    Ok(n)
}

/// Claims `period` in `txn`; false when another instance stored it.
async fn claim<C: ConnectionTrait>(txn: &C, period: &str) -> Result<bool, sea_orm::DbErr> {
    let r = stats_period::Entity::insert(stats_period::ActiveModel {
        period: Set(period.to_owned()),
        computed_at: Set(Utc::now()),
    })
    .on_conflict_do_nothing_on([stats_period::Column::Period])
    .exec(txn)
    .await?;
    Ok(matches!(r, TryInsertResult::Inserted(_)))
}

async fn store_day(state: &AppState, day: Date) -> anyhow::Result<bool> {
    let facts = facts_of(
        &history(&state.db, day, day).await?,
        &state.catalog.calendar.snapshot(),
    );
    let period = day.to_string();
    let txn = state.writes.begin_bookkeeping(&state.db).await?;
    if !claim(&txn, &period).await? {
        return Ok(false);
    }
    let rows: Vec<stats_fact::ActiveModel> = facts
        .into_iter()
        .map(|((_, k), n)| stats_fact::ActiveModel {
            period: Set(period.clone()),
            bundle: Set(k.place.bundle),
            item: Set(k.place.item),
            department: Set(k.place.department),
            measure: Set(k.measure),
            value: Set(k.value),
            n: Set(n),
        })
        .collect();
    for chunk in rows.chunks(ROWS) {
        stats_fact::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(&txn)
            .await?;
    }
    txn.commit().await?;
    Ok(true)
}

/// The month of `day` as the sum of its (stored) days.
async fn store_month(state: &AppState, day: Date) -> anyhow::Result<bool> {
    let period = month_of(day);
    let (first, last) = (first_of_month(day).to_string(), last_of_month(day).to_string());
    let txn = state.writes.begin_bookkeeping(&state.db).await?;
    if !claim(&txn, &period).await? {
        return Ok(false);
    }
    txn.execute_raw(sea_orm::Statement::from_sql_and_values(
        txn.get_database_backend(),
        match txn.get_database_backend() {
            sea_orm::DbBackend::Postgres => {
                "INSERT INTO stats_facts (period, bundle, item, department, measure, value, n) \
                 SELECT $1, bundle, item, department, measure, value, SUM(n) FROM stats_facts \
                 WHERE period >= $2 AND period <= $3 AND LENGTH(period) = 10 \
                 GROUP BY bundle, item, department, measure, value"
            }
            _ => {
                "INSERT INTO stats_facts (period, bundle, item, department, measure, value, n) \
                 SELECT ?, bundle, item, department, measure, value, SUM(n) FROM stats_facts \
                 WHERE period >= ? AND period <= ? AND LENGTH(period) = 10 \
                 GROUP BY bundle, item, department, measure, value"
            }
        },
        [period.into(), first.into(), last.into()],
    ))
    .await?;
    txn.commit().await?;
    Ok(true)
}

/// Forgets every stored fact (after a restore or an import that wrote
/// history in the past); the worker stores them again.
pub async fn forget_all(state: &AppState) -> anyhow::Result<()> {
    let txn = state.writes.begin(&state.db).await?;
    stats_fact::Entity::delete_many().exec(&txn).await?;
    stats_period::Entity::delete_many().exec(&txn).await?;
    txn.commit().await?;
    state.stats_cache.clear();
    state.stats_results.clear();
    Ok(())
}

/// What to read.
#[derive(Clone, Copy, Debug, Default)]
pub struct Filter<'a> {
    pub bundle: Option<&'a str>,
    pub department: Option<&'a str>,
}

/// How finely to read: `Months` uses a whole month's sum where it can.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Grain {
    Days,
    Months,
}

/// Facts of `from..=to`: (the period's first day, key, n). With
/// `Grain::Days` a period is a day; with `Grain::Months` it is the part of
/// a calendar month inside `from..=to`, dated at its first day there (a
/// stored month's sum where there is one, else its days summed). Stored
/// periods come from the in-process [`FactCache`](super::cache::FactCache) (read from the database
/// once); days not stored are computed from the history: today and the
/// two days before from a per-day cache of their settled part plus a fresh
/// read of the last minutes, older ones (the worker is behind) in full.
/// `measures` limits what is read (all when `None`).
pub async fn read(
    state: &AppState,
    from: Date,
    to: Date,
    filter: Filter<'_>,
    grain: Grain,
    measures: Option<&[&str]>,
) -> anyhow::Result<Vec<(Date, Key, i64)>> {
    let now = Utc::now();
    let stored = stored_periods(&state.db, &month_of(from), &to.to_string()).await?;
    let mut periods: Vec<(Date, String)> = Vec::new();
    let mut missing: Vec<Date> = Vec::new();
    let mut day = from;
    while day <= to {
        let (m_first, m_last) = (first_of_month(day), last_of_month(day));
        if grain == Grain::Months && day == m_first && m_last <= to && stored.contains_key(&month_of(day)) {
            periods.push((day, month_of(day)));
            day = m_last.add_days(1);
            continue;
        }
        if stored.contains_key(&day.to_string()) {
            periods.push((day, day.to_string()));
        } else {
            missing.push(day);
        }
        day = day.add_days(1);
    }
    let bucket = |d: Date| match grain {
        Grain::Days => d,
        Grain::Months => Ord::max(first_of_month(d), from),
    };
    let cache = &state.stats_cache;
    let stored_facts = cache.periods(&state.db, &periods, &stored).await?;

    // Days not stored (today, or days the worker has not reached).
    let recent = Date::china_day_of(now.timestamp()).add_days(-LIVE_DAYS);
    let mut computed: Vec<Facts> = Vec::new();
    let mut live: Vec<Arc<Facts>> = Vec::new();
    let mut runs: Vec<(Date, Date)> = Vec::new();
    for d in missing {
        if d >= recent {
            let (settled, fresh) = cache
                .live_day(&state.db, &state.catalog.calendar.snapshot(), d, now)
                .await?;
            live.push(settled);
            computed.push(fresh);
            continue;
        }
        match runs.last_mut() {
            Some((_, end)) if end.add_days(1) == d => *end = d,
            _ => runs.push((d, d)),
        }
    }
    for (a, b) in runs {
        computed.push(facts_of(
            &history(&state.db, a, b).await?,
            &state.catalog.calendar.snapshot(),
        ));
    }
    cache.purge_live(&stored, recent);

    // Everything summed per (period, key) on interned names, then spelled out.
    let mut sums: HashMap<(Date, Fact), i64> = HashMap::new();
    let names = {
        let mut inner = cache.lock();
        let mut add_facts = |f: &Facts, inner: &mut CacheInner| {
            for ((d, k), n) in f {
                let fact = inner.intern(k);
                *sums.entry((bucket(*d), fact)).or_default() += n;
            }
        };
        for f in live.iter().map(AsRef::as_ref).chain(&computed) {
            add_facts(f, &mut inner);
        }
        inner.names.clone()
    };
    let id = |name: Option<&str>| name.map(|n| names.iter().position(|x| x.as_str() == n));
    let (bundle, department) = (id(filter.bundle), id(filter.department));
    let measure_ids: Option<Vec<usize>> = measures.map(|m| {
        m.iter()
            .filter_map(|m| names.iter().position(|x| x == m))
            .collect()
    });
    let keeps = |f: &Fact| {
        bundle.is_none_or(|b| b == Some(f.bundle as usize))
            && department.is_none_or(|d| d == Some(f.department as usize))
            && measure_ids
                .as_ref()
                .is_none_or(|m| m.contains(&(f.measure as usize)))
    };
    sums.retain(|(_, f), _| keeps(f));
    // A period that is its bucket's only source (a whole stored month, or
    // a stored day with `Grain::Days`) is passed on as it is; the others
    // (the days of a month not stored whole, today) are summed.
    let mut sources: HashMap<Date, usize> = HashMap::new();
    for d in sums.keys().map(|(d, _)| *d) {
        sources.insert(d, 2);
    }
    for (start, _) in &stored_facts {
        *sources.entry(bucket(*start)).or_default() += 1;
    }
    let name = |i: u32| names.get(i as usize).cloned().unwrap_or_default();
    let spelled = |d: Date, f: &Fact, n: i64| {
        (
            d,
            Key {
                place: Place {
                    bundle: name(f.bundle),
                    item: name(f.item),
                    department: name(f.department),
                },
                measure: name(f.measure),
                value: f.value,
            },
            n,
        )
    };
    let mut out = Vec::new();
    for (start, facts) in &stored_facts {
        let b = bucket(*start);
        let kept = facts.iter().filter(|(f, _)| keeps(f));
        if sources.get(&b) == Some(&1) {
            out.extend(kept.map(|(f, n)| spelled(b, f, *n)));
        } else {
            for (f, n) in kept {
                *sums.entry((b, *f)).or_default() += n;
            }
        }
    }
    out.extend(sums.into_iter().map(|((d, f), n)| spelled(d, &f, n)));
    Ok(out)
}

/// Sums facts over periods.
pub fn totals(rows: &[(Date, Key, i64)]) -> HashMap<&Key, i64> {
    let mut t: HashMap<&Key, i64> = HashMap::new();
    for (_, k, n) in rows {
        *t.entry(k).or_default() += n;
    }
    t
}

/// The live count of running work items past their due date, per place.
pub async fn overdue_now(
    db: &DatabaseConnection,
    today: Date,
    filter: Filter<'_>,
) -> Result<HashMap<Place, i64>, sea_orm::DbErr> {
    let mut q = work_item::Entity::find()
        .select_only()
        .columns([
            work_item::Column::Bundle,
            work_item::Column::Item,
            work_item::Column::Department,
        ])
        // COUNT(*), not COUNT(id): every column read is in the index
        // `work_items_overdue`, so no work item row is visited.
        .expr(Expr::cust("COUNT(*)"))
        .filter(work_item::Column::Status.is_in(app::workflow::RUNNING_STATUSES))
        .filter(work_item::Column::DueDate.lt(today));
    if let Some(b) = filter.bundle {
        q = q.filter(work_item::Column::Bundle.eq(b));
    }
    if let Some(d) = filter.department {
        q = q.filter(work_item::Column::Department.eq(d));
    }
    let rows: Vec<(String, String, String, i64)> = q
        .group_by(work_item::Column::Bundle)
        .group_by(work_item::Column::Item)
        .group_by(work_item::Column::Department)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(b, i, d, n)| (Place::new(&b, &i, &d), n))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn month_boundaries() {
        let d = |s: &str| Date::parse(s).expect(s);
        assert_eq!(first_of_month(d("2026-02-17")), d("2026-02-01"));
        assert_eq!(last_of_month(d("2026-02-17")), d("2026-02-28"));
        assert_eq!(last_of_month(d("2026-12-31")), d("2026-12-31"));
        assert_eq!(month_of(d("2026-03-09")), "2026-03");
    }
}
