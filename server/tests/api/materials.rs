//! Materials: uploads judged by their bytes and stored encrypted, bound to
//! a submission when it is filed, need-to-know downloads, 告知承诺 with due
//! dates, reminders and the 事后核查, the clerk's 合格/不合格 review feeding
//! 补正 with files, signed links for department systems, and housekeeping.

use chrono::{Duration, Utc};
use reqwest::StatusCode;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, PaginatorTrait,
    QueryFilter,
};
use serde_json::{Value, json};
use server::db::entities::{commitment, credit_record, notification, submission, upload};
use sha2::{Digest, Sha256};

use crate::both_backends;
use crate::helpers::{
    Browser, CITIZEN_PASSWORD, DEMO_PASSWORD, TestApp, send, tiny_pdf, tiny_png, unique_id_number,
};
use crate::submissions::newborn_data;
use crate::workbench::promising_marriage_certificate;

both_backends!(
    uploads_are_judged_by_their_bytes_and_stored_encrypted,
    filing_binds_only_the_applicants_unused_uploads,
    #[demo]
    clerks_read_only_the_files_their_item_needs,
    #[demo]
    a_promise_is_followed_up_to_its_outcome,
    #[demo]
    reminders_go_out_once_before_and_on_the_due_date,
    #[demo]
    a_material_found_wanting_comes_back_through_supplement,
    #[demo]
    department_systems_fetch_files_with_a_signed_link,
    housekeeping_removes_what_no_submission_took,
);

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

/// Files 新生儿出生 with `data` changed by `change`; returns the answer.
async fn file(b: &Browser, id: &str, change: impl FnOnce(&mut Value)) -> (StatusCode, Value) {
    let mut data = b.with_uploads(newborn_data(id, &unique_id_number())).await;
    change(&mut data);
    b.post(
        "/api/v1/submissions",
        &json!({"bundle": "newborn", "items": [], "data": data, "commitment_agreed": true}),
    )
    .await
}

async fn download(b: &Browser, id: &str) -> (StatusCode, reqwest::header::HeaderMap, Vec<u8>) {
    let res = b
        .client
        .get(b.url(&format!("/api/v1/uploads/{id}")))
        .send()
        .await
        .expect("request");
    let status = res.status();
    let headers = res.headers().clone();
    (status, headers, res.bytes().await.expect("body").to_vec())
}

fn field_code(body: &Value, field: &str) -> Option<String> {
    body["error"]["fields"]
        .as_array()?
        .iter()
        .find(|f| f["field"] == field)
        .and_then(|f| f["code"].as_str())
        .map(ToOwned::to_owned)
}

