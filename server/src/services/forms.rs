//! The merged form of a bundle, prefilled for the person asking.

use app::api::{FormDto, Role};
use app::catalog::Prefill;
use app::catalog::merge::merge;
use sea_orm::EntityTrait;
use serde_json::Value;

use super::auth::Actor;
use super::{ServiceError, ServiceResult};
use crate::AppState;
use crate::db::entities::user;

/// Parses `?items=a,b` (empty entries ignored).
pub fn parse_items(q: Option<&str>) -> Option<Vec<String>> {
    q.map(|s| {
        s.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(ToOwned::to_owned)
            .collect()
    })
}

/// The merged form; unknown bundle → 404, unknown items → 422.
pub async fn form(
    state: &AppState,
    bundle: &str,
    items: Option<Vec<String>>,
    actor: Option<&Actor>,
) -> ServiceResult<FormDto> {
    let bundle = state.catalog.event_bundle(bundle).ok_or(ServiceError::NotFound)?;
    let mut form = merge(&state.catalog, bundle, items.as_deref()).map_err(ServiceError::Validation)?;
    if let Some(actor) = actor.filter(|a| a.role == Role::Citizen) {
        prefill(state, actor, &mut form).await?;
    }
    Ok(form)
}

/// Fills `form.prefill` with what is known about the person. Only the
/// person's own data, only for fields the form asks.
pub async fn prefill(state: &AppState, actor: &Actor, form: &mut FormDto) -> ServiceResult<()> {
    let Some(u) = user::Entity::find_by_id(actor.user_id).one(&state.db).await? else {
        return Ok(());
    };
    let reveal = |enc: &Option<String>| enc.as_deref().and_then(|e| state.pii.decrypt(e).ok());
    let (phone, id_number) = (reveal(&u.phone_enc), reveal(&u.id_number_enc));
    let keys: Vec<String> = form.fields().map(|f| f.key.clone()).collect();
    for key in keys {
        let value = match state.catalog.field(&key).and_then(|f| f.prefill) {
            Some(Prefill::PersonName) => Some(u.name.clone()),
            Some(Prefill::PersonIdNumber) => id_number.clone(),
            Some(Prefill::PersonPhone) => phone.clone(),
            None => None,
        };
        if let Some(v) = value {
            form.prefill.insert(key, Value::String(v));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn item_lists() {
        assert_eq!(super::parse_items(None), None);
        assert_eq!(super::parse_items(Some("")), Some(vec![]));
        assert_eq!(
            super::parse_items(Some(" a, ,b ")),
            Some(vec!["a".to_owned(), "b".to_owned()])
        );
    }
}
