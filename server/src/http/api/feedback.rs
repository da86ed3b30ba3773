//! 好差评 and cases (12345 诉求, 办不成事, 差评整改).

use app::api::{
    CaseActionRequest, CaseDto, CaseList, ErrorEnvelope, NewCase, PersonMatch, RatingActionRequest,
    RatingDto, RatingList, RatingRequest,
};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::AppState;
use crate::http::error::{ApiError, ApiJson};
use crate::identity::Actor;
use crate::services::feedback::{cases, ratings};

/// Rate an ended work item (好差评, 一事一评)
///
/// The applicant (`channel` `online`, the default), or a clerk of the
/// item's department typing in the rating of the person at the window
/// (`channel` `window`, 一次一评). One rating per item: again → 409
/// `already_rated` (a 追评 is `POST /api/v1/ratings/{id}/actions`). The item
/// must be `completed` or `rejected` (else 409 `not_ended`). A score of 1
/// or 2 (差评) opens a `bad_rating` case for the department (`case`).
/// Anonymous to the department unless `real_name`.
#[utoipa::path(
    post,
    path = "/api/v1/work-items/{id}/rating",
    operation_id = "rate_work_item",
    tag = "feedback",
    params(("id" = Uuid, Path, description = "The work item's id")),
    request_body = RatingRequest,
    security(("session" = [])),
    responses(
        (status = 201, description = "Rated.", body = RatingDto),
        (status = 404, description = "`not_found`: no such item, or not the caller's (nor their department's, for a window rating).", body = ErrorEnvelope),
        (status = 409, description = "`already_rated`; `not_ended`.", body = ErrorEnvelope),
        (status = 422, description = "`validation`: `score` `out_of_range` (1–5), `tags` `unknown_tag`, `comment` `too_long` (500) or `invalid_characters`, `channel` `invalid`.", body = ErrorEnvelope),
    ),
)]
pub async fn rate_work_item(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<Uuid>,
    ApiJson(req): ApiJson<RatingRequest>,
) -> Result<(StatusCode, Json<RatingDto>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(ratings::rate_item(&state, &actor, id, req).await?),
    ))
}

/// Rate a whole ended submission (好差评)
///
/// As for a work item; the rating goes to the bundle's ★ lead department.
/// The submission must be `completed` or `closed_with_rejections` (else 409
/// `not_ended`).
#[utoipa::path(
    post,
    path = "/api/v1/submissions/{id}/rating",
    operation_id = "rate_submission",
    tag = "feedback",
    params(("id" = Uuid, Path, description = "The submission's id")),
    request_body = RatingRequest,
    security(("session" = [])),
    responses(
        (status = 201, description = "Rated.", body = RatingDto),
        (status = 404, description = "`not_found`: no such submission, or not the caller's.", body = ErrorEnvelope),
        (status = 409, description = "`already_rated`; `not_ended`.", body = ErrorEnvelope),
        (status = 422, description = "`validation`: `score` `out_of_range`, `tags` `unknown_tag`, `comment` `too_long`, `channel` `invalid`.", body = ErrorEnvelope),
    ),
)]
pub async fn rate_submission(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<Uuid>,
    ApiJson(req): ApiJson<RatingRequest>,
) -> Result<(StatusCode, Json<RatingDto>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(ratings::rate_submission(&state, &actor, id, req).await?),
    ))
}

/// A rating's status.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
enum RatingStatusWord {
    Valid,
    Appealed,
    Upheld,
    Voided,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RatingQuery {
    /// Only ratings in this status (`appealed`: the county office's appeals
    /// to review).
    #[param(value_type = Option<RatingStatusWord>, inline)]
    pub status: Option<String>,
}

/// Ratings: the applicant's own, the department's, or all
///
/// A citizen sees their own; a clerk their department's, with the rater
/// masked unless the rating is 实名; the county office (`dispatcher`)
/// every one. Newest first, at most 200. Voided ratings stay, marked.
#[utoipa::path(
    get,
    path = "/api/v1/ratings",
    operation_id = "list_ratings",
    tag = "feedback",
    params(RatingQuery),
    security(("session" = [])),
    responses(
        (status = 200, description = "The ratings.", body = RatingList),
        (status = 403, description = "`not_allowed`: operators and admins see no ratings.", body = ErrorEnvelope),
        (status = 422, description = "`validation`: `status` `invalid`.", body = ErrorEnvelope),
    ),
)]
pub async fn list_ratings(
    State(state): State<AppState>,
    actor: Actor,
    Query(q): Query<RatingQuery>,
) -> Result<Json<RatingList>, ApiError> {
    Ok(Json(RatingList {
        items: ratings::list(&state, &actor, q.status.as_deref()).await?,
    }))
}

