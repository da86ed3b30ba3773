//! Accounts and sessions: registration, login, logout, password change, and
//! resolving the session cookie of a request into an [`Actor`].
//!
//! Sessions are server-side rows keyed by the SHA-256 of a 256-bit random
//! token (the cookie holds the token). They expire after 30 minutes idle and
//! 12 hours in total, are replaced on every login and revoked on logout and
//! on password change (ASVS V3).

use app::api::{Me, RegisterRequest, Role};
use app::domain::{Date, IdNumber, Phone, name::parse_person_name, password};
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, DatabaseConnection, EntityTrait,
    IntoActiveModel, QueryFilter,
};
use serde_json::json;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::audit::{self, Event};
use super::{ServiceError, ServiceResult, passwords, throttle};
use crate::AppState;
use crate::db::entities::{session, user};
use crate::identity::Who;
use crate::identity::{Actor, RequestMeta};
use crate::rate_limit::Endpoint;

pub const IDLE_TIMEOUT: Duration = Duration::minutes(30);
pub const ABSOLUTE_TIMEOUT: Duration = Duration::hours(12);
/// `last_seen_at` is written at most this often (one write per minute, not
/// one per request).
const TOUCH_EVERY: Duration = Duration::seconds(60);

/// A new session: the token for the cookie.
#[derive(Debug)]
pub struct NewSession {
    pub token: String,
    pub user: user::Model,
}

fn session_id(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

async fn create_session(
    db: &DatabaseConnection,
    user: user::Model,
    now: DateTime<Utc>,
) -> ServiceResult<NewSession> {
    let token = new_token();
    session::ActiveModel {
        id: Set(session_id(&token)),
        user_id: Set(user.id),
        created_at: Set(now),
        last_seen_at: Set(now),
        expires_at: Set(now + ABSOLUTE_TIMEOUT),
        acting_enterprise_id: Set(None),
    }
    .insert(db)
    .await?;
    Ok(NewSession { token, user })
}

/// Revokes the session of `token`, if any.
pub async fn revoke_token(db: &DatabaseConnection, token: &str) -> ServiceResult<()> {
    session::Entity::delete_by_id(session_id(token)).exec(db).await?;
    Ok(())
}

/// Resolves a cookie token to the logged-in actor, enforcing both timeouts
/// and sliding the idle one.
pub async fn resolve(db: &DatabaseConnection, token: &str) -> ServiceResult<Option<Actor>> {
    let now = Utc::now();
    let id = session_id(token);
    let Some(s) = session::Entity::find_by_id(id.clone()).one(db).await? else {
        return Ok(None);
    };
    if now >= s.expires_at || now - s.last_seen_at >= IDLE_TIMEOUT {
        session::Entity::delete_by_id(id).exec(db).await?;
        return Ok(None);
    }
    let Some(u) = user::Entity::find_by_id(s.user_id).one(db).await? else {
        return Ok(None);
    };
    if u.disabled {
        return Ok(None);
    }
    let acting = match s.acting_enterprise_id {
        Some(e) => super::enterprises::membership(db, e, u.id).await?,
        None => None,
    };
    let lost_acting = s.acting_enterprise_id.is_some() && acting.is_none();
    if now - s.last_seen_at >= TOUCH_EVERY || lost_acting {
        let mut active = s.into_active_model();
        active.last_seen_at = Set(now);
        if lost_acting {
            active.acting_enterprise_id = Set(None);
        }
        active.update(db).await?;
    }
    let mut actor = actor_of(&u, id);
    actor.acting = acting;
    Ok(Some(actor))
}

fn actor_of(u: &user::Model, session_id: String) -> Actor {
    Actor {
        user_id: u.id,
        name: u.name.clone(),
        role: u.role,
        department: u.department.clone(),
        session_id,
        acting: None,
        system: false,
    }
}

/// The actor of a department system presenting its API token.
pub fn system_actor(department: String) -> Actor {
    Actor {
        user_id: Uuid::nil(),
        name: format!("{department} 业务系统"),
        role: Role::Clerk,
        department: Some(department),
        session_id: String::new(),
        acting: None,
        system: true,
    }
}

/// Counts a request against its address's quota (see [`crate::rate_limit`]).
fn count_request(state: &AppState, endpoint: Endpoint, meta: &RequestMeta) -> ServiceResult<()> {
    let Some(ip) = meta.ip.as_deref().and_then(|ip| ip.parse().ok()) else {
        return Ok(());
    };
    state
        .rate_limits
        .check(endpoint, ip)
        .map_err(|secs| ServiceError::Throttled {
            retry_after_secs: i64::try_from(secs).unwrap_or(i64::MAX),
        })
}

/// Citizen self-registration with real-name checks; logs the person in.
pub async fn register(
    state: &AppState,
    req: RegisterRequest,
    meta: &RequestMeta,
) -> ServiceResult<NewSession> {
    count_request(state, Endpoint::Register, meta)?;
    let today = Date::today_china();
    let mut errors = req.validate(today);
    if errors.iter().all(|e| e.field != "password") && passwords::is_common(&req.password) {
        errors.push(password::too_common().for_field("password"));
    }
    // The shared checks passed for these, so parsing succeeds.
    let phone = Phone::parse(&req.phone).ok();
    let id = IdNumber::parse(&req.id_number, today).ok();
    let pii = &state.pii;
    let phone_hash = phone.as_ref().map(|p| pii.blind_index("phone", p.as_str()));
    let id_hash = id.as_ref().map(|i| pii.blind_index("id_number", i.as_str()));
    if let Some(h) = &phone_hash
        && user::Entity::find()
            .filter(user::Column::PhoneHash.eq(h.clone()))
            .one(&state.db)
            .await?
            .is_some()
    {
        errors.push(app::api::FieldError::new(
            "phone",
            "phone_taken",
            "该手机号已注册，请直接登录",
        ));
    }
    if let Some(h) = &id_hash
        && user::Entity::find()
            .filter(user::Column::IdNumberHash.eq(h.clone()))
            .one(&state.db)
            .await?
            .is_some()
    {
        errors.push(app::api::FieldError::new(
            "id_number",
            "id_number_taken",
            "该身份证号已注册账号，请用注册时的手机号登录",
        ));
    }
    let (Some(phone), Some(id), true) = (phone, id, errors.is_empty()) else {
        return Err(ServiceError::Validation(errors));
    };
    let name =
        parse_person_name(&req.name).map_err(|e| ServiceError::Validation(vec![e.for_field("name")]))?;
    let model = user::ActiveModel::citizen(
        name,
        phone.as_str(),
        id.as_str(),
        pii,
        passwords::hash(req.password).await?,
    );
    // A concurrent registration with the same phone loses on the unique index.
    let user = model.insert(&state.db).await.map_err(|e| match e.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => {
            ServiceError::Validation(vec![app::api::FieldError::new(
                "phone",
                "phone_taken",
                "该手机号已注册，请直接登录",
            )])
        }
        _ => e.into(),
    })?;
    let who = Who {
        id: Some(user.id),
        label: format!("citizen:{}", user.id),
    };
    audit::record_or_log(
        &state.db,
        Event {
            who,
            action: "register",
            object: format!("user:{}", user.id),
            detail: json!({}),
            ip: meta.ip.clone(),
        },
    )
    .await;
    create_session(&state.db, user, Utc::now()).await
}

