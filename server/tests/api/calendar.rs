//! The working-day calendar as operations data: an admin enters a year's
//! 放假/调休 days at run time; due dates computed afterwards use them, due
//! dates already computed keep theirs, every version is kept and audited,
//! and another instance's entries are picked up.

use app::domain::Date;
use app::domain::calendar::{WorkCalendar, YearSource};
use chrono::Utc;
use sea_orm::{ActiveValue::Set, EntityTrait};
use serde_json::{Value, json};
use server::db::entities::calendar_year;

use crate::both_backends;
use crate::helpers::{Browser, DEMO_PASSWORD, TestApp, unique_id_number};
use crate::submissions::newborn_data;

both_backends!(
    #[demo]
    entered_days_count_for_new_due_dates_only,
    #[demo]
    versions_are_kept_checked_and_audited,
    #[demo]
    another_instances_entry_is_picked_up
);

fn day(v: &Value) -> Date {
    Date::parse(v.as_str().expect("a date")).expect("YYYY-MM-DD")
}

fn strings(days: &[Date]) -> Vec<String> {
    days.iter().map(ToString::to_string).collect()
}

/// The calendar an overview describes.
fn calendar_of(overview: &Value) -> WorkCalendar {
    let years = overview["years"]
        .as_array()
        .expect("years")
        .iter()
        .map(|y| YearSource {
            year: i32::try_from(y["year"].as_i64().expect("year")).expect("i32"),
            source: String::new(),
            holidays: y["holidays"]
                .as_array()
                .expect("holidays")
                .iter()
                .map(day)
                .collect(),
            workdays: y["workdays"]
                .as_array()
                .expect("workdays")
                .iter()
                .map(day)
                .collect(),
        })
        .collect();
    WorkCalendar::build(years).expect("a valid calendar")
}

/// The year's days as the overview has them, or none.
fn year_of(overview: &Value, year: i32) -> Option<&Value> {
    overview["years"]
        .as_array()
        .expect("years")
        .iter()
        .find(|y| y["year"] == year)
}

