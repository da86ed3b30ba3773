//! The clerk queue with a county's history: 1,000,000 work items across
//! every bundle and department (most completed, some open, many of those
//! overdue), then `GET /api/v1/work-items` — the first page, overdue first —
//! timed through a release server process.
//!
//!     cargo run --release -p bench --bin queue -- --db both --rows 1000000 --requests 500

use std::time::Instant;

use bench::{Backend, ServerProcess, Summary, TempDb};
use clap::Parser;
use serde_json::json;

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
    let seeded = bench::seed::county(
        &state,
        bench::seed::Options {
            rows: args.rows,
            days: 730,
            history: false,
        },
    )
    .await?;
    let (busiest, open) = seeded.busiest;
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
