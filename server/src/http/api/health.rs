use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use utoipa::ToSchema;

use crate::AppState;
use crate::http::error::ApiError;

/// `GET /api/v1/health`.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Health)]
pub struct HealthReport {
    #[schema(value_type = String, example = "ok")]
    status: &'static str,
    outbox: OutboxBacklog,
}

/// Outbox events by state, for health checks.
#[derive(Debug, Serialize, ToSchema)]
pub struct OutboxBacklog {
    /// Events waiting for (re)delivery.
    pending: u64,
    /// Events out of attempts, waiting for an admin's retry.
    dead: u64,
}

impl From<crate::services::outbox::Backlog> for OutboxBacklog {
    fn from(b: crate::services::outbox::Backlog) -> Self {
        let crate::services::outbox::Backlog { pending, dead } = b;
        Self { pending, dead }
    }
}

/// Liveness, database reachability and the outbox backlog
///
/// 200 only when the database answers.
#[utoipa::path(
    get,
    path = "/api/v1/health",
    operation_id = "health",
    tag = "meta",
    responses(
        (status = 200, description = "The database answers; `outbox` counts events waiting for delivery and dead letters.", body = HealthReport),
        (status = 503, description = "`unavailable`: the database does not answer.", body = app::api::ErrorEnvelope),
    ),
)]
pub async fn health(State(state): State<AppState>) -> Result<Json<HealthReport>, ApiError> {
    match crate::services::outbox::backlog(&state.db).await {
        Ok(b) => Ok(Json(HealthReport {
            status: "ok",
            outbox: b.into(),
        })),
        Err(_) => Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "数据库暂时不可用",
        )),
    }
}
