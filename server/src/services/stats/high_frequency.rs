//! 高频清单 (task 19): the county office publishes which bundles are on the
//! high-frequency list; every version is kept (who, when, which bundles)
//! and the current one is public, each bundle with its promised time and
//! its satisfaction over the last year.

use std::collections::HashMap;

use app::api::{HighFrequencyBundle, HighFrequencyList, PublishHighFrequency, Role};
use app::catalog::Bundle;
use app::domain::Date;
use chrono::Utc;
use sea_orm::{ActiveValue::Set, EntityTrait, QueryOrder};
use serde_json::json;

use super::facts::measure;
use super::figures::{Tally, rate};
use super::store::{self, Filter, Grain};
use crate::AppState;
use crate::db::entities::high_frequency_list;
use crate::identity::Actor;
use crate::services::audit::{self, Event};
use crate::services::{ServiceError, ServiceResult};

/// At most this many bundles on a list.
pub const MAX_BUNDLES: usize = 50;

/// Working days from filing to the last item: an item that waits for
/// others (`depends_on`) starts when the longest of them ends.
pub fn promised_working_days(b: &Bundle) -> u32 {
    fn finish<'a>(b: &'a Bundle, code: &'a str, memo: &mut HashMap<&'a str, u32>, depth: usize) -> u32 {
        if let Some(d) = memo.get(code) {
            return *d;
        }
        let Some(item) = b.item(code) else { return 0 };
        // The catalog refuses cycles; the depth only guards against a bug.
        let before = if depth > b.items.len() {
            0
        } else {
            item.depends_on
                .iter()
                .map(|d| finish(b, d.as_str(), memo, depth + 1))
                .max()
                .unwrap_or(0)
        };
        let total = before + u32::from(item.due_days);
        memo.insert(code, total);
        total
    }
    let mut memo = HashMap::new();
    b.items
        .iter()
        .map(|i| finish(b, i.code.as_str(), &mut memo, 0))
        .max()
        .unwrap_or(0)
}

/// The current list, with each bundle's figures of the last 365 days.
pub async fn current(state: &AppState) -> ServiceResult<HighFrequencyList> {
    let Some(row) = high_frequency_list::Entity::find()
        .order_by_desc(high_frequency_list::Column::Version)
        .one(&state.db)
        .await?
    else {
        return Ok(HighFrequencyList {
            version: None,
            published_at: None,
            note: None,
            bundles: Vec::new(),
        });
    };
    let codes: Vec<String> =
        serde_json::from_str(&row.bundles).map_err(|e| ServiceError::Unexpected(e.into()))?;
    let today = Date::today_china();
    let measures = [measure::SUBMISSION, measure::RATING, measure::RATING_VOIDED];
    let rows = store::read(
        state,
        today.add_days(-364),
        today,
        Filter::default(),
        Grain::Months,
        Some(&measures),
    )
    .await
    .map_err(ServiceError::Unexpected)?;
    let mut per_bundle: HashMap<&str, Tally> = HashMap::new();
    for (_, k, n) in &rows {
        per_bundle.entry(k.place.bundle.as_str()).or_default().add(k, *n);
    }
    let empty = Tally::default();
    let bundles = codes
        .iter()
        .filter_map(|c| state.catalog.bundle(c))
        .map(|b| {
            let t = per_bundle.get(b.code.as_str()).unwrap_or(&empty);
            HighFrequencyBundle {
                code: b.code.to_string(),
                name: b.name.clone(),
                lead_department: b.lead_department.to_string(),
                lead_department_name: state
                    .catalog
                    .department(b.lead_department.as_str())
                    .map_or_else(String::new, |d| d.name.clone()),
                promised_working_days: promised_working_days(b),
                submissions: app::api::Count::of(t.submissions.iter().sum()),
                satisfaction_rate: rate(t.satisfied(), t.rated()),
            }
        })
        .collect();
    Ok(HighFrequencyList {
        version: Some(row.version),
        published_at: Some(row.published_at.to_rfc3339()),
        note: row.note,
        bundles,
    })
}

