//! The merged form, drafts and submissions.

use app::api::{
    Draft, ErrorEnvelope, FormDto, Page, SubmissionCreated, SubmissionDto, SubmissionSummary, SubmitRequest,
};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use crate::AppState;
use crate::http::auth::MaybeActor;
use crate::http::error::{ApiError, ApiJson};
use crate::identity::Actor;
use crate::services::submissions::Created;
use crate::services::{drafts, forms, submissions};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FormQuery {
    /// Comma-separated item codes, e.g. `items=a,b`. Omitted: every item.
    pub items: Option<String>,
}

/// The merged form (多表合一) of a bundle for the chosen items
///
/// Steps in dictionary order; each field once, with `used_by` (the chosen
/// items that need it) and `required` (any chosen item requires it).
/// Without `items` every item is chosen; required items are always in.
/// Public; for a logged-in applicant `prefill` holds their own known facts
/// and `prefill_sources` where each comes from, and a `material` field the
/// applicant's subject holds as an e-certificate carries it in `certificate`
/// (免提交). Field kinds: text, textarea, number, date, phone, id_number,
/// credit_code, enum, boolean, material (`ready` | `commit` = 告知承诺后补).
#[utoipa::path(
    get,
    path = "/api/v1/bundles/{code}/form",
    operation_id = "get_form",
    tag = "catalog",
    params(("code" = String, Path, description = "A bundle code", example = "restaurant"), FormQuery),
    security((), ("session" = [])),
    responses(
        (status = 200, description = "The merged form.", body = FormDto),
        (status = 404, description = "`not_found`: no such bundle.", body = ErrorEnvelope),
        (status = 422, description = "`validation`: an unknown item code in `items`.", body = ErrorEnvelope),
    ),
)]
pub async fn form(
    State(state): State<AppState>,
    MaybeActor(actor): MaybeActor,
    Path(code): Path<String>,
    Query(q): Query<FormQuery>,
) -> Result<Json<FormDto>, ApiError> {
    let items = forms::parse_items(q.items.as_deref());
    Ok(Json(forms::form(&state, &code, items, actor.as_ref()).await?))
}

/// The caller's draft of a bundle
///
/// One draft per applicant, subject (oneself or the enterprise acted for)
/// and bundle.
#[utoipa::path(
    get,
    path = "/api/v1/drafts/{bundle}",
    operation_id = "get_draft",
    tag = "applications",
    params(("bundle" = String, Path, description = "A bundle code", example = "newborn")),
    security(("session" = [])),
    responses(
        (status = 200, description = "The draft.", body = Draft),
        (status = 403, description = "`applicants_only`: staff accounts have no drafts.", body = ErrorEnvelope),
        (status = 404, description = "`not_found`: no such bundle, or no draft of it.", body = ErrorEnvelope),
        (status = 422, description = "`validation`: `enterprise_bundle` (an enterprise bundle, not acting for an enterprise) or `citizen_bundle` (a citizen bundle while acting for one).", body = ErrorEnvelope),
    ),
)]
pub async fn get_draft(
    State(state): State<AppState>,
    actor: Actor,
    Path(bundle): Path<String>,
) -> Result<Json<Draft>, ApiError> {
    Ok(Json(drafts::get(&state, &actor, &bundle).await?))
}

/// Save the draft (one per applicant and bundle)
///
/// With `version`, a different stored version answers 409 `draft_conflict`
/// instead of overwriting newer answers from another device; without it the
/// last write wins.
#[utoipa::path(
    put,
    path = "/api/v1/drafts/{bundle}",
    operation_id = "put_draft",
    tag = "applications",
    params(("bundle" = String, Path, description = "A bundle code", example = "newborn")),
    request_body = Draft,
    security(("session" = [])),
    responses(
        (status = 200, description = "Saved; `version` and `updated_at` set.", body = Draft),
        (status = 403, description = "`applicants_only`: staff accounts have no drafts.", body = ErrorEnvelope),
        (status = 404, description = "`not_found`: no such bundle.", body = ErrorEnvelope),
        (status = 409, description = "`draft_conflict`: the stored draft has another version.", body = ErrorEnvelope),
        (status = 422, description = "`validation`: `too_large` (over 128 KiB of answers), `enterprise_bundle` or `citizen_bundle`.", body = ErrorEnvelope),
    ),
)]
pub async fn put_draft(
    State(state): State<AppState>,
    actor: Actor,
    Path(bundle): Path<String>,
    ApiJson(body): ApiJson<Draft>,
) -> Result<Json<Draft>, ApiError> {
    Ok(Json(drafts::put(&state, &actor, &bundle, body).await?))
}

