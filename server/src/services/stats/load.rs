//! Reads the history of a stretch of days (China time) from the tables the
//! platform writes anyway: "无感", nobody fills a form for the figures.
//! Every read is an index range on a time column (see the stats migration).

use std::collections::HashMap;

use app::domain::Date;
use app::feedback::{CaseKind, RatingStatus};
use app::workflow::WorkStatus;
use chrono::{DateTime, TimeZone, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use super::facts::{CaseEvent, CommitmentEvent, Ended, Filed, History, Place};
use crate::db::entities::types::CommitmentState;
use crate::db::entities::{case, case_event, commitment, rating, submission, work_item, work_item_event};

/// Ids per `IN (…)` list.
const CHUNK: usize = 500;

/// The first instant of `day` in China (UTC+8).
pub fn start_of(day: Date) -> DateTime<Utc> {
    Utc.timestamp_opt(day.days_since_epoch() * 86_400 - 8 * 3600, 0)
        .single()
        .unwrap_or_default()
}

/// `c` in `[start, end)`.
fn during(c: impl ColumnTrait, start: DateTime<Utc>, end: DateTime<Utc>) -> sea_orm::Condition {
    sea_orm::Condition::all().add(c.gte(start)).add(c.lt(end))
}

fn day_of(t: DateTime<Utc>) -> Date {
    Date::china_day_of(t.timestamp())
}

/// The history of the days `from..=to`.
pub async fn history<C: ConnectionTrait>(db: &C, from: Date, to: Date) -> Result<History, sea_orm::DbErr> {
    history_between(db, start_of(from), start_of(to.add_days(1))).await
}

/// The history of the instants `start..end`: a day read in two parts gives
/// the facts of the whole day (a submission's work items share one
/// `submitted_at`, so it is never split).
pub async fn history_between<C: ConnectionTrait>(
    db: &C,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Result<History, sea_orm::DbErr> {
    let mut h = History::default();
    if start >= end {
        return Ok(h);
    }

    let filed: Vec<(Uuid, String, String, String, DateTime<Utc>)> = work_item::Entity::find()
        .select_only()
        .columns([
            work_item::Column::SubmissionId,
            work_item::Column::Bundle,
            work_item::Column::Item,
            work_item::Column::Department,
            work_item::Column::SubmittedAt,
        ])
        .filter(during(work_item::Column::SubmittedAt, start, end))
        .into_tuple()
        .all(db)
        .await?;
    h.filed = filed
        .into_iter()
        .map(|(submission, bundle, item, department, at)| Filed {
            submission,
            on: day_of(at),
            place: Place {
                bundle,
                item,
                department,
            },
            // Every submission is filed online until 帮办代办 filing exists.
            channel: 0,
        })
        .collect();

    // Items that ended: their terminal event, the item, and its 补正 pauses.
    let ends: Vec<(Option<Uuid>, DateTime<Utc>, Option<WorkStatus>)> = work_item_event::Entity::find()
        .select_only()
        .columns([
            work_item_event::Column::WorkItemId,
            work_item_event::Column::At,
            work_item_event::Column::ToStatus,
        ])
        .filter(work_item_event::Column::ToStatus.is_in([WorkStatus::Completed, WorkStatus::Rejected]))
        .filter(during(work_item_event::Column::At, start, end))
        .into_tuple()
        .all(db)
        .await?;
    let ends: Vec<(Uuid, DateTime<Utc>, bool)> = ends
        .into_iter()
        .filter_map(|(id, at, to)| Some((id?, at, to == Some(WorkStatus::Rejected))))
        .collect();
    let completed: Vec<Uuid> = ends.iter().filter(|e| !e.2).map(|e| e.0).collect();
    h.done = super::savings::bundles_done(db, &completed, start, end).await?;
    h.filings = super::savings::filed(db, start, end).await?;
    let items = work_items(db, ends.iter().map(|e| e.0)).await?;
    let mut pauses: HashMap<Uuid, Vec<(Date, Option<Date>)>> = HashMap::new();
    for chunk in ends.chunks(CHUNK) {
        let mut events: Vec<(Option<Uuid>, DateTime<Utc>, String)> = work_item_event::Entity::find()
            .select_only()
            .columns([
                work_item_event::Column::WorkItemId,
                work_item_event::Column::At,
                work_item_event::Column::Event,
            ])
            .filter(work_item_event::Column::WorkItemId.is_in(chunk.iter().map(|e| e.0)))
            .filter(work_item_event::Column::Event.is_in(["return", "supplement"]))
            .into_tuple()
            .all(db)
            .await?;
        events.sort_by_key(|e| e.1);
        for (id, at, event) in events {
            let Some(id) = id else { continue };
            let list = pauses.entry(id).or_default();
            if event == "return" {
                list.push((day_of(at), None));
            } else if let Some(open) = list.last_mut().filter(|p| p.1.is_none()) {
                open.1 = Some(day_of(at));
            }
        }
    }
    h.ended = ends
        .into_iter()
        .filter_map(|(id, at, rejected)| {
            let w = items.get(&id)?;
            Some(Ended {
                place: w.place.clone(),
                submitted_on: day_of(w.submitted_at),
                on: day_of(at),
                rejected,
                due: w.due_date,
                pauses: pauses.remove(&id).unwrap_or_default(),
            })
        })
        .collect();

    // 容缺 告知承诺.
    let made: Vec<(Uuid, DateTime<Utc>)> = commitment::Entity::find()
        .select_only()
        .columns([commitment::Column::WorkItemId, commitment::Column::CreatedAt])
        .filter(during(commitment::Column::CreatedAt, start, end))
        .into_tuple()
        .all(db)
        .await?;
    let decided: Vec<(Uuid, Option<DateTime<Utc>>, CommitmentState)> = commitment::Entity::find()
        .select_only()
        .columns([
            commitment::Column::WorkItemId,
            commitment::Column::DecidedAt,
            commitment::Column::Status,
        ])
        .filter(during(commitment::Column::DecidedAt, start, end))
        .filter(commitment::Column::Status.is_in([CommitmentState::Fulfilled, CommitmentState::Breached]))
        .into_tuple()
        .all(db)
        .await?;
    let items = work_items(db, made.iter().map(|c| c.0).chain(decided.iter().map(|c| c.0))).await?;
    let place = |id: &Uuid| items.get(id).map(|w| w.place.clone());
    h.commitments = made
        .iter()
        .filter_map(|(id, at)| Some((day_of(*at), place(id)?, CommitmentEvent::Made)))
        .chain(decided.iter().filter_map(|(id, at, status)| {
            let what = if *status == CommitmentState::Fulfilled {
                CommitmentEvent::Fulfilled
            } else {
                CommitmentEvent::Breached
            };
            Some((day_of((*at)?), place(id)?, what))
        }))
        .collect();

    // 好差评: given in the range, and voided in the range.
    type RatingRow = (Option<Uuid>, Uuid, String, i16, DateTime<Utc>);
    let cols = [
        rating::Column::WorkItemId,
        rating::Column::SubmissionId,
        rating::Column::Department,
        rating::Column::Score,
    ];
    let given: Vec<RatingRow> = rating::Entity::find()
        .select_only()
        .columns(cols)
        .column(rating::Column::CreatedAt)
        .filter(during(rating::Column::CreatedAt, start, end))
        .into_tuple()
        .all(db)
        .await?;
    let voided: Vec<RatingRow> = rating::Entity::find()
        .select_only()
        .columns(cols)
        .column(rating::Column::UpdatedAt)
        .filter(rating::Column::Status.eq(RatingStatus::Voided))
        .filter(during(rating::Column::UpdatedAt, start, end))
        .into_tuple()
        .all(db)
        .await?;
    let rows = || {
        given
            .iter()
            .map(|r| (r, false))
            .chain(voided.iter().map(|r| (r, true)))
    };
    let places = Places::load(db, rows().map(|(r, _)| (r.0, Some(r.1)))).await?;
    h.ratings = rows()
        .map(|((item, submission, department, score, at), voided)| {
            let mut p = places.of(*item, Some(*submission));
            p.department.clone_from(department);
            (day_of(*at), p, *score, voided)
        })
        .collect();

    // Cases: opened in the range, and answered in the range.
    type CaseRow = (
        Uuid,
        CaseKind,
        Option<Uuid>,
        Option<Uuid>,
        Option<String>,
        DateTime<Utc>,
    );
    let opened: Vec<CaseRow> = case::Entity::find()
        .select_only()
        .columns([
            case::Column::Id,
            case::Column::Kind,
            case::Column::WorkItemId,
            case::Column::SubmissionId,
            case::Column::Department,
            case::Column::CreatedAt,
        ])
        .filter(during(case::Column::CreatedAt, start, end))
        .into_tuple()
        .all(db)
        .await?;
    type AnswerRow = (Uuid, DateTime<Utc>, Option<String>, Option<Date>);
    let answers: Vec<AnswerRow> = case_event::Entity::find()
        .select_only()
        .columns([
            case_event::Column::CaseId,
            case_event::Column::At,
            case_event::Column::ActorDepartment,
            case_event::Column::AnswerDue,
        ])
        .filter(case_event::Column::Action.eq("answer"))
        .filter(during(case_event::Column::At, start, end))
        .into_tuple()
        .all(db)
        .await?;
    let mut answered: HashMap<Uuid, CaseRow> = HashMap::new();
    for chunk in answers.chunks(CHUNK) {
        let rows: Vec<CaseRow> = case::Entity::find()
            .select_only()
            .columns([
                case::Column::Id,
                case::Column::Kind,
                case::Column::WorkItemId,
                case::Column::SubmissionId,
                case::Column::Department,
                case::Column::CreatedAt,
            ])
            .filter(case::Column::Id.is_in(chunk.iter().map(|a| a.0)))
            .into_tuple()
            .all(db)
            .await?;
        answered.extend(rows.into_iter().map(|r| (r.0, r)));
    }
    let places = Places::load(db, opened.iter().chain(answered.values()).map(|c| (c.2, c.3))).await?;
    let case_place = |c: &CaseRow, department: Option<&String>| {
        let mut p = places.of(c.2, c.3);
        if let Some(d) = department.or(c.4.as_ref()) {
            p.department.clone_from(d);
        }
        p
    };
    h.cases = opened
        .iter()
        .map(|c| (day_of(c.5), case_place(c, None), c.1, CaseEvent::Opened))
        .chain(answers.iter().filter_map(|(id, at, dept, due)| {
            let c = answered.get(id)?;
            let on = day_of(*at);
            let on_time = due.is_none_or(|due| on <= due);
            Some((
                on,
                case_place(c, dept.as_ref()),
                c.1,
                CaseEvent::Answered { on_time },
            ))
        }))
        .collect();
    Ok(h)
}

struct ItemRow {
    place: Place,
    submitted_at: DateTime<Utc>,
    due_date: Option<Date>,
}

async fn work_items<C: ConnectionTrait>(
    db: &C,
    ids: impl Iterator<Item = Uuid>,
) -> Result<HashMap<Uuid, ItemRow>, sea_orm::DbErr> {
    let mut ids: Vec<Uuid> = ids.collect();
    ids.sort_unstable();
    ids.dedup();
    let mut out = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(CHUNK) {
        type Row = (Uuid, String, String, String, DateTime<Utc>, Option<Date>);
        let rows: Vec<Row> = work_item::Entity::find()
            .select_only()
            .columns([
                work_item::Column::Id,
                work_item::Column::Bundle,
                work_item::Column::Item,
                work_item::Column::Department,
                work_item::Column::SubmittedAt,
                work_item::Column::DueDate,
            ])
            .filter(work_item::Column::Id.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(db)
            .await?;
        out.extend(
            rows.into_iter()
                .map(|(id, bundle, item, department, submitted_at, due_date)| {
                    (
                        id,
                        ItemRow {
                            place: Place {
                                bundle,
                                item,
                                department,
                            },
                            submitted_at,
                            due_date,
                        },
                    )
                }),
        );
    }
    Ok(out)
}

/// Where ratings and cases belong: their work item's place, else their
/// submission's bundle.
struct Places {
    items: HashMap<Uuid, ItemRow>,
    bundles: HashMap<Uuid, String>,
}

impl Places {
    async fn load<C: ConnectionTrait>(
        db: &C,
        refs: impl Iterator<Item = (Option<Uuid>, Option<Uuid>)>,
    ) -> Result<Self, sea_orm::DbErr> {
        let (items, submissions): (Vec<_>, Vec<_>) = refs.unzip();
        let items = work_items(db, items.into_iter().flatten()).await?;
        let mut ids: Vec<Uuid> = submissions.into_iter().flatten().collect();
        ids.sort_unstable();
        ids.dedup();
        let mut bundles = HashMap::new();
        for chunk in ids.chunks(CHUNK) {
            let rows: Vec<(Uuid, String)> = submission::Entity::find()
                .select_only()
                .columns([submission::Column::Id, submission::Column::Bundle])
                .filter(submission::Column::Id.is_in(chunk.iter().copied()))
                .into_tuple()
                .all(db)
                .await?;
            bundles.extend(rows);
        }
        Ok(Self { items, bundles })
    }

    fn of(&self, item: Option<Uuid>, submission: Option<Uuid>) -> Place {
        if let Some(w) = item.and_then(|i| self.items.get(&i)) {
            return w.place.clone();
        }
        let bundle = submission
            .and_then(|s| self.bundles.get(&s))
            .cloned()
            .unwrap_or_default();
        Place {
            bundle,
            ..Place::default()
        }
    }
}
