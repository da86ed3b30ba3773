//! Cases (诉求): 12345 complaints, consultations and suggestions, 办不成事
//! 反映, and the 整改 of every 差评. Registered online by the person, typed
//! in by a 12345 operator, or opened by a bad rating; assigned by the county
//! office (dispatcher) unless the department is obvious; worked and
//! answered by the department; confirmed by the person, who may reopen it
//! once. Every stage has a working-day deadline from `catalog/cases.toml`;
//! housekeeping escalates overdue cases to the county office.

use app::api::{CaseActionRequest, CaseDto, CaseEvent, NewCase, PersonMatch, Role};
use app::domain::{Date, Phone};
use app::feedback::{
    Actor as Side, CaseAction, CaseKind, CaseStatus, Channel, MAX_CASE_DESCRIPTION, Satisfaction,
    case_actions, case_next,
};
use chrono::Utc;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{is_dispatcher, name_for, required, text, user_name};
use crate::AppState;
use crate::db::entities::{case, case_event, submission, user, work_item};
use crate::identity::Actor;
use crate::services::notifications::{self, Message};
use crate::services::tracking::may_act_on;
use crate::services::{ServiceError, ServiceResult};

/// A caller without an account, stored encrypted.
#[derive(Serialize, Deserialize)]
struct Contact {
    name: String,
    phone: String,
}

/// The deadlines of a case entering `to` today: the current stage's and
/// the answer's.
fn deadlines(
    state: &AppState,
    kind: CaseKind,
    to: CaseStatus,
    answer_due: Option<Date>,
) -> (Option<Date>, Option<Date>) {
    let today = Date::today_china();
    let rules = &state.catalog.cases;
    let add = |days: u32| state.catalog.calendar.add_working_days(today, days);
    let rule = rules.of(kind);
    match to {
        CaseStatus::Registered | CaseStatus::Reopened => (Some(add(rules.dispatch_days)), None),
        CaseStatus::Assigned => (Some(add(rule.contact_days)), Some(add(rule.answer_days))),
        CaseStatus::Processing => (answer_due, answer_due),
        CaseStatus::Answered | CaseStatus::Closed => (None, None),
    }
}

fn overdue(c: &case::Model, today: Date) -> bool {
    !matches!(c.status, CaseStatus::Answered | CaseStatus::Closed) && c.due_date.is_some_and(|d| d < today)
}

fn event(c: Uuid, actor: Option<&Actor>, action: &str) -> case_event::ActiveModel {
    case_event::ActiveModel {
        id: Set(Uuid::now_v7()),
        case_id: Set(c),
        at: Set(Utc::now()),
        actor_id: Set(actor.map(|a| a.user_id)),
        actor_role: Set(actor.map_or("system", |a| a.role.as_str()).to_owned()),
        actor_department: Set(actor.and_then(|a| a.clerk_department().map(ToOwned::to_owned))),
        action: Set(action.to_owned()),
        to_status: Set(None),
        department: Set(None),
        comment: Set(None),
        satisfaction: Set(None),
        answer_due: Set(None),
    }
}

struct Draft {
    kind: CaseKind,
    channel: Channel,
    person: Option<Uuid>,
    contact: Option<Contact>,
    entered_by: Option<Uuid>,
    submission: Option<Uuid>,
    work_item: Option<Uuid>,
    rating: Option<Uuid>,
    department: Option<String>,
    description: String,
}