/// Discard the draft
#[utoipa::path(
    delete,
    path = "/api/v1/drafts/{bundle}",
    operation_id = "delete_draft",
    tag = "applications",
    params(("bundle" = String, Path, description = "A bundle code", example = "newborn")),
    security(("session" = [])),
    responses(
        (status = 204, description = "Deleted (also when there was none)."),
        (status = 403, description = "`applicants_only`: staff accounts have no drafts.", body = ErrorEnvelope),
        (status = 404, description = "`not_found`: no such bundle.", body = ErrorEnvelope),
        (status = 422, description = "`validation`: `enterprise_bundle` or `citizen_bundle`.", body = ErrorEnvelope),
    ),
)]
pub async fn delete_draft(
    State(state): State<AppState>,
    actor: Actor,
    Path(bundle): Path<String>,
) -> Result<StatusCode, ApiError> {
    drafts::delete(&state, &actor, &bundle).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// File a submission; it fans out to one work item per (item, department)
///
/// Re-validates everything; in ONE transaction writes the submission (with
/// its catalog version and 办件编号), its work items (`pending`, or
/// `waiting` when they depend on chosen items not yet done; due dates in
/// working days), the `submitted` event, and removes the draft. The same
/// `idempotency_key` again → 200 with the same submission; the same key
/// with a different request → 409 `idempotency_key_reused`. Filed while
/// acting for an enterprise, a `credit_code` answer must be that
/// enterprise's (else 422 `not_acting_enterprise` on `credit_code`).
#[utoipa::path(
    post,
    path = "/api/v1/submissions",
    operation_id = "submit",
    tag = "applications",
    request_body = SubmitRequest,
    security(("session" = [])),
    responses(
        (status = 201, description = "Filed.", body = SubmissionCreated),
        (status = 200, description = "A retry with the same idempotency key: the same submission.", body = SubmissionCreated),
        (status = 403, description = "`applicants_only`: staff accounts cannot file.", body = ErrorEnvelope),
        (status = 409, description = "`idempotency_key_reused`: the key was used for a different request.", body = ErrorEnvelope),
        (status = 422, description = "`validation`: the answers, `unknown_bundle`, an unknown item, `enterprise_bundle`, `citizen_bundle`, `not_acting_enterprise`.", body = ErrorEnvelope),
    ),
)]
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

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// `next` of the previous page.
    pub before: Option<Uuid>,
    /// Page size, 1–100 (values outside are clamped); default 20.
    pub limit: Option<u64>,
}

/// The caller's submissions, newest first
///
/// Those of the caller's current subject (oneself, or the enterprise acted for).
#[utoipa::path(
    get,
    path = "/api/v1/submissions",
    operation_id = "list_submissions",
    tag = "applications",
    params(ListQuery),
    security(("session" = [])),
    responses((status = 200, description = "One page.", body = Page<SubmissionSummary>)),
)]
pub async fn list(
    State(state): State<AppState>,
    actor: Actor,
    Query(q): Query<ListQuery>,
) -> Result<Json<Page<SubmissionSummary>>, ApiError> {
    let (items, next) = submissions::list_own(&state, &actor, q.before, q.limit.unwrap_or(20)).await?;
    Ok(Json(Page { items, next }))
}

/// One submission with its work items and timeline
///
/// The applicant, clerks of a department with an item in it (who see only
/// the answers their items use) and the bundle's ★ lead department. Every
/// staff view is audited.
#[utoipa::path(
    get,
    path = "/api/v1/submissions/{id}",
    operation_id = "get_submission",
    tag = "applications",
    params(("id" = Uuid, Path, description = "The submission's id")),
    security(("session" = [])),
    responses(
        (status = 200, description = "The submission.", body = SubmissionDto),
        (status = 404, description = "`not_found`: no such submission, or not the caller's to see.", body = ErrorEnvelope),
    ),
)]
pub async fn get(
    State(state): State<AppState>,
    actor: Actor,
    meta: crate::identity::RequestMeta,
    Path(id): Path<Uuid>,
) -> Result<Json<SubmissionDto>, ApiError> {
    Ok(Json(submissions::get(&state, &actor, id, &meta).await?))
}
