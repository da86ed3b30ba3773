use sea_orm::EntityTrait;

use crate::both_backends;
use crate::helpers::TestApp;

both_backends!(
    health_reports_ok,
    departments_list,
    bundles_list_and_one,
    pages_render_from_the_catalog
);

async fn health_reports_ok(app: TestApp) {
    let (status, body) = app.get("/api/v1/health").await;
    assert_eq!(status, 200);
    assert_eq!(body["status"], "ok");
    // Start-up recorded the catalog version it runs with.
    let versions = server::db::entities::catalog_version::Entity::find()
        .all(&app.db)
        .await
        .expect("query");
    assert_eq!(versions.len(), 1);
    assert!(versions[0].version.starts_with("2024.1-"));
    assert!(
        crate::helpers::logs().contains("catalog loaded"),
        "server logs are captured"
    );
}

async fn departments_list(app: TestApp) {
    let (status, body) = app.get("/api/v1/departments").await;
    assert_eq!(status, 200);
    let list = body.as_array().expect("array");
    assert_eq!(list.len(), 28);
    let pboc = list.iter().find(|d| d["code"] == "pboc-baoji").expect("pboc");
    assert_eq!(pboc["name"], "人民银行宝鸡市分行");
    assert_eq!(pboc["kind"], "government");
    assert_eq!(pboc["level"], "city");
    let power = list.iter().find(|d| d["name"] == "供电企业").expect("power");
    assert_eq!(power["kind"], "utility");
    for d in list {
        let keys: Vec<&str> = d
            .as_object()
            .expect("object")
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys, ["code", "kind", "level", "name"], "exact fields");
    }
}

async fn bundles_list_and_one(app: TestApp) {
    let (status, body) = app.get("/api/v1/bundles").await;
    assert_eq!(status, 200);
    let list = body.as_array().expect("array");
    assert_eq!(list.len(), 13);
    let items: usize = list
        .iter()
        .map(|b| b["items"].as_array().map_or(0, Vec::len))
        .sum();
    assert_eq!(items, 84);
    assert_eq!(list.iter().filter(|b| b["audience"] == "enterprise").count(), 8);
    assert_eq!(list.iter().filter(|b| b["audience"] == "citizen").count(), 5);

    let (status, b) = app.get("/api/v1/bundles/newborn").await;
    assert_eq!(status, 200);
    assert_eq!(b["name"], "新生儿出生");
    assert_eq!(b["lead_department"], "health");
    let first = &b["items"][0];
    assert_eq!(first["name"], "《出生医学证明》办理(首签)");
    assert_eq!(first["departments"], serde_json::json!(["health"]));
    // The blank cell below 生育医疗费用报销 is 县医保局 too.
    let insurance = b["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|i| i["name"] == "办理居民医保登记")
        .expect("item");
    assert_eq!(insurance["departments"], serde_json::json!(["medical-insurance"]));

    let (status, body) = app.get("/api/v1/bundles/no-such-bundle").await;
    assert_eq!(status, 404);
    assert_eq!(body["error"]["code"], "not_found");
    assert!(body["error"]["message"].as_str().is_some_and(|m| !m.is_empty()));
}

async fn pages_render_from_the_catalog(app: TestApp) {
    let res = app
        .client
        .get(app.url("/bundles/restaurant"))
        .send()
        .await
        .expect("page");
    assert_eq!(res.status(), 200);
    let csp = res.headers()["content-security-policy"]
        .to_str()
        .expect("csp")
        .to_owned();
    assert!(csp.contains("'nonce-") && !csp.contains("unsafe-inline"), "{csp}");
    let html = res.text().await.expect("html");
    assert!(html.contains("开办餐饮店") && html.contains("县市场监管局") && html.contains("食品经营许可"));
    let res = app
        .client
        .get(app.url("/bundles/nope"))
        .send()
        .await
        .expect("page");
    assert_eq!(res.status(), 404);
    let home = app
        .client
        .get(app.url("/"))
        .send()
        .await
        .expect("home")
        .text()
        .await
        .expect("html");
    assert!(home.contains("个人办事") && home.contains("企业办事"));
}
