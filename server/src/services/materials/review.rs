//! The clerk's review of a work item's materials (合格/不合格) and what a
//! return asks the applicant to correct (补正): the materials found 不合格,
//! plus any field or material the clerk names.

use std::collections::BTreeMap;

use app::api::{MaterialDocs, ReviewRequest, Verdict};
use app::catalog::Catalog;
use chrono::Utc;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde_json::json;
use uuid::Uuid;

use crate::AppState;
use crate::db::entities::types::VerdictWord;
use crate::db::entities::{material_review, work_item};
use crate::identity::{Actor, RequestMeta};
use crate::services::answers::Asked;
use crate::services::{ServiceError, ServiceResult, audit};

fn word(v: Verdict) -> VerdictWord {
    match v {
        Verdict::Accepted => VerdictWord::Accepted,
        Verdict::Rejected => VerdictWord::Rejected,
    }
}

fn verdict(w: VerdictWord) -> Verdict {
    match w {
        VerdictWord::Accepted => Verdict::Accepted,
        VerdictWord::Rejected => Verdict::Rejected,
    }
}

/// The verdicts on a work item's materials: key → (verdict, reason).
pub async fn reviews_of<C: ConnectionTrait>(
    db: &C,
    work_item: Uuid,
) -> Result<BTreeMap<String, (Verdict, Option<String>)>, sea_orm::DbErr> {
    Ok(material_review::Entity::find()
        .filter(material_review::Column::WorkItemId.eq(work_item))
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.material, (verdict(r.verdict), r.reason)))
        .collect())
}

/// Keys (fields and materials) the item of `w` uses.
fn item_keys<'a>(catalog: &'a Catalog, w: &work_item::Model) -> Vec<&'a str> {
    catalog
        .bundle(&w.bundle)
        .and_then(|b| b.item(&w.item))
        .map(|i| i.fields.iter().map(|f| f.key.as_str()).collect())
        .unwrap_or_default()
}

/// The clerk of a running work item marks one of its materials 合格 or
/// 不合格 (with a reason, which the applicant will read).
pub async fn review(
    state: &AppState,
    actor: &Actor,
    meta: &RequestMeta,
    work_item_id: Uuid,
    material: &str,
    req: ReviewRequest,
) -> ServiceResult<MaterialDocs> {
    let w = super::handled_item(state, actor, work_item_id).await?;
    let is_material = state
        .catalog
        .field(material)
        .is_some_and(|f| f.kind == app::catalog::FieldKind::Material);
    if !is_material || !item_keys(&state.catalog, &w).contains(&material) {
        return Err(ServiceError::NotFound);
    }
    if !app::workflow::RUNNING_STATUSES.contains(&w.status) {
        return Err(ServiceError::Conflict {
            code: "invalid_transition",
            message: format!("“{}”状态的事项不能再审核材料", w.status.label()),
        });
    }
    let reason = req
        .reason
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(ToOwned::to_owned);
    if req.verdict == Verdict::Rejected && reason.is_none() {
        return Err(ServiceError::field(
            "reason",
            "required",
            "请写明材料不合格的原因",
        ));
    }
    if reason.as_ref().is_some_and(|r| r.chars().count() > 500) {
        return Err(ServiceError::field("reason", "too_long", "原因不能超过 500 个字"));
    }
    let txn = state.writes.begin(&state.db).await?;
    material_review::Entity::insert(material_review::ActiveModel {
        work_item_id: Set(w.id),
        material: Set(material.to_owned()),
        verdict: Set(word(req.verdict)),
        reason: Set(reason),
        reviewer_id: Set(actor.user_id),
        reviewed_at: Set(Utc::now()),
    })
    .on_conflict(
        OnConflict::columns([
            material_review::Column::WorkItemId,
            material_review::Column::Material,
        ])
        .update_columns([
            material_review::Column::Verdict,
            material_review::Column::Reason,
            material_review::Column::ReviewerId,
            material_review::Column::ReviewedAt,
        ])
        .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    txn.commit().await?;
    audit::record_or_log(
        &state.db,
        audit::Event {
            who: actor.who(),
            action: "material.review",
            object: format!("work_item:{}", w.id),
            detail: json!({ "material": material, "verdict": word(req.verdict).as_str() }),
            ip: meta.ip.clone(),
        },
    )
    .await;
    super::documents_of(state, &w)
        .await?
        .into_iter()
        .find(|d| d.key == material)
        .ok_or(ServiceError::NotFound)
}

/// What a return of `w` asks to correct: the materials found 不合格 (with
/// their reasons) and the keys the clerk names, each one the item uses.
/// `None` when nothing is named: the applicant may correct any answer of
/// the item (as before materials were reviewed).
pub async fn corrections_for(
    state: &AppState,
    w: &work_item::Model,
    named: Option<&[String]>,
) -> ServiceResult<Option<String>> {
    let keys = item_keys(&state.catalog, w);
    let mut asked: Vec<Asked> = Vec::new();
    for (key, (v, reason)) in reviews_of(&state.db, w.id).await? {
        if v == Verdict::Rejected {
            asked.push(Asked { key, reason });
        }
    }
    for key in named.unwrap_or_default() {
        if !keys.contains(&key.as_str()) {
            return Err(ServiceError::field(
                "corrections",
                "unknown_field",
                format!("这个事项不使用“{key}”"),
            ));
        }
        if !asked.iter().any(|a| &a.key == key) {
            asked.push(Asked {
                key: key.clone(),
                reason: None,
            });
        }
    }
    if asked.is_empty() {
        return Ok(None);
    }
    Ok(Some(serde_json::to_string(&asked).map_err(anyhow::Error::from)?))
}

/// Clears the verdicts of materials handed in again.
pub async fn forget<C: ConnectionTrait>(
    db: &C,
    work_item: Uuid,
    materials: &[String],
) -> Result<(), sea_orm::DbErr> {
    if materials.is_empty() {
        return Ok(());
    }
    material_review::Entity::delete_many()
        .filter(material_review::Column::WorkItemId.eq(work_item))
        .filter(material_review::Column::Material.is_in(materials.to_vec()))
        .exec(db)
        .await?;
    Ok(())
}
