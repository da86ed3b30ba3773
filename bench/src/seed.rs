//! A county's history written straight into the database: submissions of
//! every bundle (all items), their work items (most completed, some open,
//! many of those overdue) and, for the statistics, what the platform
//! records beside them: the events that ended or paused each item,
//! 好差评 ratings (some voided on appeal) and cases with their answers.
//! Shared by `queue` (work items only) and `stats` (everything).

use std::collections::HashMap;

use app::domain::Date;
use app::feedback::{CaseKind, CaseStatus, Channel, RatingStatus};
use app::workflow::WorkStatus;
use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use sea_orm::ActiveValue::Set;
use sea_orm::{ConnectionTrait, DatabaseTransaction, EntityTrait, TransactionTrait};
use server::db::entities::submission::ItemCodes;
use server::db::entities::{case, case_event, rating, submission, user, work_item, work_item_event};
use server::identity::Subject;
use uuid::Uuid;

/// What to write.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// Work items to create (whole submissions: a few more at most).
    pub rows: usize,
    /// Submissions are spread over this many days before now.
    pub days: i64,
    /// Also the events, ratings and cases the statistics read.
    pub history: bool,
}

/// What was written.
#[derive(Clone, Debug, Default)]
pub struct Seeded {
    pub work_items: usize,
    pub submissions: usize,
    pub events: usize,
    pub ratings: usize,
    pub cases: usize,
    /// The department with the most open work items, and that count.
    pub busiest: (String, usize),
}

#[derive(Default)]
struct Batch {
    subs: Vec<submission::ActiveModel>,
    items: Vec<work_item::ActiveModel>,
    events: Vec<work_item_event::ActiveModel>,
    ratings: Vec<rating::ActiveModel>,
    cases: Vec<case::ActiveModel>,
    case_events: Vec<case_event::ActiveModel>,
}

impl Batch {
    fn len(&self) -> usize {
        self.items.len() + self.events.len() + self.ratings.len()
    }

    async fn write(&mut self, txn: &DatabaseTransaction) -> anyhow::Result<()> {
        async fn insert<E: EntityTrait>(
            txn: &DatabaseTransaction,
            rows: Vec<E::ActiveModel>,
        ) -> anyhow::Result<()>
        where
            E::ActiveModel: Clone,
        {
            // 1000 rows × up to 22 columns stays under both backends' limit
            // of bound parameters per statement.
            for chunk in rows.chunks(1000) {
                E::insert_many(chunk.to_vec()).exec_without_returning(txn).await?;
            }
            Ok(())
        }
        insert::<submission::Entity>(txn, std::mem::take(&mut self.subs)).await?;
        insert::<work_item::Entity>(txn, std::mem::take(&mut self.items)).await?;
        insert::<work_item_event::Entity>(txn, std::mem::take(&mut self.events)).await?;
        insert::<rating::Entity>(txn, std::mem::take(&mut self.ratings)).await?;
        insert::<case::Entity>(txn, std::mem::take(&mut self.cases)).await?;
        insert::<case_event::Entity>(txn, std::mem::take(&mut self.case_events)).await?;
        Ok(())
    }
}

/// A time `frac` of the way from `a` to `b`.
fn between(a: DateTime<Utc>, b: DateTime<Utc>, frac: f64) -> DateTime<Utc> {
    #[expect(clippy::cast_possible_truncation)]
    let secs = ((b - a).num_seconds() as f64 * frac) as i64;
    a + Duration::seconds(secs)
}

fn day_of(t: DateTime<Utc>) -> Date {
    Date::china_day_of(t.timestamp())
}

