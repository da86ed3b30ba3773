//! A clerk's action on a work item: the checked transition, what it
//! releases (串联), the certificate it issues, the applicant's notification
//! and the department systems' events, in one transaction.

use app::api::{ActionRequest, ActionResult};
use app::catalog::Bundle;
use app::domain::Date;
use app::workflow::{Action, SubmissionStatus, WorkStatus, next, released_by};
use chrono::Utc;
use sea_orm::EntityTrait;
use sea_orm::sea_query::Expr;
use serde_json::Value;
use uuid::Uuid;

use super::transitions::{conflict, event, lock_submission, past, transition};
use super::{row, visible_item};
use crate::AppState;
use crate::db::WriteTxn;
use crate::db::entities::{submission, work_item, work_item_event};
use crate::identity::Actor;
use crate::services::materials::review;
use crate::services::notifications::{self, Message};
use crate::services::tracking::{briefs, decrypt_data, due_date, items_of, states};
use crate::services::{ServiceError, ServiceResult, outbox, profiles};
use crate::state::DomainEvent;

/// The certificate number (and optional `valid_until`) of a completion's result.
fn issued_certificate(
    spec: app::catalog::ResultCertificate,
    result: Option<&str>,
) -> ServiceResult<(app::catalog::ResultCertificate, String, Option<Date>)> {
    let r: Value = result
        .and_then(|r| serde_json::from_str(r).ok())
        .unwrap_or(Value::Null);
    let number = r
        .get("certificate_no")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|n| !n.is_empty() && n.len() <= 64);
    let Some(number) = number else {
        return Err(ServiceError::field(
            "result",
            "certificate_no_required",
            format!(
                "办结本事项会发放{}，请填写证照编号（result.certificate_no）",
                spec.name
            ),
        ));
    };
    let until = match r.get("valid_until").and_then(Value::as_str) {
        Some(s) => Some(Date::parse(s).ok_or_else(|| {
            ServiceError::field("result", "valid_until_invalid", "有效期至应为 YYYY-MM-DD")
        })?),
        None => None,
    };
    Ok((spec, number.to_owned(), until))
}

