//! The applicant's supplement (补正) of a returned work item.

use std::collections::BTreeMap;

use app::api::{ActionResult, FieldError, SupplementRequest};
use app::catalog::merge::merge;
use app::catalog::values::check;
use app::catalog::{FieldKind, MaterialAnswer};
use app::domain::Date;
use app::workflow::{Action, WorkStatus, next};
use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::Value;
use uuid::Uuid;

use super::row;
use super::transitions::{conflict, event, lock_submission, transition};
use crate::AppState;
use crate::db::entities::{submission, work_item, work_item_event};
use crate::identity::Actor;
use crate::services::answers::Asked;
use crate::services::materials::{commitments, review};
use crate::services::tracking::{decrypt_data, may_act_on};
use crate::services::{ServiceError, ServiceResult, outbox, uploads};

/// The applicant corrects a returned item (补正): the answers are updated,
/// the item is pending again and its clock resumes where it stopped (the
/// due date moves by the working days it was paused).
pub async fn supplement(
    state: &AppState,
    actor: &Actor,
    submission_id: Uuid,
    req: SupplementRequest,
) -> ServiceResult<ActionResult> {
    let s = submission::Entity::find_by_id(submission_id)
        .one(&state.db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if !may_act_on(actor, &s) {
        return Err(ServiceError::NotFound);
    }
    let wid = Uuid::parse_str(&req.work_item)
        .map_err(|_| ServiceError::field("work_item", "unknown_work_item", "没有这个事项"))?;
    let w = work_item::Entity::find_by_id(wid)
        .one(&state.db)
        .await?
        .filter(|w| w.submission_id == s.id)
        .ok_or_else(|| ServiceError::field("work_item", "unknown_work_item", "本办件中没有这个事项"))?;
    let from = w.status;
    if next(from, Action::Supplement).is_none() {
        return Err(ServiceError::Conflict {
            code: "invalid_transition",
            message: "这个事项不需要补正".into(),
        });
    }
    let bundle = state.catalog.bundle(&s.bundle).ok_or(ServiceError::NotFound)?;
    let form = merge(&state.catalog, bundle, Some(&s.items)).map_err(ServiceError::Validation)?;
    let item_keys: Vec<&str> = bundle
        .item(&w.item)
        .map(|i| i.fields.iter().map(|f| f.key.as_str()).collect())
        .unwrap_or_default();
    // What the clerk asked to correct; `None`: any answer of the item.
    let asked: Option<Vec<String>> = w
        .corrections
        .as_deref()
        .and_then(|c| serde_json::from_str::<Vec<Asked>>(c).ok())
        .map(|a| a.into_iter().map(|a| a.key).collect());
    let today = Date::today_china();
    let mut data = decrypt_data(state, &s)?;
    let mut errors = Vec::new();
    let mut uploads_map: BTreeMap<String, Vec<Uuid>> = BTreeMap::new();
    for (k, v) in &req.data {
        let Some(f) = form.field(k).filter(|_| item_keys.contains(&k.as_str())) else {
            errors.push(FieldError::new(
                k.clone(),
                "unknown_field",
                format!("这个事项不使用“{k}”"),
            ));
            continue;
        };
        if asked.as_ref().is_some_and(|a| !a.contains(k)) {
            errors.push(FieldError::new(
                k.clone(),
                "not_requested",
                format!("“{}”不在需要补正的范围内", f.label),
            ));
            continue;
        }
        if f.kind == FieldKind::Material && MaterialAnswer::of(v) != Some(MaterialAnswer::Files) {
            errors.push(FieldError::new(
                k.clone(),
                "files_required",
                format!("请重新上传{}", f.label),
            ));
            continue;
        }
        match check(f, Some(v), today) {
            Ok(Some(v)) => {
                if f.kind == FieldKind::Material {
                    let ids = MaterialAnswer::files(&v)
                        .iter()
                        .filter_map(|i| Uuid::parse_str(i).ok())
                        .collect();
                    uploads_map.insert(k.clone(), ids);
                }
                data.insert(k.clone(), v);
            }
            Ok(None) => {
                data.remove(k);
            }
            Err(e) => errors.push(e),
        }
    }
    // Every material found wanting must come back.
    for key in asked.iter().flatten() {
        if let Some(f) = form.field(key).filter(|f| f.kind == FieldKind::Material)
            && !req.data.contains_key(key)
        {
            errors.push(FieldError::new(
                key.clone(),
                "required",
                format!("请重新上传{}", f.label),
            ));
        }
    }
    if !errors.is_empty() {
        return Err(ServiceError::Validation(errors));
    }
    uploads::check_bindable(&state.db, actor.user_id, &uploads_map).await?;
    let now = Utc::now();

    // The clock resumes: the due date moves by the working days it was paused.
    let paused_on = w.paused_at.map(|t| Date::china_day_of(t.timestamp()));
    let paused_days = paused_on.map_or(0, |p| state.catalog.calendar.working_days_between(p, today));
    let due = w
        .due_date
        .map(|d| state.catalog.calendar.add_working_days(d, paused_days));

    let txn = state.writes.begin(&state.db).await?;
    lock_submission(&txn, s.id).await?;
    let ok = transition(
        &txn,
        &w,
        WorkStatus::Pending,
        vec![
            (
                work_item::Column::PausedAt,
                Expr::value(None::<chrono::DateTime<Utc>>),
            ),
            (work_item::Column::DueDate, Expr::value(due)),
            (work_item::Column::Corrections, Expr::value(None::<String>)),
        ],
    )
    .await?;
    if !ok {
        return Err(conflict());
    }
    for material in uploads_map.keys() {
        uploads::supersede(&txn, s.id, material, now).await?;
    }
    uploads::bind(&txn, actor.user_id, s.id, &uploads_map, now)
        .await
        .map_err(commitments::race_or)?;
    review::forget(&txn, w.id, &uploads_map.keys().cloned().collect::<Vec<_>>()).await?;
    let data_now = data.clone();
    submission::Entity::update_many()
        .col_expr(
            submission::Column::DataEnc,
            Expr::value(state.pii.encrypt(&Value::Object(data).to_string())),
        )
        .filter(submission::Column::Id.eq(s.id))
        .exec(&txn)
        .await?;
    let comment = (paused_days > 0).then(|| format!("补正用时 {paused_days} 个工作日，办结期限相应顺延"));
    let e = event(
        &w,
        (Some(actor.user_id), actor.who().label),
        Action::Supplement.as_str(),
        from,
        WorkStatus::Pending,
        comment,
    );
    work_item_event::Entity::insert(e).exec(&txn).await?;
    if let Some(fresh) = work_item::Entity::find_by_id(w.id).one(&txn).await? {
        let fields = outbox::item_fields(state, &fresh.bundle, &fresh.item, &data_now);
        let e = outbox::NewEvent {
            event: "work_item.supplemented".into(),
            work_item: fresh,
            submission: (&s).into(),
            fields: Some(fields),
            comment: None,
        };
        outbox::enqueue(state, &txn, vec![e]).await?;
    }
    txn.commit().await?;
    let fresh = work_item::Entity::find_by_id(w.id)
        .one(&state.db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    Ok(ActionResult {
        work_item: row(&state.catalog, &fresh, today),
        released: Vec::new(),
    })
}
