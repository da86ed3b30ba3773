//! 好差评 and the 12345 / 办不成事 closed loop: ratings of ended items and
//! submissions, the 差评 case and its appeal, cases through dispatch,
//! answer, reopening and escalation, and overdue escalation by housekeeping.

use reqwest::StatusCode;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait, IntoActiveModel};
use serde_json::{Value, json};
use server::db::entities::case;

use crate::both_backends;
use crate::helpers::{Browser, DEMO_PASSWORD, TestApp, unique_id_number};
use crate::submissions::newborn_data;
use crate::workbench::{act, item_id, promising_marriage_certificate};

both_backends!(
    #[demo]
    ratings_are_one_per_ended_item_and_never_change,
    #[demo]
    a_bad_rating_opens_a_case_the_department_answers,
    #[demo]
    a_hotline_case_is_dispatched_answered_reopened_and_escalated,
    #[demo]
    cannot_get_done_marks_the_submission_and_bad_input_is_refused,
    #[demo]
    overdue_cases_escalate_to_the_county_office_once,
    #[demo]
    the_admin_creates_dispatchers_and_operators,
);

/// A citizen files 新生儿出生; returns their browser, phone and the submission.
pub async fn filed(app: &TestApp, name: &str) -> (Browser, String, Value) {
    let (b, phone, id) = app.new_citizen(name).await;
    let data = promising_marriage_certificate(b.with_uploads(newborn_data(&id, &unique_id_number())).await);
    let (status, created) = b
        .post(
            "/api/v1/submissions",
            &json!({"bundle": "newborn", "items": [], "data": data, "commitment_agreed": true}),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    (b, phone, created)
}

/// `clerk` accepts and then completes (or rejects) the item.
pub async fn finish(clerk: &Browser, created: &Value, item: &str, complete: bool) {
    let id = item_id(created, item);
    let (status, r) = act(clerk, &id, json!({"action": "accept"})).await;
    assert_eq!(status, 200, "{item}: {r}");
    let body = if complete {
        let result = match item {
            "birth-certificate" => Some(json!({"certificate_no": "R610326000123"})),
            "newborn-social-security-card" => Some(json!({"certificate_no": "610326-SSC-0001"})),
            _ => None,
        };
        json!({"action": "complete", "result": result})
    } else {
        json!({"action": "reject", "comment": "材料不符"})
    };
    let (status, r) = act(clerk, &id, body).await;
    assert_eq!(status, 200, "{item}: {r}");
}

/// Whether one of `b`'s notifications has `text` in its `key`.
async fn notified(b: &Browser, key: &str, text: &str) -> bool {
    let (_, n) = b.get("/api/v1/notifications?limit=50").await;
    n["items"]
        .as_array()
        .expect("items")
        .iter()
        .any(|m| m[key].as_str().is_some_and(|v| v.contains(text)))
}

fn code(v: &Value) -> Value {
    v["error"]["code"].clone()
}

fn field_code(v: &Value) -> (Value, Value) {
    (
        v["error"]["fields"][0]["field"].clone(),
        v["error"]["fields"][0]["code"].clone(),
    )
}

async fn rate(b: &Browser, path: &str, body: Value) -> (StatusCode, Value) {
    b.post(path, &body).await
}

fn days(n: u32) -> String {
    let cal = server::catalog_loader::load(&server::config::default_catalog_dir())
        .expect("catalog")
        .calendar;
    cal.add_working_days(app::domain::Date::today_china(), n)
        .to_string()
}

async fn ratings_are_one_per_ended_item_and_never_change(app: TestApp) {
    let (citizen, _, created) = filed(&app, "刘美丽").await;
    let (other, _, _) = app.new_citizen("旁人").await;
    let health = app.logged_in("clerk-health", DEMO_PASSWORD).await;
    let police = app.logged_in("clerk-public-security", DEMO_PASSWORD).await;
    let cert = item_id(&created, "birth-certificate");
    let path = format!("/api/v1/work-items/{cert}/rating");
    let submission = created["id"].as_str().expect("id");
    let whole = format!("/api/v1/submissions/{submission}/rating");

    // Not ended yet.
    let (status, r) = rate(&citizen, &path, json!({"score": 5})).await;
    assert_eq!((status, code(&r)), (StatusCode::CONFLICT, json!("not_ended")));
    finish(&health, &created, "birth-certificate", true).await;

    // Bad input, and someone else's item.
    let (status, r) = rate(&citizen, &path, json!({"score": 0})).await;
    assert_eq!(
        (status, field_code(&r)),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            (json!("score"), json!("out_of_range"))
        )
    );
    let (status, r) = rate(&citizen, &path, json!({"score": 4, "tags": ["nice"]})).await;
    assert_eq!(field_code(&r), (json!("tags"), json!("unknown_tag")), "{status}");
    let (status, r) = rate(&citizen, &path, json!({"score": 4, "comment": "长".repeat(501)})).await;
    assert_eq!(field_code(&r), (json!("comment"), json!("too_long")), "{status}");
    let (status, r) = rate(&citizen, &path, json!({"score": 4, "channel": "window"})).await;
    assert_eq!(field_code(&r), (json!("channel"), json!("invalid")), "{status}");
    assert_eq!(rate(&other, &path, json!({"score": 1})).await.0, 404);
    assert_eq!(
        rate(&police, &path, json!({"score": 5, "channel": "window"}))
            .await
            .0,
        404
    );

    // One rating; a second is refused; one 追评, never a second.
    let (status, r) = rate(
        &citizen,
        &path,
        json!({"score": 5, "tags": ["efficient", "efficient", "friendly"], "comment": "很快"}),
    )
    .await;
    assert_eq!(status, 201, "{r}");
    assert_eq!(r["score_label"], "非常满意");
    assert_eq!(r["tags"], json!(["efficient", "friendly"]));
    assert_eq!(r["department"], "health");
    assert_eq!(r["status"], "valid");
    assert_eq!(r["rater"], "刘美丽");
    assert!(r.get("case").is_none(), "a good rating opens no case: {r}");
    let rating = r["id"].as_str().expect("id").to_owned();
    let (status, again) = rate(&citizen, &path, json!({"score": 1})).await;
    assert_eq!(
        (status, code(&again)),
        (StatusCode::CONFLICT, json!("already_rated"))
    );
    let actions = format!("/api/v1/ratings/{rating}/actions");
    let (status, r) = citizen
        .post(&actions, &json!({"action": "follow_up", "comment": "证件已收到"}))
        .await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(
        (r["follow_up"].clone(), r["score"].clone()),
        (json!("证件已收到"), json!(5))
    );
    let (status, r) = citizen
        .post(&actions, &json!({"action": "follow_up", "comment": "再说一句"}))
        .await;
    assert_eq!(
        (status, code(&r)),
        (StatusCode::CONFLICT, json!("already_followed_up"))
    );
    // Only a 差评 can be appealed.
    let (status, r) = health
        .post(&actions, &json!({"action": "appeal", "comment": "误评"}))
        .await;
    assert_eq!(
        (status, code(&r)),
        (StatusCode::CONFLICT, json!("not_bad_rating"))
    );

    // The department sees its ratings, the rater masked; others' not.
    let (_, list) = health.get("/api/v1/ratings").await;
    assert_eq!(list["items"][0]["id"], rating.as_str());
    assert_eq!(list["items"][0]["rater"], "刘**");
    assert_eq!(list["items"][0]["comment"], "很快");
    assert_eq!(police.get("/api/v1/ratings").await.1["items"], json!([]));
    assert_eq!(other.get("/api/v1/ratings").await.1["items"], json!([]));

    // A window rating (一次一评), typed in by the item's own department.
    finish(&health, &created, "vaccination-certificate", true).await;
    finish(&police, &created, "birth-registration", true).await;
    let registration = item_id(&created, "birth-registration");
    let (status, r) = rate(
        &police,
        &format!("/api/v1/work-items/{registration}/rating"),
        json!({"score": 4, "channel": "window", "real_name": true}),
    )
    .await;
    assert_eq!(status, 201, "{r}");
    assert_eq!(
        (r["channel"].clone(), r["rater"].clone()),
        (json!("window"), json!("刘美丽"))
    );
    let (status, _) = rate(
        &citizen,
        &format!("/api/v1/work-items/{registration}/rating"),
        json!({"score": 3}),
    )
    .await;
    assert_eq!(status, 409, "one rating per item, whoever typed it");
    // 县卫健局 leads 新生儿出生: it reads 县公安局's rating too (实名 here).
    let (_, led) = health.get("/api/v1/ratings").await;
    let seen = led["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|x| x["department"] == "public-security")
        .cloned()
        .expect("the led bundle's rating");
    assert_eq!(seen["rater"], "刘美丽");
    assert_eq!(
        police.get("/api/v1/ratings").await.1["items"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );

    // The whole submission once every item ended.
    let (status, r) = rate(&citizen, &whole, json!({"score": 4})).await;
    assert_eq!((status, code(&r)), (StatusCode::CONFLICT, json!("not_ended")));
    let hrss = app.logged_in("clerk-hrss", DEMO_PASSWORD).await;
    let insurance = app.logged_in("clerk-medical-insurance", DEMO_PASSWORD).await;
    finish(&hrss, &created, "newborn-social-security-card", true).await;
    finish(&insurance, &created, "newborn-medical-insurance", false).await;
    let (status, r) = rate(&citizen, &whole, json!({"score": 4, "tags": ["complicated"]})).await;
    assert_eq!(status, 201, "{r}");
    assert_eq!(
        r["department"], "health",
        "the lead department answers for the whole"
    );
    assert!(r.get("work_item").is_none());
    assert_eq!(rate(&citizen, &whole, json!({"score": 4})).await.0, 409);

    // The applicant's page lists them; a notification invited the rating.
    let (_, s) = citizen.get(&format!("/api/v1/submissions/{submission}")).await;
    assert_eq!(s["ratings"].as_array().map(Vec::len), Some(3), "{s}");
    assert!(notified(&citizen, "kind", "rate").await);
}

async fn a_bad_rating_opens_a_case_the_department_answers(app: TestApp) {
    let (citizen, _, created) = filed(&app, "刘美丽").await;
    let health = app.logged_in("clerk-health", DEMO_PASSWORD).await;
    let dispatcher = app.logged_in("dispatcher", DEMO_PASSWORD).await;
    finish(&health, &created, "vaccination-certificate", true).await;
    let vaccination = item_id(&created, "vaccination-certificate");
    let (status, r) = rate(
        &citizen,
        &format!("/api/v1/work-items/{vaccination}/rating"),
        json!({"score": 1, "tags": ["repeated_visits"], "comment": "跑了三次才办成"}),
    )
    .await;
    assert_eq!(status, 201, "{r}");
    let rating = r["id"].as_str().expect("id").to_owned();
    let case = r["case"].as_str().expect("a 差评 opens a case").to_owned();

    // The case is 县卫健局's at once, with the 回访 and 整改 deadlines.
    let (status, c) = health.get(&format!("/api/v1/cases/{case}")).await;
    assert_eq!(status, 200, "{c}");
    assert_eq!(c["kind"], "bad_rating");
    assert_eq!(c["status"], "assigned");
    assert_eq!(c["department"], "health");
    assert_eq!(c["rating"], rating.as_str());
    assert_eq!(c["person"], "刘**", "masked for the department");
    assert_eq!(c["due_date"], days(1));
    assert_eq!(c["answer_due"], days(15));
    assert!(
        c["description"]
            .as_str()
            .expect("description")
            .contains("跑了三次才办成")
    );
    assert_eq!(c["actions"], json!(["contact", "return", "answer"]));
    let (_, q) = health.get("/api/v1/cases").await;
    assert_eq!(q["items"][0]["id"], case.as_str());

    // 回访, then 整改 answer; the person is told and confirms.
    let path = format!("/api/v1/cases/{case}/actions");
    let (status, r) = health.post(&path, &json!({"action": "contact"})).await;
    assert_eq!(
        (status, field_code(&r)),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            (json!("comment"), json!("required"))
        )
    );
    let (status, r) = health
        .post(
            &path,
            &json!({"action": "contact", "comment": "已电话回访，情况属实", "version": 1}),
        )
        .await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["status"], "processing");
    assert_eq!(r["due_date"], days(15));
    let (status, r) = health
        .post(&path, &json!({"action": "answer", "comment": "x", "version": 1}))
        .await;
    assert_eq!(
        (status, code(&r)),
        (StatusCode::CONFLICT, json!("version_conflict"))
    );
    let (status, r) = citizen
        .post(&path, &json!({"action": "answer", "comment": "x"}))
        .await;
    assert_eq!((status, code(&r)), (StatusCode::FORBIDDEN, json!("not_allowed")));
    let (status, r) = health
        .post(
            &path,
            &json!({"action": "answer", "comment": "已整改：一次告知材料清单"}),
        )
        .await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["status"], "answered");
    assert!(notified(&citizen, "body", "一次告知材料清单").await);
    let (_, mine) = citizen.get(&format!("/api/v1/cases/{case}")).await;
    assert_eq!(mine["person"], "刘美丽");
    assert_eq!(mine["actions"], json!(["confirm"]));
    let (status, r) = citizen
        .post(&path, &json!({"action": "confirm", "satisfaction": "very"}))
        .await;
    assert_eq!(
        field_code(&r),
        (json!("satisfaction"), json!("invalid")),
        "{status}"
    );
    let (status, r) = citizen
        .post(&path, &json!({"action": "confirm", "satisfaction": "satisfied"}))
        .await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(
        (r["status"].clone(), r["satisfaction"].clone()),
        (json!("closed"), json!("satisfied"))
    );
    let steps: Vec<&str> = r["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert_eq!(steps, ["register", "contact", "answer", "confirm"]);
    assert_eq!(
        r["events"][1]["by"], "县卫健局",
        "staff are named by department only"
    );
    let (status, r) = citizen
        .post(&path, &json!({"action": "confirm", "satisfaction": "satisfied"}))
        .await;
    assert_eq!(
        (status, code(&r)),
        (StatusCode::CONFLICT, json!("invalid_transition"))
    );

    // The department appeals the 差评; the county office voids it, which
    // leaves it visible and marked.
    let actions = format!("/api/v1/ratings/{rating}/actions");
    let (status, r) = dispatcher
        .post(&actions, &json!({"action": "void", "comment": "x"}))
        .await;
    assert_eq!(
        (status, code(&r)),
        (StatusCode::CONFLICT, json!("invalid_transition"))
    );
    let (status, r) = health.post(&actions, &json!({"action": "appeal"})).await;
    assert_eq!(field_code(&r), (json!("comment"), json!("required")), "{status}");
    let (status, r) = health
        .post(
            &actions,
            &json!({"action": "appeal", "comment": "申请人当日未带户口簿"}),
        )
        .await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["status"], "appealed");
    let (status, r) = health
        .post(&actions, &json!({"action": "void", "comment": "x"}))
        .await;
    assert_eq!((status, code(&r)), (StatusCode::FORBIDDEN, json!("not_allowed")));
    let (_, appeals) = dispatcher.get("/api/v1/ratings?status=appealed").await;
    assert_eq!(appeals["items"][0]["id"], rating.as_str());
    assert_eq!(
        appeals["items"][0]["rater"], "刘美丽",
        "the county office sees who rated"
    );
    let (status, r) = dispatcher
        .post(
            &actions,
            &json!({"action": "void", "comment": "核实属申请人原因"}),
        )
        .await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(
        (r["status"].clone(), r["status_label"].clone()),
        (json!("voided"), json!("申诉成立，评价已作废"))
    );
    let (_, mine) = citizen.get("/api/v1/ratings").await;
    assert_eq!(mine["items"][0]["status"], "voided", "never deleted");
    assert_eq!(mine["items"][0]["review_comment"], "核实属申请人原因");
}

