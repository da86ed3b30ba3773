//! Submit throughput and latency: concurrent enterprise applicants file
//! 企业上市合法合规信息核查 (all 17 items) through the real HTTP API of a
//! release server process.
//!
//!     cargo run --release -p bench --bin load -- --db both --clients 1,16,64 --seconds 10

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bench::{Backend, ServerProcess, Summary, TempDb};
use clap::Parser;
use serde_json::json;

#[derive(Parser)]
struct Args {
    /// sqlite, postgres or both.
    #[arg(long, default_value = "both")]
    db: String,
    /// Concurrent clients, comma-separated.
    #[arg(long, default_value = "1,16,64", value_delimiter = ',')]
    clients: Vec<usize>,
    /// Measured seconds per concurrency level.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// The bundle to file (all of its items).
    #[arg(long, default_value = "ipo-compliance")]
    bundle: String,
    #[arg(long)]
    server: Option<std::path::PathBuf>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let bin = args.server.clone().unwrap_or_else(bench::default_server_bin);
    println!("machine: {}", bench::machine());
    println!(
        "| database | clients | submissions | errors | per second | p50 ms | p95 ms | p99 ms | max ms | work items | RSS idle MiB | RSS peak MiB |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for backend in Backend::list(&args.db)? {
        let db = TempDb::create(backend).await?;
        let result = run(&args, &bin, &db).await;
        db.drop_db().await;
        result?;
    }
    Ok(())
}

async fn run(args: &Args, bin: &std::path::Path, db: &TempDb) -> anyhow::Result<()> {
    let server = ServerProcess::start(bin, db, &bench::pii_key(), &[]).await?;
    let most = args.clients.iter().copied().max().unwrap_or(1);
    // One enterprise applicant per client (registration hashes a password:
    // done before the clock starts).
    let applicants = bench::enterprise_filers(&server.base, &args.bundle, most).await?;
    let url = Arc::new(server.url("/api/v1/submissions"));
    let pid = server.pid().ok_or_else(|| anyhow::anyhow!("no server pid"))?;
    // Idle: started, applicants registered, nothing filed yet.
    let idle = bench::rss_kib(pid).unwrap_or(0);

    // Warm-up: connections, caches, the database's pages.
    measure(&applicants[..most.min(16)], &url, Duration::from_secs(2)).await;
    for &clients in &args.clients {
        let watch = bench::PeakRss::watch(pid, 0);
        let started = Instant::now();
        let (latencies, errors, work_items) =
            measure(&applicants[..clients], &url, Duration::from_secs(args.seconds)).await;
        let elapsed = started.elapsed().as_secs_f64();
        let peak = watch.stop().await;
        let s = Summary::of(latencies);
        println!(
            "| {} | {clients} | {} | {errors} | {:.0} | {:.1} | {:.1} | {:.1} | {:.1} | {} | {:.0} | {:.0} |",
            db.backend.name(),
            s.n,
            s.n as f64 / elapsed,
            s.p50,
            s.p95,
            s.p99,
            s.max,
            work_items / u64::try_from(s.n.max(1)).unwrap_or(1),
            bench::mib(idle),
            bench::mib(peak),
        );
    }
    Ok(())
}

/// Each client submits back to back for `duration`; returns the latencies
/// of the acknowledged (201) submissions, the number of errors, and the
/// work items they created.
async fn measure(
    clients: &[bench::Filer],
    url: &Arc<String>,
    duration: Duration,
) -> (Vec<Duration>, u64, u64) {
    let stop = Arc::new(AtomicBool::new(false));
    let errors = Arc::new(AtomicU64::new(0));
    let items = Arc::new(AtomicU64::new(0));
    let tasks: Vec<_> = clients
        .iter()
        .cloned()
        .map(|bench::Filer { client: c, body }| {
            let (stop, errors, items, url) = (stop.clone(), errors.clone(), items.clone(), url.clone());
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                while !stop.load(Ordering::Relaxed) {
                    let mut b = (*body).clone();
                    b["idempotency_key"] = json!(uuid::Uuid::now_v7().to_string());
                    // Each submission hands in its own files (not timed).
                    let base = url.trim_end_matches("/api/v1/submissions");
                    if let Err(e) = bench::with_uploads(&c, base, &mut b["data"]).await {
                        if errors.fetch_add(1, Ordering::Relaxed) < 3 {
                            eprintln!("upload failed: {e}");
                        }
                        continue;
                    }
                    let t = Instant::now();
                    match c.post(url.as_str()).json(&b).send().await {
                        Ok(r) if r.status() == 201 => {
                            let v: serde_json::Value = r.json().await.unwrap_or_default();
                            latencies.push(t.elapsed());
                            items.fetch_add(
                                v["work_items"].as_array().map_or(0, |w| w.len() as u64),
                                Ordering::Relaxed,
                            );
                        }
                        Ok(r) => {
                            if errors.fetch_add(1, Ordering::Relaxed) < 3 {
                                eprintln!(
                                    "unexpected answer {}: {}",
                                    r.status(),
                                    r.text().await.unwrap_or_default()
                                );
                            }
                        }
                        Err(e) => {
                            if errors.fetch_add(1, Ordering::Relaxed) < 3 {
                                eprintln!("request failed: {e}");
                            }
                        }
                    }
                }
                latencies
            })
        })
        .collect();
    tokio::time::sleep(duration).await;
    stop.store(true, Ordering::Relaxed);
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap_or_default());
    }
    (all, errors.load(Ordering::Relaxed), items.load(Ordering::Relaxed))
}
