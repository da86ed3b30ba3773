//! Profiles (一企一档/一人一档) and e-certificates (电子证照).
//!
//! What an applicant answered and a clerk accepted is remembered per subject
//! with its source and time, and prefills the next form; certificates issued
//! on completion replace the matching materials (免提交). Values are
//! encrypted at rest; only the subject's own actors ever read them.

use std::collections::BTreeMap;

use app::api::{CertificateDto, CertificateRef, FormDto, ProfileDto, ProfileFact};
use app::catalog::values::check;
use app::domain::Date;
use chrono::Utc;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    sea_query::OnConflict,
};
use serde_json::Value;
use uuid::Uuid;

use super::{ServiceError, ServiceResult};
use crate::AppState;
use crate::db::entities::{certificate, credit_record, profile_fact, submission};
use crate::identity::Actor;
use crate::identity::Subject;
use crate::state::DomainEvent;

/// Where a remembered value came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// Typed (or confirmed) by the applicant.
    UserInput,
    /// Filled in by the platform and left unchanged.
    Prefill,
    /// Taken from an e-certificate.
    Certificate,
    /// Recorded by a department.
    Clerk,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::UserInput => "user_input",
            Self::Prefill => "prefill",
            Self::Certificate => "certificate",
            Self::Clerk => "clerk",
        }
    }
}

/// Upserts one fact.
pub async fn remember<C: ConnectionTrait>(
    state: &AppState,
    db: &C,
    subject: Subject,
    key: &str,
    value: &Value,
    source: Source,
    submission: Option<Uuid>,
) -> Result<(), sea_orm::DbErr> {
    let row = profile_fact::ActiveModel {
        subject: Set(subject),
        key: Set(key.to_owned()),
        value_enc: Set(state.pii.encrypt(&value.to_string())),
        source: Set(source.as_str().to_owned()),
        submission_id: Set(submission),
        updated_at: Set(Utc::now()),
    };
    profile_fact::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([profile_fact::Column::Subject, profile_fact::Column::Key])
                .update_columns([
                    profile_fact::Column::ValueEnc,
                    profile_fact::Column::Source,
                    profile_fact::Column::SubmissionId,
                    profile_fact::Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(db)
        .await
        .map(|_| ())
}

/// The subject's facts, decrypted: key → (value, source, updated).
pub async fn facts<C: ConnectionTrait>(
    state: &AppState,
    db: &C,
    subject: Subject,
) -> Result<BTreeMap<String, (Value, String, String)>, sea_orm::DbErr> {
    let rows = profile_fact::Entity::find()
        .filter(profile_fact::Column::Subject.eq(subject))
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            let v: Value = serde_json::from_str(&state.pii.decrypt(&r.value_enc).ok()?).ok()?;
            Some((r.key, (v, r.source, r.updated_at.to_rfc3339())))
        })
        .collect())
}

/// Remembers the answers a work item used, once a clerk accepted it. A value
/// the platform prefilled and the applicant left unchanged keeps its source.
pub async fn record_accepted<C: ConnectionTrait>(
    state: &AppState,
    db: &C,
    subject: Subject,
    submission: Uuid,
    keys: &[&str],
    data: &serde_json::Map<String, Value>,
) -> Result<(), sea_orm::DbErr> {
    let known = facts(state, db, subject).await?;
    for key in keys {
        let Some(v) = data
            .get(*key)
            .filter(|v| !app::catalog::values::is_empty(Some(v)))
        else {
            continue;
        };
        // Materials are documents, not facts about the subject.
        if state
            .catalog
            .field(key)
            .is_some_and(|f| f.kind == app::catalog::FieldKind::Material)
        {
            continue;
        }
        let source = match known.get(*key) {
            Some((old, src, _)) if old == v && src != Source::UserInput.as_str() => {
                if src == Source::Clerk.as_str() {
                    Source::Clerk
                } else {
                    Source::Prefill
                }
            }
            _ => Source::UserInput,
        };
        remember(state, db, subject, key, v, source, Some(submission)).await?;
    }
    Ok(())
}