/// Writes a new case and its first event in `db` (the caller's transaction).
async fn insert<C: ConnectionTrait>(
    state: &AppState,
    db: &C,
    d: Draft,
    by: Option<&Actor>,
) -> ServiceResult<Uuid> {
    let status = if d.department.is_some() {
        CaseStatus::Assigned
    } else {
        CaseStatus::Registered
    };
    let (due, answer_due) = deadlines(state, d.kind, status, None);
    let now = Utc::now();
    let id = Uuid::now_v7();
    let contact = match &d.contact {
        Some(c) => Some(
            state
                .pii
                .encrypt(&serde_json::to_string(c).map_err(anyhow::Error::from)?),
        ),
        None => None,
    };
    let row = case::ActiveModel {
        id: Set(id),
        tracking_no: Set(crate::services::tracking::number("SQ", Date::today_china())),
        kind: Set(d.kind),
        channel: Set(d.channel),
        status: Set(status),
        person_id: Set(d.person),
        contact_enc: Set(contact),
        entered_by: Set(d.entered_by),
        submission_id: Set(d.submission),
        work_item_id: Set(d.work_item),
        rating_id: Set(d.rating),
        department: Set(d.department.clone()),
        description_enc: Set(state.pii.encrypt(&d.description)),
        due_date: Set(due),
        answer_due: Set(answer_due),
        escalated_at: Set(None),
        reopen_count: Set(0),
        satisfaction: Set(None),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        closed_at: Set(None),
    };
    // A clash of tracking numbers (1 in 10⁹ a day) fails the request, never
    // silently reuses a number.
    case::Entity::insert(row).exec(db).await?;
    let mut e = event(id, by, "register");
    e.to_status = Set(Some(status));
    e.department = Set(d.department);
    case_event::Entity::insert(e).exec(db).await?;
    Ok(id)
}

/// A 差评 to answer: opened inside the rating's transaction.
pub struct BadRating {
    pub rating: Uuid,
    pub person: Uuid,
    pub submission: Uuid,
    pub work_item: Option<Uuid>,
    pub department: String,
    pub channel: Channel,
    pub description: String,
}

pub async fn open_for_bad_rating<C: ConnectionTrait>(
    state: &AppState,
    db: &C,
    b: BadRating,
) -> ServiceResult<Uuid> {
    insert(
        state,
        db,
        Draft {
            kind: CaseKind::BadRating,
            channel: b.channel,
            person: Some(b.person),
            contact: None,
            entered_by: None,
            submission: Some(b.submission),
            work_item: b.work_item,
            rating: Some(b.rating),
            department: Some(b.department),
            description: b.description,
        },
        None,
    )
    .await
}

fn uuid_field(field: &str, v: Option<&str>) -> ServiceResult<Option<Uuid>> {
    v.map(|s| {
        Uuid::parse_str(s.trim())
            .map_err(|_| ServiceError::field(field, "invalid", format!("{field} 应为 UUID")))
    })
    .transpose()
}

fn not_found(field: &str, what: &str) -> ServiceError {
    ServiceError::field(field, "not_found", format!("找不到这个{what}"))
}

