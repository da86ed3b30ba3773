//! The stored aggregate: every finished day's facts (and, once all its
//! days are in, the month's sums), written by a worker that is idempotent
//! and catches up after any pause; and reading a period back, computing
//! whatever is not stored yet (today, at least) from the history.

use std::collections::{BTreeSet, HashMap};

use app::domain::Date;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, FromQueryResult,
    QueryFilter, QuerySelect, TryInsertResult,
};

use super::facts::{Facts, Key, Place, facts_of};
use super::load::history;
use crate::AppState;
use crate::db::entities::{case, stats_fact, stats_period, work_item};

/// A day is final (stored for good) this long after it ended, so that
/// transactions stamped just before midnight have committed.
const SETTLE: chrono::Duration = chrono::Duration::minutes(10);

/// Rows per `INSERT`.
const ROWS: usize = 400;

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

async fn stored_periods(
    db: &DatabaseConnection,
    from: &str,
    to: &str,
) -> Result<BTreeSet<String>, sea_orm::DbErr> {
    stats_period::Entity::find()
        .select_only()
        .column(stats_period::Column::Period)
        .filter(stats_period::Column::Period.gte(from))
        .filter(stats_period::Column::Period.lte(to))
        .into_tuple()
        .all(db)
        .await
        .map(|v: Vec<String>| v.into_iter().collect())
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
        if !stored.contains(&day.to_string()) && store_day(state, day).await? {
            n += 1;
        }
        let month_end = last_of_month(day);
        if day == month_end && !stored.contains(&month_of(day)) && store_month(state, day).await? {
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
    let facts = facts_of(&history(&state.db, day, day).await?, &state.catalog.calendar);
    let period = day.to_string();
    let txn = state.writes.begin(&state.db).await?;
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
    let txn = state.writes.begin(&state.db).await?;
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
    Ok(())
}

/// What to read.
#[derive(Clone, Copy, Debug, Default)]
pub struct Filter<'a> {
    pub bundle: Option<&'a str>,
    pub department: Option<&'a str>,
}

impl Filter<'_> {
    fn keeps(&self, p: &Place) -> bool {
        self.bundle.is_none_or(|b| p.bundle == b) && self.department.is_none_or(|d| p.department == d)
    }
}

/// How finely to read: `Months` uses a whole month's sum where it can.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Grain {
    Days,
    Months,
}

/// Facts of `from..=to` per period: (the period's first day, key, n).
/// Stored periods are read; the days not stored are computed from the
/// history. `measures` limits what is read (all when `None`).
pub async fn read(
    state: &AppState,
    from: Date,
    to: Date,
    filter: Filter<'_>,
    grain: Grain,
    measures: Option<&[&str]>,
) -> anyhow::Result<Vec<(Date, Key, i64)>> {
    let stored = stored_periods(&state.db, &month_of(from), &to.to_string()).await?;
    let mut periods: Vec<String> = Vec::new();
    let mut missing: Vec<Date> = Vec::new();
    let mut day = from;
    while day <= to {
        let (m_first, m_last) = (first_of_month(day), last_of_month(day));
        if grain == Grain::Months && day == m_first && m_last <= to && stored.contains(&month_of(day)) {
            periods.push(month_of(day));
            day = m_last.add_days(1);
            continue;
        }
        if stored.contains(&day.to_string()) {
            periods.push(day.to_string());
        } else {
            missing.push(day);
        }
        day = day.add_days(1);
    }

    let mut out = Vec::new();
    for chunk in periods.chunks(ROWS) {
        let mut q = stats_fact::Entity::find()
            .select_only()
            .columns([
                stats_fact::Column::Period,
                stats_fact::Column::Bundle,
                stats_fact::Column::Item,
                stats_fact::Column::Department,
                stats_fact::Column::Measure,
                stats_fact::Column::Value,
                stats_fact::Column::N,
            ])
            .filter(stats_fact::Column::Period.is_in(chunk.iter().cloned()));
        if let Some(b) = filter.bundle {
            q = q.filter(stats_fact::Column::Bundle.eq(b));
        }
        if let Some(d) = filter.department {
            q = q.filter(stats_fact::Column::Department.eq(d));
        }
        if let Some(m) = measures {
            q = q.filter(stats_fact::Column::Measure.is_in(m.iter().copied()));
        }
        let rows: Vec<Row> = q.into_model().all(&state.db).await?;
        out.extend(rows.into_iter().map(|r| {
            let start = Date::parse(&r.period)
                .or_else(|| Date::parse(&format!("{}-01", r.period)))
                .unwrap_or(from);
            (
                start,
                Key {
                    place: Place {
                        bundle: r.bundle,
                        item: r.item,
                        department: r.department,
                    },
                    measure: r.measure,
                    value: r.value,
                },
                r.n,
            )
        }));
    }

    // Days not stored (today, or days the worker has not reached): from
    // the history, one read per run of consecutive days.
    let mut runs: Vec<(Date, Date)> = Vec::new();
    for d in missing {
        match runs.last_mut() {
            Some((_, end)) if end.add_days(1) == d => *end = d,
            _ => runs.push((d, d)),
        }
    }
    for (a, b) in runs {
        let facts: Facts = facts_of(&history(&state.db, a, b).await?, &state.catalog.calendar);
        out.extend(facts.into_iter().filter_map(|((day, k), n)| {
            let keep = filter.keeps(&k.place) && measures.is_none_or(|m| m.contains(&k.measure.as_str()));
            keep.then_some((day, k, n))
        }));
    }
    Ok(out)
}

#[derive(Debug, FromQueryResult)]
struct Row {
    period: String,
    bundle: String,
    item: String,
    department: String,
    measure: String,
    value: i32,
    n: i64,
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
