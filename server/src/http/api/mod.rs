//! REST API v1. The router and its OpenAPI document are built in one go
//! from the handlers' `#[utoipa::path]` annotations (utoipa-axum's
//! `routes!`), so an `/api/v1` route cannot exist undescribed, nor a
//! described path unrouted. Paths are the public contract.

mod admin;
mod auth;
mod calendar;
mod catalog;
mod docs;
mod feedback;
mod forms;
mod health;
pub(crate) mod materials;
pub mod openapi;
mod stats;
mod work;
mod zone;

use axum::Router;
use axum::routing::{MethodRouter, any, get};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::http::error::api_not_found;

/// Every described operation: each `routes!` group is one path.
fn documented() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .routes(routes!(health::health))
        .routes(routes!(openapi::json))
        .routes(routes!(openapi::yaml))
        .routes(routes!(catalog::departments))
        .routes(routes!(catalog::bundles))
        .routes(routes!(catalog::bundle))
        .routes(routes!(forms::form))
        .routes(routes!(forms::get_draft, forms::put_draft, forms::delete_draft))
        .routes(routes!(forms::list, forms::submit))
        .routes(routes!(forms::get))
        .routes(routes!(work::supplement))
        .routes(routes!(materials::create, materials::list))
        .routes(routes!(materials::get))
        .routes(routes!(materials::fulfil))
        .routes(routes!(materials::decide))
        .routes(routes!(materials::review))
        .routes(routes!(feedback::rate_work_item))
        .routes(routes!(feedback::rate_submission))
        .routes(routes!(feedback::list_ratings))
        .routes(routes!(feedback::act_on_rating))
        .routes(routes!(feedback::create_case, feedback::list_cases))
        .routes(routes!(feedback::get_case))
        .routes(routes!(feedback::act_on_case))
        .routes(routes!(feedback::find_people))
        .routes(routes!(stats::overview))
        .routes(routes!(stats::bundle))
        .routes(routes!(stats::overdue))
        .routes(routes!(stats::ranking))
        .routes(routes!(stats::report))
        .routes(routes!(stats::high_frequency_list, stats::publish_high_frequency))
        .routes(routes!(work::queue))
        .routes(routes!(work::detail))
        .routes(routes!(work::act))
        .routes(routes!(work::board))
        .routes(routes!(work::notifications))
        .routes(routes!(work::read_all))
        .routes(routes!(work::read))
        .routes(routes!(zone::mine, zone::register))
        .routes(routes!(zone::get))
        .routes(routes!(zone::add_agent))
        .routes(routes!(zone::revoke_agent))
        .routes(routes!(zone::acting))
        .routes(routes!(zone::profile))
        .routes(routes!(zone::put_fact, zone::delete_fact))
        .routes(routes!(zone::certificates))
        .routes(routes!(zone::offers))
        .routes(routes!(zone::confirm))
        .routes(routes!(zone::decline))
        .routes(routes!(auth::register))
        .routes(routes!(auth::login))
        .routes(routes!(auth::logout))
        .routes(routes!(auth::change_password))
        .routes(routes!(auth::me))
        .routes(routes!(admin::list_users, admin::create_user))
        .routes(routes!(admin::disable_user))
        .routes(routes!(admin::enable_user))
        .routes(routes!(admin::outbox))
        .routes(routes!(admin::retry))
        .routes(routes!(admin::endpoint))
        .routes(routes!(admin::audit_log))
        .routes(routes!(admin::audit_verify))
        .routes(routes!(calendar::overview))
        .routes(routes!(calendar::save))
        .routes(routes!(calendar::versions))
}

/// The routes that are not JSON operations of the API, and so not in the
/// document: Prometheus text, the reference page and its files, and the
/// JSON 404 for every other `/api/…` path. None is under `/api/v1/`
/// (a unit test checks it).
fn undocumented() -> Vec<(&'static str, MethodRouter<AppState>)> {
    vec![
        ("/metrics", get(crate::http::metrics::metrics)),
        ("/api/docs", get(docs::page)),
        ("/api/docs/init.js", get(docs::init_script)),
        ("/api/docs/assets/{file}", get(docs::asset)),
        ("/api", any(api_not_found)),
        ("/api/", any(api_not_found)),
        ("/api/{*rest}", any(api_not_found)),
    ]
}

/// Every `/api/…` route, with full paths, so the same router serves both
/// the network and the in-process calls of server-side rendering.
pub fn routes() -> Router<AppState> {
    let (router, _) = documented().split_for_parts();
    undocumented()
        .into_iter()
        .fold(router, |router, (path, method)| router.route(path, method))
}

/// The OpenAPI 3.1 document of the API (served at `/api/v1/openapi.json`).
pub fn document() -> utoipa::openapi::OpenApi {
    let (_, doc) = documented().split_for_parts();
    openapi::finish(doc)
}

#[cfg(test)]
mod tests {
    /// Everything under `/api/v1/` goes through `documented()`: the only
    /// routes added beside it are these, none of them an API operation.
    #[test]
    fn only_known_routes_are_undocumented() {
        let paths: Vec<&str> = super::undocumented().into_iter().map(|(p, _)| p).collect();
        assert_eq!(
            paths,
            [
                "/metrics",
                "/api/docs",
                "/api/docs/init.js",
                "/api/docs/assets/{file}",
                "/api",
                "/api/",
                "/api/{*rest}"
            ]
        );
        assert!(paths.iter().all(|p| !p.starts_with("/api/v1/")));
    }

    /// Every described path is under `/api/v1/` and uses axum's `{param}`
    /// syntax, which is also OpenAPI's, so the router matches the document.
    #[test]
    fn described_paths_are_api_v1() {
        let doc = super::document();
        assert!(doc.paths.paths.len() > 40, "found the operations");
        for path in doc.paths.paths.keys() {
            assert!(path.starts_with("/api/v1/"), "{path}");
            assert!(!path.contains(':') && !path.contains('*'), "{path}");
        }
    }
}
