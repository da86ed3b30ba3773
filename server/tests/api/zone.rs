//! The enterprise zone: enterprises and agents, acting for an enterprise,
//! profiles that prefill, e-certificates instead of uploads, 免申即享.

use reqwest::StatusCode;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait, IntoActiveModel};
use serde_json::{Value, json};
use server::db::entities::enterprise_member;

use crate::both_backends;
use crate::helpers::{Browser, DEMO_PASSWORD, TestApp, unique_id_number};

both_backends!(
    #[demo]
    the_legal_representative_registers_an_enterprise,
    #[demo]
    agents_act_for_an_enterprise_until_expired_or_revoked,
    #[demo]
    bundles_are_filed_for_the_right_subject,
    #[demo]
    profiles_prefill_the_next_form,
    #[demo]
    e_certificates_replace_uploads_and_are_issued_on_completion,
    #[demo]
    matching_policies_are_offered_and_confirmed,
);

static SEQ: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

/// A valid 统一社会信用代码 unique within this run.
pub fn credit_code() -> String {
    let n = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + std::process::id() % 10_000 * 1000;
    let first17 = format!("91610326MA{n:07}");
    format!(
        "{first17}{}",
        app::domain::credit_code::check_char(&first17).expect("alphabet")
    )
}

/// A citizen who registers an enterprise and acts for it.
pub async fn enterprise_admin(app: &TestApp, name: &str) -> (Browser, String, String) {
    let (b, phone, id) = app.new_citizen("刘美丽").await;
    let (status, e) = b
        .post(
            "/api/v1/enterprises",
            &json!({"credit_code": credit_code(), "name": name, "legal_representative": "刘美丽", "legal_representative_id_number": id}),
        )
        .await;
    assert_eq!(status, 201, "{e}");
    let eid = e["id"].as_str().expect("id").to_owned();
    let (status, me) = b.post("/api/v1/acting", &json!({"enterprise": eid})).await;
    assert_eq!(status, 200, "{me}");
    (b, eid, phone)
}

async fn form_data(b: &Browser, bundle: &str, items: &str) -> (Value, serde_json::Map<String, Value>) {
    let (status, form) = b
        .get(&format!("/api/v1/bundles/{bundle}/form?items={items}"))
        .await;
    assert_eq!(status, 200, "{form}");
    let parsed: app::api::FormDto = serde_json::from_value(form.clone()).expect("form");
    let mut data = app::catalog::values::example_answers(&parsed, app::domain::Date::today_china(), 5);
    // Keep what the platform prefilled (the applicant's own facts).
    for (k, v) in &parsed.prefill {
        data.insert(k.clone(), v.clone());
    }
    let data = match b.with_uploads(Value::Object(data)).await {
        Value::Object(m) => m,
        _ => unreachable!("an object stays an object"),
    };
    (form, data)
}