/// Writes submissions of every bundle until `o.rows` work items exist,
/// then `ANALYZE`s, as a maintained database has its statistics.
pub async fn county(state: &server::AppState, o: Options) -> anyhow::Result<Seeded> {
    let applicant = user::Entity::find()
        .one(&state.db)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no user"))?
        .id;
    let now = Utc::now();
    let mut rng = rand::rng();
    let mut open: HashMap<String, usize> = HashMap::new();
    let mut out = Seeded::default();
    let mut batch = Batch::default();
    let mut n = 0u64;
    while out.work_items < o.rows {
        for bundle in &state.catalog.bundles {
            n += 1;
            let id = Uuid::now_v7();
            // Any second of the period, so that every day (today too) has
            // work spread over its hours.
            let submitted = now - Duration::seconds(rng.random_range(0..o.days * 86_400));
            let started = day_of(submitted);
            let tracking_no = format!("Q{n:011}");
            batch.subs.push(submission::ActiveModel {
                id: Set(id),
                tracking_no: Set(tracking_no.clone()),
                bundle: Set(bundle.code.to_string()),
                catalog_version: Set(state.catalog.version.clone()),
                applicant_id: Set(applicant),
                subject: Set(Subject::Person(applicant)),
                items: Set(ItemCodes::default()),
                data_enc: Set("-".into()),
                idempotency_key: Set(None),
                payload_hash: Set(String::new()),
                submitted_at: Set(submitted),
            });
            out.submissions += 1;
            for item in &bundle.items {
                for dept in &item.departments {
                    // Most of a county's history is finished work.
                    let status = match rng.random_range(0..100) {
                        0..80 => WorkStatus::Completed,
                        80..85 => WorkStatus::Rejected,
                        85..91 => WorkStatus::Pending,
                        91..96 => WorkStatus::Accepted,
                        96..99 => WorkStatus::Waiting,
                        _ => WorkStatus::Returned,
                    };
                    let waiting = status == WorkStatus::Waiting;
                    let due_days = i32::from(item.due_days);
                    let due = (!waiting).then(|| started.add_days(i64::from(due_days) * 7 / 5));
                    if !status.is_final() {
                        *open.entry(dept.to_string()).or_default() += 1;
                    }
                    let item_id = Uuid::now_v7();
                    if o.history && status.is_final() {
                        let ended = Ended {
                            submission: id,
                            item: item_id,
                            department: dept.as_str(),
                            submitted,
                            due_days,
                            status,
                        };
                        history_of(&mut batch, &mut rng, &ended, now, applicant);
                    }
                    batch.items.push(work_item::ActiveModel {
                        id: Set(item_id),
                        submission_id: Set(id),
                        tracking_no: Set(tracking_no.clone()),
                        bundle: Set(bundle.code.to_string()),
                        submitted_at: Set(submitted),
                        item: Set(item.code.to_string()),
                        department: Set(dept.to_string()),
                        status: Set(status),
                        version: Set(1),
                        due_days: Set(due_days),
                        due_date: Set(due),
                        clock_started_on: Set((!waiting).then_some(started)),
                        paused_at: Set(None),
                        corrections: Set(None),
                        result: Set(None),
                        created_at: Set(submitted),
                        updated_at: Set(submitted),
                    });
                    out.work_items += 1;
                }
            }
        }
        if batch.len() >= 20_000 || out.work_items >= o.rows {
            out.events += batch.events.len();
            out.ratings += batch.ratings.len();
            out.cases += batch.cases.len();
            let txn = state.db.begin().await?;
            batch.write(&txn).await?;
            txn.commit().await?;
        }
    }
    match state.db.get_database_backend() {
        sea_orm::DbBackend::Postgres => state.db.execute_unprepared("VACUUM ANALYZE").await?,
        _ => state.db.execute_unprepared("ANALYZE").await?,
    };
    out.busiest = open.into_iter().max_by_key(|(_, n)| *n).unwrap_or_default();
    Ok(out)
}

/// A work item that was completed or rejected.
struct Ended<'a> {
    submission: Uuid,
    item: Uuid,
    department: &'a str,
    submitted: DateTime<Utc>,
    due_days: i32,
    status: WorkStatus,
}

