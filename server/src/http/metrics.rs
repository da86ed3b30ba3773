//! Prometheus metrics: request latency per route template and status class,
//! submissions filed, and the outbox backlog (read at scrape time).
//! `GET /metrics` answers only to admins and to localhost (not through a
//! proxy: a request with `X-Forwarded-For` or `Forwarded` is not local,
//! unless it comes from a trusted proxy that names this host as its client).

use std::net::SocketAddr;
use std::time::Instant;

use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::AppState;
use crate::http::auth::MaybeActor;

/// Route layer: times each request under its route template.
pub async fn record(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |m| m.as_str().to_owned());
    let method = req.method().as_str().to_owned();
    let started = Instant::now();
    let res = next.run(req).await;
    state.metrics.observe(
        &method,
        &route,
        res.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    res
}

/// `GET /metrics`: admins, or a scraper on the same host.
pub async fn metrics(State(state): State<AppState>, MaybeActor(actor): MaybeActor, req: Request) -> Response {
    // A request relayed by a reverse proxy on this host is not local,
    // unless a trusted proxy says its client is this host; an untrusted
    // peer's forwarding headers make it not local whatever they say.
    let proxied =
        req.headers().contains_key("x-forwarded-for") || req.headers().contains_key(header::FORWARDED);
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let trusted = peer.is_some_and(|p| state.settings.trusted_proxies.trusts(p));
    let local = (!proxied || trusted)
        && crate::http::auth::client_ip(&state, &req).is_some_and(|ip| ip.is_loopback());
    let admin = actor.as_ref().is_some_and(|a| a.is_admin());
    if !(local || admin) {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    }
    match crate::services::outbox::backlog(&state.db).await {
        Ok(b) => (
            [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
            state.metrics.render(b.pending, b.dead),
        )
            .into_response(),
        Err(e) => crate::http::error::ApiError::internal(e).into_response(),
    }
}
