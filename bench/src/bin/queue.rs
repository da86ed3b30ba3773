//! The clerk queue with a county's history: 1,000,000 work items across
//! every bundle and department (most completed, some open, many of those
//! overdue), then `GET /api/v1/work-items` — the first page, overdue first —
//! timed through a release server process.
//!
//!     cargo run --release -p bench --bin queue -- --db both --rows 1000000 --requests 500

use std::time::Instant;

use app::workflow::WorkStatus;
use bench::{Backend, ServerProcess, Summary, TempDb};
use chrono::Utc;
use clap::Parser;
use rand::Rng;
use sea_orm::ActiveValue::Set;
use sea_orm::{ConnectionTrait, EntityTrait, TransactionTrait};
use serde_json::json;
use server::db::entities::submission::ItemCodes;
use server::db::entities::{submission, user, work_item};
use server::identity::Subject;
use uuid::Uuid;

#[derive(Parser)]
struct Args {
    #[arg(long, default_value = "both")]
    db: String,
    /// Work items to create.
    #[arg(long, default_value_t = 1_000_000)]
    rows: usize,
    /// Timed requests per query.
    #[arg(long, default_value_t = 500)]
    requests: usize,
    #[arg(long)]
    server: Option<std::path::PathBuf>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let bin = args.server.clone().unwrap_or_else(bench::default_server_bin);
    println!("machine: {}", bench::machine());
    for backend in Backend::list(&args.db)? {
        let db = TempDb::create(backend).await?;
        let result = run(&args, &bin, &db).await;
        db.drop_db().await;
        result?;
    }
    Ok(())
}

async fn run(args: &Args, bin: &std::path::Path, db: &TempDb) -> anyhow::Result<()> {
    let pii = bench::pii_key();
    let state = bench::in_process_state(db, &pii).await?;
    let started = Instant::now();
    let (busiest, open) = seed(&state, args.rows).await?;
    println!(
        "\n{}: seeded {} work items in {:.0} s; busiest department `{busiest}` has {open} open items",
        db.backend.name(),
        args.rows,
        started.elapsed().as_secs_f64()
    );
    state.db.close().await?;

    let server = ServerProcess::start(bin, db, &pii, &[("ONETHING_OUTBOX_WORKER", "0")]).await?;
    let clerk = bench::session(&server.base);
    let res = clerk
        .post(server.url("/api/v1/auth/login"))
        .json(&json!({"login": format!("clerk-{busiest}"), "password": "Demo@2024"}))
        .send()
        .await?;
    anyhow::ensure!(res.status() == 200, "clerk login: {}", res.status());
    // The first view also counts the department's ended items (cached a minute).
    let t = Instant::now();
    let first: serde_json::Value = clerk
        .get(server.url("/api/v1/work-items"))
        .send()
        .await?
        .json()
        .await?;
    let cold = t.elapsed();
    let next = first["next"].as_str().unwrap_or_default().to_owned();
    let overdue_first = first["items"][0]["overdue"] == true;
    println!(
        "first page: {} items, first overdue: {overdue_first}, overdue in department: {}; cold (counting ended items): {:.1} ms",
        first["items"].as_array().map_or(0, Vec::len),
        first["overdue"],
        cold.as_secs_f64() * 1000.0
    );
    println!("| database | query | requests | p50 ms | p95 ms | p99 ms | max ms |");
    println!("|---|---|---:|---:|---:|---:|---:|");
    for (name, path) in [
        (
            "first page (open, overdue first)",
            "/api/v1/work-items".to_owned(),
        ),
        ("second page", format!("/api/v1/work-items?after={next}")),
        ("overdue only", "/api/v1/work-items?overdue=true".to_owned()),
    ] {
        let url = server.url(&path);
        for _ in 0..20 {
            clerk.get(&url).send().await?.error_for_status()?;
        }
        let mut samples = Vec::with_capacity(args.requests);
        for _ in 0..args.requests {
            let t = Instant::now();
            let res = clerk.get(&url).send().await?.error_for_status()?;
            let _ = res.bytes().await?;
            samples.push(t.elapsed());
        }
        let s = Summary::of(samples);
        println!(
            "| {} | {name} | {} | {:.1} | {:.1} | {:.1} | {:.1} |",
            db.backend.name(),
            s.n,
            s.p50,
            s.p95,
            s.p99,
            s.max
        );
    }
    Ok(())
}

