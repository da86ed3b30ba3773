//! The OpenAPI document: its snapshot (every contract change shows in
//! review), that it is what the server serves, that every described
//! operation reaches its route, and that the reference page is served.

use std::collections::{BTreeSet, HashMap};

use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{Backend, DEMO_PASSWORD, Options, TestApp, send, unique_id_number};
use crate::receiver::Receiver;

both_backends!(
    served_as_json_and_yaml,
    every_described_operation_is_routed,
    reference_page_is_self_hosted
);

fn document() -> Value {
    serde_json::to_value(server::http::api::document()).expect("the document is JSON")
}

/// The whole document. A change here is a change of the public contract:
/// review it like one (`cargo insta review`, or `INSTA_UPDATE=always`).
#[test]
fn document_snapshot() {
    insta::assert_json_snapshot!("openapi", document());
}

/// Each described operation, as (method, path template).
pub fn operations(doc: &Value) -> BTreeSet<(String, String)> {
    let mut ops = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in [
            "get", "put", "post", "delete", "patch", "head", "options", "trace",
        ] {
            if item.get(method).is_some() {
                ops.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    ops
}

/// Whether `concrete` is an instance of the path `template` (`{x}` matches
/// one segment).
pub fn matches_template(template: &str, concrete: &str) -> bool {
    // A row may carry a query string; the template never does.
    let concrete = concrete.split_once('?').map_or(concrete, |(path, _)| path);
    let (t, c): (Vec<&str>, Vec<&str>) = (template.split('/').collect(), concrete.split('/').collect());
    t.len() == c.len()
        && t.iter()
            .zip(&c)
            .all(|(t, c)| (t.starts_with('{') && t.ends_with('}') && !c.is_empty()) || t == c)
}

#[test]
fn document_basics() {
    let doc = document();
    assert_eq!(doc["openapi"], "3.1.0");
    // Operation ids are unique (generators name methods after them).
    let mut ids = HashMap::new();
    for (method, path) in operations(&doc) {
        let id = doc["paths"][&path][method.to_lowercase()]["operationId"]
            .as_str()
            .unwrap_or_else(|| panic!("{method} {path} has an operationId"))
            .to_owned();
        if let Some(other) = ids.insert(id.clone(), format!("{method} {path}")) {
            panic!("operationId {id} of both {other} and {method} {path}");
        }
    }
    // Every `$ref` resolves.
    fn refs(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                if let Some(Value::String(r)) = m.get("$ref") {
                    out.push(r.clone());
                }
                m.values().for_each(|v| refs(v, out));
            }
            Value::Array(a) => a.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }
    let mut all = Vec::new();
    refs(&doc, &mut all);
    for r in all {
        let name = r
            .strip_prefix("#/components/schemas/")
            .unwrap_or_else(|| panic!("unexpected $ref {r}"));
        assert!(doc["components"]["schemas"].get(name).is_some(), "dangling {r}");
    }
    assert!(matches_template(
        "/api/v1/submissions/{id}",
        "/api/v1/submissions/1"
    ));
    assert!(!matches_template(
        "/api/v1/submissions/{id}",
        "/api/v1/submissions"
    ));
}

async fn served_as_json_and_yaml(app: TestApp) {
    let res = app
        .client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .expect("json");
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/json");
    let served: Value = res.json().await.expect("JSON");
    assert_eq!(served, document(), "the served document is the generated one");

    let res = app
        .client
        .get(app.url("/api/v1/openapi.yaml"))
        .send()
        .await
        .expect("yaml");
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/yaml");
    let text = res.text().await.expect("text");
    let yaml = yaml_rust2::YamlLoader::load_from_str(&text).expect("valid YAML");
    assert_eq!(yaml[0]["openapi"].as_str(), Some("3.1.0"));
    let yaml_paths: BTreeSet<&str> = yaml[0]["paths"]
        .as_hash()
        .expect("paths")
        .keys()
        .filter_map(|k| k.as_str())
        .collect();
    let json_paths: BTreeSet<&str> = served["paths"]
        .as_object()
        .expect("paths")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(yaml_paths, json_paths, "the YAML is the same document");
}

/// A concrete path for a template: any UUID for ids, a known bundle for
/// codes (the router matches any segment; the values only keep the
/// handlers' answers tidy).
fn concrete(template: &str) -> String {
    template
        .split('/')
        .map(|s| match s {
            "{id}" | "{user}" => uuid::Uuid::now_v7().to_string(),
            "{code}" | "{bundle}" => "newborn".to_owned(),
            "{key}" => "employee_count".to_owned(),
            "{material}" => "marriage_certificate".to_owned(),
            "{year}" => "2027".to_owned(),
            s if s.starts_with('{') => panic!("no sample value for {s} in {template}"),
            s => s.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Calls every described operation once (anonymously: routing, not
/// authorisation, is the point) and reads the route templates the router
/// matched from `/metrics`: each described operation must have reached the
/// route of its own template, and nothing else under `/api/v1/`.
async fn every_described_operation_is_routed(app: TestApp) {
    let doc = document();
    let ops = operations(&doc);
    assert!(ops.len() > 40, "found the operations");
    for (method, template) in &ops {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut req = app.client.request(method.clone(), app.url(&concrete(template)));
        if method == reqwest::Method::POST || method == reqwest::Method::PUT {
            req = req.json(&json!({}));
        }
        let (status, body) = send(req).await;
        assert_ne!(status, 405, "{method} {template}: {body}");
    }
    // Scraped from this host without a proxy: allowed without a login.
    let res = app.client.get(app.url("/metrics")).send().await.expect("metrics");
    assert_eq!(res.status(), 200);
    let text = res.text().await.expect("text");
    let mut routed = BTreeSet::new();
    for line in text
        .lines()
        .filter(|l| l.starts_with("onething_http_request_duration_seconds_count"))
    {
        let label = |name: &str| {
            line.split(&format!("{name}=\""))
                .nth(1)
                .and_then(|rest| rest.split('"').next())
                .unwrap_or_default()
                .to_owned()
        };
        routed.insert((label("method"), label("route")));
    }
    let api_routed: BTreeSet<(String, String)> = routed
        .into_iter()
        .filter(|(_, route)| route.starts_with("/api/v1/"))
        .collect();
    assert_eq!(
        api_routed, ops,
        "routes matched by the router differ from the described operations"
    );
}

async fn reference_page_is_self_hosted(app: TestApp) {
    let res = app.client.get(app.url("/api/docs")).send().await.expect("page");
    assert_eq!(res.status(), 200);
    let h = res.headers().clone();
    assert_eq!(h["content-type"], "text/html; charset=utf-8");
    let csp = h["content-security-policy"].to_str().expect("csp");
    assert!(csp.contains("script-src 'self';"), "{csp}");
    assert!(!csp.contains("unsafe"), "{csp}");
    let html = res.text().await.expect("html");
    // Nothing from another origin, and no inline script.
    assert!(!html.contains("http://") && !html.contains("https://"), "{html}");
    for tag in html.split("<script").skip(1) {
        assert!(
            tag.trim_start().starts_with("src=\"/api/docs/"),
            "inline or foreign script: {tag}"
        );
    }
    let (status, _) = send(app.client.get(app.url("/api/docs/init.js"))).await;
    assert_eq!(status, 200);
    for bad in [
        "/api/docs/assets/nothing.js",
        "/api/docs/assets/..%2F..%2FCargo.toml",
    ] {
        let (status, body) = send(app.client.get(app.url(bad))).await;
        assert_eq!(status, 404, "{bad}");
        assert_eq!(body["error"]["code"], "not_found", "{bad}");
    }
}

/// Values that break the schema at `pointer` (a small JSON Schema subset:
/// `$ref`, `type`, `enum`, `oneOf`, `allOf`, `properties`, `required`,
/// `items`, `additionalProperties: false`). Unknown keywords are ignored.
fn violations(doc: &Value, schema: &Value, value: &Value, at: &str) -> Vec<String> {
    if let Some(r) = schema["$ref"].as_str() {
        let name = r.trim_start_matches("#/components/schemas/");
        return violations(doc, &doc["components"]["schemas"][name], value, at);
    }
    let mut out = Vec::new();
    if let Some(all) = schema["allOf"].as_array() {
        for s in all {
            out.extend(violations(doc, s, value, at));
        }
    }
    if let Some(one) = schema["oneOf"].as_array()
        && !one.iter().any(|s| violations(doc, s, value, at).is_empty())
    {
        out.push(format!("{at}: matches none of oneOf"));
    }
    let type_ok = |t: &str| match t {
        "string" => value.is_string(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        "object" => value.is_object(),
        "array" => value.is_array(),
        "null" => value.is_null(),
        _ => true,
    };
    match &schema["type"] {
        Value::String(t) if !type_ok(t) => out.push(format!("{at}: not a {t}: {value}")),
        Value::Array(ts) if !ts.iter().filter_map(Value::as_str).any(type_ok) => {
            out.push(format!("{at}: none of {ts:?}: {value}"));
        }
        _ => {}
    }
    if let Some(values) = schema["enum"].as_array()
        && !values.contains(value)
    {
        out.push(format!("{at}: {value} not in {values:?}"));
    }
    if let Some(obj) = value.as_object() {
        for name in schema["required"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            if !obj.contains_key(name) {
                out.push(format!("{at}: `{name}` is missing"));
            }
        }
        let props = schema["properties"].as_object();
        for (k, v) in obj {
            match props.and_then(|p| p.get(k)) {
                Some(s) => out.extend(violations(doc, s, v, &format!("{at}.{k}"))),
                None if props.is_some() && schema.get("allOf").is_none() => {
                    out.push(format!("{at}: `{k}` is not described"));
                }
                None => {}
            }
        }
    }
    if let (Some(items), Some(arr)) = (schema.get("items"), value.as_array()) {
        for (i, v) in arr.iter().enumerate() {
            out.extend(violations(doc, items, v, &format!("{at}[{i}]")));
        }
    }
    out
}

/// A real delivery to a department system is what the `departmentEvent`
/// webhook describes (the outbox writes it as JSON by hand, so this is what
/// keeps the two together), down to every property being described.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deliveries_match_the_webhook() {
    let opts = Options {
        demo: true,
        vars: vec![
            ("ONETHING_OUTBOX_POLL_MS", "20".into()),
            ("ONETHING_OUTBOX_BASE_DELAY_MS", "30".into()),
        ],
    };
    crate::helpers::run(Backend::Sqlite, opts, |app: TestApp| async move {
        let doc = document();
        let schema = &doc["webhooks"]["departmentEvent"]["post"]["requestBody"]["content"]["application/json"]
            ["schema"];
        assert!(schema.is_object(), "the webhook is described");
        assert!(
            !violations(&doc, schema, &json!({"id": 1}), "body").is_empty(),
            "the check checks"
        );
        let receiver = Receiver::start().await;
        let admin = app.logged_in("admin", DEMO_PASSWORD).await;
        let (status, creds) = admin
            .put(
                "/api/v1/admin/departments/public-security/endpoint",
                &json!({"url": receiver.endpoint("public-security")}),
            )
            .await;
        assert_eq!(status, 200, "{creds}");
        let (citizen, _, id) = app.new_citizen("刘美丽").await;
        let data = citizen
            .with_uploads(crate::submissions::newborn_data(&id, &unique_id_number()))
            .await;
        let (status, created) = citizen
            .post(
                "/api/v1/submissions",
                &json!({"bundle": "newborn", "items": [], "data": data}),
            )
            .await;
        assert_eq!(status, 201, "{created}");
        let started = std::time::Instant::now();
        while receiver.deliveries().is_empty() {
            assert!(started.elapsed().as_secs() < 20, "no delivery");
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        for d in receiver.deliveries() {
            let body: Value = serde_json::from_str(&d.body).expect("JSON body");
            let wrong = violations(&doc, schema, &body, "body");
            assert!(wrong.is_empty(), "{wrong:?}\n{body}");
        }
    })
    .await;
}
