//! The catalog: public, read-only, served from memory.

use app::api::{BundleDto, DepartmentDto};
use axum::Json;
use axum::extract::{Path, State};

use crate::AppState;
use crate::http::error::ApiError;

/// `GET /api/v1/departments`.
pub async fn departments(State(state): State<AppState>) -> Json<Vec<DepartmentDto>> {
    Json(
        state
            .catalog
            .departments
            .iter()
            .map(DepartmentDto::from)
            .collect(),
    )
}

/// `GET /api/v1/bundles`.
pub async fn bundles(State(state): State<AppState>) -> Json<Vec<BundleDto>> {
    Json(state.catalog.bundles.iter().map(BundleDto::from).collect())
}

/// `GET /api/v1/bundles/{code}`; unknown code → 404.
pub async fn bundle(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> Result<Json<BundleDto>, ApiError> {
    state
        .catalog
        .event_bundle(&code)
        .map(|b| Json(BundleDto::from(b)))
        .ok_or_else(ApiError::not_found)
}
