//! Request identity: the session cookie, the actor extractors, and the
//! same-origin check that protects every state-changing request (CSRF).

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::AppState;
use crate::http::error::ApiError;
use crate::identity::{Actor, RequestMeta};
use crate::services::auth;

/// The session cookie's name: with the `__Host-` prefix when the site is
/// served over TLS (the prefix requires `Secure`).
pub fn cookie_name(state: &AppState) -> &'static str {
    if secure(state) {
        "__Host-onething_session"
    } else {
        "onething_session"
    }
}

fn secure(state: &AppState) -> bool {
    state
        .settings
        .public_origin
        .as_deref()
        .is_some_and(|o| o.starts_with("https://"))
}

/// `Set-Cookie` for a new session: HttpOnly, SameSite=Lax, whole site,
/// lives at most as long as the session's absolute timeout.
pub fn session_cookie(state: &AppState, token: &str) -> HeaderValue {
    let secure = if secure(state) { "; Secure" } else { "" };
    let max_age = auth::ABSOLUTE_TIMEOUT.num_seconds();
    HeaderValue::from_str(&format!(
        "{}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}",
        cookie_name(state)
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// `Set-Cookie` that removes the session cookie.
pub fn clear_cookie(state: &AppState) -> HeaderValue {
    let secure = if secure(state) { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}",
        cookie_name(state)
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The session token of a request, if it carries one.
pub fn session_token(state: &AppState, headers: &HeaderMap) -> Option<String> {
    let name = cookie_name(state);
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
        .filter(|v| !v.is_empty() && v.len() <= 128)
}

/// The client's address: the socket's, or what a trusted reverse proxy
/// says it is (see [`crate::proxies`]).
pub fn client_ip(state: &AppState, req: &Request) -> Option<std::net::IpAddr> {
    let peer = req.extensions().get::<ConnectInfo<SocketAddr>>()?.0.ip();
    let lines = |name: header::HeaderName| -> Vec<&str> {
        req.headers()
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect()
    };
    Some(state.settings.trusted_proxies.client(
        peer,
        &lines(header::FORWARDED),
        &lines(header::HeaderName::from_static("x-forwarded-for")),
    ))
}

/// Resolves the session once per request and stores the actor (or its
/// absence) and the request's metadata in the extensions.
pub async fn identify(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let meta = RequestMeta {
        ip: client_ip(&state, &req).map(|ip| ip.to_string()),
    };
    let bearer = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| t.trim().to_owned());
    let actor = if let Some(token) = bearer {
        // A department system: its token stands for the department, and
        // opens the work-item API only.
        let path = req.uri().path();
        let download = req.method() == axum::http::Method::GET && path.starts_with("/api/v1/uploads/");
        if !path.starts_with("/api/v1/work-items") && !download {
            return ApiError::new(
                StatusCode::FORBIDDEN,
                "token_scope",
                "API 令牌只能用于办件接口和材料下载",
            )
            .into_response();
        }
        match crate::services::outbox::department_of_token(&state.db, &token).await {
            Ok(Some(dept)) => Some(auth::system_actor(dept)),
            Ok(None) => {
                return ApiError::new(StatusCode::UNAUTHORIZED, "invalid_token", "API 令牌无效")
                    .into_response();
            }
            Err(e) => return ApiError::from(e).into_response(),
        }
    } else {
        match session_token(&state, req.headers()) {
            Some(token) => match auth::resolve(&state.db, &token).await {
                Ok(a) => a,
                Err(e) => return ApiError::from(e).into_response(),
            },
            None => None,
        }
    };
    req.extensions_mut().insert(Identity(actor));
    req.extensions_mut().insert(meta);
    next.run(req).await
}

/// The result of [`identify`].
#[derive(Clone, Debug)]
pub struct Identity(pub Option<Actor>);

impl<S: Send + Sync> FromRequestParts<S> for Actor {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Identity>()
            .and_then(|i| i.0.clone())
            .ok_or_else(|| ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", "请先登录"))
    }
}

/// An actor who may be anonymous.
#[derive(Clone, Debug)]
pub struct MaybeActor(pub Option<Actor>);

impl<S: Send + Sync> FromRequestParts<S> for MaybeActor {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(parts.extensions.get::<Identity>().and_then(|i| i.0.clone())))
    }
}

/// An admin; anyone else gets 404 (admin resources are not revealed).
#[derive(Clone, Debug)]
pub struct Admin(pub Actor);

impl<S: Send + Sync> FromRequestParts<S> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let actor = Actor::from_request_parts(parts, state).await?;
        if actor.is_admin() {
            Ok(Self(actor))
        } else {
            Err(ApiError::not_found())
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for RequestMeta {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(parts.extensions.get::<RequestMeta>().cloned().unwrap_or_default())
    }
}

/// Refuses state-changing requests that do not come from the site itself.
///
/// Browsers send `Sec-Fetch-Site` (all current ones) and `Origin` on
/// cross-origin and on POST requests. A request is refused when either says
/// it comes from elsewhere, or when it carries the session cookie but
/// neither header (an old browser we cannot vouch for). Clients that send no
/// cookie (department systems with API tokens, scripts) are not affected:
/// without ambient credentials there is nothing to forge.
pub async fn same_origin(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    let h = req.headers();
    let site = h.get("sec-fetch-site").and_then(|v| v.to_str().ok());
    let origin = h.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    let ok = match (site, origin) {
        (Some("same-origin" | "none"), Some(o)) => origin_matches(&state, h, o),
        (Some("same-origin" | "none"), None) => true,
        (Some(_), _) => false,
        (None, Some(o)) => origin_matches(&state, h, o),
        (None, None) => session_token(&state, h).is_none(),
    };
    if ok {
        next.run(req).await
    } else {
        tracing::warn!(path = %req.uri().path(), "cross-origin state-changing request refused");
        ApiError::new(StatusCode::FORBIDDEN, "csrf", "请求来源不可信，已拒绝").into_response()
    }
}

fn origin_matches(state: &AppState, h: &HeaderMap, origin: &str) -> bool {
    if let Some(public) = &state.settings.public_origin {
        return origin == public;
    }
    // Without a configured origin, the Origin's host must be the Host the
    // request was sent to.
    let host = h.get(header::HOST).and_then(|v| v.to_str().ok());
    let origin_host = origin.split_once("://").map(|(_, rest)| rest);
    matches!((host, origin_host), (Some(a), Some(b)) if a.eq_ignore_ascii_case(b))
}
