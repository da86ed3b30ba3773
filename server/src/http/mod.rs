//! HTTP: the router that serves the server-rendered pages and the REST API.

pub mod api;
pub mod assets;
pub mod auth;
pub mod error;
pub mod headers;
pub mod metrics;
pub mod ssr;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::HeaderValue;
use leptos_axum::{LeptosRoutes, generate_route_list};
use tower_http::trace::TraceLayer;

use crate::AppState;

/// Largest request body accepted (413 beyond it). Forms are text only;
/// attachments will go to object storage, not through JSON bodies.
pub const BODY_LIMIT: usize = 256 * 1024;

/// The `/api/…` router with its state and error envelope, as used both by the
/// network stack and by server-side rendering in process.
pub fn api_router(state: AppState) -> Router {
    api::routes()
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            metrics::record,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::identify,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::same_origin,
        ))
        .layer(axum::middleware::from_fn(error::envelope_errors))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(state)
}

/// The whole application router.
pub fn build_router(state: AppState) -> Router {
    let api = api_router(state.clone());
    let routes = generate_route_list(app::App);
    let leptos_options = state.leptos.clone();
    let context_state = state.clone();
    let in_process = ssr::InProcessApi::new(api.clone());
    let (fallback_state, fallback_api) = (state.clone(), in_process.clone());

    let pages = Router::new()
        .leptos_routes_with_context(
            &state,
            routes,
            move || ssr::provide_request_context(&context_state, in_process.clone()),
            move || app::shell(leptos_options.clone()),
        )
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            metrics::record,
        ))
        .nest_service("/pkg", pkg_service(&state))
        .fallback(leptos_axum::file_and_error_handler_with_context::<AppState, _>(
            move || ssr::provide_request_context(&fallback_state, fallback_api.clone()),
            app::shell,
        ))
        .with_state(state);

    pages
        .merge(api)
        // Pages and JSON compressed on the fly (fast settings); `/pkg` is
        // already compressed and passes through untouched.
        .layer(
            tower_http::compression::CompressionLayer::new().quality(tower_http::CompressionLevel::Fastest),
        )
        .layer(axum::middleware::from_fn(headers::security_headers))
        .layer(TraceLayer::new_for_http().make_span_with(headers::request_span))
}

/// `/pkg`: the built CSS, JS and WASM, precompressed (see [`assets`]).
/// Named by content hash, they never change and are cached for a year;
/// unhashed (a build without `hash-files`), browsers revalidate them.
fn pkg_service(
    state: &AppState,
) -> tower_http::set_header::SetResponseHeader<tower_http::services::ServeDir, HeaderValue> {
    let dir = std::path::Path::new(&*state.leptos.site_root).join(&*state.leptos.site_pkg_dir);
    assets::precompress(&dir);
    let js = dir.join(format!("{}.js", state.leptos.output_name));
    if !state.leptos.hash_files && !js.is_file() && dir.is_dir() {
        tracing::warn!(
            pkg = %dir.display(),
            "no {} in the site: a build with hashed file names needs its hash.txt beside the server binary",
            js.display()
        );
    }
    let cache = if state.leptos.hash_files {
        HeaderValue::from_static("public, max-age=31536000, immutable")
    } else {
        HeaderValue::from_static("no-cache")
    };
    tower_http::set_header::SetResponseHeader::overriding(
        tower_http::services::ServeDir::new(dir)
            .precompressed_br()
            .precompressed_gzip(),
        axum::http::header::CACHE_CONTROL,
        cache,
    )
}
