//! Where a submission stands, as its applicant and staff see it: its work
//! items, the status derived from them (never stored), due dates and
//! deadline flags on the working-day calendar, and the timeline.
//!
//! Read-only and shared by `submissions` and `work_items`, which depend on it
//! and never on each other's internals.

use std::collections::HashSet;
use std::sync::Mutex;

use app::api::{SubmissionDto, SubmissionSummary, TimelineEntry, WorkItemBrief};
use app::catalog::{Bundle, Catalog};
use app::domain::Date;
use app::workflow::{ItemState, SubmissionStatus, WorkStatus, is_blocked, submission_status};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::ServiceResult;
use crate::AppState;
use crate::db::entities::{submission, work_item, work_item_event};
use crate::identity::{Actor, Subject};

/// Logs once per year that due dates fall back to weekends only.
pub fn warn_if_no_calendar(catalog: &Catalog, year: i32) {
    static WARNED: Mutex<Option<HashSet<i32>>> = Mutex::new(None);
    if catalog.calendar.has_year(year) {
        return;
    }
    if let Ok(mut w) = WARNED.lock()
        && w.get_or_insert_with(HashSet::new).insert(year)
    {
        tracing::warn!(
            year,
            "no State Council holiday calendar for this year: counting weekends only"
        );
    }
}

/// A tracking number: `MX20261129-7K3Q9P` (办件, `MX` for 眉县) or
/// `SQ20261204-…` (诉求): the prefix, the day (China time) and 6 random
/// characters from an alphabet without 0/O/1/I, so it can be read out over
/// the phone.
pub fn number(prefix: &str, today: Date) -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
    let mut rng = rand::rng();
    let tail: String = (0..6)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect();
    format!(
        "{prefix}{:04}{:02}{:02}-{tail}",
        today.year(),
        today.month(),
        today.day()
    )
}

/// The due date of an item whose clock starts on `start`.
pub fn due_date(catalog: &Catalog, start: Date, due_days: i32) -> Date {
    let due = catalog
        .calendar
        .add_working_days(start, u32::try_from(due_days).unwrap_or(0));
    warn_if_no_calendar(catalog, start.year());
    warn_if_no_calendar(catalog, due.year());
    due
}

pub async fn items_of<C: sea_orm::ConnectionTrait>(
    db: &C,
    submission: Uuid,
) -> Result<Vec<work_item::Model>, sea_orm::DbErr> {
    work_item::Entity::find()
        .filter(work_item::Column::SubmissionId.eq(submission))
        .order_by_asc(work_item::Column::Id)
        .all(db)
        .await
}

/// The dependency view of a submission's work items for the state machine.
pub fn states<'a>(bundle: Option<&'a Bundle>, items: &'a [work_item::Model]) -> Vec<ItemState<'a>> {
    items
        .iter()
        .map(|w| ItemState {
            item: w.item.as_str(),
            status: w.status,
            depends_on: bundle
                .and_then(|b| b.item(&w.item))
                .map(|i| {
                    i.depends_on
                        .iter()
                        .map(|d| d.as_str())
                        .filter(|d| items.iter().any(|x| x.item == *d))
                        .collect()
                })
                .unwrap_or_default(),
        })
        .collect()
}

pub fn status_of(bundle: Option<&Bundle>, items: &[work_item::Model]) -> SubmissionStatus {
    submission_status(&states(bundle, items))
}

/// Work items as lists show them, with deadline flags computed for `today`.
pub fn briefs(
    catalog: &Catalog,
    bundle: Option<&Bundle>,
    items: &[work_item::Model],
    today: Date,
) -> Vec<WorkItemBrief> {
    let st = states(bundle, items);
    items
        .iter()
        .enumerate()
        .map(|(n, w)| {
            let status = st[n].status;
            let blocked_by = is_blocked(&st, n).then(|| {
                st[n]
                    .depends_on
                    .iter()
                    .filter_map(|d| bundle.and_then(|b| b.item(d)))
                    .map(|i| i.name.clone())
                    .collect::<Vec<_>>()
                    .join("、")
            });
            let waiting_for = if status == WorkStatus::Waiting {
                st[n]
                    .depends_on
                    .iter()
                    .filter(|d| {
                        items
                            .iter()
                            .any(|x| x.item == **d && x.status != WorkStatus::Completed)
                    })
                    .map(|d| (*d).to_owned())
                    .collect::<HashSet<_>>()
                    .into_iter()
                    .collect::<Vec<_>>()
            } else {
                Vec::new()
            };
            let mut waiting_for = waiting_for;
            waiting_for.sort();
            brief(catalog, bundle, w, status, today, waiting_for, blocked_by)
        })
        .collect()
}

/// Overdue and due-soon flags: only while the department's clock runs.
pub fn deadline_flags(catalog: &Catalog, status: WorkStatus, due: Option<Date>, today: Date) -> (bool, bool) {
    let Some(due) = due.filter(|_| status.clock_runs()) else {
        return (false, false);
    };
    let overdue = due < today;
    let soon = !overdue && catalog.calendar.working_days_between(today, due) <= 1;
    (overdue, soon)
}