async fn uploads_are_judged_by_their_bytes_and_stored_encrypted(app: TestApp) {
    let (b, _, _) = app.new_citizen("刘美丽").await;
    let rows = || async { upload::Entity::find().count(&app.db).await.expect("count") };

    // A picture and a PDF: their kind from their bytes, their digest.
    let png = tiny_png();
    let (status, up) = b.upload("../../etc/户口簿 首页.png", png.clone()).await;
    assert_eq!(status, 201, "{up}");
    assert_eq!(up["content_type"], "image/png");
    assert_eq!(up["size"], png.len());
    assert_eq!(up["sha256"], hex::encode(Sha256::digest(&png)));
    assert_eq!(up["filename"], "户口簿 首页.png", "no folders in a name");
    let (status, pdf) = b.upload("证明.pdf", tiny_pdf()).await;
    assert_eq!(status, 201, "{pdf}");
    assert_eq!(pdf["content_type"], "application/pdf");

    // Read back by its owner: the same bytes, shown inline in a sandbox.
    let (status, headers, bytes) = download(&b, up["id"].as_str().expect("id")).await;
    assert_eq!(status, 200);
    assert_eq!(bytes, png);
    assert_eq!(headers["content-type"], "image/png");
    assert!(
        headers["content-security-policy"]
            .to_str()
            .expect("csp")
            .starts_with("sandbox")
    );
    assert_eq!(headers["x-content-type-options"], "nosniff");
    let disposition = headers["content-disposition"].to_str().expect("cd");
    assert!(
        disposition.starts_with("inline;") && disposition.contains("filename*=UTF-8''"),
        "{disposition}"
    );
    let res = b
        .client
        .get(b.url(&format!(
            "/api/v1/uploads/{}?download=1",
            up["id"].as_str().expect("id")
        )))
        .send()
        .await
        .expect("request");
    assert!(
        res.headers()["content-disposition"]
            .to_str()
            .expect("cd")
            .starts_with("attachment;")
    );

    // At rest the file is not the file: no stored object contains its bytes.
    let dir = std::path::Path::new(&app.settings.data_dir).join("files");
    let mut stored = 0;
    for entry in walk(&dir) {
        let bytes = std::fs::read(&entry).expect("read");
        assert!(
            !bytes.windows(16).any(|w| w == &png[png.len() - 16..]),
            "{} holds the plaintext",
            entry.display()
        );
        stored += 1;
    }
    assert_eq!(stored, 2, "one object per upload under {}", dir.display());

    // Refused, and nothing recorded: HTML named .png, a ZIP, HEIC, an empty
    // file, a PDF without its trailer, a truncated picture, too large.
    let before = rows().await;
    let cases: Vec<(&str, Vec<u8>, u16, &str)> = vec![
        (
            "photo.png",
            b"<html><script>alert(1)</script></html>".to_vec(),
            415,
            "unsupported_type",
        ),
        (
            "a.pdf",
            b"PK\x03\x04 zip inside".to_vec(),
            415,
            "unsupported_type",
        ),
        (
            "IMG_1.HEIC",
            b"\0\0\0\x18ftypheic\0\0\0\0mif1heic".to_vec(),
            415,
            "unsupported_type",
        ),
        ("empty.pdf", Vec::new(), 422, "validation"),
        ("cut.pdf", tiny_pdf()[..60].to_vec(), 422, "validation"),
        ("cut.png", png[..40].to_vec(), 422, "validation"),
    ];
    for (name, bytes, want, code) in cases {
        let (status, body) = b.upload(name, bytes).await;
        assert_eq!(
            (status.as_u16(), body["error"]["code"].as_str()),
            (want, Some(code)),
            "{name}: {body}"
        );
        assert!(!body["error"]["message"].as_str().unwrap_or_default().is_empty());
    }
    let mut big = tiny_png();
    big.resize(10 * 1024 * 1024 + 1, 0);
    let (status, body) = b.upload("big.png", big).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::PAYLOAD_TOO_LARGE, Some("too_large"))
    );
    // Not multipart, no `file` part.
    let (status, body) = b.post("/api/v1/uploads", &json!({})).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("bad_request"))
    );
    let form = reqwest::multipart::Form::new().text("other", "x");
    let (status, body) = send(b.client.post(b.url("/api/v1/uploads")).multipart(form)).await;
    assert_eq!(
        (status, field_code(&body, "file").as_deref()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("file_required"))
    );
    assert_eq!(rows().await, before, "refused files leave no row");
    assert_eq!(walk(&dir).len(), 2, "and no object");

    // The owner's unused uploads, newest first; nobody else's.
    let (_, mine) = b.get("/api/v1/uploads").await;
    assert_eq!(mine.as_array().map(Vec::len), Some(2));
    assert_eq!(mine[0]["id"], pdf["id"]);
    let (other, _, _) = app.new_citizen("王五").await;
    assert_eq!(other.get("/api/v1/uploads").await.1, json!([]));
    assert_eq!(download(&other, up["id"].as_str().expect("id")).await.0, 404);
    crate::helpers::assert_no_pii_in_logs();
}

/// Every file under `dir`.
fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