async fn a_hotline_case_is_dispatched_answered_reopened_and_escalated(app: TestApp) {
    let (citizen, phone, created) = filed(&app, "刘美丽").await;
    let (other, _, _) = app.new_citizen("旁人").await;
    let operator = app.logged_in("operator-12345", DEMO_PASSWORD).await;
    let dispatcher = app.logged_in("dispatcher", DEMO_PASSWORD).await;
    let police = app.logged_in("clerk-public-security", DEMO_PASSWORD).await;
    let approval = app.logged_in("clerk-approval", DEMO_PASSWORD).await;
    let submission = created["id"].as_str().expect("id");

    // The operator finds the caller by phone and registers the complaint.
    let (status, r) = operator.get("/api/v1/people?q=123").await;
    assert_eq!(field_code(&r), (json!("q"), json!("invalid")), "{status}");
    let (status, people) = operator.get(&format!("/api/v1/people?q={phone}")).await;
    assert_eq!(status, 200, "{people}");
    assert_eq!(people[0]["name"], "刘美丽");
    assert!(people[0]["phone"].as_str().expect("phone").contains("****"));
    let person = people[0]["id"].as_str().expect("id").to_owned();
    let (status, c) = operator
        .post(
            "/api/v1/cases",
            &json!({"kind": "complaint", "description": "出生登记窗口让我跑了两次", "submission": submission, "person": {"id": person}}),
        )
        .await;
    assert_eq!(status, 201, "{c}");
    assert_eq!(c["channel"], "hotline_12345");
    assert_eq!(c["status"], "registered");
    assert_eq!(c["due_date"], days(0), "受理/转办 the same day");
    assert!(c["tracking_no"].as_str().expect("no").starts_with("SQ"));
    assert_eq!(c["submission_tracking_no"], created["tracking_no"]);
    let case = c["id"].as_str().expect("id").to_owned();
    let path = format!("/api/v1/cases/{case}/actions");

    // Who sees it: the person, the operator, the county office.
    assert_eq!(
        citizen.get("/api/v1/cases").await.1["items"][0]["id"],
        case.as_str()
    );
    assert_eq!(
        operator.get("/api/v1/cases").await.1["items"][0]["id"],
        case.as_str()
    );
    assert_eq!(other.get(&format!("/api/v1/cases/{case}")).await.0, 404);
    assert_eq!(police.get(&format!("/api/v1/cases/{case}")).await.0, 404);
    let (_, board) = dispatcher.get("/api/v1/cases").await;
    assert!(
        board["items"]
            .as_array()
            .expect("items")
            .iter()
            .any(|x| x["id"] == case.as_str())
    );

    // Assigned to 县公安局, which returns it (wrong department), then gets it back.
    let (status, r) = dispatcher.post(&path, &json!({"action": "assign"})).await;
    assert_eq!(
        field_code(&r),
        (json!("department"), json!("unknown_department")),
        "{status}"
    );
    let (status, r) = dispatcher
        .post(
            &path,
            &json!({"action": "assign", "department": "public-security"}),
        )
        .await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(
        (
            r["status"].clone(),
            r["due_date"].clone(),
            r["answer_due"].clone()
        ),
        (json!("assigned"), json!(days(1)), json!(days(5)))
    );
    let (status, r) = police
        .post(&path, &json!({"action": "return", "comment": "应由医院处理"}))
        .await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["status"], "registered");
    assert!(r.get("department").is_none());
    assert_eq!(
        police.get(&format!("/api/v1/cases/{case}")).await.0,
        404,
        "no longer theirs"
    );
    dispatcher
        .post(
            &path,
            &json!({"action": "assign", "department": "public-security"}),
        )
        .await;
    let (status, r) = police
        .post(
            &path,
            &json!({"action": "answer", "comment": "已核实，窗口已一次告知"}),
        )
        .await;
    assert_eq!(status, 200, "{r}");

    // Not satisfied: reopened to the county office, once.
    let (status, r) = citizen
        .post(
            &path,
            &json!({"action": "confirm", "satisfaction": "dissatisfied"}),
        )
        .await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(
        (r["status"].clone(), r["reopened"].clone()),
        (json!("reopened"), json!(true))
    );
    assert!(notified(&dispatcher, "title", "不满意").await);
    // Escalation goes to the lead department or the county office only.
    let (_, seen) = dispatcher.get(&format!("/api/v1/cases/{case}")).await;
    assert_eq!(seen["escalate_to"], json!(["approval", "health"]));
    let (status, r) = dispatcher
        .post(&path, &json!({"action": "escalate", "department": "tax"}))
        .await;
    assert_eq!(
        field_code(&r),
        (json!("department"), json!("not_allowed")),
        "{status}"
    );
    let (status, r) = dispatcher
        .post(&path, &json!({"action": "escalate", "department": "approval"}))
        .await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(
        (
            r["status"].clone(),
            r["escalated"].clone(),
            r["department"].clone()
        ),
        (json!("assigned"), json!(true), json!("approval"))
    );
    let (_, esc) = dispatcher.get("/api/v1/cases?queue=escalated").await;
    assert_eq!(esc["items"][0]["id"], case.as_str());
    let (status, r) = approval
        .post(
            &path,
            &json!({"action": "answer", "comment": "县政务服务中心督办：已约谈窗口"}),
        )
        .await;
    assert_eq!(status, 200, "{r}");
    // A second 不满意 closes it, on record.
    let (status, r) = citizen
        .post(
            &path,
            &json!({"action": "confirm", "satisfaction": "dissatisfied"}),
        )
        .await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(
        (r["status"].clone(), r["satisfaction"].clone()),
        (json!("closed"), json!("dissatisfied"))
    );
    let steps: Vec<&str> = r["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert_eq!(
        steps,
        [
            "register", "assign", "return", "assign", "answer", "confirm", "escalate", "answer", "confirm"
        ]
    );
    assert_eq!(r["events"][0]["by"], "12345热线话务员");

    // A caller without an account: name and phone, confirmed by the operator.
    let (status, c) = operator
        .post(
            "/api/v1/cases",
            &json!({"kind": "consultation", "description": "新生儿落户要带什么", "department": "public-security", "person": {"name": "王大爷", "phone": "13900001111"}}),
        )
        .await;
    assert_eq!(status, 201, "{c}");
    assert_eq!(
        (c["status"].clone(), c["answer_due"].clone()),
        (json!("assigned"), json!(days(3)))
    );
    let path = format!("/api/v1/cases/{}/actions", c["id"].as_str().expect("id"));
    police
        .post(
            &path,
            &json!({"action": "answer", "comment": "带出生医学证明和户口簿"}),
        )
        .await;
    let (status, r) = operator
        .post(&path, &json!({"action": "confirm", "satisfaction": "satisfied"}))
        .await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["status"], "closed");
    let (_, q) = police
        .get(&format!("/api/v1/cases/{}", c["id"].as_str().expect("id")))
        .await;
    assert_eq!(q["person"], "王**");
}

