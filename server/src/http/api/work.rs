//! The workbench API: queues, work items, actions, supplements, the lead
//! board, notifications.

use app::api::{
    ActionRequest, ActionResult, ErrorEnvelope, LeadBoard, Notifications, SupplementRequest, WorkItemDetail,
    WorkQueue,
};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::AppState;
use crate::http::error::{ApiError, ApiJson};
use crate::identity::{Actor, RequestMeta};
use crate::services::{notifications, work_items};

/// Which items of the queue: `open` (not ended), `all`, or one status.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
enum QueueStatus {
    Open,
    All,
    Waiting,
    Pending,
    Accepted,
    Returned,
    Completed,
    Rejected,
}

/// The queue's filters (`work_items::QueueFilter`, described).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QueueQuery {
    /// `open` (default: everything not ended), `all`, or one status; another
    /// word answers 422 `unknown_status`.
    #[param(value_type = Option<QueueStatus>, inline)]
    pub status: Option<String>,
    /// Only items past their due date.
    pub overdue: Option<bool>,
    /// A 办件编号 (exact, case-insensitive).
    pub q: Option<String>,
    /// `next` of the previous page.
    pub after: Option<String>,
    /// Page size, 1–100 (values outside are clamped); default 30.
    pub limit: Option<u64>,
}

impl From<QueueQuery> for work_items::QueueFilter {
    fn from(q: QueueQuery) -> Self {
        let QueueQuery {
            status,
            overdue,
            q,
            after,
            limit,
        } = q;
        Self {
            status,
            overdue,
            q,
            after,
            limit,
        }
    }
}

/// The caller's department queue, oldest due first
///
/// Clerks only (everyone else: 404); a department system with its API token
/// sees its department's queue. Waiting items (no due date yet) come last.
/// Keyset-paged; `counts` per status; `overdue` counts open items past due.
#[utoipa::path(
    get,
    path = "/api/v1/work-items",
    operation_id = "list_work_items",
    tag = "workbench",
    params(QueueQuery),
    security(("session" = []), ("department_token" = [])),
    responses(
        (status = 200, description = "One page of the queue.", body = WorkQueue),
        (status = 404, description = "`not_found`: the caller is not a clerk.", body = ErrorEnvelope),
        (status = 422, description = "`validation`: `unknown_status`, or `invalid_cursor` in `after`.", body = ErrorEnvelope),
    ),
)]
pub async fn queue(
    State(state): State<AppState>,
    actor: Actor,
    Query(q): Query<QueueQuery>,
) -> Result<Json<WorkQueue>, ApiError> {
    Ok(Json(work_items::queue(&state, &actor, q.into()).await?))
}

/// A work item with the answers it uses (need-to-know), history and siblings
///
/// Clerks of its department, and of the bundle's ★ lead department
/// (read-only). Every view is audited. `issues_certificate` names the
/// e-certificate that completing it issues.
#[utoipa::path(
    get,
    path = "/api/v1/work-items/{id}",
    operation_id = "get_work_item",
    tag = "workbench",
    params(("id" = Uuid, Path, description = "The work item's id")),
    security(("session" = []), ("department_token" = [])),
    responses(
        (status = 200, description = "The work item.", body = WorkItemDetail),
        (status = 404, description = "`not_found`: no such work item, or not the caller's department's (nor its lead's).", body = ErrorEnvelope),
    ),
)]
pub async fn detail(
    State(state): State<AppState>,
    actor: Actor,
    meta: RequestMeta,
    Path(id): Path<Uuid>,
) -> Result<Json<WorkItemDetail>, ApiError> {
    Ok(Json(work_items::detail(&state, &actor, id, &meta).await?))
}

/// A clerk's action (accept | return | complete | reject)
///
/// Only the item's own department (the lead department gets 403
/// `not_your_department`). Not allowed from the current state → 409
/// `invalid_transition`; `return` and `reject` need a `comment` (422);
/// a `version` other than the current one, or another clerk acting at the
/// same moment → 409 `version_conflict` (exactly one wins). `return` may
/// name `corrections` (field and material keys of the item, else 422
/// `unknown_field`); materials marked 不合格 are always asked for. Completing an
/// item releases the waiting items that depended on it. `result` only with
/// `complete`: items that issue an e-certificate need
/// `result.certificate_no` (and take `result.valid_until`).
#[utoipa::path(
    post,
    path = "/api/v1/work-items/{id}/actions",
    operation_id = "act_on_work_item",
    tag = "workbench",
    params(("id" = Uuid, Path, description = "The work item's id")),
    request_body = ActionRequest,
    security(("session" = []), ("department_token" = [])),
    responses(
        (status = 200, description = "The new state, and the items it released.", body = ActionResult),
        (status = 403, description = "`not_your_department`: the lead department may only look.", body = ErrorEnvelope),
        (status = 404, description = "`not_found`: no such work item, or not the caller's to see.", body = ErrorEnvelope),
        (status = 409, description = "`invalid_transition`: not allowed from the current state; `version_conflict`: someone acted first.", body = ErrorEnvelope),
        (status = 422, description = "`validation`: `unknown_action`, a missing or too long `comment`, `result` not an object or too large, `certificate_no_required`, `valid_until_invalid`.", body = ErrorEnvelope),
    ),
)]
pub async fn act(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<Uuid>,
    ApiJson(req): ApiJson<ActionRequest>,
) -> Result<Json<ActionResult>, ApiError> {
    Ok(Json(work_items::act(&state, &actor, id, req).await?))
}

