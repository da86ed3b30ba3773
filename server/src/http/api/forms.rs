//! The merged form, drafts and submissions.

use app::api::{Draft, FormDto, Page, SubmissionCreated, SubmissionDto, SubmissionSummary, SubmitRequest};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use uuid::Uuid;

use crate::AppState;
use crate::http::auth::MaybeActor;
use crate::http::error::{ApiError, ApiJson};
use crate::services::auth::Actor;
use crate::services::submissions::Created;
use crate::services::{drafts, forms, submissions};

#[derive(Debug, Deserialize)]
pub struct FormQuery {
    pub items: Option<String>,
}

/// `GET /api/v1/bundles/{code}/form?items=a,b` — public; prefilled for a
/// logged-in applicant.
pub async fn form(
    State(state): State<AppState>,
    MaybeActor(actor): MaybeActor,
    Path(code): Path<String>,
    Query(q): Query<FormQuery>,
) -> Result<Json<FormDto>, ApiError> {
    let items = forms::parse_items(q.items.as_deref());
    Ok(Json(forms::form(&state, &code, items, actor.as_ref()).await?))
}

/// `GET /api/v1/drafts/{bundle}` → 404 when there is none.
pub async fn get_draft(
    State(state): State<AppState>,
    actor: Actor,
    Path(bundle): Path<String>,
) -> Result<Json<Draft>, ApiError> {
    Ok(Json(drafts::get(&state, &actor, &bundle).await?))
}

/// `PUT /api/v1/drafts/{bundle}` → 200 with the stored draft and its version.
pub async fn put_draft(
    State(state): State<AppState>,
    actor: Actor,
    Path(bundle): Path<String>,
    ApiJson(body): ApiJson<Draft>,
) -> Result<Json<Draft>, ApiError> {
    Ok(Json(drafts::put(&state, &actor, &bundle, body).await?))
}

/// `DELETE /api/v1/drafts/{bundle}` → 204.
pub async fn delete_draft(
    State(state): State<AppState>,
    actor: Actor,
    Path(bundle): Path<String>,
) -> Result<StatusCode, ApiError> {
    drafts::delete(&state, &actor, &bundle).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/v1/submissions` → 201; the same idempotency key again → 200
/// with the same submission.
pub async fn submit(
    State(state): State<AppState>,
    actor: Actor,
    ApiJson(req): ApiJson<SubmitRequest>,
) -> Result<(StatusCode, Json<SubmissionCreated>), ApiError> {
    Ok(match submissions::create(&state, &actor, req).await? {
        Created::New(s) => (StatusCode::CREATED, Json(s)),
        Created::Replayed(s) => (StatusCode::OK, Json(s)),
    })
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    pub before: Option<Uuid>,
    pub limit: Option<u64>,
}

/// `GET /api/v1/submissions` — the caller's own, newest first.
pub async fn list(
    State(state): State<AppState>,
    actor: Actor,
    Query(q): Query<ListQuery>,
) -> Result<Json<Page<SubmissionSummary>>, ApiError> {
    let (items, next) = submissions::list_own(&state, &actor, q.before, q.limit.unwrap_or(20)).await?;
    Ok(Json(Page { items, next }))
}

/// `GET /api/v1/submissions/{id}`.
pub async fn get(
    State(state): State<AppState>,
    actor: Actor,
    meta: crate::services::auth::RequestMeta,
    Path(id): Path<Uuid>,
) -> Result<Json<SubmissionDto>, ApiError> {
    Ok(Json(submissions::get(&state, &actor, id, &meta).await?))
}
