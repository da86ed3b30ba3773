//! 效能评估 (`/api/v1/stats`).

use app::api::{
    BundleStats, ErrorEnvelope, HighFrequencyList, OverdueList, PublishHighFrequency, ReportQuery,
    StatsOverview, StatsQuery, StatsRanking,
};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use utoipa::ToSchema;

use crate::AppState;
use crate::http::api::materials::content_disposition;
use crate::http::error::{ApiError, ApiJson};
use crate::identity::Actor;
use crate::services::ServiceError;
use crate::services::stats::{self, high_frequency, report};

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

/// A report file (described for the document).
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
#[allow(dead_code)]
pub struct ReportFile(Vec<u8>);

/// The 评估报告 as a file
///
/// `xlsx` (the default): a workbook with a sheet per view — 总览, 各部门,
/// 各一件事, 各事项 (with a `bundle`), 趋势, 诉求 — each headed by the
/// county, the scope and the period. `csv`: one of those views (`sheet`),
/// UTF-8 with a byte-order mark and CRLF line ends, so that Excel on
/// Chinese Windows opens it. Counts of 1–4 are `<5`. Same access as the
/// overview.
#[utoipa::path(
    get,
    path = "/api/v1/stats/report",
    operation_id = "stats_report",
    tag = "stats",
    params(ReportQuery),
    security(("session" = [])),
    responses(
        (status = 200, description = "The report, as an attachment.", content(
            (ReportFile = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            (ReportFile = "text/csv"),
        )),
        (status = 403, description = "`forbidden`, as for the overview.", body = ErrorEnvelope),
        (status = 422, description = "`validation`: as for the overview; `month` `invalid_month`; `format` `invalid` (xlsx, csv); `sheet` `invalid`.", body = ErrorEnvelope),
    ),
)]
pub async fn report(
    State(state): State<AppState>,
    actor: Actor,
    Query(q): Query<ReportQuery>,
) -> Result<Response, ApiError> {
    let format = q.format.as_deref().unwrap_or("xlsx");
    if !matches!(format, "xlsx" | "csv") {
        return Err(ServiceError::field("format", "invalid", "格式只能是 xlsx 或 csv").into());
    }
    let sheet = q.sheet.as_deref().unwrap_or("overview");
    if !report::SHEETS.contains(&sheet) {
        return Err(ServiceError::field("sheet", "invalid", "没有这张表").into());
    }
    let r = report::build(&state, &actor, &q.stats(), q.month.as_deref()).await?;
    let (body, content_type, name) = if format == "csv" {
        let t = r
            .tables
            .iter()
            .find(|t| t.key == sheet)
            .ok_or_else(|| ServiceError::field("sheet", "invalid", "只有选了“一件事”才有各事项表"))?;
        (
            report::csv(t).into_bytes(),
            "text/csv; charset=utf-8",
            format!("效能评估-{}-{}.csv", t.name, r.period),
        )
    } else {
        (
            report::xlsx(&r).map_err(ServiceError::Unexpected)?,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            format!("效能评估-{}.xlsx", r.period),
        )
    };
    let disposition = content_disposition(false, &name);
    let mut res = body.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    Ok(res)
}

/// Bundles and items ranked by volume (高频清单 evidence)
///
/// Every bundle (by submissions) and item (by work items) with work in the
/// period or in the period of equal length just before, most first, with
/// the change between the two and whether the bundle is on the published
/// 高频清单. Readers and scope as for the overview.
#[utoipa::path(
    get,
    path = "/api/v1/stats/ranking",
    operation_id = "stats_ranking",
    tag = "stats",
    params(StatsQuery),
    security(("session" = [])),
    responses(
        (status = 200, description = "The ranking.", body = StatsRanking),
        (status = 403, description = "`forbidden`, as for the overview.", body = ErrorEnvelope),
        (status = 422, description = "`validation`, as for the overview.", body = ErrorEnvelope),
    ),
)]
pub async fn ranking(
    State(state): State<AppState>,
    actor: Actor,
    Query(q): Query<StatsQuery>,
) -> Result<Json<StatsRanking>, ApiError> {
    Ok(Json(high_frequency::ranking(&state, &actor, &q).await?))
}

/// The published 高频清单
///
/// Public. The current version (`version` `null` before the first), each
/// bundle with its promised working days (items that wait for others
/// counted one after the other), its submissions and its 好差评
/// satisfaction over the last 365 days.
#[utoipa::path(
    get,
    path = "/api/v1/high-frequency",
    operation_id = "high_frequency",
    tag = "stats",
    responses((status = 200, description = "The current list.", body = HighFrequencyList)),
)]
pub async fn high_frequency_list(State(state): State<AppState>) -> Result<Json<HighFrequencyList>, ApiError> {
    Ok(Json(high_frequency::current(&state).await?))
}

/// Publish a new version of the 高频清单
///
/// Admins (the county office); every version is kept and the publication
/// is in the audit log. Two publications at once: the later gets 409.
#[utoipa::path(
    put,
    path = "/api/v1/high-frequency",
    operation_id = "publish_high_frequency",
    tag = "stats",
    request_body = PublishHighFrequency,
    security(("session" = [])),
    responses(
        (status = 200, description = "Published; the new current list.", body = HighFrequencyList),
        (status = 403, description = "`forbidden`: not an admin.", body = ErrorEnvelope),
        (status = 409, description = "`version_conflict`: published by someone else at the same moment.", body = ErrorEnvelope),
        (status = 422, description = "`validation`: `bundles` `count` (1–50), `bundles[i]` `unknown_bundle` or `duplicate`, `note` `invalid`.", body = ErrorEnvelope),
    ),
)]
pub async fn publish_high_frequency(
    State(state): State<AppState>,
    actor: Actor,
    ApiJson(req): ApiJson<PublishHighFrequency>,
) -> Result<Json<HighFrequencyList>, ApiError> {
    Ok(Json(high_frequency::publish(&state, &actor, req).await?))
}
