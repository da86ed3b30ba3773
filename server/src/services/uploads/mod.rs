//! Uploads (申请材料的文件): received as a stream, judged by their bytes,
//! encrypted with a key of their own into the file store, and bound to a
//! submission in the transaction that files it. Who may read one: its
//! owner, the applicant of the submission it belongs to, and the clerks
//! whose work item needs that material (need-to-know); a department's
//! system with a short-lived signed link. Staff reads are audited.

pub mod sniff;

use std::collections::BTreeMap;

use app::api::UploadDto;
use bytes::Bytes;
use chrono::{DateTime, Duration, Utc};
use futures::Stream;
use futures::stream::BoxStream;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::json;
use uuid::Uuid;

use self::sniff::{Inspect, Refusal};
use super::audit;
use super::{ServiceError, ServiceResult};
use crate::AppState;
use crate::db::entities::{submission, upload, work_item};
use crate::identity::{Actor, RequestMeta};
use crate::services::tracking::may_act_on;
use crate::storage::PutError;

/// An upload that no submission uses within this long is removed.
pub const UNBOUND_TTL: Duration = Duration::hours(24);
/// Uploads one account may make in [`RATE_WINDOW`].
pub const RATE_LIMIT: u64 = 60;
pub const RATE_WINDOW: Duration = Duration::minutes(10);
/// Unbound uploads one account may hold at a time.
pub const MAX_UNBOUND: u64 = 200;
/// How long a signed download link for a department system lives.
/// When a file found no turn to stream in (503 `busy`), try again after this.
const BUSY_RETRY_SECS: i64 = 10;
pub const SIGNED_TTL: Duration = Duration::minutes(15);

fn storage_key(id: Uuid) -> String {
    format!("uploads/{id}")
}

/// The name a file was sent with, safe to store and show: no folders, no
/// control or bidi characters, at most 120 characters.
pub fn clean_filename(raw: Option<&str>) -> String {
    let raw = raw.unwrap_or_default();
    let base = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'))
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').trim();
    if cleaned.is_empty() {
        "文件".into()
    } else {
        cleaned.chars().take(120).collect()
    }
}

pub fn dto(u: &upload::Model) -> UploadDto {
    UploadDto {
        id: u.id.to_string(),
        filename: u.filename.clone(),
        size: u64::try_from(u.size).unwrap_or_default(),
        content_type: u.content_type.clone(),
        sha256: u.sha256.clone(),
        created_at: u.created_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    }
}

/// Applicants (people, and people acting for an enterprise) upload; staff
/// accounts do not.
pub fn uploaders_only(actor: &Actor) -> ServiceResult<()> {
    if (actor.role != app::api::Role::Citizen) || actor.system {
        return Err(ServiceError::Forbidden {
            code: "applicants_only",
            message: "工作人员账号不能上传申请材料".into(),
        });
    }
    Ok(())
}