/// Writes submissions of every bundle (all items) until `rows` work items
/// exist; returns the department with the most open items and that count.
async fn seed(state: &server::AppState, rows: usize) -> anyhow::Result<(String, usize)> {
    let applicant = user::Entity::find()
        .one(&state.db)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no user"))?
        .id;
    let today = app::domain::Date::today_china();
    let now = Utc::now();
    let mut rng = rand::rng();
    let mut open: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let (mut subs, mut items) = (Vec::new(), Vec::new());
    let mut written = 0;
    let mut n = 0u64;
    while written < rows {
        for bundle in &state.catalog.bundles {
            n += 1;
            let id = Uuid::now_v7();
            let age = rng.random_range(0..730);
            let submitted = now - chrono::Duration::days(age);
            let started = today.add_days(-age);
            let tracking_no = format!("Q{n:011}");
            subs.push(submission::ActiveModel {
                id: Set(id),
                tracking_no: Set(tracking_no.clone()),
                bundle: Set(bundle.code.to_string()),
                catalog_version: Set(state.catalog.version.clone()),
                applicant_id: Set(applicant),
                subject: Set(Subject::Person(applicant)),
                items: Set(ItemCodes::default()),
                data_enc: Set("-".into()),
                idempotency_key: Set(None),
                payload_hash: Set(String::new()),
                submitted_at: Set(submitted),
            });
            for item in &bundle.items {
                for dept in &item.departments {
                    // Most of a county's history is finished work.
                    let status = match rng.random_range(0..100) {
                        0..80 => WorkStatus::Completed,
                        80..85 => WorkStatus::Rejected,
                        85..91 => WorkStatus::Pending,
                        91..96 => WorkStatus::Accepted,
                        96..99 => WorkStatus::Waiting,
                        _ => WorkStatus::Returned,
                    };
                    let waiting = status == WorkStatus::Waiting;
                    let due_days = i32::from(item.due_days);
                    let due = (!waiting).then(|| started.add_days(i64::from(due_days) * 7 / 5));
                    if !status.is_final() {
                        *open.entry(dept.to_string()).or_default() += 1;
                    }
                    items.push(work_item::ActiveModel {
                        id: Set(Uuid::now_v7()),
                        submission_id: Set(id),
                        tracking_no: Set(tracking_no.clone()),
                        bundle: Set(bundle.code.to_string()),
                        submitted_at: Set(submitted),
                        item: Set(item.code.to_string()),
                        department: Set(dept.to_string()),
                        status: Set(status),
                        version: Set(1),
                        due_days: Set(due_days),
                        due_date: Set(due),
                        clock_started_on: Set((!waiting).then_some(started)),
                        paused_at: Set(None),
                        corrections: Set(None),
                        result: Set(None),
                        created_at: Set(submitted),
                        updated_at: Set(submitted),
                    });
                    written += 1;
                }
            }
        }
        if items.len() >= 20_000 || written >= rows {
            let txn = state.db.begin().await?;
            for chunk in std::mem::take(&mut subs).chunks(1000) {
                submission::Entity::insert_many(chunk.to_vec())
                    .exec_without_returning(&txn)
                    .await?;
            }
            for chunk in std::mem::take(&mut items).chunks(1000) {
                work_item::Entity::insert_many(chunk.to_vec())
                    .exec_without_returning(&txn)
                    .await?;
            }
            txn.commit().await?;
        }
    }
    // Statistics for the planner, as a maintained database has them.
    match state.db.get_database_backend() {
        sea_orm::DbBackend::Postgres => state.db.execute_unprepared("VACUUM ANALYZE").await?,
        _ => state.db.execute_unprepared("ANALYZE").await?,
    };
    Ok(open.into_iter().max_by_key(|(_, n)| *n).unwrap_or_default())
}
