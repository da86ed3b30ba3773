//! Staff accounts, managed by admins (and by the `server admin` CLI).

use app::api::{CreateStaffRequest, FieldError, Role, UserSummary};
use app::domain::{Phone, password};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, IntoActiveModel,
    QueryFilter,
};
use serde_json::json;
use uuid::Uuid;

use super::audit::{self, Event};
use super::{ServiceError, ServiceResult, passwords};
use crate::AppState;
use crate::crypto::PiiCipher;
use crate::db::entities::{session, user};
use crate::identity::Who;

/// Checks a username: 3–64 of a-z, 0-9, `-`, `_`, `.`; stored lower-case.
pub fn parse_username(s: &str) -> Result<String, ServiceError> {
    let u = s.trim().to_lowercase();
    let ok = (3..=64).contains(&u.len())
        && u.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'_' | b'.'))
        && u.bytes().next().is_some_and(|b| b.is_ascii_lowercase());
    if ok {
        Ok(u)
    } else {
        Err(ServiceError::field(
            "username",
            "username_format",
            "用户名为 3–64 位小写字母、数字、“-”“_”“.”，以字母开头",
        ))
    }
}

/// A staff account's display name (e.g. 县卫健局窗口 or 王芳): 1–64
/// characters, no control characters.
pub fn parse_display_name(s: &str) -> Result<String, ServiceError> {
    let n = s.trim();
    if (1..=64).contains(&n.chars().count()) && !n.chars().any(char::is_control) {
        Ok(n.to_owned())
    } else {
        Err(ServiceError::field("name", "name_format", "名称应为 1–64 个字符"))
    }
}

/// Creates a staff account (clerk, admin, dispatcher, operator or evaluator). `who` is recorded in the audit log.
pub async fn create_staff(
    db: &DatabaseConnection,
    catalog: &app::catalog::Catalog,
    req: CreateStaffRequest,
    who: Who,
) -> ServiceResult<user::Model> {
    let mut errors = Vec::new();
    let username = parse_username(&req.username)
        .map_err(|e| push(&mut errors, e))
        .ok();
    let name = parse_display_name(&req.name)
        .map_err(|e| push(&mut errors, e))
        .ok();
    let role = match Role::parse(&req.role) {
        Some(r @ (Role::Clerk | Role::Admin | Role::Dispatcher | Role::Operator | Role::Evaluator)) => {
            Some(r)
        }
        _ => {
            errors.push(FieldError::new(
                "role",
                "role_invalid",
                "角色只能是 clerk（窗口工作人员）、admin（管理员）、dispatcher（县政务服务中心调度员）、operator（12345 话务员）或 evaluator（效能评估员）",
            ));
            None
        }
    };
    let department = match (
        role,
        req.department.as_deref().map(str::trim).filter(|d| !d.is_empty()),
    ) {
        (Some(Role::Clerk), Some(d)) if catalog.department(d).is_some() => Some(d.to_owned()),
        (Some(Role::Clerk), Some(_)) => {
            errors.push(FieldError::new(
                "department",
                "department_unknown",
                "没有这个部门",
            ));
            None
        }
        (Some(Role::Clerk), None) => {
            errors.push(FieldError::new(
                "department",
                "required",
                "窗口工作人员须指定所属部门",
            ));
            None
        }
        _ => None,
    };
    if let Err(e) = password::check_length(&req.password) {
        errors.push(e.for_field("password"));
    } else if passwords::is_common(&req.password) {
        errors.push(password::too_common().for_field("password"));
    }
    if let Some(u) = &username
        && user::Entity::find()
            .filter(user::Column::Username.eq(u.clone()))
            .one(db)
            .await?
            .is_some()
    {
        errors.push(FieldError::new("username", "username_taken", "用户名已被使用"));
    }
    let (Some(username), Some(name), Some(role), true) = (username, name, role, errors.is_empty()) else {
        return Err(ServiceError::Validation(errors));
    };
    let created = user::ActiveModel::staff(
        role,
        username,
        name,
        department,
        passwords::hash(req.password).await?,
    )
    .insert(db)
    .await
    .map_err(|e| match e.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => {
            ServiceError::field("username", "username_taken", "用户名已被使用")
        }
        _ => e.into(),
    })?;
    audit::record_or_log(
        db,
        Event {
            who,
            action: "user_create",
            object: format!("user:{}", created.id),
            detail: json!({ "role": created.role, "department": created.department }),
            ip: None,
        },
    )
    .await;
    Ok(created)
}

fn push(errors: &mut Vec<FieldError>, e: ServiceError) {
    if let ServiceError::Validation(mut f) = e {
        errors.append(&mut f);
    }
}

/// A user as admins see it: personal data masked.
pub fn summary(pii: &PiiCipher, u: &user::Model) -> UserSummary {
    let reveal = |enc: &Option<String>| enc.as_deref().and_then(|e| pii.decrypt(e).ok());
    UserSummary {
        id: u.id.to_string(),
        role: u.role,
        username: u.username.clone(),
        name: u.name.clone(),
        department: u.department.clone(),
        phone_masked: reveal(&u.phone_enc)
            .and_then(|p| Phone::parse(&p).ok())
            .map(|p| p.masked()),
        id_number_masked: reveal(&u.id_number_enc).map(|i| app::domain::mask(&i, 4, 2)),
        disabled: u.disabled,
        created_at: u.created_at.to_rfc3339(),
    }
}

/// Filters of the user list.
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct UserFilter {
    pub role: Option<String>,
    pub department: Option<String>,
    /// Continue after this user id (from `next`).
    pub after: Option<Uuid>,
    pub limit: Option<u64>,
}

/// One page of users, oldest first.
pub async fn list(state: &AppState, f: UserFilter) -> ServiceResult<(Vec<UserSummary>, Option<String>)> {
    let limit = f.limit.unwrap_or(50).clamp(1, 200);
    let mut q = user::Entity::find();
    if let Some(r) = f.role.filter(|r| !r.is_empty()) {
        q = q.filter(user::Column::Role.eq(r));
    }
    if let Some(d) = f.department.filter(|d| !d.is_empty()) {
        q = q.filter(user::Column::Department.eq(d));
    }
    let (rows, next) = super::paging::by_id(
        &state.db,
        q,
        (user::Column::Id, |u| u.id),
        super::paging::Order::OldestFirst,
        f.after,
        limit,
    )
    .await?;
    Ok((rows.iter().map(|u| summary(&state.pii, u)).collect(), next))
}

/// Disables or re-enables an account; disabling revokes its sessions.
pub async fn set_disabled(
    state: &AppState,
    admin: &crate::identity::Actor,
    id: Uuid,
    disabled: bool,
) -> ServiceResult<UserSummary> {
    if id == admin.user_id && disabled {
        return Err(ServiceError::Conflict {
            code: "cannot_disable_self",
            message: "不能停用自己的账号".into(),
        });
    }
    let u = user::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let mut active = u.into_active_model();
    active.disabled = Set(disabled);
    let u = active.update(&state.db).await?;
    if disabled {
        session::Entity::delete_many()
            .filter(session::Column::UserId.eq(id))
            .exec(&state.db)
            .await?;
    }
    audit::record_or_log(
        &state.db,
        Event {
            who: admin.who(),
            action: if disabled { "user_disable" } else { "user_enable" },
            object: format!("user:{id}"),
            detail: json!({}),
            ip: None,
        },
    )
    .await;
    Ok(summary(&state.pii, &u))
}
