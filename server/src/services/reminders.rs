//! Reminders (催办提醒), sent by housekeeping:
//!
//! - a department's clerks, when a work item of theirs is due within
//!   [`DUE_SOON_WORKING_DAYS`] working days (`due_soon`) and when it has
//!   become overdue (`overdue`);
//! - the ★ lead department's clerks, once a working day, about every
//!   overdue item of the bundles they lead (`lead_overdue`);
//! - the applicant, when a 补正 has waited [`SUPPLEMENT_WORKING_DAYS`]
//!   working days for them (`supplement_waiting`).
//!
//! Staff reminders go out on working days only (a due date that passes on
//! a Saturday is reported on Monday); an applicant's any day. Each goes to
//! the in-app inbox and through a channel (email to staff, SMS to
//! applicants; see [`notifications::Channels`]). Each is sent once: it is
//! claimed by inserting its row in `reminders`, keyed by kind, target and
//! date, in the transaction that writes the inbox messages — a run that
//! overlaps another, or runs again after a restart, finds the row and sends
//! nothing. A due date that moves (the clock paused for a 补正) is a new
//! date and is reminded of again. Channel messages leave after the commit,
//! so a crash in between loses that email or SMS, never the inbox message.
//!
//! Messages to a department's clerks are grouped per run: one message per
//! clerk lists the items that became due (or overdue) since the last run.

use std::collections::BTreeMap;

use app::domain::Date;
use app::domain::calendar::WorkCalendar;
use app::workflow::{RUNNING_STATUSES, WorkStatus};
use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, QuerySelect,
};
use uuid::Uuid;

use super::notifications::{self, Message};
use crate::AppState;
use crate::db::entities::{reminder, submission, user, work_item};

/// Clerks are reminded when an item is due within this many working days.
pub const DUE_SOON_WORKING_DAYS: u32 = 2;
/// How far back an overdue item is still reminded of (after an outage, say);
/// older ones appear in the lead department's daily digest only.
pub const OVERDUE_LOOKBACK_DAYS: i64 = 14;
/// The applicant is reminded when a 补正 has waited this many working days.
pub const SUPPLEMENT_WORKING_DAYS: u32 = 2;
/// Returns older than this are not reminded of again.
pub const SUPPLEMENT_LOOKBACK_DAYS: i64 = 60;
/// A reminder's row is kept this long after its date; by then it can no
/// longer be due again (every look-back above is shorter).
pub const KEPT_DAYS: i64 = 90;
/// Items named in one grouped message; the rest are counted.
const LISTED: usize = 10;

/// What a reminder is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    DueSoon,
    Overdue,
    LeadOverdue,
    SupplementWaiting,
}

impl Kind {
    pub const ALL: [Kind; 4] = [
        Kind::DueSoon,
        Kind::Overdue,
        Kind::LeadOverdue,
        Kind::SupplementWaiting,
    ];

    /// The `kind` of the reminder row and of the inbox message.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::DueSoon => "due_soon",
            Self::Overdue => "overdue",
            Self::LeadOverdue => "lead_overdue",
            Self::SupplementWaiting => "supplement_waiting",
        }
    }
}

/// Which reminder a department's clerks get about an item on `today`, if
/// any: the whole rule, without the database.
pub fn clerk_reminder(
    status: WorkStatus,
    due: Option<Date>,
    today: Date,
    calendar: &WorkCalendar,
) -> Option<Kind> {
    let due = due.filter(|_| RUNNING_STATUSES.contains(&status))?;
    if !calendar.is_working_day(today) {
        None
    } else if due < today {
        (due >= today.add_days(-OVERDUE_LOOKBACK_DAYS)).then_some(Kind::Overdue)
    } else {
        (due <= calendar.add_working_days(today, DUE_SOON_WORKING_DAYS)).then_some(Kind::DueSoon)
    }
}

/// Whether the applicant is reminded on `today` of a 补正 waiting since
/// `returned_on`.
pub fn supplement_reminder(
    status: WorkStatus,
    returned_on: Date,
    today: Date,
    calendar: &WorkCalendar,
) -> bool {
    status == WorkStatus::Returned
        && returned_on >= today.add_days(-SUPPLEMENT_LOOKBACK_DAYS)
        && calendar.working_days_between(returned_on, today) >= SUPPLEMENT_WORKING_DAYS
}

