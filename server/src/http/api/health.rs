use app::api::Health;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;

use crate::AppState;
use crate::http::error::ApiError;

/// `GET /api/v1/health`: 200 `{"status":"ok"}` only when the database answers.
pub async fn health(State(state): State<AppState>) -> Result<Json<Health>, ApiError> {
    if crate::db::ping(&state.db).await {
        Ok(Json(Health { status: "ok".into() }))
    } else {
        Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "数据库暂时不可用",
        ))
    }
}
