//! The catalog: public, read-only, served from memory.

use app::api::{BundleDto, DepartmentDto, ErrorEnvelope};
use axum::Json;
use axum::extract::{Path, State};

use crate::AppState;
use crate::http::error::ApiError;

/// Every department of the catalog
#[utoipa::path(
    get,
    path = "/api/v1/departments",
    operation_id = "list_departments",
    tag = "catalog",
    responses((status = 200, description = "Departments in catalog order.", body = Vec<DepartmentDto>)),
)]
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

/// Every bundle (一件事) with its items
#[utoipa::path(
    get,
    path = "/api/v1/bundles",
    operation_id = "list_bundles",
    tag = "catalog",
    responses((status = 200, description = "Bundles in catalog order.", body = Vec<BundleDto>)),
)]
pub async fn bundles(State(state): State<AppState>) -> Json<Vec<BundleDto>> {
    Json(state.catalog.bundles.iter().map(BundleDto::from).collect())
}

/// One bundle
#[utoipa::path(
    get,
    path = "/api/v1/bundles/{code}",
    operation_id = "get_bundle",
    tag = "catalog",
    params(("code" = String, Path, description = "A bundle code", example = "restaurant")),
    responses(
        (status = 200, description = "The bundle.", body = BundleDto),
        (status = 404, description = "`not_found`: no such bundle.", body = ErrorEnvelope),
    ),
)]
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
