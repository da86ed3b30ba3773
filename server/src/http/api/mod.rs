//! REST API v1 routes. Paths are the public contract (see `openapi.yaml`).

mod catalog;
mod health;

use axum::Router;
use axum::routing::get;

use crate::AppState;
use crate::http::error::api_not_found;

/// Every `/api/…` route, with full paths, so the same router serves both
/// the network and the in-process calls of server-side rendering.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/health", get(health::health))
        .route("/api/v1/openapi.yaml", get(openapi))
        .route("/api/v1/departments", get(catalog::departments))
        .route("/api/v1/bundles", get(catalog::bundles))
        .route("/api/v1/bundles/{code}", get(catalog::bundle))
        .route("/api", axum::routing::any(api_not_found))
        .route("/api/", axum::routing::any(api_not_found))
        .route("/api/{*rest}", axum::routing::any(api_not_found))
}

/// `GET /api/v1/openapi.yaml`: the contract, as shipped with this build.
async fn openapi() -> impl axum::response::IntoResponse {
    (
        [(axum::http::header::CONTENT_TYPE, "application/yaml")],
        include_str!("../../../openapi.yaml"),
    )
}