/// Receives one file: sniffs, hashes and encrypts it as it streams into the
/// file store, then records it. Nothing is recorded for a refused file, and
/// its partial object is removed.
pub async fn create<S, E>(
    state: &AppState,
    actor: &Actor,
    filename: Option<&str>,
    body: S,
) -> ServiceResult<UploadDto>
where
    S: Stream<Item = Result<Bytes, E>> + Send + Unpin,
    E: std::fmt::Display + Send,
{
    uploaders_only(actor)?;
    let now = Utc::now();
    let recent = upload::Entity::find()
        .filter(upload::Column::OwnerId.eq(actor.user_id))
        .filter(upload::Column::CreatedAt.gt(now - RATE_WINDOW))
        .count(&state.db)
        .await?;
    if recent >= RATE_LIMIT {
        return Err(ServiceError::Throttled {
            retry_after_secs: RATE_WINDOW.num_seconds(),
        });
    }
    let unbound = upload::Entity::find()
        .filter(upload::Column::OwnerId.eq(actor.user_id))
        .filter(upload::Column::BoundAt.is_null())
        .count(&state.db)
        .await?;
    if unbound >= MAX_UNBOUND {
        return Err(ServiceError::Conflict {
            code: "too_many_uploads",
            message: format!("未使用的文件已有 {MAX_UNBOUND} 个，请先提交办件或等待其自动清理"),
        });
    }

    let id = Uuid::now_v7();
    let key = storage_key(id);
    let max = state.settings.upload_max_bytes;
    let mut inspect = Inspect::new(body, max);
    let (_, wrapped) = match state.files.put(&key, &mut inspect, &state.pii).await {
        Ok(v) => v,
        Err(PutError::Body(r)) => return Err(refused(r, max)),
        Err(PutError::Busy) => {
            return Err(ServiceError::Busy {
                retry_after_secs: BUSY_RETRY_SECS,
            });
        }
        Err(PutError::Store(e)) => return Err(e.context("storing an upload").into()),
    };
    // The whole file has passed: judge its end.
    let problem = match inspect.kind {
        _ if inspect.size == 0 => Some(("empty_file", "文件是空的，请重新选择".to_owned())),
        Some(kind) => sniff::whole(kind, &inspect.tail, inspect.size)
            .err()
            .map(|m| ("damaged_file", m.to_owned())),
        None => Some(("unsupported_type", "无法识别的文件".to_owned())),
    };
    if let Some((code, message)) = problem {
        state.files.delete(&key).await?;
        return Err(ServiceError::field("file", code, message));
    }
    let kind = inspect.kind.ok_or_else(|| anyhow::anyhow!("sniffed kind"))?;
    let row = upload::Model {
        id,
        owner_id: actor.user_id,
        filename: clean_filename(filename),
        content_type: kind.content_type().to_owned(),
        size: i64::try_from(inspect.size).unwrap_or(i64::MAX),
        sha256: inspect.sha256(),
        storage_key: key.clone(),
        wrapped_key: wrapped,
        created_at: now,
        submission_id: None,
        material: None,
        bound_at: None,
        superseded_at: None,
    };
    let recorded = async {
        let txn = state.writes.begin(&state.db).await?;
        upload::Entity::insert(upload::ActiveModel::from(row.clone()))
            .exec_without_returning(&txn)
            .await?;
        txn.commit().await
    };
    if let Err(e) = recorded.await {
        // Housekeeping would remove the object anyway; do not wait for it.
        let _ = state.files.delete(&key).await;
        return Err(e.into());
    }
    tracing::info!(upload = %id, size = row.size, content_type = %row.content_type, "upload stored");
    Ok(dto(&row))
}

fn refused(r: Refusal, max: u64) -> ServiceError {
    match r {
        Refusal::TooLarge => ServiceError::TooLarge {
            message: format!("文件不能超过 {}", app::api::size_label(max)),
        },
        Refusal::Unsupported(m) => ServiceError::UnsupportedType { message: m.into() },
        Refusal::Body(e) => {
            ServiceError::field("file", "incomplete_upload", format!("上传中断，请重试（{e}）"))
        }
    }
}

/// The caller's uploads that no submission uses yet, newest first (the
/// wizard shows their names after a reload).
pub async fn list_unbound(state: &AppState, actor: &Actor) -> ServiceResult<Vec<UploadDto>> {
    uploaders_only(actor)?;
    let rows = upload::Entity::find()
        .filter(upload::Column::OwnerId.eq(actor.user_id))
        .filter(upload::Column::BoundAt.is_null())
        .order_by_desc(upload::Column::CreatedAt)
        .limit(MAX_UNBOUND)
        .all(&state.db)
        .await?;
    Ok(rows.iter().map(dto).collect())
}

/// A signed download link's query: `expires` (unix seconds) and `sig`.
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct Signed {
    pub expires: Option<i64>,
    pub sig: Option<String>,
}

fn signature(state: &AppState, id: Uuid, department: &str, expires: i64) -> String {
    state
        .pii
        .blind_index("signed-download v1", &format!("{id}|{department}|{expires}"))
}

/// A download link for `department`'s system, valid [`SIGNED_TTL`].
pub fn signed_path(
    state: &AppState,
    id: Uuid,
    department: &str,
    now: DateTime<Utc>,
) -> (String, DateTime<Utc>) {
    let expires = now + SIGNED_TTL;
    let sig = signature(state, id, department, expires.timestamp());
    (
        format!("/api/v1/uploads/{id}?expires={}&sig={sig}", expires.timestamp()),
        expires,
    )
}

