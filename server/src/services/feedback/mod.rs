//! 好差评 and the 12345 / 办不成事 closed loop: [`ratings`] of work items
//! and submissions, and [`cases`] (诉求) that every 差评 and grievance
//! becomes, each moved only through the state machines of
//! [`app::feedback`]. What both share lives here: free-text checks, who is
//! looking, and names as each reader may see them.

pub mod cases;
pub mod ratings;

use std::collections::HashSet;

use app::api::Role;
use app::feedback::{CaseKind, CaseStatus};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use super::{ServiceError, ServiceResult};
use crate::db::entities::{case, user};
use crate::identity::Actor;

/// Trimmed text of at most `max` characters and no control characters
/// but line breaks; `None` when blank.
fn text(field: &str, value: Option<&str>, max: usize) -> ServiceResult<Option<String>> {
    let t = value.map(str::trim).filter(|t| !t.is_empty());
    if t.is_some_and(|t| t.chars().count() > max) {
        return Err(ServiceError::field(
            field,
            "too_long",
            format!("不能超过 {max} 字"),
        ));
    }
    if t.is_some_and(|t| t.chars().any(|c| c.is_control() && c != '\n')) {
        return Err(ServiceError::field(
            field,
            "invalid_characters",
            "含有不可见的控制字符，请删除后再提交",
        ));
    }
    Ok(t.map(ToOwned::to_owned))
}

/// Like [`text`], but required.
fn required(field: &str, value: Option<&str>, max: usize, what: &str) -> ServiceResult<String> {
    text(field, value, max)?.ok_or_else(|| ServiceError::field(field, "required", format!("请填写{what}")))
}

/// The county office (调度员) sees every rating and case.
fn is_dispatcher(actor: &Actor) -> bool {
    actor.role == Role::Dispatcher && !actor.system
}

/// A person's name as `reader_sees_all` allows: whole, or `张*`.
fn name_for(name: &str, whole: bool) -> String {
    if whole {
        name.to_owned()
    } else {
        app::domain::mask(name, 1, 0)
    }
}

async fn user_name<C: ConnectionTrait>(db: &C, id: Uuid) -> Result<String, sea_orm::DbErr> {
    Ok(user::Entity::find_by_id(id)
        .one(db)
        .await?
        .map(|u| u.name)
        .unwrap_or_default())
}

/// The submissions among `ids` that an open 办不成事 case is about (督办).
pub async fn supervised<C: ConnectionTrait>(db: &C, ids: &[Uuid]) -> Result<HashSet<Uuid>, sea_orm::DbErr> {
    if ids.is_empty() {
        return Ok(HashSet::new());
    }
    let rows: Vec<Option<Uuid>> = case::Entity::find()
        .select_only()
        .column(case::Column::SubmissionId)
        .filter(case::Column::SubmissionId.is_in(ids.iter().copied()))
        .filter(case::Column::Kind.eq(CaseKind::CannotGetDone))
        .filter(case::Column::Status.ne(CaseStatus::Closed))
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().flatten().collect())
}
