//! Periodic jobs: 告知承诺 reminders, removing uploads no submission
//! took, and escalating overdue cases (诉求) to the county office. Safe to run on several instances at once (every step claims its
//! rows with a conditional update or delete).

use std::time::Duration;

use app::domain::Date;
use chrono::{DateTime, Utc};

use super::materials::commitments;
use super::notifications::LoggedSms;
use super::uploads;
use crate::AppState;

/// How often the jobs run.
pub const EVERY: Duration = Duration::from_secs(10 * 60);

/// What one run did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Report {
    pub reminders: u64,
    pub uploads_removed: u64,
    pub stray_files_removed: u64,
    /// Overdue cases escalated to the county office.
    pub cases_escalated: u64,
}

/// One run of every job, as of `now`.
pub async fn run_once(state: &AppState, now: DateTime<Utc>) -> anyhow::Result<Report> {
    let today = Date::china_day_of(now.timestamp());
    let reminders = commitments::remind(state, today, &LoggedSms).await?;
    let (uploads_removed, stray_files_removed) = uploads::purge_orphans(state, now).await?;
    let cases_escalated = super::feedback::cases::escalate_overdue(state, today).await?;
    Ok(Report {
        reminders,
        cases_escalated,
        uploads_removed,
        stray_files_removed,
    })
}

/// Runs the jobs now and then every [`EVERY`], logging failures.
pub fn spawn(state: AppState) -> tokio::task::JoinHandle<()> {
    super::periodically(EVERY, "housekeeping", move || {
        let state = state.clone();
        async move { run_once(&state, Utc::now()).await.map(|_| ()) }
    })
}