/// Files 新生儿出生; its id and its work items' `(item, due_date)` where
/// one is set.
async fn file_newborn(app: &TestApp) -> (uuid::Uuid, Vec<(String, Date)>) {
    let (b, _, id) = app.new_citizen("何日新").await;
    let data = b.with_uploads(newborn_data(&id, &unique_id_number())).await;
    let (status, created) = b
        .post(
            "/api/v1/submissions",
            &json!({"bundle": "newborn", "items": [], "data": data}),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().expect("id");
    let (_, detail) = b.get(&format!("/api/v1/submissions/{id}")).await;
    let items = detail["work_items"]
        .as_array()
        .expect("work items")
        .iter()
        .filter(|w| !w["due_date"].is_null())
        .map(|w| (w["item"].as_str().expect("item").to_owned(), day(&w["due_date"])))
        .collect();
    (uuid::Uuid::parse_str(id).expect("uuid"), items)
}

fn due_days(app: &TestApp, item: &str) -> u32 {
    let bundle = app.state.catalog.bundle("newborn").expect("newborn");
    u32::from(bundle.item(item).expect("item").due_days)
}

async fn admin(app: &TestApp) -> Browser {
    app.logged_in("admin", DEMO_PASSWORD).await
}

/// Five days off right after today (a holiday week in the years they fall
/// in), entered on top of what those years already have.
async fn enter_days_off_after(admin: &Browser, today: Date) {
    let (_, overview) = admin.get("/api/v1/admin/calendar").await;
    let off: Vec<Date> = (1..=5).map(|n| today.add_days(n)).collect();
    let mut years: Vec<i32> = off.iter().map(|d| d.year()).collect();
    years.dedup();
    for year in years {
        let (mut holidays, workdays, version) = match year_of(&overview, year) {
            Some(y) => (
                y["holidays"].as_array().expect("h").iter().map(day).collect(),
                y["workdays"].as_array().expect("w").iter().map(day).collect(),
                y["version"].as_i64().unwrap_or(0),
            ),
            None => (Vec::new(), Vec::new(), 0),
        };
        holidays.extend(off.iter().filter(|d| d.year() == year));
        // Worked weekend days that are now off would be both.
        let workdays: Vec<Date> = workdays.into_iter().filter(|d| !off.contains(d)).collect();
        let (status, saved) = admin
            .put(
                &format!("/api/v1/admin/calendar/{year}"),
                &json!({
                    "source": "测试：临时假期",
                    "holidays": strings(&holidays),
                    "workdays": strings(&workdays),
                    "expected_version": version,
                }),
            )
            .await;
        assert_eq!(status, 200, "{saved}");
        assert_eq!(saved["origin"], "admin");
        assert_eq!(saved["version"], version + 1);
    }
}

async fn entered_days_count_for_new_due_dates_only(app: TestApp) {
    let admin = admin(&app).await;
    let today = Date::today_china();
    let (status, before) = admin.get("/api/v1/admin/calendar").await;
    assert_eq!(status, 200, "{before}");
    assert_eq!(before["today"], today.to_string());
    assert_eq!(before["open_years"], json!([today.year(), today.year() + 1]));
    let old_calendar = calendar_of(&before);

    let (first, filed_before) = file_newborn(&app).await;
    assert!(!filed_before.is_empty());
    for (item, due) in &filed_before {
        assert_eq!(
            *due,
            old_calendar.add_working_days(today, due_days(&app, item)),
            "{item}"
        );
    }

    enter_days_off_after(&admin, today).await;
    let (_, after) = admin.get("/api/v1/admin/calendar").await;
    let new_calendar = calendar_of(&after);

    let (_, filed_after) = file_newborn(&app).await;
    let mut moved = 0;
    for (item, due) in &filed_after {
        let n = due_days(&app, item);
        assert_eq!(*due, new_calendar.add_working_days(today, n), "{item}");
        if *due != old_calendar.add_working_days(today, n) {
            moved += 1;
        }
    }
    assert!(moved > 0, "the days off moved the new due dates");

    // The first submission's dates were computed before and are kept.
    let rows = server::db::entities::work_item::Entity::find()
        .all(&app.db)
        .await
        .expect("work items");
    for (item, due) in &filed_before {
        let row = rows
            .iter()
            .find(|w| w.submission_id == first && w.item == *item)
            .expect("the item");
        assert_eq!(row.due_date, Some(*due), "{item}");
    }
}

async fn versions_are_kept_checked_and_audited(app: TestApp) {
    let admin = admin(&app).await;
    let today = Date::today_china();
    let next = today.year() + 1;
    let path = format!("/api/v1/admin/calendar/{next}");
    let new_year = format!("{next}-01-01");
    let (_, overview) = admin.get("/api/v1/admin/calendar").await;
    let this_year_known = year_of(&overview, today.year()).is_some();
    if today.month() >= 11 && year_of(&overview, next).is_none() {
        let warning = overview["warning"].as_str().expect("warned from November");
        assert!(warning.contains(&format!("{next} 年")), "{warning}");
    }

    // Each bad day is named; nothing is stored.
    let (status, refused) = admin
        .put(
            &path,
            &json!({
                "source": "国务院办公厅关于部分节假日安排的通知",
                "holidays": ["2027-02-30", format!("{}-12-31", next - 1), new_year],
                "workdays": [format!("{next}-01-01")],
            }),
        )
        .await;
    assert_eq!(status, 422, "{refused}");
    let fields: Vec<(&str, &str)> = refused["error"]["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .map(|f| {
            (
                f["field"].as_str().expect("field"),
                f["code"].as_str().expect("code"),
            )
        })
        .collect();
    assert!(fields.contains(&("holidays[0]", "invalid_date")), "{refused}");
    assert!(fields.contains(&("holidays[1]", "wrong_year")), "{refused}");
    // 1 January is a holiday and, unless it falls on a weekend, no workday.
    assert!(
        fields.contains(&("workdays[0]", "both")) || fields.contains(&("workdays[0]", "not_weekend")),
        "{refused}"
    );
    let (status, refused) = admin
        .put(
            &format!("/api/v1/admin/calendar/{}", today.year() - 1),
            &json!({"source": "x", "holidays": [format!("{}-01-01", today.year() - 1)]}),
        )
        .await;
    assert_eq!(status, 422, "{refused}");
    assert_eq!(refused["error"]["fields"][0]["code"], "year_not_open");
    let (_, none) = admin.get(&format!("{path}/versions")).await;
    assert_eq!(none, json!([]));

    // Two versions; the second must say which it started from.
    let first = json!({"source": "通知（第一版）", "holidays": [new_year], "expected_version": 0});
    let (status, v1) = admin.put(&path, &first).await;
    assert_eq!(status, 200, "{v1}");
    assert_eq!(v1["version"], 1);
    assert_eq!(v1["entered_by"], "系统管理员");
    let (status, stale) = admin.put(&path, &first).await;
    assert_eq!(status, 409, "{stale}");
    assert_eq!(stale["error"]["code"], "version_conflict");
    let second_day = format!("{next}-01-02");
    let (status, v2) = admin
        .put(
            &path,
            &json!({
                "source": "通知（更正）",
                "holidays": [new_year, second_day, new_year],
                "expected_version": 1,
            }),
        )
        .await;
    assert_eq!(status, 200, "{v2}");
    assert_eq!(v2["holidays"], json!([new_year, second_day]), "in order, once");
    let (_, versions) = admin.get(&format!("{path}/versions")).await;
    let listed: Vec<(i64, &str)> = versions
        .as_array()
        .expect("versions")
        .iter()
        .map(|v| {
            (
                v["version"].as_i64().expect("v"),
                v["source"].as_str().expect("s"),
            )
        })
        .collect();
    assert_eq!(listed, [(2, "通知（更正）"), (1, "通知（第一版）")]);

    // In use at once, and the warning about next year is gone.
    let (_, overview) = admin.get("/api/v1/admin/calendar").await;
    let entered = year_of(&overview, next).expect("entered");
    assert_eq!(entered["version"], 2);
    assert_eq!(entered["origin"], "admin");
    assert!(!app.state.catalog.calendar.is_working_day(day(&json!(second_day))));
    assert_eq!(overview["warning"].is_null(), this_year_known, "{overview}");

    // Both saves are in the audit log, with what changed.
    let (_, audit) = admin.get("/api/v1/admin/audit?limit=50").await;
    let saves: Vec<&Value> = audit["items"]
        .as_array()
        .expect("entries")
        .iter()
        .filter(|e| e["action"] == "calendar_save")
        .collect();
    assert_eq!(saves.len(), 2, "{audit}");
    assert_eq!(saves[0]["object"], format!("calendar:{next}"));
    assert_eq!(saves[0]["detail"]["version"], 2);
    assert_eq!(saves[0]["detail"]["added"], json!([format!("{second_day} 放假")]));
}