async fn cannot_get_done_marks_the_submission_and_bad_input_is_refused(app: TestApp) {
    let (citizen, _, created) = filed(&app, "刘美丽").await;
    let (other, _, _) = app.new_citizen("旁人").await;
    let health = app.logged_in("clerk-health", DEMO_PASSWORD).await;
    let dispatcher = app.logged_in("dispatcher", DEMO_PASSWORD).await;
    let admin = app.logged_in("admin", DEMO_PASSWORD).await;
    let submission = created["id"].as_str().expect("id");
    let vaccination = item_id(&created, "vaccination-certificate");

    for (body, field, code) in [
        (
            json!({"kind": "bad_rating", "description": "x"}),
            "kind",
            "invalid",
        ),
        (
            json!({"kind": "complaint", "description": "  "}),
            "description",
            "required",
        ),
        (
            json!({"kind": "complaint", "description": "x", "department": "nowhere"}),
            "department",
            "unknown_department",
        ),
        (
            json!({"kind": "complaint", "description": "x", "submission": "nope"}),
            "submission",
            "invalid",
        ),
        (
            json!({"kind": "complaint", "description": "x", "channel": "hotline_12345"}),
            "channel",
            "invalid",
        ),
        (
            json!({"kind": "complaint", "description": "x", "person": {"name": "x"}}),
            "person",
            "invalid",
        ),
    ] {
        let (status, r) = citizen.post("/api/v1/cases", &body).await;
        assert_eq!(
            (status, field_code(&r)),
            (StatusCode::UNPROCESSABLE_ENTITY, (json!(field), json!(code))),
            "{body}"
        );
    }
    // Another's submission is not found, as if it did not exist.
    let (status, r) = other
        .post(
            "/api/v1/cases",
            &json!({"kind": "complaint", "description": "x", "submission": submission}),
        )
        .await;
    assert_eq!(
        field_code(&r),
        (json!("submission"), json!("not_found")),
        "{status}"
    );
    let (status, r) = admin
        .post("/api/v1/cases", &json!({"kind": "complaint", "description": "x"}))
        .await;
    assert_eq!((status, code(&r)), (StatusCode::FORBIDDEN, json!("not_allowed")));
    let (status, r) = dispatcher.get("/api/v1/cases?queue=nope").await;
    assert_eq!(field_code(&r), (json!("queue"), json!("invalid")), "{status}");

    // 办不成事 about the submission: the lead department and the county
    // office see the mark (督办) until the case is closed.
    let (status, c) = citizen
        .post(
            "/api/v1/cases",
            &json!({"kind": "cannot_get_done", "description": "接种证一直办不下来", "submission": submission}),
        )
        .await;
    assert_eq!(status, 201, "{c}");
    assert_eq!(c["status"], "registered");
    let (_, s) = citizen.get(&format!("/api/v1/submissions/{submission}")).await;
    assert_eq!(s["supervised"], true);
    assert_eq!(s["cases"][0]["kind"], "cannot_get_done");
    let (_, d) = health.get(&format!("/api/v1/work-items/{vaccination}")).await;
    assert_eq!(d["submission"]["supervised"], true, "{d}");
    let (_, board) = health.get("/api/v1/lead/board?bundle=newborn").await;
    let row = board["submissions"]["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|x| x["id"] == submission)
        .cloned()
        .expect("row");
    assert_eq!(row["supervised"], true);
    // The lead reads the case but takes no action on it.
    let (status, lead_view) = health
        .get(&format!("/api/v1/cases/{}", c["id"].as_str().expect("id")))
        .await;
    assert_eq!(status, 200, "{lead_view}");
    assert_eq!(lead_view["actions"], json!([]));
    let path = format!("/api/v1/cases/{}/actions", c["id"].as_str().expect("id"));
    let (status, r) = dispatcher
        .post(&path, &json!({"action": "close", "comment": "已协调办结"}))
        .await;
    assert_eq!(status, 200, "{r}");
    let (_, s) = citizen.get(&format!("/api/v1/submissions/{submission}")).await;
    assert_eq!(s["supervised"], false);
}

async fn overdue_cases_escalate_to_the_county_office_once(app: TestApp) {
    let (citizen, _, _) = filed(&app, "刘美丽").await;
    let dispatcher = app.logged_in("dispatcher", DEMO_PASSWORD).await;
    let police = app.logged_in("clerk-public-security", DEMO_PASSWORD).await;
    let (status, c) = citizen
        .post(
            "/api/v1/cases",
            &json!({"kind": "complaint", "description": "窗口排队太久", "department": "public-security"}),
        )
        .await;
    assert_eq!(status, 201, "{c}");
    let id: uuid::Uuid = c["id"].as_str().expect("id").parse().expect("uuid");
    // Its 回访 deadline passed yesterday.
    let mut row = case::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .expect("db")
        .expect("row")
        .into_active_model();
    row.due_date = Set(Some(app::domain::Date::today_china().add_days(-1)));
    row.update(&app.db).await.expect("update");
    let (_, q) = police.get("/api/v1/cases?queue=overdue").await;
    assert_eq!(q["items"][0]["overdue"], true, "{q}");

    let report = server::services::housekeeping::run_once(&app.state, chrono::Utc::now())
        .await
        .expect("housekeeping");
    assert_eq!(report.cases_escalated, 1);
    let again = server::services::housekeeping::run_once(&app.state, chrono::Utc::now())
        .await
        .expect("housekeeping");
    assert_eq!(again.cases_escalated, 0, "once per stage");
    let (_, r) = dispatcher.get(&format!("/api/v1/cases/{id}")).await;
    assert_eq!(
        (r["escalated"].clone(), r["overdue"].clone()),
        (json!(true), json!(true))
    );
    assert_eq!(r["events"][1]["action"], "overdue");
    assert_eq!(r["events"][1]["by"], "系统");
    let (_, overdue) = dispatcher.get("/api/v1/cases?queue=overdue").await;
    assert_eq!(overdue["items"][0]["id"], id.to_string());
    assert!(notified(&dispatcher, "title", "超期").await);
}

async fn the_admin_creates_dispatchers_and_operators(app: TestApp) {
    let admin = app.logged_in("admin", DEMO_PASSWORD).await;
    for (username, role) in [("dispatcher-2", "dispatcher"), ("seat-2", "operator")] {
        let (status, u) = admin
            .post(
                "/api/v1/admin/users",
                &json!({"username": username, "name": "新同事", "role": role, "password": "调度员-新口令-2024"}),
            )
            .await;
        assert_eq!(status, 201, "{u}");
        let b = app.logged_in(username, "调度员-新口令-2024").await;
        let (_, me) = b.get("/api/v1/me").await;
        assert_eq!(me["roles"], json!([role]));
        assert_eq!(b.get("/api/v1/cases").await.0, 200);
        assert_eq!(b.get("/api/v1/people?q=13800138000").await.0, 200);
    }
    let (_, list) = admin.get("/api/v1/admin/users?role=operator").await;
    assert_eq!(
        list["items"].as_array().map(Vec::len),
        Some(2),
        "the demo seat and the new one"
    );
}