/// How many reminders one run sent, by kind (an item counts once however
/// many clerks were told).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sent {
    pub due_soon: u64,
    pub overdue: u64,
    pub lead_overdue: u64,
    pub supplement_waiting: u64,
}

impl Sent {
    pub fn total(&self) -> u64 {
        self.due_soon + self.overdue + self.lead_overdue + self.supplement_waiting
    }

    fn add(&mut self, kind: Kind, n: u64) {
        match kind {
            Kind::DueSoon => self.due_soon += n,
            Kind::Overdue => self.overdue += n,
            Kind::LeadOverdue => self.lead_overdue += n,
            Kind::SupplementWaiting => self.supplement_waiting += n,
        }
    }
}

/// Sends every reminder due as of `now`.
pub async fn run(state: &AppState, now: DateTime<Utc>) -> anyhow::Result<Sent> {
    let today = Date::china_day_of(now.timestamp());
    let calendar = state.catalog.calendar.snapshot();
    let mut sent = Sent::default();
    if calendar.is_working_day(today) {
        clerks(state, &calendar, today, now, &mut sent).await?;
        lead_digests(state, today, now, &mut sent).await?;
    }
    applicants(state, &calendar, today, now, &mut sent).await?;
    if sent != Sent::default() {
        tracing::info!(
            due_soon = sent.due_soon,
            overdue = sent.overdue,
            lead_overdue = sent.lead_overdue,
            supplement_waiting = sent.supplement_waiting,
            "reminders sent"
        );
    }
    Ok(sent)
}

#[derive(Debug, FromQueryResult)]
struct Due {
    id: Uuid,
    tracking_no: String,
    bundle: String,
    item: String,
    department: String,
    status: WorkStatus,
    due_date: Option<Date>,
}

/// `due_soon` and `overdue` to the clerks of each department.
async fn clerks(
    state: &AppState,
    calendar: &WorkCalendar,
    today: Date,
    now: DateTime<Utc>,
    sent: &mut Sent,
) -> anyhow::Result<()> {
    let horizon = calendar.add_working_days(today, DUE_SOON_WORKING_DAYS);
    let rows: Vec<Due> = work_item::Entity::find()
        .select_only()
        .columns([
            work_item::Column::Id,
            work_item::Column::TrackingNo,
            work_item::Column::Bundle,
            work_item::Column::Item,
            work_item::Column::Department,
            work_item::Column::Status,
            work_item::Column::DueDate,
        ])
        .filter(work_item::Column::Status.is_in(RUNNING_STATUSES))
        .filter(work_item::Column::DueDate.gte(today.add_days(-OVERDUE_LOOKBACK_DAYS)))
        .filter(work_item::Column::DueDate.lte(horizon))
        .into_model::<Due>()
        .all(&state.db)
        .await?;
    let mut groups: BTreeMap<(String, Kind), Vec<(Due, Date)>> = BTreeMap::new();
    for d in rows {
        if let (Some(kind), Some(due)) = (clerk_reminder(d.status, d.due_date, today, calendar), d.due_date) {
            groups
                .entry((d.department.clone(), kind))
                .or_default()
                .push((d, due));
        }
    }
    for ((department, kind), items) in groups {
        let fresh = unsent(state, kind, items.iter().map(|(d, due)| (d.id.to_string(), *due))).await?;
        let items: Vec<(Due, Date)> = items
            .into_iter()
            .filter(|(d, due)| fresh.contains(&(d.id.to_string(), *due)))
            .collect();
        if items.is_empty() {
            continue;
        }
        let staff = clerks_of(state, &department).await?;
        let txn = state.writes.begin_bookkeeping(&state.db).await?;
        let mut claimed = Vec::new();
        for (d, due) in items {
            if claim(&txn, kind, &d.id.to_string(), due, staff.len(), now).await? {
                claimed.push((d, due));
            }
        }
        if claimed.is_empty() {
            continue;
        }
        let messages: Vec<Message> = staff
            .iter()
            .map(|u| clerk_message(state, kind, *u, &claimed))
            .collect();
        for m in &messages {
            notifications::write(&txn, m.clone()).await?;
        }
        txn.commit().await?;
        if staff.is_empty() {
            tracing::warn!(department, kind = kind.as_str(), "no clerk account to remind");
        }
        deliver(state, &state.channels.email, &messages).await;
        sent.add(kind, claimed.len() as u64);
    }
    Ok(())
}

