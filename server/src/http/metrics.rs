//! Prometheus metrics: request latency per route template and status class,
//! submissions filed, and the outbox backlog (read at scrape time).
//! `GET /metrics` answers only to admins and to localhost (not through a
//! proxy: a request with `X-Forwarded-For` or `Forwarded` is not local).

use std::collections::BTreeMap;
use std::fmt::Write;
use std::net::SocketAddr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::AppState;
use crate::http::auth::MaybeActor;

const BUCKETS: [f64; 11] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

#[derive(Debug, Default, Clone)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

/// In-process metrics of this instance (each instance is scraped on its own).
#[derive(Debug, Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, String, String), Histogram>>,
    pub submissions: AtomicU64,
}

impl Metrics {
    fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let class = format!("{}xx", status / 100);
        if let Ok(mut map) = self.requests.lock() {
            let h = map
                .entry((method.to_owned(), route.to_owned(), class))
                .or_default();
            for (i, b) in BUCKETS.iter().enumerate() {
                if seconds <= *b {
                    h.counts[i] += 1;
                }
            }
            h.count += 1;
            h.sum += seconds;
        }
    }

    /// The Prometheus text format.
    pub fn render(&self, backlog: crate::services::outbox::Backlog) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# HELP onething_http_request_duration_seconds Request latency by route template."
        );
        let _ = writeln!(out, "# TYPE onething_http_request_duration_seconds histogram");
        if let Ok(map) = self.requests.lock() {
            for ((method, route, class), h) in map.iter() {
                let labels = format!("method=\"{method}\",route=\"{route}\",status=\"{class}\"");
                for (i, b) in BUCKETS.iter().enumerate() {
                    let _ = writeln!(
                        out,
                        "onething_http_request_duration_seconds_bucket{{{labels},le=\"{b}\"}} {}",
                        h.counts[i]
                    );
                }
                let _ = writeln!(
                    out,
                    "onething_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                    h.count
                );
                let _ = writeln!(
                    out,
                    "onething_http_request_duration_seconds_sum{{{labels}}} {}",
                    h.sum
                );
                let _ = writeln!(
                    out,
                    "onething_http_request_duration_seconds_count{{{labels}}} {}",
                    h.count
                );
            }
        }
        let _ = writeln!(
            out,
            "# HELP onething_submissions_total Submissions filed by this instance."
        );
        let _ = writeln!(out, "# TYPE onething_submissions_total counter");
        let _ = writeln!(
            out,
            "onething_submissions_total {}",
            self.submissions.load(Ordering::Relaxed)
        );
        let _ = writeln!(
            out,
            "# HELP onething_outbox_backlog Outbox events waiting for delivery."
        );
        let _ = writeln!(out, "# TYPE onething_outbox_backlog gauge");
        let _ = writeln!(out, "onething_outbox_backlog {}", backlog.pending);
        let _ = writeln!(out, "# HELP onething_outbox_dead Outbox events out of attempts.");
        let _ = writeln!(out, "# TYPE onething_outbox_dead gauge");
        let _ = writeln!(out, "onething_outbox_dead {}", backlog.dead);
        out
    }
}

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
    // A request relayed by a reverse proxy on this host is not local.
    let proxied =
        req.headers().contains_key("x-forwarded-for") || req.headers().contains_key(header::FORWARDED);
    let local = !proxied
        && req
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .is_some_and(|c| c.0.ip().is_loopback());
    let admin = actor.as_ref().is_some_and(|a| a.is_admin());
    if !(local || admin) {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    }
    match crate::services::outbox::backlog(&state.db).await {
        Ok(b) => (
            [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
            state.metrics.render(b),
        )
            .into_response(),
        Err(e) => crate::http::error::ApiError::internal(e).into_response(),
    }
}
