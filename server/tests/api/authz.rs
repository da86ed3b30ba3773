//! The authorisation matrix: every role × every endpoint (× own/other object
//! where there is one). Denied objects answer 404, anonymous callers 401.

use reqwest::Method;
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{Browser, DEMO_PASSWORD, TestApp, send};

both_backends!(
    #[demo]
    every_role_on_every_endpoint
);

/// The callers of the matrix, in column order: "owner" filed the objects
/// below, "other" is another citizen.
const ROLES: [&str; 9] = [
    "anonymous",
    "owner",
    "other",
    "clerk",
    "lead",
    "admin",
    "dispatcher",
    "operator",
    "evaluator",
];

struct Row {
    method: Method,
    path: String,
    body: Option<Value>,
    /// Expected status per role, in `ROLES` order.
    expect: [u16; 9],
}

fn row(method: Method, path: impl Into<String>, body: Option<Value>, expect: [u16; 9]) -> Row {
    Row {
        method,
        path: path.into(),
        body,
        expect,
    }
}

async fn call(b: &Browser, r: &Row) -> u16 {
    let mut req = b.client.request(r.method.clone(), b.url(&r.path));
    if let Some(body) = &r.body {
        req = req.json(body);
    }
    send(req).await.0.as_u16()
}

async fn every_role_on_every_endpoint(app: TestApp) {
    let anonymous = app.browser();
    let (owner, _, owner_id) = app.new_citizen("矩阵甲").await;
    let (other, _, _) = app.new_citizen("矩阵乙").await;
    // 县公安局 leads no bundle; 县卫健局 leads 新生儿出生.
    let clerk = app.logged_in("clerk-public-security", DEMO_PASSWORD).await;
    let lead = app.logged_in("clerk-health", DEMO_PASSWORD).await;
    let admin = app.logged_in("admin", DEMO_PASSWORD).await;
    let dispatcher = app.logged_in("dispatcher", DEMO_PASSWORD).await;
    let operator = app.logged_in("operator-12345", DEMO_PASSWORD).await;
    let evaluator = app.logged_in("evaluator", DEMO_PASSWORD).await;
    let callers = [
        &anonymous,
        &owner,
        &other,
        &clerk,
        &lead,
        &admin,
        &dispatcher,
        &operator,
        &evaluator,
    ];
    let (_, tax) = admin.get("/api/v1/admin/users?role=clerk&department=tax").await;
    let tax_clerk = tax["items"][0]["id"].as_str().expect("a tax clerk").to_owned();

    // The owner's objects: a draft and a submission of 新生儿出生.
    let (status, _) = owner.put("/api/v1/drafts/retirement", &json!({"data": {}})).await;
    assert_eq!(status, 200);
    let data = owner
        .with_uploads(crate::submissions::newborn_data(
            &owner_id,
            &crate::helpers::unique_id_number(),
        ))
        .await;
    let household_file = data["household_register"]["files"][0]
        .as_str()
        .expect("file")
        .to_owned();
    let data = crate::workbench::promising_marriage_certificate(data);
    let body = json!({"bundle": "newborn", "items": [], "data": data, "commitment_agreed": true});
    // An upload of the owner's that no submission uses.
    let loose_file = owner.uploaded().await;
    let (status, created) = owner.post("/api/v1/submissions", &body).await;
    assert_eq!(status, 201, "{created}");
    let submission = created["id"].as_str().expect("id").to_owned();
    let work_item = |item: &str| {
        created["work_items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|w| w["item"] == item)
            .and_then(|w| w["id"].as_str())
            .expect(item)
            .to_owned()
    };
    let (registration, vaccination) = (
        work_item("birth-registration"),
        work_item("vaccination-certificate"),
    );

    // 县卫健局 completes 疫苗接种证; the owner gives it a 差评, which opens
    // a case for 县卫健局.
    for action in ["accept", "complete"] {
        let (status, r) = lead
            .post(
                &format!("/api/v1/work-items/{vaccination}/actions"),
                &json!({ "action": action }),
            )
            .await;
        assert_eq!(status, 200, "{r}");
    }
    let (status, rated) = owner
        .post(
            &format!("/api/v1/work-items/{vaccination}/rating"),
            &json!({"score": 1, "comment": "跑了三次"}),
        )
        .await;
    assert_eq!(status, 201, "{rated}");
    let rating = rated["id"].as_str().expect("rating").to_owned();
    let case = rated["case"].as_str().expect("case").to_owned();

    // The owner's enterprise (not acted for until the last row).
    let code = crate::zone::credit_code();
    let (status, e) = owner
        .post(
            "/api/v1/enterprises",
            &json!({"credit_code": code, "name": "矩阵公司", "legal_representative": "矩阵甲", "legal_representative_id_number": owner_id}),
        )
        .await;
    assert_eq!(status, 201, "{e}");
    let enterprise = e["id"].as_str().expect("id").to_owned();

    let public = [200; 9];
    let logged_in = [401, 200, 200, 200, 200, 200, 200, 200, 200];
    let admin_only = [401, 404, 404, 404, 404, 200, 404, 404, 404];
    let applicants = |ok: u16| [401, ok, ok, 403, 403, 403, 403, 403, 403];
    let rows = vec![
        row(Method::GET, "/api/v1/health", None, public),
        row(Method::GET, "/api/v1/departments", None, public),
        row(Method::GET, "/api/v1/bundles", None, public),
        row(Method::GET, "/api/v1/bundles/newborn", None, public),
        row(Method::GET, "/api/v1/bundles/newborn/form", None, public),
        row(Method::GET, "/api/v1/openapi.yaml", None, public),
        row(Method::GET, "/api/v1/openapi.json", None, public),
        row(Method::GET, "/api/docs", None, public),
        // Malformed bodies: the endpoints answer everyone alike (a
        // well-formed failed login would lock the account after 5 rows).
        row(
            Method::POST,
            "/api/v1/auth/register",
            Some(json!({})),
            [422, 422, 422, 422, 422, 422, 422, 422, 422],
        ),
        row(
            Method::POST,
            "/api/v1/auth/login",
            Some(json!({})),
            [422, 422, 422, 422, 422, 422, 422, 422, 422],
        ),
        row(Method::GET, "/api/v1/me", None, logged_in),
        row(
            Method::POST,
            "/api/v1/auth/password",
            Some(json!({"current_password": "x", "new_password": "y"})),
            [401, 422, 422, 422, 422, 422, 422, 422, 422],
        ),
        // Drafts are addressed by bundle within the caller's own space: the
        // other citizen simply has none.
        row(
            Method::GET,
            "/api/v1/drafts/retirement",
            None,
            [401, 200, 404, 403, 403, 403, 403, 403, 403],
        ),
        row(
            Method::PUT,
            "/api/v1/drafts/newborn",
            Some(json!({"data": {}})),
            applicants(200),
        ),
        row(Method::DELETE, "/api/v1/drafts/newborn", None, applicants(204)),
        row(
            Method::POST,
            "/api/v1/submissions",
            Some(json!({"bundle": "newborn", "data": {}})),
            applicants(422),
        ),
        row(Method::GET, "/api/v1/submissions", None, logged_in),
        row(
            Method::GET,
            format!("/api/v1/submissions/{submission}"),
            None,
            // 县公安局 handles an item of it; 县卫健局 leads the bundle.
            [401, 200, 404, 200, 200, 404, 404, 404, 404],
        ),
        row(
            Method::POST,
            format!("/api/v1/submissions/{submission}/supplement"),
            Some(json!({"work_item": registration, "data": {}})),
            [401, 409, 404, 404, 404, 404, 404, 404, 404],
        ),
        // Not multipart: applicants are told so, staff may not upload at all.
        row(
            Method::POST,
            "/api/v1/uploads",
            Some(json!({})),
            [401, 400, 400, 403, 403, 403, 403, 403, 403],
        ),
        row(Method::GET, "/api/v1/uploads", None, applicants(200)),
        // Need-to-know: the police clerk's item needs the 户口簿; the lead
        // department's items do not.
        row(
            Method::GET,
            format!("/api/v1/uploads/{household_file}"),
            None,
            [401, 200, 404, 200, 404, 404, 404, 404, 404],
        ),
        row(
            Method::GET,
            format!("/api/v1/uploads/{loose_file}"),
            None,
            [401, 200, 404, 404, 404, 404, 404, 404, 404],
        ),
        row(
            Method::POST,
            format!("/api/v1/submissions/{submission}/commitments/marriage_certificate"),
            Some(json!({"files": []})),
            [401, 422, 404, 404, 404, 404, 404, 404, 404],
        ),
        // Nothing handed in yet: the police clerk cannot record it fulfilled.
        row(
            Method::POST,
            format!("/api/v1/work-items/{registration}/commitments/marriage_certificate"),
            Some(json!({"outcome": "fulfilled"})),
            [401, 404, 404, 409, 404, 404, 404, 404, 404],
        ),
        // Waiting: not yet reviewable.
        row(
            Method::PUT,
            format!("/api/v1/work-items/{registration}/materials/household_register"),
            Some(json!({"verdict": "accepted"})),
            [401, 404, 404, 409, 404, 404, 404, 404, 404],
        ),
        row(
            Method::GET,
            "/api/v1/work-items",
            None,
            [401, 404, 404, 200, 200, 404, 404, 404, 404],
        ),
        row(
            Method::GET,
            format!("/api/v1/work-items/{registration}"),
            None,
            [401, 404, 404, 200, 200, 404, 404, 404, 404],
        ),
        row(
            Method::GET,
            format!("/api/v1/work-items/{vaccination}"),
            None,
            [401, 404, 404, 404, 200, 404, 404, 404, 404],
        ),
        // Waiting: the police clerk may act but not yet; the lead may only look.
        row(
            Method::POST,
            format!("/api/v1/work-items/{registration}/actions"),
            Some(json!({"action": "accept"})),
            [401, 404, 404, 409, 403, 404, 404, 404, 404],
        ),
        // Rated already; not the others' to rate (a window rating is the
        // item's own department's, with `channel` `window`).
        row(
            Method::POST,
            format!("/api/v1/work-items/{vaccination}/rating"),
            Some(json!({"score": 5})),
            [401, 409, 404, 404, 404, 404, 404, 404, 404],
        ),
        row(
            Method::POST,
            format!("/api/v1/submissions/{submission}/rating"),
            Some(json!({"score": 5})),
            [401, 409, 404, 404, 404, 404, 404, 404, 404],
        ),
        row(
            Method::GET,
            "/api/v1/ratings",
            None,
            [401, 200, 200, 200, 200, 403, 200, 403, 403],
        ),
        // A blank 追评: the owner is told it is required; the rated
        // department and the county office see the rating but may not.
        row(
            Method::POST,
            format!("/api/v1/ratings/{rating}/actions"),
            Some(json!({"action": "follow_up", "comment": ""})),
            [401, 422, 404, 404, 403, 404, 403, 404, 404],
        ),
        row(
            Method::POST,
            "/api/v1/cases",
            Some(json!({"kind": "complaint", "description": ""})),
            [401, 422, 422, 403, 403, 403, 403, 422, 403],
        ),
        row(
            Method::GET,
            "/api/v1/cases",
            None,
            [401, 200, 200, 200, 200, 403, 200, 200, 403],
        ),
        // The 差评 case: its person, 县卫健局 and the county office.
        row(
            Method::GET,
            format!("/api/v1/cases/{case}"),
            None,
            [401, 200, 404, 404, 200, 404, 200, 404, 404],
        ),
        // `confirm` is the person's (who forgot the satisfaction).
        row(
            Method::POST,
            format!("/api/v1/cases/{case}/actions"),
            Some(json!({"action": "confirm"})),
            [401, 422, 404, 404, 403, 404, 403, 404, 404],
        ),
        row(
            Method::GET,
            "/api/v1/people?q=13800138000",
            None,
            [401, 403, 403, 403, 403, 403, 200, 200, 403],
        ),
        row(
            Method::GET,
            "/api/v1/lead/board",
            None,
            [401, 404, 404, 404, 200, 404, 404, 404, 404],
        ),
        row(Method::GET, "/api/v1/notifications", None, logged_in),
        row(
            Method::POST,
            format!("/api/v1/notifications/{}/read", uuid::Uuid::now_v7()),
            Some(json!({})),
            [401, 204, 204, 204, 204, 204, 204, 204, 204],
        ),
        row(
            Method::POST,
            "/api/v1/notifications/read-all",
            Some(json!({})),
            [401, 204, 204, 204, 204, 204, 204, 204, 204],
        ),
        row(Method::GET, "/api/v1/admin/users", None, admin_only),
        row(
            Method::POST,
            "/api/v1/admin/users",
            Some(json!({"username": "", "name": "", "role": "", "password": ""})),
            [401, 404, 404, 404, 404, 422, 404, 404, 404],
        ),
        // Disabled, then enabled again by the next row.
        row(
            Method::POST,
            format!("/api/v1/admin/users/{tax_clerk}/disable"),
            Some(json!({})),
            admin_only,
        ),
        row(
            Method::POST,
            format!("/api/v1/admin/users/{tax_clerk}/enable"),
            Some(json!({})),
            admin_only,
        ),
        row(Method::GET, "/api/v1/admin/outbox", None, admin_only),
        row(
            Method::POST,
            format!("/api/v1/admin/outbox/{}/retry", uuid::Uuid::now_v7()),
            Some(json!({})),
            [401, 404, 404, 404, 404, 404, 404, 404, 404],
        ),
        // A department that only reports back (a token, no endpoint).
        row(
            Method::PUT,
            "/api/v1/admin/departments/tax/endpoint",
            Some(json!({"url": null})),
            admin_only,
        ),
        row(Method::GET, "/api/v1/admin/audit", None, admin_only),
        row(Method::GET, "/api/v1/admin/audit/verify", None, admin_only),
        row(Method::GET, "/api/v1/admin/calendar", None, admin_only),
        // Refused by its checks even for an admin: nothing is saved.
        row(
            Method::PUT,
            "/api/v1/admin/calendar/2027",
            Some(json!({"source": "", "holidays": []})),
            [401, 404, 404, 404, 404, 422, 404, 404, 404],
        ),
        row(
            Method::GET,
            "/api/v1/admin/calendar/2027/versions",
            None,
            admin_only,
        ),
        // 效能评估: the county office everything; a lead its bundles; a
        // clerk their department (another department is refused).
        row(
            Method::GET,
            "/api/v1/stats/overview",
            None,
            [401, 403, 403, 200, 200, 200, 403, 403, 200],
        ),
        row(
            Method::GET,
            "/api/v1/stats/overview?department=health",
            None,
            [401, 403, 403, 403, 200, 200, 403, 403, 200],
        ),
        row(
            Method::GET,
            "/api/v1/stats/overview?bundle=newborn&department=public-security",
            None,
            [401, 403, 403, 200, 200, 200, 403, 403, 200],
        ),
        row(
            Method::GET,
            "/api/v1/stats/bundles/newborn",
            None,
            [401, 404, 404, 404, 200, 200, 404, 404, 200],
        ),
        row(
            Method::GET,
            "/api/v1/stats/overdue",
            None,
            [401, 403, 403, 200, 200, 200, 403, 403, 200],
        ),
        row(
            Method::GET,
            "/api/v1/stats/ranking",
            None,
            [401, 403, 403, 200, 200, 200, 403, 403, 200],
        ),
        row(
            Method::GET,
            "/api/v1/stats/ranking?department=health",
            None,
            [401, 403, 403, 403, 200, 200, 403, 403, 200],
        ),
        row(
            Method::GET,
            "/api/v1/stats/report?format=csv&department=health",
            None,
            [401, 403, 403, 403, 200, 200, 403, 403, 200],
        ),
        row(Method::GET, "/api/v1/high-frequency", None, public),
        row(
            Method::PUT,
            "/api/v1/high-frequency",
            Some(json!({"bundles": []})),
            [401, 403, 403, 403, 403, 422, 403, 403, 403],
        ),
        row(Method::GET, "/api/v1/enterprises", None, logged_in),
        row(
            Method::POST,
            "/api/v1/enterprises",
            Some(json!({})),
            [401, 422, 422, 403, 403, 403, 403, 403, 403],
        ),
        row(
            Method::GET,
            format!("/api/v1/enterprises/{enterprise}"),
            None,
            [401, 200, 404, 404, 404, 404, 404, 404, 404],
        ),
        row(
            Method::POST,
            format!("/api/v1/enterprises/{enterprise}/agents"),
            Some(json!({"phone": "1", "expires_on": "x"})),
            [401, 422, 404, 404, 404, 404, 404, 404, 404],
        ),
        row(
            Method::DELETE,
            format!("/api/v1/enterprises/{enterprise}/agents/{tax_clerk}"),
            None,
            [401, 404, 404, 404, 404, 404, 404, 404, 404],
        ),
        row(
            Method::GET,
            "/api/v1/profile",
            None,
            [401, 200, 200, 404, 404, 404, 404, 404, 404],
        ),
        row(
            Method::PUT,
            "/api/v1/profile/employee_count",
            Some(json!({"value": 5})),
            [401, 200, 200, 404, 404, 404, 404, 404, 404],
        ),
        row(
            Method::DELETE,
            "/api/v1/profile/employee_count",
            None,
            [401, 204, 204, 404, 404, 404, 404, 404, 404],
        ),
        row(
            Method::GET,
            "/api/v1/certificates",
            None,
            [401, 200, 200, 404, 404, 404, 404, 404, 404],
        ),
        row(
            Method::GET,
            "/api/v1/offers",
            None,
            [401, 200, 200, 404, 404, 404, 404, 404, 404],
        ),
        row(
            Method::POST,
            format!("/api/v1/offers/{}/confirm", uuid::Uuid::now_v7()),
            Some(json!({})),
            [401, 404, 404, 404, 404, 404, 404, 404, 404],
        ),
        row(
            Method::POST,
            format!("/api/v1/offers/{}/decline", uuid::Uuid::now_v7()),
            Some(json!({})),
            [401, 404, 404, 404, 404, 404, 404, 404, 404],
        ),
        // Last: only the owner may act for the enterprise.
        row(
            Method::POST,
            "/api/v1/acting",
            Some(json!({"enterprise": enterprise})),
            [401, 200, 404, 404, 404, 404, 404, 404, 404],
        ),
        // Very last: everyone is logged out afterwards.
        row(
            Method::POST,
            "/api/v1/auth/logout",
            None,
            [204, 204, 204, 204, 204, 204, 204, 204, 204],
        ),
    ];
    every_operation_has_a_row(&rows);
    // The other citizen's list does not show the owner's submission.
    assert_eq!(other.get("/api/v1/submissions").await.1["items"], json!([]));
    let mut failures = Vec::new();
    for r in &rows {
        for (i, b) in callers.iter().enumerate() {
            let got = call(b, r).await;
            if got != r.expect[i] {
                failures.push(format!(
                    "{} {} as {}: expected {}, got {got}",
                    r.method, r.path, ROLES[i], r.expect[i]
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "authorisation matrix:\n{}",
        failures.join("\n")
    );
}

/// The guard against unlisted routes: every operation of the generated
/// OpenAPI document (which is every `/api/v1` route, see `openapi.rs`) has
/// a row, and every row is a described operation or the reference page.
fn every_operation_has_a_row(rows: &[Row]) {
    let doc = serde_json::to_value(server::http::api::document()).expect("document");
    let ops = crate::openapi::operations(&doc);
    let covered = |(method, template): &(String, String)| {
        rows.iter()
            .any(|r| r.method.as_str() == method && crate::openapi::matches_template(template, &r.path))
    };
    let missing: Vec<_> = ops.iter().filter(|op| !covered(op)).collect();
    assert!(
        missing.is_empty(),
        "operations without a row in the matrix: {missing:?}"
    );
    let undescribed: Vec<String> = rows
        .iter()
        .filter(|r| r.path != "/api/docs")
        .filter(|r| {
            !ops.iter()
                .any(|(m, t)| r.method.as_str() == m && crate::openapi::matches_template(t, &r.path))
        })
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert!(
        undescribed.is_empty(),
        "rows of no described operation: {undescribed:?}"
    );
}
