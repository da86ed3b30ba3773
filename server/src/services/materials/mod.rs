//! Materials (申请材料) of a submission: which are uploaded and which are
//! promised (容缺受理 + 告知承诺), the commitments and their follow-up, the
//! clerk's review of each material (合格/不合格), and the documents a work
//! item shows.

pub mod commitments;
pub mod review;

use std::collections::BTreeMap;

use app::api::{MaterialDocs, MaterialState, UploadDto};
use app::catalog::form::FormDto;
use app::catalog::{Bundle, Catalog, FieldKind, MaterialAnswer, commitment_text};
use app::domain::Date;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use uuid::Uuid;

use sea_orm::EntityTrait;

use super::tracking::decrypt_data;
use super::{ServiceError, ServiceResult, uploads};
use crate::AppState;
use crate::db::entities::types::CommitmentState;
use crate::db::entities::{commitment, submission, work_item};

/// The upload ids of each material answered with files.
pub fn uploads_of(form: &FormDto, data: &Map<String, Value>) -> BTreeMap<String, Vec<Uuid>> {
    form.fields()
        .filter(|f| f.kind == FieldKind::Material)
        .filter_map(|f| {
            let v = data.get(&f.key)?;
            let ids: Vec<Uuid> = MaterialAnswer::files(v)
                .iter()
                .filter_map(|s| Uuid::parse_str(s).ok())
                .collect();
            (!ids.is_empty()).then(|| (f.key.clone(), ids))
        })
        .collect()
}

/// The materials answered `commit`.
pub fn promised(form: &FormDto, data: &Map<String, Value>) -> Vec<String> {
    form.fields()
        .filter(|f| f.kind == FieldKind::Material)
        .filter(|f| data.get(&f.key).and_then(MaterialAnswer::of) == Some(MaterialAnswer::Commit))
        .map(|f| f.key.clone())
        .collect()
}

/// One commitment per (promised material, work item whose item needs it),
/// due the item's working days after `today`.
pub fn commitments(
    catalog: &Catalog,
    bundle: &Bundle,
    form: &FormDto,
    promised: &[String],
    work_items: &[work_item::Model],
    today: Date,
    now: DateTime<Utc>,
) -> Vec<commitment::Model> {
    let mut out = Vec::new();
    for material in promised {
        let label = form
            .field(material)
            .map_or(material.as_str(), |f| f.label.as_str());
        for w in work_items {
            let Some(days) = bundle
                .item(&w.item)
                .and_then(|i| i.fields.iter().find(|f| &f.key == material))
                .map(|f| f.commit_days.or(form.field(material).and_then(|f| f.commit_days)))
            else {
                continue;
            };
            let days = days.unwrap_or(1);
            out.push(commitment::Model {
                id: Uuid::now_v7(),
                submission_id: w.submission_id,
                work_item_id: w.id,
                item: w.item.clone(),
                material: material.clone(),
                due_date: catalog.calendar.add_working_days(today, u32::from(days)),
                status: CommitmentState::Open,
                text: commitment_text(label, days),
                supplied_at: None,
                decided_at: None,
                decided_by: None,
                reason: None,
                reminded: 0,
                created_at: now,
            });
        }
    }
    out
}

/// The materials `items` of `bundle` need, in dictionary order, as the
/// applicant answered them, with their files, verdicts and commitments.
pub fn assemble(
    catalog: &Catalog,
    bundle: Option<&Bundle>,
    items: &[&str],
    data: &Map<String, Value>,
    files: &BTreeMap<String, (Vec<UploadDto>, Vec<UploadDto>)>,
    reviews: &BTreeMap<String, (app::api::Verdict, Option<String>)>,
    commitments: &[app::api::CommitmentDto],
) -> Vec<MaterialDocs> {
    let mut keys: Vec<&str> = Vec::new();
    for code in items {
        if let Some(i) = bundle.and_then(|b| b.item(code)) {
            for f in &i.fields {
                if !keys.contains(&f.key.as_str()) {
                    keys.push(f.key.as_str());
                }
            }
        }
    }
    catalog
        .fields
        .iter()
        .filter(|d| d.kind == FieldKind::Material && keys.contains(&d.key.as_str()))
        .map(|d| {
            let v = data.get(&d.key);
            let state = match v.and_then(MaterialAnswer::of) {
                Some(MaterialAnswer::Files) => MaterialState::Files,
                Some(MaterialAnswer::Commit) => MaterialState::Commit,
                Some(MaterialAnswer::Certificate) => MaterialState::Certificate,
                None => MaterialState::Missing,
            };
            let (current, previous) = files.get(&d.key).cloned().unwrap_or_default();
            let review = reviews.get(&d.key);
            MaterialDocs {
                key: d.key.clone(),
                label: d.label.clone(),
                state,
                files: current,
                previous,
                verdict: review.map(|r| r.0),
                reason: review.and_then(|r| r.1.clone()),
                commitment: commitments.iter().find(|c| c.material == d.key).cloned(),
            }
        })
        .collect()
}

/// The materials of work item `w`, with their files, verdicts and commitments.
pub async fn documents_of(state: &AppState, w: &work_item::Model) -> ServiceResult<Vec<MaterialDocs>> {
    let s = submission::Entity::find_by_id(w.submission_id)
        .one(&state.db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let data = decrypt_data(state, &s)?;
    item_documents(state, &s, w, &data).await
}

/// [`documents_of`] with the submission and its answers at hand.
pub async fn item_documents(
    state: &AppState,
    s: &submission::Model,
    w: &work_item::Model,
    data: &Map<String, Value>,
) -> ServiceResult<Vec<MaterialDocs>> {
    let files = uploads::files_of(&state.db, s.id).await?;
    let reviews = review::reviews_of(&state.db, w.id).await?;
    let wid = w.id.to_string();
    let promised: Vec<_> = commitments::of_submission(state, &state.db, s)
        .await?
        .into_iter()
        .filter(|c| c.work_item == wid)
        .collect();
    Ok(assemble(
        &state.catalog,
        state.catalog.bundle(&s.bundle),
        &[w.item.as_str()],
        data,
        &files,
        &reviews,
        &promised,
    ))
}

/// A work item of the caller's department (the one that handles it); any
/// other caller, the lead department included, gets 404.
async fn handled_item(
    state: &AppState,
    actor: &crate::identity::Actor,
    id: Uuid,
) -> ServiceResult<work_item::Model> {
    let department = actor.clerk_department().ok_or(ServiceError::NotFound)?;
    work_item::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .filter(|w| w.department == department)
        .ok_or(ServiceError::NotFound)
}
