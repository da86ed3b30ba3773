//! The department workbench: queues, need-to-know views, actions through
//! the state machine, dependency release, the clock, supplements, the lead
//! board and notifications.

use reqwest::StatusCode;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter};
use serde_json::{Value, json};
use server::db::entities::{audit_log, work_item};

use crate::both_backends;
use crate::helpers::{Browser, DEMO_PASSWORD, TestApp, unique_id_number};
use crate::submissions::newborn_data;

both_backends!(
    #[demo]
    queues_show_each_department_its_own_items,
    #[demo]
    clerks_see_only_what_their_item_needs,
    #[demo]
    actions_follow_the_state_machine_and_release_dependants,
    #[demo]
    concurrent_actions_one_wins,
    #[demo]
    returned_items_pause_the_clock_until_supplemented,
    #[demo]
    a_rejection_blocks_dependants_visibly,
    #[demo]
    applicants_are_notified,
    #[demo]
    the_lead_department_sees_the_whole_bundle,
    #[demo]
    overdue_items_come_first,
    #[demo]
    the_queue_pages_every_status_in_order,
    #[demo]
    a_corrupt_status_is_an_error_not_a_default,
);

/// A citizen files 新生儿出生 (required items only); returns the browser and
/// the submission.
pub async fn filed(app: &TestApp) -> (Browser, Value) {
    let (b, _, id) = app.new_citizen("刘美丽").await;
    let created = filed_by(&b, &id).await;
    (b, created)
}

