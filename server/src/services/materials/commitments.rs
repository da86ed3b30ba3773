//! 告知承诺 follow-up: the applicant supplements a promised material, the
//! clerk records the 事后核查 outcome (a breach goes into the applicant's
//! credit record), and reminders go out two working days before and on the
//! due date.

use app::api::{CommitmentDto, CommitmentOutcome, CommitmentStatus, DecideCommitmentRequest};
use app::catalog::Catalog;
use app::domain::Date;
use chrono::{SecondsFormat, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::json;
use uuid::Uuid;

use crate::AppState;
use crate::db::entities::types::CommitmentState;
use crate::db::entities::{commitment, credit_record, submission};
use crate::identity::{Actor, RequestMeta};
use crate::services::tracking::may_act_on;
use crate::services::{ServiceError, ServiceResult, audit, notifications, uploads};

/// A commitment as the API shows it; `overdue` when still open, nothing
/// supplied and past its due date.
pub fn status(c: &commitment::Model, today: Date) -> CommitmentStatus {
    match c.status {
        CommitmentState::Fulfilled => CommitmentStatus::Fulfilled,
        CommitmentState::Breached => CommitmentStatus::Breached,
        CommitmentState::Open if c.supplied_at.is_none() && c.due_date < today => CommitmentStatus::Overdue,
        CommitmentState::Open => CommitmentStatus::Open,
    }
}

pub fn dto(
    catalog: &Catalog,
    bundle: &str,
    c: &commitment::Model,
    files: Vec<app::api::UploadDto>,
    today: Date,
) -> CommitmentDto {
    let b = catalog.bundle(bundle);
    CommitmentDto {
        id: c.id.to_string(),
        material: c.material.clone(),
        material_label: catalog
            .field(&c.material)
            .map(|f| f.label.clone())
            .unwrap_or_default(),
        item: c.item.clone(),
        item_name: b
            .and_then(|b| b.item(&c.item))
            .map(|i| i.name.clone())
            .unwrap_or_default(),
        work_item: c.work_item_id.to_string(),
        due_date: c.due_date.to_string(),
        status: status(c, today),
        text: c.text.clone(),
        supplied_at: c
            .supplied_at
            .map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true)),
        files,
        reason: c.reason.clone(),
    }
}

/// The commitments of a submission with the files supplied for each.
pub async fn of_submission<C: ConnectionTrait>(
    state: &AppState,
    db: &C,
    s: &submission::Model,
) -> Result<Vec<CommitmentDto>, sea_orm::DbErr> {
    let rows = commitment::Entity::find()
        .filter(commitment::Column::SubmissionId.eq(s.id))
        .order_by_asc(commitment::Column::Id)
        .all(db)
        .await?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let files = uploads::files_of(db, s.id).await?;
    let today = Date::today_china();
    Ok(rows
        .iter()
        .map(|c| {
            let supplied = if c.supplied_at.is_some() {
                files.get(&c.material).map(|f| f.0.clone()).unwrap_or_default()
            } else {
                Vec::new()
            };
            dto(&state.catalog, &s.bundle, c, supplied, today)
        })
        .collect())
}

/// The applicant hands in a promised material: the files are bound to the
/// submission and every open commitment for it is marked supplied, for the
/// clerks to check. Handing in again before a clerk decided replaces the
/// earlier files (they stay visible as replaced).
pub async fn fulfil(
    state: &AppState,
    actor: &Actor,
    submission_id: Uuid,
    material: &str,
    files: &[String],
) -> ServiceResult<Vec<CommitmentDto>> {
    let s = submission::Entity::find_by_id(submission_id)
        .one(&state.db)
        .await?
        .filter(|s| may_act_on(actor, s))
        .ok_or(ServiceError::NotFound)?;
    let open: Vec<commitment::Model> = commitment::Entity::find()
        .filter(commitment::Column::SubmissionId.eq(s.id))
        .filter(commitment::Column::Material.eq(material))
        .all(&state.db)
        .await?;
    if open.is_empty() {
        return Err(ServiceError::NotFound);
    }
    if open.iter().all(|c| c.status != CommitmentState::Open) {
        return Err(ServiceError::Conflict {
            code: "commitment_decided",
            message: "这项承诺已经核查完毕，无需再补交".into(),
        });
    }
    let ids = parse_files(material, files)?;
    let map = std::collections::BTreeMap::from([(material.to_owned(), ids)]);
    uploads::check_bindable(&state.db, actor.user_id, &map).await?;
    let now = Utc::now();
    let txn = state.writes.begin(&state.db).await?;
    uploads::supersede(&txn, s.id, material, now).await?;
    uploads::bind(&txn, actor.user_id, s.id, &map, now)
        .await
        .map_err(race_or)?;
    commitment::Entity::update_many()
        .col_expr(commitment::Column::SuppliedAt, Expr::value(now))
        .filter(commitment::Column::SubmissionId.eq(s.id))
        .filter(commitment::Column::Material.eq(material))
        .filter(commitment::Column::Status.eq(CommitmentState::Open))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    tracing::info!(submission = %s.id, material, files = files.len(), "commitment supplied");
    Ok(of_submission(state, &state.db, &s)
        .await?
        .into_iter()
        .filter(|c| c.material == material)
        .collect())
}

