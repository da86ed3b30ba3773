//! Drafts: one per person, subject and bundle, autosaved by the wizard and
//! resumable on another device. The body is encrypted (it holds answers
//! such as 身份证号).

use app::api::{Draft, Role};
use chrono::Utc;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait, IntoActiveModel};

use super::{ServiceError, ServiceResult};
use crate::AppState;
use crate::db::entities::draft;
use crate::identity::{Actor, Subject};

/// Largest draft body accepted (answers of the biggest bundle are ~10 KiB).
const MAX_BODY: usize = 128 * 1024;

fn check(state: &AppState, actor: &Actor, bundle: &str) -> ServiceResult<()> {
    if actor.role != Role::Citizen {
        return Err(ServiceError::Forbidden {
            code: "applicants_only",
            message: "只有申请人账号可以填写和保存申请".into(),
        });
    }
    let b = state.catalog.event_bundle(bundle).ok_or(ServiceError::NotFound)?;
    super::submissions::check_audience(actor, b)
}

fn key(actor: &Actor, bundle: &str) -> (uuid::Uuid, Subject, String) {
    (actor.user_id, Subject::of(actor), bundle.to_owned())
}

pub async fn get(state: &AppState, actor: &Actor, bundle: &str) -> ServiceResult<Draft> {
    check(state, actor, bundle)?;
    let row = draft::Entity::find_by_id(key(actor, bundle))
        .one(&state.db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let mut d: Draft =
        serde_json::from_str(&state.pii.decrypt(&row.body_enc)?).map_err(anyhow::Error::from)?;
    d.version = Some(row.version);
    d.updated_at = Some(row.updated_at.to_rfc3339());
    Ok(d)
}

/// Saves the draft; with `version` set, refuses to overwrite a newer one.
pub async fn put(state: &AppState, actor: &Actor, bundle: &str, mut body: Draft) -> ServiceResult<Draft> {
    check(state, actor, bundle)?;
    let existing = draft::Entity::find_by_id(key(actor, bundle))
        .one(&state.db)
        .await?;
    if let (Some(row), Some(v)) = (&existing, body.version)
        && row.version != v
    {
        return Err(ServiceError::Conflict {
            code: "draft_conflict",
            message: "草稿已在其他设备上更新，请刷新后继续".into(),
        });
    }
    body.version = None;
    body.updated_at = None;
    let json = serde_json::to_string(&body).map_err(anyhow::Error::from)?;
    if json.len() > MAX_BODY {
        return Err(ServiceError::field("data", "too_large", "草稿内容过大"));
    }
    let now = Utc::now();
    let enc = state.pii.encrypt(&json);
    let saved = match existing {
        Some(row) => {
            let version = row.version + 1;
            let mut m = row.into_active_model();
            m.body_enc = Set(enc);
            m.version = Set(version);
            m.updated_at = Set(now);
            m.update(&state.db).await?
        }
        None => {
            let (user_id, subject, bundle) = key(actor, bundle);
            draft::ActiveModel {
                user_id: Set(user_id),
                subject: Set(subject),
                bundle: Set(bundle),
                body_enc: Set(enc),
                version: Set(1),
                updated_at: Set(now),
            }
            .insert(&state.db)
            .await?
        }
    };
    body.version = Some(saved.version);
    body.updated_at = Some(saved.updated_at.to_rfc3339());
    Ok(body)
}

pub async fn delete(state: &AppState, actor: &Actor, bundle: &str) -> ServiceResult<()> {
    check(state, actor, bundle)?;
    draft::Entity::delete_by_id(key(actor, bundle))
        .exec(&state.db)
        .await?;
    Ok(())
}
