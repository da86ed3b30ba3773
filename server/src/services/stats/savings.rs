//! 四减一优 (减环节、减时间、减材料、减跑动): what one submission spared its
//! applicant against doing the chosen items one by one.
//!
//! The "before" of each item is catalog data with its source
//! (`Item::before`); the "after" is measured when the submission is filed
//! ([`at_filing`], kept in `filing_measures`), and, for time, when its last
//! item is completed ([`bundles_done`]).

use std::collections::{HashMap, HashSet};

use app::catalog::form::FormDto;
use app::catalog::{Bundle, FieldKind};
use app::domain::Date;
use app::workflow::WorkStatus;
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::db::entities::{filing_measure, work_item, work_item_event};

/// What filing one submission measured.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AtFiling {
    /// Index in `facts::CHANNELS`.
    pub channel: usize,
    pub items: i32,
    pub steps_before: i32,
    pub materials_before: i32,
    /// Materials the merged form asks (each once).
    pub materials_asked: i32,
    /// Of those, answered with an e-certificate (免提交).
    pub materials_certificate: i32,
    /// Fields of the chosen items' own forms, one form per item.
    pub fields_before: i32,
    /// Fields of the merged form (each once).
    pub fields_asked: i32,
    /// Of those, answered with the value the platform prefilled.
    pub fields_prefilled: i32,
    pub trips_before: i32,
    /// Trips to a counter: none online, one at a window.
    pub trips: i32,
    /// Σ 承诺时限 of the chosen items.
    pub days_before: i32,
    /// Σ 法定时限, when known for every chosen item.
    pub legal_days_before: Option<i32>,
}

impl AtFiling {
    /// Each measure by name (the `filing:<name>` facts); `None` when unknown.
    pub fn named(&self) -> [(&'static str, Option<i32>); 11] {
        [
            ("steps_before", Some(self.steps_before)),
            ("materials_before", Some(self.materials_before)),
            ("materials_asked", Some(self.materials_asked)),
            ("materials_certificate", Some(self.materials_certificate)),
            ("fields_before", Some(self.fields_before)),
            ("fields_asked", Some(self.fields_asked)),
            ("fields_prefilled", Some(self.fields_prefilled)),
            ("trips_before", Some(self.trips_before)),
            ("trips", Some(self.trips)),
            ("days_before", Some(self.days_before)),
            ("legal_days_before", self.legal_days_before),
        ]
    }
}

fn int(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// The measures of a submission of `items` of `bundle`, filed through
/// `channel` (an index in `facts::CHANNELS`) with the merged `form` (its
/// `prefill` filled for the applicant) and the checked `data`.
pub fn at_filing(
    bundle: &Bundle,
    items: &[String],
    form: &FormDto,
    data: &Map<String, Value>,
    channel: usize,
) -> AtFiling {
    let chosen: Vec<_> = items.iter().filter_map(|c| bundle.item(c)).collect();
    let sum = |f: &dyn Fn(&app::catalog::Item) -> u16| chosen.iter().map(|i| i32::from(f(i))).sum::<i32>();
    let mut m = AtFiling {
        channel,
        items: int(chosen.len()),
        steps_before: sum(&|i| i.before.steps.value),
        materials_before: sum(&|i| i.before.materials.value),
        trips_before: sum(&|i| i.before.trips.value),
        trips: i32::from(channel != 0),
        days_before: sum(&|i| i.due_days),
        legal_days_before: chosen
            .iter()
            .map(|i| i.before.legal_days.as_ref().map(|s| i32::from(s.value)))
            .sum(),
        ..AtFiling::default()
    };
    for f in form.fields() {
        let answer = data.get(&f.key);
        if f.kind == FieldKind::Material {
            m.materials_asked += 1;
            if answer.and_then(Value::as_str) == Some("certificate") {
                m.materials_certificate += 1;
            }
        } else {
            m.fields_before += int(f.used_by.len());
            m.fields_asked += 1;
            if answer.is_some() && form.prefill.get(&f.key) == answer {
                m.fields_prefilled += 1;
            }
        }
    }
    m
}

/// The row kept for a submission.
pub fn row(submission: Uuid, bundle: &str, at: DateTime<Utc>, m: &AtFiling) -> filing_measure::ActiveModel {
    use sea_orm::ActiveValue::Set;
    filing_measure::ActiveModel {
        submission_id: Set(submission),
        bundle: Set(bundle.to_owned()),
        submitted_at: Set(at),
        channel: Set(i16::try_from(m.channel).unwrap_or(0)),
        items: Set(m.items),
        steps_before: Set(m.steps_before),
        materials_before: Set(m.materials_before),
        materials_asked: Set(m.materials_asked),
        materials_certificate: Set(m.materials_certificate),
        fields_before: Set(m.fields_before),
        fields_asked: Set(m.fields_asked),
        fields_prefilled: Set(m.fields_prefilled),
        trips_before: Set(m.trips_before),
        trips: Set(m.trips),
        days_before: Set(m.days_before),
        legal_days_before: Set(m.legal_days_before),
    }
}

/// Submissions filed in `[start, end)`: (day, bundle, measures).
pub async fn filed<C: ConnectionTrait>(
    db: &C,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Result<Vec<(Date, String, AtFiling)>, sea_orm::DbErr> {
    let rows = filing_measure::Entity::find()
        .filter(filing_measure::Column::SubmittedAt.gte(start))
        .filter(filing_measure::Column::SubmittedAt.lt(end))
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            (
                Date::china_day_of(r.submitted_at.timestamp()),
                r.bundle,
                AtFiling {
                    channel: usize::try_from(r.channel).unwrap_or(0),
                    items: r.items,
                    steps_before: r.steps_before,
                    materials_before: r.materials_before,
                    materials_asked: r.materials_asked,
                    materials_certificate: r.materials_certificate,
                    fields_before: r.fields_before,
                    fields_asked: r.fields_asked,
                    fields_prefilled: r.fields_prefilled,
                    trips_before: r.trips_before,
                    trips: r.trips,
                    days_before: r.days_before,
                    legal_days_before: r.legal_days_before,
                },
            )
        })
        .collect())
}

