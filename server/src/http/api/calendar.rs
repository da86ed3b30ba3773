//! `/api/v1/admin/calendar`: the working-day calendar as operations data
//! (放假/调休 days entered at run time). Admins only; anyone else gets 404.

use app::api::{CalendarOverview, CalendarYear, ErrorEnvelope, SaveCalendarYear};
use app::domain::Date;
use axum::Json;
use axum::extract::{Path, State};

use crate::AppState;
use crate::http::auth::Admin;
use crate::http::error::{ApiError, ApiJson};
use crate::services::calendar;

/// The working-day calendar
///
/// Every year known, from the catalog's file or entered by an admin (the
/// latest version), the years that may be entered now, and the warning
/// every admin should see: this year has no calendar, or from 1 November
/// the next year has none yet (due dates there count weekends only).
#[utoipa::path(
    get,
    path = "/api/v1/admin/calendar",
    operation_id = "calendar",
    tag = "admin",
    security(("session" = [])),
    responses(
        (status = 200, description = "The calendar.", body = CalendarOverview),
        (status = 404, description = "`not_found`: not an admin.", body = ErrorEnvelope),
    ),
)]
pub async fn overview(
    State(state): State<AppState>,
    Admin(_admin): Admin,
) -> Result<Json<CalendarOverview>, ApiError> {
    Ok(Json(calendar::overview(&state, Date::today_china()).await?))
}

/// Enter a year's 放假/调休 days
///
/// A new version of the year (every version is kept and the change is in
/// the audit log); it replaces the catalog's file of that year for due
/// dates computed from now on, on every instance within 30 seconds. Due
/// dates already computed keep their dates. This year (days not yet past)
/// and the next may be entered.
#[utoipa::path(
    put,
    path = "/api/v1/admin/calendar/{year}",
    operation_id = "save_calendar_year",
    tag = "admin",
    params(("year" = i32, Path, description = "The year, e.g. 2027")),
    request_body = SaveCalendarYear,
    security(("session" = [])),
    responses(
        (status = 200, description = "Saved; the year as now used.", body = CalendarYear),
        (status = 404, description = "`not_found`: not an admin.", body = ErrorEnvelope),
        (status = 409, description = "`version_conflict`: `expected_version` is not the latest, or another admin saved the year at the same moment.", body = ErrorEnvelope),
        (status = 422, description = "`validation`: `year` `year_not_open`; `source` `required` or `invalid`; `holidays` `empty`, `too_many` (80), `past_day_changed`; `holidays[i]`/`workdays[i]` `invalid_date` or `wrong_year`; `workdays` `too_many` (30); `workdays[i]` `not_weekend` or `both` (also a holiday).", body = ErrorEnvelope),
    ),
)]
pub async fn save(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(year): Path<i32>,
    ApiJson(req): ApiJson<SaveCalendarYear>,
) -> Result<Json<CalendarYear>, ApiError> {
    Ok(Json(
        calendar::save(&state, &admin, year, req, Date::today_china()).await?,
    ))
}

/// Every version of a year entered
///
/// Newest first; empty when the year was never entered (its days then
/// come from the catalog's file, if any).
#[utoipa::path(
    get,
    path = "/api/v1/admin/calendar/{year}/versions",
    operation_id = "calendar_versions",
    tag = "admin",
    params(("year" = i32, Path, description = "The year, e.g. 2027")),
    security(("session" = [])),
    responses(
        (status = 200, description = "The versions, newest first.", body = Vec<CalendarYear>),
        (status = 404, description = "`not_found`: not an admin.", body = ErrorEnvelope),
    ),
)]
pub async fn versions(
    State(state): State<AppState>,
    Admin(_admin): Admin,
    Path(year): Path<i32>,
) -> Result<Json<Vec<CalendarYear>>, ApiError> {
    Ok(Json(calendar::versions(&state, year).await?))
}