/// Another instance saved a version (a row in the shared database): this
/// one's refresh loads it.
async fn another_instances_entry_is_picked_up(app: TestApp) {
    let next = Date::today_china().year() + 1;
    // A weekday early in January that no file makes a holiday.
    let off = (4..12)
        .filter_map(|d| Date::new(next, 1, d))
        .find(|d| app.state.catalog.calendar.is_working_day(*d))
        .expect("a working day");
    let admin_id = {
        let admin = admin(&app).await;
        let (_, me) = admin.get("/api/v1/me").await;
        uuid::Uuid::parse_str(me["id"].as_str().expect("id")).expect("uuid")
    };
    calendar_year::Entity::insert(calendar_year::ActiveModel {
        year: Set(next),
        version: Set(1),
        source: Set("另一实例录入".into()),
        holidays: Set(json!([off.to_string()]).to_string()),
        workdays: Set("[]".into()),
        entered_by: Set(admin_id),
        entered_at: Set(Utc::now()),
    })
    .exec_without_returning(&app.db)
    .await
    .expect("insert");
    assert!(
        server::services::calendar::refresh(&app.state)
            .await
            .expect("refresh"),
        "reloaded"
    );
    assert!(!app.state.catalog.calendar.is_working_day(off));
    assert_eq!(
        app.state
            .catalog
            .calendar
            .snapshot()
            .year(next)
            .expect("year")
            .source,
        "另一实例录入"
    );
    assert!(
        !server::services::calendar::refresh(&app.state)
            .await
            .expect("refresh"),
        "nothing new the second time"
    );
}