fn brief(
    catalog: &Catalog,
    bundle: Option<&Bundle>,
    w: &work_item::Model,
    status: WorkStatus,
    today: Date,
    waiting_for: Vec<String>,
    blocked_by: Option<String>,
) -> WorkItemBrief {
    let (overdue, due_soon) = deadline_flags(catalog, status, w.due_date, today);
    WorkItemBrief {
        id: w.id.to_string(),
        item: w.item.clone(),
        department: w.department.clone(),
        status,
        due_date: w.due_date.map(|d| d.to_string()),
        overdue,
        due_soon,
        item_name: bundle
            .and_then(|b| b.item(&w.item))
            .map(|i| i.name.clone())
            .unwrap_or_default(),
        department_name: catalog
            .department(&w.department)
            .map(|d| d.name.clone())
            .unwrap_or_default(),
        waiting_for,
        blocked_by,
        version: w.version,
        corrections: if status == WorkStatus::Returned {
            super::answers::corrections(catalog, w.corrections.as_deref())
        } else {
            Vec::new()
        },
    }
}

/// A submission with the answers the caller may see.
pub async fn view(
    state: &AppState,
    s: &submission::Model,
    data: Map<String, Value>,
) -> ServiceResult<SubmissionDto> {
    let items = items_of(&state.db, s.id).await?;
    let bundle = state.catalog.bundle(&s.bundle);
    let events = work_item_event::Entity::find()
        .filter(work_item_event::Column::SubmissionId.eq(s.id))
        .order_by_asc(work_item_event::Column::At)
        .order_by_asc(work_item_event::Column::Id)
        .all(&state.db)
        .await?;
    Ok(SubmissionDto {
        id: s.id.to_string(),
        tracking_no: s.tracking_no.clone(),
        bundle: s.bundle.clone(),
        bundle_name: bundle.map(|b| b.name.clone()).unwrap_or_default(),
        status: status_of(bundle, &items),
        submitted_at: s.submitted_at.to_rfc3339(),
        catalog_version: s.catalog_version.clone(),
        work_items: briefs(&state.catalog, bundle, &items, Date::today_china()),
        timeline: events.into_iter().map(|e| timeline_entry(e, &items)).collect(),
        data,
        commitments: Vec::new(),
        documents: Vec::new(),
        ratings: Vec::new(),
        cases: Vec::new(),
        supervised: !super::feedback::supervised(&state.db, &[s.id]).await?.is_empty(),
    })
}

/// Submissions with their work items, in the order given.
pub async fn summaries(
    state: &AppState,
    rows: Vec<submission::Model>,
) -> ServiceResult<Vec<SubmissionSummary>> {
    let ids: Vec<Uuid> = rows.iter().map(|s| s.id).collect();
    let all = work_item::Entity::find()
        .filter(work_item::Column::SubmissionId.is_in(ids.iter().copied()))
        .order_by_asc(work_item::Column::Id)
        .all(&state.db)
        .await?;
    let today = Date::today_china();
    let supervised = super::feedback::supervised(&state.db, &ids).await?;
    Ok(rows
        .iter()
        .map(|s| {
            let items: Vec<work_item::Model> =
                all.iter().filter(|w| w.submission_id == s.id).cloned().collect();
            let bundle = state.catalog.bundle(&s.bundle);
            SubmissionSummary {
                id: s.id.to_string(),
                tracking_no: s.tracking_no.clone(),
                bundle: s.bundle.clone(),
                bundle_name: bundle.map(|b| b.name.clone()).unwrap_or_default(),
                status: status_of(bundle, &items),
                submitted_at: s.submitted_at.to_rfc3339(),
                work_items: briefs(&state.catalog, bundle, &items, today),
                supervised: supervised.contains(&s.id),
            }
        })
        .collect())
}

/// A timeline line from an event.
pub fn timeline_entry(e: work_item_event::Model, items: &[work_item::Model]) -> TimelineEntry {
    TimelineEntry {
        at: e.at.to_rfc3339(),
        department: e.department,
        event: e.event,
        comment: e.comment,
        item: e
            .work_item_id
            .and_then(|w| items.iter().find(|i| i.id == w))
            .map(|i| i.item.clone()),
        work_item: e.work_item_id.map(|w| w.to_string()),
    }
}

/// Whether the actor may see and supplement a submission as its applicant:
/// a person's own; an enterprise's while acting for that enterprise (an agent
/// whose authorisation ended no longer sees what they filed for it).
pub fn may_act_on(actor: &Actor, s: &submission::Model) -> bool {
    match s.subject {
        Subject::Person(id) => id == actor.user_id,
        enterprise @ Subject::Enterprise(_) => actor.speaks_for(enterprise),
    }
}

pub fn decrypt_data(state: &AppState, s: &submission::Model) -> ServiceResult<Map<String, Value>> {
    Ok(serde_json::from_str(&state.pii.decrypt(&s.data_enc)?).map_err(anyhow::Error::from)?)
}