/// `POST /api/v1/cases`: the person online, or a 12345 operator for a caller.
pub async fn create(state: &AppState, actor: &Actor, req: NewCase) -> ServiceResult<CaseDto> {
    let operator = match actor.role {
        Role::Citizen => false,
        Role::Operator => true,
        _ => {
            return Err(ServiceError::Forbidden {
                code: "not_allowed",
                message: "诉求由本人在网上提交，或由 12345 话务员登记".into(),
            });
        }
    };
    let kind = CaseKind::parse(req.kind.trim())
        .filter(|k| *k != CaseKind::BadRating)
        .ok_or_else(|| {
            ServiceError::field("kind", "invalid", "请选择诉求类型：投诉、咨询、建议或办不成事")
        })?;
    let description = required(
        "description",
        Some(&req.description),
        MAX_CASE_DESCRIPTION,
        "诉求内容",
    )?;
    let channel = match (operator, req.channel.as_deref()) {
        (false, None | Some("online")) => Channel::Online,
        (true, None | Some("hotline_12345")) => Channel::Hotline12345,
        (true, Some("window")) => Channel::Window,
        _ => {
            return Err(ServiceError::field(
                "channel",
                "invalid",
                "渠道只能是 online（本人）、hotline_12345 或 window（话务员）",
            ));
        }
    };
    // Who it is for.
    let (person, contact) = if operator {
        let p = req.person.clone().unwrap_or_default();
        match uuid_field("person.id", p.id.as_deref())? {
            Some(id) => {
                let found = user::Entity::find_by_id(id)
                    .filter(user::Column::Role.eq(Role::Citizen))
                    .one(&state.db)
                    .await?;
                (
                    Some(found.ok_or_else(|| not_found("person.id", "群众"))?.id),
                    None,
                )
            }
            None => {
                let name = required("person.name", p.name.as_deref(), 50, "来电人姓名")?;
                let phone = Phone::parse(p.phone.as_deref().unwrap_or_default())
                    .map_err(|_| ServiceError::field("person.phone", "invalid", "请填写 11 位手机号"))?;
                (
                    None,
                    Some(Contact {
                        name,
                        phone: phone.as_str().to_owned(),
                    }),
                )
            }
        }
    } else {
        if req.person.is_some() {
            return Err(ServiceError::field("person", "invalid", "本人提交时不填 person"));
        }
        (Some(actor.user_id), None)
    };
    // What it is about: the person's own submission and item.
    let mut submission_id = uuid_field("submission", req.submission.as_deref())?;
    let work_item_id = uuid_field("work_item", req.work_item.as_deref())?;
    let mut department = None;
    if let Some(w) = work_item_id {
        let w = work_item::Entity::find_by_id(w)
            .one(&state.db)
            .await?
            .ok_or_else(|| not_found("work_item", "事项"))?;
        if submission_id.is_some_and(|s| s != w.submission_id) {
            return Err(not_found("work_item", "事项"));
        }
        submission_id = Some(w.submission_id);
        department = Some(w.department);
    }
    if let Some(sid) = submission_id {
        let s = submission::Entity::find_by_id(sid)
            .one(&state.db)
            .await?
            .ok_or_else(|| not_found("submission", "办件"))?;
        let theirs = if operator {
            person.is_some_and(|p| s.applicant_id == p)
        } else {
            may_act_on(actor, &s)
        };
        if !theirs {
            return Err(not_found("submission", "办件"));
        }
    }
    if department.is_none()
        && let Some(d) = req.department.as_deref().map(str::trim).filter(|d| !d.is_empty())
    {
        if state.catalog.department(d).is_none() {
            return Err(ServiceError::field(
                "department",
                "unknown_department",
                "没有这个部门",
            ));
        }
        department = Some(d.to_owned());
    }
    let txn = state.writes.begin(&state.db).await?;
    let id = insert(
        state,
        &txn,
        Draft {
            kind,
            channel,
            person,
            contact,
            entered_by: operator.then_some(actor.user_id),
            submission: submission_id,
            work_item: work_item_id,
            rating: None,
            department,
            description,
        },
        Some(actor),
    )
    .await?;
    txn.commit().await?;
    get(state, actor, id).await
}

/// How `actor` stands to a case, or `None` when they may not see it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Reader {
    /// The person (or, for a caller without an account, the operator who
    /// typed it in): confirms the answer.
    Applicant,
    /// The operator who typed in a case for a registered person.
    Operator,
    Department,
    Dispatcher,
    /// A clerk of the lead department of the submission it is about.
    Lead,
}

async fn reader(state: &AppState, actor: &Actor, c: &case::Model) -> ServiceResult<Option<Reader>> {
    if actor.system {
        return Ok(None);
    }
    if is_dispatcher(actor) {
        return Ok(Some(Reader::Dispatcher));
    }
    if let Some(dept) = actor.clerk_department() {
        if c.department.as_deref() == Some(dept) {
            return Ok(Some(Reader::Department));
        }
        if let Some(sid) = c.submission_id {
            let bundle: Option<String> = submission::Entity::find_by_id(sid)
                .select_only()
                .column(submission::Column::Bundle)
                .into_tuple()
                .one(&state.db)
                .await?;
            if bundle.is_some_and(|b| crate::services::work_items::leads(&state.catalog, actor, &b)) {
                return Ok(Some(Reader::Lead));
            }
        }
        return Ok(None);
    }
    Ok(match actor.role {
        Role::Citizen if c.person_id == Some(actor.user_id) => Some(Reader::Applicant),
        Role::Operator if c.entered_by == Some(actor.user_id) => Some(if c.person_id.is_none() {
            Reader::Applicant
        } else {
            Reader::Operator
        }),
        _ => None,
    })
}

