//! Each instance's memory of the figures it computed (see [`ResultCache`]):
//! kept in `AppState`, filled and read by `stats::computed`.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use app::api::{PartFigures, StatsOverview};
use app::domain::Date;

/// A figure computed by another instance's write is seen after this long
/// at most (this instance's own writes at once).
pub const MAX_AGE: Duration = Duration::from_secs(10);

/// Scopes remembered at most (the least recently used go first).
const MAX_SCOPES: usize = 256;

/// A checked query: the period and what it is limited to.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Scope {
    pub from: Date,
    pub to: Date,
    pub bundle: Option<String>,
    pub department: Option<String>,
}

/// Everything computed for a scope.
#[derive(Debug)]
pub struct Computed {
    pub overview: StatsOverview,
    /// The items of the scope's bundle (none without one).
    pub items: Vec<PartFigures>,
}

struct Entry<V> {
    /// The instance's count of domain commits when the computing began.
    commits: u64,
    /// The day "overdue now" was counted for.
    today: Date,
    at: Instant,
    used: u64,
    computed: Arc<V>,
}

/// The figures of recently asked scopes. A result stands while nothing
/// was recorded since it was computed: no domain write committed on this
/// instance (`WriteGate::commits` unchanged), the same day (overdue items
/// are counted against today), and not older than [`MAX_AGE`] (for what
/// other instances record). The stored aggregate being filled in does
/// not change a figure, so it does not count as a write.
pub struct ResultCache<V = Computed> {
    inner: std::sync::Mutex<Inner<V>>,
}

struct Inner<V> {
    entries: HashMap<Scope, Entry<V>>,
    clock: u64,
}

impl<V> Default for ResultCache<V> {
    fn default() -> Self {
        Self {
            inner: std::sync::Mutex::new(Inner {
                entries: HashMap::new(),
                clock: 0,
            }),
        }
    }
}

impl<V> std::fmt::Debug for ResultCache<V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResultCache")
            .field("scopes", &self.lock().entries.len())
            .finish()
    }
}

impl<V> ResultCache<V> {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner<V>> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The result for `scope`, if it still stands with `commits` domain
    /// commits on `today`.
    pub fn get(&self, scope: &Scope, commits: u64, today: Date) -> Option<Arc<V>> {
        let mut inner = self.lock();
        inner.clock += 1;
        let clock = inner.clock;
        let e = inner.entries.get_mut(scope)?;
        if e.commits != commits || e.today != today || e.at.elapsed() > MAX_AGE {
            return None;
        }
        e.used = clock;
        Some(e.computed.clone())
    }

    /// Remembers `computed` for `scope`, computed from `commits` domain
    /// commits (read before computing began) on `today`.
    pub fn put(&self, scope: Scope, commits: u64, today: Date, computed: Arc<V>) {
        let mut inner = self.lock();
        inner.clock += 1;
        let used = inner.clock;
        if inner.entries.len() >= MAX_SCOPES && !inner.entries.contains_key(&scope) {
            let oldest = inner
                .entries
                .iter()
                .min_by_key(|(_, e)| e.used)
                .map(|(k, _)| k.clone());
            if let Some(k) = oldest {
                inner.entries.remove(&k);
            }
        }
        inner.entries.insert(
            scope,
            Entry {
                commits,
                today,
                at: Instant::now(),
                used,
                computed,
            },
        );
    }

    /// Forgets every result (the stored aggregate was forgotten).
    pub fn clear(&self) {
        self.lock().entries.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(bundle: Option<&str>) -> Scope {
        let d = |s: &str| Date::parse(s).expect(s);
        Scope {
            from: d("2026-01-01"),
            to: d("2026-12-05"),
            bundle: bundle.map(str::to_owned),
            department: None,
        }
    }

    fn computed() -> Arc<u32> {
        Arc::new(1)
    }

    #[test]
    fn a_result_stands_until_something_is_recorded_or_the_day_changes() {
        let c = ResultCache::<u32>::default();
        let today = Date::parse("2026-12-05").expect("date");
        let s = scope(None);
        assert!(c.get(&s, 7, today).is_none(), "nothing yet");
        let r = computed();
        c.put(s.clone(), 7, today, r.clone());
        let hit = c.get(&s, 7, today).expect("same commits, same day");
        assert!(Arc::ptr_eq(&hit, &r));
        assert!(c.get(&s, 8, today).is_none(), "a commit since");
        assert!(c.get(&s, 7, today.add_days(1)).is_none(), "the next day");
        assert!(
            c.get(&scope(Some("newborn")), 7, today).is_none(),
            "another scope"
        );
        c.clear();
        assert!(c.get(&s, 7, today).is_none(), "cleared");
    }

    #[test]
    fn the_least_recently_used_scope_goes_first() {
        let c = ResultCache::<u32>::default();
        let today = Date::parse("2026-12-05").expect("date");
        let first = scope(Some("b0"));
        for i in 0..MAX_SCOPES {
            c.put(scope(Some(&format!("b{i}"))), 1, today, computed());
        }
        // b0 used again: b1 is now the oldest.
        assert!(c.get(&first, 1, today).is_some());
        c.put(scope(Some("new")), 1, today, computed());
        assert_eq!(c.lock().entries.len(), MAX_SCOPES);
        assert!(c.get(&first, 1, today).is_some(), "recently used stays");
        assert!(c.get(&scope(Some("b1")), 1, today).is_none(), "oldest went");
        assert!(c.get(&scope(Some("new")), 1, today).is_some());
    }
}
