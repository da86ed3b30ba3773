//! Registration, login, sessions, throttling, CSRF, PII at rest, audit.

use chrono::{Duration, Utc};
use reqwest::StatusCode;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel,
    QueryFilter,
};
use serde_json::json;
use server::db::entities::{login_throttle, session, user};

use crate::both_backends;
use crate::helpers::{CITIZEN_PASSWORD, DEMO_PASSWORD, TestApp, send, unique_id_number, unique_phone};

both_backends!(
    register_login_logout_and_me,
    registration_refuses_bad_input_and_writes_nothing,
    duplicates_are_refused,
    personal_data_is_encrypted_at_rest,
    login_rotates_the_session,
    sessions_expire_idle_and_absolute,
    sessions_survive_a_restart,
    password_change_revokes_other_sessions,
    failed_logins_are_throttled_per_account,
    failed_logins_are_throttled_per_address,
    cross_origin_writes_are_refused,
    large_bodies_are_refused,
    #[demo]
    staff_accounts_and_lead_rights,
    #[demo]
    admins_manage_staff_accounts,
    #[demo]
    audit_log_is_chained_and_tamper_evident,
    demo_accounts_only_exist_in_demo_mode,
);

fn set_cookie(res: &reqwest::Response) -> String {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("onething_session="))
        .expect("session cookie")
        .to_owned()
}

fn token_of(cookie: &str) -> String {
    cookie
        .split(';')
        .next()
        .and_then(|kv| kv.split_once('='))
        .map(|(_, v)| v.to_owned())
        .expect("token")
}

async fn register_login_logout_and_me(app: TestApp) {
    let b = app.browser();
    let (status, body) = b.get("/api/v1/me").await;
    assert_eq!(status, 401);
    assert_eq!(body["error"]["code"], "unauthorized");

    let phone = unique_phone();
    let id = unique_id_number();
    let res = b
        .client
        .post(b.url("/api/v1/auth/register"))
        .json(&json!({"phone": phone, "password": CITIZEN_PASSWORD, "name": "王小明", "id_number": id}))
        .send()
        .await
        .expect("register");
    assert_eq!(res.status(), 201);
    let cookie = set_cookie(&res);
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/"),
        "{cookie}"
    );
    assert!(!cookie.contains("Secure"), "not over TLS in tests");
    let me: serde_json::Value = res.json().await.expect("json");
    assert_eq!(me["name"], "王小明");
    assert_eq!(me["roles"], json!(["citizen"]));
    assert!(me.get("department").is_none());
    assert_eq!(me["phone_masked"], format!("{}****{}", &phone[..3], &phone[7..]));
    assert_eq!(me["id_number_masked"], format!("6103************{}", &id[16..]));

    let (status, me2) = b.get("/api/v1/me").await;
    assert_eq!(status, 200);
    assert_eq!(me2["id"], me["id"]);

    let (status, _) = send(b.client.post(b.url("/api/v1/auth/logout"))).await;
    assert_eq!(status, 204);
    assert_eq!(b.get("/api/v1/me").await.0, 401);

    // Login with the phone typed with spaces; a wrong password and an unknown
    // account get the same answer.
    let spaced = format!("{} {} {}", &phone[..3], &phone[3..7], &phone[7..]);
    let (status, _) = b
        .post(
            "/api/v1/auth/login",
            &json!({"login": spaced, "password": CITIZEN_PASSWORD}),
        )
        .await;
    assert_eq!(status, 200);
    let (s1, wrong) = app
        .browser()
        .post(
            "/api/v1/auth/login",
            &json!({"login": phone, "password": "wrong-password"}),
        )
        .await;
    let (s2, unknown) = app
        .browser()
        .post(
            "/api/v1/auth/login",
            &json!({"login": "13000000000", "password": "x"}),
        )
        .await;
    assert_eq!((s1, s2), (StatusCode::UNAUTHORIZED, StatusCode::UNAUTHORIZED));
    assert_eq!(wrong, unknown);
    assert_eq!(wrong["error"]["code"], "login_failed");
}

