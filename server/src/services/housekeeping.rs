//! Periodic jobs: 告知承诺 reminders, reminders of due, overdue and
//! returned work items (see [`super::reminders`]), removing uploads no submission
//! took, escalating overdue cases (诉求) to the county office, and deleting
//! what is past its retention (see [`super::retention`]). On PostgreSQL one
//! instance at a time runs them (an advisory lock); every step also claims
//! its rows with a conditional update or delete, so a run that overlaps
//! another anyway does each thing once.

use std::time::Duration;

use app::domain::Date;
use chrono::{DateTime, Utc};

use super::materials::commitments;
use super::{reminders, retention, uploads};
use crate::AppState;

/// How often the jobs run.
pub const EVERY: Duration = Duration::from_secs(10 * 60);

/// What one run did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// 告知承诺 reminders to applicants.
    pub reminders: u64,
    /// Reminders of due, overdue and returned work items.
    pub work_reminders: reminders::Sent,
    pub uploads_removed: u64,
    pub stray_files_removed: u64,
    /// Overdue cases escalated to the county office.
    pub cases_escalated: u64,
    /// Records past their retention.
    pub purged: retention::Purged,
    /// Another instance was running the jobs, so this one did nothing.
    pub skipped: bool,
}

/// One run of every job, as of `now`.
pub async fn run_once(state: &AppState, now: DateTime<Utc>) -> anyhow::Result<Report> {
    // This instance's own memory, whoever runs the shared jobs.
    state.rate_limits.forget_idle();
    let Some(lock) = crate::db::try_job_lock(&state.db, "housekeeping").await? else {
        tracing::debug!("housekeeping runs on another instance");
        return Ok(Report {
            skipped: true,
            ..Report::default()
        });
    };
    let today = Date::china_day_of(now.timestamp());
    let reminders = commitments::remind(state, today).await?;
    let work_reminders = reminders::run(state, now).await?;
    let (uploads_removed, stray_files_removed) = uploads::purge_orphans(state, now).await?;
    let cases_escalated = super::feedback::cases::escalate_overdue(state, today).await?;
    let purged = retention::purge(state, now).await?;
    lock.release().await?;
    let report = Report {
        reminders,
        work_reminders,
        uploads_removed,
        stray_files_removed,
        cases_escalated,
        purged,
        skipped: false,
    };
    state.metrics.count_housekeeping(&report.removed());
    Ok(report)
}

impl Report {
    /// What the run removed, by kind (the `what` of the metric
    /// `onething_housekeeping_removed_total`).
    pub fn removed(&self) -> [(&'static str, u64); 7] {
        [
            ("uploads", self.uploads_removed),
            ("stray_files", self.stray_files_removed),
            ("sessions", self.purged.sessions),
            ("login_throttles", self.purged.throttles),
            ("drafts", self.purged.drafts),
            ("outbox_payloads", self.purged.outbox_payloads),
            ("reminders", self.purged.reminders),
        ]
    }
}

/// Runs the jobs now and then every [`EVERY`], logging failures.
pub fn spawn(state: AppState) -> tokio::task::JoinHandle<()> {
    super::periodically(EVERY, "housekeeping", move || {
        let state = state.clone();
        async move {
            let report = run_once(&state, Utc::now()).await;
            let outcome = match &report {
                Ok(r) if r.skipped => "skipped",
                Ok(_) => "ran",
                Err(_) => "failed",
            };
            state.metrics.count_housekeeping_run(outcome);
            report.map(|_| ())
        }
    })
}
