//! Enterprises (企业) and who may act for them: the legal representative who
//! registers one is its administrator and authorises agents (经办人) by phone,
//! with an expiry date; authorisations are checked on every request.

use app::api::{AgentDto, EnterpriseBrief, EnterpriseDto, RegisterEnterpriseRequest, Role};
use app::domain::{CreditCode, Date, IdNumber, Phone};
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel,
    QueryFilter,
};
use serde_json::json;
use uuid::Uuid;

use super::audit::{self, Event};
use super::{ServiceError, ServiceResult, profiles};
use crate::AppState;
use crate::db::entities::enterprise_member::MemberRole;
use crate::db::entities::{enterprise, enterprise_member, session, user};
use crate::identity::Subject;
use crate::identity::{Acting, Actor, RequestMeta};
use crate::state::DomainEvent;

/// Whether a membership row authorises acting today.
fn active(m: &enterprise_member::Model, today: Date) -> bool {
    m.revoked_at.is_none() && m.expires_on.is_none_or(|d| d >= today)
}

fn state_of(m: &enterprise_member::Model, today: Date) -> &'static str {
    if m.revoked_at.is_some() {
        "revoked"
    } else if active(m, today) {
        "active"
    } else {
        "expired"
    }
}

/// The actor's current authorisation to act for `enterprise`, if valid today.
pub async fn membership<C: ConnectionTrait>(
    db: &C,
    enterprise_id: Uuid,
    user_id: Uuid,
) -> Result<Option<Acting>, sea_orm::DbErr> {
    let Some(m) = enterprise_member::Entity::find_by_id((enterprise_id, user_id))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    if !active(&m, Date::today_china()) {
        return Ok(None);
    }
    let Some(e) = enterprise::Entity::find_by_id(enterprise_id).one(db).await? else {
        return Ok(None);
    };
    Ok(Some(Acting {
        enterprise_id,
        name: e.name,
        credit_code: e.credit_code,
        role: m.role,
    }))
}

fn citizens_only(actor: &Actor) -> ServiceResult<()> {
    if actor.role == Role::Citizen {
        Ok(())
    } else {
        Err(ServiceError::Forbidden {
            code: "applicants_only",
            message: "工作人员账号不能注册或代理企业".into(),
        })
    }
}

/// Registers an enterprise; the registrant must be its legal representative
/// (this version), and becomes its administrator. The platform records the
/// business licence as the enterprise's first e-certificate.
pub async fn register(
    state: &AppState,
    actor: &Actor,
    req: RegisterEnterpriseRequest,
    meta: &RequestMeta,
) -> ServiceResult<EnterpriseDto> {
    citizens_only(actor)?;
    let today = Date::today_china();
    let mut errors = Vec::new();
    let code = CreditCode::parse(&req.credit_code)
        .map_err(|e| errors.push(e.for_field("credit_code")))
        .ok();
    let name = req.name.trim().to_owned();
    if !(2..=100).contains(&name.chars().count()) {
        errors.push(ServiceError::field_error(
            "name",
            "name_length",
            "企业名称应为 2–100 个字",
        ));
    }
    let rep = app::domain::name::parse_person_name(&req.legal_representative)
        .map_err(|e| errors.push(e.for_field("legal_representative")))
        .ok();
    let rep_id = IdNumber::parse(&req.legal_representative_id_number, today)
        .map_err(|e| errors.push(e.for_field("legal_representative_id_number")))
        .ok();
    let established = match req
        .established_on
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => Some(today),
        Some(s) => match Date::parse(s).filter(|d| *d <= today) {
            Some(d) => Some(d),
            None => {
                errors.push(ServiceError::field_error(
                    "established_on",
                    "date_invalid",
                    "成立日期不正确，且不能晚于今天",
                ));
                None
            }
        },
    };
    // The registrant must be the legal representative: same name and 身份证号.
    let me = user::Entity::find_by_id(actor.user_id)
        .one(&state.db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let my_id = me
        .id_number_enc
        .as_deref()
        .and_then(|e| state.pii.decrypt(e).ok());
    if let (Some(rep), Some(rep_id)) = (&rep, &rep_id)
        && (my_id.as_deref() != Some(rep_id.as_str()) || *rep != me.name)
    {
        errors.push(ServiceError::field_error(
            "legal_representative_id_number",
            "not_legal_representative",
            "目前只支持法定代表人本人注册企业：姓名和身份证号须与您的账号一致",
        ));
    }
    if let Some(c) = &code
        && enterprise::Entity::find()
            .filter(enterprise::Column::CreditCode.eq(c.as_str()))
            .one(&state.db)
            .await?
            .is_some()
    {
        errors.push(ServiceError::field_error(
            "credit_code",
            "enterprise_exists",
            "该企业已注册，请联系企业管理员为您授权",
        ));
    }
    let (Some(code), Some(rep), Some(rep_id), Some(established), true) =
        (code, rep, rep_id, established, errors.is_empty())
    else {
        return Err(ServiceError::Validation(errors));
    };
    let now = Utc::now();
    let id = Uuid::now_v7();
    let txn = state.writes.begin(&state.db).await?;
    enterprise::ActiveModel {
        id: Set(id),
        credit_code: Set(code.as_str().to_owned()),
        name: Set(name.clone()),
        legal_representative: Set(rep.clone()),
        legal_rep_id_hash: Set(state.pii.blind_index("id_number", rep_id.as_str())),
        legal_rep_id_enc: Set(state.pii.encrypt(rep_id.as_str())),
        established_on: Set(established),
        created_by: Set(actor.user_id),
        created_at: Set(now),
    }
    .insert(&txn)
    .await
    .map_err(|e| match e.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => ServiceError::field(
            "credit_code",
            "enterprise_exists",
            "该企业已注册，请联系企业管理员为您授权",
        ),
        _ => e.into(),
    })?;
    enterprise_member::ActiveModel {
        enterprise_id: Set(id),
        user_id: Set(actor.user_id),
        role: Set(MemberRole::Admin),
        expires_on: Set(None),
        revoked_at: Set(None),
        granted_by: Set(None),
        created_at: Set(now),
    }
    .insert(&txn)
    .await?;
    let subject = Subject::Enterprise(id);
    profiles::issue_certificate(
        &txn,
        profiles::NewCertificate {
            subject,
            kind: app::catalog::PLATFORM_CERTIFICATE,
            name: "营业执照（电子营业执照）",
            number: code.as_str(),
            issued_by: "platform",
            valid_from: established,
            valid_until: None,
            submission_id: None,
            work_item_id: None,
        },
    )
    .await?;
    for (key, value) in [
        ("credit_code", code.as_str().to_owned()),
        ("enterprise_name", name.clone()),
        ("legal_representative", rep.clone()),
        ("legal_representative_id_number", rep_id.as_str().to_owned()),
    ] {
        profiles::remember(
            state,
            &txn,
            subject,
            key,
            &json!(value),
            profiles::Source::UserInput,
            None,
        )
        .await?;
    }
    txn.commit().await?;
    audit::record_or_log(
        &state.db,
        Event {
            who: actor.who(),
            action: "enterprise_register",
            object: format!("enterprise:{id}"),
            detail: json!({}),
            ip: meta.ip.clone(),
        },
    )
    .await;
    state.publish(DomainEvent::FactsChanged(subject)).await;
    get(state, actor, id).await
}

