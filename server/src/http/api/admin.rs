//! `/api/v1/admin/*`: staff accounts, the audit log, the outbox and
//! department endpoints. Admins only; anyone else gets 404.

use app::api::{AuditEntry, AuditVerification, CreateStaffRequest, ErrorEnvelope, Page, UserSummary};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::AppState;
use crate::http::auth::Admin;
use crate::http::error::{ApiError, ApiJson};
use crate::services::outbox as outbox_service;
use crate::services::{audit, users};

/// The user list's filters (`users::UserFilter`, described).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UsersQuery {
    /// Only users of this role.
    #[param(value_type = Option<app::api::Role>)]
    pub role: Option<String>,
    /// Only staff of this department (a department code).
    pub department: Option<String>,
    /// `next` of the previous page.
    pub after: Option<Uuid>,
    /// Page size, 1–200 (values outside are clamped); default 50.
    pub limit: Option<u64>,
}

impl From<UsersQuery> for users::UserFilter {
    fn from(q: UsersQuery) -> Self {
        let UsersQuery {
            role,
            department,
            after,
            limit,
        } = q;
        Self {
            role,
            department,
            after,
            limit,
        }
    }
}

/// Users, oldest first, personal data masked
#[utoipa::path(
    get,
    path = "/api/v1/admin/users",
    operation_id = "list_users",
    tag = "admin",
    params(UsersQuery),
    security(("session" = [])),
    responses(
        (status = 200, description = "One page of users.", body = Page<UserSummary>),
        (status = 404, description = "`not_found`: not an admin.", body = ErrorEnvelope),
    ),
)]
pub async fn list_users(
    State(state): State<AppState>,
    Admin(_admin): Admin,
    Query(f): Query<UsersQuery>,
) -> Result<Json<Page<UserSummary>>, ApiError> {
    let (items, next) = users::list(&state, f.into()).await?;
    Ok(Json(Page { items, next }))
}

/// Create a staff account
///
/// The password is checked like at registration (length, common passwords).
#[utoipa::path(
    post,
    path = "/api/v1/admin/users",
    operation_id = "create_user",
    tag = "admin",
    request_body = CreateStaffRequest,
    security(("session" = [])),
    responses(
        (status = 201, description = "Created.", body = UserSummary),
        (status = 404, description = "`not_found`: not an admin.", body = ErrorEnvelope),
        (status = 422, description = "`validation`: the fields, `username_taken`, an unknown department, a clerk without one.", body = ErrorEnvelope),
    ),
)]
pub async fn create_user(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ApiJson(req): ApiJson<CreateStaffRequest>,
) -> Result<(StatusCode, Json<UserSummary>), ApiError> {
    let u = users::create_staff(&state.db, &state.catalog, req, admin.who()).await?;
    Ok((StatusCode::CREATED, Json(users::summary(&state.pii, &u))))
}

/// Disable an account and revoke its sessions
#[utoipa::path(
    post,
    path = "/api/v1/admin/users/{id}/disable",
    operation_id = "disable_user",
    tag = "admin",
    params(("id" = Uuid, Path, description = "The user's id")),
    security(("session" = [])),
    responses(
        (status = 200, description = "Disabled.", body = UserSummary),
        (status = 404, description = "`not_found`: no such user, or not an admin.", body = ErrorEnvelope),
        (status = 409, description = "`cannot_disable_self`: an admin cannot disable their own account.", body = ErrorEnvelope),
    ),
)]
pub async fn disable_user(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(id): Path<Uuid>,
) -> Result<Json<UserSummary>, ApiError> {
    Ok(Json(users::set_disabled(&state, &admin, id, true).await?))
}