/// Publishes a new version (admins only; the evaluator only reads).
pub async fn publish(
    state: &AppState,
    actor: &Actor,
    req: PublishHighFrequency,
) -> ServiceResult<HighFrequencyList> {
    if actor.system || actor.role != Role::Admin {
        return Err(ServiceError::Forbidden {
            code: "forbidden",
            message: "只有管理员可以发布高频清单".into(),
        });
    }
    let mut errors = Vec::new();
    if req.bundles.is_empty() || req.bundles.len() > MAX_BUNDLES {
        errors.push(ServiceError::field_error(
            "bundles",
            "count",
            "请选择 1 至 50 个“一件事”",
        ));
    }
    let mut seen = std::collections::HashSet::new();
    for (i, code) in req.bundles.iter().enumerate() {
        if state.catalog.bundle(code).is_none() {
            errors.push(ServiceError::field_error(
                &format!("bundles[{i}]"),
                "unknown_bundle",
                "没有这个“一件事”",
            ));
        } else if !seen.insert(code.as_str()) {
            errors.push(ServiceError::field_error(
                &format!("bundles[{i}]"),
                "duplicate",
                "重复选择",
            ));
        }
    }
    let note = req.note.as_deref().map(str::trim).filter(|n| !n.is_empty());
    if let Some(n) = note
        && (n.chars().count() > 500 || n.chars().any(|c| c.is_control() && c != '\n'))
    {
        errors.push(ServiceError::field_error(
            "note",
            "invalid",
            "说明不超过 500 字，且不含控制字符",
        ));
    }
    if !errors.is_empty() {
        return Err(ServiceError::Validation(errors));
    }
    let txn = state.writes.begin(&state.db).await?;
    let last = high_frequency_list::Entity::find()
        .order_by_desc(high_frequency_list::Column::Version)
        .one(&txn)
        .await?
        .map_or(0, |r| r.version);
    let version = last + 1;
    // Two admins at once: the second insert of the same version fails on
    // the primary key and answers 409.
    high_frequency_list::Entity::insert(high_frequency_list::ActiveModel {
        version: Set(version),
        bundles: Set(json!(req.bundles).to_string()),
        note: Set(note.map(ToOwned::to_owned)),
        published_by: Set(actor.user_id),
        published_at: Set(Utc::now()),
    })
    .exec_without_returning(&txn)
    .await
    .map_err(|e| match e.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => ServiceError::Conflict {
            code: "version_conflict",
            message: "清单刚被他人发布，请刷新后再试".into(),
        },
        _ => e.into(),
    })?;
    txn.commit().await?;
    audit::record_or_log(
        &state.db,
        Event {
            who: actor.who(),
            action: "high_frequency_publish",
            object: format!("high_frequency:{version}"),
            detail: json!({ "bundles": req.bundles }),
            ip: None,
        },
    )
    .await;
    current(state).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waiting_items_add_up_along_the_longest_chain() {
        let catalog = crate::catalog_loader::load(&crate::config::default_catalog_dir()).expect("catalog");
        let newborn = catalog.bundle("newborn").expect("newborn");
        let due = |c: &str| u32::from(newborn.item(c).expect(c).due_days);
        // The chain 出生医学证明 → 出生登记 → 社保卡 takes 1 + 1 + 5 = 7;
        // 生育医疗费用报销 (10) runs beside it and takes longer.
        let chain =
            due("birth-certificate") + due("birth-registration") + due("newborn-social-security-card");
        assert_eq!(chain, 7);
        assert_eq!(due("childbirth-medical-reimbursement"), 10);
        assert_eq!(promised_working_days(newborn), 10);
        // Every bundle takes at least as long as its longest item.
        for b in &catalog.bundles {
            let longest_item = b.items.iter().map(|i| u32::from(i.due_days)).max().unwrap_or(0);
            assert!(promised_working_days(b) >= longest_item, "{}", b.code);
        }
    }
}
