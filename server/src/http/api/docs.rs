//! `GET /api/docs`: the API reference page (Swagger UI) for the generated
//! document, served by this server: the government intranet reaches no CDN.
//!
//! Swagger UI's files come from the npm package `swagger-ui-dist`, pinned in
//! `end2end/package-lock.json`; `.ci/setup` copies the two that are needed
//! into `public/api-docs/`, which the site build copies into the site root
//! (`LEPTOS_SITE_ROOT/api-docs`). The page and its start-up script are ours
//! and live here, so the page works under a CSP without inline scripts or
//! styles.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::AppState;
use crate::http::error::ApiError;

/// The reference page's own policy: scripts, styles and requests only from
/// this origin; images also as `data:` URLs (Swagger UI's icons).
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; \
                   frame-ancestors 'none'";

const PAGE: &str = r#"<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>OneThing (一件事) API reference</title>
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/api/docs/assets/swagger-ui.css">
</head>
<body>
<div id="swagger-ui">
<p>OneThing (一件事) API v1: the OpenAPI 3.1 document is at
<a href="/api/v1/openapi.json">/api/v1/openapi.json</a>
(<a href="/api/v1/openapi.yaml">YAML</a>).</p>
</div>
<script src="/api/docs/assets/swagger-ui-bundle.js"></script>
<script src="/api/docs/init.js"></script>
</body>
</html>
"#;

/// Starts Swagger UI on the document; says so when its files are missing
/// (a site built without `.ci/setup`), leaving the links to the document.
const INIT: &str = r#"'use strict';
window.addEventListener('load', function () {
  var root = document.getElementById('swagger-ui');
  if (typeof window.SwaggerUIBundle !== 'function') {
    var note = document.createElement('p');
    note.textContent = 'Swagger UI is not installed on this server (run .ci/setup before building the site).';
    root.appendChild(note);
    return;
  }
  window.ui = window.SwaggerUIBundle({
    url: '/api/v1/openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    // No call to the public validator: the intranet cannot reach it.
    validatorUrl: null,
    defaultModelsExpandDepth: 0,
    tryItOutEnabled: false,
  });
});
"#;

/// The files of `swagger-ui-dist` the page uses, and their types.
const ASSETS: [(&str, &str); 2] = [
    ("swagger-ui.css", "text/css; charset=utf-8"),
    ("swagger-ui-bundle.js", "text/javascript; charset=utf-8"),
];

pub async fn page() -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            ),
            (header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP)),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        PAGE,
    )
        .into_response()
}

pub async fn init_script() -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/javascript; charset=utf-8"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        INIT,
    )
        .into_response()
}

/// `/api/docs/assets/{file}`: one of [`ASSETS`], from the site root.
pub async fn asset(State(state): State<AppState>, Path(file): Path<String>) -> Response {
    let Some((name, content_type)) = ASSETS.iter().find(|(name, _)| *name == file) else {
        return ApiError::not_found().into_response();
    };
    let path = std::path::Path::new(&*state.leptos.site_root)
        .join("api-docs")
        .join(name);
    match tokio::fs::read(&path).await {
        Ok(bytes) => (
            StatusCode::OK,
            [
                (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
                // The files change only with the pinned package; an hour
                // keeps reloads cheap without pinning a stale copy for long.
                (
                    header::CACHE_CONTROL,
                    HeaderValue::from_static("public, max-age=3600"),
                ),
            ],
            bytes,
        )
            .into_response(),
        Err(_) => ApiError::not_found().into_response(),
    }
}