fn side(r: Reader) -> Option<Side> {
    match r {
        Reader::Applicant => Some(Side::Applicant),
        Reader::Department => Some(Side::Department),
        Reader::Dispatcher => Some(Side::Dispatcher),
        Reader::Operator | Reader::Lead => None,
    }
}

fn department_name(state: &AppState, code: Option<&str>) -> Option<String> {
    code.and_then(|d| state.catalog.department(d))
        .map(|d| d.name.clone())
}

/// Who did it, as a timeline says: never a staff member's name.
fn by_label(state: &AppState, e: &case_event::Model) -> String {
    match e.actor_role.as_str() {
        "system" => "系统".into(),
        "citizen" => "诉求人".into(),
        role => match e.actor_department.as_deref() {
            Some(d) => department_name(state, Some(d)).unwrap_or_else(|| d.to_owned()),
            None => Role::parse(role).map_or_else(|| role.to_owned(), |r| r.label().to_owned()),
        },
    }
}

fn event_label(action: &str) -> String {
    match action {
        "register" => "登记诉求".into(),
        "overdue" => "超期，已提请县政务服务中心督办".into(),
        a => CaseAction::parse(a).map_or_else(|| a.to_owned(), |a| a.label().to_owned()),
    }
}

async fn dto(state: &AppState, reader: Reader, c: &case::Model, with_events: bool) -> ServiceResult<CaseDto> {
    let today = Date::today_china();
    let whole = matches!(reader, Reader::Applicant | Reader::Operator | Reader::Dispatcher);
    let person = match (c.person_id, &c.contact_enc) {
        (Some(p), _) => user_name(&state.db, p).await?,
        (None, Some(enc)) => {
            serde_json::from_str::<Contact>(&state.pii.decrypt(enc)?)
                .map_err(anyhow::Error::from)?
                .name
        }
        (None, None) => String::new(),
    };
    let submission_tracking_no = match c.submission_id {
        Some(s) => {
            submission::Entity::find_by_id(s)
                .select_only()
                .column(submission::Column::TrackingNo)
                .into_tuple::<String>()
                .one(&state.db)
                .await?
        }
        None => None,
    };
    let events = if with_events {
        case_event::Entity::find()
            .filter(case_event::Column::CaseId.eq(c.id))
            .order_by_asc(case_event::Column::At)
            .order_by_asc(case_event::Column::Id)
            .all(&state.db)
            .await?
            .into_iter()
            .map(|e| CaseEvent {
                at: e.at.to_rfc3339(),
                label: event_label(&e.action),
                by: by_label(state, &e),
                to: e.to_status,
                department_name: department_name(state, e.department.as_deref()),
                comment: e.comment.clone(),
                satisfaction: e.satisfaction,
                action: e.action,
            })
            .collect()
    } else {
        Vec::new()
    };
    let actions = side(reader)
        .map(|s| case_actions(c.status, s))
        .unwrap_or_default();
    let escalate_to = if with_events && actions.contains(&CaseAction::Escalate) {
        escalation_targets(state, c).await?
    } else {
        Vec::new()
    };
    Ok(CaseDto {
        id: c.id.to_string(),
        tracking_no: c.tracking_no.clone(),
        kind: c.kind,
        kind_label: c.kind.label().to_owned(),
        channel: c.channel,
        status: c.status,
        status_label: c.status.label().to_owned(),
        description: state.pii.decrypt(&c.description_enc)?,
        person: name_for(&person, whole),
        submission: c.submission_id.map(|s| s.to_string()),
        submission_tracking_no,
        work_item: c.work_item_id.map(|w| w.to_string()),
        rating: c.rating_id.map(|r| r.to_string()),
        department: c.department.clone(),
        department_name: department_name(state, c.department.as_deref()),
        due_date: c.due_date.map(|d| d.to_string()),
        answer_due: c.answer_due.map(|d| d.to_string()),
        overdue: overdue(c, today),
        escalated: c.escalated_at.is_some(),
        reopened: c.reopen_count > 0,
        satisfaction: c.satisfaction,
        actions,
        escalate_to,
        version: c.version,
        created_at: c.created_at.to_rfc3339(),
        events,
    })
}