/// A clerk's action on a work item of their department.
pub async fn act(
    state: &AppState,
    actor: &Actor,
    id: Uuid,
    req: ActionRequest,
) -> ServiceResult<ActionResult> {
    let w = visible_item(state, actor, id).await?;
    if actor.clerk_department() != Some(w.department.as_str()) {
        return Err(ServiceError::Forbidden {
            code: "not_your_department",
            message: "只有承办部门可以办理这件事项".into(),
        });
    }
    let action = Action::parse(&req.action)
        .filter(|a| a.actor() == app::workflow::Actor::Clerk)
        .ok_or_else(|| {
            ServiceError::field(
                "action",
                "unknown_action",
                "操作只能是 accept、return、complete 或 reject",
            )
        })?;
    let comment = req
        .comment
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(ToOwned::to_owned);
    if action.needs_comment() && comment.is_none() {
        return Err(ServiceError::field(
            "comment",
            "required",
            "退回补正或不予办理时，请写明原因",
        ));
    }
    if comment.as_ref().is_some_and(|c| c.chars().count() > 1000) {
        return Err(ServiceError::field("comment", "too_long", "说明不能超过 1000 字"));
    }
    let result = match req.result {
        Some(Value::Object(o)) if action == Action::Complete => Some(Value::Object(o).to_string()),
        Some(Value::Null) | None => None,
        Some(_) => {
            return Err(ServiceError::field(
                "result",
                "invalid",
                "result 应为 JSON 对象，且仅用于办结",
            ));
        }
    };
    if result.as_ref().is_some_and(|r| r.len() > 8 * 1024) {
        return Err(ServiceError::field("result", "too_large", "办理结果过大"));
    }
    if req.version.is_some_and(|v| v != w.version) {
        return Err(conflict());
    }
    // An item that issues an e-certificate needs its number on completion.
    let certificate = match state
        .catalog
        .bundle(&w.bundle)
        .and_then(|b| b.item(&w.item))
        .and_then(|i| i.result_certificate.clone())
    {
        Some(spec) if action == Action::Complete => Some(issued_certificate(spec, result.as_deref())?),
        _ => None,
    };
    let from = w.status;
    let Some(to) = next(from, action) else {
        return Err(ServiceError::Conflict {
            code: "invalid_transition",
            message: format!("“{}”状态的事项不能{}", from.label(), action.label()),
        });
    };

    let corrections = match action {
        Action::Return => review::corrections_for(state, &w, req.corrections.as_deref()).await?,
        _ if req.corrections.is_some() => {
            return Err(ServiceError::field(
                "corrections",
                "invalid",
                "corrections 仅用于退回补正（return）",
            ));
        }
        _ => None,
    };

    let today = Date::today_china();
    let txn = state.writes.begin(&state.db).await?;
    lock_submission(&txn, w.submission_id).await?;
    let mut extra = Vec::new();
    match action {
        Action::Return => {
            extra.push((work_item::Column::PausedAt, Expr::value(Utc::now())));
            extra.push((work_item::Column::Corrections, Expr::value(corrections)));
        }
        Action::Complete => extra.push((work_item::Column::Result, Expr::value(result.clone()))),
        _ => {}
    }
    if !transition(&txn, &w, to, extra).await? {
        return Err(conflict());
    }
    let who = {
        let w = actor.who();
        (w.id, w.label)
    };
    work_item_event::Entity::insert(event(&w, who, action.as_str(), from, to, comment.clone()))
        .exec(&txn)
        .await?;

    let s = submission::Entity::find_by_id(w.submission_id)
        .one(&txn)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let bundle = state.catalog.bundle(&w.bundle);
    let subject = s.subject;
    if action == Action::Accept {
        // 一企一档/一人一档: remember what this department accepted.
        if let Some(item) = bundle.and_then(|b| b.item(&w.item)) {
            let keys: Vec<&str> = item.fields.iter().map(|f| f.key.as_str()).collect();
            let data = decrypt_data(state, &s)?;
            profiles::record_accepted(state, &txn, subject, s.id, &keys, &data).await?;
        }
    }
    let mut released = Vec::new();
    if action == Action::Complete {
        released = release(state, &txn, bundle, w.submission_id, today).await?;
        if let Some((spec, number, until)) = &certificate {
            profiles::issue_certificate(
                &txn,
                profiles::NewCertificate {
                    subject,
                    kind: &spec.kind,
                    name: &spec.name,
                    number,
                    issued_by: &w.department,
                    valid_from: today,
                    valid_until: until
                        .or_else(|| spec.valid_years.map(|y| today.add_days(i64::from(y) * 365))),
                    submission_id: Some(s.id),
                    work_item_id: Some(w.id),
                },
            )
            .await?;
        }
    }
    notify(state, &txn, &s, &w, action, comment.as_deref()).await?;
    // Department systems hear of the transition and of what it released.
    let now_items = items_of(&txn, s.id).await?;
    let data = if released.is_empty() {
        None
    } else {
        Some(decrypt_data(state, &s)?)
    };
    let events = now_items
        .iter()
        .filter_map(|x| {
            let (name, fields) = if x.id == w.id {
                (format!("work_item.{}", past(action)), None)
            } else if released.contains(&x.id.to_string()) {
                (
                    "work_item.released".to_owned(),
                    data.as_ref()
                        .map(|d| outbox::item_fields(state, &x.bundle, &x.item, d)),
                )
            } else {
                return None;
            };
            Some(outbox::NewEvent {
                event: name,
                work_item: x.clone(),
                submission: (&s).into(),
                fields,
                comment: (x.id == w.id).then(|| comment.clone()).flatten(),
            })
        })
        .collect();
    outbox::enqueue(state, &txn, events).await?;
    invite_rating(state, &txn, &s, &now_items).await?;
    txn.commit().await?;
    if matches!(action, Action::Complete | Action::Reject) {
        state.ended_counts.invalidate(&w.department);
    }
    if matches!(action, Action::Accept | Action::Complete) {
        // 免申即享: the profile, the certificates or a completed bundle may
        // now match a policy.
        state.publish(DomainEvent::FactsChanged(subject)).await;
    }

    let fresh = work_item::Entity::find_by_id(w.id)
        .one(&state.db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let items = items_of(&state.db, w.submission_id).await?;
    let all = briefs(&state.catalog, bundle, &items, today);
    Ok(ActionResult {
        work_item: row(&state.catalog, &fresh, today),
        released: all.into_iter().filter(|b| released.contains(&b.id)).collect(),
    })
}

/// Starts the clocks of waiting items whose dependencies are now all done.
async fn release(
    state: &AppState,
    txn: &WriteTxn,
    bundle: Option<&Bundle>,
    submission: Uuid,
    today: Date,
) -> Result<Vec<String>, sea_orm::DbErr> {
    let items = items_of(txn, submission).await?;
    let st = states(bundle, &items);
    let mut out = Vec::new();
    for n in released_by(&st) {
        let w = &items[n];
        let due = due_date(&state.catalog, today, w.due_days);
        let ok = transition(
            txn,
            w,
            WorkStatus::Pending,
            vec![
                (work_item::Column::DueDate, Expr::value(Some(due))),
                (work_item::Column::ClockStartedOn, Expr::value(Some(today))),
            ],
        )
        .await?;
        if ok {
            let e = event(
                w,
                (None, "system".into()),
                Action::Release.as_str(),
                WorkStatus::Waiting,
                WorkStatus::Pending,
                None,
            );
            work_item_event::Entity::insert(e).exec(txn).await?;
            out.push(w.id.to_string());
        }
    }
    Ok(out)
}

/// When this action ended the whole submission, invites its rating (好差评).
async fn invite_rating(
    state: &AppState,
    txn: &WriteTxn,
    s: &submission::Model,
    items: &[work_item::Model],
) -> Result<(), sea_orm::DbErr> {
    let bundle = state.catalog.bundle(&s.bundle);
    if !matches!(
        crate::services::tracking::status_of(bundle, items),
        SubmissionStatus::Completed | SubmissionStatus::ClosedWithRejections
    ) {
        return Ok(());
    }
    notifications::write(
        txn,
        Message {
            user_id: s.applicant_id,
            submission_id: Some(s.id),
            work_item_id: None,
            kind: "rate",
            title: format!(
                "{}已全部办结，请评价（办件编号 {}）",
                bundle.map(|b| b.name.as_str()).unwrap_or_default(),
                s.tracking_no
            ),
            body: "您的评价会直接送到各承办部门和县政务服务中心；不满意的评价会有专人回访整改。".into(),
        },
    )
    .await
}

async fn notify(
    state: &AppState,
    txn: &WriteTxn,
    s: &submission::Model,
    w: &work_item::Model,
    action: Action,
    comment: Option<&str>,
) -> Result<(), sea_orm::DbErr> {
    let item = state
        .catalog
        .bundle(&w.bundle)
        .and_then(|b| b.item(&w.item))
        .map(|i| i.name.clone())
        .unwrap_or_default();
    let dept = state
        .catalog
        .department(&w.department)
        .map(|d| d.name.clone())
        .unwrap_or_default();
    let (kind, what, body) = match action {
        Action::Accept => ("accept", "已受理", format!("{dept}已受理，正在办理。")),
        Action::Complete => (
            "complete",
            "已办结",
            format!("{dept}已办结。欢迎在“我的办件”中对本次办理作出评价（好差评）。"),
        ),
        Action::Return => (
            "return",
            "需要补正",
            format!(
                "{dept}退回补正：{}。请在“我的办件”中修改后重新提交，补正期间办理时限暂停计算。",
                comment.unwrap_or_default()
            ),
        ),
        Action::Reject => (
            "reject",
            "不予办理",
            format!(
                "{dept}不予办理：{}。如有疑问可拨打 12345 或在“我的办件”中反映；欢迎对本次办理作出评价（好差评）。",
                comment.unwrap_or_default()
            ),
        ),
        _ => return Ok(()),
    };
    notifications::write(
        txn,
        Message {
            user_id: s.applicant_id,
            submission_id: Some(s.id),
            work_item_id: Some(w.id),
            kind,
            title: format!("{item} {what}（办件编号 {}）", s.tracking_no),
            body,
        },
    )
    .await
}
