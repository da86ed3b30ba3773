//! Submissions (办件): validation against the merged form, the fan-out to one
//! work item per (item, department) in ONE transaction, idempotent retries,
//! and the applicant's views of their submissions (shared read helpers live
//! in `tracking`).

use std::collections::{BTreeMap, HashSet};

use app::api::{Role, SubmissionCreated, SubmissionDto, SubmissionSummary, SubmitRequest};
use app::catalog::merge::merge;
use app::catalog::values::check_all;
use app::catalog::{Bundle, Catalog};
use app::domain::Date;
use app::workflow::WorkStatus;
use chrono::Utc;
use sea_orm::{ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::tracking::{briefs, decrypt_data, due_date, items_of, may_act_on, status_of, summaries, view};
use super::{ServiceError, ServiceResult, paging};
use crate::AppState;
use crate::db::entities::submission::ItemCodes;
use crate::db::entities::{commitment, draft, filing_measure, submission, work_item, work_item_event};
use crate::identity::{Actor, RequestMeta, Subject};

/// What `create` did.
#[derive(Debug)]
pub enum Created {
    New(SubmissionCreated),
    /// The same idempotency key and payload again: the earlier submission.
    Replayed(SubmissionCreated),
}

fn payload_hash(bundle: &str, items: &[String], data: &Map<String, Value>) -> String {
    let canonical = json!({ "bundle": bundle, "items": items, "data": data });
    hex::encode(Sha256::digest(canonical.to_string().as_bytes()))
}

fn applicants_only(actor: &Actor) -> ServiceResult<()> {
    if actor.role == Role::Citizen {
        Ok(())
    } else {
        Err(ServiceError::Forbidden {
            code: "applicants_only",
            message: "工作人员账号不能以个人身份提交办件".into(),
        })
    }
}

/// Validates and files a submission of a bundle (一件事) for the actor's
/// current subject.
pub async fn create(state: &AppState, actor: &Actor, req: SubmitRequest) -> ServiceResult<Created> {
    applicants_only(actor)?;
    let bundle = state.catalog.event_bundle(&req.bundle).ok_or_else(|| {
        ServiceError::field(
            "bundle",
            "unknown_bundle",
            format!("没有编码为“{}”的一件事", req.bundle),
        )
    })?;
    check_audience(actor, bundle)?;
    let items: Option<Vec<String>> = req.items;
    file(
        state,
        actor,
        bundle,
        items.as_deref().unwrap_or(&all_codes(bundle)),
        req.data,
        req.idempotency_key,
        req.commitment_agreed,
    )
    .await
}

fn all_codes(bundle: &Bundle) -> Vec<String> {
    bundle.items.iter().map(|i| i.code.to_string()).collect()
}

/// Enterprise bundles are filed while acting for an enterprise, citizen
/// bundles for oneself.
pub fn check_audience(actor: &Actor, bundle: &Bundle) -> ServiceResult<()> {
    let acting = actor.acting.is_some();
    match (bundle.audience, acting) {
        (app::catalog::Audience::Enterprise, false) => Err(ServiceError::field(
            "bundle",
            "enterprise_bundle",
            format!(
                "“{}”是企业办事，请先切换到企业身份（企业专区）再办理",
                bundle.name
            ),
        )),
        (app::catalog::Audience::Citizen, true) => Err(ServiceError::field(
            "bundle",
            "citizen_bundle",
            format!("“{}”是个人办事，请切换回个人身份再办理", bundle.name),
        )),
        _ => Ok(()),
    }
}

/// Files a submission: re-validates against the merged form (with the
/// subject's e-certificates), then in ONE transaction writes the submission,
/// its work items, the `submitted` event, and removes the draft.
pub async fn file(
    state: &AppState,
    actor: &Actor,
    bundle: &Bundle,
    chosen: &[String],
    answers: Map<String, Value>,
    idempotency_key: Option<String>,
    commitment_agreed: bool,
) -> ServiceResult<Created> {
    let catalog = &state.catalog;
    let subject = Subject::of(actor);
    let mut form = merge(catalog, bundle, Some(chosen)).map_err(ServiceError::Validation)?;
    // The applicant's prefill and e-certificates, as the form showed them:
    // checking needs the certificates, 四减一优 what was prefilled.
    super::forms::prefill(state, actor, &mut form).await?;
    let today = Date::today_china();
    let data = check_all(&form, &answers, today).map_err(ServiceError::Validation)?;
    // Filed for an enterprise, the form speaks of that enterprise.
    if let Some(acting) = &actor.acting
        && let Some(code) = data.get("credit_code").and_then(Value::as_str)
        && !code.eq_ignore_ascii_case(&acting.credit_code)
    {
        return Err(ServiceError::field(
            "credit_code",
            "not_acting_enterprise",
            format!(
                "统一社会信用代码应为正在办理的企业（{}）的代码 {}",
                acting.name, acting.credit_code
            ),
        ));
    }
    let uploads = super::materials::uploads_of(&form, &data);
    let promised = super::materials::promised(&form, &data);
    if !promised.is_empty() && !commitment_agreed {
        return Err(ServiceError::field(
            "commitment_agreed",
            "commitment_not_agreed",
            "选择容缺受理的材料，需要阅读并同意告知承诺书",
        ));
    }
    let items = form.selected_items();
    let hash = payload_hash(bundle.code.as_str(), &items, &data);
    let key = match idempotency_key.as_deref().map(str::trim) {
        Some(k) if k.is_empty() || k.len() > 128 => {
            return Err(ServiceError::field(
                "idempotency_key",
                "invalid",
                "idempotency_key 应为 1–128 个字符",
            ));
        }
        other => other.map(ToOwned::to_owned),
    };
    if let Some(k) = &key
        && let Some(existing) = find_by_key(&state.db, actor.user_id, k).await?
    {
        return replay(state, existing, &hash).await;
    }

    if let Err(e) = super::uploads::check_bindable(&state.db, actor.user_id, &uploads).await {
        // A retry racing the request it repeats finds the files taken by
        // that very request: answer with it.
        if let Some(k) = &key
            && let Some(existing) = find_by_key(&state.db, actor.user_id, k).await?
        {
            return replay(state, existing, &hash).await;
        }
        return Err(e);
    }
    let now = Utc::now();
    let id = Uuid::now_v7();
    let mut work_items = fan_out(catalog, bundle, &items, id, now, today);
    let measures = super::stats::savings::at_filing(bundle, &items, &form, &data, ONLINE);
    let alongside = Alongside {
        measures: Some(measures),
        commitments: super::materials::commitments(
            catalog,
            bundle,
            &form,
            &promised,
            &work_items,
            today,
            now,
        ),
        uploads,
    };
    let data_json = serde_json::to_string(&data).map_err(anyhow::Error::from)?;
    let data_enc = state.pii.encrypt(&data_json);
    let mut attempt = 0;
    let s = loop {
        attempt += 1;
        let number = super::tracking::number("MX", today);
        for w in &mut work_items {
            w.tracking_no.clone_from(&number);
        }
        let s = submission::Model {
            id,
            tracking_no: number,
            bundle: bundle.code.to_string(),
            catalog_version: catalog.version.clone(),
            applicant_id: actor.user_id,
            subject,
            items: ItemCodes(items.clone()),
            data_enc: data_enc.clone(),
            idempotency_key: key.clone(),
            payload_hash: hash.clone(),
            submitted_at: now,
        };
        let event = submitted_event(&s, actor.user_id, actor.who().label);
        let outbox_events: Vec<super::outbox::NewEvent> = work_items
            .iter()
            .map(|w| super::outbox::NewEvent {
                event: "work_item.created".into(),
                work_item: w.clone(),
                submission: (&s).into(),
                fields: Some(super::outbox::item_fields(state, &w.bundle, &w.item, &data)),
                comment: None,
            })
            .collect();
        match write(
            state,
            &s,
            &work_items,
            event,
            outbox_events,
            (actor.user_id, subject, bundle.code.as_str()),
            &alongside,
        )
        .await
        {
            Ok(()) => break s,
            Err(sea_orm::DbErr::Custom(m)) if m == super::uploads::BIND_RACE => {
                if let Some(k) = &key
                    && let Some(existing) = find_by_key(&state.db, actor.user_id, k).await?
                {
                    return replay(state, existing, &hash).await;
                }
                return Err(ServiceError::Conflict {
                    code: "upload_in_use",
                    message: "有文件刚刚被用于其他办件，请刷新后重新上传".into(),
                });
            }
            Err(e) => match e.sql_err() {
                // The idempotency key raced with a concurrent request: answer with the winner.
                Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) if key.is_some() => {
                    if let Some(existing) =
                        find_by_key(&state.db, actor.user_id, key.as_deref().unwrap_or_default()).await?
                    {
                        return replay(state, existing, &hash).await;
                    }
                    // Otherwise it was the tracking number: try another one.
                    if attempt >= 3 {
                        return Err(e.into());
                    }
                }
                Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) if attempt < 3 => {}
                _ => return Err(e.into()),
            },
        }
    };
    state
        .metrics
        .submissions
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    tracing::info!(submission = %id, bundle = %bundle.code, work_items = work_items.len(), "submission filed");
    Ok(Created::New(created_from(state, &s, &work_items)))
}

