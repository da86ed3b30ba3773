//! Delivery to department systems: the transactional outbox, signed
//! deliveries, retries and dead letters, department API tokens, metrics, and
//! several server processes sharing one PostgreSQL database.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use server::db::entities::{outbox, work_item_event};

use crate::both_backends;
use crate::helpers::{Backend, Browser, DEMO_PASSWORD, Options, TestApp, send, unique_id_number};
use crate::receiver::{Receiver, signature_valid};
use crate::submissions::newborn_data;

/// A worker that polls often and gives up quickly, for tests.
fn fast_worker() -> Vec<(&'static str, String)> {
    vec![
        ("ONETHING_OUTBOX_POLL_MS", "20".into()),
        ("ONETHING_OUTBOX_BASE_DELAY_MS", "30".into()),
        ("ONETHING_OUTBOX_MAX_ATTEMPTS", "3".into()),
    ]
}

macro_rules! fast_worker_tests {
    ($($name:ident),*) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    crate::helpers::run(crate::helpers::Backend::Sqlite, super::opts(), super::$name).await
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    crate::helpers::run(crate::helpers::Backend::Postgres, super::opts(), super::$name).await
                }
            }
        )*
    };
}

fn opts() -> Options {
    Options {
        demo: true,
        vars: fast_worker(),
    }
}

fast_worker_tests!(
    deliveries_are_signed_and_systems_report_back,
    failed_deliveries_back_off_then_wait_for_an_admin
);
both_backends!(
    #[demo]
    metrics_are_for_admins_and_this_host
);

/// Points `department`'s system at `receiver`; returns (secret, token).
async fn configure(admin: &Browser, receiver: &Receiver, department: &str) -> (String, String) {
    let (status, creds) = admin
        .put(
            &format!("/api/v1/admin/departments/{department}/endpoint"),
            &json!({"url": receiver.endpoint(department)}),
        )
        .await;
    assert_eq!(status, 200, "{creds}");
    assert_eq!(creds["department"], department);
    let secret = creds["secret"].as_str().expect("secret").to_owned();
    let token = creds["token"].as_str().expect("token").to_owned();
    assert!(secret.starts_with("whsec_") && secret.len() > 40, "{secret}");
    assert!(token.starts_with("ot_") && token.len() > 40);
    (secret, token)
}