/// The citizen logged in on `b`, with 身份证号 `id`, files 新生儿出生.
pub async fn filed_by(b: &Browser, id: &str) -> Value {
    let (status, created) = b
        .post(
            "/api/v1/submissions",
            &json!({"bundle": "newborn", "items": [], "data": promising_marriage_certificate(b.with_uploads(newborn_data(id, &unique_id_number())).await), "commitment_agreed": true}),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    created
}

pub fn item_id(created: &Value, item: &str) -> String {
    created["work_items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|w| w["item"] == item)
        .and_then(|w| w["id"].as_str())
        .expect(item)
        .to_owned()
}

pub async fn act(b: &Browser, id: &str, body: Value) -> (StatusCode, Value) {
    b.post(&format!("/api/v1/work-items/{id}/actions"), &body).await
}

async fn queues_show_each_department_its_own_items(app: TestApp) {
    let (citizen, _) = filed(&app).await;
    let health = app.logged_in("clerk-health", DEMO_PASSWORD).await;
    let (status, q) = health.get("/api/v1/work-items").await;
    assert_eq!(status, 200);
    let items: Vec<&str> = q["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|w| w["item"].as_str())
        .collect();
    assert_eq!(items.len(), 2);
    assert!(items.contains(&"birth-certificate") && items.contains(&"vaccination-certificate"));
    assert_eq!(q["counts"]["pending"], 2);
    assert!(
        q["items"][0]["tracking_no"]
            .as_str()
            .is_some_and(|t| t.starts_with("MX"))
    );
    // Filters: by status, by 办件编号.
    let (_, accepted) = health.get("/api/v1/work-items?status=accepted").await;
    assert_eq!(accepted["items"], json!([]));
    let tracking = q["items"][0]["tracking_no"].as_str().expect("t").to_owned();
    let (_, found) = health
        .get(&format!("/api/v1/work-items?q={}", tracking.to_lowercase()))
        .await;
    assert_eq!(found["items"].as_array().map(Vec::len), Some(2));
    let (_, none) = health.get("/api/v1/work-items?q=MX19990101-AAAAAA").await;
    assert_eq!(none["items"], json!([]));
    let (status, err) = health.get("/api/v1/work-items?status=lost").await;
    assert_eq!(
        (status, err["error"]["fields"][0]["code"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!("unknown_status"))
    );

    // 县公安局's part waits for 出生医学证明.
    let police = app.logged_in("clerk-public-security", DEMO_PASSWORD).await;
    let (_, q) = police.get("/api/v1/work-items").await;
    assert_eq!(q["items"][0]["item"], "birth-registration");
    assert_eq!(q["items"][0]["status"], "waiting");
    // Departments not involved see nothing; non-staff have no workbench.
    let (_, q) = app
        .logged_in("clerk-tax", DEMO_PASSWORD)
        .await
        .get("/api/v1/work-items")
        .await;
    assert_eq!(q["items"], json!([]));
    assert_eq!(citizen.get("/api/v1/work-items").await.0, 404);
    assert_eq!(
        app.logged_in("admin", DEMO_PASSWORD)
            .await
            .get("/api/v1/work-items")
            .await
            .0,
        404
    );
    assert_eq!(app.browser().get("/api/v1/work-items").await.0, 401);

    // Paging: one per page walks through all of them, each once.
    let mut seen = Vec::new();
    let mut path = "/api/v1/work-items?limit=1".to_owned();
    loop {
        let (_, page) = health.get(&path).await;
        seen.extend(
            page["items"]
                .as_array()
                .expect("items")
                .iter()
                .map(|w| w["id"].clone()),
        );
        match page["next"].as_str() {
            Some(n) => path = format!("/api/v1/work-items?limit=1&after={n}"),
            None => break,
        }
    }
    assert_eq!(seen.len(), 2);
    assert_ne!(seen[0], seen[1]);
}

async fn clerks_see_only_what_their_item_needs(app: TestApp) {
    let (_, created) = filed(&app).await;
    let health = app.logged_in("clerk-health", DEMO_PASSWORD).await;
    let vaccination = item_id(&created, "vaccination-certificate");
    let (status, d) = health.get(&format!("/api/v1/work-items/{vaccination}")).await;
    assert_eq!(status, 200, "{d}");
    let keys: Vec<&str> = d["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .filter_map(|f| f["key"].as_str())
        .collect();
    assert!(keys.contains(&"newborn_name") && keys.contains(&"residence_address"));
    for secret in [
        "mother_id_number",
        "father_id_number",
        "household_address",
        "applicant_id_number",
    ] {
        assert!(!keys.contains(&secret), "{secret} is not needed for 预防接种证");
        assert!(
            !d.to_string().contains(&format!("\"{secret}\"")),
            "{secret} leaked"
        );
    }
    assert_eq!(d["allowed_actions"], json!(["accept", "return", "reject"]));
    assert_eq!(d["siblings"].as_array().map(Vec::len), Some(5));
    // Materials with their state (告知承诺 where promised).
    let (_, reg) = app
        .logged_in("clerk-public-security", DEMO_PASSWORD)
        .await
        .get(&format!(
            "/api/v1/work-items/{}",
            item_id(&created, "birth-registration")
        ))
        .await;
    let register = reg["materials"]
        .as_array()
        .expect("materials")
        .iter()
        .find(|m| m["key"] == "marriage_certificate")
        .cloned()
        .expect("material");
    assert_eq!(register["display"], "暂缺，已签署告知承诺");

    // Another department's item does not exist for this clerk.
    let police = app.logged_in("clerk-public-security", DEMO_PASSWORD).await;
    assert_eq!(
        police.get(&format!("/api/v1/work-items/{vaccination}")).await.0,
        404
    );
    assert_eq!(
        act(&police, &vaccination, json!({"action": "accept"})).await.0,
        404
    );

    // The submission through staff eyes: the involved clerk gets only the
    // answers their items use; every view is in the audit log.
    let sub = created["id"].as_str().expect("id");
    let (status, view) = police.get(&format!("/api/v1/submissions/{sub}")).await;
    assert_eq!(status, 200);
    assert!(view["data"].get("household_follow").is_some());
    assert!(
        view["data"].get("residence_address").is_none(),
        "used by 预防接种证 only"
    );
    assert_eq!(
        app.logged_in("clerk-tax", DEMO_PASSWORD)
            .await
            .get(&format!("/api/v1/submissions/{sub}"))
            .await
            .0,
        404
    );
    let views = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("view_submission"))
        .all(&app.db)
        .await
        .expect("q");
    assert!(views.len() >= 3, "every staff view is audited: {}", views.len());
    assert!(views.iter().all(|v| v.object == format!("submission:{sub}")));
}

async fn actions_follow_the_state_machine_and_release_dependants(app: TestApp) {
    let (citizen, created) = filed(&app).await;
    let health = app.logged_in("clerk-health", DEMO_PASSWORD).await;
    let cert = item_id(&created, "birth-certificate");
    let (status, r) = act(&health, &cert, json!({"action": "accept"})).await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["work_item"]["status"], "accepted");
    assert_eq!(r["work_item"]["version"], 2);
    let (status, err) = act(&health, &cert, json!({"action": "accept"})).await;
    assert_eq!(
        (status, err["error"]["code"].clone()),
        (StatusCode::CONFLICT, json!("invalid_transition"))
    );
    let (status, err) = act(&health, &cert, json!({"action": "return"})).await;
    assert_eq!(
        (status, err["error"]["fields"][0]["field"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!("comment"))
    );
    let (status, err) = act(&health, &cert, json!({"action": "reject", "comment": "  "})).await;
    assert_eq!(status, 422, "{err}");
    let (status, err) = act(&health, &cert, json!({"action": "supplement"})).await;
    assert_eq!(
        (status, err["error"]["fields"][0]["code"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!("unknown_action"))
    );
    let (status, _) = act(&health, &cert, json!({"action": "complete", "version": 1})).await;
    assert_eq!(status, 409, "a stale version is refused");
    let (_, s) = citizen
        .get(&format!(
            "/api/v1/submissions/{}",
            created["id"].as_str().expect("id")
        ))
        .await;
    assert_eq!(s["status"], "in_progress");

    // Completing 出生医学证明 releases 出生登记 at 县公安局, whose clock starts today.
    let (status, r) = act(
        &health,
        &cert,
        json!({"action": "complete", "version": 2, "result": {"certificate_no": "R610326000123"}}),
    )
    .await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["work_item"]["status"], "completed");
    let released: Vec<&str> = r["released"]
        .as_array()
        .expect("released")
        .iter()
        .filter_map(|w| w["item"].as_str())
        .collect();
    assert_eq!(released, ["birth-registration"]);
    let reg = r["released"][0].clone();
    assert_eq!(reg["status"], "pending");
    let cal = server::catalog_loader::load(&server::config::default_catalog_dir())
        .expect("catalog")
        .calendar;
    assert_eq!(
        reg["due_date"],
        cal.add_working_days(app::domain::Date::today_china(), 1)
            .to_string()
    );
    // Its dependants still wait for it.
    let (_, s) = citizen
        .get(&format!(
            "/api/v1/submissions/{}",
            created["id"].as_str().expect("id")
        ))
        .await;
    let card = s["work_items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|w| w["item"] == "newborn-social-security-card")
        .cloned()
        .expect("card");
    assert_eq!(card["status"], "waiting");
    assert_eq!(card["waiting_for"], json!(["birth-registration"]));
    let events: Vec<&str> = s["timeline"]
        .as_array()
        .expect("timeline")
        .iter()
        .filter_map(|e| e["event"].as_str())
        .collect();
    assert_eq!(events, ["submitted", "accept", "complete", "release"]);
    assert_eq!(s["timeline"][1]["department"], "health");

    // Finish everything: the submission is completed.
    for (login, item) in [
        ("clerk-health", "vaccination-certificate"),
        ("clerk-public-security", "birth-registration"),
        ("clerk-hrss", "newborn-social-security-card"),
        ("clerk-medical-insurance", "newborn-medical-insurance"),
    ] {
        let clerk = app.logged_in(login, DEMO_PASSWORD).await;
        let id = item_id(&created, item);
        assert_eq!(
            act(&clerk, &id, json!({"action": "accept"})).await.0,
            200,
            "{item}"
        );
        let result =
            (item == "newborn-social-security-card").then(|| json!({"certificate_no": "610326-SSC-0001"}));
        assert_eq!(
            act(&clerk, &id, json!({"action": "complete", "result": result}))
                .await
                .0,
            200,
            "{item}"
        );
    }
    let (_, s) = citizen
        .get(&format!(
            "/api/v1/submissions/{}",
            created["id"].as_str().expect("id")
        ))
        .await;
    assert_eq!(s["status"], "completed");
}

async fn concurrent_actions_one_wins(app: TestApp) {
    let (_, created) = filed(&app).await;
    let cert = item_id(&created, "birth-certificate");
    let a = app.logged_in("clerk-health", DEMO_PASSWORD).await;
    let b = app.logged_in("clerk-health", DEMO_PASSWORD).await;
    for round in 0..5 {
        let (ra, rb) = tokio::join!(
            act(
                &a,
                &cert,
                json!({"action": if round % 2 == 0 { "accept" } else { "return" }, "comment": "材料不清晰"})
            ),
            act(
                &b,
                &cert,
                json!({"action": if round % 2 == 0 { "accept" } else { "return" }, "comment": "材料不清晰"})
            ),
        );
        let mut statuses = [ra.0.as_u16(), rb.0.as_u16()];
        statuses.sort_unstable();
        assert_eq!(
            statuses,
            [200, 409],
            "round {round}: exactly one wins ({ra:?} / {rb:?})"
        );
        if round % 2 == 1 {
            break;
        }
    }
}

async fn returned_items_pause_the_clock_until_supplemented(app: TestApp) {
    let (citizen, created) = filed(&app).await;
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
    assert_eq!(r["work_item"]["status"], "returned");
    assert_eq!(r["work_item"]["overdue"], false, "no deadline flags while paused");
    let sub = created["id"].as_str().expect("id");
    let (_, s) = citizen.get(&format!("/api/v1/submissions/{sub}")).await;
    assert_eq!(s["status"], "needs_supplement");
    assert_eq!(
        s["timeline"]
            .as_array()
            .and_then(|t| t.last())
            .map(|e| e["comment"].clone()),
        Some(json!("出生地点请写全称"))
    );

    // Pretend it was returned 7 calendar days ago and due 2 days ago.
    let today = app::domain::Date::today_china();
    let row = work_item::Entity::find_by_id(uuid::Uuid::parse_str(&cert).expect("uuid"))
        .one(&app.db)
        .await
        .expect("q")
        .expect("row");
    let old_due = today.add_days(-2);
    let mut m = row.into_active_model();
    m.paused_at = Set(Some(chrono::Utc::now() - chrono::Duration::days(7)));
    m.due_date = Set(Some(old_due));
    m.update(&app.db).await.expect("update");

    // Only the applicant, only this returned item, only its fields.
    let path = format!("/api/v1/submissions/{sub}/supplement");
    let (stranger, _, _) = app.new_citizen("陌生人").await;
    assert_eq!(
        stranger
            .post(&path, &json!({"work_item": cert, "data": {}}))
            .await
            .0,
        404
    );
    let vaccination = item_id(&created, "vaccination-certificate");
    let (status, err) = citizen
        .post(&path, &json!({"work_item": vaccination, "data": {}}))
        .await;
    assert_eq!(
        (status, err["error"]["code"].clone()),
        (StatusCode::CONFLICT, json!("invalid_transition"))
    );
    let (status, err) = citizen
        .post(
            &path,
            &json!({"work_item": cert, "data": {"household_follow": "mother"}}),
        )
        .await;
    assert_eq!(
        (status, err["error"]["fields"][0]["code"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!("unknown_field"))
    );
    let (status, err) = citizen
        .post(
            &path,
            &json!({"work_item": cert, "data": {"newborn_birth_place": ""}}),
        )
        .await;
    assert_eq!(
        (status, err["error"]["fields"][0]["code"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!("required"))
    );

    let (status, r) = citizen
        .post(
            &path,
            &json!({"work_item": cert, "data": {"newborn_birth_place": "眉县人民医院产科"}}),
        )
        .await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["work_item"]["status"], "pending");
    // The due date moved by the working days the item was paused.
    let cal = server::catalog_loader::load(&server::config::default_catalog_dir())
        .expect("catalog")
        .calendar;
    let paused = cal.working_days_between(today.add_days(-7), today);
    assert!(paused >= 4, "a week holds at least 4 working days");
    assert_eq!(
        r["work_item"]["due_date"],
        cal.add_working_days(old_due, paused).to_string()
    );
    let (_, s) = citizen.get(&format!("/api/v1/submissions/{sub}")).await;
    assert_eq!(s["data"]["newborn_birth_place"], "眉县人民医院产科");
    // Back in the department's 待受理 queue: nothing is accepted right now.
    assert_eq!(s["status"], "submitted");
    let last = s["timeline"]
        .as_array()
        .and_then(|t| t.last())
        .cloned()
        .expect("event");
    assert_eq!(last["event"], "supplement");
    assert!(last["comment"].as_str().is_some_and(|c| c.contains("顺延")));
}

async fn a_rejection_blocks_dependants_visibly(app: TestApp) {
    let (citizen, created) = filed(&app).await;
    let health = app.logged_in("clerk-health", DEMO_PASSWORD).await;
    let cert = item_id(&created, "birth-certificate");
    let (status, _) = act(
        &health,
        &cert,
        json!({"action": "reject", "comment": "非本院出生，请到分娩医院办理"}),
    )
    .await;
    assert_eq!(status, 200);
    let (_, s) = citizen
        .get(&format!(
            "/api/v1/submissions/{}",
            created["id"].as_str().expect("id")
        ))
        .await;
    let reg = s["work_items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|w| w["item"] == "birth-registration")
        .cloned()
        .expect("reg");
    assert_eq!(reg["status"], "waiting", "not silently completed");
    assert_eq!(reg["blocked_by"], "《出生医学证明》办理(首签)");
    let card = s["work_items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|w| w["item"] == "newborn-social-security-card")
        .cloned()
        .expect("card");
    assert!(card["blocked_by"].is_string(), "blocked transitively");
    assert_eq!(
        s["status"], "in_progress",
        "a department has acted; vaccination is still pending"
    );
    let vaccination = item_id(&created, "vaccination-certificate");
    assert_eq!(
        act(
            &health,
            &vaccination,
            json!({"action": "reject", "comment": "重复申请"})
        )
        .await
        .0,
        200
    );
    let (_, s) = citizen
        .get(&format!(
            "/api/v1/submissions/{}",
            created["id"].as_str().expect("id")
        ))
        .await;
    assert_eq!(s["status"], "closed_with_rejections");
}

async fn applicants_are_notified(app: TestApp) {
    let (citizen, created) = filed(&app).await;
    let health = app.logged_in("clerk-health", DEMO_PASSWORD).await;
    let cert = item_id(&created, "birth-certificate");
    act(&health, &cert, json!({"action": "accept"})).await;
    act(
        &health,
        &cert,
        json!({"action": "return", "comment": "照片不清晰"}),
    )
    .await;
    let (status, n) = citizen.get("/api/v1/notifications").await;
    assert_eq!(status, 200);
    assert_eq!(n["unread"], 2);
    let kinds: Vec<&str> = n["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|x| x["kind"].as_str())
        .collect();
    assert_eq!(kinds, ["return", "accept"], "newest first");
    assert!(
        n["items"][0]["body"]
            .as_str()
            .is_some_and(|b| b.contains("照片不清晰"))
    );
    assert!(
        n["items"][0]["title"]
            .as_str()
            .is_some_and(|t| t.contains(created["tracking_no"].as_str().expect("t")))
    );
    let first = n["items"][0]["id"].as_str().expect("id");
    assert_eq!(
        citizen
            .post(&format!("/api/v1/notifications/{first}/read"), &json!({}))
            .await
            .0,
        204
    );
    assert_eq!(citizen.get("/api/v1/notifications").await.1["unread"], 1);
    // Someone else's notification cannot be touched.
    let (other, _, _) = app.new_citizen("旁人").await;
    let second = n["items"][1]["id"].as_str().expect("id");
    other
        .post(&format!("/api/v1/notifications/{second}/read"), &json!({}))
        .await;
    assert_eq!(citizen.get("/api/v1/notifications").await.1["unread"], 1);
    assert_eq!(other.get("/api/v1/notifications").await.1["items"], json!([]));
    assert_eq!(
        citizen.post("/api/v1/notifications/read-all", &json!({})).await.0,
        204
    );
    assert_eq!(citizen.get("/api/v1/notifications").await.1["unread"], 0);
}

async fn the_lead_department_sees_the_whole_bundle(app: TestApp) {
    let (_, created) = filed(&app).await;
    let lead = app.logged_in("clerk-health", DEMO_PASSWORD).await;
    // Every work item of the bundles it leads, but it acts only on its own.
    let reg = item_id(&created, "birth-registration");
    let (status, d) = lead.get(&format!("/api/v1/work-items/{reg}")).await;
    assert_eq!(status, 200);
    assert_eq!(d["allowed_actions"], json!([]));
    let (status, err) = act(&lead, &reg, json!({"action": "accept"})).await;
    assert_eq!(
        (status, err["error"]["code"].clone()),
        (StatusCode::FORBIDDEN, json!("not_your_department"))
    );
    // Every answer of the submission.
    let (_, s) = lead
        .get(&format!(
            "/api/v1/submissions/{}",
            created["id"].as_str().expect("id")
        ))
        .await;
    assert!(s["data"].get("household_follow").is_some() && s["data"].get("residence_address").is_some());
    // The board: each department's load, the submissions of the bundle.
    let (status, board) = lead.get("/api/v1/lead/board").await;
    assert_eq!(status, 200, "{board}");
    assert_eq!(board["bundle"], "newborn");
    assert_eq!(board["bundles"], json!(["newborn"]));
    assert_eq!(board["submissions"]["items"][0]["id"], created["id"]);
    let health = board["departments"]
        .as_array()
        .expect("d")
        .iter()
        .find(|d| d["department"] == "health")
        .cloned()
        .expect("health");
    assert_eq!(health["open"], 2);
    // Departments that lead nothing, and other bundles, have no board.
    assert_eq!(
        app.logged_in("clerk-public-security", DEMO_PASSWORD)
            .await
            .get("/api/v1/lead/board")
            .await
            .0,
        404
    );
    assert_eq!(lead.get("/api/v1/lead/board?bundle=restaurant").await.0, 404);
}

async fn overdue_items_come_first(app: TestApp) {
    let (_, created) = filed(&app).await;
    let (_, second) = filed(&app).await;
    let today = app::domain::Date::today_china();
    // The second submission's certificate is overdue.
    let late = item_id(&second, "birth-certificate");
    let row = work_item::Entity::find_by_id(uuid::Uuid::parse_str(&late).expect("uuid"))
        .one(&app.db)
        .await
        .expect("q")
        .expect("row");
    let mut m = row.into_active_model();
    m.due_date = Set(Some(today.add_days(-3)));
    m.update(&app.db).await.expect("update");
    let health = app.logged_in("clerk-health", DEMO_PASSWORD).await;
    let (_, q) = health.get("/api/v1/work-items").await;
    assert_eq!(q["items"][0]["id"], late, "oldest due first");
    assert_eq!(q["items"][0]["overdue"], true);
    assert_eq!(q["overdue"], 1);
    let (_, only) = health.get("/api/v1/work-items?overdue=true").await;
    assert_eq!(only["items"].as_array().map(Vec::len), Some(1));
    let (_, board) = health.get("/api/v1/lead/board").await;
    assert_eq!(board["overdue"][0]["id"], second["id"]);
    assert_eq!(
        board["departments"][0]["department"], "health",
        "the bottleneck first"
    );
    assert_eq!(board["departments"][0]["overdue"], 1);
    let _ = created;
}

/// Walks `path` (with `limit=1` pages) and returns the ids in order.
async fn walk(b: &Browser, path: &str) -> Vec<String> {
    let sep = if path.contains('?') { '&' } else { '?' };
    let mut seen = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let url = match &next {
            Some(n) => format!("{path}{sep}limit=1&after={n}"),
            None => format!("{path}{sep}limit=1"),
        };
        let (status, page) = b.get(&url).await;
        assert_eq!(status, 200, "{page}");
        seen.extend(
            page["items"]
                .as_array()
                .expect("items")
                .iter()
                .filter_map(|w| w["id"].as_str().map(str::to_owned)),
        );
        match page["next"].as_str() {
            Some(n) => next = Some(n.to_owned()),
            None => return seen,
        }
        assert!(seen.len() < 50, "paging does not end");
    }
}

async fn the_queue_pages_every_status_in_order(app: TestApp) {
    // Six items of 县卫健局 in every state, with shared and missing due dates.
    let mut ids = Vec::new();
    for _ in 0..3 {
        let (_, created) = filed(&app).await;
        ids.push(item_id(&created, "birth-certificate"));
        ids.push(item_id(&created, "vaccination-certificate"));
    }
    let today = app::domain::Date::today_china();
    let setups: [(&str, Option<i64>); 6] = [
        ("pending", Some(2)),
        ("accepted", Some(-1)),
        ("waiting", None),
        ("returned", Some(2)),
        ("completed", Some(-5)),
        ("pending", None),
    ];
    for (id, (status, due)) in ids.iter().zip(setups) {
        let row = work_item::Entity::find_by_id(uuid::Uuid::parse_str(id).expect("uuid"))
            .one(&app.db)
            .await
            .expect("q")
            .expect("row");
        let mut m = row.into_active_model();
        m.status = Set(status.parse().expect("status"));
        m.due_date = Set(due.map(|d| today.add_days(d)));
        m.update(&app.db).await.expect("update");
    }
    // Expected: dated items by (due date, id), then undated ones by id.
    let ordered = |wanted: &[&str]| -> Vec<String> {
        let mut v: Vec<(bool, Option<String>, String)> = ids
            .iter()
            .zip(setups)
            .filter(|(_, (s, _))| wanted.contains(s))
            .map(|(id, (_, due))| {
                (
                    due.is_none(),
                    due.map(|d| today.add_days(d).to_string()),
                    id.clone(),
                )
            })
            .collect();
        v.sort();
        v.into_iter().map(|(_, _, id)| id).collect()
    };
    let health = app.logged_in("clerk-health", DEMO_PASSWORD).await;
    let open = ["pending", "accepted", "waiting", "returned"];
    assert_eq!(walk(&health, "/api/v1/work-items").await, ordered(&open));
    assert_eq!(
        walk(&health, "/api/v1/work-items?status=all").await,
        ordered(&["pending", "accepted", "waiting", "returned", "completed"])
    );
    assert_eq!(
        walk(&health, "/api/v1/work-items?status=pending").await,
        ordered(&["pending"])
    );
    assert_eq!(
        walk(&health, "/api/v1/work-items?overdue=true").await,
        vec![ids[1].clone()]
    );
    let (_, q) = health.get("/api/v1/work-items").await;
    assert_eq!(
        q["counts"],
        json!({"pending": 2, "accepted": 1, "waiting": 1, "returned": 1, "completed": 1})
    );
    assert_eq!(q["overdue"], 1);
    // Ending an item shows in the counts at once.
    let (status, r) = act(
        &health,
        &ids[1],
        json!({"action": "complete", "result": {"certificate_no": "Q-1"}}),
    )
    .await;
    assert_eq!(status, 200, "{r}");
    let (_, q) = health.get("/api/v1/work-items").await;
    assert_eq!(q["counts"]["completed"], 2);
    assert_eq!(q["counts"].get("accepted"), None);
    assert_eq!(q["overdue"], 0);
    // A bad cursor is refused clearly.
    let (status, body) = health.get("/api/v1/work-items?after=nonsense").await;
    assert_eq!(status, 422, "{body}");
}

/// A status word this build does not know (a corrupt row, or a newer
/// version's word) is refused when read — a logged 500 — never shown as
/// some other status.
async fn a_corrupt_status_is_an_error_not_a_default(app: TestApp) {
    use sea_orm::{ConnectionTrait, Statement};
    let (_, created) = filed(&app).await;
    let id = item_id(&created, "birth-certificate");
    let health = app.logged_in("clerk-health", DEMO_PASSWORD).await;
    assert_eq!(health.get(&format!("/api/v1/work-items/{id}")).await.0, 200);
    let backend = app.db.get_database_backend();
    let sql = match backend {
        sea_orm::DbBackend::Postgres => "UPDATE work_items SET status = 'misplaced' WHERE id = $1",
        _ => "UPDATE work_items SET status = 'misplaced' WHERE id = ?",
    };
    let uuid = uuid::Uuid::parse_str(&id).expect("uuid");
    app.db
        .execute_raw(Statement::from_sql_and_values(backend, sql, [uuid.into()]))
        .await
        .expect("corrupt the row");
    let (status, body) = health.get(&format!("/api/v1/work-items/{id}")).await;
    assert_eq!(status, 500, "{body}");
    assert_eq!(body["error"]["code"], "internal", "{body}");
    let (status, _) = health.get("/api/v1/work-items?status=all").await;
    assert_eq!(status, 500, "the queue does not show it as another status");
}

/// 新生儿出生 data with the marriage certificate promised (容缺受理).
pub fn promising_marriage_certificate(mut data: Value) -> Value {
    data["marriage_certificate"] = json!("commit");
    data
}
