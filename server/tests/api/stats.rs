//! 效能评估: the figures follow the work, small groups are hidden, each
//! reader sees their scope, and stored days give exactly what a full
//! recount of the history gives.

use app::domain::Date;
use app::feedback::{Channel, RatingStatus};
use app::workflow::WorkStatus;
use chrono::{DateTime, Duration, Utc};
use reqwest::StatusCode;
use sea_orm::{ActiveValue::Set, EntityTrait};
use serde_json::{Value, json};
use server::db::entities::submission::ItemCodes;
use server::db::entities::{filing_measure, rating, submission, user, work_item, work_item_event};
use server::identity::Subject;
use server::services::stats::load::start_of;
use server::services::stats::store;
use uuid::Uuid;

use crate::both_backends;
use crate::feedback::{filed, finish};
use crate::helpers::{DEMO_PASSWORD, TestApp};

both_backends!(
    #[demo]
    figures_follow_the_work_and_small_groups_are_hidden,
    #[demo]
    bad_queries_are_refused_with_the_field,
    #[demo]
    stored_days_give_what_a_full_recount_gives,
    #[demo]
    the_report_holds_the_numbers_of_the_overview,
    #[demo]
    the_high_frequency_list_is_published_in_versions,
    #[demo]
    the_ranking_orders_by_volume_with_the_trend,
);

fn field_code(v: &Value) -> (Value, Value) {
    (
        v["error"]["fields"][0]["field"].clone(),
        v["error"]["fields"][0]["code"].clone(),
    )
}

fn department<'a>(o: &'a Value, code: &str) -> &'a Value {
    o["departments"]
        .as_array()
        .expect("departments")
        .iter()
        .find(|d| d["code"] == code)
        .unwrap_or_else(|| panic!("{code} in {o}"))
}