/// The applicant corrects a returned work item (补正)
///
/// Only the applicant; only a `returned` item of this submission (else 409
/// `invalid_transition`); only fields that item uses (else 422
/// `unknown_field`). When the return named `corrections`, only those keys
/// (else 422 `not_requested`), and every material among them must come
/// back as new files `{"files": [...]}` (else 422 `required` /
/// `files_required`); the files they replace stay readable as replaced.
/// The item becomes `pending` again and its due date moves by the working
/// days it was paused.
#[utoipa::path(
    post,
    path = "/api/v1/submissions/{id}/supplement",
    operation_id = "supplement",
    tag = "applications",
    params(("id" = Uuid, Path, description = "The submission's id")),
    request_body = SupplementRequest,
    security(("session" = [])),
    responses(
        (status = 200, description = "Supplemented: the item, `pending` again.", body = ActionResult),
        (status = 404, description = "`not_found`: no such submission, or not the caller's.", body = ErrorEnvelope),
        (status = 409, description = "`invalid_transition`: the item is not `returned`; `upload_in_use`: a file was just used elsewhere.", body = ErrorEnvelope),
        (status = 422, description = "`validation`: `unknown_work_item`, `unknown_field`, `not_requested`, `required`, `files_required`, `unknown_upload`, `upload_in_use`, or an answer that fails its checks.", body = ErrorEnvelope),
    ),
)]
pub async fn supplement(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<Uuid>,
    ApiJson(req): ApiJson<SupplementRequest>,
) -> Result<Json<ActionResult>, ApiError> {
    Ok(Json(work_items::supplement(&state, &actor, id, req).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BoardQuery {
    /// A bundle the department leads; default: the first one.
    pub bundle: Option<String>,
    /// `submissions.next` of the previous page.
    pub before: Option<Uuid>,
}

/// A bundle as its ★ lead department sees it
///
/// Clerks of a lead department only (everyone else, and other bundles: 404).
/// Department loads (bottlenecks first), overdue submissions, and one page
/// of all submissions.
#[utoipa::path(
    get,
    path = "/api/v1/lead/board",
    operation_id = "lead_board",
    tag = "workbench",
    params(BoardQuery),
    security(("session" = [])),
    responses(
        (status = 200, description = "The board.", body = LeadBoard),
        (status = 404, description = "`not_found`: the caller's department leads no (such) bundle.", body = ErrorEnvelope),
    ),
)]
pub async fn board(
    State(state): State<AppState>,
    actor: Actor,
    Query(q): Query<BoardQuery>,
) -> Result<Json<LeadBoard>, ApiError> {
    Ok(Json(
        work_items::board(&state, &actor, q.bundle.as_deref(), q.before).await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NotificationQuery {
    /// `next` of the previous page.
    pub before: Option<Uuid>,
    /// Page size, 1–100 (values outside are clamped); default 20.
    pub limit: Option<u64>,
}

/// The caller's in-app notifications, newest first, with the unread count
#[utoipa::path(
    get,
    path = "/api/v1/notifications",
    operation_id = "list_notifications",
    tag = "notifications",
    params(NotificationQuery),
    security(("session" = [])),
    responses((status = 200, description = "One page.", body = Notifications)),
)]
pub async fn notifications(
    State(state): State<AppState>,
    actor: Actor,
    Query(q): Query<NotificationQuery>,
) -> Result<Json<Notifications>, ApiError> {
    Ok(Json(
        notifications::list(&state, &actor, q.before, q.limit.unwrap_or(20)).await?,
    ))
}

/// Mark one notification of the caller as read
#[utoipa::path(
    post,
    path = "/api/v1/notifications/{id}/read",
    operation_id = "read_notification",
    tag = "notifications",
    params(("id" = Uuid, Path, description = "The notification's id")),
    security(("session" = [])),
    responses((status = 204, description = "Done (also when it was not the caller's: nothing changes then).")),
)]
pub async fn read(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<Uuid>,
) -> Result<StatusCode, ApiError> {
    notifications::mark_read(&state, &actor, Some(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Mark every notification of the caller as read
#[utoipa::path(
    post,
    path = "/api/v1/notifications/read-all",
    operation_id = "read_all_notifications",
    tag = "notifications",
    security(("session" = [])),
    responses((status = 204, description = "Done.")),
)]
pub async fn read_all(State(state): State<AppState>, actor: Actor) -> Result<StatusCode, ApiError> {
    notifications::mark_read(&state, &actor, None).await?;
    Ok(StatusCode::NO_CONTENT)
}
