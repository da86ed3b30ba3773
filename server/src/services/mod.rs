//! Services: business rules and authorisation, independent of HTTP. Each
//! takes the database connection (or a transaction) and returns
//! [`ServiceError`], which the HTTP layer maps onto status codes.

pub mod answers;
pub mod audit;
pub mod auth;
pub mod calendar;
pub mod demo;
pub mod drafts;
pub mod enterprises;
pub mod feedback;
pub mod forms;
pub mod housekeeping;
pub mod materials;
pub mod notifications;
pub mod outbox;
pub mod paging;
pub mod passwords;
pub mod policies;
pub mod profiles;
pub mod reminders;
pub mod retention;
pub mod stats;
pub mod submissions;
pub mod throttle;
pub mod tracking;
pub mod uploads;
pub mod users;
pub mod work_items;

use app::api::FieldError;

/// Runs `job` now and then every `period` (a late run is not made up),
/// logging a failure under `what`.
pub fn periodically<F, Fut>(
    period: std::time::Duration,
    what: &'static str,
    job: F,
) -> tokio::task::JoinHandle<()>
where
    F: Fn() -> Fut + Send + 'static,
    Fut: Future<Output = anyhow::Result<()>> + Send,
{
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(period);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(e) = job().await {
                tracing::error!(error = %format!("{e:#}"), job = what, "background job failed");
            }
        }
    })
}

/// The errors a service can report.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The object does not exist *or the caller may not see it* (404 either
    /// way, so existence is not revealed).
    #[error("not found")]
    NotFound,
    /// Input broke a rule; one entry per offending field.
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    /// Not logged in, or the login failed (401).
    #[error("{code}: {message}")]
    Unauthorized { code: &'static str, message: String },
    /// Too many failed attempts; try again after this many seconds (429).
    #[error("throttled for {retry_after_secs}s")]
    Throttled { retry_after_secs: i64 },
    /// The caller's role may never do this (403); objects are never
    /// refused this way (they answer 404).
    #[error("{code}: {message}")]
    Forbidden { code: &'static str, message: String },
    /// The request conflicts with the current state (409).
    #[error("{code}: {message}")]
    Conflict { code: &'static str, message: String },
    /// The body is larger than allowed (413 `too_large`).
    #[error("too large: {message}")]
    TooLarge { message: String },
    /// Too much of this work at once; try again after this many seconds
    /// (503 `busy`).
    #[error("busy, retry in {retry_after_secs}s")]
    Busy { retry_after_secs: i64 },
    /// A file of a kind that is not accepted (415 `unsupported_type`).
    #[error("unsupported type: {message}")]
    UnsupportedType { message: String },
    /// Anything else: logged, answered as 500 without details.
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl ServiceError {
    /// A field error, to collect before failing.
    pub fn field_error(field: &str, code: &str, message: impl Into<String>) -> FieldError {
        FieldError::new(field, code, message)
    }

    /// One field error.
    pub fn field(field: &str, code: &str, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError::new(field, code, message)])
    }
}

impl From<sea_orm::DbErr> for ServiceError {
    fn from(e: sea_orm::DbErr) -> Self {
        Self::Unexpected(e.into())
    }
}

pub type ServiceResult<T> = Result<T, ServiceError>;