/// Finds the account for a login name: a phone number or a staff username.
async fn find_login(state: &AppState, login: &str) -> ServiceResult<(Option<user::Model>, String)> {
    let login = login.trim();
    let (cond, key) = match Phone::parse(login) {
        Ok(p) => {
            let h = state.pii.blind_index("phone", p.as_str());
            (Condition::all().add(user::Column::PhoneHash.eq(h.clone())), h)
        }
        Err(_) => {
            let u = login.to_lowercase();
            (
                Condition::all().add(user::Column::Username.eq(u.clone())),
                state.pii.blind_index("username", &u),
            )
        }
    };
    Ok((
        user::Entity::find().filter(cond).one(&state.db).await?,
        format!("acct:{key}"),
    ))
}

fn login_failed() -> ServiceError {
    ServiceError::Unauthorized {
        code: "login_failed",
        message: "登录失败：账号或密码不正确".into(),
    }
}

/// Checks the password, throttling per account and per address. Any
/// session presented with the request is revoked: a login always gets a
/// fresh session id.
pub async fn login(
    state: &AppState,
    login: &str,
    password: &str,
    meta: &RequestMeta,
    presented: Option<&str>,
) -> ServiceResult<NewSession> {
    count_request(state, Endpoint::Login, meta)?;
    let db = &state.db;
    let now = Utc::now();
    let (user, account_key) = find_login(state, login).await?;
    let ip_key = meta.ip.as_ref().map(|ip| format!("ip:{ip}"));
    for key in std::iter::once(&account_key).chain(ip_key.as_ref()) {
        if let Some(secs) = throttle::locked_for(db, key, now).await? {
            return Err(ServiceError::Throttled {
                retry_after_secs: secs,
            });
        }
    }
    let usable = user.as_ref().filter(|u| !u.disabled);
    let ok = passwords::verify(password.to_owned(), usable.map(|u| u.password_hash.clone())).await;
    let Some(user) = usable.filter(|_| ok).cloned() else {
        throttle::record_failure(db, &account_key, throttle::ACCOUNT, now).await?;
        if let Some(k) = &ip_key {
            throttle::record_failure(db, k, throttle::IP, now).await?;
        }
        audit::record_or_log(
            db,
            Event {
                who: Who::anonymous(),
                action: "login_failed",
                object: user.map_or_else(|| "user:unknown".to_owned(), |u| format!("user:{}", u.id)),
                detail: json!({}),
                ip: meta.ip.clone(),
            },
        )
        .await;
        return Err(login_failed());
    };
    throttle::clear(db, &account_key).await?;
    if let Some(token) = presented {
        revoke_token(db, token).await?;
    }
    // Housekeeping: drop this user's expired sessions.
    session::Entity::delete_many()
        .filter(session::Column::UserId.eq(user.id))
        .filter(
            Condition::any()
                .add(session::Column::ExpiresAt.lte(now))
                .add(session::Column::LastSeenAt.lte(now - IDLE_TIMEOUT)),
        )
        .exec(db)
        .await?;
    let who = actor_of(&user, String::new()).who();
    audit::record_or_log(
        db,
        Event {
            who,
            action: "login",
            object: format!("user:{}", user.id),
            detail: json!({}),
            ip: meta.ip.clone(),
        },
    )
    .await;
    create_session(db, user, now).await
}

