//! 效能评估 (`/api/v1/stats`).

use app::api::{BundleStats, ErrorEnvelope, OverdueList, StatsOverview, StatsQuery};
use axum::Json;
use axum::extract::{Path, Query, State};

use crate::AppState;
use crate::http::error::ApiError;
use crate::identity::Actor;
use crate::services::stats;

/// The figures of a period
///
/// Volume, time (working days, on-time rate, overdue now, time paused for
/// 补正), quality (补正 and rejection rates, 容缺 commitments, 好差评
/// satisfaction, cases by kind), a trend line and a part per department.
/// Finished days are read from stored daily (and monthly) aggregates;
/// today is computed from the day's history. A clerk sees their own
/// department unless `bundle` is one their department leads (asking for
/// another department is 403).
#[utoipa::path(
    get,
    path = "/api/v1/stats/overview",
    operation_id = "stats_overview",
    tag = "stats",
    params(StatsQuery),
    security(("session" = [])),
    responses(
        (status = 200, description = "The figures.", body = StatsOverview),
        (status = 403, description = "`forbidden`: not the county office, a lead department or a clerk of the department asked for.", body = ErrorEnvelope),
        (status = 422, description = "`validation`: `from`/`to` `invalid_date`; `from` `after_to` or `range_too_long` (3 years); `bundle` `unknown_bundle`; `department` `unknown_department`.", body = ErrorEnvelope),
    ),
)]
pub async fn overview(
    State(state): State<AppState>,
    actor: Actor,
    Query(q): Query<StatsQuery>,
) -> Result<Json<StatsOverview>, ApiError> {
    Ok(Json(stats::overview(&state, &actor, &q).await?))
}

/// One bundle's figures, item by item
///
/// The overview limited to the bundle, and the same figures for each of
/// its items with the item's promised time limit. The county office and
/// the bundle's ★ lead department; others get 404.
#[utoipa::path(
    get,
    path = "/api/v1/stats/bundles/{code}",
    operation_id = "stats_bundle",
    tag = "stats",
    params(("code" = String, Path, description = "The bundle's code"), StatsQuery),
    security(("session" = [])),
    responses(
        (status = 200, description = "The bundle's figures.", body = BundleStats),
        (status = 404, description = "`not_found`: no such bundle, or the caller is neither the county office nor its lead department.", body = ErrorEnvelope),
        (status = 422, description = "`validation`, as for the overview.", body = ErrorEnvelope),
    ),
)]
pub async fn bundle(
    State(state): State<AppState>,
    actor: Actor,
    Path(code): Path<String>,
    Query(q): Query<StatsQuery>,
) -> Result<Json<BundleStats>, ApiError> {
    Ok(Json(stats::bundle(&state, &actor, &code, &q).await?))
}

/// The overdue work items behind `overdue_now`
///
/// Running items past their due date today, most late first (at most
/// 200), with their 办件编号 and no applicant. `from` and `to` are
/// checked but do not narrow the list. Same access as the overview.
#[utoipa::path(
    get,
    path = "/api/v1/stats/overdue",
    operation_id = "stats_overdue",
    tag = "stats",
    params(StatsQuery),
    security(("session" = [])),
    responses(
        (status = 200, description = "The overdue items.", body = OverdueList),
        (status = 403, description = "`forbidden`, as for the overview.", body = ErrorEnvelope),
        (status = 422, description = "`validation`, as for the overview.", body = ErrorEnvelope),
    ),
)]
pub async fn overdue(
    State(state): State<AppState>,
    actor: Actor,
    Query(q): Query<StatsQuery>,
) -> Result<Json<OverdueList>, ApiError> {
    Ok(Json(stats::overdue(&state, &actor, &q).await?))
}
