//! The enterprise zone: enterprises and agents, acting for an enterprise,
//! profiles, e-certificates and 免申即享 offers.

use app::api::{
    ActingRequest, AddAgentRequest, AgentDto, CertificateDto, EnterpriseBrief, EnterpriseDto, ErrorEnvelope,
    Me, OfferDto, ProfileDto, PutFactRequest, RegisterEnterpriseRequest,
};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use uuid::Uuid;

use crate::AppState;
use crate::http::error::{ApiError, ApiJson};
use crate::identity::{Actor, RequestMeta};
use crate::services::auth;
use crate::services::{enterprises, policies, profiles};

/// Register an enterprise (the registrant must be its legal representative)
///
/// The 统一社会信用代码 is checked by its GB 32100 check character; the
/// legal representative's name and 身份证号 must be the caller's own (422
/// `not_legal_representative`); a registered code → 422 `enterprise_exists`.
/// The caller becomes its administrator; the business licence is recorded
/// as its first e-certificate.
#[utoipa::path(
    post,
    path = "/api/v1/enterprises",
    operation_id = "register_enterprise",
    tag = "enterprises",
    request_body = RegisterEnterpriseRequest,
    security(("session" = [])),
    responses(
        (status = 201, description = "Registered.", body = EnterpriseDto),
        (status = 403, description = "`applicants_only`: staff accounts cannot register enterprises.", body = ErrorEnvelope),
        (status = 422, description = "`validation`: the fields, `not_legal_representative`, `enterprise_exists`.", body = ErrorEnvelope),
    ),
)]
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

/// The enterprises the caller may act for today
#[utoipa::path(
    get,
    path = "/api/v1/enterprises",
    operation_id = "list_enterprises",
    tag = "enterprises",
    security(("session" = [])),
    responses((status = 200, description = "Enterprises with the caller's role (admin | agent) and an agent's expiry.", body = Vec<EnterpriseBrief>)),
)]
pub async fn mine(
    State(state): State<AppState>,
    actor: Actor,
) -> Result<Json<Vec<EnterpriseBrief>>, ApiError> {
    Ok(Json(enterprises::mine(&state, &actor).await?))
}

/// An enterprise the caller may act for; agents for its administrators
#[utoipa::path(
    get,
    path = "/api/v1/enterprises/{id}",
    operation_id = "get_enterprise",
    tag = "enterprises",
    params(("id" = Uuid, Path, description = "The enterprise's id")),
    security(("session" = [])),
    responses(
        (status = 200, description = "The enterprise.", body = EnterpriseDto),
        (status = 404, description = "`not_found`: no such enterprise, or the caller may not act for it.", body = ErrorEnvelope),
    ),
)]
pub async fn get(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<Uuid>,
) -> Result<Json<EnterpriseDto>, ApiError> {
    Ok(Json(enterprises::get(&state, &actor, id).await?))
}

/// Authorise a registered citizen (by phone) as an agent (经办人) until a date
///
/// Administrators of the enterprise only (others: 404). `expires_on` from
/// today to three years ahead; authorising an agent again renews them.
#[utoipa::path(
    post,
    path = "/api/v1/enterprises/{id}/agents",
    operation_id = "add_agent",
    tag = "enterprises",
    params(("id" = Uuid, Path, description = "The enterprise's id")),
    request_body = AddAgentRequest,
    security(("session" = [])),
    responses(
        (status = 200, description = "Every member with their state.", body = Vec<AgentDto>),
        (status = 404, description = "`not_found`: no such enterprise, or the caller is not its administrator.", body = ErrorEnvelope),
        (status = 422, description = "`validation`: the phone (`phone_unknown`: not registered; `self`), `date_invalid`.", body = ErrorEnvelope),
    ),
)]
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

/// Revoke an agent at once
///
/// Administrators of the enterprise only (others: 404); their next request
/// no longer acts for it.
#[utoipa::path(
    delete,
    path = "/api/v1/enterprises/{id}/agents/{user}",
    operation_id = "revoke_agent",
    tag = "enterprises",
    params(
        ("id" = Uuid, Path, description = "The enterprise's id"),
        ("user" = Uuid, Path, description = "The agent's user id"),
    ),
    security(("session" = [])),
    responses(
        (status = 200, description = "Every member with their state.", body = Vec<AgentDto>),
        (status = 404, description = "`not_found`: no such enterprise or member, or the caller is not its administrator.", body = ErrorEnvelope),
        (status = 409, description = "`cannot_revoke_admin`: the administrator cannot be revoked.", body = ErrorEnvelope),
    ),
)]
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

/// Act for an enterprise (`{"enterprise": id}`) or for oneself (`{"enterprise": null}`)
///
/// Stored on the session. Checked on every request: an expired or revoked
/// authorisation ends it. Enterprise bundles are filed only while acting
/// for an enterprise (else 422 `enterprise_bundle`), citizen bundles only
/// for oneself (422 `citizen_bundle`); drafts, submissions, profiles and
/// certificates belong to the current subject.
#[utoipa::path(
    post,
    path = "/api/v1/acting",
    operation_id = "act_for",
    tag = "enterprises",
    request_body = ActingRequest,
    security(("session" = [])),
    responses(
        (status = 200, description = "`Me` with `acting_for`.", body = Me),
        (status = 404, description = "`not_found`: no such enterprise, or the caller may not act for it.", body = ErrorEnvelope),
    ),
)]
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