async fn figures_follow_the_work_and_small_groups_are_hidden(app: TestApp) {
    let evaluator = app.logged_in("evaluator", DEMO_PASSWORD).await;
    let health = app.logged_in("clerk-health", DEMO_PASSWORD).await;
    let police = app.logged_in("clerk-public-security", DEMO_PASSWORD).await;
    let (status, empty) = evaluator.get("/api/v1/stats/overview").await;
    assert_eq!(status, 200, "{empty}");
    assert_eq!(
        (empty["submissions"].clone(), empty["on_time_rate"].clone()),
        (json!(0), Value::Null)
    );
    assert_eq!(
        empty["trend"].as_array().map(Vec::len),
        Some(30),
        "30 days by default"
    );

    // One submission is a group of one: "<5".
    let mut filings = vec![filed(&app, "统计甲").await];
    let (_, one) = evaluator.get("/api/v1/stats/overview?bundle=newborn").await;
    assert_eq!(one["submissions"], "<5", "{one}");
    for name in ["统计乙", "统计丙", "统计丁", "统计戊"] {
        filings.push(filed(&app, name).await);
    }
    let items_each = filings[0].2["work_items"].as_array().expect("items").len();

    // 县卫健局 completes 疫苗接种证 five times and rejects one 出生医学证明;
    // each applicant rates the vaccination 4, one of them 1.
    for (i, (citizen, _, created)) in filings.iter().enumerate() {
        finish(&health, created, "vaccination-certificate", true).await;
        let item = crate::workbench::item_id(created, "vaccination-certificate");
        let score = if i == 0 { 1 } else { 4 };
        let (status, r) = citizen
            .post(
                &format!("/api/v1/work-items/{item}/rating"),
                &json!({"score": score}),
            )
            .await;
        assert_eq!(status, 201, "{r}");
    }
    finish(&health, &filings[0].2, "birth-certificate", false).await;

    let (status, o) = evaluator.get("/api/v1/stats/overview").await;
    assert_eq!(status, 200, "{o}");
    assert_eq!(o["submissions"], 5);
    assert_eq!(o["channels"][0], json!({"channel": "online", "submissions": 5}));
    assert_eq!(o["work_items"], json!(5 * items_each));
    assert_eq!(
        (o["completed"].clone(), o["rejected"].clone()),
        (json!(5), json!("<5"))
    );
    assert_eq!(o["on_time_rate"], 1.0);
    assert_eq!(o["rejection_rate"], 0.1667, "1 of 6 ended");
    assert_eq!(o["median_working_days"], 0.0);
    assert_eq!(
        (o["ratings"].clone(), o["satisfaction_rate"].clone()),
        (json!(5), json!(0.8))
    );
    let bad = o["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .find(|c| c["kind"] == "bad_rating")
        .expect("bad_rating");
    assert_eq!(bad["opened"], "<5", "the 差评 opened a case");
    let today = Date::today_china().to_string();
    let last = o["trend"].as_array().and_then(|t| t.last()).expect("trend");
    assert_eq!(last["start"], today.as_str());
    assert_eq!(
        (last["submissions"].clone(), last["ended"].clone()),
        (json!(5), json!(6))
    );
    // 四减一优: five submissions of the bundle's required items, filed
    // online as one application each.
    let newborn = app.state.catalog.bundle("newborn").expect("newborn");
    #[expect(clippy::cast_precision_loss)]
    let required = newborn.items.iter().filter(|i| !i.optional).count() as f64;
    let saving = &o["savings"][0];
    assert_eq!(
        (
            saving["code"].clone(),
            saving["submissions"].clone(),
            saving["done"].clone()
        ),
        (json!("newborn"), json!(5), json!(0)),
        "{saving}"
    );
    assert_eq!(saving["steps"]["before"], required);
    assert_eq!(saving["steps"]["after"], 1.0);
    assert_eq!(
        (
            saving["trips"]["after"].clone(),
            saving["trips"]["saved_rate"].clone()
        ),
        (json!(0.0), json!(1.0))
    );
    let fields = &saving["fields"];
    assert!(
        fields["after"].as_f64() < fields["before"].as_f64() && fields["saved"].as_f64() > Some(0.0),
        "{fields}"
    );
    assert!(saving["fields_prefilled"].as_f64() >= Some(1.0), "{saving}");
    assert_eq!(saving["days"]["after"], Value::Null, "none done yet");
    let h = department(&o, "health");
    assert_eq!(
        (h["completed"].clone(), h["name"].clone()),
        (json!(5), json!("县卫健局"))
    );

    // A clerk sees their department: 县公安局 has items of all five
    // submissions and has ended none.
    let (status, p) = police.get("/api/v1/stats/overview").await;
    assert_eq!(status, 200, "{p}");
    assert_eq!(p["department"], "public-security");
    assert_eq!(
        (p["submissions"].clone(), p["completed"].clone()),
        (json!(5), json!(0))
    );
    assert_eq!(p["departments"].as_array().map(Vec::len), Some(1));
    assert_eq!(p["savings"], json!([]), "四减一优 is bundle-wide");
    assert_eq!(
        police.get("/api/v1/stats/overview?department=health").await.0,
        403
    );

    // The lead department's bundle view, item by item.
    let (status, b) = health.get("/api/v1/stats/bundles/newborn").await;
    assert_eq!(status, 200, "{b}");
    assert_eq!(
        (b["name"].clone(), b["lead_department"].clone()),
        (json!("新生儿出生"), json!("health"))
    );
    let vaccination = b["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|i| i["code"] == "vaccination-certificate")
        .expect("vaccination item");
    assert_eq!(
        (
            vaccination["completed"].clone(),
            vaccination["satisfaction_rate"].clone(),
            vaccination["department"].clone()
        ),
        (json!(5), json!(0.8), json!("health"))
    );
    assert!(vaccination["time_limit_days"].as_u64().is_some(), "{vaccination}");
    let before = b["before"].as_array().expect("before");
    assert_eq!(before.len(), newborn.items.len());
    assert_eq!(
        (
            before[0]["steps"]["value"].clone(),
            before[0]["steps"]["derived"].clone()
        ),
        (json!(1), json!(true)),
        "{}",
        before[0]
    );
    assert_eq!(b["overview"]["savings"][0]["code"], "newborn");
    assert_eq!(police.get("/api/v1/stats/bundles/newborn").await.0, 404);

    // Nothing is overdue yet; the drill-down is empty.
    let (status, od) = evaluator.get("/api/v1/stats/overdue?bundle=newborn").await;
    assert_eq!((status, od["total"].clone()), (StatusCode::OK, json!(0)));

    // Remembered figures give way as soon as anything is recorded.
    filings.push(filed(&app, "统计己").await);
    let (_, o) = evaluator.get("/api/v1/stats/overview").await;
    assert_eq!(o["submissions"], 6, "{o}");
    let (_, o) = evaluator.get("/api/v1/stats/overview?bundle=newborn").await;
    assert_eq!(o["submissions"], 6, "{o}");

    // Stored once today is over, today reads the same.
    let before = evaluator.get("/api/v1/stats/overview").await.1;
    let tomorrow = start_of(Date::today_china().add_days(1)) + Duration::minutes(30);
    assert!(store::catch_up(&app.state, tomorrow).await.expect("catch up") >= 1);
    // Storing changes no figure, so the remembered ones would stand: set
    // them aside to read the stored day.
    app.state.stats_results.clear();
    let after = evaluator.get("/api/v1/stats/overview").await.1;
    assert_eq!(before, after);
    crate::helpers::assert_no_pii_in_logs();
}

async fn bad_queries_are_refused_with_the_field(app: TestApp) {
    let evaluator = app.logged_in("evaluator", DEMO_PASSWORD).await;
    for (query, field, code) in [
        ("from=2026-13-01", "from", "invalid_date"),
        ("to=yesterday", "to", "invalid_date"),
        ("from=2026-11-05&to=2026-11-04", "from", "after_to"),
        ("from=2020-01-01&to=2026-11-04", "from", "range_too_long"),
        ("bundle=no-such", "bundle", "unknown_bundle"),
        ("department=no-such", "department", "unknown_department"),
    ] {
        let (status, r) = evaluator.get(&format!("/api/v1/stats/overview?{query}")).await;
        assert_eq!(
            (status, field_code(&r)),
            (StatusCode::UNPROCESSABLE_ENTITY, (json!(field), json!(code))),
            "{query}"
        );
    }
    assert_eq!(evaluator.get("/api/v1/stats/bundles/no-such").await.0, 404);
    // The evaluator reads and does nothing else.
    assert_eq!(evaluator.get("/api/v1/work-items").await.0, 404);
}

/// A tiny deterministic generator (no test randomness that cannot be replayed).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }
}

/// Writes `n` work items over the `days` days before today, as if filed
/// and handled then: some completed, some rejected, some returned for
/// 补正 first, some still running and overdue, some rated.
async fn history(app: &TestApp, seed: u64, n: usize, days: i64) {
    let mut rng = Lcg(seed);
    let catalog = &app.state.catalog;
    let places: Vec<(&str, &str, &str, u16)> = catalog
        .bundles
        .iter()
        .flat_map(|b| {
            b.items.iter().map(move |i| {
                (
                    b.code.as_str(),
                    i.code.as_str(),
                    i.departments.first().map_or("", |d| d.as_str()),
                    i.due_days,
                )
            })
        })
        .collect();
    let applicant = user::Entity::find()
        .one(&app.db)
        .await
        .expect("users")
        .expect("a user")
        .id;
    let today = Date::today_china();
    let mut submissions = Vec::new();
    let mut items = Vec::new();
    let mut events = Vec::new();
    let mut ratings = Vec::new();
    let mut measures = Vec::new();
    let at = |day: Date, rng: &mut Lcg| -> DateTime<Utc> {
        #[expect(clippy::cast_possible_wrap)]
        let secs = rng.next(86_400) as i64;
        start_of(day) + Duration::seconds(secs)
    };
    for k in 0..n {
        #[expect(clippy::cast_possible_truncation)]
        let (bundle, item, department, due_days) = places[rng.next(places.len() as u64) as usize];
        #[expect(clippy::cast_possible_wrap)]
        let filed_on = today.add_days(-(1 + rng.next(days as u64) as i64));
        let submitted_at = at(filed_on, &mut rng);
        let due = catalog.calendar.add_working_days(filed_on, u32::from(due_days));
        let id = Uuid::now_v7();
        let submission = Uuid::now_v7();
        #[expect(clippy::cast_possible_wrap)]
        let end_on = filed_on.add_days(rng.next(12) as i64);
        let ending = rng.next(10);
        let status = if end_on >= today || ending >= 8 {
            WorkStatus::Accepted
        } else if ending == 0 {
            WorkStatus::Rejected
        } else {
            WorkStatus::Completed
        };
        let mut event = |t: DateTime<Utc>, name: &str, to: Option<WorkStatus>| {
            events.push(work_item_event::ActiveModel {
                id: Set(Uuid::now_v7()),
                submission_id: Set(submission),
                work_item_id: Set(Some(id)),
                at: Set(t),
                actor_id: Set(None),
                actor: Set("test".into()),
                department: Set(Some(department.to_owned())),
                event: Set(name.to_owned()),
                from_status: Set(None),
                to_status: Set(to),
                comment: Set(None),
            });
        };
        if status != WorkStatus::Accepted {
            let end = at(end_on, &mut rng).max(submitted_at);
            if rng.next(4) == 0 && end_on > filed_on {
                // Returned the day after filing (or on it), supplied later.
                event(
                    submitted_at + Duration::minutes(1),
                    "return",
                    Some(WorkStatus::Returned),
                );
                if rng.next(2) == 0 {
                    event(
                        end - Duration::minutes(1),
                        "supplement",
                        Some(WorkStatus::Pending),
                    );
                }
            }
            event(
                end,
                if status == WorkStatus::Rejected {
                    "reject"
                } else {
                    "complete"
                },
                Some(status),
            );
            if rng.next(3) == 0 {
                #[expect(clippy::cast_possible_truncation)]
                let score = 1 + rng.next(5) as i16;
                let voided = score <= 2 && rng.next(2) == 0;
                ratings.push(rating::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    target_id: Set(id),
                    submission_id: Set(submission),
                    work_item_id: Set(Some(id)),
                    subject: Set(Subject::Person(applicant)),
                    rater_id: Set(applicant),
                    department: Set(department.to_owned()),
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
                    created_at: Set(end + Duration::hours(1)),
                    updated_at: Set(end + Duration::hours(if voided { 30 } else { 1 })),
                });
            }
        }
        // What filing it measured (四减一优), made up.
        let mut small = |n: u64| i32::try_from(rng.next(n)).unwrap_or(0);
        let asked = 1 + small(4);
        measures.push(filing_measure::ActiveModel {
            submission_id: Set(submission),
            bundle: Set(bundle.to_owned()),
            submitted_at: Set(submitted_at),
            channel: Set(0),
            items: Set(1),
            steps_before: Set(1 + small(3)),
            materials_before: Set(asked + small(3)),
            materials_asked: Set(asked),
            materials_certificate: Set(small(u64::try_from(asked).unwrap_or(0) + 1)),
            fields_before: Set(8 + small(20)),
            fields_asked: Set(8),
            fields_prefilled: Set(small(5)),
            trips_before: Set(1 + small(3)),
            trips: Set(0),
            days_before: Set(i32::from(due_days)),
            legal_days_before: Set((small(2) == 0).then_some(20)),
        });
        submissions.push(submission::ActiveModel {
            id: Set(submission),
            tracking_no: Set(format!("TS{k:08}")),
            bundle: Set(bundle.to_owned()),
            catalog_version: Set(catalog.version.clone()),
            applicant_id: Set(applicant),
            subject: Set(Subject::Person(applicant)),
            items: Set(ItemCodes::default()),
            data_enc: Set("-".into()),
            idempotency_key: Set(None),
            payload_hash: Set(String::new()),
            submitted_at: Set(submitted_at),
        });
        items.push(work_item::ActiveModel {
            id: Set(id),
            submission_id: Set(submission),
            tracking_no: Set(format!("TS{k:08}")),
            bundle: Set(bundle.to_owned()),
            submitted_at: Set(submitted_at),
            item: Set(item.to_owned()),
            department: Set(department.to_owned()),
            status: Set(status),
            version: Set(1),
            due_days: Set(i32::from(due_days)),
            due_date: Set(Some(due)),
            clock_started_on: Set(Some(filed_on)),
            paused_at: Set(None),
            result: Set(None),
            corrections: Set(None),
            created_at: Set(submitted_at),
            updated_at: Set(submitted_at),
        });
    }
    for chunk in submissions.chunks(200) {
        submission::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(&app.db)
            .await
            .expect("submissions");
    }
    for chunk in items.chunks(200) {
        work_item::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(&app.db)
            .await
            .expect("items");
    }
    for chunk in events.chunks(200) {
        work_item_event::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(&app.db)
            .await
            .expect("events");
    }
    for chunk in measures.chunks(200) {
        filing_measure::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(&app.db)
            .await
            .expect("measures");
    }
    for chunk in ratings.chunks(200) {
        rating::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(&app.db)
            .await
            .expect("ratings");
    }
}

