//! 免申即享: matching the policies of the catalog against subjects' profiles,
//! offering them, and filing a confirmed offer to the granting department
//! (no form to fill).

use app::api::{OfferDto, Role};
use app::catalog::policy::Facts;
use app::domain::{Date, IdNumber};
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
};
use serde_json::json;
use uuid::Uuid;

use super::notifications::{self, Message};
use super::submissions::{self, Created};
use super::{ServiceError, ServiceResult, profiles, tracking};
use crate::AppState;
use crate::db::entities::policy_offer::OfferStatus;
use crate::db::entities::{enterprise, enterprise_member, policy_offer, submission, user};
use crate::identity::Actor;
use crate::identity::Subject;

/// Everything the conditions may look at, for one subject.
pub async fn facts(state: &AppState, subject: Subject) -> Result<Facts, sea_orm::DbErr> {
    let today = Date::today_china();
    let mut f = Facts::default();
    for (k, (v, _, _)) in profiles::facts(state, &state.db, subject).await? {
        f.values.insert(k, v);
    }
    match subject {
        Subject::Enterprise(id) => {
            if let Some(e) = enterprise::Entity::find_by_id(id).one(&state.db).await? {
                let d = e.established_on;
                f.values.insert(
                    "enterprise_age_days".into(),
                    json!(today.days_since_epoch() - d.days_since_epoch()),
                );
            }
        }
        Subject::Person(id) => {
            if let Some(u) = user::Entity::find_by_id(id).one(&state.db).await? {
                let id_number = u.id_number_enc.as_deref().and_then(|e| state.pii.decrypt(e).ok());
                if let Some(n) = id_number.and_then(|n| IdNumber::parse(&n, today).ok()) {
                    f.values
                        .insert("age_years".into(), json!(n.birth_date().age_on(today)));
                }
            }
        }
    }
    for c in profiles::certificates(&state.db, subject).await? {
        if c.valid_until.is_none_or(|d| d >= today) {
            f.certificates.insert(c.kind);
        }
    }
    let mine = submission::Entity::find()
        .filter(submission::Column::Subject.eq(subject))
        .all(&state.db)
        .await?;
    for s in mine {
        let items = tracking::items_of(&state.db, s.id).await?;
        let bundle = state.catalog.bundle(&s.bundle);
        if tracking::status_of(bundle, &items) == app::workflow::SubmissionStatus::Completed {
            f.completed_bundles.insert(s.bundle);
        }
    }
    Ok(f)
}

/// Offers every matching policy the subject has not been offered yet, and
/// tells them. Never fails the caller: errors are logged.
pub async fn evaluate(state: &AppState, subject: Subject) {
    if let Err(e) = try_evaluate(state, subject).await {
        tracing::error!(error = %e, "policy matching failed");
    }
}

async fn try_evaluate(state: &AppState, subject: Subject) -> Result<(), sea_orm::DbErr> {
    let audience = if subject.is_enterprise() {
        app::catalog::Audience::Enterprise
    } else {
        app::catalog::Audience::Citizen
    };
    let candidates: Vec<_> = state
        .catalog
        .policies
        .iter()
        .filter(|p| p.audience == audience)
        .collect();
    if candidates.is_empty() {
        return Ok(());
    }
    let f = facts(state, subject).await?;
    let offered: Vec<String> = policy_offer::Entity::find()
        .filter(policy_offer::Column::Subject.eq(subject))
        .all(&state.db)
        .await?
        .into_iter()
        .map(|o| o.policy)
        .collect();
    for p in candidates
        .into_iter()
        .filter(|p| !offered.contains(&p.code) && p.matches(&f))
    {
        let id = Uuid::now_v7();
        let inserted = policy_offer::Entity::insert(policy_offer::ActiveModel {
            id: Set(id),
            subject: Set(subject),
            policy: Set(p.code.clone()),
            status: Set(OfferStatus::Offered),
            created_at: Set(Utc::now()),
            decided_at: Set(None),
            decided_by: Set(None),
            submission_id: Set(None),
        })
        .exec(&state.db)
        .await;
        // Another request matched it at the same moment: it is offered once.
        if inserted.is_err() {
            continue;
        }
        tracing::info!(policy = %p.code, "policy offered");
        for user_id in recipients(state, subject).await? {
            notifications::write(
                &state.db,
                Message {
                    user_id,
                    submission_id: None,
                    work_item_id: None,
                    kind: "policy_offer",
                    title: format!("免申即享：您符合“{}”的条件", p.name),
                    body: format!(
                        "{} 无需申请，确认后由{}直接办理。",
                        p.benefit,
                        dept_name(state, &p.department)
                    ),
                },
            )
            .await?;
        }
    }
    Ok(())
}