/// 追评, 申诉, or the county office's review of an appeal
///
/// `follow_up`: the applicant adds one 追评 (again → 409
/// `already_followed_up`); the score never changes. `appeal`: the rated
/// department contests a 差评 with its reason (409 `not_bad_rating` for a
/// score above 2). `uphold` / `void`: the county office decides an appeal;
/// a voided rating stays visible, marked, and no longer counts.
#[utoipa::path(
    post,
    path = "/api/v1/ratings/{id}/actions",
    operation_id = "act_on_rating",
    tag = "feedback",
    params(("id" = Uuid, Path, description = "The rating's id")),
    request_body = RatingActionRequest,
    security(("session" = [])),
    responses(
        (status = 200, description = "The rating now.", body = RatingDto),
        (status = 403, description = "`not_allowed`: the caller sees the rating but may not take this action.", body = ErrorEnvelope),
        (status = 404, description = "`not_found`: no such rating, or not the caller's to see.", body = ErrorEnvelope),
        (status = 409, description = "`already_followed_up`, `not_bad_rating`, `invalid_transition`, `version_conflict`.", body = ErrorEnvelope),
        (status = 422, description = "`validation`: `unknown_action`, `comment` `required`, `too_long` or `invalid_characters`.", body = ErrorEnvelope),
    ),
)]
pub async fn act_on_rating(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<Uuid>,
    ApiJson(req): ApiJson<RatingActionRequest>,
) -> Result<Json<RatingDto>, ApiError> {
    Ok(Json(ratings::act(&state, &actor, id, req).await?))
}

/// Register a case (我要反映 / 12345 诉求)
///
/// A citizen for themself (`channel` `online`), or a 12345 operator for a
/// caller (`person`: `{"id"}` of a registered person from
/// `GET /api/v1/people`, or `{"name", "phone"}`; `channel` `hotline_12345`
/// by default, or `window`). `submission` / `work_item` must be the
/// person's own. A case about a work item goes straight to that item's
/// department (`assigned`), as does one naming a `department`; any other
/// waits for the county office to assign it (`registered`).
#[utoipa::path(
    post,
    path = "/api/v1/cases",
    operation_id = "create_case",
    tag = "feedback",
    request_body = NewCase,
    security(("session" = [])),
    responses(
        (status = 201, description = "Registered: the case with its `tracking_no` and timeline.", body = CaseDto),
        (status = 401, description = "`unauthorized`: not logged in.", body = ErrorEnvelope),
        (status = 403, description = "`not_allowed`: only citizens and operators register cases.", body = ErrorEnvelope),
        (status = 422, description = "`validation`: `kind` `invalid`, `description` `required`/`too_long`/`invalid_characters`, `channel` `invalid`, `person.*` `required`/`invalid`/`not_found`, `submission`/`work_item` `invalid`/`not_found`, `department` `unknown_department`.", body = ErrorEnvelope),
    ),
)]
pub async fn create_case(
    State(state): State<AppState>,
    actor: Actor,
    ApiJson(req): ApiJson<NewCase>,
) -> Result<(StatusCode, Json<CaseDto>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(cases::create(&state, &actor, req).await?),
    ))
}

/// Which cases of the list.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
enum CaseQueue {
    All,
    Open,
    Closed,
    Overdue,
    Dispatch,
    Escalated,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CaseQuery {
    /// `all` (default, except for the county office), `open`, `closed`,
    /// `overdue`; the county office also `dispatch` (its default:
    /// registered and reopened cases) and `escalated`.
    #[param(value_type = Option<CaseQueue>, inline)]
    pub queue: Option<String>,
}

/// Cases: mine, my department's queue, or the county office's board
///
/// A citizen sees their own cases; an operator those they registered; a
/// clerk their department's (the person masked); the county office every
/// case. Newest first, at most 200, without timelines.
#[utoipa::path(
    get,
    path = "/api/v1/cases",
    operation_id = "list_cases",
    tag = "feedback",
    params(CaseQuery),
    security(("session" = [])),
    responses(
        (status = 200, description = "The cases.", body = CaseList),
        (status = 403, description = "`not_allowed`: admins see no cases.", body = ErrorEnvelope),
        (status = 422, description = "`validation`: `queue` `invalid`.", body = ErrorEnvelope),
    ),
)]
pub async fn list_cases(
    State(state): State<AppState>,
    actor: Actor,
    Query(q): Query<CaseQuery>,
) -> Result<Json<CaseList>, ApiError> {
    Ok(Json(CaseList {
        items: cases::list(&state, &actor, q.queue.as_deref()).await?,
    }))
}