fn insertable(w: &work_item::Model) -> work_item::ActiveModel {
    work_item::ActiveModel {
        id: Set(w.id),
        submission_id: Set(w.submission_id),
        tracking_no: Set(w.tracking_no.clone()),
        bundle: Set(w.bundle.clone()),
        submitted_at: Set(w.submitted_at),
        item: Set(w.item.clone()),
        department: Set(w.department.clone()),
        status: Set(w.status),
        version: Set(w.version),
        due_days: Set(w.due_days),
        due_date: Set(w.due_date),
        clock_started_on: Set(w.clock_started_on),
        paused_at: Set(w.paused_at),
        corrections: Set(w.corrections.clone()),
        result: Set(w.result.clone()),
        created_at: Set(w.created_at),
        updated_at: Set(w.updated_at),
    }
}

/// The work items of a submission: one per chosen item and department,
/// `pending` with its clock started today, or `waiting` (no clock) when it
/// depends on another chosen item. Tracking numbers are set by the caller.
pub fn fan_out(
    catalog: &Catalog,
    bundle: &Bundle,
    chosen: &[String],
    submission_id: Uuid,
    now: chrono::DateTime<Utc>,
    today: Date,
) -> Vec<work_item::Model> {
    let chosen: HashSet<&str> = chosen.iter().map(String::as_str).collect();
    let mut work_items = Vec::new();
    for item in bundle.items.iter().filter(|i| chosen.contains(i.code.as_str())) {
        let waits = item.depends_on.iter().any(|d| chosen.contains(d.as_str()));
        for dept in &item.departments {
            let due_days = i32::from(item.due_days);
            work_items.push(work_item::Model {
                id: Uuid::now_v7(),
                submission_id,
                tracking_no: String::new(),
                bundle: bundle.code.to_string(),
                submitted_at: now,
                item: item.code.to_string(),
                department: dept.to_string(),
                status: if waits {
                    WorkStatus::Waiting
                } else {
                    WorkStatus::Pending
                },
                version: 1,
                due_days,
                due_date: (!waits).then(|| due_date(catalog, today, due_days)),
                clock_started_on: (!waits).then_some(today),
                paused_at: None,
                corrections: None,
                result: None,
                created_at: now,
                updated_at: now,
            });
        }
    }
    work_items
}

