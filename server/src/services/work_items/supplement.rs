//! The applicant's supplement (补正) of a returned work item.

use app::api::{ActionResult, SupplementRequest};
use app::catalog::merge::merge;
use app::catalog::values::check;
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
use crate::services::tracking::{decrypt_data, may_act_on};
use crate::services::{ServiceError, ServiceResult, outbox};

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
    let today = Date::today_china();
    let mut data = decrypt_data(state, &s)?;
    let mut errors = Vec::new();
    for (k, v) in &req.data {
        match form.field(k).filter(|_| item_keys.contains(&k.as_str())) {
            None => errors.push(app::api::FieldError::new(
                k.clone(),
                "unknown_field",
                format!("这个事项不使用“{k}”"),
            )),
            Some(f) => match check(f, Some(v), today) {
                Ok(Some(v)) => {
                    data.insert(k.clone(), v);
                }
                Ok(None) => {
                    data.remove(k);
                }
                Err(e) => errors.push(e),
            },
        }
    }
    if !errors.is_empty() {
        return Err(ServiceError::Validation(errors));
    }

    // The clock resumes: the due date moves by the working days it was paused.
    let paused_on = w
        .paused_at
        .map(|t| Date::from_days_since_epoch((t.timestamp() + 8 * 3600).div_euclid(86_400)));
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
        ],
    )
    .await?;
    if !ok {
        return Err(conflict());
    }
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