/// Files 新生儿出生 (required items) as a new citizen.
async fn file_newborn(app: &TestApp) -> Value {
    let (b, _, id) = app.new_citizen("刘美丽").await;
    let (status, created) = b
        .post(
            "/api/v1/submissions",
            &json!({"bundle": "newborn", "items": [], "data": b.with_uploads(newborn_data(&id, &unique_id_number())).await}),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    created
}

fn item_id(created: &Value, item: &str) -> String {
    created["work_items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|w| w["item"] == item)
        .and_then(|w| w["id"].as_str())
        .expect(item)
        .to_owned()
}

/// Waits (up to 20 s) until the condition (which may `.await`) holds.
macro_rules! eventually {
    ($what:expr, $cond:expr) => {{
        let started = Instant::now();
        while !($cond) {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "timed out waiting for {}",
                $what
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }};
}

/// Outbox rows not (yet) recorded as delivered.
async fn undelivered(db: &sea_orm::DatabaseConnection) -> u64 {
    outbox::Entity::find()
        .filter(outbox::Column::Status.ne("delivered"))
        .count(db)
        .await
        .expect("count")
}

/// A department system's request with its token (no cookie, no Origin).
async fn system(
    app: &TestApp,
    token: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut req = reqwest::Client::new()
        .request(method, app.url(path))
        .bearer_auth(token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    send(req).await
}

async fn deliveries_are_signed_and_systems_report_back(app: TestApp) {
    let receiver = Receiver::start().await;
    let admin = app.logged_in("admin", DEMO_PASSWORD).await;
    let (secret, token) = configure(&admin, &receiver, "health").await;

    let created = file_newborn(&app).await;
    // 县卫健局 handles two of the required items; no other department has an
    // endpoint, so no other rows are written.
    eventually!("two deliveries", receiver.applied().len() == 2);
    // The worker records a round's outcomes once all its requests answered.
    eventually!("both recorded as delivered", undelivered(&app.db).await == 0);
    let rows = outbox::Entity::find().all(&app.db).await.expect("outbox");
    assert_eq!(rows.len(), 2);
    assert!(
        rows.iter()
            .all(|r| r.department == "health" && r.status.as_str() == "delivered")
    );
    let now = chrono::Utc::now().timestamp();
    for d in receiver.deliveries() {
        assert!(signature_valid(&d, &secret), "signature of {}", d.key);
        assert!(!signature_valid(&d, "whsec_wrong"));
        let ts: i64 = d.timestamp.parse().expect("timestamp");
        assert!((now - ts).abs() < 60);
        assert_eq!(d.event, "work_item.created");
        let body: Value = serde_json::from_str(&d.body).expect("JSON body");
        assert_eq!(body["id"], d.key.as_str(), "the idempotency key is the event id");
        assert_eq!(body["event"], "work_item.created");
        assert_eq!(body["department"], "health");
        assert_eq!(body["submission"]["tracking_no"], created["tracking_no"]);
        assert_eq!(body["submission"]["bundle"], "newborn");
        // Each department gets the answers its item needs, and no more.
        let fields = body["fields"].as_object().expect("fields");
        match body["work_item"]["item"].as_str() {
            Some("birth-certificate") => {
                assert_eq!(fields["mother_id_number"].as_str().map(str::len), Some(18));
                assert_eq!(fields["newborn_name"], "刘小宝");
                assert!(!fields.contains_key("household_follow"));
            }
            Some("vaccination-certificate") => {
                assert!(fields.contains_key("residence_address"));
                assert!(!fields.contains_key("mother_id_number") && !fields.contains_key("father_id_number"));
            }
            other => panic!("unexpected item {other:?}"),
        }
    }

    // The department's system reports back with its token.
    let (status, queue) = system(&app, &token, reqwest::Method::GET, "/api/v1/work-items", None).await;
    assert_eq!(status, 200, "{queue}");
    assert_eq!(queue["items"].as_array().map(Vec::len), Some(2));
    let cert = item_id(&created, "birth-certificate");
    let path = format!("/api/v1/work-items/{cert}/actions");
    let (status, body) = system(
        &app,
        &token,
        reqwest::Method::POST,
        &path,
        Some(json!({"action": "accept"})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["work_item"]["status"], "accepted");
    let (status, _) = system(
        &app,
        &token,
        reqwest::Method::GET,
        &format!("/api/v1/work-items/{cert}"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    // The history records the system as the actor (no person).
    let accepted = work_item_event::Entity::find()
        .filter(work_item_event::Column::Event.eq("accept"))
        .one(&app.db)
        .await
        .expect("query")
        .expect("the accept event");
    assert_eq!(
        (accepted.actor.as_str(), accepted.actor_id),
        ("system:health", None)
    );
    eventually!(
        "the accepted event",
        receiver
            .deliveries()
            .iter()
            .any(|d| d.event == "work_item.accepted")
    );
    // Not another department's item (as the bundle's lead 县卫健局 may look
    // but not act), not other APIs, not a wrong token.
    let police_item = item_id(&created, "birth-registration");
    let (status, _) = system(
        &app,
        &token,
        reqwest::Method::POST,
        &format!("/api/v1/work-items/{police_item}/actions"),
        Some(json!({"action": "accept"})),
    )
    .await;
    assert_eq!(status, 403);
    let (status, body) = system(&app, &token, reqwest::Method::GET, "/api/v1/me", None).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("token_scope")),
        "{body}"
    );
    let (status, body) = system(&app, &token, reqwest::Method::GET, "/api/v1/admin/outbox", None).await;
    assert_eq!(status, 403, "{body}");
    let (status, body) = system(
        &app,
        "ot_forged",
        reqwest::Method::GET,
        "/api/v1/work-items",
        None,
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_token"))
    );
    // Rotating the credentials retires the old token.
    let (_, fresh) = configure(&admin, &receiver, "health").await;
    let (status, _) = system(&app, &token, reqwest::Method::GET, "/api/v1/work-items", None).await;
    assert_eq!(status, 401);
    let (status, _) = system(&app, &fresh, reqwest::Method::GET, "/api/v1/work-items", None).await;
    assert_eq!(status, 200);

    // The events of the system's own actions are delivered too (the worker
    // may still be recording them when the last request returns).
    eventually!("every event delivered", undelivered(&app.db).await == 0);
    let (_, health) = app.get("/api/v1/health").await;
    assert_eq!(
        health,
        json!({"status": "ok", "outbox": {"pending": 0, "dead": 0}})
    );
    // The secret is never stored in the clear, the payload neither.
    let row = outbox::Entity::find()
        .one(&app.db)
        .await
        .expect("query")
        .expect("a row");
    assert!(
        !row.payload_enc.contains("newborn"),
        "payloads are encrypted at rest"
    );
}

async fn failed_deliveries_back_off_then_wait_for_an_admin(app: TestApp) {
    let receiver = Receiver::start().await;
    receiver.fail(true);
    let admin = app.logged_in("admin", DEMO_PASSWORD).await;
    configure(&admin, &receiver, "health").await;
    file_newborn(&app).await;

    // Three attempts each (ONETHING_OUTBOX_MAX_ATTEMPTS=3), then dead.
    eventually!(
        "dead letters",
        app.get("/api/v1/health").await.1["outbox"]["dead"] == 2
    );
    let counts = receiver.counts();
    assert_eq!(counts.len(), 2);
    assert!(counts.values().all(|n| *n == 3), "{counts:?}");
    assert!(receiver.applied().is_empty());

    let (status, dead) = admin.get("/api/v1/admin/outbox").await;
    assert_eq!(status, 200);
    let items = dead["items"].as_array().expect("items");
    assert_eq!(items.len(), 2);
    for i in items {
        assert_eq!(i["status"], "dead");
        assert_eq!(i["attempts"], 3);
        assert_eq!(i["last_error"], "HTTP 500");
        assert_eq!(i["department"], "health");
        assert!(
            i.get("payload").is_none() && i.get("payload_enc").is_none(),
            "no personal data in the list"
        );
    }
    let (status, _) = admin.get("/api/v1/admin/outbox?status=delivered").await;
    assert_eq!(status, 200);
    let (status, body) = admin.get("/api/v1/admin/outbox?status=lost").await;
    assert_eq!(status, 422);
    assert!(body.to_string().contains("invalid_status"), "{body}");
    let clerk = app.logged_in("clerk-health", DEMO_PASSWORD).await;
    assert_eq!(clerk.get("/api/v1/admin/outbox").await.0, 404);

    // The system is back; the admin retries one event.
    receiver.fail(false);
    let id = items[0]["id"].as_str().expect("id").to_owned();
    let path = format!("/api/v1/admin/outbox/{id}/retry");
    assert_eq!(clerk.post(&path, &json!({})).await.0, 404);
    let (status, row) = admin.post(&path, &json!({})).await;
    assert_eq!(status, 200, "{row}");
    assert_eq!(row["status"], "pending");
    assert_eq!(row["attempts"], 0);
    let (status, body) = admin.post(&path, &json!({})).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("not_dead")),
        "{body}"
    );
    let (status, _) = admin
        .post(
            &format!("/api/v1/admin/outbox/{}/retry", uuid::Uuid::now_v7()),
            &json!({}),
        )
        .await;
    assert_eq!(status, 404);
    eventually!("the retried delivery", receiver.applied().contains(&id));
    eventually!(
        "the retry recorded",
        app.get("/api/v1/health").await.1["outbox"]["pending"] == 0
    );
    let (_, health) = app.get("/api/v1/health").await;
    assert_eq!(health["outbox"], json!({"pending": 0, "dead": 1}));

    // Bad configuration is refused clearly.
    let put = |dept: &str, url: &str| {
        let (admin, dept, url) = (admin.clone(), dept.to_owned(), url.to_owned());
        async move {
            admin
                .put(
                    &format!("/api/v1/admin/departments/{dept}/endpoint"),
                    &json!({"url": url}),
                )
                .await
        }
    };
    let (status, body) = put("health", "ftp://example.com/x").await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("validation")),
        "{body}"
    );
    assert!(body.to_string().contains("url_invalid"), "{body}");
    assert_eq!(put("atlantis", "https://example.com/").await.0, 404);
    let (status, _) = clerk
        .put(
            "/api/v1/admin/departments/health/endpoint",
            &json!({"url": "https://example.com/"}),
        )
        .await;
    assert_eq!(status, 404);
}

async fn metrics_are_for_admins_and_this_host(app: TestApp) {
    file_newborn(&app).await;
    let metrics = |b: reqwest::Client, proxied: bool| {
        let url = app.url("/metrics");
        async move {
            let mut req = b.get(url);
            if proxied {
                req = req.header("x-forwarded-for", "203.0.113.9");
            }
            let res = req.send().await.expect("metrics");
            (res.status(), res.text().await.unwrap_or_default())
        }
    };
    let (status, text) = metrics(reqwest::Client::new(), false).await;
    assert_eq!(status, 200, "a scraper on this host");
    assert!(text.contains("onething_submissions_total 1"), "{text}");
    assert!(text.contains("onething_outbox_backlog 0") && text.contains("onething_outbox_dead 0"));
    assert!(
        text.contains(r#"onething_http_request_duration_seconds_count{method="POST",route="/api/v1/submissions",status="2xx"} 1"#),
        "{text}"
    );
    assert!(
        text.contains(r#"route="/api/v1/auth/register",status="2xx",le="+Inf"} 1"#),
        "{text}"
    );
    // Through a proxy only an admin sees them.
    assert_eq!(metrics(reqwest::Client::new(), true).await.0, 404);
    let (citizen, _, _) = app.new_citizen("指标").await;
    assert_eq!(metrics(citizen.client, true).await.0, 404);
    let admin = app.logged_in("admin", DEMO_PASSWORD).await;
    let (status, text) = metrics(admin.client, true).await;
    assert_eq!(status, 200);
    assert!(text.starts_with("# HELP"));
}

/// Two server processes on one PostgreSQL database share the outbox: every
/// event arrives, none twice at once, and no effect is applied twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_share_the_outbox_on_postgres() {
    let opts = Options {
        demo: true,
        // The in-process app only prepares the database; the processes deliver.
        vars: vec![("ONETHING_OUTBOX_WORKER", "0".into())],
    };
    crate::helpers::run(Backend::Postgres, opts, two_instances).await;
}

async fn two_instances(app: TestApp) {
    let receiver = Receiver::start().await;
    // Slow enough that two workers claiming the same row would overlap.
    receiver.delay(Duration::from_millis(30));
    let admin = app.logged_in("admin", DEMO_PASSWORD).await;
    let mut secrets = HashMap::new();
    for dept in ["health", "public-security", "hrss", "medical-insurance"] {
        secrets.insert(dept.to_owned(), configure(&admin, &receiver, dept).await.0);
    }
    let instances = [Instance::start(&app).await, Instance::start(&app).await];

    // 24 citizens file at once, alternating between the two instances.
    let mut citizens = Vec::new();
    for i in 0..24 {
        let (b, _, id) = app.new_citizen("刘美丽").await;
        citizens.push((instances[i % 2].base.clone(), b, id));
    }
    let filings = citizens.into_iter().map(|(base, b, id)| async move {
        let body = json!({"bundle": "newborn", "items": [], "data": b.with_uploads(newborn_data(&id, &unique_id_number())).await});
        let res = b
            .client
            .post(format!("{base}/api/v1/submissions"))
            .header("origin", &base)
            .json(&body)
            .send()
            .await
            .expect("submit");
        let status = res.status();
        (status, res.json::<Value>().await.unwrap_or_default())
    });
    let results = futures::future::join_all(filings).await;
    assert!(
        results.iter().all(|(s, _)| *s == StatusCode::CREATED),
        "{results:?}"
    );

    // One `work_item.created` row per work item of the departments with an endpoint.
    let expected: usize = results
        .iter()
        .map(|(_, created)| {
            created["work_items"].as_array().map_or(0, |w| {
                w.iter()
                    .filter(|w| secrets.contains_key(w["department"].as_str().unwrap_or_default()))
                    .count()
            })
        })
        .sum();
    let total = outbox::Entity::find().count(&app.db).await.expect("count");
    assert!(expected >= 24 * 4, "{expected}");
    assert_eq!(total, expected as u64);
    eventually!("every event delivered", undelivered(&app.db).await == 0);
    let rows = outbox::Entity::find().all(&app.db).await.expect("rows");
    let applied = receiver.applied();
    assert_eq!(applied.len(), rows.len());
    assert!(rows.iter().all(|r| applied.contains(&r.id.to_string())));
    assert_eq!(
        receiver.overlaps(),
        0,
        "no event was delivered twice at the same time"
    );
    let counts = receiver.counts();
    assert!(
        counts.values().all(|n| *n == 1),
        "without crashes each event arrives once"
    );
    for d in receiver.deliveries() {
        assert!(
            signature_valid(&d, &secrets[&d.department]),
            "signature of {}",
            d.key
        );
    }
    // Both instances delivered (each tags its deliveries).
    let by: std::collections::HashSet<String> =
        receiver.deliveries().iter().map(|d| d.instance.clone()).collect();
    assert_eq!(by.len(), 2, "both workers took part: {by:?}");
}

/// A server process (`server serve`) on the test's database.
struct Instance {
    base: String,
    _child: tokio::process::Child,
}

impl Instance {
    async fn start(app: &TestApp) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .expect("port")
            .local_addr()
            .expect("addr")
            .port();
        let pii = app
            .settings
            .pii_key
            .as_ref()
            .map(|k| k.0.clone())
            .expect("a PII key");
        let child = tokio::process::Command::new(env!("CARGO_BIN_EXE_server"))
            .arg("serve")
            .env("ONETHING_DATABASE_URL", &app.settings.database_url)
            .env("ONETHING_PII_KEY", pii)
            .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
            .env("ONETHING_DATA_DIR", &app.settings.data_dir)
            .env("ONETHING_OUTBOX_POLL_MS", "20")
            .env("RUST_LOG", "warn")
            .stdout(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("spawn server");
        let base = format!("http://127.0.0.1:{port}");
        let started = Instant::now();
        loop {
            if let Ok(r) = reqwest::get(format!("{base}/api/v1/health")).await
                && r.status() == 200
            {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "instance on {port} did not start"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Self { base, _child: child }
    }
}
