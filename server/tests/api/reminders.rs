//! Reminders (催办提醒) sent by housekeeping: clerks before a work item is
//! due and when it is overdue, the lead department daily, the applicant of
//! a waiting 补正 — each once, also when two runs overlap.

use app::domain::Date;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use server::db::entities::{reminder, work_item};
use server::services::housekeeping;
use server::services::reminders::{self, Kind, Sent};
use uuid::Uuid;

use crate::both_backends;
use crate::helpers::{Browser, CITIZEN_PASSWORD, DEMO_PASSWORD, TestApp, assert_no_pii_in_logs};
use crate::workbench::{act, filed, filed_by, item_id};

both_backends!(
    #[demo]
    clerks_and_the_lead_department_are_reminded_once,
    #[demo]
    applicants_are_reminded_of_a_waiting_supplement
);

fn day(s: &str) -> Date {
    s.parse().expect("date")
}

/// Noon in China on `d`.
fn at(d: Date) -> DateTime<Utc> {
    DateTime::from_timestamp(d.days_since_epoch() * 86_400 + 4 * 3600, 0).expect("time")
}

async fn set_due(app: &TestApp, id: &str, due: Date) {
    work_item::Entity::update_many()
        .col_expr(work_item::Column::DueDate, Expr::value(due))
        .filter(work_item::Column::Id.eq(Uuid::parse_str(id).expect("uuid")))
        .exec(&app.db)
        .await
        .expect("due date");
}

/// Every running item far from any reminder, so that only the ones a test
/// sets count.
async fn nothing_due(app: &TestApp) {
    work_item::Entity::update_many()
        .col_expr(work_item::Column::DueDate, Expr::value(day("2027-06-30")))
        .filter(work_item::Column::DueDate.is_not_null())
        .exec(&app.db)
        .await
        .expect("due dates");
}

async fn inbox(b: &Browser) -> Vec<Value> {
    let (status, n) = b.get("/api/v1/notifications?limit=100").await;
    assert_eq!(status, 200, "{n}");
    n["items"].as_array().cloned().unwrap_or_default()
}

fn of_kind<'a>(items: &'a [Value], kind: &str) -> Vec<&'a Value> {
    items.iter().filter(|n| n["kind"] == kind).collect()
}

async fn run(app: &TestApp, d: &str) -> Sent {
    housekeeping::run_once(&app.state, at(day(d)))
        .await
        .expect("housekeeping")
        .work_reminders
}

