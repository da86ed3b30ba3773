//! `/api/v1/auth/*` and `/api/v1/me`.

use app::api::{ChangePasswordRequest, LoginRequest, Me, RegisterRequest};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::AppState;
use crate::http::auth::{MaybeActor, clear_cookie, session_cookie, session_token};
use crate::http::error::{ApiError, ApiJson};
use crate::services::auth::{self, Actor, NewSession, RequestMeta};

fn logged_in(state: &AppState, status: StatusCode, s: NewSession) -> Response {
    let me = auth::me_of(state, &s.user);
    (
        status,
        [(header::SET_COOKIE, session_cookie(state, &s.token))],
        Json(me),
    )
        .into_response()
}

/// `POST /api/v1/auth/register` → 201 with `Me`, logged in.
pub async fn register(
    State(state): State<AppState>,
    meta: RequestMeta,
    ApiJson(req): ApiJson<RegisterRequest>,
) -> Result<Response, ApiError> {
    let s = auth::register(&state, req, &meta).await?;
    Ok(logged_in(&state, StatusCode::CREATED, s))
}

/// `POST /api/v1/auth/login` → 200 with `Me`; 401 `login_failed`; 429.
pub async fn login(
    State(state): State<AppState>,
    meta: RequestMeta,
    headers: HeaderMap,
    ApiJson(req): ApiJson<LoginRequest>,
) -> Result<Response, ApiError> {
    let presented = session_token(&state, &headers);
    let s = auth::login(&state, &req.login, &req.password, &meta, presented.as_deref()).await?;
    Ok(logged_in(&state, StatusCode::OK, s))
}

/// `POST /api/v1/auth/logout` → 204; the cookie is cleared either way.
pub async fn logout(
    State(state): State<AppState>,
    meta: RequestMeta,
    MaybeActor(actor): MaybeActor,
) -> Result<Response, ApiError> {
    if let Some(a) = actor {
        auth::logout(&state, &a, &meta).await?;
    }
    Ok((
        StatusCode::NO_CONTENT,
        [(header::SET_COOKIE, clear_cookie(&state))],
    )
        .into_response())
}

/// `POST /api/v1/auth/password` → 200 with `Me` and a new session; every
/// other session of the user is revoked.
pub async fn change_password(
    State(state): State<AppState>,
    meta: RequestMeta,
    actor: Actor,
    ApiJson(req): ApiJson<ChangePasswordRequest>,
) -> Result<Response, ApiError> {
    let s = auth::change_password(&state, &actor, &req.current_password, &req.new_password, &meta).await?;
    Ok(logged_in(&state, StatusCode::OK, s))
}

/// `GET /api/v1/me` → 200 `Me`; 401 when not logged in.
pub async fn me(State(state): State<AppState>, actor: Actor) -> Result<Json<Me>, ApiError> {
    Ok(Json(auth::me(&state, &actor).await?))
}