/// Whether a clerk of `department` has a work item of `s` that needs
/// `material`.
async fn needs<C: ConnectionTrait>(
    state: &AppState,
    db: &C,
    s: &submission::Model,
    department: &str,
    material: &str,
) -> ServiceResult<Option<work_item::Model>> {
    let items = work_item::Entity::find()
        .filter(work_item::Column::SubmissionId.eq(s.id))
        .filter(work_item::Column::Department.eq(department))
        .all(db)
        .await?;
    let bundle = state.catalog.bundle(&s.bundle);
    Ok(items.into_iter().find(|w| {
        bundle
            .and_then(|b| b.item(&w.item))
            .is_some_and(|i| i.fields.iter().any(|f| f.key == material))
    }))
}

/// An upload the caller may read, with its bytes decrypted as a stream.
pub async fn open(
    state: &AppState,
    actor: &Actor,
    meta: &RequestMeta,
    id: Uuid,
    signed: &Signed,
) -> ServiceResult<(UploadDto, BoxStream<'static, anyhow::Result<Bytes>>)> {
    let u = upload::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let s = match u.submission_id {
        Some(sid) => submission::Entity::find_by_id(sid).one(&state.db).await?,
        None => None,
    };
    let staff = (actor.role != app::api::Role::Citizen) || actor.system;
    let allowed = if !staff {
        u.owner_id == actor.user_id || s.as_ref().is_some_and(|s| may_act_on(actor, s))
    } else {
        let (Some(s), Some(material), Some(department)) = (&s, &u.material, actor.clerk_department()) else {
            return Err(ServiceError::NotFound);
        };
        // A system reads only through a link signed for its department.
        let link_ok = !actor.system
            || match (signed.expires, signed.sig.as_deref()) {
                (Some(exp), Some(sig)) => {
                    let now = Utc::now().timestamp();
                    exp >= now
                        && exp <= now + SIGNED_TTL.num_seconds()
                        && constant_eq(sig, &signature(state, u.id, department, exp))
                }
                _ => false,
            };
        link_ok && needs(state, &state.db, s, department, material).await?.is_some()
    };
    if !allowed {
        return Err(ServiceError::NotFound);
    }
    if staff {
        audit::record(
            &state.db,
            audit::Event {
                who: actor.who(),
                action: "upload.download",
                object: format!("upload:{}", u.id),
                detail: json!({
                    "submission": u.submission_id.map(|s| s.to_string()),
                    "material": u.material,
                }),
                ip: meta.ip.clone(),
            },
        )
        .await?;
    }
    let stream = state
        .files
        .get(&u.storage_key, &u.wrapped_key, &state.pii)
        .await?;
    Ok((dto(&u), stream))
}

