//! Crash safety: concurrent applicants file 企业上市合法合规信息核查 while
//! the server is killed with SIGKILL at random moments and restarted; every
//! department has an endpoint (a receiver that applies each idempotency key
//! once). Afterwards the database and the receiver are checked:
//!
//! - every submission a client saw acknowledged exists with exactly the work
//!   items the acknowledgement listed;
//! - nothing is half-written: every stored submission has all its work
//!   items, its `submitted` event and an outbox row per work item;
//! - every outbox event is delivered, and no effect happened twice (one
//!   idempotency key per work item and event).
//!
//! Clients retry a failed request with the same idempotency key, as the
//! wizard does. Exits non-zero when a check fails.
//!
//!     cargo run --release -p bench --bin crash -- --db both --kills 12

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bench::receiver::{Receiver, signature_valid};
use bench::{Backend, ServerProcess, TempDb};
use clap::Parser;
use rand::Rng;
use sea_orm::{ColumnTrait, Database, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use server::db::entities::{outbox, submission, work_item, work_item_event};
use tokio::sync::Mutex;

#[derive(Parser)]
struct Args {
    #[arg(long, default_value = "both")]
    db: String,
    /// How many times the server is killed.
    #[arg(long, default_value_t = 12)]
    kills: usize,
    /// Concurrent applicants.
    #[arg(long, default_value_t = 8)]
    clients: usize,
    #[arg(long, default_value = "ipo-compliance")]
    bundle: String,
    #[arg(long)]
    server: Option<std::path::PathBuf>,
}

/// A submission a client saw acknowledged.
#[derive(Clone, Debug)]
struct Ack {
    id: String,
    work_items: usize,
}

#[derive(Default)]
struct Counters {
    attempts: AtomicU64,
    failed_requests: AtomicU64,
    replays: AtomicU64,
    gave_up: AtomicU64,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let bin = args.server.clone().unwrap_or_else(bench::default_server_bin);
    println!("machine: {}", bench::machine());
    let mut failed = false;
    for backend in Backend::list(&args.db)? {
        let db = TempDb::create(backend).await?;
        let result = run(&args, &bin, &db).await;
        db.drop_db().await;
        failed |= !result?;
    }
    if failed {
        anyhow::bail!("crash safety check FAILED");
    }
    Ok(())
}

async fn run(args: &Args, bin: &std::path::Path, db: &TempDb) -> anyhow::Result<bool> {
    let receiver = Receiver::start().await;
    let pii = bench::pii_key();
    let settings = [
        ("ONETHING_DEMO", "1"),
        ("ONETHING_OUTBOX_POLL_MS", "50"),
        ("ONETHING_OUTBOX_BASE_DELAY_MS", "200"),
        ("ONETHING_OUTBOX_MAX_ATTEMPTS", "100"),
    ];
    let mut server = ServerProcess::start(bin, db, &pii, &settings).await?;

    // Every department's system is the receiver.
    let admin = bench::session(&server.base);
    admin
        .post(server.url("/api/v1/auth/login"))
        .json(&json!({"login": "admin", "password": "Demo@2024"}))
        .send()
        .await?
        .error_for_status()?;
    let departments: Vec<Value> = admin
        .get(server.url("/api/v1/departments"))
        .send()
        .await?
        .json()
        .await?;
    let mut secrets = HashMap::new();
    for d in &departments {
        let code = d["code"].as_str().unwrap_or_default();
        let creds: Value = admin
            .put(server.url(&format!("/api/v1/admin/departments/{code}/endpoint")))
            .json(&json!({"url": receiver.endpoint(code)}))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        secrets.insert(
            code.to_owned(),
            creds["secret"].as_str().unwrap_or_default().to_owned(),
        );
    }
    let applicants = bench::enterprise_filers(&server.base, &args.bundle, args.clients).await?;

    // Applicants file back to back, retrying with the same key on failure.
    let stop = Arc::new(AtomicBool::new(false));
    let acks = Arc::new(Mutex::new(Vec::<Ack>::new()));
    let counters = Arc::new(Counters::default());
    let url = Arc::new(server.url("/api/v1/submissions"));
    let tasks: Vec<_> = applicants
        .into_iter()
        .map(|bench::Filer { client: c, body }| {
            let (stop, acks, counters, url) = (stop.clone(), acks.clone(), counters.clone(), url.clone());
            tokio::spawn(async move {
                while !stop.load(Ordering::Relaxed) {
                    let mut b = (*body).clone();
                    b["idempotency_key"] = json!(uuid::Uuid::now_v7().to_string());
                    // The files first (the server may be down: try again).
                    let base = url.trim_end_matches("/api/v1/submissions");
                    if bench::with_uploads(&c, base, &mut b["data"]).await.is_err() {
                        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                        continue;
                    }
                    if let Some(ack) = file_until_acknowledged(&c, &url, &b, &counters).await {
                        acks.lock().await.push(ack);
                    }
                }
            })
        })
        .collect();

    // The chaos: SIGKILL at random moments, restart at once.
    let chaos_started = Instant::now();
    let mut restart_ms = Vec::new();
    for _ in 0..args.kills {
        let wait = rand::rng().random_range(200..1500);
        tokio::time::sleep(Duration::from_millis(wait)).await;
        server.kill().await;
        let t = Instant::now();
        server.restart().await?;
        restart_ms.push(t.elapsed().as_millis());
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.store(true, Ordering::Relaxed);
    for t in tasks {
        t.await?;
    }
    let chaos = chaos_started.elapsed();

    // Let the outbox drain (rows a killed worker had claimed come back when
    // their 30 s lease runs out).
    let conn = Database::connect(&db.url).await?;
    let drain_started = Instant::now();
    loop {
        let left = outbox::Entity::find()
            .filter(outbox::Column::Status.ne("delivered"))
            .count(&conn)
            .await?;
        if left == 0 {
            break;
        }
        if drain_started.elapsed() > Duration::from_secs(180) {
            println!("outbox did not drain: {left} events left");
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let drain = drain_started.elapsed();
    server.kill().await;

    let acks = acks.lock().await.clone();
    let report = verify(&conn, &acks, &receiver, &secrets).await?;
    let c = &counters;
    println!("\n## {}\n", db.backend.name());
    println!("| | |\n|---|---:|");
    println!("| SIGKILLs | {} |", args.kills);
    println!("| chaos duration | {:.1} s |", chaos.as_secs_f64());
    println!(
        "| restart to healthy (max) | {} ms |",
        restart_ms.iter().max().unwrap_or(&0)
    );
    println!("| requests sent | {} |", c.attempts.load(Ordering::Relaxed));
    println!(
        "| requests that failed (connection lost, 5xx) | {} |",
        c.failed_requests.load(Ordering::Relaxed)
    );
    println!("| submissions acknowledged | {} |", acks.len());
    println!(
        "| acknowledged by a replay (200: committed before the crash, answer lost) | {} |",
        c.replays.load(Ordering::Relaxed)
    );
    println!("| clients that gave up | {} |", c.gave_up.load(Ordering::Relaxed));
    for (k, v) in &report.figures {
        println!("| {k} | {v} |");
    }
    println!(
        "| outbox drained after the last kill | {:.1} s |",
        drain.as_secs_f64()
    );
    if report.failures.is_empty() {
        println!("\nall checks passed");
        Ok(true)
    } else {
        for f in &report.failures {
            println!("FAILED: {f}");
        }
        Ok(false)
    }
}

/// Posts `body` until the server acknowledges it (201, or 200 for a replay
/// of a submission that was committed but whose answer was lost).
async fn file_until_acknowledged(
    c: &reqwest::Client,
    url: &str,
    body: &Value,
    counters: &Counters,
) -> Option<Ack> {
    for _ in 0..1200 {
        counters.attempts.fetch_add(1, Ordering::Relaxed);
        match c
            .post(url)
            .json(body)
            .timeout(Duration::from_secs(30))
            .send()
            .await
        {
            Ok(r) if r.status() == 201 || r.status() == 200 => {
                let replay = r.status() == 200;
                if let Ok(v) = r.json::<Value>().await {
                    if replay {
                        counters.replays.fetch_add(1, Ordering::Relaxed);
                    }
                    return Some(Ack {
                        id: v["id"].as_str().unwrap_or_default().to_owned(),
                        work_items: v["work_items"].as_array().map_or(0, Vec::len),
                    });
                }
                // The connection died while the answer was read: ask again.
                counters.failed_requests.fetch_add(1, Ordering::Relaxed);
            }
            Ok(r) if r.status().is_server_error() => {
                counters.failed_requests.fetch_add(1, Ordering::Relaxed);
            }
            Ok(r) => {
                eprintln!("refused: {} {}", r.status(), r.text().await.unwrap_or_default());
                counters.gave_up.fetch_add(1, Ordering::Relaxed);
                return None;
            }
            Err(_) => {
                counters.failed_requests.fetch_add(1, Ordering::Relaxed);
            }
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    counters.gave_up.fetch_add(1, Ordering::Relaxed);
    None
}

struct Report {
    figures: Vec<(String, String)>,
    failures: Vec<String>,
}

async fn verify(
    conn: &sea_orm::DatabaseConnection,
    acks: &[Ack],
    receiver: &Receiver,
    secrets: &HashMap<String, String>,
) -> anyhow::Result<Report> {
    let catalog = server::catalog_loader::load(&bench::root().join("server/catalog"))?;
    let mut failures = Vec::new();
    let subs = submission::Entity::find().all(conn).await?;
    let mut items_of: HashMap<uuid::Uuid, usize> = HashMap::new();
    for w in work_item::Entity::find().all(conn).await? {
        *items_of.entry(w.submission_id).or_default() += 1;
    }
    let mut submitted_events: HashMap<uuid::Uuid, usize> = HashMap::new();
    for e in work_item_event::Entity::find()
        .filter(work_item_event::Column::Event.eq("submitted"))
        .all(conn)
        .await?
    {
        *submitted_events.entry(e.submission_id).or_default() += 1;
    }
    let rows = outbox::Entity::find().all(conn).await?;
    let mut created_rows: HashMap<uuid::Uuid, usize> = HashMap::new();
    for r in rows.iter().filter(|r| r.event == "work_item.created") {
        *created_rows
            .entry(r.submission_id.unwrap_or_default())
            .or_default() += 1;
    }

    // Acknowledged submissions exist with exactly their work items.
    let stored: HashMap<String, &submission::Model> = subs.iter().map(|s| (s.id.to_string(), s)).collect();
    for a in acks {
        match stored.get(&a.id) {
            None => failures.push(format!("acknowledged submission {} is missing", a.id)),
            Some(s) => {
                let n = items_of.get(&s.id).copied().unwrap_or(0);
                if n != a.work_items {
                    failures.push(format!(
                        "submission {} has {n} work items, acknowledged with {}",
                        a.id, a.work_items
                    ));
                }
            }
        }
    }
    // Nothing half-written.
    let acked: HashSet<&str> = acks.iter().map(|a| a.id.as_str()).collect();
    let mut unacknowledged = 0;
    for s in &subs {
        let chosen: &[String] = &s.items;
        let expected: usize = catalog
            .bundle(&s.bundle)
            .map(|b| {
                b.items
                    .iter()
                    .filter(|i| chosen.contains(&i.code.to_string()))
                    .map(|i| i.departments.len())
                    .sum()
            })
            .unwrap_or(0);
        let n = items_of.get(&s.id).copied().unwrap_or(0);
        if n != expected || expected == 0 {
            failures.push(format!("submission {} has {n} of {expected} work items", s.id));
        }
        if submitted_events.get(&s.id).copied().unwrap_or(0) != 1 {
            failures.push(format!("submission {} lacks its submitted event", s.id));
        }
        if created_rows.get(&s.id).copied().unwrap_or(0) != n {
            failures.push(format!(
                "submission {} has {n} work items but not as many outbox rows",
                s.id
            ));
        }
        if !acked.contains(s.id.to_string().as_str()) {
            unacknowledged += 1;
        }
    }
    if unacknowledged > 0 {
        failures.push(format!(
            "{unacknowledged} stored submissions were never acknowledged to their client"
        ));
    }

    // Every event delivered; no effect twice.
    let undelivered = rows.iter().filter(|r| r.status.as_str() != "delivered").count();
    if undelivered > 0 {
        failures.push(format!("{undelivered} outbox events not delivered"));
    }
    let applied = receiver.applied();
    let missing = rows
        .iter()
        .filter(|r| !applied.contains(&r.id.to_string()))
        .count();
    if missing > 0 {
        failures.push(format!("{missing} outbox events never reached the receiver"));
    }
    let deliveries = receiver.deliveries();
    let mut keys_per_effect: HashMap<(String, String), HashSet<String>> = HashMap::new();
    let mut bad_signatures = 0;
    for d in &deliveries {
        if !signature_valid(d, secrets.get(&d.department).map_or("", String::as_str)) {
            bad_signatures += 1;
        }
        let body: Value = serde_json::from_str(&d.body).unwrap_or_default();
        let effect = (
            body["work_item"]["id"].as_str().unwrap_or_default().to_owned(),
            d.event.clone(),
        );
        keys_per_effect.entry(effect).or_default().insert(d.key.clone());
    }
    let duplicated = keys_per_effect.values().filter(|k| k.len() > 1).count();
    if duplicated > 0 {
        failures.push(format!(
            "{duplicated} effects arrived under more than one idempotency key"
        ));
    }
    if bad_signatures > 0 {
        failures.push(format!("{bad_signatures} deliveries with a bad signature"));
    }
    let distinct: HashSet<&str> = deliveries.iter().map(|d| d.key.as_str()).collect();
    let figures = vec![
        ("submissions stored".to_owned(), subs.len().to_string()),
        (
            "work items stored".to_owned(),
            items_of.values().sum::<usize>().to_string(),
        ),
        ("outbox events".to_owned(), rows.len().to_string()),
        ("deliveries received".to_owned(), deliveries.len().to_string()),
        (
            "redeliveries (same key again after a crash; applied once)".to_owned(),
            (deliveries.len() - distinct.len()).to_string(),
        ),
        (
            "concurrent double deliveries".to_owned(),
            receiver.overlaps().to_string(),
        ),
        ("duplicate effects".to_owned(), duplicated.to_string()),
    ];
    if receiver.overlaps() > 0 {
        failures.push(format!(
            "{} deliveries overlapped with the same key",
            receiver.overlaps()
        ));
    }
    Ok(Report { figures, failures })
}