fn clerk_message(state: &AppState, kind: Kind, to: Uuid, items: &[(Due, Date)]) -> Message {
    let lines: Vec<String> = items
        .iter()
        .take(LISTED)
        .map(|(d, due)| {
            let name = state
                .catalog
                .bundle(&d.bundle)
                .and_then(|b| b.item(&d.item))
                .map_or(d.item.as_str(), |i| i.name.as_str());
            match kind {
                Kind::Overdue => format!("{} {name}（应于 {due} 办结）", d.tracking_no),
                _ => format!("{} {name}（{due} 到期）", d.tracking_no),
            }
        })
        .collect();
    let more = items.len().saturating_sub(LISTED);
    let mut body = lines.join("；");
    if more > 0 {
        body.push_str(&format!("；另有 {more} 件"));
    }
    let (title, tail) = match (kind, items) {
        (Kind::Overdue, [(d, _)]) => (format!("办件 {} 已超期", d.tracking_no), "请尽快办结或说明原因。"),
        (Kind::Overdue, _) => (format!("{} 件办件已超期", items.len()), "请尽快办结或说明原因。"),
        (_, [(d, due)]) => (
            format!("办件 {} 将于 {due} 到期", d.tracking_no),
            "请在期限内办结。",
        ),
        _ => (
            format!(
                "{} 件办件将在 {DUE_SOON_WORKING_DAYS} 个工作日内到期",
                items.len()
            ),
            "请在期限内办结。",
        ),
    };
    Message {
        user_id: to,
        submission_id: None,
        work_item_id: match items {
            [(d, _)] => Some(d.id),
            _ => None,
        },
        kind: kind.as_str(),
        title,
        body: format!("{body}。{tail}"),
    }
}

/// Once a working day, each lead department hears how many items of the
/// bundles it leads are overdue, per department.
async fn lead_digests(
    state: &AppState,
    today: Date,
    now: DateTime<Utc>,
    sent: &mut Sent,
) -> anyhow::Result<()> {
    #[derive(Debug, FromQueryResult)]
    struct Late {
        bundle: String,
        department: String,
        n: i64,
    }
    let late: Vec<Late> = work_item::Entity::find()
        .select_only()
        .column(work_item::Column::Bundle)
        .column(work_item::Column::Department)
        .column_as(Expr::col(work_item::Column::Id).count(), "n")
        .filter(work_item::Column::Status.is_in(RUNNING_STATUSES))
        .filter(work_item::Column::DueDate.lt(today))
        .group_by(work_item::Column::Bundle)
        .group_by(work_item::Column::Department)
        .into_model::<Late>()
        .all(&state.db)
        .await?;
    // Lead department → (department → overdue items).
    let mut per_lead: BTreeMap<&str, BTreeMap<String, i64>> = BTreeMap::new();
    for l in &late {
        if let Some(b) = state.catalog.bundle(&l.bundle) {
            *per_lead
                .entry(b.lead_department.as_str())
                .or_default()
                .entry(l.department.clone())
                .or_default() += l.n;
        }
    }
    for (lead, by_department) in per_lead {
        if !unsent(state, Kind::LeadOverdue, [(lead.to_owned(), today)])
            .await?
            .contains(&(lead.to_owned(), today))
        {
            continue;
        }
        let staff = clerks_of(state, lead).await?;
        let total: i64 = by_department.values().sum();
        let parts: Vec<String> = by_department
            .iter()
            .map(|(d, n)| {
                let name = state
                    .catalog
                    .department(d)
                    .map_or(d.as_str(), |d| d.name.as_str());
                format!("{name} {n} 件")
            })
            .collect();
        let messages: Vec<Message> = staff
            .iter()
            .map(|u| Message {
                user_id: *u,
                submission_id: None,
                work_item_id: None,
                kind: Kind::LeadOverdue.as_str(),
                title: format!("牵头事项今日逾期 {total} 件"),
                body: format!(
                    "您牵头的“一件事”中有 {total} 个事项已超过办理时限：{}。请在牵头看板督促办理。",
                    parts.join("、")
                ),
            })
            .collect();
        let txn = state.writes.begin_bookkeeping(&state.db).await?;
        if !claim(&txn, Kind::LeadOverdue, lead, today, staff.len(), now).await? {
            continue;
        }
        for m in &messages {
            notifications::write(&txn, m.clone()).await?;
        }
        txn.commit().await?;
        deliver(state, &state.channels.email, &messages).await;
        sent.add(Kind::LeadOverdue, 1);
    }
    Ok(())
}

