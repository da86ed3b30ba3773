//! The merged form of a bundle, prefilled for whoever asks: the person's
//! account, the current subject's profile (一企一档/一人一档) and its
//! e-certificates — never another subject's data.

use app::api::{FormDto, Role};
use app::catalog::Prefill;
use app::catalog::merge::merge;
use sea_orm::EntityTrait;
use serde_json::Value;

use super::{ServiceError, ServiceResult, profiles};
use crate::AppState;
use crate::db::entities::user;
use crate::identity::Actor;
use crate::identity::Subject;

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

/// Fills `form.prefill` (and where each value comes from) for the actor's
/// current subject. Later sources win: the account, then the profile, then
/// e-certificates for materials.
pub async fn prefill(state: &AppState, actor: &Actor, form: &mut FormDto) -> ServiceResult<()> {
    let subject = Subject::of(actor);
    let keys: Vec<String> = form.fields().map(|f| f.key.clone()).collect();
    let put = |form: &mut FormDto, key: &str, v: Value, source: &str| {
        if keys.iter().any(|k| k == key) {
            form.prefill.insert(key.to_owned(), v);
            form.prefill_sources.insert(key.to_owned(), source.to_owned());
        }
    };
    // The person's own account: 申请人 fields, whoever they act for.
    if let Some(u) = user::Entity::find_by_id(actor.user_id).one(&state.db).await? {
        let reveal = |enc: &Option<String>| enc.as_deref().and_then(|e| state.pii.decrypt(e).ok());
        let (phone, id_number) = (reveal(&u.phone_enc), reveal(&u.id_number_enc));
        for key in keys.clone() {
            let value = match state.catalog.field(&key).and_then(|f| f.prefill) {
                Some(Prefill::PersonName) => Some(u.name.clone()),
                Some(Prefill::PersonIdNumber) => id_number.clone(),
                Some(Prefill::PersonPhone) => phone.clone(),
                None => None,
            };
            if let Some(v) = value {
                put(form, &key, Value::String(v), "prefill");
            }
        }
    }
    // The subject's profile; 申请人 facts of a person come from the account above.
    for (key, (value, source, _)) in profiles::facts(state, &state.db, subject).await? {
        let account_field = state.catalog.field(&key).is_some_and(|f| f.prefill.is_some());
        if !(account_field && form.prefill.contains_key(&key)) {
            put(form, &key, value, &source);
        }
    }
    // Materials the subject holds as e-certificates.
    profiles::attach_certificates(state, &state.db, subject, form).await?;
    let held: Vec<String> = form
        .fields()
        .filter(|f| f.certificate.is_some())
        .map(|f| f.key.clone())
        .collect();
    for key in held {
        put(form, &key, Value::String("certificate".into()), "certificate");
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
