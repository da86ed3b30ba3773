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

/// The callers of the matrix, in column order.
const ROLES: [&str; 5] = ["anonymous", "citizen", "clerk", "lead", "admin"];

struct Row {
    method: Method,
    path: String,
    body: Option<Value>,
    /// Expected status per role, in `ROLES` order.
    expect: [u16; 5],
}

fn row(method: Method, path: impl Into<String>, body: Option<Value>, expect: [u16; 5]) -> Row {
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
    let (citizen, _, _) = app.new_citizen("矩阵测试").await;
    // 县公安局 leads no bundle; 县卫健局 leads 新生儿出生.
    let clerk = app.logged_in("clerk-public-security", DEMO_PASSWORD).await;
    let lead = app.logged_in("clerk-health", DEMO_PASSWORD).await;
    let admin = app.logged_in("admin", DEMO_PASSWORD).await;
    let callers = [&anonymous, &citizen, &clerk, &lead, &admin];
    let (_, other) = admin.get("/api/v1/admin/users?role=clerk&department=tax").await;
    let other_id = other["items"][0]["id"].as_str().expect("a tax clerk").to_owned();

    let public = [200, 200, 200, 200, 200];
    let logged_in = [401, 200, 200, 200, 200];
    let admin_only = [401, 404, 404, 404, 200];
    let rows = vec![
        row(Method::GET, "/api/v1/health", None, public),
        row(Method::GET, "/api/v1/departments", None, public),
        row(Method::GET, "/api/v1/bundles", None, public),
        row(Method::GET, "/api/v1/bundles/newborn", None, public),
        row(Method::GET, "/api/v1/openapi.yaml", None, public),
        row(Method::GET, "/api/v1/me", None, logged_in),
        row(
            Method::POST,
            "/api/v1/auth/password",
            Some(json!({"current_password": "x", "new_password": "y"})),
            [401, 422, 422, 422, 422],
        ),
        row(Method::GET, "/api/v1/admin/users", None, admin_only),
        row(
            Method::POST,
            "/api/v1/admin/users",
            Some(json!({"username": "", "name": "", "role": "", "password": ""})),
            [401, 404, 404, 404, 422],
        ),
        row(
            Method::POST,
            format!("/api/v1/admin/users/{other_id}/enable"),
            Some(json!({})),
            admin_only,
        ),
        row(Method::GET, "/api/v1/admin/audit", None, admin_only),
        row(Method::GET, "/api/v1/admin/audit/verify", None, admin_only),
    ];
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