fn constant_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Checks, before filing, that every upload id of `materials` (material key
/// → ids) is the caller's and unused: field errors otherwise.
pub async fn check_bindable<C: ConnectionTrait>(
    db: &C,
    owner: Uuid,
    materials: &BTreeMap<String, Vec<Uuid>>,
) -> ServiceResult<Vec<upload::Model>> {
    let ids: Vec<Uuid> = materials.values().flatten().copied().collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows = upload::Entity::find()
        .filter(upload::Column::Id.is_in(ids))
        .all(db)
        .await?;
    let mut errors = Vec::new();
    for (material, list) in materials {
        for id in list {
            match rows.iter().find(|r| r.id == *id) {
                Some(r) if r.owner_id == owner && r.bound_at.is_none() => {}
                Some(r) if r.owner_id == owner => {
                    errors.push(ServiceError::field_error(
                        material,
                        "upload_in_use",
                        format!("文件“{}”已用于其他办件，请重新上传", r.filename),
                    ));
                    break;
                }
                _ => {
                    errors.push(ServiceError::field_error(
                        material,
                        "unknown_upload",
                        "找不到上传的文件（可能已过期被清理），请重新上传",
                    ));
                    break;
                }
            }
        }
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(ServiceError::Validation(errors))
    }
}

/// Binds checked uploads to `submission` in the caller's transaction. If
/// another request bound one of them meanwhile, the transaction must fail:
/// this answers an error and the caller rolls back.
pub async fn bind<C: ConnectionTrait>(
    db: &C,
    owner: Uuid,
    submission: Uuid,
    materials: &BTreeMap<String, Vec<Uuid>>,
    now: DateTime<Utc>,
) -> Result<(), sea_orm::DbErr> {
    for (material, ids) in materials {
        if ids.is_empty() {
            continue;
        }
        let done = upload::Entity::update_many()
            .col_expr(upload::Column::SubmissionId, Expr::value(submission))
            .col_expr(upload::Column::Material, Expr::value(material.clone()))
            .col_expr(upload::Column::BoundAt, Expr::value(now))
            .filter(upload::Column::Id.is_in(ids.clone()))
            .filter(upload::Column::OwnerId.eq(owner))
            .filter(upload::Column::BoundAt.is_null())
            .exec(db)
            .await?;
        if done.rows_affected != ids.len() as u64 {
            return Err(sea_orm::DbErr::Custom(BIND_RACE.into()));
        }
    }
    Ok(())
}

/// The error [`bind`] fails with when an upload was taken meanwhile.
pub const BIND_RACE: &str = "upload bound concurrently";

/// Marks the files in force of `material` of `submission` as replaced (补正).
pub async fn supersede<C: ConnectionTrait>(
    db: &C,
    submission: Uuid,
    material: &str,
    now: DateTime<Utc>,
) -> Result<(), sea_orm::DbErr> {
    upload::Entity::update_many()
        .col_expr(upload::Column::SupersededAt, Expr::value(now))
        .filter(upload::Column::SubmissionId.eq(submission))
        .filter(upload::Column::Material.eq(material))
        .filter(upload::Column::SupersededAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// The files of a submission per material: (in force, replaced newest first).
pub async fn files_of<C: ConnectionTrait>(
    db: &C,
    submission: Uuid,
) -> Result<BTreeMap<String, (Vec<UploadDto>, Vec<UploadDto>)>, sea_orm::DbErr> {
    let rows = upload::Entity::find()
        .filter(upload::Column::SubmissionId.eq(submission))
        .order_by_asc(upload::Column::CreatedAt)
        .all(db)
        .await?;
    let mut out: BTreeMap<String, (Vec<UploadDto>, Vec<UploadDto>)> = BTreeMap::new();
    for r in &rows {
        let Some(m) = &r.material else { continue };
        let e = out.entry(m.clone()).or_default();
        if r.superseded_at.is_some() {
            e.1.insert(0, dto(r));
        } else {
            e.0.push(dto(r));
        }
    }
    Ok(out)
}

/// Removes uploads no submission took within [`UNBOUND_TTL`], and objects
/// in the store that have no row (a crash between writing a file and
/// recording it). Returns (rows, stray objects) removed.
pub async fn purge_orphans(state: &AppState, now: DateTime<Utc>) -> anyhow::Result<(u64, u64)> {
    let cutoff = now - UNBOUND_TTL;
    let mut rows = 0;
    loop {
        let stale = upload::Entity::find()
            .filter(upload::Column::BoundAt.is_null())
            .filter(upload::Column::CreatedAt.lt(cutoff))
            .limit(500)
            .all(&state.db)
            .await?;
        if stale.is_empty() {
            break;
        }
        for u in &stale {
            // The row first, and only if still unbound (a submission may have
            // taken it meanwhile); then the object. A failure in between
            // leaves a stray object, which the pass below removes.
            let txn = state.writes.begin(&state.db).await?;
            let gone = upload::Entity::delete_many()
                .filter(upload::Column::Id.eq(u.id))
                .filter(upload::Column::BoundAt.is_null())
                .exec(&txn)
                .await?;
            txn.commit().await?;
            if gone.rows_affected == 1 {
                state.files.delete(&u.storage_key).await?;
                rows += 1;
            }
        }
        if stale.len() < 500 {
            break;
        }
    }
    let mut strays = 0;
    for key in state.files.list_older_than("uploads/", cutoff).await? {
        let Some(id) = key.strip_prefix("uploads/").and_then(|s| Uuid::parse_str(s).ok()) else {
            continue;
        };
        if upload::Entity::find_by_id(id).one(&state.db).await?.is_none() {
            state.files.delete(&key).await?;
            strays += 1;
        }
    }
    if rows + strays > 0 {
        tracing::info!(rows, strays, "removed unused uploads");
    }
    Ok((rows, strays))
}