/// The applicant of a 补正 that has waited long enough.
async fn applicants(
    state: &AppState,
    calendar: &WorkCalendar,
    today: Date,
    now: DateTime<Utc>,
    sent: &mut Sent,
) -> anyhow::Result<()> {
    let returned = work_item::Entity::find()
        .filter(work_item::Column::Status.eq(WorkStatus::Returned))
        .filter(work_item::Column::PausedAt.gte(now - Duration::days(SUPPLEMENT_LOOKBACK_DAYS + 1)))
        .all(&state.db)
        .await?;
    let waiting: Vec<(work_item::Model, Date)> = returned
        .into_iter()
        .filter_map(|w| {
            let on = Date::china_day_of(w.paused_at?.timestamp());
            supplement_reminder(w.status, on, today, calendar).then_some((w, on))
        })
        .collect();
    let fresh = unsent(
        state,
        Kind::SupplementWaiting,
        waiting.iter().map(|(w, on)| (w.id.to_string(), *on)),
    )
    .await?;
    for (w, on) in waiting {
        if !fresh.contains(&(w.id.to_string(), on)) {
            continue;
        }
        let Some(s) = submission::Entity::find_by_id(w.submission_id)
            .one(&state.db)
            .await?
        else {
            continue;
        };
        let dept = state
            .catalog
            .department(&w.department)
            .map_or(w.department.as_str(), |d| d.name.as_str());
        let days = calendar.working_days_between(on, today);
        let message = Message {
            user_id: s.applicant_id,
            submission_id: Some(s.id),
            work_item_id: Some(w.id),
            kind: Kind::SupplementWaiting.as_str(),
            title: format!("办件 {}：补正待提交", s.tracking_no),
            body: format!(
                "{dept}于 {on} 退回补正，已等待 {days} 个工作日。补正期间办理时限暂停计算，请尽快在“我的办件”中修改后重新提交。"
            ),
        };
        let txn = state.writes.begin_bookkeeping(&state.db).await?;
        if !claim(&txn, Kind::SupplementWaiting, &w.id.to_string(), on, 1, now).await? {
            continue;
        }
        notifications::write(&txn, message.clone()).await?;
        txn.commit().await?;
        deliver(state, &state.channels.sms, std::slice::from_ref(&message)).await;
        sent.add(Kind::SupplementWaiting, 1);
    }
    Ok(())
}

/// Of `targets`, those whose reminder of `kind` has not been sent (read in
/// chunks, so that a long list stays within the database's parameters).
async fn unsent(
    state: &AppState,
    kind: Kind,
    targets: impl IntoIterator<Item = (String, Date)>,
) -> Result<std::collections::HashSet<(String, Date)>, sea_orm::DbErr> {
    let mut out: std::collections::HashSet<(String, Date)> = targets.into_iter().collect();
    let all: Vec<String> = out.iter().map(|(t, _)| t.clone()).collect();
    for chunk in all.chunks(500) {
        let done = reminder::Entity::find()
            .filter(reminder::Column::Kind.eq(kind.as_str()))
            .filter(reminder::Column::Target.is_in(chunk.iter().cloned()))
            .all(&state.db)
            .await?;
        for r in done {
            if let Ok(on) = r.on_date.parse::<Date>() {
                out.remove(&(r.target, on));
            }
        }
    }
    Ok(out)
}