fn dept_name(state: &AppState, code: &str) -> String {
    state
        .catalog
        .department(code)
        .map(|d| d.name.clone())
        .unwrap_or_default()
}

/// Who hears about a subject's offers: the person, or the enterprise's administrators.
async fn recipients(state: &AppState, subject: Subject) -> Result<Vec<Uuid>, sea_orm::DbErr> {
    Ok(match subject {
        Subject::Person(id) => vec![id],
        Subject::Enterprise(id) => enterprise_member::Entity::find()
            .filter(enterprise_member::Column::EnterpriseId.eq(id))
            .filter(enterprise_member::Column::Role.eq(enterprise_member::MemberRole::Admin))
            .filter(enterprise_member::Column::RevokedAt.is_null())
            .all(&state.db)
            .await?
            .into_iter()
            .map(|m| m.user_id)
            .collect(),
    })
}

fn dto(state: &AppState, o: policy_offer::Model) -> Option<OfferDto> {
    let p = state.catalog.policy(&o.policy)?;
    Some(OfferDto {
        id: o.id.to_string(),
        policy: p.code.clone(),
        name: p.name.clone(),
        department: p.department.clone(),
        department_name: dept_name(state, &p.department),
        benefit: p.benefit.clone(),
        basis: p.basis.clone(),
        status: o.status.to_string(),
        created_at: o.created_at.to_rfc3339(),
        submission_id: o.submission_id.map(|s| s.to_string()),
    })
}

/// The caller's current subject's offers, newest first.
pub async fn list(state: &AppState, actor: &Actor) -> ServiceResult<Vec<OfferDto>> {
    if actor.role != Role::Citizen {
        return Err(ServiceError::NotFound);
    }
    Ok(policy_offer::Entity::find()
        .filter(policy_offer::Column::Subject.eq(Subject::of(actor)))
        .order_by_desc(policy_offer::Column::Id)
        .all(&state.db)
        .await?
        .into_iter()
        .filter_map(|o| dto(state, o))
        .collect())
}

async fn own_offer(state: &AppState, actor: &Actor, id: Uuid) -> ServiceResult<policy_offer::Model> {
    let o = policy_offer::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if o.subject != Subject::of(actor) || actor.role != Role::Citizen {
        return Err(ServiceError::NotFound);
    }
    if o.status != OfferStatus::Offered {
        return Err(ServiceError::Conflict {
            code: "offer_decided",
            message: "这项政策已经确认或放弃过了".into(),
        });
    }
    Ok(o)
}

/// Confirms an offer: files it to the policy's department as a submission of
/// its single-item bundle (no form), and returns the offer.
pub async fn confirm(state: &AppState, actor: &Actor, id: Uuid) -> ServiceResult<OfferDto> {
    let o = own_offer(state, actor, id).await?;
    let bundle = state.catalog.bundle(&o.policy).ok_or(ServiceError::NotFound)?;
    let created = submissions::file(
        state,
        actor,
        bundle,
        std::slice::from_ref(&o.policy),
        serde_json::Map::new(),
        Some(format!("offer:{id}")),
        false,
    )
    .await?;
    let sid = match &created {
        Created::New(s) | Created::Replayed(s) => Uuid::parse_str(&s.id).map_err(anyhow::Error::from)?,
    };
    let mut a = o.into_active_model();
    a.status = Set(OfferStatus::Confirmed);
    a.decided_at = Set(Some(Utc::now()));
    a.decided_by = Set(Some(actor.user_id));
    a.submission_id = Set(Some(sid));
    let o = a.update(&state.db).await?;
    dto(state, o).ok_or(ServiceError::NotFound)
}

pub async fn decline(state: &AppState, actor: &Actor, id: Uuid) -> ServiceResult<OfferDto> {
    let o = own_offer(state, actor, id).await?;
    let mut a = o.into_active_model();
    a.status = Set(OfferStatus::Declined);
    a.decided_at = Set(Some(Utc::now()));
    a.decided_by = Set(Some(actor.user_id));
    let o = a.update(&state.db).await?;
    dto(state, o).ok_or(ServiceError::NotFound)
}