/// `GET /api/v1/cases/{id}`, with its timeline.
pub async fn get(state: &AppState, actor: &Actor, id: Uuid) -> ServiceResult<CaseDto> {
    let c = case::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let r = reader(state, actor, &c).await?.ok_or(ServiceError::NotFound)?;
    dto(state, r, &c, true).await
}

/// `GET /api/v1/cases?queue=`: the person's, the operator's, the
/// department's or (the county office) every case; newest first, at most 200.
pub async fn list(state: &AppState, actor: &Actor, queue: Option<&str>) -> ServiceResult<Vec<CaseDto>> {
    let mut q = case::Entity::find();
    let reader = if is_dispatcher(actor) {
        Reader::Dispatcher
    } else if let Some(dept) = actor.clerk_department() {
        q = q.filter(case::Column::Department.eq(dept));
        Reader::Department
    } else if actor.role == Role::Citizen && !actor.system {
        q = q.filter(case::Column::PersonId.eq(actor.user_id));
        Reader::Applicant
    } else if actor.role == Role::Operator {
        q = q.filter(case::Column::EnteredBy.eq(actor.user_id));
        Reader::Operator
    } else {
        return Err(ServiceError::Forbidden {
            code: "not_allowed",
            message: "诉求只对诉求人、话务员、承办部门和县政务服务中心可见".into(),
        });
    };
    let default = if reader == Reader::Dispatcher {
        "dispatch"
    } else {
        "all"
    };
    let open = [
        CaseStatus::Registered,
        CaseStatus::Assigned,
        CaseStatus::Processing,
        CaseStatus::Answered,
        CaseStatus::Reopened,
    ];
    let mut only_overdue = false;
    q = match queue.unwrap_or(default) {
        "all" => q,
        "open" => q.filter(case::Column::Status.is_in(open)),
        "closed" => q.filter(case::Column::Status.eq(CaseStatus::Closed)),
        "overdue" => {
            only_overdue = true;
            q.filter(case::Column::DueDate.lt(Date::today_china()))
                .filter(case::Column::Status.is_not_in([CaseStatus::Answered, CaseStatus::Closed]))
        }
        "dispatch" if reader == Reader::Dispatcher => {
            q.filter(case::Column::Status.is_in([CaseStatus::Registered, CaseStatus::Reopened]))
        }
        "escalated" if reader == Reader::Dispatcher => q
            .filter(case::Column::EscalatedAt.is_not_null())
            .filter(case::Column::Status.ne(CaseStatus::Closed)),
        _ => {
            return Err(ServiceError::field(
                "queue",
                "invalid",
                "queue 只能是 all、open、closed、overdue（县政务服务中心另有 dispatch、escalated）",
            ));
        }
    };
    let rows = q
        .order_by_desc(case::Column::CreatedAt)
        .order_by_desc(case::Column::Id)
        .limit(200)
        .all(&state.db)
        .await?;
    let today = Date::today_china();
    let mut out = Vec::with_capacity(rows.len());
    for c in rows.iter().filter(|c| !only_overdue || overdue(c, today)) {
        out.push(dto(state, reader, c, false).await?);
    }
    Ok(out)
}

/// The person's cases about one submission, for its page.
pub async fn of_submission(state: &AppState, actor: &Actor, submission: Uuid) -> ServiceResult<Vec<CaseDto>> {
    let rows = case::Entity::find()
        .filter(case::Column::SubmissionId.eq(submission))
        .filter(case::Column::PersonId.eq(actor.user_id))
        .order_by_asc(case::Column::Id)
        .all(&state.db)
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for c in &rows {
        out.push(dto(state, Reader::Applicant, c, false).await?);
    }
    Ok(out)
}

