//! Backups: `server backup` of a SQLite database that keeps taking
//! submissions, `server restore` of it, and for PostgreSQL a `pg_dump`
//! restored with `pg_restore` (README "Backups").

use std::path::Path;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use sea_orm::{Database, EntityTrait};
use serde_json::json;
use server::db::entities::submission;

use crate::helpers::{Backend, Options, TestApp, spawn, unique_id_number};
use crate::submissions::newborn_data;

/// `server <args>` on `database_url`.
fn server(database_url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_server"))
        .args(args)
        .env("ONETHING_DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run server")
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Files 新生儿出生 for a new citizen; the acknowledged submission's id.
async fn file_one(app: &TestApp) -> String {
    let (b, _, id) = app.new_citizen("刘美丽").await;
    let data = b.with_uploads(newborn_data(&id, &unique_id_number())).await;
    let (status, created) = b
        .post(
            "/api/v1/submissions",
            &json!({"bundle": "newborn", "items": [], "data": data}),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    created["id"].as_str().expect("id").to_owned()
}

async fn submission_ids(url: &str) -> Vec<String> {
    let db = Database::connect(url).await.expect("connect");
    let ids = submission::Entity::find()
        .all(&db)
        .await
        .expect("submissions")
        .into_iter()
        .map(|s| s.id.to_string())
        .collect();
    let _ = db.close().await;
    ids
}

/// A backup taken while citizens keep filing holds every submission
/// acknowledged before it began; restored, the server finds them all.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_under_load_restores_every_acknowledged_submission() {
    let (app, _) = spawn(Backend::Sqlite, Options::default()).await.expect("sqlite");
    let app = Arc::new(app);
    let dir = tempfile::tempdir().expect("tempdir");
    let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let filer = {
        let (app, acknowledged, stop) = (app.clone(), acknowledged.clone(), stop.clone());
        tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let id = file_one(&app).await;
                acknowledged.lock().expect("lock").push(id);
            }
        })
    };
    while acknowledged.lock().expect("lock").len() < 3 {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }

    let backup = dir.path().join("onething-backup.db");
    let before: Vec<String> = acknowledged.lock().expect("lock").clone();
    let url = app.settings.database_url.clone();
    let out = {
        let (url, to) = (url.clone(), backup.display().to_string());
        tokio::task::spawn_blocking(move || server(&url, &["backup", "--to", &to]))
            .await
            .expect("backup")
    };
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("submissions"), "{}", text(&out));
    stop.store(true, Ordering::Relaxed);
    filer.await.expect("filer");
    let after = acknowledged.lock().expect("lock").len();

    // A second backup never overwrites the first.
    let out = server(&url, &["backup", "--to", &backup.display().to_string()]);
    assert!(!out.status.success());
    assert!(text(&out).contains("already exists"), "{}", text(&out));

    let restored = format!("sqlite://{}?mode=rwc", dir.path().join("restored.db").display());
    let out = server(&restored, &["restore", "--from", &backup.display().to_string()]);
    assert!(out.status.success(), "{}", text(&out));
    let ids = submission_ids(&restored).await;
    for id in &before {
        assert!(ids.contains(id), "acknowledged {id} is in the backup");
    }
    assert!(ids.len() <= after, "nothing appears that was not filed");

    // Restoring over a database needs --replace and keeps the old one.
    let out = server(&restored, &["restore", "--from", &backup.display().to_string()]);
    assert!(!out.status.success());
    assert!(text(&out).contains("--replace"), "{}", text(&out));
    let out = server(
        &restored,
        &["restore", "--from", &backup.display().to_string(), "--replace"],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("kept as"), "{}", text(&out));
    let kept = std::fs::read_dir(dir.path())
        .expect("dir")
        .filter_map(Result::ok)
        .any(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("restored.db.before-restore-")
        });
    assert!(kept, "the replaced database is kept");

    // Something that is not a backup is refused and changes nothing.
    let garbage = dir.path().join("not-a-backup.db");
    std::fs::write(&garbage, b"hello").expect("write");
    let out = server(
        &restored,
        &["restore", "--from", &garbage.display().to_string(), "--replace"],
    );
    assert!(!out.status.success());
    assert!(text(&out).contains("not a usable backup"), "{}", text(&out));
    assert_eq!(submission_ids(&restored).await.len(), ids.len());
    drop(app);
}

/// PostgreSQL is backed up with `pg_dump` and restored with `pg_restore`
/// (what README shows); `server backup` points there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgres_dump_restores_every_submission() {
    if Command::new("pg_dump").arg("--version").output().is_err() {
        eprintln!("skipped: pg_dump is not installed");
        return;
    }
    let Some((app, Some((admin, name)))) = spawn(Backend::Postgres, Options::default()).await else {
        eprintln!("skipped on PostgreSQL: DATABASE_URL_PG is not set");
        return;
    };
    let filed = [file_one(&app).await, file_one(&app).await];
    let url = app.settings.database_url.clone();

    let out = server(&url, &["backup", "--to", "/tmp/never.db"]);
    assert!(!out.status.success());
    assert!(text(&out).contains("pg_dump"), "{}", text(&out));
    assert!(!Path::new("/tmp/never.db").exists());

    let dir = tempfile::tempdir().expect("tempdir");
    let dump = dir.path().join("onething.dump");
    let out = Command::new("pg_dump")
        .args(["--format=custom", "--no-owner", "--file"])
        .arg(&dump)
        .arg(&url)
        .output()
        .expect("pg_dump");
    assert!(out.status.success(), "{}", text(&out));

    let copy = format!("{name}_restored");
    let conn = Database::connect(&admin).await.expect("admin");
    use sea_orm::ConnectionTrait;
    conn.execute_unprepared(&format!("CREATE DATABASE \"{copy}\""))
        .await
        .expect("create");
    let copy_url = url.replace(&name, &copy);
    let out = Command::new("pg_restore")
        .args(["--no-owner", "--exit-on-error", "--dbname"])
        .arg(&copy_url)
        .arg(&dump)
        .output()
        .expect("pg_restore");
    let ids = submission_ids(&copy_url).await;
    for db in [&copy, &name] {
        let _ = conn
            .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{db}\" WITH (FORCE)"))
            .await;
    }
    assert!(out.status.success(), "{}", text(&out));
    for id in &filed {
        assert!(ids.contains(id), "{id} restored");
    }
}