async fn registration_refuses_bad_input_and_writes_nothing(app: TestApp) {
    let b = app.browser();
    let bad_check = {
        let good = unique_id_number();
        let last = if good.ends_with('1') { '2' } else { '1' };
        format!("{}{last}", &good[..17])
    };
    let cases = [
        (
            json!({"phone": "12345", "password": CITIZEN_PASSWORD, "name": "王小明", "id_number": unique_id_number()}),
            "phone",
            "phone_format",
        ),
        (
            json!({"phone": unique_phone(), "password": CITIZEN_PASSWORD, "name": "王小明", "id_number": bad_check}),
            "id_number",
            "id_number_check_digit",
        ),
        (
            json!({"phone": unique_phone(), "password": "short", "name": "王小明", "id_number": unique_id_number()}),
            "password",
            "password_too_short",
        ),
        (
            json!({"phone": unique_phone(), "password": "password123", "name": "王小明", "id_number": unique_id_number()}),
            "password",
            "password_too_common",
        ),
        (
            json!({"phone": unique_phone(), "password": CITIZEN_PASSWORD, "name": "王2", "id_number": unique_id_number()}),
            "name",
            "name_format",
        ),
    ];
    for (body, field, code) in cases {
        let (status, err) = b.post("/api/v1/auth/register", &body).await;
        assert_eq!(status, 422, "{field}: {err}");
        assert_eq!(err["error"]["code"], "validation");
        let f = err["error"]["fields"].as_array().expect("fields");
        assert!(
            f.iter().any(|e| e["field"] == field && e["code"] == code),
            "{field}/{code}: {err}"
        );
        assert!(
            f.iter()
                .all(|e| e["message"].as_str().is_some_and(|m| !m.is_empty()))
        );
    }
    // A password containing the person's own phone number.
    let phone = unique_phone();
    let (status, err) = b
        .post("/api/v1/auth/register", &json!({"phone": phone, "password": format!("x{phone}"), "name": "王小明", "id_number": unique_id_number()}))
        .await;
    assert_eq!(status, 422);
    assert_eq!(err["error"]["fields"][0]["code"], "password_personal");
    // Missing fields and bad JSON are envelope errors too.
    let (status, err) = b
        .post("/api/v1/auth/register", &json!({"phone": "13800138000"}))
        .await;
    assert_eq!(status, 422);
    assert_eq!(err["error"]["code"], "invalid_body");
    let (status, err) = send(
        b.client
            .post(b.url("/api/v1/auth/register"))
            .header("content-type", "application/json")
            .body("{not json"),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(err["error"]["code"], "invalid_json");

    assert_eq!(
        user::Entity::find().all(&app.db).await.expect("users").len(),
        0,
        "nothing written"
    );
}

async fn duplicates_are_refused(app: TestApp) {
    let (_, phone, id) = app.new_citizen("李四").await;
    let b = app.browser();
    let (status, err) = b
        .post("/api/v1/auth/register", &json!({"phone": phone, "password": CITIZEN_PASSWORD, "name": "李四", "id_number": unique_id_number()}))
        .await;
    assert_eq!(status, 422);
    assert_eq!(err["error"]["fields"][0]["code"], "phone_taken");
    let (status, err) = b
        .post("/api/v1/auth/register", &json!({"phone": unique_phone(), "password": CITIZEN_PASSWORD, "name": "李四", "id_number": id.to_lowercase()}))
        .await;
    assert_eq!(status, 422);
    assert_eq!(err["error"]["fields"][0]["code"], "id_number_taken");
}

async fn personal_data_is_encrypted_at_rest(app: TestApp) {
    let (_, phone, id) = app.new_citizen("赵六").await;
    let rows = app
        .db
        .query_all_raw(sea_orm::Statement::from_string(
            app.db.get_database_backend(),
            "SELECT * FROM users",
        ))
        .await
        .expect("rows");
    let dump = format!("{rows:?}");
    assert!(!dump.contains(&phone), "phone stored in the clear");
    assert!(!dump.contains(&id), "身份证号 stored in the clear");
    assert!(!dump.contains(&id[6..14]), "birth date part stored in the clear");
    let u = user::Entity::find().one(&app.db).await.expect("q").expect("user");
    assert!(u.phone_enc.as_deref().is_some_and(|e| e.starts_with("v1:")));
    assert_eq!(u.phone_hash.as_deref().map(str::len), Some(64));
}

async fn login_rotates_the_session(app: TestApp) {
    let (_, phone, _) = app.new_citizen("周七").await;
    let b = app.browser();
    let first = b
        .client
        .post(b.url("/api/v1/auth/login"))
        .json(&json!({"login": phone, "password": CITIZEN_PASSWORD}))
        .send()
        .await
        .expect("login");
    let t1 = token_of(&set_cookie(&first));
    let second = b
        .client
        .post(b.url("/api/v1/auth/login"))
        .json(&json!({"login": phone, "password": CITIZEN_PASSWORD}))
        .send()
        .await
        .expect("login");
    let t2 = token_of(&set_cookie(&second));
    assert_ne!(t1, t2, "a new session id on login");
    // The session presented with the second login was revoked.
    let (status, _) = send(
        app.client
            .get(app.url("/api/v1/me"))
            .header("cookie", format!("onething_session={t1}")),
    )
    .await;
    assert_eq!(status, 401);
    let (status, _) = send(
        app.client
            .get(app.url("/api/v1/me"))
            .header("cookie", format!("onething_session={t2}")),
    )
    .await;
    assert_eq!(status, 200);
    // Tokens are not stored: only their hashes are.
    let ids: Vec<String> = session::Entity::find()
        .all(&app.db)
        .await
        .expect("q")
        .into_iter()
        .map(|s| s.id)
        .collect();
    assert!(
        !ids.contains(&t2) && ids.len() == 1 + 1,
        "registration session + this one"
    );
}

async fn sessions_expire_idle_and_absolute(app: TestApp) {
    let (b, _, _) = app.new_citizen("吴八").await;
    assert_eq!(b.get("/api/v1/me").await.0, 200);
    let s = session::Entity::find()
        .one(&app.db)
        .await
        .expect("q")
        .expect("session");
    let mut idle = s.clone().into_active_model();
    idle.last_seen_at = Set(Utc::now() - Duration::minutes(31));
    idle.update(&app.db).await.expect("update");
    assert_eq!(b.get("/api/v1/me").await.0, 401, "idle 31 minutes");
    assert_eq!(
        session::Entity::find().all(&app.db).await.expect("q").len(),
        0,
        "expired session deleted"
    );

    let (b, phone, _) = app.new_citizen("郑九").await;
    // Activity within the idle window keeps it alive…
    let s = session::Entity::find()
        .one(&app.db)
        .await
        .expect("q")
        .expect("session");
    let mut recent = s.into_active_model();
    recent.last_seen_at = Set(Utc::now() - Duration::minutes(29));
    let s = recent.update(&app.db).await.expect("update");
    assert_eq!(b.get("/api/v1/me").await.0, 200);
    let touched = session::Entity::find_by_id(s.id.clone())
        .one(&app.db)
        .await
        .expect("q")
        .expect("s");
    assert!(
        Utc::now() - touched.last_seen_at < Duration::minutes(1),
        "idle clock slid"
    );
    // …but not beyond the absolute limit of 12 hours.
    let mut old = touched.into_active_model();
    old.expires_at = Set(Utc::now() - Duration::seconds(1));
    old.update(&app.db).await.expect("update");
    assert_eq!(b.get("/api/v1/me").await.0, 401, "absolute timeout");
    let _ = phone;
}

async fn sessions_survive_a_restart(app: TestApp) {
    let (b, phone, _) = app.new_citizen("钱十一").await;
    let res = b
        .client
        .post(b.url("/api/v1/auth/login"))
        .json(&json!({"login": phone, "password": CITIZEN_PASSWORD}))
        .send()
        .await
        .expect("login");
    let token = token_of(&set_cookie(&res));
    // A second server instance (a restart, or another node behind the load
    // balancer) on the same database knows the session.
    let mut settings = app.settings.clone();
    settings.leptos.site_addr = "127.0.0.1:0".parse().expect("addr");
    let second = server::Application::build(settings)
        .await
        .expect("second instance");
    let base2 = format!("http://{}", second.local_addr());
    tokio::spawn(async move {
        let _ = second.run().await;
    });
    let (status, me) = send(
        reqwest::Client::new()
            .get(format!("{base2}/api/v1/me"))
            .header("cookie", format!("onething_session={token}")),
    )
    .await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["name"], "钱十一");
}