/// Re-enable an account
#[utoipa::path(
    post,
    path = "/api/v1/admin/users/{id}/enable",
    operation_id = "enable_user",
    tag = "admin",
    params(("id" = Uuid, Path, description = "The user's id")),
    security(("session" = [])),
    responses(
        (status = 200, description = "Enabled.", body = UserSummary),
        (status = 404, description = "`not_found`: no such user, or not an admin.", body = ErrorEnvelope),
    ),
)]
pub async fn enable_user(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(id): Path<Uuid>,
) -> Result<Json<UserSummary>, ApiError> {
    Ok(Json(users::set_disabled(&state, &admin, id, false).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// `next` of the previous page (an entry's `seq`).
    pub before: Option<i64>,
    /// Page size, 1–500 (values outside are clamped); default 50.
    pub limit: Option<u64>,
}

/// The audit log, newest first
#[utoipa::path(
    get,
    path = "/api/v1/admin/audit",
    operation_id = "audit_log",
    tag = "admin",
    params(AuditQuery),
    security(("session" = [])),
    responses(
        (status = 200, description = "One page of entries.", body = Page<AuditEntry>),
        (status = 404, description = "`not_found`: not an admin.", body = ErrorEnvelope),
    ),
)]
pub async fn audit_log(
    State(state): State<AppState>,
    Admin(_admin): Admin,
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

/// Recompute the audit hash chain from the start
#[utoipa::path(
    get,
    path = "/api/v1/admin/audit/verify",
    operation_id = "audit_verify",
    tag = "admin",
    security(("session" = [])),
    responses(
        (status = 200, description = "The result.", body = AuditVerification),
        (status = 404, description = "`not_found`: not an admin.", body = ErrorEnvelope),
    ),
)]
pub async fn audit_verify(
    State(state): State<AppState>,
    Admin(_admin): Admin,
) -> Result<Json<AuditVerification>, ApiError> {
    let (valid, count, broken_at) = audit::verify(&state.db).await?;
    Ok(Json(AuditVerification {
        valid,
        count,
        broken_at,
    }))
}

// Checked against the stored `OutboxStatus` words by a test below.
/// The states of an outbox event.
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(dead_code)]
enum OutboxStatus {
    Pending,
    Delivering,
    Delivered,
    Dead,
}

// The wire form of `outbox::OutboxRow`, which lives in the services and
// does not derive the schema.
/// An outbox event as admins see it (never its payload, which holds
/// personal data).
#[derive(Debug, Serialize, ToSchema)]
pub struct OutboxRow {
    /// Also the delivery's `Idempotency-Key`.
    #[schema(format = Uuid)]
    pub id: String,
    pub department: String,
    #[schema(example = "work_item.created")]
    pub event: String,
    #[schema(format = Uuid)]
    pub work_item: Option<String>,
    #[schema(value_type = OutboxStatus, inline)]
    pub status: String,
    pub attempts: i32,
    #[schema(format = DateTime)]
    pub next_attempt_at: String,
    #[schema(example = "HTTP 500")]
    pub last_error: Option<String>,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub delivered_at: Option<String>,
}

