//! Glue between Leptos server-side rendering and the REST API.
//!
//! Pages fetch their data through `app::client::Api`, the same client the
//! browser uses. During SSR that client does not open a socket: it calls the
//! API router in process ([`InProcessApi`]) with the visitor's cookies, so
//! every page goes through exactly the same authorisation as the API.

use std::sync::Arc;

use app::client::ssr::{Backend, BackendHandle, BoxFuture};
use axum::Router;
use axum::body::Body;
use leptos::prelude::provide_context;
use tower::ServiceExt;

use crate::AppState;

/// Largest API response SSR will read.
const MAX_RESPONSE: usize = 16 * 1024 * 1024;

/// The API router, callable in process.
#[derive(Clone)]
pub struct InProcessApi(Router);

impl InProcessApi {
    pub fn new(api: Router) -> Self {
        Self(api)
    }
}

impl Backend for InProcessApi {
    fn call(&self, req: http::Request<Vec<u8>>) -> BoxFuture {
        let router = self.0.clone();
        Box::pin(async move {
            let res = match router.oneshot(req.map(Body::from)).await {
                Ok(res) => res,
                Err(never) => match never {},
            };
            let (parts, body) = res.into_parts();
            match axum::body::to_bytes(body, MAX_RESPONSE).await {
                Ok(bytes) => http::Response::from_parts(parts, bytes.to_vec()),
                Err(e) => {
                    tracing::error!(error = %e, "in-process API response unreadable");
                    let mut r = http::Response::new(Vec::new());
                    *r.status_mut() = http::StatusCode::INTERNAL_SERVER_ERROR;
                    r
                }
            }
        })
    }
}

/// Context every server-rendered page gets.
pub fn provide_request_context(_state: &AppState, api: InProcessApi) {
    provide_context(BackendHandle(Arc::new(api)));
}