/// Ends the actor's session.
pub async fn logout(state: &AppState, actor: &Actor, meta: &RequestMeta) -> ServiceResult<()> {
    session::Entity::delete_by_id(actor.session_id.clone())
        .exec(&state.db)
        .await?;
    audit::record_or_log(
        &state.db,
        Event {
            who: actor.who(),
            action: "logout",
            object: format!("user:{}", actor.user_id),
            detail: json!({}),
            ip: meta.ip.clone(),
        },
    )
    .await;
    Ok(())
}

/// Changes the password after checking the current one; every session of the
/// user is revoked and a new one returned.
pub async fn change_password(
    state: &AppState,
    actor: &Actor,
    current: &str,
    new: &str,
    meta: &RequestMeta,
) -> ServiceResult<NewSession> {
    let db = &state.db;
    let user = user::Entity::find_by_id(actor.user_id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if !passwords::verify(current.to_owned(), Some(user.password_hash.clone())).await {
        return Err(ServiceError::Validation(vec![app::api::FieldError::new(
            "current_password",
            "password_wrong",
            "当前密码不正确",
        )]));
    }
    if let Err(e) = password::check_length(new) {
        return Err(ServiceError::Validation(vec![e.for_field("new_password")]));
    }
    if passwords::is_common(new) {
        return Err(ServiceError::Validation(vec![
            password::too_common().for_field("new_password"),
        ]));
    }
    let now = Utc::now();
    let mut active = user.into_active_model();
    active.password_hash = Set(passwords::hash(new.to_owned()).await?);
    active.password_changed_at = Set(now);
    let user = active.update(db).await?;
    session::Entity::delete_many()
        .filter(session::Column::UserId.eq(user.id))
        .exec(db)
        .await?;
    audit::record_or_log(
        db,
        Event {
            who: actor.who(),
            action: "password_change",
            object: format!("user:{}", user.id),
            detail: json!({}),
            ip: meta.ip.clone(),
        },
    )
    .await;
    create_session(db, user, now).await
}

/// The `GET /api/v1/me` view of an actor.
pub async fn me(state: &AppState, actor: &Actor) -> ServiceResult<Me> {
    let user = user::Entity::find_by_id(actor.user_id)
        .one(&state.db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let mut me = me_of(state, &user);
    me.acting_for = actor.acting.as_ref().map(|a| app::api::EnterpriseBrief {
        id: a.enterprise_id.to_string(),
        name: a.name.clone(),
        credit_code: a.credit_code.clone(),
        role: a.role.to_string(),
        expires_on: None,
    });
    Ok(me)
}

/// The `Me` view of a user row.
pub fn me_of(state: &AppState, user: &user::Model) -> Me {
    let role = user.role;
    let department = user.department.clone().filter(|_| role == Role::Clerk);
    let reveal = |enc: &Option<String>| enc.as_deref().and_then(|e| state.pii.decrypt(e).ok());
    Me {
        id: user.id.to_string(),
        name: user.name.clone(),
        roles: vec![role],
        department_name: department
            .as_deref()
            .and_then(|d| state.catalog.department(d))
            .map(|d| d.name.clone()),
        lead_bundles: department
            .as_deref()
            .map(|d| {
                state
                    .catalog
                    .bundles
                    .iter()
                    .filter(|b| b.lead_department.as_str() == d)
                    .map(|b| b.code.to_string())
                    .collect()
            })
            .unwrap_or_default(),
        department,
        phone_masked: reveal(&user.phone_enc)
            .and_then(|p| Phone::parse(&p).ok())
            .map(|p| p.masked()),
        id_number_masked: reveal(&user.id_number_enc).map(|i| app::domain::mask(&i, 4, 2)),
        acting_for: None,
    }
}
