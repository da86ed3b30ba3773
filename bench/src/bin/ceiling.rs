//! The ceiling: the rows of a 企业上市合法合规信息核查 submission (the
//! submission, a work item per item × department, the `submitted` event,
//! the draft deleted), written by the server's own transaction function
//! straight to the database — no HTTP, no session, no validation, no
//! encryption — one transaction per submission, by 1, 16 and 64 tasks.
//!
//!     cargo run --release -p bench --bin ceiling -- --db both --clients 1,16,64 --seconds 10

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use bench::{Backend, Summary, TempDb};
use chrono::Utc;
use clap::Parser;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use server::AppState;
use server::db::entities::submission::ItemCodes;
use server::db::entities::{submission, user};
use server::identity::Subject;
use server::services::submissions;
use uuid::Uuid;

#[derive(Parser)]
struct Args {
    #[arg(long, default_value = "both")]
    db: String,
    #[arg(long, default_value = "1,16,64", value_delimiter = ',')]
    clients: Vec<usize>,
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    #[arg(long, default_value = "ipo-compliance")]
    bundle: String,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    println!("machine: {}", bench::machine());
    println!("| database | tasks | submissions | per second | p50 ms | p99 ms | work items |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for backend in Backend::list(&args.db)? {
        let db = TempDb::create(backend).await?;
        let result = run(&args, &db).await;
        db.drop_db().await;
        result?;
    }
    Ok(())
}

async fn run(args: &Args, db: &TempDb) -> anyhow::Result<()> {
    let state = bench::in_process_state(db, &bench::pii_key()).await?;
    let applicant = user::Entity::find()
        .filter(user::Column::Role.eq("citizen"))
        .one(&state.db)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no demo citizen"))?
        .id;
    // A payload of the size the API path stores (encrypted answers).
    let data_enc = state.pii.encrypt(&"x".repeat(6000));
    let state = Arc::new(state);
    let ctx = Arc::new((args.bundle.clone(), applicant, data_enc));
    // Warm-up.
    measure(&state, &ctx, 4, Duration::from_secs(1)).await?;
    for &tasks in &args.clients {
        let started = Instant::now();
        let (latencies, items) = measure(&state, &ctx, tasks, Duration::from_secs(args.seconds)).await?;
        let s = Summary::of(latencies);
        println!(
            "| {} | {tasks} | {} | {:.0} | {:.1} | {:.1} | {items} |",
            db.backend.name(),
            s.n,
            s.n as f64 / started.elapsed().as_secs_f64(),
            s.p50,
            s.p99,
        );
    }
    Ok(())
}

async fn measure(
    state: &Arc<AppState>,
    ctx: &Arc<(String, Uuid, String)>,
    tasks: usize,
    duration: Duration,
) -> anyhow::Result<(Vec<Duration>, usize)> {
    let stop = Arc::new(AtomicBool::new(false));
    let handles: Vec<_> = (0..tasks)
        .map(|_| {
            let (state, ctx, stop) = (state.clone(), ctx.clone(), stop.clone());
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                let mut per = 0;
                while !stop.load(Ordering::Relaxed) {
                    let t = Instant::now();
                    per = write_one(&state, &ctx.0, ctx.1, &ctx.2).await?;
                    latencies.push(t.elapsed());
                }
                anyhow::Ok((latencies, per))
            })
        })
        .collect();
    tokio::time::sleep(duration).await;
    stop.store(true, Ordering::Relaxed);
    let mut all = Vec::new();
    let mut per = 0;
    for h in handles {
        let (l, p) = h.await??;
        all.extend(l);
        per = p;
    }
    Ok((all, per))
}

/// One submission's rows in one transaction; returns the work items written.
async fn write_one(
    state: &AppState,
    bundle_code: &str,
    applicant: Uuid,
    data_enc: &str,
) -> anyhow::Result<usize> {
    let bundle = state
        .catalog
        .bundle(bundle_code)
        .ok_or_else(|| anyhow::anyhow!("no bundle {bundle_code}"))?;
    let now = Utc::now();
    let today = app::domain::Date::today_china();
    let id = Uuid::now_v7();
    // Unique and within the column's 32 characters.
    let tracking_no = format!("BN{}", &id.simple().to_string()[8..]);
    let codes: Vec<String> = bundle.items.iter().map(|i| i.code.to_string()).collect();
    let mut items = submissions::fan_out(&state.catalog, bundle, &codes, id, now, today);
    for w in &mut items {
        w.tracking_no.clone_from(&tracking_no);
    }
    let s = submission::Model {
        id,
        tracking_no,
        bundle: bundle.code.to_string(),
        catalog_version: state.catalog.version.clone(),
        applicant_id: applicant,
        subject: Subject::Person(applicant),
        items: ItemCodes(codes),
        data_enc: data_enc.to_owned(),
        idempotency_key: Some(Uuid::now_v7().to_string()),
        payload_hash: "0".repeat(64),
        submitted_at: now,
    };
    let event = submissions::submitted_event(&s, applicant, format!("citizen:{applicant}"));
    submissions::write(
        state,
        &s,
        &items,
        event,
        Vec::new(),
        (applicant, s.subject, bundle_code),
        &submissions::Alongside::default(),
    )
    .await?;
    Ok(items.len())
}
