//! What staff see of a work item and of its submission (need-to-know,
//! audited).

use app::api::{FieldValue, SubmissionHead, WorkItemDetail};
use app::domain::Date;
use app::workflow::clerk_actions;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use uuid::Uuid;

use super::{department_of, leads, row, visible_item};
use crate::AppState;
use crate::db::entities::{submission, work_item_event};
use crate::identity::{Actor, RequestMeta};
use crate::services::answers::fields_for;
use crate::services::audit::{self, Event};
use crate::services::materials;
use crate::services::tracking::{briefs, decrypt_data, items_of, status_of, timeline_entry, view};
use crate::services::{ServiceError, ServiceResult, profiles};

/// A work item with what its clerk needs to decide; the view is audited.
pub async fn detail(
    state: &AppState,
    actor: &Actor,
    id: Uuid,
    meta: &RequestMeta,
) -> ServiceResult<WorkItemDetail> {
    let w = visible_item(state, actor, id).await?;
    let s = submission::Entity::find_by_id(w.submission_id)
        .one(&state.db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let data = decrypt_data(state, &s)?;
    let bundle = state.catalog.bundle(&s.bundle);
    let items = items_of(&state.db, s.id).await?;
    let today = Date::today_china();
    let (fields, mut materials) = fields_for(&state.catalog, bundle, &[w.item.as_str()], &data);
    verify_certificates(state, &s, &mut materials).await?;
    let history = work_item_event::Entity::find()
        .filter(work_item_event::Column::WorkItemId.eq(w.id))
        .order_by_asc(work_item_event::Column::At)
        .order_by_asc(work_item_event::Column::Id)
        .all(&state.db)
        .await?
        .into_iter()
        .map(|e| timeline_entry(e, &items))
        .collect();
    let status = w.status;
    let own = actor.clerk_department() == Some(w.department.as_str());
    audited_view(
        state,
        actor,
        s.id,
        json!({ "work_item": w.id.to_string(), "department": actor.department }),
        meta,
    )
    .await;
    Ok(WorkItemDetail {
        work_item: row(&state.catalog, &w, today),
        submission: SubmissionHead {
            id: s.id.to_string(),
            tracking_no: s.tracking_no.clone(),
            bundle: s.bundle.clone(),
            bundle_name: bundle.map(|b| b.name.clone()).unwrap_or_default(),
            status: status_of(bundle, &items),
            submitted_at: s.submitted_at.to_rfc3339(),
            supervised: !crate::services::feedback::supervised(&state.db, &[s.id])
                .await?
                .is_empty(),
        },
        fields,
        materials,
        history,
        siblings: briefs(&state.catalog, bundle, &items, today),
        allowed_actions: if own { clerk_actions(status) } else { Vec::new() },
        result: w.result.as_deref().and_then(|r| serde_json::from_str(r).ok()),
        issues_certificate: bundle
            .and_then(|b| b.item(&w.item))
            .and_then(|i| i.result_certificate.clone()),
        // Files only for the department that handles the item (need-to-know).
        documents: if own {
            materials::item_documents(state, &s, &w, &data).await?
        } else {
            Vec::new()
        },
    })
}

/// Materials answered "e-certificate": look the certificate up now, so the
/// clerk sees it verified (or that it is missing or expired).
async fn verify_certificates(
    state: &AppState,
    s: &submission::Model,
    materials: &mut [FieldValue],
) -> ServiceResult<()> {
    let subject = s.subject;
    for m in materials
        .iter_mut()
        .filter(|m| m.value.as_ref().and_then(Value::as_str) == Some("certificate"))
    {
        let Some(kind) = state.catalog.field(&m.key).and_then(|f| f.certificate.clone()) else {
            continue;
        };
        m.display = match profiles::valid_certificate(&state.db, subject, &kind).await? {
            Some(c) => format!(
                "电子证照：{} {}（{}，已核验）",
                c.name,
                c.number,
                c.valid_until
                    .map_or_else(|| "长期有效".to_owned(), |u| format!("有效期至 {u}"))
            ),
            None => "电子证照未找到或已失效，请申请人补交".into(),
        };
    }
    Ok(())
}

/// A submission as staff see it: the lead department everything; a clerk of
/// an involved department the answers their items use. Audited.
pub async fn staff_view(
    state: &AppState,
    actor: &Actor,
    s: &submission::Model,
    meta: &RequestMeta,
) -> ServiceResult<app::api::SubmissionDto> {
    let dept = department_of(actor)?;
    let items = items_of(&state.db, s.id).await?;
    let bundle = state.catalog.bundle(&s.bundle);
    let data = decrypt_data(state, s)?;
    let data = if leads(&state.catalog, actor, &s.bundle) {
        data
    } else {
        let mine: Vec<&str> = items
            .iter()
            .filter(|w| w.department == dept)
            .map(|w| w.item.as_str())
            .collect();
        if mine.is_empty() {
            return Err(ServiceError::NotFound);
        }
        let (fields, materials) = fields_for(&state.catalog, bundle, &mine, &data);
        fields
            .into_iter()
            .chain(materials)
            .filter_map(|f| f.value.map(|v| (f.key, v)))
            .collect()
    };
    audited_view(state, actor, s.id, json!({ "department": dept }), meta).await;
    let mut dto = view(state, s, data).await?;
    dto.commitments = materials::commitments::of_submission(state, &state.db, s).await?;
    Ok(dto)
}

/// Every staff view of a submission's answers is in the audit log.
async fn audited_view(state: &AppState, actor: &Actor, submission: Uuid, detail: Value, meta: &RequestMeta) {
    audit::record_or_log(
        &state.db,
        Event {
            who: actor.who(),
            action: "view_submission",
            object: format!("submission:{submission}"),
            detail,
            ip: meta.ip.clone(),
        },
    )
    .await;
}