/// The current subject's profile (一企一档/一人一档) and e-certificates
///
/// Applicants only (staff: 404).
#[utoipa::path(
    get,
    path = "/api/v1/profile",
    operation_id = "get_profile",
    tag = "profile",
    security(("session" = [])),
    responses(
        (status = 200, description = "Facts with their source and time.", body = ProfileDto),
        (status = 404, description = "`not_found`: staff accounts have no profile.", body = ErrorEnvelope),
    ),
)]
pub async fn profile(State(state): State<AppState>, actor: Actor) -> Result<Json<ProfileDto>, ApiError> {
    Ok(Json(profiles::get(&state, &actor).await?))
}

/// Correct one fact of the caller's own profile
///
/// Checked like the form field of that key.
#[utoipa::path(
    put,
    path = "/api/v1/profile/{key}",
    operation_id = "put_profile_fact",
    tag = "profile",
    params(("key" = String, Path, description = "A field key of the dictionary", example = "employee_count")),
    request_body = PutFactRequest,
    security(("session" = [])),
    responses(
        (status = 200, description = "The profile.", body = ProfileDto),
        (status = 404, description = "`not_found`: no such field (or a material), or a staff account.", body = ErrorEnvelope),
        (status = 422, description = "`validation` on `value`: it fails the field's checks.", body = ErrorEnvelope),
    ),
)]
pub async fn put_fact(
    State(state): State<AppState>,
    actor: Actor,
    Path(key): Path<String>,
    ApiJson(req): ApiJson<PutFactRequest>,
) -> Result<Json<ProfileDto>, ApiError> {
    Ok(Json(profiles::put(&state, &actor, &key, req.value).await?))
}

/// Forget one fact
#[utoipa::path(
    delete,
    path = "/api/v1/profile/{key}",
    operation_id = "delete_profile_fact",
    tag = "profile",
    params(("key" = String, Path, description = "A field key of the dictionary", example = "employee_count")),
    security(("session" = [])),
    responses(
        (status = 204, description = "Forgotten (also when it was not known)."),
        (status = 404, description = "`not_found`: staff accounts have no profile.", body = ErrorEnvelope),
    ),
)]
pub async fn delete_fact(
    State(state): State<AppState>,
    actor: Actor,
    Path(key): Path<String>,
) -> Result<StatusCode, ApiError> {
    profiles::delete(&state, &actor, &key).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The current subject's e-certificates (电子证照)
#[utoipa::path(
    get,
    path = "/api/v1/certificates",
    operation_id = "list_certificates",
    tag = "profile",
    security(("session" = [])),
    responses(
        (status = 200, description = "Newest first.", body = Vec<CertificateDto>),
        (status = 404, description = "`not_found`: staff accounts have none.", body = ErrorEnvelope),
    ),
)]
pub async fn certificates(
    State(state): State<AppState>,
    actor: Actor,
) -> Result<Json<Vec<CertificateDto>>, ApiError> {
    Ok(Json(profiles::list_certificates(&state, &actor).await?))
}

/// 免申即享 offers to the current subject
///
/// Policies of the catalog whose conditions the subject's profile,
/// e-certificates and completed bundles meet; matched when a profile or
/// certificate changes and when a bundle completes.
#[utoipa::path(
    get,
    path = "/api/v1/offers",
    operation_id = "list_offers",
    tag = "profile",
    security(("session" = [])),
    responses(
        (status = 200, description = "Newest first.", body = Vec<OfferDto>),
        (status = 404, description = "`not_found`: staff accounts get no offers.", body = ErrorEnvelope),
    ),
)]
pub async fn offers(State(state): State<AppState>, actor: Actor) -> Result<Json<Vec<OfferDto>>, ApiError> {
    Ok(Json(policies::list(&state, &actor).await?))
}

/// Confirm an offer; it is filed to the policy's department (no form)
#[utoipa::path(
    post,
    path = "/api/v1/offers/{id}/confirm",
    operation_id = "confirm_offer",
    tag = "profile",
    params(("id" = Uuid, Path, description = "The offer's id")),
    security(("session" = [])),
    responses(
        (status = 200, description = "Confirmed, with `submission_id`.", body = OfferDto),
        (status = 404, description = "`not_found`: no such offer for the caller's subject.", body = ErrorEnvelope),
        (status = 409, description = "`offer_decided`: already confirmed or declined.", body = ErrorEnvelope),
    ),
)]
pub async fn confirm(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<Uuid>,
) -> Result<Json<OfferDto>, ApiError> {
    Ok(Json(policies::confirm(&state, &actor, id).await?))
}

/// Decline an offer
#[utoipa::path(
    post,
    path = "/api/v1/offers/{id}/decline",
    operation_id = "decline_offer",
    tag = "profile",
    params(("id" = Uuid, Path, description = "The offer's id")),
    security(("session" = [])),
    responses(
        (status = 200, description = "Declined.", body = OfferDto),
        (status = 404, description = "`not_found`: no such offer for the caller's subject.", body = ErrorEnvelope),
        (status = 409, description = "`offer_decided`: already confirmed or declined.", body = ErrorEnvelope),
    ),
)]
pub async fn decline(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<Uuid>,
) -> Result<Json<OfferDto>, ApiError> {
    Ok(Json(policies::decline(&state, &actor, id).await?))
}
