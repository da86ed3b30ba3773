//! Each instance's memory of the stored 效能评估 aggregate (see
//! [`FactCache`]): kept in `AppState`, filled and read by `store`.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use app::domain::Date;
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, FromQueryResult, QueryFilter, QuerySelect};

use super::facts::{Facts, Key, facts_of};
use super::load::{history_between, start_of};
use crate::db::entities::stats_fact;

/// A day is final (stored for good) this long after it ended, so that
/// transactions stamped just before midnight have committed.
pub(super) const SETTLE: chrono::Duration = chrono::Duration::minutes(10);

/// Rows per `INSERT` (and names per `IN (…)`).
pub(super) const ROWS: usize = 400;

/// Days this far back (and today) that are not stored yet are kept in the
/// per-day cache of [`FactCache::live_day`].
pub(super) const LIVE_DAYS: i64 = 2;

/// A per-day cache entry is read again in full after this long, so that
/// anything committed later than [`SETTLE`] allows shows up.
const LIVE_REBUILD: std::time::Duration = std::time::Duration::from_secs(10 * 60);

/// Stored facts kept in memory at most (about 32 bytes each).
const MAX_CACHED_FACTS: usize = 4_000_000;

/// A fact with its names interned (indexes into [`CacheInner::names`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(super) struct Fact {
    pub(super) bundle: u32,
    pub(super) item: u32,
    pub(super) department: u32,
    pub(super) measure: u32,
    pub(super) value: i32,
}

/// A stored period in memory: when it was stored (a period stored again
/// after `store::forget_all`, by any instance, has a new time) and its facts.
struct CachedPeriod {
    computed_at: DateTime<Utc>,
    facts: Arc<[(Fact, i64)]>,
    used: u64,
}

/// The settled part of a day not stored yet: its facts up to `until`.
struct LiveDay {
    until: DateTime<Utc>,
    built: std::time::Instant,
    facts: Arc<Facts>,
}

#[derive(Default)]
pub(super) struct CacheInner {
    pub(super) names: Arc<Vec<String>>,
    ids: HashMap<String, u32>,
    periods: HashMap<String, CachedPeriod>,
    facts: usize,
    clock: u64,
    live: HashMap<Date, LiveDay>,
}

impl CacheInner {
    fn id(&mut self, name: &str) -> u32 {
        if let Some(id) = self.ids.get(name) {
            return *id;
        }
        let id = u32::try_from(self.names.len()).unwrap_or(u32::MAX);
        Arc::make_mut(&mut self.names).push(name.to_owned());
        self.ids.insert(name.to_owned(), id);
        id
    }

    pub(super) fn intern(&mut self, k: &Key) -> Fact {
        Fact {
            bundle: self.id(&k.place.bundle),
            item: self.id(&k.place.item),
            department: self.id(&k.place.department),
            measure: self.id(&k.measure),
            value: k.value,
        }
    }

    /// Drops the least recently used periods until at most `max` facts
    /// are kept.
    fn shrink(&mut self, max: usize) {
        while self.facts > max {
            let Some(oldest) = self
                .periods
                .iter()
                .min_by_key(|(_, p)| p.used)
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            if let Some(p) = self.periods.remove(&oldest) {
                self.facts -= p.facts.len();
            }
        }
    }
}

/// Each instance's memory of the stored aggregate: a stored period never
/// changes (until `store::forget_all`), so its facts are read from the database
/// once, with their names interned, and summed in memory afterwards; and
/// the settled part of the days not stored yet. Bounded by
/// [`MAX_CACHED_FACTS`] (least recently used periods go first).
#[derive(Default)]
pub struct FactCache {
    inner: std::sync::Mutex<CacheInner>,
}

impl std::fmt::Debug for FactCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let inner = self.lock();
        f.debug_struct("FactCache")
            .field("periods", &inner.periods.len())
            .field("facts", &inner.facts)
            .field("live_days", &inner.live.len())
            .finish()
    }
}

impl FactCache {
    pub(super) fn lock(&self) -> std::sync::MutexGuard<'_, CacheInner> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Forgets everything (the stored facts were forgotten).
    pub fn clear(&self) {
        *self.lock() = CacheInner::default();
    }