async fn stored_days_give_what_a_full_recount_gives(app: TestApp) {
    history(&app, 20_261_204, 1500, 75).await;
    let evaluator = app.logged_in("evaluator", DEMO_PASSWORD).await;
    let today = Date::today_china();
    let queries = [
        format!("from={}&to={today}", today.add_days(-80)),
        format!("from={}&to={}", today.add_days(-40), today.add_days(-3)),
        format!("from={}&to={today}&bundle=newborn", today.add_days(-80)),
        format!("from={}&to={today}&department=health", today.add_days(-80)),
    ];
    let mut recount = Vec::new();
    for q in &queries {
        let (status, o) = evaluator.get(&format!("/api/v1/stats/overview?{q}")).await;
        assert_eq!(status, 200, "{o}");
        recount.push(o);
    }
    assert!(
        recount[0]["completed"].as_u64().is_some_and(|n| n > 500),
        "{}",
        recount[0]
    );
    assert!(
        recount[0]["overdue_now"].as_u64().is_some_and(|n| n > 5),
        "{}",
        recount[0]
    );

    let savings = recount[0]["savings"].as_array().expect("savings");
    assert!(
        savings
            .iter()
            .any(|b| b["done"].as_u64() > Some(5) && b["days"]["after"].is_number()),
        "{savings:?}"
    );
    // The worker stores every finished day and month; then again nothing.
    let stored = store::catch_up(&app.state, Utc::now()).await.expect("catch up");
    assert!(stored >= 75, "{stored} periods stored");
    assert_eq!(store::catch_up(&app.state, Utc::now()).await.expect("again"), 0);
    app.state.stats_results.clear();
    for (q, expected) in queries.iter().zip(&recount) {
        let (_, o) = evaluator.get(&format!("/api/v1/stats/overview?{q}")).await;
        assert_eq!(&o, expected, "{q}");
    }
    let (_, b) = evaluator
        .get(&format!(
            "/api/v1/stats/bundles/newborn?from={}",
            today.add_days(-80)
        ))
        .await;
    assert_eq!(b["overview"], recount[2]);

    // Forgetting the store and catching up again changes nothing either.
    store::forget_all(&app.state).await.expect("forget");
    assert!(store::catch_up(&app.state, Utc::now()).await.expect("rebuild") >= 75);
    let (_, o) = evaluator
        .get(&format!("/api/v1/stats/overview?{}", queries[0]))
        .await;
    assert_eq!(o, recount[0]);
}