/// The departments a case may be escalated to: the lead department of the
/// submission's bundle, and the county office.
async fn escalation_targets(state: &AppState, c: &case::Model) -> ServiceResult<Vec<String>> {
    let mut out = vec![state.catalog.cases.county_office.clone()];
    if let Some(sid) = c.submission_id
        && let Some(bundle) = submission::Entity::find_by_id(sid)
            .select_only()
            .column(submission::Column::Bundle)
            .into_tuple::<String>()
            .one(&state.db)
            .await?
        && let Some(b) = state.catalog.bundle(&bundle)
    {
        out.push(b.lead_department.as_str().to_owned());
    }
    Ok(out)
}

/// The active dispatchers, to notify.
async fn dispatchers<C: ConnectionTrait>(db: &C) -> Result<Vec<Uuid>, sea_orm::DbErr> {
    user::Entity::find()
        .select_only()
        .column(user::Column::Id)
        .filter(user::Column::Role.eq(Role::Dispatcher))
        .filter(user::Column::Disabled.eq(false))
        .into_tuple()
        .all(db)
        .await
}

async fn notify_dispatchers<C: ConnectionTrait>(
    db: &C,
    c: &case::Model,
    title: &str,
    body: String,
) -> Result<(), sea_orm::DbErr> {
    for d in dispatchers(db).await? {
        notifications::write(
            db,
            Message {
                user_id: d,
                submission_id: c.submission_id,
                work_item_id: c.work_item_id,
                kind: "case",
                title: format!("{title}（诉求编号 {}）", c.tracking_no),
                body: body.clone(),
            },
        )
        .await?;
    }
    Ok(())
}

