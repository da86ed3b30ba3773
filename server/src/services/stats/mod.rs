//! 效能评估: figures of service efficiency, measured from the work itself.
//!
//! `load` reads a stretch of history, `facts` turns it into facts of the
//! day they happened, `store` keeps every finished day's facts (the worker
//! in [`spawn`]) and reads a period back through each instance's `cache`,
//! `figures` makes the figures.
//! Who may read what: the county office (admin, evaluator) everything; a
//! ★ lead department its bundles; any other clerk their department.

pub mod cache;
pub mod facts;
pub mod figures;
pub mod high_frequency;
pub mod load;
pub mod report;
pub mod results;
pub mod savings;
pub mod store;

use std::sync::Arc;
use std::time::Duration;

use app::api::{BundleStats, OverdueItem, OverdueList, Role, StatsOverview, StatsQuery};
use app::catalog::Catalog;
use app::domain::Date;
use chrono::Utc;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};

use self::facts::measure;
pub use self::results::{Computed, Scope};
use self::store::{Filter, Grain};
use crate::AppState;
use crate::db::entities::work_item;
use crate::identity::Actor;
use crate::services::{ServiceError, ServiceResult};
use app::api::FieldError;

/// The longest period one request may ask for.
pub const MAX_DAYS: i64 = 3 * 366;

impl Scope {
    fn filter(&self) -> Filter<'_> {
        Filter {
            bundle: self.bundle.as_deref(),
            department: self.department.as_deref(),
        }
    }
}

fn county_office(actor: &Actor) -> bool {
    !actor.system && matches!(actor.role, Role::Admin | Role::Evaluator)
}

fn forbidden() -> ServiceError {
    ServiceError::Forbidden {
        code: "forbidden",
        message: "只有县政务服务中心、牵头部门和本部门工作人员可以查看效能评估".into(),
    }
}

/// Checks the query and narrows it to what `actor` may see: a clerk
/// without a bundle their department leads sees only their department.
pub fn scope(catalog: &Catalog, actor: &Actor, q: &StatsQuery, today: Date) -> ServiceResult<Scope> {
    let mut errors = Vec::new();
    let day =
        |field: &str, v: &Option<String>, errors: &mut Vec<FieldError>| match v.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(s) => Date::parse(s).or_else(|| {
                errors.push(ServiceError::field_error(
                    field,
                    "invalid_date",
                    "日期格式应为 YYYY-MM-DD",
                ));
                None
            }),
        };
    let to = day("to", &q.to, &mut errors).unwrap_or(today);
    let from = day("from", &q.from, &mut errors).unwrap_or(to.add_days(-29));
    if errors.is_empty() {
        let days = to.days_since_epoch() - from.days_since_epoch() + 1;
        if days < 1 {
            errors.push(ServiceError::field_error(
                "from",
                "after_to",
                "开始日期不能晚于结束日期",
            ));
        } else if days > MAX_DAYS {
            errors.push(ServiceError::field_error(
                "from",
                "range_too_long",
                "一次最多查询三年",
            ));
        }
    }
    let given = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(ToOwned::to_owned)
    };
    let bundle = given(&q.bundle);
    let department = given(&q.department);
    if let Some(b) = &bundle
        && catalog.bundle(b).is_none()
    {
        errors.push(ServiceError::field_error(
            "bundle",
            "unknown_bundle",
            "没有这个“一件事”",
        ));
    }
    if let Some(d) = &department
        && catalog.department(d).is_none()
    {
        errors.push(ServiceError::field_error(
            "department",
            "unknown_department",
            "没有这个部门",
        ));
    }
    if !errors.is_empty() {
        return Err(ServiceError::Validation(errors));
    }
    let mut s = Scope {
        from,
        to,
        bundle,
        department,
    };
    if county_office(actor) {
        return Ok(s);
    }
    let Some(own) = actor.clerk_department().filter(|_| !actor.system) else {
        return Err(forbidden());
    };
    let leads = s.bundle.as_deref().is_some_and(|b| {
        catalog
            .bundle(b)
            .is_some_and(|b| b.lead_department.as_str() == own)
    });
    if leads {
        return Ok(s);
    }
    match s.department.as_deref() {
        None => s.department = Some(own.to_owned()),
        Some(d) if d == own => {}
        Some(_) => return Err(forbidden()),
    }
    Ok(s)
}

/// The trend measures (read per period).
const TREND: [&str; 4] = [
    measure::SUBMISSION,
    measure::DEPARTMENT_SUBMISSION,
    measure::COMPLETED,
    measure::REJECTED,
];

/// The figures of a scope: remembered while they stand (see
/// [`results::ResultCache`]), computed otherwise.
async fn computed(state: &AppState, s: &Scope) -> ServiceResult<Arc<Computed>> {
    // Read before computing: a write committed meanwhile changes the count
    // and the result is not used again.
    let commits = state.writes.commits();
    let today = Date::today_china();
    if let Some(c) = state.stats_results.get(s, commits, today) {
        return Ok(c);
    }
    let c = Arc::new(compute(state, s, today).await?);
    state.stats_results.put(s.clone(), commits, today, c.clone());
    Ok(c)
}

