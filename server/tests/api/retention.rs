//! Housekeeping deletes what is past its retention (README "Retention"),
//! keeps everything else, counts it in `/metrics`, and runs on one
//! PostgreSQL instance at a time.

use chrono::{Duration, Utc};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter};
use serde_json::json;
use server::db::entities::{draft, login_throttle, outbox, session};
use server::services::housekeeping;

use crate::both_backends;
use crate::helpers::TestApp;

both_backends!(
    housekeeping_deletes_what_is_past_its_retention,
    housekeeping_runs_on_one_instance_at_a_time
);

async fn housekeeping_deletes_what_is_past_its_retention(app: TestApp) {
    let db = &app.db;
    let now = Utc::now();
    let (b, _, _) = app.new_citizen("周留存").await;
    let (stale, _, _) = app.new_citizen("周过期").await;

    // Drafts: one untouched for 31 days, one saved today.
    assert_eq!(b.put("/api/v1/drafts/newborn", &json!({"data": {}})).await.0, 200);
    assert_eq!(
        b.put("/api/v1/drafts/retirement", &json!({"data": {}})).await.0,
        200
    );
    let mut old = draft::Entity::find()
        .filter(draft::Column::Bundle.eq("newborn"))
        .one(db)
        .await
        .expect("q")
        .expect("draft")
        .into_active_model();
    old.updated_at = Set(now - Duration::days(31));
    old.update(db).await.expect("age the draft");

    // Sessions: `stale`'s has been idle for 31 minutes; `b`'s is in use.
    let sessions = session::Entity::find().all(db).await.expect("sessions");
    assert_eq!(sessions.len(), 2);
    let (_, stale_me) = stale.get("/api/v1/me").await;
    for s in sessions {
        if s.user_id.to_string() == stale_me["id"].as_str().expect("id") {
            let mut s = s.into_active_model();
            s.last_seen_at = Set(now - Duration::minutes(31));
            s.update(db).await.expect("idle");
        }
    }

    // Throttle rows: a window over long ago, and a lock still running.
    for (key, started, locked) in [
        ("ip:203.0.113.1", now - Duration::minutes(16), None),
        (
            "ip:203.0.113.2",
            now - Duration::minutes(16),
            Some(now + Duration::minutes(5)),
        ),
        ("ip:203.0.113.3", now - Duration::minutes(5), None),
    ] {
        login_throttle::ActiveModel {
            key: Set(key.into()),
            failures: Set(3),
            window_started_at: Set(started),
            locked_until: Set(locked),
        }
        .insert(db)
        .await
        .expect("throttle row");
    }

    // Outbox: delivered 8 days ago (payload goes, record stays), delivered
    // yesterday, and a dead one from long ago (an admin may still retry it).
    let event = |status, delivered: Option<chrono::DateTime<Utc>>| outbox::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        department: Set("health".into()),
        event: Set("work_item.created".into()),
        submission_id: Set(None),
        work_item_id: Set(None),
        payload_enc: Set(app.state.pii.encrypt("{\"who\":\"someone\"}")),
        status: Set(status),
        attempts: Set(1),
        next_attempt_at: Set(now - Duration::days(30)),
        locked_until: Set(None),
        last_error: Set(None),
        created_at: Set(now - Duration::days(30)),
        delivered_at: Set(delivered),
    };
    use server::db::entities::types::OutboxStatus;
    let old_delivery = event(OutboxStatus::Delivered, Some(now - Duration::days(8)))
        .insert(db)
        .await
        .expect("event");
    let new_delivery = event(OutboxStatus::Delivered, Some(now - Duration::days(1)))
        .insert(db)
        .await
        .expect("event");
    let dead = event(OutboxStatus::Dead, None).insert(db).await.expect("event");

    let report = housekeeping::run_once(&app.state, now).await.expect("run");
    assert!(!report.skipped);
    let purged = report.purged;
    assert_eq!(
        (
            purged.drafts,
            purged.sessions,
            purged.throttles,
            purged.outbox_payloads
        ),
        (1, 1, 1, 1),
        "{report:?}"
    );

    // What is kept still works.
    assert_eq!(b.get("/api/v1/drafts/retirement").await.0, 200);
    assert_eq!(b.get("/api/v1/drafts/newborn").await.0, 404);
    assert_eq!(b.get("/api/v1/me").await.0, 200, "the live session stays");
    assert_eq!(
        stale.get("/api/v1/me").await.0,
        401,
        "the idle one was gone anyway"
    );
    let keys: Vec<String> = login_throttle::Entity::find()
        .all(db)
        .await
        .expect("rows")
        .into_iter()
        .map(|t| t.key)
        .collect();
    assert_eq!(keys.len(), 2);
    assert!(!keys.contains(&"ip:203.0.113.1".to_owned()), "{keys:?}");
    let reread = |id| async move {
        outbox::Entity::find_by_id(id)
            .one(db)
            .await
            .expect("q")
            .expect("the delivery record stays")
    };
    let old_row = reread(old_delivery.id).await;
    assert_eq!(old_row.payload_enc, "");
    assert_eq!(old_row.delivered_at, old_delivery.delivered_at);
    assert_eq!(
        reread(new_delivery.id).await.payload_enc,
        new_delivery.payload_enc
    );
    assert_eq!(reread(dead.id).await.payload_enc, dead.payload_enc);

    // A second run finds nothing more.
    let again = housekeeping::run_once(&app.state, now).await.expect("run");
    assert_eq!(again.purged, Default::default());

    let text = reqwest::get(app.url("/metrics"))
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    for what in ["sessions", "drafts", "login_throttles", "outbox_payloads"] {
        assert!(
            text.contains(&format!(
                "onething_housekeeping_removed_total{{what=\"{what}\"}} 1"
            )),
            "{what}: {text}"
        );
    }
    // The server's own run as it started (runs made by the test directly
    // are not background runs).
    assert!(
        text.contains("onething_housekeeping_runs_total{outcome=\"ran\"} 1"),
        "{text}"
    );
}

/// On PostgreSQL a run while another instance holds the job's lock does
/// nothing; once the lock is free it runs. SQLite has one instance.
async fn housekeeping_runs_on_one_instance_at_a_time(app: TestApp) {
    let held = server::db::try_job_lock(&app.db, "housekeeping")
        .await
        .expect("lock")
        .expect("free at first");
    let report = housekeeping::run_once(&app.state, Utc::now()).await.expect("run");
    let postgres = app.db.get_database_backend() == sea_orm::DbBackend::Postgres;
    assert_eq!(report.skipped, postgres, "{report:?}");
    if postgres {
        assert!(
            server::db::try_job_lock(&app.db, "housekeeping")
                .await
                .expect("lock")
                .is_none(),
            "held by the first"
        );
        assert!(
            server::db::try_job_lock(&app.db, "another job")
                .await
                .expect("lock")
                .is_some(),
            "other jobs have their own lock"
        );
    }
    held.release().await.expect("release");
    let report = housekeeping::run_once(&app.state, Utc::now()).await.expect("run");
    assert!(!report.skipped);
}