/// The `submitted` event of a submission, by `actor` (its audit label).
pub fn submitted_event(s: &submission::Model, actor_id: Uuid, actor: String) -> work_item_event::ActiveModel {
    work_item_event::ActiveModel {
        id: Set(Uuid::now_v7()),
        submission_id: Set(s.id),
        work_item_id: Set(None),
        at: Set(s.submitted_at),
        actor_id: Set(Some(actor_id)),
        actor: Set(actor),
        department: Set(None),
        event: Set("submitted".into()),
        from_status: Set(None),
        to_status: Set(None),
        comment: Set(None),
    }
}

/// The channel (`stats::facts::CHANNELS`) of a submission the applicant
/// files themselves.
const ONLINE: usize = 0;

/// What filing writes beside the submission: uploads bound per material
/// key, the 告知承诺 commitments, and the 四减一优 measures.
#[derive(Clone, Debug, Default)]
pub struct Alongside {
    pub uploads: BTreeMap<String, Vec<Uuid>>,
    pub commitments: Vec<commitment::Model>,
    pub measures: Option<super::stats::savings::AtFiling>,
}

/// The one transaction of a submission: the submission, its work items, the
/// `submitted` event, the outbox rows, the uploads bound, commitments
/// made and 四减一优 measured, and the draft gone. (Public for the
/// ceiling benchmark, which writes the same rows without HTTP or checks.)
pub async fn write(
    state: &AppState,
    s: &submission::Model,
    items: &[work_item::Model],
    event: work_item_event::ActiveModel,
    outbox_events: Vec<super::outbox::NewEvent>,
    draft_key: (Uuid, Subject, &str),
    alongside: &Alongside,
) -> Result<(), sea_orm::DbErr> {
    let txn = state.writes.begin(&state.db).await?;
    submission::Entity::insert(submission::ActiveModel {
        id: Set(s.id),
        tracking_no: Set(s.tracking_no.clone()),
        bundle: Set(s.bundle.clone()),
        catalog_version: Set(s.catalog_version.clone()),
        applicant_id: Set(s.applicant_id),
        subject: Set(s.subject),
        items: Set(s.items.clone()),
        data_enc: Set(s.data_enc.clone()),
        idempotency_key: Set(s.idempotency_key.clone()),
        payload_hash: Set(s.payload_hash.clone()),
        submitted_at: Set(s.submitted_at),
    })
    .exec_without_returning(&txn)
    .await?;
    work_item::Entity::insert_many(items.iter().map(insertable))
        .exec_without_returning(&txn)
        .await?;
    work_item_event::Entity::insert(event)
        .exec_without_returning(&txn)
        .await?;
    super::uploads::bind(&txn, s.applicant_id, s.id, &alongside.uploads, s.submitted_at).await?;
    if !alongside.commitments.is_empty() {
        commitment::Entity::insert_many(
            alongside
                .commitments
                .iter()
                .cloned()
                .map(commitment::ActiveModel::from),
        )
        .exec_without_returning(&txn)
        .await?;
    }
    if let Some(m) = &alongside.measures {
        filing_measure::Entity::insert(super::stats::savings::row(s.id, &s.bundle, s.submitted_at, m))
            .exec_without_returning(&txn)
            .await?;
    }
    super::outbox::enqueue(state, &txn, outbox_events).await?;
    draft::Entity::delete_by_id((draft_key.0, draft_key.1, draft_key.2.to_owned()))
        .exec(&txn)
        .await?;
    txn.commit().await
}