    /// The facts of each stored period in `periods` (its first day and its
    /// name), read from the database where this instance has not got them
    /// (or has them from an earlier storing of the period).
    pub(super) async fn periods(
        &self,
        db: &DatabaseConnection,
        periods: &[(Date, String)],
        stored: &BTreeMap<String, DateTime<Utc>>,
    ) -> Result<Vec<(Date, Arc<[(Fact, i64)]>)>, sea_orm::DbErr> {
        let mut out = Vec::with_capacity(periods.len());
        let mut wanted: Vec<&str> = Vec::new();
        {
            let mut inner = self.lock();
            inner.clock += 1;
            let clock = inner.clock;
            for (start, period) in periods {
                match inner.periods.get_mut(period) {
                    Some(p) if stored.get(period) == Some(&p.computed_at) => {
                        p.used = clock;
                        out.push((*start, p.facts.clone()));
                    }
                    _ => wanted.push(period),
                }
            }
        }
        if wanted.is_empty() {
            return Ok(out);
        }
        let mut rows: Vec<Row> = Vec::new();
        for chunk in wanted.chunks(ROWS) {
            rows.extend(
                stats_fact::Entity::find()
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
                    .filter(stats_fact::Column::Period.is_in(chunk.iter().copied()))
                    .into_model::<Row>()
                    .all(db)
                    .await?,
            );
        }
        let mut inner = self.lock();
        let mut loaded: HashMap<String, Vec<(Fact, i64)>> =
            wanted.iter().map(|p| ((*p).to_owned(), Vec::new())).collect();
        for r in rows {
            let fact = Fact {
                bundle: inner.id(&r.bundle),
                item: inner.id(&r.item),
                department: inner.id(&r.department),
                measure: inner.id(&r.measure),
                value: r.value,
            };
            if let Some(v) = loaded.get_mut(&r.period) {
                v.push((fact, r.n));
            }
        }
        let clock = inner.clock;
        for (start, period) in periods {
            let (Some(facts), Some(computed_at)) = (loaded.remove(period), stored.get(period)) else {
                continue;
            };
            let facts: Arc<[(Fact, i64)]> = facts.into();
            inner.facts += facts.len();
            let old = inner.periods.insert(
                period.clone(),
                CachedPeriod {
                    computed_at: *computed_at,
                    facts: facts.clone(),
                    used: clock,
                },
            );
            if let Some(old) = old {
                inner.facts -= old.facts.len();
            }
            out.push((*start, facts));
        }
        inner.shrink(MAX_CACHED_FACTS);
        Ok(out)
    }

    /// A day not stored yet as its settled facts (up to a whole minute at
    /// least [`SETTLE`] before `now`, cached and extended as time goes by)
    /// and the facts of the rest of the day, read now.
    pub(super) async fn live_day(
        &self,
        db: &DatabaseConnection,
        cal: &app::domain::calendar::WorkCalendar,
        day: Date,
        now: DateTime<Utc>,
    ) -> anyhow::Result<(Arc<Facts>, Facts)> {
        let (start, end) = (start_of(day), start_of(day.add_days(1)));
        let settled = now - SETTLE;
        let minute = settled - chrono::Duration::seconds(settled.timestamp().rem_euclid(60));
        let until = Ord::min(Ord::max(minute, start), end);
        let cached = {
            let inner = self.lock();
            inner
                .live
                .get(&day)
                .filter(|l| l.built.elapsed() < LIVE_REBUILD && l.until <= until)
                .map(|l| (l.until, l.built, l.facts.clone()))
        };
        let facts = match cached {
            Some((from, _, facts)) if from == until => facts,
            cached => {
                let (from, built, mut facts) = match cached {
                    Some((from, built, facts)) => (from, built, Arc::unwrap_or_clone(facts)),
                    None => (start, std::time::Instant::now(), Facts::new()),
                };
                for (k, n) in facts_of(&history_between(db, from, until).await?, cal) {
                    *facts.entry(k).or_default() += n;
                }
                let facts = Arc::new(facts);
                self.lock().live.insert(
                    day,
                    LiveDay {
                        until,
                        built,
                        facts: facts.clone(),
                    },
                );
                facts
            }
        };
        let fresh = facts_of(&history_between(db, until, end).await?, cal);
        Ok((facts, fresh))
    }

    /// Drops the days that are stored now or no longer recent.
    pub(super) fn purge_live(&self, stored: &BTreeMap<String, DateTime<Utc>>, recent: Date) {
        let mut inner = self.lock();
        inner
            .live
            .retain(|d, _| *d >= recent && !stored.contains_key(&d.to_string()));
    }
}

/// A stored fact as read from `stats_facts` (the benchmark times this read).
#[derive(Debug, FromQueryResult)]
pub struct Row {
    pub period: String,
    pub bundle: String,
    pub item: String,
    pub department: String,
    pub measure: String,
    pub value: i32,
    pub n: i64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::stats::facts::Place;

    fn key(bundle: &str, measure: &str, value: i32) -> Key {
        Key {
            place: Place::new(bundle, "", ""),
            measure: measure.to_owned(),
            value,
        }
    }

    #[test]
    fn names_are_interned_once() {
        let mut c = CacheInner::default();
        let a = c.intern(&key("newborn", "submission", 0));
        let b = c.intern(&key("newborn", "rating", 5));
        assert_eq!((a.bundle, a.item, a.department), (b.bundle, b.item, b.department));
        assert_eq!(a.item, a.department, "both empty");
        assert_ne!(a.measure, b.measure);
        assert_eq!(c.names.as_slice(), ["newborn", "", "submission", "rating"]);
    }

    #[test]
    fn the_least_recently_used_periods_go_first() {
        let mut c = CacheInner::default();
        let fact = c.intern(&key("newborn", "submission", 0));
        for (period, used) in [("2026-01", 3), ("2026-02", 1), ("2026-03", 2)] {
            c.periods.insert(
                period.to_owned(),
                CachedPeriod {
                    computed_at: Utc::now(),
                    facts: vec![(fact, 1); 10].into(),
                    used,
                },
            );
            c.facts += 10;
        }
        c.shrink(20);
        let mut left: Vec<&String> = c.periods.keys().collect();
        left.sort();
        assert_eq!(left, ["2026-01", "2026-03"]);
        c.shrink(5);
        assert!(c.periods.is_empty());
        assert_eq!(c.facts, 0);
    }
}
