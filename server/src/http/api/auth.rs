//! `/api/v1/auth/*` and `/api/v1/me`.

use app::api::{ChangePasswordRequest, ErrorEnvelope, LoginRequest, Me, RegisterRequest};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::AppState;
use crate::http::auth::{MaybeActor, clear_cookie, session_cookie, session_token};
use crate::http::error::{ApiError, ApiJson};
use crate::identity::{Actor, RequestMeta};
use crate::services::auth::{self, NewSession};

fn logged_in(state: &AppState, status: StatusCode, s: NewSession) -> Response {
    let me = auth::me_of(state, &s.user);
    (
        status,
        [(header::SET_COOKIE, session_cookie(state, &s.token))],
        Json(me),
    )
        .into_response()
}

/// Citizen self-registration (real name); logs the person in
///
/// 身份证号 is checked with the GB 11643 check digit and birth date, the phone
/// as `1[3-9]` + 9 digits, the password for length (8–128), against a
/// common-password list and for containing the phone or 身份证号. Sets the
/// session cookie. Each client address may try 10 times an hour (setting
/// `ONETHING_REGISTER_PER_HOUR`), valid or not: 429 `too_many_requests`
/// with `Retry-After` beyond that.
#[utoipa::path(
    post,
    path = "/api/v1/auth/register",
    operation_id = "register",
    tag = "auth",
    request_body = RegisterRequest,
    responses(
        (status = 201, description = "Registered and logged in.", body = Me, headers(("Set-Cookie" = String, description = "The session cookie: `onething_session` (HttpOnly; SameSite=Lax; `__Host-` prefix and Secure over TLS)."))),
        (status = 422, description = "`validation`: the fields, `phone_taken`, `id_number_taken`.", body = ErrorEnvelope),
        (status = 429, description = "`too_many_requests`: this address used its registrations for now (`ONETHING_REGISTER_PER_HOUR`, default 10 an hour).", body = ErrorEnvelope, headers(("Retry-After" = i64, description = "Seconds until the next attempt is allowed."))),
    ),
)]
pub async fn register(
    State(state): State<AppState>,
    meta: RequestMeta,
    ApiJson(req): ApiJson<RegisterRequest>,
) -> Result<Response, ApiError> {
    let s = auth::register(&state, req, &meta).await?;
    Ok(logged_in(&state, StatusCode::CREATED, s))
}

/// Log in with a phone number (citizens) or a username (staff)
///
/// A failed login answers 401 `login_failed` whatever the reason. After 5
/// failures within 15 minutes an account is locked for 1 minute, doubling
/// up to 15 minutes; 30 failures from one address lock it for 15 minutes.
/// Locked: 429 `too_many_requests` with `Retry-After`; also when one
/// address sends more than 30 logins a minute (`ONETHING_LOGIN_PER_MINUTE`).
/// Every login gets a new session id; a session presented with the request
/// is revoked.
#[utoipa::path(
    post,
    path = "/api/v1/auth/login",
    operation_id = "login",
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Logged in.", body = Me, headers(("Set-Cookie" = String, description = "The session cookie: `onething_session` (HttpOnly; SameSite=Lax; `__Host-` prefix and Secure over TLS)."))),
        (status = 401, description = "`login_failed`: wrong login or password, or a disabled account.", body = ErrorEnvelope),
        (status = 429, description = "`too_many_requests`: locked after too many failures, or this address sent more than `ONETHING_LOGIN_PER_MINUTE` logins (default 30 a minute).", body = ErrorEnvelope, headers(("Retry-After" = i64, description = "Seconds until the next attempt is allowed."))),
    ),
)]
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

/// End the session
///
/// The cookie is cleared whether or not there was a session.
#[utoipa::path(
    post,
    path = "/api/v1/auth/logout",
    operation_id = "logout",
    tag = "auth",
    security((), ("session" = [])),
    responses((status = 204, description = "Logged out; the cookie is cleared.", headers(("Set-Cookie" = String, description = "The session cookie, expired.")))),
)]
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

/// Change the password; every other session is revoked
///
/// The new password is checked like at registration. Answers with a new
/// session; every session of the user, this one included, is revoked.
#[utoipa::path(
    post,
    path = "/api/v1/auth/password",
    operation_id = "change_password",
    tag = "auth",
    request_body = ChangePasswordRequest,
    security(("session" = [])),
    responses(
        (status = 200, description = "Changed; a new session cookie is set.", body = Me, headers(("Set-Cookie" = String, description = "The session cookie: `onething_session` (HttpOnly; SameSite=Lax; `__Host-` prefix and Secure over TLS)."))),
        (status = 422, description = "`validation`: `password_wrong` on `current_password`, or the new password's length or commonness.", body = ErrorEnvelope),
    ),
)]
pub async fn change_password(
    State(state): State<AppState>,
    meta: RequestMeta,
    actor: Actor,
    ApiJson(req): ApiJson<ChangePasswordRequest>,
) -> Result<Response, ApiError> {
    let s = auth::change_password(&state, &actor, &req.current_password, &req.new_password, &meta).await?;
    Ok(logged_in(&state, StatusCode::OK, s))
}

/// Who is logged in
#[utoipa::path(
    get,
    path = "/api/v1/me",
    operation_id = "me",
    tag = "auth",
    security(("session" = [])),
    responses((status = 200, description = "The current user.", body = Me)),
)]
pub async fn me(State(state): State<AppState>, actor: Actor) -> Result<Json<Me>, ApiError> {
    Ok(Json(auth::me(&state, &actor).await?))
}
