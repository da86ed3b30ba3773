//! The enterprise zone: enterprises and agents, acting for an enterprise,
//! profiles, e-certificates and 免申即享 offers.

use app::api::{
    ActingRequest, AddAgentRequest, AgentDto, CertificateDto, EnterpriseBrief, EnterpriseDto, Me, OfferDto,
    ProfileDto, PutFactRequest, RegisterEnterpriseRequest,
};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use uuid::Uuid;

use crate::AppState;
use crate::http::error::{ApiError, ApiJson};
use crate::services::auth::{self, Actor, RequestMeta};
use crate::services::{enterprises, policies, profiles};

/// `POST /api/v1/enterprises` → 201.
pub async fn register(
    State(state): State<AppState>,
    actor: Actor,
    meta: RequestMeta,
    ApiJson(req): ApiJson<RegisterEnterpriseRequest>,
) -> Result<(StatusCode, Json<EnterpriseDto>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(enterprises::register(&state, &actor, req, &meta).await?),
    ))
}

/// `GET /api/v1/enterprises`: those the caller may act for today.
pub async fn mine(
    State(state): State<AppState>,
    actor: Actor,
) -> Result<Json<Vec<EnterpriseBrief>>, ApiError> {
    Ok(Json(enterprises::mine(&state, &actor).await?))
}

/// `GET /api/v1/enterprises/{id}`.
pub async fn get(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<Uuid>,
) -> Result<Json<EnterpriseDto>, ApiError> {
    Ok(Json(enterprises::get(&state, &actor, id).await?))
}

/// `POST /api/v1/enterprises/{id}/agents` — the administrator.
pub async fn add_agent(
    State(state): State<AppState>,
    actor: Actor,
    meta: RequestMeta,
    Path(id): Path<Uuid>,
    ApiJson(req): ApiJson<AddAgentRequest>,
) -> Result<Json<Vec<AgentDto>>, ApiError> {
    Ok(Json(
        enterprises::add_agent(&state, &actor, id, req, &meta).await?,
    ))
}

/// `DELETE /api/v1/enterprises/{id}/agents/{user}` — the administrator.
pub async fn revoke_agent(
    State(state): State<AppState>,
    actor: Actor,
    meta: RequestMeta,
    Path((id, user)): Path<(Uuid, Uuid)>,
) -> Result<Json<Vec<AgentDto>>, ApiError> {
    Ok(Json(
        enterprises::revoke_agent(&state, &actor, id, user, &meta).await?,
    ))
}

/// `POST /api/v1/acting` `{"enterprise": id | null}` → 200 with `Me`.
pub async fn acting(
    State(state): State<AppState>,
    mut actor: Actor,
    ApiJson(req): ApiJson<ActingRequest>,
) -> Result<Json<Me>, ApiError> {
    let id = match req.enterprise.as_deref() {
        None | Some("") => None,
        Some(s) => Some(Uuid::parse_str(s).map_err(|_| ApiError::not_found())?),
    };
    actor.acting = enterprises::act_as(&state, &actor, id).await?;
    Ok(Json(auth::me(&state, &actor).await?))
}

/// `GET /api/v1/profile`.
pub async fn profile(State(state): State<AppState>, actor: Actor) -> Result<Json<ProfileDto>, ApiError> {
    Ok(Json(profiles::get(&state, &actor).await?))
}

/// `PUT /api/v1/profile/{key}`.
pub async fn put_fact(
    State(state): State<AppState>,
    actor: Actor,
    Path(key): Path<String>,
    ApiJson(req): ApiJson<PutFactRequest>,
) -> Result<Json<ProfileDto>, ApiError> {
    Ok(Json(profiles::put(&state, &actor, &key, req.value).await?))
}

/// `DELETE /api/v1/profile/{key}` → 204.
pub async fn delete_fact(
    State(state): State<AppState>,
    actor: Actor,
    Path(key): Path<String>,
) -> Result<StatusCode, ApiError> {
    profiles::delete(&state, &actor, &key).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/v1/certificates`.
pub async fn certificates(
    State(state): State<AppState>,
    actor: Actor,
) -> Result<Json<Vec<CertificateDto>>, ApiError> {
    Ok(Json(profiles::list_certificates(&state, &actor).await?))
}

/// `GET /api/v1/offers`.
pub async fn offers(State(state): State<AppState>, actor: Actor) -> Result<Json<Vec<OfferDto>>, ApiError> {
    Ok(Json(policies::list(&state, &actor).await?))
}

/// `POST /api/v1/offers/{id}/confirm`.
pub async fn confirm(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<Uuid>,
) -> Result<Json<OfferDto>, ApiError> {
    Ok(Json(policies::confirm(&state, &actor, id).await?))
}

/// `POST /api/v1/offers/{id}/decline`.
pub async fn decline(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<Uuid>,
) -> Result<Json<OfferDto>, ApiError> {
    Ok(Json(policies::decline(&state, &actor, id).await?))
}
