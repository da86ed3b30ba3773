//! `/api/v1/admin/*`: staff accounts and the audit log. Admins only; anyone
//! else gets 404.

use app::api::{AuditEntry, AuditVerification, CreateStaffRequest, Page, UserSummary};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use uuid::Uuid;

use crate::AppState;
use crate::http::auth::Admin;
use crate::http::error::{ApiError, ApiJson};
use crate::services::{audit, users};

/// `GET /api/v1/admin/users?role=&department=&after=&limit=`.
pub async fn list_users(
    State(state): State<AppState>,
    Admin(_): Admin,
    Query(f): Query<users::UserFilter>,
) -> Result<Json<Page<UserSummary>>, ApiError> {
    let (items, next) = users::list(&state, f).await?;
    Ok(Json(Page { items, next }))
}

/// `POST /api/v1/admin/users` → 201.
pub async fn create_user(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ApiJson(req): ApiJson<CreateStaffRequest>,
) -> Result<(StatusCode, Json<UserSummary>), ApiError> {
    let u = users::create_staff(&state.db, &state.catalog, req, admin.who()).await?;
    Ok((StatusCode::CREATED, Json(users::summary(&state.pii, &u))))
}

/// `POST /api/v1/admin/users/{id}/disable` and `/enable`.
pub async fn disable_user(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(id): Path<Uuid>,
) -> Result<Json<UserSummary>, ApiError> {
    Ok(Json(users::set_disabled(&state, &admin, id, true).await?))
}

pub async fn enable_user(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(id): Path<Uuid>,
) -> Result<Json<UserSummary>, ApiError> {
    Ok(Json(users::set_disabled(&state, &admin, id, false).await?))
}

#[derive(Debug, Deserialize)]
pub struct AuditQuery {
    pub before: Option<i64>,
    pub limit: Option<u64>,
}

/// `GET /api/v1/admin/audit?before=&limit=`: newest first.
pub async fn audit_log(
    State(state): State<AppState>,
    Admin(_): Admin,
    Query(q): Query<AuditQuery>,
) -> Result<Json<Page<AuditEntry>>, ApiError> {
    let limit = q.limit.unwrap_or(50).clamp(1, 500);
    let rows = audit::list(&state.db, q.before, limit).await?;
    let next = (rows.len() as u64 == limit)
        .then(|| rows.last().map(|r| r.seq.to_string()))
        .flatten();
    let items = rows
        .into_iter()
        .map(|r| AuditEntry {
            seq: r.seq,
            at: chrono::DateTime::from_timestamp_micros(r.at_us)
                .map(|t| t.to_rfc3339())
                .unwrap_or_default(),
            actor: r.actor,
            action: r.action,
            object: r.object,
            detail: serde_json::from_str(&r.detail).unwrap_or(serde_json::Value::Null),
            ip: r.ip,
            hash: r.hash,
        })
        .collect();
    Ok(Json(Page { items, next }))
}

/// `GET /api/v1/admin/audit/verify`.
pub async fn audit_verify(
    State(state): State<AppState>,
    Admin(_): Admin,
) -> Result<Json<AuditVerification>, ApiError> {
    let (valid, count, broken_at) = audit::verify(&state.db).await?;
    Ok(Json(AuditVerification {
        valid,
        count,
        broken_at,
    }))
}

#[derive(Debug, Deserialize)]
pub struct OutboxQuery {
    pub status: Option<String>,
    pub before: Option<Uuid>,
    pub limit: Option<u64>,
}

/// `GET /api/v1/admin/outbox?status=dead|pending|delivering|delivered`.
pub async fn outbox(
    State(state): State<AppState>,
    Admin(_): Admin,
    Query(q): Query<OutboxQuery>,
) -> Result<Json<Page<crate::services::outbox::OutboxRow>>, ApiError> {
    let (items, next) =
        crate::services::outbox::list(&state.db, q.status.as_deref(), q.before, q.limit.unwrap_or(50))
            .await?;
    Ok(Json(Page { items, next }))
}

/// `POST /api/v1/admin/outbox/{id}/retry`: a dead event goes back in the queue.
pub async fn retry(
    State(state): State<AppState>,
    Admin(_): Admin,
    Path(id): Path<Uuid>,
) -> Result<Json<crate::services::outbox::OutboxRow>, ApiError> {
    Ok(Json(crate::services::outbox::retry(&state.db, id).await?))
}

#[derive(Debug, Deserialize)]
pub struct EndpointRequest {
    pub url: Option<String>,
}

/// `PUT /api/v1/admin/departments/{code}/endpoint`: sets where a department's
/// system receives events; a fresh signing secret and API token are returned once.
pub async fn endpoint(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(code): Path<String>,
    ApiJson(req): ApiJson<EndpointRequest>,
) -> Result<Json<crate::services::outbox::EndpointCredentials>, ApiError> {
    let creds = crate::services::outbox::configure(&state, &code, req.url).await?;
    audit::record_or_log(
        &state.db,
        audit::Event {
            who: admin.who(),
            action: "endpoint_configure",
            object: format!("department:{code}"),
            detail: serde_json::json!({ "url": creds.url }),
            ip: None,
        },
    )
    .await;
    Ok(Json(creds))
}