/// A submission all of whose items were completed (办成): the day it was
/// filed and the day its last item was completed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Done {
    pub bundle: String,
    pub submitted_on: Date,
    pub on: Date,
}

/// Ids per `IN (…)` list.
const CHUNK: usize = 500;

/// The submissions done in `[start, end)`, given the work items completed
/// then (`completed`): those whose every item is completed and whose last
/// completion falls in the range.
pub async fn bundles_done<C: ConnectionTrait>(
    db: &C,
    completed: &[Uuid],
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Result<Vec<Done>, sea_orm::DbErr> {
    // The submissions of the items completed in the range…
    let mut submissions: Vec<Uuid> = Vec::new();
    for chunk in completed.chunks(CHUNK) {
        let ids: Vec<Uuid> = work_item::Entity::find()
            .select_only()
            .column(work_item::Column::SubmissionId)
            .filter(work_item::Column::Id.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(db)
            .await?;
        submissions.extend(ids);
    }
    submissions.sort_unstable();
    submissions.dedup();
    // …all their items…
    type ItemRow = (Uuid, Uuid, String, DateTime<Utc>, WorkStatus);
    let mut items: Vec<ItemRow> = Vec::new();
    for chunk in submissions.chunks(CHUNK) {
        let rows: Vec<ItemRow> = work_item::Entity::find()
            .select_only()
            .columns([
                work_item::Column::Id,
                work_item::Column::SubmissionId,
                work_item::Column::Bundle,
                work_item::Column::SubmittedAt,
                work_item::Column::Status,
            ])
            .filter(work_item::Column::SubmissionId.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(db)
            .await?;
        items.extend(rows);
    }
    let not_done: HashSet<Uuid> = items
        .iter()
        .filter(|i| i.4 != WorkStatus::Completed)
        .map(|i| i.1)
        .collect();
    items.retain(|i| !not_done.contains(&i.1));
    // …and when each was completed: the last completion must be in range.
    let mut last: HashMap<Uuid, DateTime<Utc>> = HashMap::new();
    let of: HashMap<Uuid, Uuid> = items.iter().map(|i| (i.0, i.1)).collect();
    let ids: Vec<Uuid> = items.iter().map(|i| i.0).collect();
    for chunk in ids.chunks(CHUNK) {
        let rows: Vec<(Option<Uuid>, DateTime<Utc>)> = work_item_event::Entity::find()
            .select_only()
            .columns([work_item_event::Column::WorkItemId, work_item_event::Column::At])
            .filter(work_item_event::Column::WorkItemId.is_in(chunk.iter().copied()))
            .filter(work_item_event::Column::ToStatus.eq(WorkStatus::Completed))
            .into_tuple()
            .all(db)
            .await?;
        for (item, at) in rows {
            if let Some(s) = item.and_then(|i| of.get(&i)) {
                let e = last.entry(*s).or_insert(at);
                *e = (*e).max(at);
            }
        }
    }
    let mut out: Vec<Done> = items
        .iter()
        .filter_map(|i| {
            let at = *last.get(&i.1)?;
            (start <= at && at < end).then(|| {
                let done = Done {
                    bundle: i.2.clone(),
                    submitted_on: Date::china_day_of(i.3.timestamp()),
                    on: Date::china_day_of(at.timestamp()),
                };
                (i.1, done)
            })
        })
        .collect::<HashMap<Uuid, Done>>()
        .into_values()
        .collect();
    out.sort_by(|a, b| (a.on, &a.bundle).cmp(&(b.on, &b.bundle)));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn one_submission_of_two_newborn_items() {
        let catalog = crate::catalog_loader::load(&crate::config::default_catalog_dir()).expect("catalog");
        let bundle = catalog.bundle("newborn").expect("newborn");
        let items = ["newborn-medical-insurance", "newborn-social-security-card"].map(String::from);
        // A merged form of four fields and one material; both items ask
        // for the applicant's name and phone.
        let field = |key: &str, kind: &str, used_by: &[&str]| json!({"key": key, "label": key, "kind": kind, "required": true, "used_by": used_by});
        let both = &items.each_ref().map(String::as_str)[..];
        let mut form: FormDto = serde_json::from_value(json!({
            "bundle": "newborn",
            "catalog_version": "test",
            "items": [],
            "steps": [{"key": "s", "title": "s", "fields": [
                field("applicant_name", "text", both),
                field("applicant_phone", "phone", both),
                field("household_address", "text", &["newborn-medical-insurance"]),
                field("contact_address", "text", &["newborn-social-security-card"]),
                field("newborn_photo", "material", &["newborn-social-security-card"]),
            ]}],
        }))
        .expect("form");
        // The account knows the name and a phone number; the applicant kept
        // the name and typed another number.
        form.prefill.insert("applicant_name".into(), json!("张三"));
        form.prefill
            .insert("applicant_phone".into(), json!("13800000000"));
        let data: Map<String, Value> = serde_json::from_value(json!({
            "applicant_name": "张三",
            "applicant_phone": "13900000000",
            "household_address": "眉县",
            "contact_address": "眉县",
            "newborn_photo": "certificate",
        }))
        .expect("data");
        let m = at_filing(bundle, &items, &form, &data, 0);
        // Before: 医保登记 (1 working day, no material of its own) and 社保卡
        // (5 days, a photo), one application and one trip each, six
        // fields in their two forms; after: four fields, one prefilled,
        // the photo an e-certificate.
        assert_eq!(
            m,
            AtFiling {
                channel: 0,
                items: 2,
                steps_before: 2,
                materials_before: 1,
                materials_asked: 1,
                materials_certificate: 1,
                fields_before: 6,
                fields_asked: 4,
                fields_prefilled: 1,
                trips_before: 2,
                trips: 0,
                days_before: 6,
                legal_days_before: None,
            }
        );
        // At a window, one trip.
        assert_eq!(at_filing(bundle, &items, &form, &data, 1).trips, 1);
    }

    #[test]
    fn legal_limits_add_up_only_when_every_item_has_one() {
        let catalog = crate::catalog_loader::load(&crate::config::default_catalog_dir()).expect("catalog");
        let (bundle, with_legal) = catalog
            .bundles
            .iter()
            .find_map(|b| {
                let i = b.items.iter().find(|i| i.before.legal_days.is_some())?;
                Some((b, i))
            })
            .expect("an item with a 法定时限");
        let without = bundle
            .items
            .iter()
            .find(|i| i.before.legal_days.is_none())
            .expect("an item without");
        let form: FormDto = serde_json::from_value(
            json!({"bundle": bundle.code.as_str(), "catalog_version": "test", "items": [], "steps": []}),
        )
        .expect("form");
        let m = |codes: &[&app::catalog::Item]| {
            let codes: Vec<String> = codes.iter().map(|i| i.code.to_string()).collect();
            at_filing(bundle, &codes, &form, &Map::new(), 0)
        };
        let legal = with_legal.before.legal_days.as_ref().map(|s| i32::from(s.value));
        assert_eq!(m(&[with_legal]).legal_days_before, legal);
        assert_eq!(m(&[with_legal, without]).legal_days_before, None);
    }
}