async fn filing_binds_only_the_applicants_unused_uploads(app: TestApp) {
    let (b, _, id) = app.new_citizen("刘美丽").await;
    let (other, _, _) = app.new_citizen("王五").await;
    let theirs = other.uploaded().await;
    let count = || async { submission::Entity::find().count(&app.db).await.expect("count") };

    let cases: Vec<(&str, Value, &str)> = vec![
        ("birth_record", json!({"files": [theirs]}), "unknown_upload"),
        (
            "birth_record",
            json!({"files": [uuid::Uuid::now_v7().to_string()]}),
            "unknown_upload",
        ),
        ("birth_record", json!({"files": ["../../x"]}), "unknown_upload"),
        ("birth_record", json!("ready"), "files_required"),
        ("birth_record", json!({"files": []}), "required"),
        // The 户口簿 may not be promised; the marriage certificate may.
        ("household_register", json!("commit"), "not_commitable"),
        ("birth_record", json!("certificate"), "no_certificate"),
    ];
    for (field, value, code) in cases {
        let (status, body) = file(&b, &id, |d| d[field] = value.clone()).await;
        assert_eq!(status, 422, "{field}={value}: {body}");
        assert_eq!(
            field_code(&body, field).as_deref(),
            Some(code),
            "{field}={value}: {body}"
        );
    }
    // A promise needs the 告知承诺书 agreed to.
    let mut data = b.with_uploads(newborn_data(&id, &unique_id_number())).await;
    data["marriage_certificate"] = json!("commit");
    let (status, body) = b
        .post(
            "/api/v1/submissions",
            &json!({"bundle": "newborn", "items": [], "data": data}),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(
        field_code(&body, "commitment_agreed").as_deref(),
        Some("commitment_not_agreed")
    );
    assert_eq!(count().await, 0, "nothing filed");

    // Filed: the uploads belong to the submission; using one again is refused.
    let (status, created) = b
        .post(
            "/api/v1/submissions",
            &json!({"bundle": "newborn", "items": [], "data": data, "commitment_agreed": true}),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let used = data["birth_record"]["files"][0].clone();
    let (status, body) = file(&b, &id, |d| d["birth_record"] = json!({"files": [used]})).await;
    assert_eq!(status, 422);
    assert_eq!(
        field_code(&body, "birth_record").as_deref(),
        Some("upload_in_use")
    );
    let bound = upload::Entity::find()
        .filter(upload::Column::SubmissionId.is_not_null())
        .count(&app.db)
        .await
        .expect("count");
    assert_eq!(bound, 3, "three materials handed in as files");
    let (_, unused) = b.get("/api/v1/uploads").await;
    let filed_ids: Vec<&Value> = ["birth_record", "household_register", "newborn_photo"]
        .iter()
        .map(|k| &data[k]["files"][0])
        .collect();
    assert!(
        unused
            .as_array()
            .expect("list")
            .iter()
            .all(|u| !filed_ids.contains(&&u["id"])),
        "filed uploads are no longer unused"
    );

    // The applicant's view: each material with its files, and the promise.
    let (_, view) = b
        .get(&format!(
            "/api/v1/submissions/{}",
            created["id"].as_str().expect("id")
        ))
        .await;
    let birth = view["documents"]
        .as_array()
        .expect("documents")
        .iter()
        .find(|d| d["key"] == "birth_record")
        .expect("birth_record");
    assert_eq!(birth["state"], "files");
    assert_eq!(birth["files"][0]["id"], data["birth_record"]["files"][0]);
    let promises = view["commitments"].as_array().expect("commitments");
    assert_eq!(promises.len(), 1, "{promises:?}");
    assert_eq!(promises[0]["material"], "marriage_certificate");
    assert_eq!(promises[0]["item"], "birth-registration");
    assert_eq!(promises[0]["status"], "open");
    assert!(promises[0]["text"].as_str().expect("text").contains("5 个工作日"));
}

async fn clerks_read_only_the_files_their_item_needs(app: TestApp) {
    let (b, _, id) = app.new_citizen("刘美丽").await;
    let (status, created) = file(&b, &id, |_| {}).await;
    assert_eq!(status, 201, "{created}");
    let (_, view) = b
        .get(&format!(
            "/api/v1/submissions/{}",
            created["id"].as_str().expect("id")
        ))
        .await;
    let file_of = |key: &str| {
        view["documents"]
            .as_array()
            .expect("documents")
            .iter()
            .find(|d| d["key"] == key)
            .and_then(|d| d["files"][0]["id"].as_str())
            .expect(key)
            .to_owned()
    };
    let (birth_record, register) = (file_of("birth_record"), file_of("household_register"));
    let health = app.logged_in("clerk-health", DEMO_PASSWORD).await;
    let police = app.logged_in("clerk-public-security", DEMO_PASSWORD).await;
    let hrss = app.logged_in("clerk-hrss", DEMO_PASSWORD).await;
    let admin = app.logged_in("admin", DEMO_PASSWORD).await;
    // 县卫健局's 出生医学证明 needs the 分娩记录; 县公安局's 出生登记 the 户口簿.
    assert_eq!(download(&health, &birth_record).await.0, 200);
    assert_eq!(download(&police, &register).await.0, 200);
    for (who, b, f) in [
        ("health", &health, &register),
        ("police", &police, &birth_record),
        ("hrss", &hrss, &birth_record),
        ("admin", &admin, &birth_record),
    ] {
        assert_eq!(download(b, f).await.0, 404, "{who}");
    }
    // Every staff read is audited (the applicant's own are not).
    let (_, log) = admin.get("/api/v1/admin/audit?limit=100").await;
    let reads = log["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|e| e["action"] == "upload.download")
        .count();
    assert_eq!(reads, 2, "{log}");
    // The clerk's work item lists its materials with their files.
    let (_, detail) = health
        .get(&format!(
            "/api/v1/work-items/{}",
            item_id(&created, "birth-certificate")
        ))
        .await;
    let docs = detail["documents"].as_array().expect("documents");
    assert_eq!(docs.len(), 1, "{docs:?}");
    assert_eq!(docs[0]["key"], "birth_record");
    assert_eq!(docs[0]["files"][0]["id"], birth_record.as_str());
    // The lead department looks at another department's item: no files.
    let (_, other) = health
        .get(&format!(
            "/api/v1/work-items/{}",
            item_id(&created, "birth-registration")
        ))
        .await;
    assert_eq!(other["documents"], json!([]));
}

async fn a_promise_is_followed_up_to_its_outcome(app: TestApp) {
    let (b, _, id) = app.new_citizen("刘美丽").await;
    let (status, created) = file(&b, &id, |d| {
        *d = promising_marriage_certificate(d.take());
    })
    .await;
    assert_eq!(status, 201, "{created}");
    let sid = created["id"].as_str().expect("id").to_owned();
    let registration = item_id(&created, "birth-registration");
    let police = app.logged_in("clerk-public-security", DEMO_PASSWORD).await;
    let decide = |body: Value| {
        let police = police.clone();
        let path = format!("/api/v1/work-items/{registration}/commitments/marriage_certificate");
        async move { police.post(&path, &body).await }
    };
    // Due five working days after filing, on the calendar.
    let c = commitment::Entity::find()
        .one(&app.db)
        .await
        .expect("db")
        .expect("a commitment");
    let cal = &app.state.catalog.calendar;
    assert_eq!(
        c.due_date,
        cal.add_working_days(app::domain::Date::today_china(), 5)
    );

    // Nothing handed in, not yet due: neither outcome can be recorded.
    let (status, body) = decide(json!({"outcome": "fulfilled"})).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("not_supplied"))
    );
    let (status, body) = decide(json!({"outcome": "breached", "reason": "未补交"})).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("not_due"))
    );

    // The applicant hands it in; the clerk can read it and records it kept.
    let f = b.uploaded().await;
    let (status, list) = b
        .post(
            &format!("/api/v1/submissions/{sid}/commitments/marriage_certificate"),
            &json!({"files": [f]}),
        )
        .await;
    assert_eq!(status, 200, "{list}");
    assert!(list[0]["supplied_at"].is_string());
    assert_eq!(list[0]["files"][0]["id"], f.as_str());
    assert_eq!(download(&police, &f).await.0, 200);
    let (status, body) = decide(json!({"outcome": "breached"})).await;
    assert_eq!(
        (status, field_code(&body, "reason").as_deref()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("required"))
    );
    let (status, kept) = decide(json!({"outcome": "fulfilled"})).await;
    assert_eq!(status, 200, "{kept}");
    assert_eq!(kept["status"], "fulfilled");
    let (status, body) = decide(json!({"outcome": "breached", "reason": "x"})).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("commitment_decided"))
    );
    let (status, _) = b
        .post(
            &format!("/api/v1/submissions/{sid}/commitments/marriage_certificate"),
            &json!({"files": [b.uploaded().await]}),
        )
        .await;
    assert_eq!(status, 409, "a decided promise takes no more files");

    // A second applicant lets the due date pass: overdue in the applicant's
    // view and the clerk's queue, then breached into the credit record.
    let (b2, _, id2) = app.new_citizen("王五").await;
    let (_, created2) = file(&b2, &id2, |d| *d = promising_marriage_certificate(d.take())).await;
    let sid2 = created2["id"].as_str().expect("id");
    let c2 = commitment::Entity::find()
        .filter(commitment::Column::SubmissionId.eq(uuid::Uuid::parse_str(sid2).expect("uuid")))
        .one(&app.db)
        .await
        .expect("db")
        .expect("commitment");
    let mut late = c2.clone().into_active_model();
    late.due_date = Set(app::domain::Date::today_china().add_days(-1));
    late.update(&app.db).await.expect("update");
    let (_, view) = b2.get(&format!("/api/v1/submissions/{sid2}")).await;
    assert_eq!(view["commitments"][0]["status"], "overdue");
    // The item is released only once 出生医学证明 is done; the queue shows
    // every status with `status=all`.
    let (_, queue) = police.get("/api/v1/work-items?status=all").await;
    let row = queue["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|r| r["id"] == item_id(&created2, "birth-registration"))
        .cloned()
        .expect("row");
    assert_eq!(row["commitments_overdue"], 1, "{row}");
    let (status, breached) = police
        .post(
            &format!(
                "/api/v1/work-items/{}/commitments/marriage_certificate",
                item_id(&created2, "birth-registration")
            ),
            &json!({"outcome": "breached", "reason": "逾期未补交结婚证"}),
        )
        .await;
    assert_eq!(status, 200, "{breached}");
    assert_eq!(breached["status"], "breached");
    let records = credit_record::Entity::find().all(&app.db).await.expect("db");
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].kind, "commitment_breached");
    assert_eq!(records[0].material.as_deref(), Some("marriage_certificate"));
    let (_, inbox) = b2.get("/api/v1/notifications").await;
    assert!(inbox.to_string().contains("承诺未履约"), "{inbox}");
    // In the applicant's profile (一人一档), not in anyone else's.
    let (_, profile) = b2.get("/api/v1/profile").await;
    assert_eq!(profile["credit_records"][0]["kind"], "commitment_breached");
    assert_eq!(profile["credit_records"][0]["reason"], "逾期未补交结婚证");
    assert_eq!(
        profile["credit_records"][0]["tracking_no"],
        created2["tracking_no"]
    );
    assert_eq!(b.get("/api/v1/profile").await.1["credit_records"], json!([]));
}

