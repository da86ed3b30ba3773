//! The in-process metrics registry of this instance: request latency per
//! route template and status class, and submissions filed. A leaf: the HTTP
//! layer records and serves it (`http::metrics`), services count into it.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

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
    /// Records housekeeping removed, by kind.
    housekeeping: Mutex<BTreeMap<&'static str, u64>>,
    /// Background housekeeping runs, by outcome (`ran`, `skipped` because
    /// another instance ran them, `failed`).
    housekeeping_runs: Mutex<BTreeMap<&'static str, u64>>,
    /// Messages handed to a channel beyond the inbox, by (channel, kind,
    /// outcome).
    notifications: Mutex<BTreeMap<(&'static str, &'static str, &'static str), u64>>,
}

impl Metrics {
    pub fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
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

    /// Adds what a housekeeping run removed.
    pub fn count_housekeeping(&self, removed: &[(&'static str, u64)]) {
        if let Ok(mut map) = self.housekeeping.lock() {
            for (what, n) in removed {
                *map.entry(what).or_default() += n;
            }
        }
    }

    /// Counts one background housekeeping run by its outcome.
    pub fn count_housekeeping_run(&self, outcome: &'static str) {
        if let Ok(mut map) = self.housekeeping_runs.lock() {
            *map.entry(outcome).or_default() += 1;
        }
    }

    /// Counts one message handed to `channel` (`sent` or `failed`).
    pub fn count_notification(&self, channel: &'static str, kind: &'static str, outcome: &'static str) {
        if let Ok(mut map) = self.notifications.lock() {
            *map.entry((channel, kind, outcome)).or_default() += 1;
        }
    }

    /// Messages of `kind` sent through `channel` so far.
    pub fn notifications_sent(&self, channel: &str, kind: &str) -> u64 {
        self.notifications
            .lock()
            .map(|m| {
                m.iter()
                    .filter(|((c, k, o), _)| *c == channel && *k == kind && *o == "sent")
                    .map(|(_, n)| n)
                    .sum()
            })
            .unwrap_or(0)
    }

    /// Background housekeeping runs so far, whatever their outcome.
    pub fn housekeeping_runs(&self) -> u64 {
        self.housekeeping_runs
            .lock()
            .map(|m| m.values().sum())
            .unwrap_or(0)
    }

    /// The Prometheus text format.
    pub fn render(&self, outbox_pending: u64, outbox_dead: u64) -> String {
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
        let _ = writeln!(out, "onething_outbox_backlog {}", outbox_pending);
        let _ = writeln!(out, "# HELP onething_outbox_dead Outbox events out of attempts.");
        let _ = writeln!(out, "# TYPE onething_outbox_dead gauge");
        let _ = writeln!(out, "onething_outbox_dead {}", outbox_dead);
        let _ = writeln!(
            out,
            "# HELP onething_housekeeping_removed_total Records housekeeping removed (past their retention or never used)."
        );
        let _ = writeln!(out, "# TYPE onething_housekeeping_removed_total counter");
        if let Ok(map) = self.housekeeping.lock() {
            for (what, n) in map.iter() {
                let _ = writeln!(out, "onething_housekeeping_removed_total{{what=\"{what}\"}} {n}");
            }
        }
        let _ = writeln!(
            out,
            "# HELP onething_housekeeping_runs_total Background housekeeping runs by outcome (skipped: another instance ran them)."
        );
        let _ = writeln!(out, "# TYPE onething_housekeeping_runs_total counter");
        if let Ok(map) = self.housekeeping_runs.lock() {
            for (outcome, n) in map.iter() {
                let _ = writeln!(
                    out,
                    "onething_housekeeping_runs_total{{outcome=\"{outcome}\"}} {n}"
                );
            }
        }
        let _ = writeln!(
            out,
            "# HELP onething_notifications_total Messages handed to a channel beyond the in-app inbox (sms, email), by kind and outcome."
        );
        let _ = writeln!(out, "# TYPE onething_notifications_total counter");
        if let Ok(map) = self.notifications.lock() {
            for ((channel, kind, outcome), n) in map.iter() {
                let _ = writeln!(
                    out,
                    "onething_notifications_total{{channel=\"{channel}\",kind=\"{kind}\",outcome=\"{outcome}\"}} {n}"
                );
            }
        }
        out
    }
}
