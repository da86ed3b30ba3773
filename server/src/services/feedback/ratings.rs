//! 好差评: one rating per ended work item and one per ended submission
//! (一事一评), by the applicant online or typed in by the department's clerk
//! at the window (一次一评). A 差评 opens a `bad_rating` case for the
//! department; the department may appeal it to the county office, which
//! upholds or voids it. Nothing is ever deleted, and a score never changes:
//! the applicant may only add one 追评.

use app::api::{RatingActionRequest, RatingDto, RatingRequest, Role};
use app::feedback::{
    Channel, MAX_RATING_COMMENT, RatingAction, RatingStatus, RatingTag, is_bad, rating_next, score_label,
};
use app::workflow::SubmissionStatus;
use chrono::Utc;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ActiveValue::Set, ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use super::{is_dispatcher, name_for, required, text, user_name};
use crate::AppState;
use crate::db::entities::{rating, submission, work_item};
use crate::identity::{Actor, Subject};
use crate::services::tracking::{items_of, may_act_on, status_of};
use crate::services::work_items::leads;
use crate::services::{ServiceError, ServiceResult};

/// What is rated.
enum Target {
    Item(Box<work_item::Model>),
    Whole,
}

/// `POST /api/v1/work-items/{id}/rating`.
pub async fn rate_item(
    state: &AppState,
    actor: &Actor,
    id: Uuid,
    req: RatingRequest,
) -> ServiceResult<RatingDto> {
    let w = work_item::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let s = submission::Entity::find_by_id(w.submission_id)
        .one(&state.db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    rate(state, actor, s, Target::Item(Box::new(w)), req).await
}

/// `POST /api/v1/submissions/{id}/rating`.
pub async fn rate_submission(
    state: &AppState,
    actor: &Actor,
    id: Uuid,
    req: RatingRequest,
) -> ServiceResult<RatingDto> {
    let s = submission::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    rate(state, actor, s, Target::Whole, req).await
}

/// The checked score, tags and comment of a request.
fn checked(req: &RatingRequest) -> ServiceResult<(i16, Vec<RatingTag>, Option<String>)> {
    let mut errors = Vec::new();
    let score = i16::try_from(req.score).ok().filter(|s| (1..=5).contains(s));
    if score.is_none() {
        errors.push(ServiceError::field_error(
            "score",
            "out_of_range",
            "请选择评价：非常满意、满意、基本满意、不满意或非常不满意（5 到 1 分）",
        ));
    }
    let mut tags = Vec::new();
    for t in &req.tags {
        match RatingTag::parse(t) {
            Some(tag) if !tags.contains(&tag) => tags.push(tag),
            Some(_) => {}
            None => {
                errors.push(ServiceError::field_error(
                    "tags",
                    "unknown_tag",
                    format!("没有“{t}”这个评价标签"),
                ));
                break;
            }
        }
    }
    let comment = match text("comment", req.comment.as_deref(), MAX_RATING_COMMENT) {
        Ok(c) => c,
        Err(ServiceError::Validation(mut e)) => {
            errors.append(&mut e);
            None
        }
        Err(e) => return Err(e),
    };
    match score {
        Some(score) if errors.is_empty() => Ok((score, tags, comment)),
        _ => Err(ServiceError::Validation(errors)),
    }
}

async fn rate(
    state: &AppState,
    actor: &Actor,
    s: submission::Model,
    target: Target,
    req: RatingRequest,
) -> ServiceResult<RatingDto> {
    let bundle = state.catalog.bundle(&s.bundle);
    let department = match &target {
        Target::Item(w) => w.department.clone(),
        Target::Whole => bundle
            .map(|b| b.lead_department.as_str().to_owned())
            .unwrap_or_default(),
    };
    let channel = match req.channel.as_deref() {
        None | Some("online") => Channel::Online,
        Some("window") => Channel::Window,
        Some(_) => {
            return Err(ServiceError::field(
                "channel",
                "invalid",
                "channel 只能是 online 或 window",
            ));
        }
    };
    // The applicant online; the department's clerk for the person at the
    // window. Anyone else does not see the object.
    let (rater, entered_by) = match channel {
        Channel::Window if actor.clerk_department() == Some(department.as_str()) => {
            (s.applicant_id, Some(actor.user_id))
        }
        Channel::Online if may_act_on(actor, &s) => (actor.user_id, None),
        _ if may_act_on(actor, &s) => {
            return Err(ServiceError::field(
                "channel",
                "invalid",
                "窗口评价由窗口工作人员录入",
            ));
        }
        _ => return Err(ServiceError::NotFound),
    };
    let (score, tags, comment) = checked(&req)?;
    let ended = match &target {
        Target::Item(w) => w.status.is_final(),
        Target::Whole => matches!(
            status_of(bundle, &items_of(&state.db, s.id).await?),
            SubmissionStatus::Completed | SubmissionStatus::ClosedWithRejections
        ),
    };
    if !ended {
        return Err(ServiceError::Conflict {
            code: "not_ended",
            message: "办结或不予办理之后才能评价".into(),
        });
    }
    let (target_id, work_item_id) = match &target {
        Target::Item(w) => (w.id, Some(w.id)),
        Target::Whole => (s.id, None),
    };
    let already = || ServiceError::Conflict {
        code: "already_rated",
        message: "已经评价过了；可以追评一次，但不能修改评价".into(),
    };
    let txn = state.writes.begin(&state.db).await?;
    let taken = rating::Entity::find()
        .select_only()
        .column(rating::Column::Id)
        .filter(rating::Column::TargetId.eq(target_id))
        .into_tuple::<Uuid>()
        .one(&txn)
        .await?;
    if taken.is_some() {
        return Err(already());
    }
    let now = Utc::now();
    let id = Uuid::now_v7();
    let subject_name = match &target {
        Target::Item(w) => bundle
            .and_then(|b| b.item(&w.item))
            .map(|i| i.name.clone())
            .unwrap_or_default(),
        Target::Whole => bundle.map(|b| b.name.clone()).unwrap_or_default(),
    };
    let case_id = if is_bad(u8::try_from(score).unwrap_or(0)) {
        let mut description = format!(
            "{}：{}",
            subject_name,
            score_label(u8::try_from(score).unwrap_or(0))
        );
        if !tags.is_empty() {
            let labels: Vec<&str> = tags.iter().map(|t| t.label()).collect();
            description.push_str(&format!("（{}）", labels.join("、")));
        }
        if let Some(c) = &comment {
            description.push('。');
            description.push_str(c);
        }
        Some(
            super::cases::open_for_bad_rating(
                state,
                &txn,
                super::cases::BadRating {
                    rating: id,
                    person: rater,
                    submission: s.id,
                    work_item: work_item_id,
                    department: department.clone(),
                    channel,
                    description,
                },
            )
            .await?,
        )
    } else {
        None
    };
    let row = rating::ActiveModel {
        id: Set(id),
        target_id: Set(target_id),
        submission_id: Set(s.id),
        work_item_id: Set(work_item_id),
        subject: Set(s.subject),
        rater_id: Set(rater),
        department: Set(department),
        score: Set(score),
        tags: Set(tags.iter().map(|t| t.as_str()).collect::<Vec<_>>().join(",")),
        comment_enc: Set(comment.as_deref().map(|c| state.pii.encrypt(c))),
        follow_up_enc: Set(None),
        follow_up_at: Set(None),
        channel: Set(channel),
        entered_by: Set(entered_by),
        real_name: Set(req.real_name),
        status: Set(RatingStatus::Valid),
        appeal_reason: Set(None),
        review_comment: Set(None),
        case_id: Set(case_id),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    };
    if let Err(e) = rating::Entity::insert(row).exec(&txn).await {
        // Two taps at once: the unique target lets one through.
        return Err(
            if matches!(e.sql_err(), Some(sea_orm::SqlErr::UniqueConstraintViolation(_))) {
                already()
            } else {
                e.into()
            },
        );
    }
    txn.commit().await?;
    let r = rating::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    dto(state, actor, &r).await
}

/// What `actor` may do with a rating they can see.
enum Reader {
    Applicant,
    Department,
    /// A clerk of the ★ lead department of the rated bundle: reads only.
    Lead,
    Dispatcher,
}

/// How `actor` stands to a rating of a submission of `bundle`.
fn reader(state: &AppState, actor: &Actor, r: &rating::Model, bundle: &str) -> Option<Reader> {
    if is_dispatcher(actor) {
        Some(Reader::Dispatcher)
    } else if actor.clerk_department() == Some(r.department.as_str()) {
        Some(Reader::Department)
    } else if leads(&state.catalog, actor, bundle) {
        Some(Reader::Lead)
    } else if actor.role != Role::Clerk && actor.speaks_for(r.subject) {
        Some(Reader::Applicant)
    } else {
        None
    }
}

/// A rating as `actor` may see it: the rater's name whole for themself,
/// the county office and a 实名 rating; masked otherwise.
pub async fn dto(state: &AppState, actor: &Actor, r: &rating::Model) -> ServiceResult<RatingDto> {
    let s = submission::Entity::find_by_id(r.submission_id)
        .one(&state.db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let whole = match reader(state, actor, r, &s.bundle) {
        Some(Reader::Applicant | Reader::Dispatcher) => true,
        Some(Reader::Department | Reader::Lead) => r.real_name,
        None => return Err(ServiceError::NotFound),
    };
    let bundle = state.catalog.bundle(&s.bundle);
    let subject_name = match r.work_item_id {
        Some(w) => {
            let item = work_item::Entity::find_by_id(w)
                .one(&state.db)
                .await?
                .map(|w| w.item)
                .unwrap_or_default();
            bundle
                .and_then(|b| b.item(&item))
                .map(|i| i.name.clone())
                .unwrap_or_default()
        }
        None => bundle.map(|b| b.name.clone()).unwrap_or_default(),
    };
    let decrypt = |v: &Option<String>| -> ServiceResult<Option<String>> {
        Ok(match v {
            Some(e) => Some(state.pii.decrypt(e)?),
            None => None,
        })
    };
    let score = u8::try_from(r.score).unwrap_or(0);
    let tags = if r.tags.is_empty() {
        Vec::new()
    } else {
        r.tags
            .split(',')
            .map(|t| t.parse::<RatingTag>())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| anyhow::anyhow!("stored rating tags: {e}"))?
    };
    Ok(RatingDto {
        id: r.id.to_string(),
        submission: r.submission_id.to_string(),
        tracking_no: s.tracking_no.clone(),
        work_item: r.work_item_id.map(|w| w.to_string()),
        subject_name,
        department: r.department.clone(),
        department_name: state
            .catalog
            .department(&r.department)
            .map(|d| d.name.clone())
            .unwrap_or_default(),
        score: i64::from(r.score),
        score_label: score_label(score).to_owned(),
        tags,
        comment: decrypt(&r.comment_enc)?,
        follow_up: decrypt(&r.follow_up_enc)?,
        channel: r.channel,
        status: r.status,
        status_label: r.status.label().to_owned(),
        real_name: r.real_name,
        rater: name_for(&user_name(&state.db, r.rater_id).await?, whole),
        case: r.case_id.map(|c| c.to_string()),
        appeal_reason: r.appeal_reason.clone(),
        review_comment: r.review_comment.clone(),
        created_at: r.created_at.to_rfc3339(),
    })
}

async fn dtos(state: &AppState, actor: &Actor, rows: &[rating::Model]) -> ServiceResult<Vec<RatingDto>> {
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        out.push(dto(state, actor, r).await?);
    }
    Ok(out)
}

