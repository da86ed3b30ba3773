//! A department's queue: overdue first, keyset-paged, with tallies.

use std::collections::BTreeMap;

use app::api::{WorkItemRow, WorkQueue};
use app::domain::Date;
use app::workflow::{ALL_STATUSES, OPEN_STATUSES, RUNNING_STATUSES, WorkStatus};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, FromQueryResult, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use super::{department_of, row};
use crate::AppState;
use crate::db::entities::work_item;
use crate::identity::Actor;
use crate::services::materials::commitments;
use crate::services::{ServiceError, ServiceResult, paging};

/// Filters of the queue.
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct QueueFilter {
    /// One status, `open` (default: everything not ended) or `all`.
    pub status: Option<String>,
    /// Only items past their due date.
    pub overdue: Option<bool>,
    /// A 办件编号 (exact, case-insensitive).
    pub q: Option<String>,
    /// `next` of the previous page.
    pub after: Option<String>,
    pub limit: Option<u64>,
}

/// The department's items, oldest due first (waiting items, which have no
/// due date yet, last); keyset-paged on (due date, id).
pub async fn queue(state: &AppState, actor: &Actor, f: QueueFilter) -> ServiceResult<WorkQueue> {
    let dept = department_of(actor)?.to_owned();
    let today = Date::today_china();
    let limit = f.limit.unwrap_or(30).clamp(1, 100);
    let statuses: Vec<WorkStatus> = match f.status.as_deref().filter(|s| !s.is_empty()) {
        None | Some("open") => OPEN_STATUSES.to_vec(),
        Some("all") => ALL_STATUSES.to_vec(),
        Some(s) => match WorkStatus::parse(s) {
            Some(st) => vec![st],
            None => {
                return Err(ServiceError::field(
                    "status",
                    "unknown_status",
                    format!("没有“{s}”这种状态"),
                ));
            }
        },
    };
    let overdue_only = f.overdue == Some(true);
    let statuses: Vec<WorkStatus> = if overdue_only {
        statuses.into_iter().filter(|s| s.clock_runs()).collect()
    } else {
        statuses
    };
    let due_before = overdue_only.then_some(today);
    let cursor = f.after.as_deref().map(parse_cursor).transpose()?;
    let n = usize::try_from(limit + 1).unwrap_or(101);
    let mut rows = match f.q.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        Some(t) => {
            // A 办件编号 has a handful of items: filter and order them here.
            let mut rows: Vec<work_item::Model> = work_item::Entity::find()
                .filter(work_item::Column::TrackingNo.eq(t.to_uppercase()))
                .filter(work_item::Column::Department.eq(dept.clone()))
                .all(&state.db)
                .await?
                .into_iter()
                .filter(|w| statuses.contains(&w.status))
                .filter(|w| due_before.is_none_or(|d| w.due_date.is_some_and(|x| x < d)))
                .filter(|w| {
                    cursor
                        .as_ref()
                        .is_none_or(|(due, id)| queue_key(w.due_date, w.id) > queue_key(*due, *id))
                })
                .collect();
            rows.sort_by(queue_order);
            rows.truncate(n);
            rows
        }
        None => queue_page(&state.db, &dept, &statuses, due_before, cursor.as_ref(), n).await?,
    };
    let next = paging::cut(&mut rows, limit, |w| {
        format!(
            "{}~{}",
            w.due_date.map(|d| d.to_string()).unwrap_or_default(),
            w.id
        )
    });
    let (counts, overdue) = tallies(state, &dept, today).await?;
    Ok(WorkQueue {
        items: {
            let ids: Vec<Uuid> = rows.iter().map(|w| w.id).collect();
            let late = commitments::overdue_counts(&state.db, &ids, today).await?;
            rows.iter()
                .map(|w| WorkItemRow {
                    commitments_overdue: late.get(&w.id).copied().unwrap_or(0),
                    ..row(&state.catalog, w, today)
                })
                .collect()
        },
        next,
        counts,
        overdue,
    })
}

/// Where an item stands in the queue: due date first (items without one,
/// i.e. waiting for a prerequisite, after every dated item), then id.
fn queue_key(due: Option<Date>, id: Uuid) -> (bool, Option<Date>, Uuid) {
    (due.is_none(), due, id)
}

fn queue_order(a: &work_item::Model, b: &work_item::Model) -> std::cmp::Ordering {
    queue_key(a.due_date, a.id).cmp(&queue_key(b.due_date, b.id))
}