async fn the_report_holds_the_numbers_of_the_overview(app: TestApp) {
    use calamine::{Data, Reader, Xlsx};

    history(&app, 7, 600, 40).await;
    let evaluator = app.logged_in("evaluator", DEMO_PASSWORD).await;
    let today = Date::today_china();
    let from = today.add_days(-35);
    let q = format!("from={from}&to={today}");
    let (_, o) = evaluator.get(&format!("/api/v1/stats/overview?{q}")).await;

    let res = evaluator
        .client
        .get(evaluator.url(&format!("/api/v1/stats/report?{q}")))
        .send()
        .await
        .expect("report");
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let disposition = res.headers()["content-disposition"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(
        disposition.starts_with("attachment;") && disposition.contains("filename*=UTF-8''"),
        "{disposition}"
    );
    let bytes = res.bytes().await.expect("bytes");
    let mut book: Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).expect("xlsx");
    assert_eq!(
        book.sheet_names(),
        ["总览", "各部门", "各一件事", "四减一优", "趋势", "诉求"]
    );
    let overview = book.worksheet_range("总览").expect("总览");
    let title = overview.get_value((0, 0)).expect("title").to_string();
    assert!(
        title.starts_with("眉县效能评估报告") && title.contains(&from.to_string()),
        "{title}"
    );
    let value = |label: &str| {
        overview
            .rows()
            .find(|r| r[0] == Data::String(label.to_owned()))
            .map(|r| r[1].clone())
            .unwrap_or_else(|| panic!("{label}"))
    };
    let number = |v: &Value| Data::Float(v.as_f64().expect("number"));
    assert_eq!(value("办件量"), number(&o["submissions"]));
    assert_eq!(value("办结"), number(&o["completed"]));
    assert_eq!(value("按时办结率"), number(&o["on_time_rate"]));
    assert_eq!(value("当前逾期"), number(&o["overdue_now"]));
    let departments = book.worksheet_range("各部门").expect("各部门");
    let health = departments
        .rows()
        .find(|r| r[0] == Data::String("县卫健局".into()))
        .expect("县卫健局 row");
    assert_eq!(health[3], number(&department(&o, "health")["completed"]));
    // 四减一优: a bundle's fields before and after, as the overview says.
    let savings = book.worksheet_range("四减一优").expect("四减一优");
    let first = &o["savings"][0];
    let row = savings
        .rows()
        .find(|r| r[0] == Data::String(first["name"].as_str().expect("name").to_owned()))
        .expect("the bundle's row");
    assert_eq!(
        (row[8].clone(), row[9].clone()),
        (
            number(&first["fields"]["before"]),
            number(&first["fields"]["after"])
        )
    );

    // One view as CSV: UTF-8 with a BOM, CRLF.
    let res = evaluator
        .client
        .get(evaluator.url(&format!("/api/v1/stats/report?{q}&format=csv&sheet=departments")))
        .send()
        .await
        .expect("csv");
    assert_eq!(res.headers()["content-type"], "text/csv; charset=utf-8");
    let text = res.text().await.expect("text");
    assert!(text.starts_with("\u{feff}部门,办件量,子件,"), "{text}");
    assert!(text.contains("\r\n县卫健局,"), "{text}");

    // A month; bad forms.
    let month = format!("{:04}-{:02}", today.year(), today.month());
    let res = evaluator
        .client
        .get(evaluator.url(&format!("/api/v1/stats/report?month={month}")))
        .send()
        .await
        .expect("month");
    assert_eq!(res.status(), 200);
    for (query, field) in [
        ("month=2026-1", "month"),
        ("format=pdf", "format"),
        ("format=csv&sheet=nope", "sheet"),
        ("format=csv&sheet=items", "sheet"),
    ] {
        let (status, r) = evaluator.get(&format!("/api/v1/stats/report?{query}")).await;
        assert_eq!(
            (status, r["error"]["fields"][0]["field"].clone()),
            (StatusCode::UNPROCESSABLE_ENTITY, json!(field)),
            "{query}"
        );
    }
}

