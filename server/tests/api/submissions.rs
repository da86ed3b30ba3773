//! The merged form, drafts, and filing a submission that fans out.

use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, EntityTrait, PaginatorTrait};
use serde_json::{Value, json};
use server::db::entities::{draft, submission, work_item, work_item_event};

use crate::both_backends;
use crate::helpers::{Browser, DEMO_PASSWORD, TestApp, send, unique_id_number};

both_backends!(
    merged_form_asks_each_field_once,
    form_is_prefilled_for_the_applicant,
    drafts_are_private_and_versioned,
    a_valid_submission_fans_out_to_departments,
    invalid_submissions_write_nothing,
    idempotent_retries_return_the_same_submission,
    only_applicants_submit_and_see_their_own,
    a_failure_inside_the_transaction_leaves_nothing,
    #[demo]
    staff_cannot_file_or_keep_drafts,
);

fn days_ago(n: i64) -> String {
    app::domain::Date::today_china().add_days(-n).to_string()
}

/// A complete, valid 新生儿出生 form for the required items only
/// (submit it with `"items": []`).
pub fn newborn_data(mother_id: &str, father_id: &str) -> Value {
    json!({
        "applicant_name": "刘美丽",
        "applicant_id_number": mother_id,
        "applicant_phone": "13912345678",
        "contact_address": "眉县首善街道平阳街 12 号",
        "newborn_name": "刘小宝",
        "newborn_gender": "female",
        "newborn_birth_date": days_ago(10),
        "newborn_birth_place": "眉县人民医院",
        "mother_name": "刘美丽",
        "mother_id_number": mother_id,
        "father_name": "王大力",
        "father_id_number": father_id,
        "marriage_registration_date": "2022-05-20",
        "household_follow": "father",
        "household_address": "眉县首善街道平阳街 12 号",
        "residence_address": "眉县首善街道平阳街 12 号",
        "birth_record": {"files": [app::catalog::values::EXAMPLE_UPLOAD]},
        "marriage_certificate": {"files": [app::catalog::values::EXAMPLE_UPLOAD]},
        "household_register": {"files": [app::catalog::values::EXAMPLE_UPLOAD]},
        "newborn_photo": {"files": [app::catalog::values::EXAMPLE_UPLOAD]},
        "declaration_truthful": true,
    })
}

async fn submit(b: &Browser, body: Value) -> (StatusCode, Value) {
    b.post("/api/v1/submissions", &body).await
}

async fn counts(app: &TestApp) -> (u64, u64, u64) {
    (
        submission::Entity::find().count(&app.db).await.expect("count"),
        work_item::Entity::find().count(&app.db).await.expect("count"),
        work_item_event::Entity::find()
            .count(&app.db)
            .await
            .expect("count"),
    )
}