/// What a new certificate holds.
#[derive(Clone, Debug)]
pub struct NewCertificate<'a> {
    pub subject: Subject,
    pub kind: &'a str,
    pub name: &'a str,
    pub number: &'a str,
    /// A department code, or `platform`.
    pub issued_by: &'a str,
    pub valid_from: Date,
    pub valid_until: Option<Date>,
    pub submission_id: Option<Uuid>,
    pub work_item_id: Option<Uuid>,
}

pub async fn issue_certificate<C: ConnectionTrait>(
    db: &C,
    c: NewCertificate<'_>,
) -> Result<Uuid, sea_orm::DbErr> {
    let id = Uuid::now_v7();
    certificate::Entity::insert(certificate::ActiveModel {
        id: Set(id),
        subject: Set(c.subject),
        kind: Set(c.kind.to_owned()),
        name: Set(c.name.to_owned()),
        number: Set(c.number.to_owned()),
        issued_by: Set(c.issued_by.to_owned()),
        valid_from: Set(c.valid_from),
        valid_until: Set(c.valid_until),
        submission_id: Set(c.submission_id),
        work_item_id: Set(c.work_item_id),
        created_at: Set(Utc::now()),
    })
    .exec(db)
    .await?;
    Ok(id)
}

fn valid(c: &certificate::Model, today: Date) -> bool {
    c.valid_until.is_none_or(|d| d >= today)
}

/// The subject's certificates, newest first.
pub async fn certificates<C: ConnectionTrait>(
    db: &C,
    subject: Subject,
) -> Result<Vec<certificate::Model>, sea_orm::DbErr> {
    certificate::Entity::find()
        .filter(certificate::Column::Subject.eq(subject))
        .order_by_desc(certificate::Column::Id)
        .all(db)
        .await
}