/// `POST /api/v1/cases/{id}/actions`: one checked step of the state machine.
pub async fn act(
    state: &AppState,
    actor: &Actor,
    id: Uuid,
    req: CaseActionRequest,
) -> ServiceResult<CaseDto> {
    let c = case::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let reader = reader(state, actor, &c).await?.ok_or(ServiceError::NotFound)?;
    let action = CaseAction::parse(req.action.trim()).ok_or_else(|| {
        ServiceError::field(
            "action",
            "unknown_action",
            "操作只能是 assign、contact、return、answer、confirm、reopen、escalate 或 close",
        )
    })?;
    if side(reader) != Some(action.actor()) {
        return Err(ServiceError::Forbidden {
            code: "not_allowed",
            message: match action.actor() {
                Side::Dispatcher => "只有县政务服务中心可以转办、重办、督办或办结",
                Side::Department => "只有承办部门可以签收、退回或答复",
                Side::Applicant => "只有诉求人可以评价答复",
            }
            .into(),
        });
    }
    let comment = if action.needs_comment() {
        Some(required(
            "comment",
            req.comment.as_deref(),
            MAX_CASE_DESCRIPTION,
            "说明",
        )?)
    } else {
        text("comment", req.comment.as_deref(), MAX_CASE_DESCRIPTION)?
    };
    let department = if action.needs_department() {
        let d = req.department.as_deref().map(str::trim).unwrap_or_default();
        if state.catalog.department(d).is_none() {
            return Err(ServiceError::field(
                "department",
                "unknown_department",
                "请选择承办部门",
            ));
        }
        if action == CaseAction::Escalate && !escalation_targets(state, &c).await?.iter().any(|t| t == d) {
            return Err(ServiceError::field(
                "department",
                "not_allowed",
                "只能提级到牵头部门或县政务服务中心",
            ));
        }
        Some(d.to_owned())
    } else {
        None
    };
    let satisfaction =
        match (action, req.satisfaction.as_deref()) {
            (CaseAction::Confirm, Some(s)) => Some(Satisfaction::parse(s).ok_or_else(|| {
                ServiceError::field("satisfaction", "invalid", "请选择满意、基本满意或不满意")
            })?),
            (CaseAction::Confirm, None) => {
                return Err(ServiceError::field(
                    "satisfaction",
                    "required",
                    "请选择满意、基本满意或不满意",
                ));
            }
            _ => None,
        };
    if req.version.is_some_and(|v| v != c.version) {
        return Err(conflict());
    }
    let Some(to) = case_next(c.status, action, satisfaction, c.reopen_count > 0) else {
        return Err(ServiceError::Conflict {
            code: "invalid_transition",
            message: format!("“{}”的诉求不能{}", c.status.label(), action.label()),
        });
    };

    let now = Utc::now();
    let (due, answer_due) = deadlines(state, c.kind, to, c.answer_due);
    let mut q = case::Entity::update_many()
        .col_expr(case::Column::Status, Expr::value(to))
        .col_expr(case::Column::Version, Expr::col(case::Column::Version).add(1))
        .col_expr(case::Column::UpdatedAt, Expr::value(now))
        .col_expr(case::Column::DueDate, Expr::value(due))
        .col_expr(case::Column::AnswerDue, Expr::value(answer_due));
    match action {
        CaseAction::Assign | CaseAction::Escalate => {
            q = q.col_expr(case::Column::Department, Expr::value(department.clone()));
            let escalated = (action == CaseAction::Escalate).then_some(now);
            q = q.col_expr(case::Column::EscalatedAt, Expr::value(escalated));
        }
        CaseAction::Return => {
            q = q
                .col_expr(case::Column::Department, Expr::value(Option::<String>::None))
                .col_expr(
                    case::Column::EscalatedAt,
                    Expr::value(Option::<chrono::DateTime<Utc>>::None),
                );
        }
        CaseAction::Contact => {
            q = q.col_expr(
                case::Column::EscalatedAt,
                Expr::value(Option::<chrono::DateTime<Utc>>::None),
            );
        }
        _ => {}
    }
    if to == CaseStatus::Reopened {
        q = q.col_expr(
            case::Column::ReopenCount,
            Expr::col(case::Column::ReopenCount).add(1),
        );
    }
    if let Some(s) = satisfaction {
        q = q.col_expr(case::Column::Satisfaction, Expr::value(s));
    }
    if to == CaseStatus::Closed {
        q = q.col_expr(case::Column::ClosedAt, Expr::value(now));
    }
    let txn = state.writes.begin(&state.db).await?;
    let res = q
        .filter(case::Column::Id.eq(c.id))
        .filter(case::Column::Version.eq(c.version))
        .filter(case::Column::Status.eq(c.status))
        .exec(&txn)
        .await?;
    if res.rows_affected != 1 {
        return Err(conflict());
    }
    let mut e = event(c.id, Some(actor), action.as_str());
    e.to_status = Set(Some(to));
    e.department = Set(department);
    e.comment = Set(comment.clone());
    e.satisfaction = Set(satisfaction);
    if action == CaseAction::Answer {
        e.answer_due = Set(c.answer_due);
    }
    case_event::Entity::insert(e).exec(&txn).await?;
    let label = c.kind.label();
    match (action, to) {
        (CaseAction::Answer, _) => {
            if let Some(p) = c.person_id {
                notifications::write(
                    &txn,
                    Message {
                        user_id: p,
                        submission_id: c.submission_id,
                        work_item_id: c.work_item_id,
                        kind: "case",
                        title: format!("您的{label}已答复（诉求编号 {}）", c.tracking_no),
                        body: format!(
                            "{}答复：{}。请在“我的诉求”中评价是否满意。",
                            department_name(state, c.department.as_deref()).unwrap_or_default(),
                            comment.as_deref().unwrap_or_default()
                        ),
                    },
                )
                .await?;
            }
        }
        (CaseAction::Return, _) => {
            notify_dispatchers(
                &txn,
                &c,
                "诉求被退回，请重新派单",
                format!("退回理由：{}", comment.as_deref().unwrap_or_default()),
            )
            .await?;
        }
        (CaseAction::Confirm, CaseStatus::Reopened) => {
            notify_dispatchers(
                &txn,
                &c,
                "诉求人不满意，请重新办理",
                "诉求人对答复不满意，已重新打开。".into(),
            )
            .await?;
        }
        _ => {}
    }
    txn.commit().await?;
    let fresh = case::Entity::find_by_id(c.id)
        .one(&state.db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    dto(state, reader, &fresh, true).await
}

fn conflict() -> ServiceError {
    ServiceError::Conflict {
        code: "version_conflict",
        message: "这件诉求刚被他人处理过，请刷新后再操作".into(),
    }
}

/// Housekeeping: every case past its stage's deadline and not yet
/// escalated is flagged, put on the county office's board (an `overdue`
/// event) and the dispatchers are notified. Returns how many.
pub async fn escalate_overdue(state: &AppState, today: Date) -> ServiceResult<u64> {
    let due: Vec<case::Model> = case::Entity::find()
        .filter(case::Column::DueDate.lt(today))
        .filter(case::Column::EscalatedAt.is_null())
        .filter(case::Column::Status.is_not_in([CaseStatus::Answered, CaseStatus::Closed]))
        .limit(500)
        .all(&state.db)
        .await?;
    let mut n = 0;
    for c in due {
        let txn = state.writes.begin(&state.db).await?;
        let res = case::Entity::update_many()
            .col_expr(case::Column::EscalatedAt, Expr::value(Utc::now()))
            .filter(case::Column::Id.eq(c.id))
            .filter(case::Column::Version.eq(c.version))
            .filter(case::Column::EscalatedAt.is_null())
            .exec(&txn)
            .await?;
        if res.rows_affected != 1 {
            continue;
        }
        let mut e = event(c.id, None, "overdue");
        e.department = Set(c.department.clone());
        case_event::Entity::insert(e).exec(&txn).await?;
        let who = department_name(state, c.department.as_deref()).unwrap_or_else(|| "县政务服务中心".into());
        notify_dispatchers(
            &txn,
            &c,
            "诉求超期，请督办",
            format!(
                "{who}未在 {} 前完成“{}”。",
                c.due_date.map(|d| d.to_string()).unwrap_or_default(),
                c.status.label()
            ),
        )
        .await?;
        txn.commit().await?;
        n += 1;
    }
    Ok(n)
}

/// `GET /api/v1/people?q=`: a registered person by exact phone number or
/// 身份证号, for a 12345 operator or the county office; masked.
pub async fn find_people(state: &AppState, actor: &Actor, q: &str) -> ServiceResult<Vec<PersonMatch>> {
    if !matches!(actor.role, Role::Operator | Role::Dispatcher) || actor.system {
        return Err(ServiceError::Forbidden {
            code: "not_allowed",
            message: "只有 12345 话务员和县政务服务中心可以查找来电人".into(),
        });
    }
    let q = q.trim();
    let filter = if let Ok(p) = Phone::parse(q) {
        user::Column::PhoneHash.eq(state.pii.blind_index("phone", p.as_str()))
    } else if let Ok(i) = app::domain::IdNumber::parse(q, Date::today_china()) {
        user::Column::IdNumberHash.eq(state.pii.blind_index("id_number", i.as_str()))
    } else {
        return Err(ServiceError::field(
            "q",
            "invalid",
            "请输入 11 位手机号或 18 位身份证号",
        ));
    };
    let rows = user::Entity::find()
        .filter(filter)
        .filter(user::Column::Role.eq(Role::Citizen))
        .limit(10)
        .all(&state.db)
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for u in rows {
        let phone = match &u.phone_enc {
            Some(e) => Phone::parse(&state.pii.decrypt(e)?)
                .map(|p| p.masked())
                .unwrap_or_default(),
            None => String::new(),
        };
        out.push(PersonMatch {
            id: u.id.to_string(),
            name: u.name,
            phone,
        });
    }
    Ok(out)
}
