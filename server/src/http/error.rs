//! The HTTP error type and the one JSON envelope every `/api/` error uses:
//! `{"error":{"code","message","fields"?}}`. Internal errors are logged with
//! an id that is also returned, and their details never leave the server.

use app::api::{ErrorBody, ErrorEnvelope, FieldError};
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

use crate::services::ServiceError;

/// An error answer of the API.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub fields: Vec<FieldError>,
    /// Seconds for a `Retry-After` header (429).
    pub retry_after: Option<i64>,
}

fn wait_text(secs: i64) -> String {
    if secs >= 60 {
        format!("{} 分钟", (secs + 59) / 60)
    } else {
        format!("{secs} 秒")
    }
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            fields: Vec::new(),
            retry_after: None,
        }
    }

    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", "未找到请求的资源")
    }

    pub fn validation(fields: Vec<FieldError>) -> Self {
        Self {
            fields,
            ..Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation",
                "提交的内容有误，请检查后重试",
            )
        }
    }

    /// Logs the cause with a fresh id and answers 500 with only that id.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        let id = uuid::Uuid::now_v7();
        tracing::error!(error_id = %id, error = %cause, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            format!("服务器内部错误，请稍后重试（错误编号 {id}）"),
        )
    }

    fn envelope(&self) -> ErrorEnvelope {
        ErrorEnvelope {
            error: ErrorBody {
                code: self.code.to_owned(),
                message: self.message.clone(),
                fields: self.fields.clone(),
            },
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut res = (self.status, Json(self.envelope())).into_response();
        res.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if let Some(v) = self
            .retry_after
            .and_then(|secs| HeaderValue::from_str(&secs.to_string()).ok())
        {
            res.headers_mut().insert(header::RETRY_AFTER, v);
        }
        res
    }
}

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::NotFound => Self::not_found(),
            ServiceError::Validation(fields) => Self::validation(fields),
            ServiceError::Conflict { code, message } => Self::new(StatusCode::CONFLICT, code, message),
            ServiceError::Forbidden { code, message } => Self::new(StatusCode::FORBIDDEN, code, message),
            ServiceError::Unauthorized { code, message } => {
                Self::new(StatusCode::UNAUTHORIZED, code, message)
            }
            ServiceError::Throttled { retry_after_secs } => Self {
                retry_after: Some(retry_after_secs),
                ..Self::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "too_many_requests",
                    format!("尝试次数过多，请 {} 后再试", wait_text(retry_after_secs)),
                )
            },
            ServiceError::Busy { retry_after_secs } => Self {
                retry_after: Some(retry_after_secs),
                ..Self::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "busy",
                    format!("正在处理的请求较多，请 {} 后再试", wait_text(retry_after_secs)),
                )
            },
            ServiceError::TooLarge { message } => {
                Self::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", message)
            }
            ServiceError::UnsupportedType { message } => {
                Self::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_type", message)
            }
            ServiceError::Unexpected(cause) => Self::internal(format!("{cause:#}")),
        }
    }
}

impl From<sea_orm::DbErr> for ApiError {
    fn from(e: sea_orm::DbErr) -> Self {
        Self::internal(e)
    }
}

/// `Json` whose rejections (bad syntax, wrong types, missing content type,
/// too large) come back in the envelope instead of axum's plain text.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(Self(v)),
            Err(rejection) => Err(json_rejection(rejection)),
        }
    }
}

fn json_rejection(r: JsonRejection) -> ApiError {
    match r {
        JsonRejection::JsonDataError(e) => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
            format!("请求内容的字段不符合要求：{}", e.body_text()),
        ),
        JsonRejection::JsonSyntaxError(_) => {
            ApiError::new(StatusCode::BAD_REQUEST, "invalid_json", "请求内容不是有效的 JSON")
        }
        JsonRejection::MissingJsonContentType(_) => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "请求须为 Content-Type: application/json",
        ),
        other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => payload_too_large(),
        other => ApiError::new(other.status(), "bad_request", "无法读取请求内容"),
    }
}

fn payload_too_large() -> ApiError {
    ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", "请求内容过大")
}

/// Unknown `/api/…` paths: JSON 404, never the HTML shell.
pub async fn api_not_found() -> ApiError {
    ApiError::not_found()
}

/// Middleware for `/api/`: any error response that is not already our JSON
/// (axum's 405, body-limit 413, a panic caught below us) is rewritten into
/// the envelope, so clients only ever parse one error shape.
pub async fn envelope_errors(req: Request, next: Next) -> Response {
    let res = next.run(req).await;
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return res;
    }
    let is_json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if is_json {
        return res;
    }
    let mut err = match status {
        StatusCode::NOT_FOUND => ApiError::not_found(),
        StatusCode::METHOD_NOT_ALLOWED => {
            ApiError::new(status, "method_not_allowed", "该资源不支持此请求方法")
        }
        StatusCode::PAYLOAD_TOO_LARGE => payload_too_large(),
        StatusCode::TOO_MANY_REQUESTS => {
            ApiError::new(status, "too_many_requests", "请求过于频繁，请稍后再试")
        }
        s if s.is_server_error() => ApiError::new(s, "internal", "服务器内部错误，请稍后重试"),
        s => ApiError::new(s, "bad_request", "请求无效"),
    };
    err.status = status;
    let (mut parts, _) = res.into_parts();
    let mut new = err.into_response();
    // Keep headers such as `Allow` and `Retry-After`, but not the old body's.
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.remove(header::CONTENT_TYPE);
    for (k, v) in parts.headers.iter() {
        new.headers_mut().entry(k).or_insert(v.clone());
    }
    new
}