async fn merged_form_asks_each_field_once(app: TestApp) {
    let (status, form) = app.get("/api/v1/bundles/restaurant/form").await;
    assert_eq!(status, 200);
    assert_eq!(form["bundle"], "restaurant");
    assert!(
        form["catalog_version"]
            .as_str()
            .is_some_and(|v| v.starts_with("2024.1-"))
    );
    let keys: Vec<&str> = form["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .flat_map(|s| s["fields"].as_array().expect("fields"))
        .filter_map(|f| f["key"].as_str())
        .collect();
    let unique: std::collections::HashSet<&&str> = keys.iter().collect();
    assert_eq!(unique.len(), keys.len(), "every field once");
    let field = |key: &str| {
        form["steps"]
            .as_array()
            .expect("steps")
            .iter()
            .flat_map(|s| s["fields"].as_array().expect("f"))
            .find(|f| f["key"] == key)
            .cloned()
    };
    let credit = field("credit_code").expect("credit_code asked");
    assert_eq!(credit["kind"], "credit_code");
    assert_eq!(credit["required"], true);
    assert_eq!(
        credit["used_by"],
        json!(["restaurant-licence-check", "food-business-licence"])
    );
    let premises = field("premises_address").expect("premises");
    assert_eq!(
        premises["used_by"],
        json!([
            "food-business-licence",
            "outdoor-signage",
            "fire-safety-inspection"
        ])
    );
    assert_eq!(
        field("food_business_items").expect("enum")["options"]
            .as_array()
            .map(Vec::len),
        Some(5)
    );
    assert_eq!(field("food_safety_rules").expect("material")["kind"], "material");
    // Optional for every item that uses it → not required.
    assert_eq!(
        field("planned_opening_date").expect("optional")["required"],
        false
    );

    // Optional items: left out unless chosen; required ones cannot be removed.
    let (_, newborn) = app.get("/api/v1/bundles/newborn/form?items=").await;
    let selected: Vec<&str> = newborn["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|i| i["selected"] == true)
        .filter_map(|i| i["code"].as_str())
        .collect();
    assert_eq!(selected.len(), 5);
    assert!(!selected.contains(&"childbirth-medical-reimbursement"));
    let has = |f: &Value, key: &str| f.to_string().contains(&format!("\"key\":\"{key}\""));
    assert!(!has(&newborn, "childbirth_expense"));
    let (_, with) = app
        .get("/api/v1/bundles/newborn/form?items=childbirth-medical-reimbursement")
        .await;
    assert!(has(&with, "childbirth_expense"));

    let (status, err) = app.get("/api/v1/bundles/newborn/form?items=no-such-item").await;
    assert_eq!(
        (status, err["error"]["fields"][0]["code"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!("unknown_item"))
    );
    let (status, err) = app.get("/api/v1/bundles/disability-services/form?items=").await;
    assert_eq!(
        (status, err["error"]["fields"][0]["code"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!("no_items"))
    );
    assert_eq!(app.get("/api/v1/bundles/nope/form").await.0, 404);
}

async fn form_is_prefilled_for_the_applicant(app: TestApp) {
    let (anonymous_status, anonymous) = app.get("/api/v1/bundles/newborn/form").await;
    assert_eq!(anonymous_status, 200);
    assert!(anonymous.get("prefill").is_none());
    let (b, phone, id) = app.new_citizen("刘美丽").await;
    let (_, form) = b.get("/api/v1/bundles/newborn/form").await;
    assert_eq!(form["prefill"]["applicant_name"], "刘美丽");
    assert_eq!(form["prefill"]["applicant_id_number"], id);
    assert_eq!(form["prefill"]["applicant_phone"], phone);
    assert!(
        form["prefill"].get("mother_name").is_none(),
        "only the person's own facts"
    );
}

async fn drafts_are_private_and_versioned(app: TestApp) {
    let (a, _, _) = app.new_citizen("草稿甲").await;
    let (other, _, _) = app.new_citizen("草稿乙").await;
    assert_eq!(a.get("/api/v1/drafts/newborn").await.0, 404);
    let body = json!({"items": ["parenting-guidance"], "data": {"newborn_name": "小宝", "mother_id_number": "6103"}, "step": "newborn"});
    let (status, saved) = a.put("/api/v1/drafts/newborn", &body).await;
    assert_eq!(status, 200, "{saved}");
    assert_eq!(saved["version"], 1);
    // Another device of the same person resumes it.
    let (status, got) = a.get("/api/v1/drafts/newborn").await;
    assert_eq!(status, 200);
    assert_eq!(got["data"]["newborn_name"], "小宝");
    assert_eq!(got["step"], "newborn");
    // Nobody else sees it.
    assert_eq!(other.get("/api/v1/drafts/newborn").await.0, 404);
    assert_eq!(app.browser().get("/api/v1/drafts/newborn").await.0, 401);
    // An edit based on an old version does not overwrite a newer one.
    let (status, _) = a
        .put(
            "/api/v1/drafts/newborn",
            &json!({"data": {"newborn_name": "小宝贝"}, "version": 1}),
        )
        .await;
    assert_eq!(status, 200);
    let (status, err) = a
        .put(
            "/api/v1/drafts/newborn",
            &json!({"data": {"newborn_name": "旧的"}, "version": 1}),
        )
        .await;
    assert_eq!(
        (status, err["error"]["code"].clone()),
        (StatusCode::CONFLICT, json!("draft_conflict"))
    );
    // Encrypted at rest.
    let row = draft::Entity::find().one(&app.db).await.expect("q").expect("row");
    assert!(!row.body_enc.contains("小宝"));
    assert_eq!(a.get("/api/v1/drafts/no-such-bundle").await.0, 404);
    assert_eq!(a.delete("/api/v1/drafts/newborn").await.0, 204);
    assert_eq!(a.get("/api/v1/drafts/newborn").await.0, 404);
}

async fn a_valid_submission_fans_out_to_departments(app: TestApp) {
    let (b, _, id) = app.new_citizen("刘美丽").await;
    b.put(
        "/api/v1/drafts/newborn",
        &json!({"data": {"newborn_name": "刘小宝"}}),
    )
    .await;
    let data = b.with_uploads(newborn_data(&id, &unique_id_number())).await;
    let (status, created) = submit(&b, json!({"bundle": "newborn", "items": [], "data": data})).await;
    assert_eq!(status, 201, "{created}");
    let tracking = created["tracking_no"].as_str().expect("tracking");
    assert!(tracking.starts_with("MX") && tracking.len() == 17, "{tracking}");
    assert_eq!(created["status"], "submitted");
    let items = created["work_items"].as_array().expect("work items");
    // 5 required items, one department each.
    assert_eq!(items.len(), 5);
    let by_item = |code: &str| items.iter().find(|w| w["item"] == code).cloned().expect(code);
    let cert = by_item("birth-certificate");
    assert_eq!(
        (cert["department"].clone(), cert["status"].clone()),
        (json!("health"), json!("pending"))
    );
    assert!(cert["due_date"].as_str().is_some_and(|d| d.len() == 10));
    let reg = by_item("birth-registration");
    assert_eq!(
        (reg["department"].clone(), reg["status"].clone()),
        (json!("public-security"), json!("waiting"))
    );
    assert!(
        reg.get("due_date").is_none(),
        "the clock starts when 出生医学证明 is done"
    );
    assert_eq!(by_item("newborn-social-security-card")["status"], "waiting");
    assert_eq!(by_item("vaccination-certificate")["status"], "pending");
    // The due date counts working days from today.
    let today = app::domain::Date::today_china();
    let cal = server::catalog_loader::load(&server::config::default_catalog_dir())
        .expect("catalog")
        .calendar;
    assert_eq!(cert["due_date"], cal.add_working_days(today, 1).to_string());

    // One transaction wrote it all and removed the draft.
    assert_eq!(counts(&app).await, (1, 5, 1));
    assert_eq!(draft::Entity::find().count(&app.db).await.expect("count"), 0);
    let row = submission::Entity::find()
        .one(&app.db)
        .await
        .expect("q")
        .expect("row");
    assert!(
        !row.data_enc.contains(&id) && !row.data_enc.contains("刘小宝"),
        "answers encrypted at rest"
    );
    assert_eq!(
        row.catalog_version,
        created["catalog_version"].as_str().expect("v")
    );

    // A two-department item gets a work item per department.
    let (b2, _, _) = app.new_citizen("残疾人").await;
    let (_, form) = b2
        .get("/api/v1/bundles/disability-services/form?items=hardship-living-allowance")
        .await;
    let form: app::api::FormDto = serde_json::from_value(form).expect("form");
    let data = b2
        .with_uploads(Value::Object(app::catalog::values::example_answers(
            &form, today, 7,
        )))
        .await;
    let (status, two) = submit(
        &b2,
        json!({"bundle": "disability-services", "items": ["hardship-living-allowance"], "data": data}),
    )
    .await;
    assert_eq!(status, 201, "{two}");
    let departments: Vec<&str> = two["work_items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|w| w["department"].as_str())
        .collect();
    assert_eq!(departments, ["civil-affairs", "disabled-persons"]);

    // The applicant reads it back, with a timeline.
    let (status, got) = b
        .get(&format!(
            "/api/v1/submissions/{}",
            created["id"].as_str().expect("id")
        ))
        .await;
    assert_eq!(status, 200);
    assert_eq!(got["tracking_no"], tracking);
    assert_eq!(got["timeline"][0]["event"], "submitted");
    assert_eq!(got["data"]["newborn_name"], "刘小宝");
    let (_, list) = b.get("/api/v1/submissions").await;
    assert_eq!(list["items"][0]["tracking_no"], tracking);
}

async fn invalid_submissions_write_nothing(app: TestApp) {
    let (b, _, id) = app.new_citizen("刘美丽").await;
    let good = b.with_uploads(newborn_data(&id, &unique_id_number())).await;
    let with = |key: &str, value: Value| {
        let mut d = good.clone();
        d[key] = value;
        json!({"bundle": "newborn", "items": [], "data": d})
    };
    let without = |key: &str| {
        let mut d = good.clone();
        d.as_object_mut().expect("object").remove(key);
        json!({"bundle": "newborn", "items": [], "data": d})
    };
    let bad_id = format!("{}{}", &id[..17], if id.ends_with('1') { '2' } else { '1' });
    let cases = [
        (without("newborn_name"), "newborn_name", "required"),
        (
            with("mother_id_number", json!(bad_id)),
            "mother_id_number",
            "id_number_check_digit",
        ),
        (
            with("newborn_birth_date", json!(days_ago(-3))),
            "newborn_birth_date",
            "date_in_future",
        ),
        (
            with("newborn_birth_date", json!(days_ago(400))),
            "newborn_birth_date",
            "date_too_old",
        ),
        (
            with("newborn_birth_date", json!("2025-02-30")),
            "newborn_birth_date",
            "date_format",
        ),
        (
            with("newborn_gender", json!("other")),
            "newborn_gender",
            "not_an_option",
        ),
        (
            with("applicant_phone", json!("12345")),
            "applicant_phone",
            "phone_format",
        ),
        (
            with("declaration_truthful", json!(false)),
            "declaration_truthful",
            "must_be_true",
        ),
        (
            with("birth_record", json!("lost")),
            "birth_record",
            "files_required",
        ),
        (
            with("no_such_field", json!("x")),
            "no_such_field",
            "unknown_field",
        ),
    ];
    for (body, field, code) in cases {
        let (status, err) = submit(&b, body).await;
        assert_eq!(status, 422, "{field}: {err}");
        assert_eq!(err["error"]["code"], "validation");
        let fields = err["error"]["fields"].as_array().expect("fields");
        assert!(
            fields.iter().any(|f| f["field"] == field && f["code"] == code),
            "{field}/{code}: {err}"
        );
        assert!(
            fields
                .iter()
                .all(|f| f["message"].as_str().is_some_and(|m| !m.is_empty()))
        );
    }
    let (status, err) = submit(&b, json!({"bundle": "no-such-bundle", "data": {}})).await;
    assert_eq!(
        (status, err["error"]["fields"][0]["code"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!("unknown_bundle"))
    );
    let (status, err) = submit(&b, json!({"bundle": "newborn", "items": ["nope"], "data": good})).await;
    assert_eq!(
        (status, err["error"]["fields"][0]["code"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!("unknown_item"))
    );
    let (status, _) = submit(&b, json!({"bundle": "newborn"})).await;
    assert_eq!(status, 422, "missing data");
    assert_eq!(counts(&app).await, (0, 0, 0), "nothing written");
}

async fn idempotent_retries_return_the_same_submission(app: TestApp) {
    let (b, _, id) = app.new_citizen("刘美丽").await;
    let body = json!({"bundle": "newborn", "items": [], "data": b.with_uploads(newborn_data(&id, &unique_id_number())).await, "idempotency_key": "retry-1"});
    let (s1, first) = submit(&b, body.clone()).await;
    let (s2, second) = submit(&b, body.clone()).await;
    assert_eq!((s1, s2), (StatusCode::CREATED, StatusCode::OK));
    assert_eq!(first["id"], second["id"]);
    assert_eq!(first["tracking_no"], second["tracking_no"]);
    assert_eq!(counts(&app).await, (1, 5, 1));
    // The same key for a different request is a client bug, not a retry.
    let mut other = body.clone();
    other["data"]["newborn_name"] = json!("别的名字");
    let (status, err) = submit(&b, other).await;
    assert_eq!(
        (status, err["error"]["code"].clone()),
        (StatusCode::CONFLICT, json!("idempotency_key_reused"))
    );
    // Keys are per applicant: someone else's "retry-1" is theirs.
    let (b2, _, id2) = app.new_citizen("王五").await;
    let (status, _) = submit(&b2, json!({"bundle": "newborn", "items": [], "data": b2.with_uploads(newborn_data(&id2, &unique_id_number())).await, "idempotency_key": "retry-1"})).await;
    assert_eq!(status, 201);
    // Concurrent retries of one request: one submission.
    let (b3, _, id3) = app.new_citizen("赵六").await;
    let body = json!({"bundle": "newborn", "items": [], "data": b3.with_uploads(newborn_data(&id3, &unique_id_number())).await, "idempotency_key": "double-tap"});
    let (r1, r2) = tokio::join!(submit(&b3, body.clone()), submit(&b3, body.clone()));
    assert!(r1.0.is_success() && r2.0.is_success(), "{r1:?} {r2:?}");
    assert_eq!(r1.1["id"], r2.1["id"]);
    assert_eq!(counts(&app).await.0, 3);
}

async fn only_applicants_submit_and_see_their_own(app: TestApp) {
    let anonymous = app.browser();
    let (status, err) = submit(&anonymous, json!({"bundle": "newborn", "items": [], "data": {}})).await;
    assert_eq!(
        (status, err["error"]["code"].clone()),
        (StatusCode::UNAUTHORIZED, json!("unauthorized"))
    );
    let (owner, _, id) = app.new_citizen("刘美丽").await;
    let (_, created) = submit(
        &owner,
        json!({"bundle": "newborn", "items": [], "data": owner.with_uploads(newborn_data(&id, &unique_id_number())).await}),
    )
    .await;
    let path = format!("/api/v1/submissions/{}", created["id"].as_str().expect("id"));
    let (stranger, _, _) = app.new_citizen("陌生人").await;
    let (status, err) = stranger.get(&path).await;
    assert_eq!(
        (status, err["error"]["code"].clone()),
        (StatusCode::NOT_FOUND, json!("not_found")),
        "not revealed"
    );
    assert_eq!(
        stranger
            .get(&format!("/api/v1/submissions/{}", uuid::Uuid::now_v7()))
            .await
            .0,
        404
    );
    assert_eq!(anonymous.get(&path).await.0, 401);
    let (_, list) = stranger.get("/api/v1/submissions").await;
    assert_eq!(list["items"], json!([]));
}

async fn a_failure_inside_the_transaction_leaves_nothing(app: TestApp) {
    // Make the LAST write of the submission transaction fail, after the
    // submission and its work items were inserted.
    let sql = match app.db.get_database_backend() {
        sea_orm::DbBackend::Postgres => vec![
            "CREATE FUNCTION fail_event() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected failure'; END $$",
            "CREATE TRIGGER fail_event BEFORE INSERT ON work_item_events FOR EACH ROW EXECUTE FUNCTION fail_event()",
        ],
        _ => vec![
            "CREATE TRIGGER fail_event BEFORE INSERT ON work_item_events BEGIN SELECT RAISE(ABORT, 'injected failure'); END",
        ],
    };
    for s in sql {
        app.db
            .execute_unprepared(s)
            .await
            .expect("install failing trigger");
    }
    let (b, _, id) = app.new_citizen("刘美丽").await;
    b.put(
        "/api/v1/drafts/newborn",
        &json!({"data": {"newborn_name": "刘小宝"}}),
    )
    .await;
    let (status, err) = submit(
        &b,
        json!({"bundle": "newborn", "items": [], "data": b.with_uploads(newborn_data(&id, &unique_id_number())).await}),
    )
    .await;
    assert_eq!(status, 500);
    assert_eq!(err["error"]["code"], "internal");
    assert!(
        !err.to_string().contains("injected"),
        "internal details are not sent"
    );
    assert_eq!(counts(&app).await, (0, 0, 0), "nothing half-written");
    assert_eq!(
        draft::Entity::find().count(&app.db).await.expect("count"),
        1,
        "the draft is kept"
    );
}

async fn staff_cannot_file_or_keep_drafts(app: TestApp) {
    let clerk = app.logged_in("clerk-health", DEMO_PASSWORD).await;
    let (status, err) = submit(&clerk, json!({"bundle": "newborn", "items": [], "data": {}})).await;
    assert_eq!(
        (status, err["error"]["code"].clone()),
        (StatusCode::FORBIDDEN, json!("applicants_only"))
    );
    assert_eq!(
        clerk.put("/api/v1/drafts/newborn", &json!({"data": {}})).await.0,
        403
    );
    let _ = send;
}
