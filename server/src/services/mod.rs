//! Services: business rules and authorisation, independent of HTTP. Each
//! takes the database connection (or a transaction) and returns
//! [`ServiceError`], which the HTTP layer maps onto status codes.

use app::api::FieldError;

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
    /// The request conflicts with the current state (409).
    #[error("{code}: {message}")]
    Conflict { code: &'static str, message: String },
    /// Anything else: logged, answered as 500 without details.
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<sea_orm::DbErr> for ServiceError {
    fn from(e: sea_orm::DbErr) -> Self {
        Self::Unexpected(e.into())
    }
}

pub type ServiceResult<T> = Result<T, ServiceError>;