async fn reminders_go_out_once_before_and_on_the_due_date(app: TestApp) {
    let (b, phone, id) = app.new_citizen("刘美丽").await;
    let (status, created) = file(&b, &id, |d| *d = promising_marriage_certificate(d.take())).await;
    assert_eq!(status, 201, "{created}");
    let c = commitment::Entity::find()
        .one(&app.db)
        .await
        .expect("db")
        .expect("commitment");
    let cal = app.state.catalog.calendar.clone();
    let reminders = || async {
        notification::Entity::find()
            .filter(notification::Column::Kind.eq("commitment_reminder"))
            .count(&app.db)
            .await
            .expect("count")
    };
    let at = |day: app::domain::Date| {
        // Noon in China on `day`.
        chrono::DateTime::from_timestamp(day.days_since_epoch() * 86_400 + 4 * 3600, 0).expect("time")
    };
    let run = |day| {
        let state = app.state.clone();
        async move {
            server::services::housekeeping::run_once(&state, at(day))
                .await
                .expect("run")
        }
    };
    // Three working days before: nothing yet.
    let before3 = cal.add_working_days(app::domain::Date::today_china(), 2);
    assert!(before3 < c.due_date);
    assert_eq!(run(before3).await.reminders, 0);
    // Two working days before, twice: one reminder.
    let before2 = cal.add_working_days(app::domain::Date::today_china(), 3);
    assert_eq!(cal.add_working_days(before2, 2), c.due_date);
    assert_eq!(run(before2).await.reminders, 1);
    assert_eq!(run(before2).await.reminders, 0);
    // On the day: the second.
    assert_eq!(run(c.due_date).await.reminders, 1);
    assert_eq!(run(c.due_date).await.reminders, 0);
    assert_eq!(reminders().await, 2);
    // Housekeeping on those later days ended today's session.
    assert_eq!(b.get("/api/v1/notifications").await.0, 401);
    let b = app.logged_in(&phone, CITIZEN_PASSWORD).await;
    let (_, inbox) = b.get("/api/v1/notifications").await;
    assert!(inbox.to_string().contains("今天"), "{inbox}");
    crate::helpers::assert_no_pii_in_logs();
}