async fn find_by_key(
    db: &DatabaseConnection,
    applicant: Uuid,
    key: &str,
) -> Result<Option<submission::Model>, sea_orm::DbErr> {
    submission::Entity::find()
        .filter(submission::Column::ApplicantId.eq(applicant))
        .filter(submission::Column::IdempotencyKey.eq(key))
        .one(db)
        .await
}

async fn replay(state: &AppState, existing: submission::Model, hash: &str) -> ServiceResult<Created> {
    if existing.payload_hash != hash {
        return Err(ServiceError::Conflict {
            code: "idempotency_key_reused",
            message: "这个 idempotency_key 已用于另一份不同的申请".into(),
        });
    }
    Ok(Created::Replayed(created_view(state, &existing).await?))
}

async fn created_view(state: &AppState, s: &submission::Model) -> ServiceResult<SubmissionCreated> {
    let items = items_of(&state.db, s.id).await?;
    Ok(created_from(state, s, &items))
}

fn created_from(state: &AppState, s: &submission::Model, items: &[work_item::Model]) -> SubmissionCreated {
    let bundle = state.catalog.bundle(&s.bundle);
    SubmissionCreated {
        id: s.id.to_string(),
        tracking_no: s.tracking_no.clone(),
        status: status_of(bundle, items),
        bundle: s.bundle.clone(),
        catalog_version: s.catalog_version.clone(),
        submitted_at: s.submitted_at.to_rfc3339(),
        work_items: briefs(&state.catalog, bundle, items, Date::today_china()),
    }
}

/// One submission: all of it for its applicant; for staff, what
/// [`super::work_items::staff_view`] allows; 404 for everyone else.
pub async fn get(
    state: &AppState,
    actor: &Actor,
    id: Uuid,
    meta: &RequestMeta,
) -> ServiceResult<SubmissionDto> {
    let s = submission::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if may_act_on(actor, &s) {
        let data = decrypt_data(state, &s)?;
        let mut dto = view(state, &s, data.clone()).await?;
        dto.commitments = super::materials::commitments::of_submission(state, &state.db, &s).await?;
        let files = super::uploads::files_of(&state.db, s.id).await?;
        let items: Vec<&str> = s.items.0.iter().map(String::as_str).collect();
        dto.documents = super::materials::assemble(
            &state.catalog,
            state.catalog.bundle(&s.bundle),
            &items,
            &data,
            &files,
            &BTreeMap::new(),
            &dto.commitments,
        );
        dto.ratings = super::feedback::ratings::of_submission(state, actor, s.id).await?;
        dto.cases = super::feedback::cases::of_submission(state, actor, s.id).await?;
        return Ok(dto);
    }
    match actor.role {
        Role::Clerk => super::work_items::staff_view(state, actor, &s, meta).await,
        _ => Err(ServiceError::NotFound),
    }
}

/// The applicant's submissions, newest first, `limit` per page after
/// `before` (a submission id from the previous page).
pub async fn list_own(
    state: &AppState,
    actor: &Actor,
    before: Option<Uuid>,
    limit: u64,
) -> ServiceResult<(Vec<SubmissionSummary>, Option<String>)> {
    let limit = limit.clamp(1, 100);
    let (rows, next) = paging::by_id(
        &state.db,
        submission::Entity::find().filter(submission::Column::Subject.eq(Subject::of(actor))),
        (submission::Column::Id, |s| s.id),
        paging::Order::NewestFirst,
        before,
        limit,
    )
    .await?;
    Ok((summaries(state, rows).await?, next))
}