/// The first `n` items of `dept` with one of `statuses`, in queue order,
/// after `cursor`. Each status is one range of the `work_items_queue` index
/// (department, status, due_date, id) read in order and cut at `n`, and the
/// ranges are merged here: a page costs the same with a thousand items in a
/// department's history as with a million.
async fn queue_page(
    db: &DatabaseConnection,
    dept: &str,
    statuses: &[WorkStatus],
    due_before: Option<Date>,
    cursor: Option<&(Option<Date>, Uuid)>,
    n: usize,
) -> Result<Vec<work_item::Model>, sea_orm::DbErr> {
    let limit = u64::try_from(n).unwrap_or(101);
    let base = |status: WorkStatus| {
        work_item::Entity::find()
            .filter(work_item::Column::Department.eq(dept))
            .filter(work_item::Column::Status.eq(status))
    };
    let mut rows = Vec::new();
    // Dated items, unless the cursor is already among the undated ones.
    if !matches!(cursor, Some((None, _))) {
        for &status in statuses {
            let mut q = base(status)
                .filter(work_item::Column::DueDate.is_not_null())
                .order_by_asc(work_item::Column::DueDate)
                .order_by_asc(work_item::Column::Id)
                .limit(limit);
            if let Some(d) = due_before {
                q = q.filter(work_item::Column::DueDate.lt(d));
            }
            if let Some((Some(due), id)) = cursor {
                q = q.filter(
                    Expr::tuple([
                        Expr::col(work_item::Column::DueDate),
                        Expr::col(work_item::Column::Id),
                    ])
                    .gt(Expr::tuple([Expr::val(*due), Expr::val(*id)])),
                );
            }
            rows.extend(q.all(db).await?);
        }
    }
    // Then undated items (never overdue), if the page has room.
    if rows.len() < n && due_before.is_none() {
        for &status in statuses {
            let mut q = base(status)
                .filter(work_item::Column::DueDate.is_null())
                .order_by_asc(work_item::Column::Id)
                .limit(limit);
            if let Some((None, id)) = cursor {
                q = q.filter(work_item::Column::Id.gt(*id));
            }
            rows.extend(q.all(db).await?);
        }
    }
    rows.sort_by(queue_order);
    rows.truncate(n);
    Ok(rows)
}

/// Items per status and the overdue count of a department. The open
/// statuses and the overdue count are read live from one range of the
/// queue index; the ended ones (completed, rejected), which grow with the
/// county's whole history, come from [`EndedCounts`].
async fn tallies(state: &AppState, dept: &str, today: Date) -> ServiceResult<(BTreeMap<String, u64>, u64)> {
    #[derive(Debug, FromQueryResult)]
    struct Tally {
        status: WorkStatus,
        n: i64,
        overdue: Option<i64>,
    }
    let overdue_expr = Expr::case(
        Expr::col(work_item::Column::Status)
            .is_in(RUNNING_STATUSES)
            .and(Expr::col(work_item::Column::DueDate).lt(today)),
        1,
    )
    .finally(0);
    let open: Vec<Tally> = work_item::Entity::find()
        .select_only()
        .column(work_item::Column::Status)
        .column_as(Expr::cust("COUNT(*)"), "n")
        .column_as(overdue_expr.sum(), "overdue")
        .filter(work_item::Column::Department.eq(dept))
        .filter(work_item::Column::Status.is_in(OPEN_STATUSES))
        .group_by(work_item::Column::Status)
        .into_model::<Tally>()
        .all(&state.db)
        .await?;
    let mut counts = state.ended_counts.get(&state.db, dept).await?;
    let mut overdue = 0;
    for t in open {
        overdue += u64::try_from(t.overdue.unwrap_or(0)).unwrap_or(0);
        counts.insert(t.status.to_string(), u64::try_from(t.n).unwrap_or(0));
    }
    Ok((counts, overdue))
}

fn parse_cursor(c: &str) -> ServiceResult<(Option<Date>, Uuid)> {
    let bad = || ServiceError::field("after", "invalid_cursor", "分页参数无效");
    let (due, id) = c.split_once('~').ok_or_else(bad)?;
    let id = Uuid::parse_str(id).map_err(|_| bad())?;
    let due = (!due.is_empty())
        .then(|| Date::parse(due).ok_or_else(bad))
        .transpose()?;
    Ok((due, id))
}