async fn the_high_frequency_list_is_published_in_versions(app: TestApp) {
    let anonymous = app.browser();
    let (status, none) = anonymous.get("/api/v1/high-frequency").await;
    assert_eq!(
        (status, none["version"].clone(), none["bundles"].clone()),
        (StatusCode::OK, Value::Null, json!([]))
    );

    let admin = app.logged_in("admin", DEMO_PASSWORD).await;
    let evaluator = app.logged_in("evaluator", DEMO_PASSWORD).await;
    let body = json!({"bundles": ["newborn", "restaurant"], "note": "2026 年第四季度"});
    assert_eq!(
        evaluator.put("/api/v1/high-frequency", &body).await.0,
        403,
        "the evaluator only reads"
    );
    let (status, r) = admin.put("/api/v1/high-frequency", &json!({"bundles": []})).await;
    assert_eq!(
        (status, field_code(&r)),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            (json!("bundles"), json!("count"))
        )
    );
    let (status, r) = admin
        .put(
            "/api/v1/high-frequency",
            &json!({"bundles": ["newborn", "nope", "newborn"]}),
        )
        .await;
    assert_eq!(status, 422);
    let fields: Vec<(Value, Value)> = r["error"]["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .map(|f| (f["field"].clone(), f["code"].clone()))
        .collect();
    assert_eq!(
        fields,
        [
            (json!("bundles[1]"), json!("unknown_bundle")),
            (json!("bundles[2]"), json!("duplicate"))
        ]
    );

    let (status, v1) = admin.put("/api/v1/high-frequency", &body).await;
    assert_eq!(status, 200, "{v1}");
    assert_eq!(v1["version"], 1);
    let codes: Vec<&str> = v1["bundles"]
        .as_array()
        .expect("bundles")
        .iter()
        .filter_map(|b| b["code"].as_str())
        .collect();
    assert_eq!(codes, ["newborn", "restaurant"], "in the published order");
    let newborn = &v1["bundles"][0];
    assert_eq!(
        (
            newborn["lead_department_name"].clone(),
            newborn["submissions"].clone()
        ),
        (json!("县卫健局"), json!(0))
    );
    assert!(
        newborn["promised_working_days"].as_u64().is_some_and(|d| d > 0),
        "{newborn}"
    );
    assert_eq!(newborn["satisfaction_rate"], Value::Null);

    let (status, _) = admin
        .put("/api/v1/high-frequency", &json!({"bundles": ["restaurant"]}))
        .await;
    assert_eq!(status, 200);
    let (_, now) = anonymous.get("/api/v1/high-frequency").await;
    assert_eq!(
        (now["version"].clone(), now["bundles"].as_array().map(Vec::len)),
        (json!(2), Some(1))
    );

    // The public page shows it, without logging in.
    let page = anonymous
        .client
        .get(anonymous.url("/high-frequency"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(page.contains("开办餐饮店") && page.contains("第 2 版"), "{page}");
}

async fn the_ranking_orders_by_volume_with_the_trend(app: TestApp) {
    history(&app, 42, 800, 60).await;
    let admin = app.logged_in("admin", DEMO_PASSWORD).await;
    let (status, _) = admin
        .put("/api/v1/high-frequency", &json!({"bundles": ["newborn"]}))
        .await;
    assert_eq!(status, 200);
    let today = Date::today_china();
    let q = format!("from={}&to={}", today.add_days(-29), today);
    let (status, r) = admin.get(&format!("/api/v1/stats/ranking?{q}")).await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(
        (r["previous_from"].clone(), r["previous_to"].clone()),
        (
            json!(today.add_days(-59).to_string()),
            json!(today.add_days(-30).to_string())
        )
    );
    let (_, o) = admin.get(&format!("/api/v1/stats/overview?{q}")).await;
    let (_, before) = admin
        .get(&format!(
            "/api/v1/stats/overview?from={}&to={}",
            today.add_days(-59),
            today.add_days(-30)
        ))
        .await;
    let bundles = r["bundles"].as_array().expect("bundles");
    // Most first, ranks rising, and each volume as the overview counts it.
    let mut last = u64::MAX;
    for (i, b) in bundles.iter().enumerate() {
        let v = b["volume"].as_u64().unwrap_or(2);
        assert!(v <= last, "{r}");
        last = v;
        assert!(b["rank"].as_u64() <= Some(i as u64 + 1), "{b}");
        let part = |o: &Value| {
            o["bundles"]
                .as_array()
                .and_then(|x| x.iter().find(|p| p["code"] == b["code"]).cloned())
                .map_or(json!(0), |p| p["submissions"].clone())
        };
        assert_eq!(
            (b["volume"].clone(), b["previous"].clone()),
            (part(&o), part(&before)),
            "{b}"
        );
        if let (Some(v), Some(p)) = (b["volume"].as_f64(), b["previous"].as_f64())
            && v >= 5.0
            && p >= 5.0
        {
            let expected = ((v / p - 1.0) * 10_000.0).round() / 10_000.0;
            assert_eq!(b["change_rate"], expected, "{b}");
        }
        assert_eq!(b["published"], b["code"] == "newborn", "{b}");
    }
    assert!(bundles.len() > 5, "{r}");
    let items = r["items"].as_array().expect("items");
    assert!(items.iter().all(|i| i["bundle"].is_string()), "{r}");
    let total: u64 = items.iter().filter_map(|i| i["volume"].as_u64()).sum();
    assert!(
        total > 0 && total <= o["work_items"].as_u64().unwrap_or(0),
        "{total}"
    );

    // A clerk ranks their own department's work.
    let health = app.logged_in("clerk-health", DEMO_PASSWORD).await;
    let (status, h) = health.get(&format!("/api/v1/stats/ranking?{q}")).await;
    assert_eq!(status, 200, "{h}");
    let newborn = app.state.catalog.bundle("newborn").expect("newborn");
    for i in h["items"].as_array().expect("items") {
        let b = app
            .state
            .catalog
            .bundle(i["bundle"].as_str().unwrap_or_default())
            .unwrap_or(newborn);
        let item = b.item(i["code"].as_str().unwrap_or_default()).expect("item");
        assert!(item.departments.iter().any(|d| d.as_str() == "health"), "{i}");
    }
}