/// The events of an item that ended, its rating (a third of them) and, now
/// and then, a case about it.
fn history_of(b: &mut Batch, rng: &mut impl Rng, e: &Ended<'_>, now: DateTime<Utc>, applicant: Uuid) {
    let Ended {
        submission,
        item,
        department: dept,
        submitted,
        due_days,
        status,
    } = *e;
    // Ends within 1.4 × its time limit plus a few days (some late); never
    // in the future.
    let span = i64::from(due_days) * 7 / 5 + 3;
    let mut end = submitted + Duration::seconds(rng.random_range(0..span * 86_400));
    if end > now {
        end = between(submitted, now, rng.random_range(0.0..1.0));
    }
    let mut event = |at: DateTime<Utc>, name: &str, to: WorkStatus| {
        b.events.push(work_item_event::ActiveModel {
            id: Set(Uuid::now_v7()),
            submission_id: Set(submission),
            work_item_id: Set(Some(item)),
            at: Set(at),
            actor_id: Set(None),
            actor: Set("bench".into()),
            department: Set(Some(dept.to_owned())),
            event: Set(name.to_owned()),
            from_status: Set(None),
            to_status: Set(Some(to)),
            comment: Set(None),
        });
    };
    // One in ten was returned for 补正 first; most of those were supplied.
    if rng.random_range(0..10) == 0 {
        event(between(submitted, end, 0.2), "return", WorkStatus::Returned);
        if rng.random_range(0..3) > 0 {
            event(between(submitted, end, 0.6), "supplement", WorkStatus::Pending);
        }
    }
    let name = if status == WorkStatus::Rejected {
        "reject"
    } else {
        "complete"
    };
    event(end, name, status);

    if rng.random_range(0..3) == 0 {
        let score: i16 = match rng.random_range(0..100) {
            0..55 => 5,
            55..80 => 4,
            80..90 => 3,
            90..96 => 2,
            _ => 1,
        };
        let given = between(end, now, rng.random_range(0.0..0.05));
        let voided = score <= 2 && rng.random_range(0..3) == 0;
        let updated = if voided {
            between(given, now, rng.random_range(0.0..0.1))
        } else {
            given
        };
        b.ratings.push(rating::ActiveModel {
            id: Set(Uuid::now_v7()),
            target_id: Set(item),
            submission_id: Set(submission),
            work_item_id: Set(Some(item)),
            subject: Set(Subject::Person(applicant)),
            rater_id: Set(applicant),
            department: Set(dept.to_owned()),
            score: Set(score),
            tags: Set(String::new()),
            comment_enc: Set(None),
            follow_up_enc: Set(None),
            follow_up_at: Set(None),
            channel: Set(Channel::Online),
            entered_by: Set(None),
            real_name: Set(false),
            status: Set(if voided {
                RatingStatus::Voided
            } else {
                RatingStatus::Valid
            }),
            appeal_reason: Set(None),
            review_comment: Set(None),
            case_id: Set(None),
            version: Set(1),
            created_at: Set(given),
            updated_at: Set(updated),
        });
    }

    // About one item in sixty brings a case (投诉, 咨询, …); most are
    // answered, some after their answer deadline.
    if rng.random_range(0..60) == 0 {
        let id = Uuid::now_v7();
        let kind = CaseKind::ALL[rng.random_range(0..CaseKind::ALL.len())];
        let opened = between(submitted, now, rng.random_range(0.0..0.3));
        let answer_due = day_of(opened).add_days(5);
        let answered = (rng.random_range(0..5) > 0)
            .then(|| opened + Duration::seconds(rng.random_range(0..8 * 86_400)))
            .filter(|t| *t < now);
        b.cases.push(case::ActiveModel {
            id: Set(id),
            // 32 characters at most: the first hex digit of the time goes.
            tracking_no: Set(format!("C{}", &id.simple().to_string()[1..])),
            kind: Set(kind),
            channel: Set(Channel::Hotline12345),
            status: Set(if answered.is_some() {
                CaseStatus::Answered
            } else {
                CaseStatus::Processing
            }),
            person_id: Set(Some(applicant)),
            contact_enc: Set(None),
            entered_by: Set(None),
            submission_id: Set(Some(submission)),
            work_item_id: Set(Some(item)),
            rating_id: Set(None),
            department: Set(Some(dept.to_owned())),
            description_enc: Set("-".into()),
            due_date: Set(Some(answer_due)),
            answer_due: Set(Some(answer_due)),
            escalated_at: Set(None),
            reopen_count: Set(0),
            satisfaction: Set(None),
            version: Set(1),
            created_at: Set(opened),
            updated_at: Set(answered.unwrap_or(opened)),
            closed_at: Set(None),
        });
        if let Some(at) = answered {
            b.case_events.push(case_event::ActiveModel {
                id: Set(Uuid::now_v7()),
                case_id: Set(id),
                at: Set(at),
                actor_id: Set(None),
                actor_role: Set("clerk".into()),
                actor_department: Set(Some(dept.to_owned())),
                action: Set("answer".into()),
                to_status: Set(Some(CaseStatus::Answered)),
                department: Set(None),
                comment: Set(None),
                satisfaction: Set(None),
                answer_due: Set(Some(answer_due)),
            });
        }
    }
}
