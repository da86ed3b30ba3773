//! The workbench API: queues, work items, actions, supplements, the lead
//! board, notifications.

use app::api::{
    ActionRequest, ActionResult, LeadBoard, Notifications, SupplementRequest, WorkItemDetail, WorkQueue,
};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use uuid::Uuid;

use crate::AppState;
use crate::http::error::{ApiError, ApiJson};
use crate::services::auth::{Actor, RequestMeta};
use crate::services::{notifications, work_items};

/// `GET /api/v1/work-items?status=&overdue=&q=&after=&limit=` — clerks only.
pub async fn queue(
    State(state): State<AppState>,
    actor: Actor,
    Query(f): Query<work_items::QueueFilter>,
) -> Result<Json<WorkQueue>, ApiError> {
    Ok(Json(work_items::queue(&state, &actor, f).await?))
}

/// `GET /api/v1/work-items/{id}`.
pub async fn detail(
    State(state): State<AppState>,
    actor: Actor,
    meta: RequestMeta,
    Path(id): Path<Uuid>,
) -> Result<Json<WorkItemDetail>, ApiError> {
    Ok(Json(work_items::detail(&state, &actor, id, &meta).await?))
}

/// `POST /api/v1/work-items/{id}/actions`.
pub async fn act(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<Uuid>,
    ApiJson(req): ApiJson<ActionRequest>,
) -> Result<Json<ActionResult>, ApiError> {
    Ok(Json(work_items::act(&state, &actor, id, req).await?))
}

/// `POST /api/v1/submissions/{id}/supplement` — the applicant.
pub async fn supplement(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<Uuid>,
    ApiJson(req): ApiJson<SupplementRequest>,
) -> Result<Json<ActionResult>, ApiError> {
    Ok(Json(work_items::supplement(&state, &actor, id, req).await?))
}

#[derive(Debug, Deserialize)]
pub struct BoardQuery {
    pub bundle: Option<String>,
    pub before: Option<Uuid>,
}

/// `GET /api/v1/lead/board?bundle=&before=` — clerks of a ★ lead department.
pub async fn board(
    State(state): State<AppState>,
    actor: Actor,
    Query(q): Query<BoardQuery>,
) -> Result<Json<LeadBoard>, ApiError> {
    Ok(Json(
        work_items::board(&state, &actor, q.bundle.as_deref(), q.before).await?,
    ))
}

#[derive(Debug, Deserialize)]
pub struct NotificationQuery {
    pub before: Option<Uuid>,
    pub limit: Option<u64>,
}

/// `GET /api/v1/notifications`.
pub async fn notifications(
    State(state): State<AppState>,
    actor: Actor,
    Query(q): Query<NotificationQuery>,
) -> Result<Json<Notifications>, ApiError> {
    Ok(Json(
        notifications::list(&state, &actor, q.before, q.limit.unwrap_or(20)).await?,
    ))
}

/// `POST /api/v1/notifications/{id}/read` → 204.
pub async fn read(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<Uuid>,
) -> Result<StatusCode, ApiError> {
    notifications::mark_read(&state, &actor, Some(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/v1/notifications/read-all` → 204.
pub async fn read_all(State(state): State<AppState>, actor: Actor) -> Result<StatusCode, ApiError> {
    notifications::mark_read(&state, &actor, None).await?;
    Ok(StatusCode::NO_CONTENT)
}