/// `GET /api/v1/ratings`: the applicant's own, a department's (with those
/// of the bundles it leads), or (the county office) all; newest first, at
/// most 200.
pub async fn list(state: &AppState, actor: &Actor, status: Option<&str>) -> ServiceResult<Vec<RatingDto>> {
    let mut q = rating::Entity::find();
    if is_dispatcher(actor) {
    } else if let Some(dept) = actor.clerk_department() {
        // Its own, and every rating of the bundles it leads.
        let led: Vec<String> = state
            .catalog
            .bundles
            .iter()
            .filter(|b| b.lead_department.as_str() == dept)
            .map(|b| b.code.to_string())
            .collect();
        q = q.filter(
            Condition::any().add(rating::Column::Department.eq(dept)).add(
                rating::Column::SubmissionId.in_subquery(
                    Query::select()
                        .column(submission::Column::Id)
                        .from(submission::Entity)
                        .and_where(submission::Column::Bundle.is_in(led))
                        .to_owned(),
                ),
            ),
        );
    } else if actor.role == Role::Citizen {
        q = q.filter(rating::Column::Subject.eq(Subject::of(actor)));
    } else {
        return Err(ServiceError::Forbidden {
            code: "not_allowed",
            message: "评价只对申请人、承办部门和县政务服务中心可见".into(),
        });
    }
    if let Some(s) = status {
        let s = RatingStatus::parse(s).ok_or_else(|| {
            ServiceError::field(
                "status",
                "invalid",
                "status 只能是 valid、appealed、upheld 或 voided",
            )
        })?;
        q = q.filter(rating::Column::Status.eq(s));
    }
    let rows = q
        .order_by_desc(rating::Column::CreatedAt)
        .order_by_desc(rating::Column::Id)
        .limit(200)
        .all(&state.db)
        .await?;
    dtos(state, actor, &rows).await
}