async fn clerks_and_the_lead_department_are_reminded_once(app: TestApp) {
    let (_, first) = filed(&app).await;
    let (_, second) = filed(&app).await;
    nothing_due(&app).await;
    // Monday 2026-12-14: the first certificate is due on Wednesday (two
    // working days on), the second was due on Friday.
    let soon = item_id(&first, "birth-certificate");
    let late = item_id(&second, "birth-certificate");
    set_due(&app, &soon, day("2026-12-16")).await;
    set_due(&app, &late, day("2026-12-11")).await;

    let sent = run(&app, "2026-12-14").await;
    assert_eq!(
        sent,
        Sent {
            due_soon: 1,
            overdue: 1,
            lead_overdue: 1,
            supplement_waiting: 0
        }
    );
    // The same day again, and two runs at once the next day: nothing new
    // for the items; one digest a day for the lead department (卫健局 leads
    // 新生儿出生).
    assert_eq!(run(&app, "2026-12-14").await, Sent::default());
    let (a, b) = tokio::join!(
        reminders::run(&app.state, at(day("2026-12-15"))),
        reminders::run(&app.state, at(day("2026-12-15")))
    );
    let (a, b) = (a.expect("run"), b.expect("run"));
    assert_eq!((a.total() + b.total(), a.lead_overdue + b.lead_overdue), (1, 1));
    // Whichever run read "not sent" late, its claim of the same reminder fails.
    let now = Utc::now();
    assert!(
        !reminders::claim(&app.db, Kind::LeadOverdue, "health", day("2026-12-15"), 1, now)
            .await
            .expect("claim")
    );
    assert!(
        reminders::claim(&app.db, Kind::LeadOverdue, "health", day("2026-12-31"), 1, now)
            .await
            .expect("claim")
    );
    assert!(
        !reminders::claim(&app.db, Kind::LeadOverdue, "health", day("2026-12-31"), 1, now)
            .await
            .expect("claim")
    );
    reminder::Entity::delete_many()
        .filter(reminder::Column::OnDate.eq("2026-12-31"))
        .exec(&app.db)
        .await
        .expect("delete");
    // Saturday: staff are left alone.
    assert_eq!(run(&app, "2026-12-19").await, Sent::default());

    // (Housekeeping on those days ended the sessions.)
    let health = app.logged_in("clerk-health", DEMO_PASSWORD).await;
    let items = inbox(&health).await;
    let due = of_kind(&items, "due_soon");
    assert_eq!(due.len(), 1, "{items:?}");
    assert_eq!(due[0]["work_item_id"], soon.as_str());
    let first_no = first["tracking_no"].as_str().expect("no");
    assert_eq!(due[0]["title"], format!("办件 {first_no} 将于 2026-12-16 到期"));
    assert!(
        due[0]["body"]
            .as_str()
            .is_some_and(|b| b.contains("《出生医学证明》")),
        "{due:?}"
    );
    let overdue = of_kind(&items, "overdue");
    assert_eq!(overdue.len(), 1);
    assert_eq!(overdue[0]["work_item_id"], late.as_str());
    assert!(
        overdue[0]["body"]
            .as_str()
            .is_some_and(|b| b.contains("应于 2026-12-11 办结"))
    );
    let digests = of_kind(&items, "lead_overdue");
    assert_eq!(digests.len(), 2, "Monday and Tuesday");
    assert_eq!(digests[0]["title"], "牵头事项今日逾期 1 件");
    assert!(
        digests[0]["body"]
            .as_str()
            .is_some_and(|b| b.contains("县卫健局 1 件")),
        "{digests:?}"
    );
    // The clerk's header shows them as unread; other departments got none.
    let (_, unread) = health.get("/api/v1/notifications?limit=1").await;
    assert_eq!(unread["unread"], 4);
    let police = app.logged_in("clerk-public-security", DEMO_PASSWORD).await;
    assert!(inbox(&police).await.is_empty());
    // Each message also went out by email (logged: no relay configured).
    let m = &app.state.metrics;
    assert_eq!(
        (
            m.notifications_sent("email", "due_soon"),
            m.notifications_sent("email", "overdue"),
            m.notifications_sent("email", "lead_overdue")
        ),
        (1, 1, 2)
    );

    // A due date that moves (the clock paused for a 补正) is reminded of
    // again; several items of a department become one message.
    set_due(&app, &soon, day("2026-12-17")).await;
    let third = item_id(&first, "vaccination-certificate");
    set_due(&app, &third, day("2026-12-17")).await;
    let sent = run(&app, "2026-12-16").await;
    assert_eq!((sent.due_soon, sent.overdue), (2, 0));
    let health = app.logged_in("clerk-health", DEMO_PASSWORD).await;
    let items = inbox(&health).await;
    let due = of_kind(&items, "due_soon");
    assert_eq!(due.len(), 2);
    assert_eq!(due[0]["title"], "2 件办件将在 2 个工作日内到期");
    assert!(due[0].get("work_item_id").is_none(), "{due:?}");

    // Housekeeping forgets a reminder once it could not be due again.
    assert!(reminder::Entity::find().count(&app.db).await.expect("count") >= 6);
    let report = housekeeping::run_once(&app.state, at(day("2027-03-20")))
        .await
        .expect("housekeeping");
    assert!(report.purged.reminders >= 6, "{report:?}");
    assert_eq!(
        reminder::Entity::find()
            .filter(reminder::Column::OnDate.lt("2026-12-20"))
            .count(&app.db)
            .await
            .expect("count"),
        0
    );
    assert_no_pii_in_logs();
}

async fn applicants_are_reminded_of_a_waiting_supplement(app: TestApp) {
    let (_, phone, id) = app.new_citizen("刘美丽").await;
    let created = filed_by(&app.logged_in(&phone, CITIZEN_PASSWORD).await, &id).await;
    nothing_due(&app).await;
    let health = app.logged_in("clerk-health", DEMO_PASSWORD).await;
    let cert = item_id(&created, "birth-certificate");
    assert_eq!(act(&health, &cert, json!({"action": "accept"})).await.0, 200);
    let (status, r) = act(
        &health,
        &cert,
        json!({"action": "return", "comment": "出生地点请写全称"}),
    )
    .await;
    assert_eq!(status, 200, "{r}");
    // Returned on Monday 2026-12-14.
    work_item::Entity::update_many()
        .col_expr(work_item::Column::PausedAt, Expr::value(at(day("2026-12-14"))))
        .filter(work_item::Column::Id.eq(Uuid::parse_str(&cert).expect("uuid")))
        .exec(&app.db)
        .await
        .expect("paused");

    assert_eq!(
        run(&app, "2026-12-15").await.supplement_waiting,
        0,
        "one working day"
    );
    assert_eq!(run(&app, "2026-12-16").await.supplement_waiting, 1);
    assert_eq!(run(&app, "2026-12-17").await.supplement_waiting, 0, "once");
    assert_eq!(
        app.state.metrics.notifications_sent("sms", "supplement_waiting"),
        1
    );

    // (Housekeeping on those days ended the sessions.)
    let items = inbox(&app.logged_in(&phone, CITIZEN_PASSWORD).await).await;
    let waiting = of_kind(&items, "supplement_waiting");
    assert_eq!(waiting.len(), 1, "{items:?}");
    assert_eq!(waiting[0]["submission_id"], created["id"]);
    assert_eq!(waiting[0]["work_item_id"], cert.as_str());
    assert!(
        waiting[0]["body"]
            .as_str()
            .is_some_and(|b| b.contains("已等待 2 个工作日")),
        "{waiting:?}"
    );
    // The clerks got no reminder about an item whose clock is paused.
    let health = app.logged_in("clerk-health", DEMO_PASSWORD).await;
    assert!(of_kind(&inbox(&health).await, "due_soon").is_empty());
    assert_no_pii_in_logs();
}
