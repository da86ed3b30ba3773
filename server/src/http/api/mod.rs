//! REST API v1 routes. Paths are the public contract (see `openapi.yaml`).

mod admin;
mod auth;
mod catalog;
mod forms;
mod health;
mod work;
mod zone;

use axum::Router;
use axum::routing::{get, post};

use crate::AppState;
use crate::http::error::api_not_found;

/// Every `/api/…` route, with full paths, so the same router serves both
/// the network and the in-process calls of server-side rendering.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/health", get(health::health))
        .route("/metrics", get(crate::http::metrics::metrics))
        .route("/api/v1/openapi.yaml", get(openapi))
        .route("/api/v1/departments", get(catalog::departments))
        .route("/api/v1/bundles", get(catalog::bundles))
        .route("/api/v1/bundles/{code}", get(catalog::bundle))
        .route("/api/v1/bundles/{code}/form", get(forms::form))
        .route(
            "/api/v1/drafts/{bundle}",
            get(forms::get_draft)
                .put(forms::put_draft)
                .delete(forms::delete_draft),
        )
        .route("/api/v1/submissions", get(forms::list).post(forms::submit))
        .route("/api/v1/submissions/{id}", get(forms::get))
        .route("/api/v1/submissions/{id}/supplement", post(work::supplement))
        .route("/api/v1/work-items", get(work::queue))
        .route("/api/v1/work-items/{id}", get(work::detail))
        .route("/api/v1/work-items/{id}/actions", post(work::act))
        .route("/api/v1/lead/board", get(work::board))
        .route("/api/v1/notifications", get(work::notifications))
        .route("/api/v1/notifications/read-all", post(work::read_all))
        .route("/api/v1/notifications/{id}/read", post(work::read))
        .route("/api/v1/enterprises", get(zone::mine).post(zone::register))
        .route("/api/v1/enterprises/{id}", get(zone::get))
        .route("/api/v1/enterprises/{id}/agents", post(zone::add_agent))
        .route(
            "/api/v1/enterprises/{id}/agents/{user}",
            axum::routing::delete(zone::revoke_agent),
        )
        .route("/api/v1/acting", post(zone::acting))
        .route("/api/v1/profile", get(zone::profile))
        .route(
            "/api/v1/profile/{key}",
            axum::routing::put(zone::put_fact).delete(zone::delete_fact),
        )
        .route("/api/v1/certificates", get(zone::certificates))
        .route("/api/v1/offers", get(zone::offers))
        .route("/api/v1/offers/{id}/confirm", post(zone::confirm))
        .route("/api/v1/offers/{id}/decline", post(zone::decline))
        .route("/api/v1/auth/register", post(auth::register))
        .route("/api/v1/auth/login", post(auth::login))
        .route("/api/v1/auth/logout", post(auth::logout))
        .route("/api/v1/auth/password", post(auth::change_password))
        .route("/api/v1/me", get(auth::me))
        .route(
            "/api/v1/admin/users",
            get(admin::list_users).post(admin::create_user),
        )
        .route("/api/v1/admin/users/{id}/disable", post(admin::disable_user))
        .route("/api/v1/admin/users/{id}/enable", post(admin::enable_user))
        .route("/api/v1/admin/outbox", get(admin::outbox))
        .route("/api/v1/admin/outbox/{id}/retry", post(admin::retry))
        .route(
            "/api/v1/admin/departments/{code}/endpoint",
            axum::routing::put(admin::endpoint),
        )
        .route("/api/v1/admin/audit", get(admin::audit_log))
        .route("/api/v1/admin/audit/verify", get(admin::audit_verify))
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

#[cfg(test)]
mod tests {
    use yaml_rust2::YamlLoader;

    /// `openapi.yaml` is valid YAML and describes every route of this file.
    #[test]
    fn every_route_is_in_the_openapi_description() {
        let docs = YamlLoader::load_from_str(include_str!("../../../openapi.yaml"))
            .expect("openapi.yaml is valid YAML");
        let paths = docs[0]["paths"].as_hash().expect("paths");
        let described: Vec<&str> = paths.keys().filter_map(|k| k.as_str()).collect();
        let source = include_str!("mod.rs");
        let routes: Vec<&str> = source
            .split('"')
            .filter(|t| t.starts_with("/api/v1/") && t.len() > "/api/v1/".len())
            .collect();
        assert!(routes.len() > 10, "found the routes");
        let missing: Vec<&&str> = routes.iter().filter(|r| !described.contains(r)).collect();
        assert!(missing.is_empty(), "not in openapi.yaml: {missing:?}");
        let stale: Vec<&&str> = described.iter().filter(|d| !routes.contains(d)).collect();
        assert!(stale.is_empty(), "described but not routed: {stale:?}");
    }
}