impl From<outbox_service::OutboxRow> for OutboxRow {
    fn from(r: outbox_service::OutboxRow) -> Self {
        // Spelled out so that a new field of the service's row fails to
        // compile here instead of missing from the document.
        let outbox_service::OutboxRow {
            id,
            department,
            event,
            work_item,
            status,
            attempts,
            next_attempt_at,
            last_error,
            created_at,
            delivered_at,
        } = r;
        Self {
            id,
            department,
            event,
            work_item,
            status,
            attempts,
            next_attempt_at,
            last_error,
            created_at,
            delivered_at,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OutboxQuery {
    /// `pending`, `delivering`, `delivered` or `dead` (default); another
    /// word answers 422 `invalid_status`.
    #[param(value_type = Option<OutboxStatus>, inline)]
    pub status: Option<String>,
    /// `next` of the previous page.
    pub before: Option<Uuid>,
    /// Page size, 1–200 (values outside are clamped); default 50.
    pub limit: Option<u64>,
}

/// Outbox events of a status, newest first
#[utoipa::path(
    get,
    path = "/api/v1/admin/outbox",
    operation_id = "list_outbox",
    tag = "admin",
    params(OutboxQuery),
    security(("session" = [])),
    responses(
        (status = 200, description = "One page of events.", body = Page<OutboxRow>),
        (status = 404, description = "`not_found`: not an admin.", body = ErrorEnvelope),
        (status = 422, description = "`validation`: `invalid_status`.", body = ErrorEnvelope),
    ),
)]
pub async fn outbox(
    State(state): State<AppState>,
    Admin(_admin): Admin,
    Query(q): Query<OutboxQuery>,
) -> Result<Json<Page<OutboxRow>>, ApiError> {
    let (items, next) =
        outbox_service::list(&state.db, q.status.as_deref(), q.before, q.limit.unwrap_or(50)).await?;
    Ok(Json(Page {
        items: items.into_iter().map(OutboxRow::from).collect(),
        next,
    }))
}

/// Put a dead event back in the queue with fresh attempts
#[utoipa::path(
    post,
    path = "/api/v1/admin/outbox/{id}/retry",
    operation_id = "retry_outbox_event",
    tag = "admin",
    params(("id" = Uuid, Path, description = "The event's id")),
    security(("session" = [])),
    responses(
        (status = 200, description = "Queued again.", body = OutboxRow),
        (status = 404, description = "`not_found`: no such event, or not an admin.", body = ErrorEnvelope),
        (status = 409, description = "`not_dead`: only dead events can be retried.", body = ErrorEnvelope),
    ),
)]
pub async fn retry(
    State(state): State<AppState>,
    Admin(_admin): Admin,
    Path(id): Path<Uuid>,
) -> Result<Json<OutboxRow>, ApiError> {
    Ok(Json(outbox_service::retry(&state.db, id).await?.into()))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct EndpointRequest {
    /// Where the department's system receives events (`http://` or
    /// `https://`, at most 500 characters); null for a system that only
    /// reports back.
    #[schema(
        format = "uri",
        max_length = 500,
        example = "https://tax.example.gov.cn/onething/events"
    )]
    pub url: Option<String>,
}

// The wire form of `outbox::EndpointCredentials`.
/// What configuring an endpoint returns, once.
#[derive(Debug, Serialize, ToSchema)]
pub struct EndpointCredentials {
    pub department: String,
    pub url: Option<String>,
    /// HMAC-SHA256 key for `X-OneThing-Signature`.
    pub secret: String,
    /// `Authorization: Bearer` token for the work-item API.
    pub token: String,
}

impl From<outbox_service::EndpointCredentials> for EndpointCredentials {
    fn from(c: outbox_service::EndpointCredentials) -> Self {
        let outbox_service::EndpointCredentials {
            department,
            url,
            secret,
            token,
        } = c;
        Self {
            department,
            url,
            secret,
            token,
        }
    }
}

/// Set a department system's endpoint; returns a new secret and token once
///
/// Replaces any earlier secret and token (the old token stops working at
/// once). `url` may be null for a system that only reports back. Other
/// instances notice a new or removed endpoint within 5 seconds.
#[utoipa::path(
    put,
    path = "/api/v1/admin/departments/{code}/endpoint",
    operation_id = "set_department_endpoint",
    tag = "admin",
    params(("code" = String, Path, description = "A department code", example = "tax")),
    request_body = EndpointRequest,
    security(("session" = [])),
    responses(
        (status = 200, description = "The credentials, shown this once.", body = EndpointCredentials),
        (status = 404, description = "`not_found`: no such department, or not an admin.", body = ErrorEnvelope),
        (status = 422, description = "`validation`: `url_invalid`.", body = ErrorEnvelope),
    ),
)]
pub async fn endpoint(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(code): Path<String>,
    ApiJson(req): ApiJson<EndpointRequest>,
) -> Result<Json<EndpointCredentials>, ApiError> {
    let creds = outbox_service::configure(&state, &code, req.url).await?;
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
    Ok(Json(creds.into()))
}

#[cfg(test)]
mod tests {
    use utoipa::PartialSchema;

    /// The described states are the outbox's.
    #[test]
    fn outbox_states_are_described() {
        let schema = serde_json::to_value(super::OutboxStatus::schema()).expect("schema");
        assert_eq!(
            schema["enum"],
            serde_json::json!(
                crate::db::entities::outbox::OutboxStatus::ALL
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
            ),
            "{schema}"
        );
    }
}