async fn password_change_revokes_other_sessions(app: TestApp) {
    let (a, phone, _) = app.new_citizen("冯十二").await;
    let other = app.logged_in(&phone, CITIZEN_PASSWORD).await;
    assert_eq!(other.get("/api/v1/me").await.0, 200);
    let (status, err) = a
        .post(
            "/api/v1/auth/password",
            &json!({"current_password": "nope", "new_password": "新的密码-很长-1"}),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(err["error"]["fields"][0]["field"], "current_password");
    let (status, err) = a
        .post(
            "/api/v1/auth/password",
            &json!({"current_password": CITIZEN_PASSWORD, "new_password": "qwertyuiop"}),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(err["error"]["fields"][0]["code"], "password_too_common");
    let (status, _) = a
        .post(
            "/api/v1/auth/password",
            &json!({"current_password": CITIZEN_PASSWORD, "new_password": "新的密码-很长-1"}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        a.get("/api/v1/me").await.0,
        200,
        "the changing browser gets a new session"
    );
    assert_eq!(
        other.get("/api/v1/me").await.0,
        401,
        "every other session revoked"
    );
    assert_eq!(
        app.browser()
            .post(
                "/api/v1/auth/login",
                &json!({"login": phone, "password": CITIZEN_PASSWORD})
            )
            .await
            .0,
        401
    );
    app.logged_in(&phone, "新的密码-很长-1").await;
}

async fn failed_logins_are_throttled_per_account(app: TestApp) {
    let (_, phone, _) = app.new_citizen("陈十三").await;
    let b = app.browser();
    for _ in 0..5 {
        let (status, _) = b
            .post(
                "/api/v1/auth/login",
                &json!({"login": phone, "password": "guess-guess"}),
            )
            .await;
        assert_eq!(status, 401);
    }
    let res = b
        .client
        .post(b.url("/api/v1/auth/login"))
        .json(&json!({"login": phone, "password": CITIZEN_PASSWORD}))
        .send()
        .await
        .expect("req");
    assert_eq!(res.status(), 429, "locked, even with the right password");
    let retry: i64 = res.headers()["retry-after"]
        .to_str()
        .expect("h")
        .parse()
        .expect("secs");
    assert!((1..=60).contains(&retry), "first lock is a minute: {retry}");
    let body: serde_json::Value = res.json().await.expect("json");
    assert_eq!(body["error"]["code"], "too_many_requests");
    // The lock is short: once it has passed, the real person gets in.
    for t in login_throttle::Entity::find()
        .filter(login_throttle::Column::Key.starts_with("acct:"))
        .all(&app.db)
        .await
        .expect("q")
    {
        let mut m = t.into_active_model();
        m.locked_until = Set(Some(Utc::now() - Duration::seconds(1)));
        m.update(&app.db).await.expect("update");
    }
    app.logged_in(&phone, CITIZEN_PASSWORD).await;
    assert!(
        login_throttle::Entity::find()
            .filter(login_throttle::Column::Key.starts_with("acct:"))
            .all(&app.db)
            .await
            .expect("q")
            .is_empty(),
        "success clears the account's count"
    );
}

async fn failed_logins_are_throttled_per_address(app: TestApp) {
    let b = app.browser();
    // Different accounts each time: only the per-address limit applies.
    for i in 0..30 {
        let (status, _) = b
            .post(
                "/api/v1/auth/login",
                &json!({"login": format!("nobody-{i}"), "password": "x"}),
            )
            .await;
        assert_eq!(status, 401, "attempt {i}");
    }
    let (status, _) = b
        .post(
            "/api/v1/auth/login",
            &json!({"login": "nobody-else", "password": "x"}),
        )
        .await;
    assert_eq!(status, 429);
}

async fn cross_origin_writes_are_refused(app: TestApp) {
    let (b, phone, _) = app.new_citizen("褚十四").await;
    let plain = reqwest::Client::new();
    let login = json!({"login": phone, "password": CITIZEN_PASSWORD});
    for (name, value) in [
        ("origin", "https://evil.example"),
        ("sec-fetch-site", "cross-site"),
        ("sec-fetch-site", "same-site"),
    ] {
        let (status, body) = send(
            plain
                .post(app.url("/api/v1/auth/login"))
                .header(name, value)
                .json(&login),
        )
        .await;
        assert_eq!(status, 403, "{name}: {value}");
        assert_eq!(body["error"]["code"], "csrf");
    }
    // A browser's cookie without any origin information is refused…
    let cookie = {
        let res = app
            .browser()
            .client
            .post(app.url("/api/v1/auth/login"))
            .json(&login)
            .send()
            .await
            .expect("login");
        token_of(&set_cookie(&res))
    };
    let (status, _) = send(
        plain
            .post(app.url("/api/v1/auth/logout"))
            .header("cookie", format!("onething_session={cookie}")),
    )
    .await;
    assert_eq!(status, 403);
    // …a script without cookies is not (nothing to forge)…
    let (status, _) = send(plain.post(app.url("/api/v1/auth/login")).json(&login)).await;
    assert_eq!(status, 200);
    // …and the site's own origin is fine.
    assert_eq!(send(b.client.post(b.url("/api/v1/auth/logout"))).await.0, 204);
    // Reads are never refused.
    assert_eq!(
        send(
            plain
                .get(app.url("/api/v1/bundles"))
                .header("origin", "https://evil.example")
        )
        .await
        .0,
        200
    );
}

async fn large_bodies_are_refused(app: TestApp) {
    let b = app.browser();
    let big = "x".repeat(300 * 1024);
    let (status, body) = b
        .post(
            "/api/v1/auth/register",
            &json!({"phone": big, "password": "", "name": "", "id_number": ""}),
        )
        .await;
    assert_eq!(status, 413);
    assert_eq!(body["error"]["code"], "payload_too_large");
}

async fn staff_accounts_and_lead_rights(app: TestApp) {
    let clerk = app.logged_in("clerk-health", DEMO_PASSWORD).await;
    let (_, me) = clerk.get("/api/v1/me").await;
    assert_eq!(me["roles"], json!(["clerk"]));
    assert_eq!(me["department"], "health");
    assert_eq!(me["department_name"], "县卫健局");
    assert_eq!(me["lead_bundles"], json!(["newborn"]));
    let (_, me) = app
        .logged_in("CLERK-PUBLIC-SECURITY", DEMO_PASSWORD)
        .await
        .get("/api/v1/me")
        .await;
    assert_eq!(me["department"], "public-security");
    assert!(
        me.get("lead_bundles").is_none(),
        "public security leads no bundle"
    );
    let (_, me) = app
        .logged_in("admin", DEMO_PASSWORD)
        .await
        .get("/api/v1/me")
        .await;
    assert_eq!(me["roles"], json!(["admin"]));
    let (_, me) = app
        .logged_in("13800138000", DEMO_PASSWORD)
        .await
        .get("/api/v1/me")
        .await;
    assert_eq!(me["roles"], json!(["citizen"]));
    assert_eq!(me["phone_masked"], "138****8000");
}

async fn admins_manage_staff_accounts(app: TestApp) {
    let admin = app.logged_in("admin", DEMO_PASSWORD).await;
    let (status, created) = admin
        .post(
            "/api/v1/admin/users",
            &json!({"username": "Clerk-Health-2", "name": "王窗口", "role": "clerk", "department": "health", "password": "窗口密码-2024-新"}),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["username"], "clerk-health-2");
    assert_eq!(created["department"], "health");
    let (status, err) = admin
        .post(
            "/api/v1/admin/users",
            &json!({"username": "x", "name": "  ", "role": "boss", "department": "nowhere", "password": "1"}),
        )
        .await;
    assert_eq!(status, 422);
    let fields: Vec<&str> = err["error"]["fields"]
        .as_array()
        .expect("f")
        .iter()
        .filter_map(|f| f["field"].as_str())
        .collect();
    for f in ["username", "name", "role", "password"] {
        assert!(fields.contains(&f), "{f} in {fields:?}");
    }
    let (status, err) = admin
        .post("/api/v1/admin/users", &json!({"username": "clerk-z", "name": "王五", "role": "clerk", "department": "nowhere", "password": "窗口密码-2024-新"}))
        .await;
    assert_eq!(
        (status, err["error"]["fields"][0]["code"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!("department_unknown"))
    );
    let (status, err) = admin
        .post("/api/v1/admin/users", &json!({"username": "clerk-health-2", "name": "王五", "role": "admin", "password": "窗口密码-2024-新"}))
        .await;
    assert_eq!(
        (status, err["error"]["fields"][0]["code"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!("username_taken"))
    );

    let new_clerk = app.logged_in("clerk-health-2", "窗口密码-2024-新").await;
    let (status, list) = admin
        .get("/api/v1/admin/users?role=clerk&department=health")
        .await;
    assert_eq!(status, 200);
    assert_eq!(list["items"].as_array().map(Vec::len), Some(2));
    // Citizens appear masked.
    let (_, citizens) = admin.get("/api/v1/admin/users?role=citizen").await;
    assert_eq!(citizens["items"][0]["phone_masked"], "138****8000");
    assert!(!citizens.to_string().contains("13800138000"));

    let id = created["id"].as_str().expect("id");
    let (status, _) = admin
        .post(&format!("/api/v1/admin/users/{id}/disable"), &json!({}))
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        new_clerk.get("/api/v1/me").await.0,
        401,
        "disabling revokes sessions"
    );
    assert_eq!(
        app.browser()
            .post(
                "/api/v1/auth/login",
                &json!({"login": "clerk-health-2", "password": "窗口密码-2024-新"})
            )
            .await
            .0,
        401
    );
    assert_eq!(
        admin
            .post(&format!("/api/v1/admin/users/{id}/enable"), &json!({}))
            .await
            .0,
        200
    );
    app.logged_in("clerk-health-2", "窗口密码-2024-新").await;
    let (_, me) = admin.get("/api/v1/me").await;
    let (status, err) = admin
        .post(
            &format!("/api/v1/admin/users/{}/disable", me["id"].as_str().expect("id")),
            &json!({}),
        )
        .await;
    assert_eq!(
        (status, err["error"]["code"].clone()),
        (StatusCode::CONFLICT, json!("cannot_disable_self"))
    );
    assert_eq!(
        admin
            .post(
                &format!("/api/v1/admin/users/{}/disable", uuid::Uuid::now_v7()),
                &json!({})
            )
            .await
            .0,
        404
    );
}

async fn audit_log_is_chained_and_tamper_evident(app: TestApp) {
    app.logged_in("clerk-health", DEMO_PASSWORD).await;
    let _ = app
        .browser()
        .post(
            "/api/v1/auth/login",
            &json!({"login": "clerk-health", "password": "wrong"}),
        )
        .await;
    let admin = app.logged_in("admin", DEMO_PASSWORD).await;
    let (status, log) = admin.get("/api/v1/admin/audit?limit=10").await;
    assert_eq!(status, 200);
    let actions: Vec<&str> = log["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert_eq!(actions, ["login", "login_failed", "login"], "newest first");
    assert!(log["items"][1]["ip"].as_str().is_some_and(|ip| ip == "127.0.0.1"));
    let (_, v) = admin.get("/api/v1/admin/audit/verify").await;
    assert_eq!(v, json!({"valid": true, "count": 3}));

    // The database refuses to change or delete entries…
    let backend = app.db.get_database_backend();
    let upd = app
        .db
        .execute_raw(sea_orm::Statement::from_string(
            backend,
            "UPDATE audit_log SET action = 'x' WHERE seq = 2",
        ))
        .await;
    assert!(upd.is_err(), "UPDATE must be refused");
    let del = app
        .db
        .execute_raw(sea_orm::Statement::from_string(
            backend,
            "DELETE FROM audit_log WHERE seq = 2",
        ))
        .await;
    assert!(del.is_err(), "DELETE must be refused");
    // …and someone who bypasses that is caught by the chain.
    let drop_triggers = match backend {
        sea_orm::DbBackend::Postgres => vec!["DROP TRIGGER audit_log_append_only ON audit_log"],
        _ => vec![
            "DROP TRIGGER audit_log_no_update",
            "DROP TRIGGER audit_log_no_delete",
        ],
    };
    for sql in drop_triggers {
        app.db.execute_unprepared(sql).await.expect("drop trigger");
    }
    app.db
        .execute_unprepared("UPDATE audit_log SET object = 'user:someone-else' WHERE seq = 2")
        .await
        .expect("tamper");
    let (_, v) = admin.get("/api/v1/admin/audit/verify").await;
    assert_eq!(v["valid"], false);
    assert_eq!(v["broken_at"], 2);

    // Non-admins do not even see that the audit log exists.
    let clerk = app.logged_in("clerk-health", DEMO_PASSWORD).await;
    assert_eq!(clerk.get("/api/v1/admin/audit").await.0, 404);
}

async fn demo_accounts_only_exist_in_demo_mode(app: TestApp) {
    for login in ["admin", "clerk-health", "13800138000"] {
        let (status, _) = app
            .browser()
            .post(
                "/api/v1/auth/login",
                &json!({"login": login, "password": DEMO_PASSWORD}),
            )
            .await;
        assert_eq!(status, 401, "{login}");
    }
    assert_eq!(
        user::Entity::find()
            .filter(user::Column::Role.ne("citizen"))
            .all(&app.db)
            .await
            .expect("q")
            .len(),
        0
    );
}

/// Behind a trusted reverse proxy the per-address limit and the audit log
/// see the client the proxy names (its rightmost untrusted hop), not the
/// proxy; a forged hop on the left changes nothing. Without
/// `ONETHING_TRUSTED_PROXIES` every forwarded request is the proxy's own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn behind_a_trusted_proxy_the_client_is_throttled_not_the_proxy() {
    use crate::helpers::{Backend, Options, run};
    let opts = Options {
        demo: false,
        vars: vec![("ONETHING_TRUSTED_PROXIES", "127.0.0.1/32, 10.0.0.0/8".to_owned())],
    };
    run(Backend::Sqlite, opts, |app| async move {
        let b = app.browser();
        let attempt = |forwarded: &'static str, login: String| send(failed_login(&b, &app, forwarded, login));
        for i in 0..30 {
            let (status, _) = attempt("6.6.6.6, 203.0.113.7, 10.0.0.2", format!("nobody-{i}")).await;
            assert_eq!(status, 401, "attempt {i}");
        }
        let (status, _) = attempt("9.9.9.9, 203.0.113.7", "nobody-else".into()).await;
        assert_eq!(status, 429, "the same client, whatever it forges on the left");
        let (status, _) = attempt("203.0.113.7, 203.0.113.8", "nobody-else".into()).await;
        assert_eq!(
            status, 401,
            "another client behind the same proxy is not locked out"
        );
        let failed = server::db::entities::audit_log::Entity::find()
            .filter(server::db::entities::audit_log::Column::Action.eq("login_failed"))
            .all(&app.db)
            .await
            .expect("audit");
        assert!(failed.iter().any(|e| e.ip.as_deref() == Some("203.0.113.7")));
        assert!(failed.iter().all(|e| e.ip.as_deref() != Some("127.0.0.1")));
    })
    .await;

    // No trusted proxy: the header is the caller's own claim and ignored.
    run(Backend::Sqlite, Options::default(), |app| async move {
        let b = app.browser();
        for i in 0..30 {
            let (status, _) = send(
                b.client
                    .post(app.url("/api/v1/auth/login"))
                    .header("x-forwarded-for", format!("203.0.113.{i}"))
                    .json(&json!({"login": format!("nobody-{i}"), "password": "x"})),
            )
            .await;
            assert_eq!(status, 401, "attempt {i}");
        }
        let (status, _) = send(
            b.client
                .post(app.url("/api/v1/auth/login"))
                .header("x-forwarded-for", "198.51.100.1")
                .json(&json!({"login": "nobody-else", "password": "x"})),
        )
        .await;
        assert_eq!(status, 429);
    })
    .await;
}

/// A login with a wrong password, coming through a proxy that names `from`.
fn failed_login(
    b: &crate::helpers::Browser,
    app: &TestApp,
    from: &str,
    login: String,
) -> reqwest::RequestBuilder {
    b.client
        .post(app.url("/api/v1/auth/login"))
        .header("x-forwarded-for", from)
        .json(&json!({"login": login, "password": "x"}))
}

/// Registration and login count every request per client address (the one
/// a trusted proxy names): beyond the quota, 429 `too_many_requests` with
/// `Retry-After`, while other addresses go on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registrations_and_logins_are_limited_per_address() {
    use crate::helpers::{Backend, Options, run};
    let opts = Options {
        demo: false,
        vars: vec![
            ("ONETHING_TRUSTED_PROXIES", "127.0.0.1/32".to_owned()),
            ("ONETHING_REGISTER_PER_HOUR", "2".to_owned()),
            ("ONETHING_LOGIN_PER_MINUTE", "3".to_owned()),
        ],
    };
    run(Backend::Sqlite, opts, |app| async move {
        let b = app.browser();
        let register = |from: &'static str, phone: String| {
            b.client
                .post(app.url("/api/v1/auth/register"))
                .header("x-forwarded-for", from)
                .json(&json!({
                    "name": "张三",
                    "phone": phone,
                    "id_number": unique_id_number(),
                    "password": CITIZEN_PASSWORD,
                }))
        };
        let (status, body) = send(register("203.0.113.7", unique_phone())).await;
        assert_eq!(status, 201, "{body}");
        // A refused registration counts too (it would tell whether a phone
        // number is taken).
        let (status, _) = send(register("203.0.113.7", "123".into())).await;
        assert_eq!(status, 422);
        let res = register("203.0.113.7", unique_phone())
            .send()
            .await
            .expect("send");
        assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
        let retry: u64 = res
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok())
            .expect("Retry-After");
        // Two an hour: one comes back every 30 minutes.
        assert!((1700..=1800).contains(&retry), "Retry-After {retry}");
        let body: serde_json::Value = res.json().await.expect("json");
        assert_eq!(body["error"]["code"], "too_many_requests");
        assert!(
            body["error"]["message"]
                .as_str()
                .expect("message")
                .contains("后再试")
        );
        let users = user::Entity::find().all(&app.db).await.expect("users");
        assert_eq!(users.len(), 1, "the refused registration wrote nothing");
        let (status, _) = send(register("203.0.113.8", unique_phone())).await;
        assert_eq!(status, 201, "another address registers");

        // Logins: three a minute from one address, whatever the account.
        let login = |from: &'static str, i: usize| send(failed_login(&b, &app, from, format!("nobody-{i}")));
        for i in 0..3 {
            assert_eq!(login("198.51.100.1", i).await.0, 401, "login {i}");
        }
        let (status, body) = login("198.51.100.1", 3).await;
        assert_eq!(status, 429, "{body}");
        assert_eq!(login("198.51.100.2", 4).await.0, 401, "another address logs in");
    })
    .await;
}