/// The newest valid certificate of `kind` the subject holds.
pub async fn valid_certificate<C: ConnectionTrait>(
    db: &C,
    subject: Subject,
    kind: &str,
) -> Result<Option<certificate::Model>, sea_orm::DbErr> {
    let today = Date::today_china();
    Ok(certificate::Entity::find()
        .filter(certificate::Column::Subject.eq(subject))
        .filter(certificate::Column::Kind.eq(kind))
        .order_by_desc(certificate::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .find(|c| valid(c, today)))
}

/// Marks the materials of `form` the subject holds as e-certificates: they
/// get a `certificate` and may be answered `certificate` (免提交).
pub async fn attach_certificates<C: ConnectionTrait>(
    state: &AppState,
    db: &C,
    subject: Subject,
    form: &mut FormDto,
) -> Result<(), sea_orm::DbErr> {
    let held = certificates(db, subject).await?;
    let today = Date::today_china();
    for step in &mut form.steps {
        for f in &mut step.fields {
            let Some(kind) = state.catalog.field(&f.key).and_then(|d| d.certificate.clone()) else {
                continue;
            };
            if let Some(c) = held.iter().find(|c| c.kind == kind && valid(c, today)) {
                f.certificate = Some(CertificateRef {
                    id: c.id.to_string(),
                    name: c.name.clone(),
                    number: c.number.clone(),
                    valid_until: c.valid_until.map(|d| d.to_string()),
                });
                if let Some(opts) = &mut f.options {
                    opts.insert(0, app::catalog::MaterialAnswer::Certificate.option());
                }
            }
        }
    }
    Ok(())
}

fn dto(state: &AppState, c: certificate::Model, today: Date) -> CertificateDto {
    let valid = valid(&c, today);
    CertificateDto {
        id: c.id.to_string(),
        issued_by_name: state
            .catalog
            .department(&c.issued_by)
            .map_or_else(|| "政务服务平台".to_owned(), |d| d.name.clone()),
        kind: c.kind,
        name: c.name,
        number: c.number,
        issued_by: c.issued_by,
        valid_from: c.valid_from.to_string(),
        valid_until: c.valid_until.map(|d| d.to_string()),
        valid,
    }
}

/// Profiles are the applicants' own; staff have none (404).
fn applicant(actor: &Actor) -> ServiceResult<Subject> {
    if actor.role == app::api::Role::Citizen {
        Ok(Subject::of(actor))
    } else {
        Err(ServiceError::NotFound)
    }
}

/// `GET /api/v1/profile`: the caller's current subject.
pub async fn get(state: &AppState, actor: &Actor) -> ServiceResult<ProfileDto> {
    let subject = applicant(actor)?;
    let today = Date::today_china();
    let facts = facts(state, &state.db, subject)
        .await?
        .into_iter()
        .filter_map(|(key, (value, source, updated_at))| {
            let def = state.catalog.field(&key)?;
            Some(ProfileFact {
                display: super::answers::display(&state.catalog, &key, Some(&value)),
                label: def.label.clone(),
                key,
                value,
                source,
                updated_at,
            })
        })
        .collect();
    let certificates = certificates(&state.db, subject)
        .await?
        .into_iter()
        .map(|c| dto(state, c, today))
        .collect();
    let credit_records = credit_records(state, subject).await?;
    Ok(ProfileDto {
        subject: subject.key(),
        facts,
        certificates,
        credit_records,
    })
}

/// The subject's credit records, newest first (at most 100).
async fn credit_records(
    state: &AppState,
    subject: Subject,
) -> Result<Vec<app::api::CreditRecordDto>, sea_orm::DbErr> {
    use sea_orm::{QueryOrder, QuerySelect};
    let rows = credit_record::Entity::find()
        .filter(credit_record::Column::Subject.eq(subject))
        .order_by_desc(credit_record::Column::CreatedAt)
        .limit(100)
        .all(&state.db)
        .await?;
    let ids: Vec<uuid::Uuid> = rows.iter().filter_map(|r| r.submission_id).collect();
    let tracking: std::collections::HashMap<uuid::Uuid, String> = submission::Entity::find()
        .filter(submission::Column::Id.is_in(ids))
        .all(&state.db)
        .await?
        .into_iter()
        .map(|s| (s.id, s.tracking_no))
        .collect();
    Ok(rows
        .into_iter()
        .map(|r| {
            let material = r
                .material
                .as_deref()
                .and_then(|m| state.catalog.field(m))
                .map(|f| f.label.clone())
                .unwrap_or_default();
            app::api::CreditRecordDto {
                title: match r.kind.as_str() {
                    "commitment_breached" => format!("告知承诺未履约：《{material}》"),
                    other => other.to_owned(),
                },
                kind: r.kind,
                reason: r.reason,
                tracking_no: r.submission_id.and_then(|s| tracking.get(&s).cloned()),
                created_at: r.created_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            }
        })
        .collect())
}

/// Corrects (or adds) one fact of the caller's own profile.
pub async fn put(state: &AppState, actor: &Actor, key: &str, value: Value) -> ServiceResult<ProfileDto> {
    applicant(actor)?;
    let def = state
        .catalog
        .field(key)
        .filter(|d| d.kind != app::catalog::FieldKind::Material)
        .ok_or(ServiceError::NotFound)?;
    let field = app::api::FormField {
        key: def.key.clone(),
        label: def.label.clone(),
        kind: def.kind,
        required: true,
        options: (def.kind == app::catalog::FieldKind::Enum).then(|| def.options.clone()),
        used_by: Vec::new(),
        help: String::new(),
        pii: def.pii,
        rules: def.rules.clone(),
        certificate: None,
        commit_days: None,
    };
    let v = check(&field, Some(&value), Date::today_china())
        .map_err(|e| {
            ServiceError::Validation(vec![app::api::FieldError {
                field: "value".into(),
                ..e
            }])
        })?
        .ok_or_else(|| ServiceError::field("value", "required", "请填写内容"))?;
    let subject = Subject::of(actor);
    remember(state, &state.db, subject, key, &v, Source::UserInput, None).await?;
    state.publish(DomainEvent::FactsChanged(subject)).await;
    get(state, actor).await
}

pub async fn delete(state: &AppState, actor: &Actor, key: &str) -> ServiceResult<()> {
    profile_fact::Entity::delete_by_id((applicant(actor)?, key.to_owned()))
        .exec(&state.db)
        .await?;
    Ok(())
}

/// `GET /api/v1/certificates`: the caller's subject's certificates.
pub async fn list_certificates(state: &AppState, actor: &Actor) -> ServiceResult<Vec<CertificateDto>> {
    let today = Date::today_china();
    Ok(certificates(&state.db, applicant(actor)?)
        .await?
        .into_iter()
        .map(|c| dto(state, c, today))
        .collect())
}
