//! 高频清单 (task 19): the county office publishes which bundles are on the
//! high-frequency list; every version is kept (who, when, which bundles)
//! and the current one is public, each bundle with its promised time and
//! its satisfaction over the last year.

use std::collections::HashMap;

use app::api::{
    Count, HighFrequencyBundle, HighFrequencyList, PublishHighFrequency, Ranked, Role, StatsQuery,
    StatsRanking,
};
use app::catalog::Bundle;
use app::domain::Date;
use chrono::Utc;
use sea_orm::{ActiveValue::Set, EntityTrait, QueryOrder};
use serde_json::json;

use super::facts::measure;
use super::figures::{MIN_GROUP, Tally, rate};
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

/// The bundles on the current list.
async fn published(state: &AppState) -> ServiceResult<Vec<String>> {
    let row = high_frequency_list::Entity::find()
        .order_by_desc(high_frequency_list::Column::Version)
        .one(&state.db)
        .await?;
    match row {
        Some(r) => serde_json::from_str(&r.bundles).map_err(|e| ServiceError::Unexpected(e.into())),
        None => Ok(Vec::new()),
    }
}

/// `volume / previous - 1`, when both are at least [`MIN_GROUP`].
fn change(volume: u64, previous: u64) -> Option<f64> {
    #[expect(clippy::cast_precision_loss)]
    (volume >= MIN_GROUP && previous >= MIN_GROUP)
        .then(|| ((volume as f64 / previous as f64 - 1.0) * 10_000.0).round() / 10_000.0)
}

/// Ranks `(key, volume, previous)` by volume, most first (ties share a
/// rank and keep their given order).
pub fn rank<K>(mut rows: Vec<(K, u64, u64)>) -> Vec<(u32, K, u64, u64)> {
    rows.sort_by_key(|r| std::cmp::Reverse(r.1));
    let mut out: Vec<(u32, K, u64, u64)> = Vec::with_capacity(rows.len());
    for (i, (k, v, p)) in rows.into_iter().enumerate() {
        let r = match out.last() {
            Some(last) if last.2 == v => last.0,
            _ => u32::try_from(i + 1).unwrap_or(u32::MAX),
        };
        out.push((r, k, v, p));
    }
    out
}

/// `GET /api/v1/stats/ranking`: bundles and items by volume in the period,
/// against the period of equal length just before (the evidence for the
/// 高频清单). Readers and scope as for the overview.
pub async fn ranking(state: &AppState, actor: &Actor, q: &StatsQuery) -> ServiceResult<StatsRanking> {
    let s = super::scope(&state.catalog, actor, q, Date::today_china())?;
    let days = s.to.days_since_epoch() - s.from.days_since_epoch() + 1;
    let (previous_from, previous_to) = (s.from.add_days(-days), s.from.add_days(-1));
    let filter = Filter {
        bundle: s.bundle.as_deref(),
        department: s.department.as_deref(),
    };
    let measures = [
        measure::SUBMISSION,
        measure::DEPARTMENT_SUBMISSION,
        measure::WORK_ITEM,
    ];
    let mut tallies: [HashMap<(&str, &str), Tally>; 2] = [HashMap::new(), HashMap::new()];
    let periods = [(s.from, s.to), (previous_from, previous_to)];
    let mut rows = Vec::new();
    for (from, to) in periods {
        rows.push(
            store::read(state, from, to, filter, Grain::Months, Some(&measures))
                .await
                .map_err(ServiceError::Unexpected)?,
        );
    }
    for (t, rows) in tallies.iter_mut().zip(&rows) {
        for (_, k, n) in rows {
            let b = k.place.bundle.as_str();
            t.entry((b, "")).or_default().add(k, *n);
            if !k.place.item.is_empty() {
                t.entry((b, k.place.item.as_str())).or_default().add(k, *n);
            }
        }
    }
    let by_department = s.department.is_some();
    let volume = |t: &Tally, item: bool| {
        if item {
            t.work_items
        } else if by_department {
            t.department_submissions.iter().sum()
        } else {
            t.submissions.iter().sum()
        }
    };
    let empty = Tally::default();
    let of = |key: (&str, &str)| {
        let [now, before] = &tallies;
        let item = !key.1.is_empty();
        (
            volume(now.get(&key).unwrap_or(&empty), item),
            volume(before.get(&key).unwrap_or(&empty), item),
        )
    };
    let on_list = published(state).await?;
    let mut bundles = Vec::new();
    let mut items = Vec::new();
    for b in &state.catalog.bundles {
        let (v, p) = of((b.code.as_str(), ""));
        if v + p > 0 {
            bundles.push((b, v, p));
        }
        for i in &b.items {
            let (v, p) = of((b.code.as_str(), i.code.as_str()));
            if v + p > 0 {
                items.push(((b, i), v, p));
            }
        }
    }
    let ranked =
        |rank: u32, code: &str, name: &str, bundle: Option<&Bundle>, v: u64, p: u64, of_bundle: &str| {
            Ranked {
                rank,
                code: code.to_owned(),
                name: name.to_owned(),
                bundle: bundle.map(|b| b.code.to_string()),
                volume: Count::of(v),
                previous: Count::of(p),
                change_rate: change(v, p),
                published: on_list.iter().any(|c| c == of_bundle),
            }
        };
    Ok(StatsRanking {
        from: s.from.to_string(),
        to: s.to.to_string(),
        previous_from: previous_from.to_string(),
        previous_to: previous_to.to_string(),
        bundles: rank(bundles)
            .into_iter()
            .map(|(r, b, v, p)| ranked(r, b.code.as_str(), &b.name, None, v, p, b.code.as_str()))
            .collect(),
        items: rank(items)
            .into_iter()
            .map(|(r, (b, i), v, p)| ranked(r, i.code.as_str(), &i.name, Some(b), v, p, b.code.as_str()))
            .collect(),
    })
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

    #[test]
    fn ranks_are_shared_by_equal_volumes() {
        let r = rank(vec![("a", 3, 0), ("b", 9, 4), ("c", 3, 1), ("d", 1, 8)]);
        let got: Vec<(u32, &str)> = r.iter().map(|x| (x.0, x.1)).collect();
        assert_eq!(got, [(1, "b"), (2, "a"), (2, "c"), (4, "d")]);
        assert_eq!(change(12, 8), Some(0.5));
        assert_eq!(change(4, 8), None);
        assert_eq!(change(5, 10), Some(-0.5));
    }
}