/// The ratings of one submission, for its applicant's page.
pub async fn of_submission(
    state: &AppState,
    actor: &Actor,
    submission: Uuid,
) -> ServiceResult<Vec<RatingDto>> {
    let rows = rating::Entity::find()
        .filter(rating::Column::SubmissionId.eq(submission))
        .order_by_asc(rating::Column::Id)
        .all(&state.db)
        .await?;
    dtos(state, actor, &rows).await
}

/// `POST /api/v1/ratings/{id}/actions`: 追评, 申诉, 维持 or 作废.
pub async fn act(
    state: &AppState,
    actor: &Actor,
    id: Uuid,
    req: RatingActionRequest,
) -> ServiceResult<RatingDto> {
    let r = rating::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let bundle: String = submission::Entity::find_by_id(r.submission_id)
        .select_only()
        .column(submission::Column::Bundle)
        .into_tuple()
        .one(&state.db)
        .await?
        .unwrap_or_default();
    let reader = reader(state, actor, &r, &bundle).ok_or(ServiceError::NotFound)?;
    let not_yours = |who: &str| ServiceError::Forbidden {
        code: "not_allowed",
        message: format!("只有{who}可以这样做"),
    };
    let now = Utc::now();
    let mut update = rating::Entity::update_many()
        .col_expr(rating::Column::Version, Expr::col(rating::Column::Version).add(1))
        .col_expr(rating::Column::UpdatedAt, Expr::value(now));
    if req.action == "follow_up" {
        if !matches!(reader, Reader::Applicant) {
            return Err(not_yours("申请人"));
        }
        let comment = required("comment", Some(&req.comment), MAX_RATING_COMMENT, "追评内容")?;
        if r.follow_up_enc.is_some() {
            return Err(ServiceError::Conflict {
                code: "already_followed_up",
                message: "每个评价只能追评一次".into(),
            });
        }
        update = update
            .col_expr(
                rating::Column::FollowUpEnc,
                Expr::value(state.pii.encrypt(&comment)),
            )
            .col_expr(rating::Column::FollowUpAt, Expr::value(now))
            .filter(rating::Column::FollowUpEnc.is_null());
    } else {
        let action = RatingAction::parse(&req.action).ok_or_else(|| {
            ServiceError::field(
                "action",
                "unknown_action",
                "操作只能是 follow_up、appeal、uphold 或 void",
            )
        })?;
        match (action.actor(), &reader) {
            (app::feedback::Actor::Department, Reader::Department)
            | (app::feedback::Actor::Dispatcher, Reader::Dispatcher) => {}
            (app::feedback::Actor::Department, _) => return Err(not_yours("被评价的部门")),
            _ => return Err(not_yours("县政务服务中心")),
        }
        let comment = required("comment", Some(&req.comment), MAX_RATING_COMMENT, "理由")?;
        let score = u8::try_from(r.score).unwrap_or(0);
        let Some(to) = rating_next(r.status, score, action) else {
            return Err(ServiceError::Conflict {
                code: if action == RatingAction::Appeal && !is_bad(score) {
                    "not_bad_rating"
                } else {
                    "invalid_transition"
                },
                message: format!("“{}”的评价不能{}", r.status.label(), action.label()),
            });
        };
        let column = match action {
            RatingAction::Appeal => rating::Column::AppealReason,
            RatingAction::Uphold | RatingAction::Void => rating::Column::ReviewComment,
        };
        update = update
            .col_expr(rating::Column::Status, Expr::value(to))
            .col_expr(column, Expr::value(comment));
    }
    let txn = state.writes.begin(&state.db).await?;
    let res = update
        .filter(rating::Column::Id.eq(r.id))
        .filter(rating::Column::Version.eq(r.version))
        .exec(&txn)
        .await?;
    if res.rows_affected != 1 {
        return Err(ServiceError::Conflict {
            code: "version_conflict",
            message: "这条评价刚被他人处理过，请刷新后再操作".into(),
        });
    }
    txn.commit().await?;
    let fresh = rating::Entity::find_by_id(r.id)
        .one(&state.db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    dto(state, actor, &fresh).await
}