async fn a_material_found_wanting_comes_back_through_supplement(app: TestApp) {
    let (b, _, id) = app.new_citizen("刘美丽").await;
    let (status, created) = file(&b, &id, |_| {}).await;
    assert_eq!(status, 201, "{created}");
    let sid = created["id"].as_str().expect("id").to_owned();
    let item = item_id(&created, "birth-certificate");
    let health = app.logged_in("clerk-health", DEMO_PASSWORD).await;
    let review = |key: &str, body: Value| {
        let health = health.clone();
        let path = format!("/api/v1/work-items/{item}/materials/{key}");
        async move { health.put(&path, &body).await }
    };
    let (status, body) = review("birth_record", json!({"verdict": "rejected"})).await;
    assert_eq!(
        (status, field_code(&body, "reason").as_deref()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("required"))
    );
    assert_eq!(
        review("household_register", json!({"verdict": "accepted"}))
            .await
            .0,
        404,
        "not this item's"
    );
    let (status, marked) = review(
        "birth_record",
        json!({"verdict": "rejected", "reason": "照片模糊，看不清医院盖章"}),
    )
    .await;
    assert_eq!(status, 200, "{marked}");
    assert_eq!(marked["verdict"], "rejected");
    // The return asks for the material found wanting (and a named field).
    let (status, body) = health
        .post(
            &format!("/api/v1/work-items/{item}/actions"),
            &json!({"action": "return", "comment": "请重新上传分娩记录", "corrections": ["no_such_field"]}),
        )
        .await;
    assert_eq!(
        (status, field_code(&body, "corrections").as_deref()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("unknown_field"))
    );
    let (status, _) = health
        .post(
            &format!("/api/v1/work-items/{item}/actions"),
            &json!({"action": "return", "comment": "请重新上传分娩记录", "corrections": ["newborn_birth_weight"]}),
        )
        .await;
    assert_eq!(status, 200);
    let (_, view) = b.get(&format!("/api/v1/submissions/{sid}")).await;
    let part = view["work_items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|w| w["id"] == item.as_str())
        .cloned()
        .expect("item");
    let keys: Vec<&str> = part["corrections"]
        .as_array()
        .expect("corrections")
        .iter()
        .filter_map(|c| c["key"].as_str())
        .collect();
    assert_eq!(keys, ["birth_record", "newborn_birth_weight"]);
    assert_eq!(part["corrections"][0]["reason"], "照片模糊，看不清医院盖章");

    // Only what was asked, and the material must come back as files.
    let supplement = |data: Value| {
        let b = b.clone();
        let path = format!("/api/v1/submissions/{sid}/supplement");
        let item = item.clone();
        async move { b.post(&path, &json!({"work_item": item, "data": data})).await }
    };
    let (status, body) = supplement(json!({"newborn_name": "刘小贝"})).await;
    assert_eq!(status, 422);
    assert_eq!(
        field_code(&body, "newborn_name").as_deref(),
        Some("not_requested")
    );
    assert_eq!(field_code(&body, "birth_record").as_deref(), Some("required"));
    let (status, body) = supplement(json!({"birth_record": "commit"})).await;
    assert_eq!(
        (status, field_code(&body, "birth_record").as_deref()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("files_required"))
    );
    let old = view["documents"]
        .as_array()
        .expect("documents")
        .iter()
        .find(|d| d["key"] == "birth_record")
        .map(|d| d["files"][0]["id"].clone())
        .expect("old file");
    let new = b.uploaded().await;
    let (status, body) =
        supplement(json!({"birth_record": {"files": [new]}, "newborn_birth_weight": 3200})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["work_item"]["status"], "pending");

    // The clerk sees old and new side by side; the verdict starts afresh.
    let (_, detail) = health.get(&format!("/api/v1/work-items/{item}")).await;
    let doc = &detail["documents"][0];
    assert_eq!(doc["files"][0]["id"], new.as_str());
    assert_eq!(doc["previous"][0]["id"], old);
    assert!(doc["verdict"].is_null(), "{doc}");
    assert_eq!(
        download(&health, old.as_str().expect("id")).await.0,
        200,
        "the old file stays readable"
    );
}

async fn department_systems_fetch_files_with_a_signed_link(app: TestApp) {
    let (b, _, id) = app.new_citizen("刘美丽").await;
    let (status, created) = file(&b, &id, |_| {}).await;
    assert_eq!(status, 201, "{created}");
    let admin = app.logged_in("admin", DEMO_PASSWORD).await;
    let token = |dept: &str| {
        let admin = admin.clone();
        let path = format!("/api/v1/admin/departments/{dept}/endpoint");
        async move {
            let (status, creds) = admin.put(&path, &json!({"url": null})).await;
            assert_eq!(status, 200, "{creds}");
            creds["token"].as_str().expect("token").to_owned()
        }
    };
    let (health, hrss) = (token("health").await, token("hrss").await);
    let (_, view) = b
        .get(&format!(
            "/api/v1/submissions/{}",
            created["id"].as_str().expect("id")
        ))
        .await;
    let file_id = view["documents"]
        .as_array()
        .expect("documents")
        .iter()
        .find(|d| d["key"] == "birth_record")
        .and_then(|d| d["files"][0]["id"].as_str())
        .expect("file")
        .to_owned();
    let uid = uuid::Uuid::parse_str(&file_id).expect("uuid");
    let now = Utc::now();
    let get = |path: String, token: String| {
        let url = app.url(&path);
        async move {
            let res = reqwest::Client::new()
                .get(url)
                .bearer_auth(token)
                .send()
                .await
                .expect("request");
            res.status()
        }
    };
    let (good, _) = server::services::uploads::signed_path(&app.state, uid, "health", now);
    assert_eq!(get(good.clone(), health.clone()).await, 200);
    // Another department's token, no signature, a tampered or expired one.
    assert_eq!(get(good.clone(), hrss.clone()).await, 404);
    assert_eq!(
        get(format!("/api/v1/uploads/{file_id}"), health.clone()).await,
        404
    );
    assert_eq!(get(good.replace("sig=", "sig=0"), health.clone()).await, 404);
    let (old, _) =
        server::services::uploads::signed_path(&app.state, uid, "health", now - Duration::minutes(16));
    assert_eq!(get(old, health.clone()).await, 404);
    // Signed for 县人社局, whose item does not use the 分娩记录.
    let (theirs, _) = server::services::uploads::signed_path(&app.state, uid, "hrss", now);
    assert_eq!(get(theirs, hrss).await, 404);
}

async fn housekeeping_removes_what_no_submission_took(app: TestApp) {
    let (b, phone, id) = app.new_citizen("刘美丽").await;
    // A filing that fails after its files were uploaded: they stay unbound.
    let (status, _) = file(&b, &id, |d| d["newborn_name"] = json!("")).await;
    assert_eq!(status, 422);
    let (status, created) = file(&b, &id, |_| {}).await;
    assert_eq!(status, 201, "{created}");
    // A crash between writing a file and recording it: an object, no row.
    let stray = format!("uploads/{}", uuid::Uuid::now_v7());
    let body = futures::stream::iter([Ok::<_, std::io::Error>(bytes::Bytes::from_static(b"x"))]);
    app.state
        .files
        .put(&stray, body, &app.state.pii)
        .await
        .expect("put");
    let unbound = || async {
        upload::Entity::find()
            .filter(upload::Column::BoundAt.is_null())
            .count(&app.db)
            .await
            .expect("count")
    };
    assert_eq!(unbound().await, 4, "the failed filing's four files");

    // Within 24 hours nothing goes; after, the unbound rows, their objects
    // and the stray object do, and the filed submission keeps every file.
    let now = Utc::now();
    let report = server::services::housekeeping::run_once(&app.state, now)
        .await
        .expect("run");
    assert_eq!((report.uploads_removed, report.stray_files_removed), (0, 0));
    let later = now + Duration::hours(25);
    let report = server::services::housekeeping::run_once(&app.state, later)
        .await
        .expect("run");
    assert_eq!((report.uploads_removed, report.stray_files_removed), (4, 1));
    assert_eq!(unbound().await, 0);
    let remaining = app
        .state
        .files
        .list_older_than("uploads/", later)
        .await
        .expect("list");
    let bound = upload::Entity::find().all(&app.db).await.expect("rows");
    assert_eq!(bound.len(), 4);
    // A day later the session has expired and housekeeping removed it.
    let b = {
        assert_eq!(download(&b, &bound[0].id.to_string()).await.0, 401);
        app.logged_in(&phone, CITIZEN_PASSWORD).await
    };
    assert_eq!(remaining.len(), 4, "{remaining:?}");
    for u in &bound {
        assert!(remaining.contains(&u.storage_key), "{} kept", u.storage_key);
        assert_eq!(download(&b, &u.id.to_string()).await.0, 200);
    }
}

/// The whole path on an S3-compatible store (`ONETHING_TEST_S3_ENDPOINT`,
/// which `.ci/test` points at a moto server): two instances sharing one
/// bucket and one database, a file uploaded to one and read from the
/// other, and housekeeping removing an unused one from the bucket.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_share_files_through_s3() {
    let Some(endpoint) = std::env::var("ONETHING_TEST_S3_ENDPOINT")
        .ok()
        .filter(|s| !s.trim().is_empty())
    else {
        eprintln!("skipping the S3 upload test: ONETHING_TEST_S3_ENDPOINT is not set");
        return;
    };
    let bucket = format!("onething-api-{}", uuid::Uuid::now_v7().simple());
    let created = reqwest::Client::new()
        .put(format!("{endpoint}/{bucket}"))
        .send()
        .await
        .expect("create bucket");
    assert!(
        created.status().is_success(),
        "create bucket: {}",
        created.status()
    );
    let vars = vec![
        ("ONETHING_STORAGE_URL", format!("s3://{bucket}/files")),
        ("ONETHING_S3_ENDPOINT", endpoint.clone()),
        ("ONETHING_S3_ACCESS_KEY_ID", "test".to_owned()),
        ("ONETHING_S3_SECRET_ACCESS_KEY", "test".to_owned()),
    ];
    let opts = crate::helpers::Options { demo: false, vars };
    let (app, _) = crate::helpers::spawn(crate::helpers::Backend::Sqlite, opts)
        .await
        .expect("sqlite app");
    assert!(
        app.state
            .files
            .describe()
            .starts_with(&format!("s3://{bucket}/files"))
    );
    let (b, phone, _) = app.new_citizen("刘美丽").await;
    let pdf = tiny_pdf();
    let (status, up) = b.upload("证明.pdf", pdf.clone()).await;
    assert_eq!(status, 201, "{up}");
    let id = up["id"].as_str().expect("id").to_owned();

    // A second instance on the same database and bucket serves it.
    let second = server::Application::build(app.settings.clone())
        .await
        .expect("second instance");
    let base2 = format!("http://{}", second.local_addr());
    tokio::spawn(async move {
        let _ = second.run().await;
    });
    let b2 = Browser {
        base: base2,
        client: b.client.clone(),
    };
    let (status, _, bytes) = download(&b2, &id).await;
    assert_eq!((status, bytes), (StatusCode::OK, pdf));

    // Unused for a day: gone from the bucket.
    let report = server::services::housekeeping::run_once(&app.state, Utc::now() + Duration::hours(25))
        .await
        .expect("run");
    assert_eq!(report.uploads_removed, 1);
    assert!(
        app.state
            .files
            .list_older_than("uploads", Utc::now() + Duration::hours(26))
            .await
            .expect("list")
            .is_empty()
    );
    // (That day's housekeeping also ended the session.)
    let b = app.logged_in(&phone, CITIZEN_PASSWORD).await;
    assert_eq!(download(&b, &id).await.0, 404);
}