/// The enterprises the actor may act for today.
pub async fn mine(state: &AppState, actor: &Actor) -> ServiceResult<Vec<EnterpriseBrief>> {
    let today = Date::today_china();
    let rows = enterprise_member::Entity::find()
        .filter(enterprise_member::Column::UserId.eq(actor.user_id))
        .all(&state.db)
        .await?;
    let mut out = Vec::new();
    for m in rows.into_iter().filter(|m| active(m, today)) {
        if let Some(e) = enterprise::Entity::find_by_id(m.enterprise_id)
            .one(&state.db)
            .await?
        {
            out.push(EnterpriseBrief {
                id: e.id.to_string(),
                name: e.name,
                credit_code: e.credit_code,
                role: m.role.to_string(),
                expires_on: m.expires_on.map(|d| d.to_string()),
            });
        }
    }
    Ok(out)
}

/// An enterprise the actor may act for (others: 404); agents listed for its
/// administrators.
pub async fn get(state: &AppState, actor: &Actor, id: Uuid) -> ServiceResult<EnterpriseDto> {
    let acting = membership(&state.db, id, actor.user_id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let e = enterprise::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let agents = if acting.role == MemberRole::Admin {
        agents(state, id).await?
    } else {
        Vec::new()
    };
    Ok(EnterpriseDto {
        id: e.id.to_string(),
        credit_code: e.credit_code,
        name: e.name,
        legal_representative: e.legal_representative,
        established_on: e.established_on.to_string(),
        role: acting.role.to_string(),
        agents,
    })
}

async fn agents(state: &AppState, id: Uuid) -> ServiceResult<Vec<AgentDto>> {
    let today = Date::today_china();
    let rows = enterprise_member::Entity::find()
        .filter(enterprise_member::Column::EnterpriseId.eq(id))
        .all(&state.db)
        .await?;
    let mut out = Vec::new();
    for m in rows {
        if let Some(u) = user::Entity::find_by_id(m.user_id).one(&state.db).await? {
            let phone = u.phone_enc.as_deref().and_then(|e| state.pii.decrypt(e).ok());
            out.push(AgentDto {
                user_id: u.id.to_string(),
                name: u.name,
                phone_masked: phone
                    .and_then(|p| Phone::parse(&p).ok())
                    .map(|p| p.masked())
                    .unwrap_or_default(),
                role: m.role.to_string(),
                expires_on: m.expires_on.map(|d| d.to_string()),
                state: state_of(&m, today).into(),
            });
        }
    }
    Ok(out)
}

async fn admin_of(state: &AppState, actor: &Actor, id: Uuid) -> ServiceResult<()> {
    match membership(&state.db, id, actor.user_id).await? {
        Some(a) if a.role == MemberRole::Admin => Ok(()),
        _ => Err(ServiceError::NotFound),
    }
}

/// The administrator authorises a registered citizen (by phone) until `expires_on`.
pub async fn add_agent(
    state: &AppState,
    actor: &Actor,
    id: Uuid,
    req: app::api::AddAgentRequest,
    meta: &RequestMeta,
) -> ServiceResult<Vec<AgentDto>> {
    admin_of(state, actor, id).await?;
    let today = Date::today_china();
    let mut errors = Vec::new();
    let phone = Phone::parse(&req.phone)
        .map_err(|e| errors.push(e.for_field("phone")))
        .ok();
    let expires = Date::parse(req.expires_on.trim()).filter(|d| *d >= today && *d <= today.add_days(3 * 366));
    if expires.is_none() {
        errors.push(ServiceError::field_error(
            "expires_on",
            "date_invalid",
            "授权截止日期应在今天到三年之内",
        ));
    }
    let agent = match &phone {
        Some(p) => {
            let found = user::Entity::find()
                .filter(user::Column::PhoneHash.eq(state.pii.blind_index("phone", p.as_str())))
                .filter(user::Column::Role.eq(Role::Citizen.as_str()))
                .one(&state.db)
                .await?;
            if found.is_none() {
                errors.push(ServiceError::field_error(
                    "phone",
                    "phone_unknown",
                    "这个手机号还没有注册，请对方先实名注册",
                ));
            }
            found
        }
        None => None,
    };
    if agent.as_ref().is_some_and(|a| a.id == actor.user_id) {
        errors.push(ServiceError::field_error(
            "phone",
            "self",
            "您已是企业管理员，无需为自己授权",
        ));
    }
    let (Some(agent), Some(expires), true) = (agent, expires, errors.is_empty()) else {
        return Err(ServiceError::Validation(errors));
    };
    let existing = enterprise_member::Entity::find_by_id((id, agent.id))
        .one(&state.db)
        .await?;
    match existing {
        Some(m) if m.role == MemberRole::Admin => {}
        Some(m) => {
            let mut a = m.into_active_model();
            a.expires_on = Set(Some(expires));
            a.revoked_at = Set(None);
            a.granted_by = Set(Some(actor.user_id));
            a.update(&state.db).await?;
        }
        None => {
            enterprise_member::ActiveModel {
                enterprise_id: Set(id),
                user_id: Set(agent.id),
                role: Set(MemberRole::Agent),
                expires_on: Set(Some(expires)),
                revoked_at: Set(None),
                granted_by: Set(Some(actor.user_id)),
                created_at: Set(Utc::now()),
            }
            .insert(&state.db)
            .await?;
        }
    }
    audit::record_or_log(
        &state.db,
        Event {
            who: actor.who(),
            action: "agent_grant",
            object: format!("enterprise:{id}"),
            detail: json!({ "agent": agent.id.to_string(), "expires_on": expires.to_string() }),
            ip: meta.ip.clone(),
        },
    )
    .await;
    agents(state, id).await
}

/// Revokes an agent at once (their next request no longer acts for it).
pub async fn revoke_agent(
    state: &AppState,
    actor: &Actor,
    id: Uuid,
    agent: Uuid,
    meta: &RequestMeta,
) -> ServiceResult<Vec<AgentDto>> {
    admin_of(state, actor, id).await?;
    let m = enterprise_member::Entity::find_by_id((id, agent))
        .one(&state.db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if m.role == MemberRole::Admin {
        return Err(ServiceError::Conflict {
            code: "cannot_revoke_admin",
            message: "不能撤销企业管理员".into(),
        });
    }
    let mut a = m.into_active_model();
    a.revoked_at = Set(Some(Utc::now()));
    a.update(&state.db).await?;
    audit::record_or_log(
        &state.db,
        Event {
            who: actor.who(),
            action: "agent_revoke",
            object: format!("enterprise:{id}"),
            detail: json!({ "agent": agent.to_string() }),
            ip: meta.ip.clone(),
        },
    )
    .await;
    agents(state, id).await
}

/// Switches the session to act for an enterprise (`Some`) or for oneself.
pub async fn act_as(
    state: &AppState,
    actor: &Actor,
    enterprise_id: Option<Uuid>,
) -> ServiceResult<Option<Acting>> {
    let acting = match enterprise_id {
        Some(e) => Some(
            membership(&state.db, e, actor.user_id)
                .await?
                .ok_or(ServiceError::NotFound)?,
        ),
        None => None,
    };
    let s = session::Entity::find_by_id(actor.session_id.clone())
        .one(&state.db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let mut a = s.into_active_model();
    a.acting_enterprise_id = Set(enterprise_id);
    a.update(&state.db).await?;
    Ok(acting)
}