/// Upload ids of a request, as field errors on `field` when malformed.
pub fn parse_files(field: &str, files: &[String]) -> ServiceResult<Vec<Uuid>> {
    if files.is_empty() || files.len() > app::catalog::values::MAX_FILES_PER_MATERIAL {
        return Err(ServiceError::field(
            field,
            "files_required",
            format!("请上传 1–{} 个文件", app::catalog::values::MAX_FILES_PER_MATERIAL),
        ));
    }
    let mut ids = Vec::with_capacity(files.len());
    for f in files {
        let id = Uuid::parse_str(f.trim())
            .map_err(|_| ServiceError::field(field, "unknown_upload", "找不到上传的文件，请重新上传"))?;
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    Ok(ids)
}

/// Maps [`uploads::bind`]'s race onto a 409.
pub fn race_or(e: sea_orm::DbErr) -> ServiceError {
    match e {
        sea_orm::DbErr::Custom(m) if m == uploads::BIND_RACE => ServiceError::Conflict {
            code: "upload_in_use",
            message: "有文件刚刚被用于其他办件，请刷新后重新上传".into(),
        },
        e => e.into(),
    }
}

/// The clerk of the work item records the 事后核查 outcome of its
/// commitment for `material`. `fulfilled` needs the files handed in;
/// `breached` needs a reason and either the files handed in (and found
/// wanting) or the due date passed. A breach becomes a credit record of
/// the applicant (一人一档/一企一档) and a notification.
pub async fn decide(
    state: &AppState,
    actor: &Actor,
    meta: &RequestMeta,
    work_item_id: Uuid,
    material: &str,
    req: DecideCommitmentRequest,
) -> ServiceResult<CommitmentDto> {
    let w = super::handled_item(state, actor, work_item_id).await?;
    let c = commitment::Entity::find()
        .filter(commitment::Column::WorkItemId.eq(w.id))
        .filter(commitment::Column::Material.eq(material))
        .one(&state.db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if c.status != CommitmentState::Open {
        return Err(ServiceError::Conflict {
            code: "commitment_decided",
            message: "这项承诺已经核查过了".into(),
        });
    }
    let today = Date::today_china();
    let reason = req
        .reason
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(ToOwned::to_owned);
    if reason.as_ref().is_some_and(|r| r.chars().count() > 500) {
        return Err(ServiceError::field("reason", "too_long", "原因不能超过 500 个字"));
    }
    let state_to = match req.outcome {
        CommitmentOutcome::Fulfilled if c.supplied_at.is_none() => {
            return Err(ServiceError::Conflict {
                code: "not_supplied",
                message: "申请人尚未补交这份材料".into(),
            });
        }
        CommitmentOutcome::Fulfilled => CommitmentState::Fulfilled,
        CommitmentOutcome::Breached if reason.is_none() => {
            return Err(ServiceError::field("reason", "required", "请填写未履约的原因"));
        }
        CommitmentOutcome::Breached if c.supplied_at.is_none() && c.due_date >= today => {
            return Err(ServiceError::Conflict {
                code: "not_due",
                message: format!("承诺期限 {} 未到，申请人仍可补交", c.due_date),
            });
        }
        CommitmentOutcome::Breached => CommitmentState::Breached,
    };
    let s = submission::Entity::find_by_id(c.submission_id)
        .one(&state.db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let now = Utc::now();
    let txn = state.writes.begin(&state.db).await?;
    let done = commitment::Entity::update_many()
        .col_expr(commitment::Column::Status, Expr::value(state_to))
        .col_expr(commitment::Column::DecidedAt, Expr::value(now))
        .col_expr(commitment::Column::DecidedBy, Expr::value(actor.user_id))
        .col_expr(commitment::Column::Reason, Expr::value(reason.clone()))
        .filter(commitment::Column::Id.eq(c.id))
        .filter(commitment::Column::Status.eq(CommitmentState::Open))
        .exec(&txn)
        .await?;
    if done.rows_affected != 1 {
        return Err(ServiceError::Conflict {
            code: "commitment_decided",
            message: "这项承诺已经核查过了".into(),
        });
    }
    let label = state
        .catalog
        .field(material)
        .map_or_else(|| material.to_owned(), |f| f.label.clone());
    if state_to == CommitmentState::Breached {
        credit_record::Entity::insert(credit_record::ActiveModel {
            id: Set(Uuid::now_v7()),
            subject: Set(s.subject),
            kind: Set("commitment_breached".into()),
            submission_id: Set(Some(s.id)),
            item: Set(Some(c.item.clone())),
            material: Set(Some(c.material.clone())),
            reason: Set(reason.clone().unwrap_or_default()),
            created_at: Set(now),
        })
        .exec_without_returning(&txn)
        .await?;
        notifications::write(
            &txn,
            notifications::Message {
                user_id: s.applicant_id,
                submission_id: Some(s.id),
                work_item_id: Some(w.id),
                kind: "commitment_breached",
                title: format!("办件 {}：承诺未履约", s.tracking_no),
                body: format!("《{label}》的告知承诺经核查未履约，已记入信用档案。"),
            },
        )
        .await?;
    }
    txn.commit().await?;
    audit::record_or_log(
        &state.db,
        audit::Event {
            who: actor.who(),
            action: "commitment.decide",
            object: format!("commitment:{}", c.id),
            detail: json!({ "work_item": w.id.to_string(), "material": material, "outcome": state_to.as_str() }),
            ip: meta.ip.clone(),
        },
    )
    .await;
    let fresh = commitment::Entity::find_by_id(c.id)
        .one(&state.db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let files = uploads::files_of(&state.db, s.id)
        .await?
        .remove(material)
        .map(|f| f.0)
        .unwrap_or_default();
    Ok(dto(&state.catalog, &s.bundle, &fresh, files, today))
}

/// Bits of `commitment.reminded`.
const REMINDED_BEFORE: i16 = 1;
const REMINDED_DUE: i16 = 2;

/// Sends the reminders due on `today`: two working days before a
/// commitment is due and on the day, to the applicant's inbox and by SMS.
/// Each is sent once. Returns how many were sent.
pub async fn remind(state: &AppState, today: Date) -> anyhow::Result<u64> {
    let horizon = state.catalog.calendar.add_working_days(today, 2);
    let due: Vec<commitment::Model> = commitment::Entity::find()
        .filter(commitment::Column::Status.eq(CommitmentState::Open))
        .filter(commitment::Column::SuppliedAt.is_null())
        .filter(commitment::Column::DueDate.lte(horizon))
        .filter(commitment::Column::Reminded.lt(REMINDED_BEFORE | REMINDED_DUE))
        .all(&state.db)
        .await?;
    let mut sent = 0;
    for c in due {
        let bit = if c.due_date <= today {
            REMINDED_DUE
        } else {
            REMINDED_BEFORE
        };
        if c.reminded & bit != 0 || c.due_date < today {
            continue;
        }
        let Some(s) = submission::Entity::find_by_id(c.submission_id)
            .one(&state.db)
            .await?
        else {
            continue;
        };
        let label = state
            .catalog
            .field(&c.material)
            .map_or_else(|| c.material.clone(), |f| f.label.clone());
        let body = if bit == REMINDED_DUE {
            format!(
                "您承诺补交的《{label}》今天（{}）到期，请尽快在办件页面上传。",
                c.due_date
            )
        } else {
            format!(
                "您承诺补交的《{label}》将于 {} 到期，请及时在办件页面上传。",
                c.due_date
            )
        };
        let message = notifications::Message {
            user_id: s.applicant_id,
            submission_id: Some(s.id),
            work_item_id: Some(c.work_item_id),
            kind: "commitment_reminder",
            title: format!("办件 {}：请补交承诺材料", s.tracking_no),
            body,
        };
        let txn = state.writes.begin(&state.db).await?;
        let claimed = commitment::Entity::update_many()
            .col_expr(commitment::Column::Reminded, Expr::value(c.reminded | bit))
            .filter(commitment::Column::Id.eq(c.id))
            .filter(commitment::Column::Reminded.eq(c.reminded))
            .exec(&txn)
            .await?;
        if claimed.rows_affected != 1 {
            continue;
        }
        notifications::write(&txn, message.clone()).await?;
        txn.commit().await?;
        notifications::send(state, &state.channels.sms, &message).await;
        sent += 1;
    }
    Ok(sent)
}

/// Commitments of the given work items that are overdue on `today`, counted
/// per work item (for the clerk's queue).
pub async fn overdue_counts<C: ConnectionTrait>(
    db: &C,
    work_items: &[Uuid],
    today: Date,
) -> Result<std::collections::HashMap<Uuid, u32>, sea_orm::DbErr> {
    let mut out = std::collections::HashMap::new();
    if work_items.is_empty() {
        return Ok(out);
    }
    let rows = commitment::Entity::find()
        .filter(commitment::Column::WorkItemId.is_in(work_items.to_vec()))
        .filter(commitment::Column::Status.eq(CommitmentState::Open))
        .filter(commitment::Column::SuppliedAt.is_null())
        .filter(commitment::Column::DueDate.lt(today))
        .all(db)
        .await?;
    for r in rows {
        *out.entry(r.work_item_id).or_insert(0) += 1;
    }
    Ok(out)
}