async fn file_restaurant(b: &Browser) -> Value {
    let (_, data) = form_data(b, "restaurant", "").await;
    let (status, created) = b
        .post(
            "/api/v1/submissions",
            &json!({"bundle": "restaurant", "data": data}),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    created
}

fn work_item(created: &Value, item: &str) -> String {
    created["work_items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|w| w["item"] == item)
        .and_then(|w| w["id"].as_str())
        .expect(item)
        .to_owned()
}

async fn the_legal_representative_registers_an_enterprise(app: TestApp) {
    let (b, _, id) = app.new_citizen("刘美丽").await;
    let code = credit_code();
    let body = |code: &str, rep: &str, rep_id: &str| json!({"credit_code": code, "name": "眉县老味道餐饮有限公司", "legal_representative": rep, "legal_representative_id_number": rep_id, "established_on": "2026-01-05"});
    let bad_code = format!("{}{}", &code[..17], if code.ends_with('A') { 'B' } else { 'A' });
    let (status, err) = b
        .post("/api/v1/enterprises", &body(&bad_code, "刘美丽", &id))
        .await;
    assert_eq!(
        (status, err["error"]["fields"][0]["code"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!("credit_code_check_digit"))
    );
    let (status, err) = b
        .post("/api/v1/enterprises", &body(&code, "王大力", &unique_id_number()))
        .await;
    assert_eq!(
        (status, err["error"]["fields"][0]["code"].clone()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            json!("not_legal_representative")
        )
    );
    let (status, e) = b.post("/api/v1/enterprises", &body(&code, "刘美丽", &id)).await;
    assert_eq!(status, 201, "{e}");
    assert_eq!(e["role"], "admin");
    assert_eq!(e["established_on"], "2026-01-05");
    assert!(
        !e.to_string().contains(&id),
        "the representative's ID is not echoed"
    );
    let (other, _, other_id) = app.new_citizen("别人").await;
    let (status, err) = other
        .post("/api/v1/enterprises", &body(&code, "别人", &other_id))
        .await;
    assert_eq!(status, 422);
    let codes: Vec<&str> = err["error"]["fields"]
        .as_array()
        .expect("f")
        .iter()
        .filter_map(|f| f["code"].as_str())
        .collect();
    assert!(codes.contains(&"enterprise_exists"), "{err}");
    assert_eq!(
        app.logged_in("clerk-health", DEMO_PASSWORD)
            .await
            .post("/api/v1/enterprises", &body(&credit_code(), "x", &id))
            .await
            .0,
        403
    );
    assert_eq!(
        app.browser()
            .post("/api/v1/enterprises", &body(&credit_code(), "x", &id))
            .await
            .0,
        401
    );

    // Acting for it: the platform holds its business licence as an e-certificate.
    let (_, mine) = b.get("/api/v1/enterprises").await;
    assert_eq!(mine[0]["credit_code"], code);
    let (_, me) = b.post("/api/v1/acting", &json!({"enterprise": e["id"]})).await;
    assert_eq!(me["acting_for"]["name"], "眉县老味道餐饮有限公司");
    let (_, certs) = b.get("/api/v1/certificates").await;
    assert_eq!(certs[0]["kind"], "business-licence");
    assert_eq!(certs[0]["number"], code);
    assert_eq!(certs[0]["valid"], true);
    // Nobody else may act for it or see it.
    assert_eq!(
        other
            .post("/api/v1/acting", &json!({"enterprise": e["id"]}))
            .await
            .0,
        404
    );
    assert_eq!(
        other
            .get(&format!("/api/v1/enterprises/{}", e["id"].as_str().expect("id")))
            .await
            .0,
        404
    );
}

async fn agents_act_for_an_enterprise_until_expired_or_revoked(app: TestApp) {
    let (admin, eid, _) = enterprise_admin(&app, "眉县运输有限公司").await;
    let (agent, agent_phone, _) = app.new_citizen("经办人甲").await;
    let until = app::domain::Date::today_china().add_days(30).to_string();
    let (status, err) = admin
        .post(
            &format!("/api/v1/enterprises/{eid}/agents"),
            &json!({"phone": "13000000001", "expires_on": until}),
        )
        .await;
    assert_eq!(
        (status, err["error"]["fields"][0]["code"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!("phone_unknown"))
    );
    let (status, err) = admin
        .post(
            &format!("/api/v1/enterprises/{eid}/agents"),
            &json!({"phone": agent_phone, "expires_on": "2020-01-01"}),
        )
        .await;
    assert_eq!(
        (status, err["error"]["fields"][0]["code"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!("date_invalid"))
    );
    let (status, agents) = admin
        .post(
            &format!("/api/v1/enterprises/{eid}/agents"),
            &json!({"phone": agent_phone, "expires_on": until}),
        )
        .await;
    assert_eq!(status, 200, "{agents}");
    let a = agents
        .as_array()
        .expect("agents")
        .iter()
        .find(|a| a["role"] == "agent")
        .cloned()
        .expect("agent");
    assert_eq!(a["state"], "active");
    assert!(a["phone_masked"].as_str().is_some_and(|p| p.contains("****")));
    let agent_id = a["user_id"].as_str().expect("id").to_owned();

    // The agent acts for the enterprise and files for it.
    let (_, me) = agent.post("/api/v1/acting", &json!({"enterprise": eid})).await;
    assert_eq!(me["acting_for"]["role"], "agent");
    let created = file_restaurant(&agent).await;
    let sub = created["id"].as_str().expect("id").to_owned();
    // Agents cannot manage agents.
    assert_eq!(
        agent
            .post(
                &format!("/api/v1/enterprises/{eid}/agents"),
                &json!({"phone": agent_phone, "expires_on": until})
            )
            .await
            .0,
        404
    );
    // The administrator, acting for it, sees the enterprise's submission.
    let (_, list) = admin.get("/api/v1/submissions").await;
    assert_eq!(list["items"][0]["id"], sub);
    assert_eq!(admin.get(&format!("/api/v1/submissions/{sub}")).await.0, 200);
    // Acting for oneself, the same person does not see it.
    admin.post("/api/v1/acting", &json!({"enterprise": null})).await;
    assert_eq!(admin.get("/api/v1/submissions").await.1["items"], json!([]));
    assert_eq!(admin.get(&format!("/api/v1/submissions/{sub}")).await.0, 404);

    // Expired: the next request no longer acts for the enterprise.
    let m = enterprise_member::Entity::find_by_id((
        uuid::Uuid::parse_str(&eid).expect("e"),
        uuid::Uuid::parse_str(&agent_id).expect("u"),
    ))
    .one(&app.db)
    .await
    .expect("q")
    .expect("member");
    let mut am = m.into_active_model();
    am.expires_on = Set(Some(app::domain::Date::today_china().add_days(-1)));
    am.update(&app.db).await.expect("update");
    let (_, me) = agent.get("/api/v1/me").await;
    assert!(me.get("acting_for").is_none(), "expired: {me}");
    assert_eq!(agent.get(&format!("/api/v1/submissions/{sub}")).await.0, 404);
    assert_eq!(
        agent.post("/api/v1/acting", &json!({"enterprise": eid})).await.0,
        404
    );
    assert_eq!(agent.get("/api/v1/enterprises").await.1, json!([]));

    // Renewed, then revoked: revocation takes effect at once.
    admin.post("/api/v1/acting", &json!({"enterprise": eid})).await;
    admin
        .post(
            &format!("/api/v1/enterprises/{eid}/agents"),
            &json!({"phone": agent_phone, "expires_on": until}),
        )
        .await;
    assert_eq!(
        agent.post("/api/v1/acting", &json!({"enterprise": eid})).await.0,
        200
    );
    let (status, agents) = admin
        .delete(&format!("/api/v1/enterprises/{eid}/agents/{agent_id}"))
        .await;
    assert_eq!(status, 200);
    assert!(
        agents
            .as_array()
            .expect("a")
            .iter()
            .any(|a| a["state"] == "revoked")
    );
    assert!(agent.get("/api/v1/me").await.1.get("acting_for").is_none());
    // An agent of another enterprise gets nothing of this one.
    let (other_admin, _, _) = enterprise_admin(&app, "别家公司").await;
    assert_eq!(
        other_admin.get(&format!("/api/v1/submissions/{sub}")).await.0,
        404
    );
    assert_eq!(
        other_admin.get(&format!("/api/v1/enterprises/{eid}")).await.0,
        404
    );
}

async fn bundles_are_filed_for_the_right_subject(app: TestApp) {
    let (person, _, _) = app.new_citizen("个人").await;
    let (status, err) = person
        .post(
            "/api/v1/submissions",
            &json!({"bundle": "restaurant", "data": {}}),
        )
        .await;
    assert_eq!(
        (status, err["error"]["fields"][0]["code"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!("enterprise_bundle"))
    );
    assert_eq!(
        person
            .put("/api/v1/drafts/restaurant", &json!({"data": {}}))
            .await
            .0,
        422
    );
    let (acting, _, _) = enterprise_admin(&app, "眉县某某公司").await;
    let (status, err) = acting
        .post("/api/v1/submissions", &json!({"bundle": "newborn", "data": {}}))
        .await;
    assert_eq!(
        (status, err["error"]["fields"][0]["code"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!("citizen_bundle"))
    );
    // Filed for an enterprise, the form must name that enterprise.
    let (_, mut other) = form_data(&acting, "restaurant", "").await;
    other.insert("credit_code".into(), json!(credit_code()));
    let (status, err) = acting
        .post(
            "/api/v1/submissions",
            &json!({"bundle": "restaurant", "data": other}),
        )
        .await;
    assert_eq!(
        (
            status,
            err["error"]["fields"][0]["field"].clone(),
            err["error"]["fields"][0]["code"].clone()
        ),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            json!("credit_code"),
            json!("not_acting_enterprise")
        ),
        "{err}"
    );
    // Every submission records both the enterprise and the person who acted.
    let created = file_restaurant(&acting).await;
    let row = server::db::entities::submission::Entity::find_by_id(
        uuid::Uuid::parse_str(created["id"].as_str().expect("id")).expect("uuid"),
    )
    .one(&app.db)
    .await
    .expect("q")
    .expect("row");
    assert!(row.subject.to_string().starts_with("enterprise:"));
    let (_, me) = acting.get("/api/v1/me").await;
    assert_eq!(row.applicant_id.to_string(), me["id"].as_str().expect("id"));
}

async fn profiles_prefill_the_next_form(app: TestApp) {
    let (b, _, _) = enterprise_admin(&app, "眉县老味道餐饮有限公司").await;
    // What the enterprise registration recorded prefills its forms.
    let (form, _) = form_data(&b, "restaurant", "").await;
    assert_eq!(form["prefill"]["enterprise_name"], "眉县老味道餐饮有限公司");
    assert_eq!(form["prefill_sources"]["enterprise_name"], "user_input");
    assert_eq!(form["prefill_sources"]["applicant_name"], "prefill");
    // File, and the clerk accepts: the accepted answers are remembered.
    let (_, mut data) = form_data(&b, "restaurant", "").await;
    data.insert("premises_address".into(), json!("眉县首善街道平阳街 88 号"));
    let (status, created) = b
        .post(
            "/api/v1/submissions",
            &json!({"bundle": "restaurant", "data": data}),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let market = app.logged_in("clerk-market-regulation", DEMO_PASSWORD).await;
    let check = work_item(&created, "restaurant-licence-check");
    let food = work_item(&created, "food-business-licence");
    assert_eq!(
        market
            .post(
                &format!("/api/v1/work-items/{check}/actions"),
                &json!({"action": "accept"})
            )
            .await
            .0,
        200
    );
    // Only facts of accepted items are remembered: the premises are not yet.
    let (_, profile) = b.get("/api/v1/profile").await;
    let keys: Vec<&str> = profile["facts"]
        .as_array()
        .expect("facts")
        .iter()
        .filter_map(|f| f["key"].as_str())
        .collect();
    assert!(!keys.contains(&"premises_address"));
    let signage = work_item(&created, "outdoor-signage");
    let urban = app.logged_in("clerk-urban-management", DEMO_PASSWORD).await;
    assert_eq!(
        urban
            .post(
                &format!("/api/v1/work-items/{signage}/actions"),
                &json!({"action": "accept"})
            )
            .await
            .0,
        200
    );
    let (_, form) = b.get("/api/v1/bundles/utility-connection/form").await;
    assert_eq!(form["prefill"]["enterprise_name"], "眉县老味道餐饮有限公司");
    let (_, profile) = b.get("/api/v1/profile").await;
    let premises = profile["facts"]
        .as_array()
        .expect("facts")
        .iter()
        .find(|f| f["key"] == "premises_address")
        .cloned()
        .expect("remembered");
    assert_eq!(premises["value"], "眉县首善街道平阳街 88 号");
    assert_eq!(premises["source"], "user_input");
    // The applicant corrects their profile.
    let (status, _) = b
        .put(
            "/api/v1/profile/premises_address",
            &json!({"value": "眉县首善街道平阳街 99 号"}),
        )
        .await;
    assert_eq!(status, 200);
    let (status, err) = b
        .put("/api/v1/profile/employee_count", &json!({"value": "many"}))
        .await;
    assert_eq!(
        (status, err["error"]["fields"][0]["field"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!("value"))
    );
    assert_eq!(
        b.put("/api/v1/profile/no_such_field", &json!({"value": 1}))
            .await
            .0,
        404
    );
    let (form, _) = form_data(&b, "restaurant", "").await;
    assert_eq!(form["prefill"]["premises_address"], "眉县首善街道平阳街 99 号");
    // Never another subject's data: the same person acting for themselves…
    b.post("/api/v1/acting", &json!({"enterprise": null})).await;
    let (_, form) = b.get("/api/v1/bundles/newborn/form").await;
    assert!(
        form["prefill"].get("premises_address").is_none() && form["prefill"].get("enterprise_name").is_none()
    );
    // …nor another enterprise.
    let (other, _, _) = enterprise_admin(&app, "别家公司").await;
    let (_, form) = other.get("/api/v1/bundles/restaurant/form").await;
    assert_ne!(form["prefill"]["enterprise_name"], "眉县老味道餐饮有限公司");
    assert!(form["prefill"].get("premises_address").is_none());
    let _ = food;
}

async fn e_certificates_replace_uploads_and_are_issued_on_completion(app: TestApp) {
    let (b, _, _) = enterprise_admin(&app, "眉县老味道餐饮有限公司").await;
    let (form, data) = form_data(&b, "restaurant", "").await;
    let licence = form["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .flat_map(|s| s["fields"].as_array().expect("f"))
        .find(|f| f["key"] == "business_licence_copy")
        .cloned()
        .expect("material");
    assert_eq!(licence["certificate"]["name"], "营业执照（电子营业执照）");
    assert_eq!(form["prefill"]["business_licence_copy"], "certificate");
    assert_eq!(data["business_licence_copy"], "certificate");
    let (status, created) = b
        .post(
            "/api/v1/submissions",
            &json!({"bundle": "restaurant", "data": data}),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    // The clerk sees the certificate, verified.
    let market = app.logged_in("clerk-market-regulation", DEMO_PASSWORD).await;
    let check = work_item(&created, "restaurant-licence-check");
    let (_, d) = market.get(&format!("/api/v1/work-items/{check}")).await;
    let m = d["materials"]
        .as_array()
        .expect("materials")
        .iter()
        .find(|m| m["key"] == "business_licence_copy")
        .cloned()
        .expect("m");
    assert!(
        m["display"]
            .as_str()
            .is_some_and(|s| s.contains("电子证照") && s.contains("已核验")),
        "{m}"
    );
    // Someone without the certificate cannot claim it.
    let (person, _, _) = app.new_citizen("没有证照").await;
    let (status, _) = person.post("/api/v1/enterprises", &json!({})).await;
    assert_eq!(status, 422);
    // Completing 食品经营许可 issues 食品经营许可证 into the enterprise's library.
    for action in ["accept", "complete"] {
        market
            .post(
                &format!("/api/v1/work-items/{check}/actions"),
                &json!({"action": action}),
            )
            .await;
    }
    let food = work_item(&created, "food-business-licence");
    market
        .post(
            &format!("/api/v1/work-items/{food}/actions"),
            &json!({"action": "accept"}),
        )
        .await;
    let (status, err) = market
        .post(
            &format!("/api/v1/work-items/{food}/actions"),
            &json!({"action": "complete"}),
        )
        .await;
    assert_eq!(
        (status, err["error"]["fields"][0]["code"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!("certificate_no_required"))
    );
    let (status, _) = market
        .post(
            &format!("/api/v1/work-items/{food}/actions"),
            &json!({"action": "complete", "result": {"certificate_no": "JY16103260001234"}}),
        )
        .await;
    assert_eq!(status, 200);
    let (_, certs) = b.get("/api/v1/certificates").await;
    let food_cert = certs
        .as_array()
        .expect("certs")
        .iter()
        .find(|c| c["kind"] == "food-business-licence")
        .cloned()
        .expect("issued");
    assert_eq!(food_cert["number"], "JY16103260001234");
    assert_eq!(food_cert["issued_by"], "market-regulation");
    let five_years = app::domain::Date::today_china().add_days(5 * 365).to_string();
    assert_eq!(food_cert["valid_until"], five_years);
}

async fn matching_policies_are_offered_and_confirmed(app: TestApp) {
    let (b, _, _) = enterprise_admin(&app, "眉县老味道餐饮有限公司").await;
    // A new enterprise with a business licence: 创业担保贷款贴息 at once.
    let (_, offers) = b.get("/api/v1/offers").await;
    let codes: Vec<&str> = offers
        .as_array()
        .expect("offers")
        .iter()
        .filter_map(|o| o["policy"].as_str())
        .collect();
    assert!(codes.contains(&"startup-guaranteed-loan-interest"), "{offers}");
    assert!(!codes.contains(&"new-restaurant-opening-subsidy"));
    // Open the restaurant: the food licence makes the opening subsidy match.
    let created = file_restaurant(&b).await;
    let market = app.logged_in("clerk-market-regulation", DEMO_PASSWORD).await;
    for (item, result) in [
        ("restaurant-licence-check", json!(null)),
        (
            "food-business-licence",
            json!({"certificate_no": "JY16103260009999"}),
        ),
    ] {
        let id = work_item(&created, item);
        market
            .post(
                &format!("/api/v1/work-items/{id}/actions"),
                &json!({"action": "accept"}),
            )
            .await;
        let (status, r) = market
            .post(
                &format!("/api/v1/work-items/{id}/actions"),
                &json!({"action": "complete", "result": result}),
            )
            .await;
        assert_eq!(status, 200, "{r}");
    }
    let (_, offers) = b.get("/api/v1/offers").await;
    let offer = offers
        .as_array()
        .expect("offers")
        .iter()
        .find(|o| o["policy"] == "new-restaurant-opening-subsidy")
        .cloned()
        .expect("offered");
    assert_eq!(offer["status"], "offered");
    assert_eq!(offer["department"], "commerce-industry");
    let (_, n) = b.get("/api/v1/notifications").await;
    assert!(
        n["items"]
            .as_array()
            .expect("n")
            .iter()
            .any(|x| x["kind"] == "policy_offer"
                && x["title"].as_str().is_some_and(|t| t.contains("开业补贴")))
    );
    // Matching again offers nothing twice.
    let (_, again) = b.get("/api/v1/offers").await;
    assert_eq!(again.as_array().map(Vec::len), offers.as_array().map(Vec::len));

    // Confirming files it to the department: no form to fill.
    let id = offer["id"].as_str().expect("id");
    let (status, confirmed) = b.post(&format!("/api/v1/offers/{id}/confirm"), &json!({})).await;
    assert_eq!(status, 200, "{confirmed}");
    assert_eq!(confirmed["status"], "confirmed");
    let sub = confirmed["submission_id"].as_str().expect("submission");
    let (_, s) = b.get(&format!("/api/v1/submissions/{sub}")).await;
    assert_eq!(s["work_items"][0]["department"], "commerce-industry");
    assert_eq!(s["work_items"][0]["status"], "pending");
    let clerk = app.logged_in("clerk-commerce-industry", DEMO_PASSWORD).await;
    let (_, q) = clerk.get("/api/v1/work-items").await;
    assert_eq!(q["items"][0]["item"], "new-restaurant-opening-subsidy");
    let (status, err) = b.post(&format!("/api/v1/offers/{id}/confirm"), &json!({})).await;
    assert_eq!(
        (status, err["error"]["code"].clone()),
        (StatusCode::CONFLICT, json!("offer_decided"))
    );
    // Someone else's offer does not exist for them; policies are not public bundles.
    let (other, _, _) = app.new_citizen("旁人").await;
    assert_eq!(
        other
            .post(&format!("/api/v1/offers/{id}/confirm"), &json!({}))
            .await
            .0,
        404
    );
    assert_eq!(
        app.get("/api/v1/bundles/new-restaurant-opening-subsidy").await.0,
        404
    );
    let (status, _) = b
        .post(
            "/api/v1/submissions",
            &json!({"bundle": "new-restaurant-opening-subsidy", "data": {}}),
        )
        .await;
    assert_eq!(status, 422);
}