async fn compute(state: &AppState, s: &Scope, today: Date) -> ServiceResult<Computed> {
    let filter = s.filter();
    let rows = store::read(state, s.from, s.to, filter, Grain::Months, None)
        .await
        .map_err(ServiceError::Unexpected)?;
    let step = figures::step_of(s.to.days_since_epoch() - s.from.days_since_epoch() + 1);
    let trend = if step == "month" {
        rows.iter()
            .filter(|(_, k, _)| TREND.contains(&k.measure.as_str()))
            .cloned()
            .collect()
    } else {
        store::read(state, s.from, s.to, filter, Grain::Days, Some(&TREND))
            .await
            .map_err(ServiceError::Unexpected)?
    };
    let totals = store::totals(&rows);
    let overdue = store::overdue_now(&state.db, today, filter).await?;
    let parts = figures::Parts {
        catalog: &state.catalog,
        from: s.from,
        to: s.to,
        bundle: s.bundle.as_deref(),
        department: s.department.as_deref(),
        totals: &totals,
        trend: &trend,
        overdue: &overdue,
    };
    let items = match s.bundle.as_deref().and_then(|b| state.catalog.bundle(b)) {
        Some(b) => figures::items(&parts, b),
        None => Vec::new(),
    };
    Ok(Computed {
        overview: figures::overview(&parts),
        items,
    })
}

/// `GET /api/v1/stats/overview`.
pub async fn overview(state: &AppState, actor: &Actor, q: &StatsQuery) -> ServiceResult<StatsOverview> {
    let s = scope(&state.catalog, actor, q, Date::today_china())?;
    Ok(computed(state, &s).await?.overview.clone())
}

/// `GET /api/v1/stats/bundles/{code}`: the county office and the bundle's
/// ★ lead department; a clerk of another department gets 404.
pub async fn bundle(
    state: &AppState,
    actor: &Actor,
    code: &str,
    q: &StatsQuery,
) -> ServiceResult<BundleStats> {
    let b = state.catalog.bundle(code).ok_or(ServiceError::NotFound)?;
    let lead = actor
        .clerk_department()
        .is_some_and(|d| !actor.system && d == b.lead_department.as_str());
    if !county_office(actor) && !lead {
        return Err(ServiceError::NotFound);
    }
    let q = StatsQuery {
        bundle: Some(code.to_owned()),
        ..q.clone()
    };
    let s = scope(&state.catalog, actor, &q, Date::today_china())?;
    let c = computed(state, &s).await?;
    Ok(BundleStats {
        code: b.code.to_string(),
        name: b.name.clone(),
        lead_department: b.lead_department.to_string(),
        overview: c.overview.clone(),
        items: c.items.clone(),
        before: figures::before(b),
    })
}

/// `GET /api/v1/stats/overdue`: the running work items behind an
/// `overdue_now`, most late first, with no applicant in them.
pub async fn overdue(state: &AppState, actor: &Actor, q: &StatsQuery) -> ServiceResult<OverdueList> {
    let today = Date::today_china();
    let s = scope(&state.catalog, actor, q, today)?;
    let mut query = work_item::Entity::find()
        .filter(work_item::Column::Status.is_in(app::workflow::RUNNING_STATUSES))
        .filter(work_item::Column::DueDate.lt(today));
    if let Some(b) = &s.bundle {
        query = query.filter(work_item::Column::Bundle.eq(b.as_str()));
    }
    if let Some(d) = &s.department {
        query = query.filter(work_item::Column::Department.eq(d.as_str()));
    }
    let total = query.clone().count(&state.db).await?;
    let rows = query
        .order_by_asc(work_item::Column::DueDate)
        .order_by_asc(work_item::Column::Id)
        .limit(200)
        .all(&state.db)
        .await?;
    let cal = state.catalog.calendar.snapshot();
    Ok(OverdueList {
        total,
        items: rows
            .into_iter()
            .map(|w| {
                let b = state.catalog.bundle(&w.bundle);
                let due = w.due_date.unwrap_or(today);
                OverdueItem {
                    id: w.id.to_string(),
                    tracking_no: w.tracking_no,
                    item_name: b
                        .and_then(|b| b.item(&w.item))
                        .map_or_else(|| w.item.clone(), |i| i.name.clone()),
                    department_name: state
                        .catalog
                        .department(&w.department)
                        .map_or_else(|| w.department.clone(), |d| d.name.clone()),
                    bundle: w.bundle,
                    item: w.item,
                    department: w.department,
                    status: w.status.to_string(),
                    due_date: due.to_string(),
                    working_days_late: cal.working_days_between(due, today),
                }
            })
            .collect(),
    })
}

/// How often the worker stores finished days.
pub const EVERY: Duration = Duration::from_secs(5 * 60);

/// Stores finished days now and then every [`EVERY`], logging failures.
pub fn spawn(state: AppState) -> tokio::task::JoinHandle<()> {
    super::periodically(EVERY, "stats", move || {
        let state = state.clone();
        async move {
            let n = store::catch_up(&state, Utc::now()).await?;
            if n > 0 {
                tracing::info!(periods = n, "stats: stored finished days");
            }
            Ok(())
        }
    })
}