/// Claims one reminder: false when another run sent it meanwhile (the
/// check-then-claim of two overlapping runs ends here, on the primary key).
pub async fn claim<C: ConnectionTrait>(
    db: &C,
    kind: Kind,
    target: &str,
    on: Date,
    recipients: usize,
    now: DateTime<Utc>,
) -> Result<bool, sea_orm::DbErr> {
    let inserted = reminder::Entity::insert(reminder::ActiveModel {
        kind: Set(kind.as_str().to_owned()),
        target: Set(target.to_owned()),
        on_date: Set(on.to_string()),
        recipients: Set(i32::try_from(recipients).unwrap_or(i32::MAX)),
        sent_at: Set(now),
    })
    .on_conflict(
        OnConflict::columns([
            reminder::Column::Kind,
            reminder::Column::Target,
            reminder::Column::OnDate,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(inserted == 1)
}

/// The enabled clerk accounts of a department.
async fn clerks_of(state: &AppState, department: &str) -> Result<Vec<Uuid>, sea_orm::DbErr> {
    user::Entity::find()
        .select_only()
        .column(user::Column::Id)
        .filter(user::Column::Role.eq(app::api::Role::Clerk))
        .filter(user::Column::Department.eq(department))
        .filter(user::Column::Disabled.eq(false))
        .into_tuple()
        .all(&state.db)
        .await
}

/// Hands committed messages to a channel, counting the outcome.
async fn deliver(state: &AppState, channel: &notifications::Channel, messages: &[Message]) {
    for m in messages {
        notifications::send(state, channel, m).await;
    }
}

/// Deletes reminder rows [`KEPT_DAYS`] past their date.
pub async fn purge<C: ConnectionTrait>(db: &C, today: Date) -> Result<u64, sea_orm::DbErr> {
    Ok(reminder::Entity::delete_many()
        .filter(reminder::Column::OnDate.lt(today.add_days(-KEPT_DAYS).to_string()))
        .exec(db)
        .await?
        .rows_affected)
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::workflow::ALL_STATUSES;

    fn d(s: &str) -> Date {
        s.parse().expect("date")
    }

    /// 2027: 春节 off 02-05..02-11 (Fri..Thu), Sunday 02-14 worked instead.
    fn calendar() -> WorkCalendar {
        WorkCalendar::build(vec![app::domain::calendar::YearSource {
            year: 2027,
            source: String::new(),
            holidays: (5..=11).map(|n| Date::new(2027, 2, n).expect("day")).collect(),
            workdays: vec![d("2027-02-14")],
        }])
        .expect("calendar")
    }

    /// Every status × due date around a Monday (2027-03-01), a Saturday and
    /// the 春节 week: which reminder the clerks get.
    #[test]
    fn clerk_reminders_table() {
        let cal = calendar();
        let monday = d("2027-03-01");
        let rows: [(&str, &str, Option<Kind>); 10] = [
            // today, due, reminder of a running item
            ("2027-03-01", "2027-03-01", Some(Kind::DueSoon)),
            ("2027-03-01", "2027-03-03", Some(Kind::DueSoon)),
            ("2027-03-01", "2027-03-04", None),
            ("2027-03-01", "2027-02-26", Some(Kind::Overdue)),
            ("2027-03-01", "2027-02-15", Some(Kind::Overdue)),
            ("2027-03-01", "2027-02-14", None),
            // A Saturday: staff are not reminded.
            ("2027-03-06", "2027-03-05", None),
            // Thursday before 春节: the next two working days are 02-12 and 02-14.
            ("2027-02-04", "2027-02-14", Some(Kind::DueSoon)),
            ("2027-02-04", "2027-02-15", None),
            // The Sunday worked instead is a working day.
            ("2027-02-14", "2027-02-12", Some(Kind::Overdue)),
        ];
        for (today, due, want) in rows {
            for status in ALL_STATUSES {
                let got = clerk_reminder(status, Some(d(due)), d(today), &cal);
                let want = want.filter(|_| RUNNING_STATUSES.contains(&status));
                assert_eq!(got, want, "{status:?} due {due} on {today}");
            }
        }
        for status in ALL_STATUSES {
            assert_eq!(
                clerk_reminder(status, None, monday, &cal),
                None,
                "{status:?} without a due date"
            );
        }
    }

    #[test]
    fn supplement_reminders_table() {
        let cal = calendar();
        let rows: [(&str, &str, bool); 6] = [
            // returned on, today, reminded
            ("2027-03-01", "2027-03-02", false),
            ("2027-03-01", "2027-03-03", true),
            // Friday → Sunday: no working day has passed.
            ("2027-03-05", "2027-03-07", false),
            ("2027-03-05", "2027-03-09", true),
            // Before 春节, the holiday week does not count.
            ("2027-02-04", "2027-02-12", false),
            ("2027-01-01", "2027-03-09", false),
        ];
        for (on, today, want) in rows {
            for status in ALL_STATUSES {
                let got = supplement_reminder(status, d(on), d(today), &cal);
                assert_eq!(
                    got,
                    want && status == WorkStatus::Returned,
                    "{status:?} returned {on}, {today}"
                );
            }
        }
    }

    #[test]
    fn kinds_are_distinct_and_fit_the_columns() {
        let names: std::collections::BTreeSet<_> = Kind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(names.len(), Kind::ALL.len());
        assert!(names.iter().all(|n| n.len() <= 32));
    }
}