/// A case with its timeline
///
/// Its person, the operator who registered it, the responsible
/// department, the lead department of the submission it is about
/// (read-only), and the county office. `actions` are what the caller may
/// do now.
#[utoipa::path(
    get,
    path = "/api/v1/cases/{id}",
    operation_id = "get_case",
    tag = "feedback",
    params(("id" = Uuid, Path, description = "The case's id")),
    security(("session" = [])),
    responses(
        (status = 200, description = "The case.", body = CaseDto),
        (status = 404, description = "`not_found`: no such case, or not the caller's to see.", body = ErrorEnvelope),
    ),
)]
pub async fn get_case(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<Uuid>,
) -> Result<Json<CaseDto>, ApiError> {
    Ok(Json(cases::get(&state, &actor, id).await?))
}

/// One step of a case (转办, 签收回访, 退回, 答复, 评价, 重办, 督办, 办结)
///
/// The county office: `assign` (`department`), `reopen`, `escalate`
/// (`department`: the bundle's lead department or the county office),
/// `close`. The responsible department: `contact` (the 回访 record),
/// `return` (mis-assigned, with the reason), `answer`. The person:
/// `confirm` with `satisfaction`; the first `dissatisfied` reopens the case
/// to the county office, a second closes it on record. `comment` is
/// required for contact, return, answer, reopen and close. Not allowed from
/// the current state → 409 `invalid_transition`; a stale `version`, or
/// someone acting at the same moment → 409 `version_conflict`.
#[utoipa::path(
    post,
    path = "/api/v1/cases/{id}/actions",
    operation_id = "act_on_case",
    tag = "feedback",
    params(("id" = Uuid, Path, description = "The case's id")),
    request_body = CaseActionRequest,
    security(("session" = [])),
    responses(
        (status = 200, description = "The case now, with its timeline.", body = CaseDto),
        (status = 403, description = "`not_allowed`: the caller sees the case but this action is another's.", body = ErrorEnvelope),
        (status = 404, description = "`not_found`: no such case, or not the caller's to see.", body = ErrorEnvelope),
        (status = 409, description = "`invalid_transition`, `version_conflict`.", body = ErrorEnvelope),
        (status = 422, description = "`validation`: `unknown_action`, `comment` `required`/`too_long`/`invalid_characters`, `department` `unknown_department`/`not_allowed`, `satisfaction` `required`/`invalid`.", body = ErrorEnvelope),
    ),
)]
pub async fn act_on_case(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<Uuid>,
    ApiJson(req): ApiJson<CaseActionRequest>,
) -> Result<Json<CaseDto>, ApiError> {
    Ok(Json(cases::act(&state, &actor, id, req).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PeopleQuery {
    /// An 11-digit mobile number or an 18-character 身份证号 (exact).
    pub q: String,
}

/// Find a caller by phone or 身份证号 (12345 intake)
///
/// Operators and the county office only. Exact match on the keyed hash;
/// the phone number comes back masked.
#[utoipa::path(
    get,
    path = "/api/v1/people",
    operation_id = "find_people",
    tag = "feedback",
    params(PeopleQuery),
    security(("session" = [])),
    responses(
        (status = 200, description = "The registered people with that number (usually one, or none).", body = Vec<PersonMatch>),
        (status = 403, description = "`not_allowed`: not an operator or the county office.", body = ErrorEnvelope),
        (status = 422, description = "`validation`: `q` `invalid`.", body = ErrorEnvelope),
    ),
)]
pub async fn find_people(
    State(state): State<AppState>,
    actor: Actor,
    Query(q): Query<PeopleQuery>,
) -> Result<Json<Vec<PersonMatch>>, ApiError> {
    Ok(Json(cases::find_people(&state, &actor, &q.q).await?))
}
