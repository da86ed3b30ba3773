use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::AppState;
use crate::http::error::ApiError;

/// `GET /api/v1/health`: 200 `{"status":"ok", "outbox": {"pending", "dead"}}`
/// only when the database answers.
pub async fn health(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    match crate::services::outbox::backlog(&state.db).await {
        Ok(b) => Ok(Json(json!({ "status": "ok", "outbox": b }))),
        Err(_) => Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "数据库暂时不可用",
        )),
    }
}
