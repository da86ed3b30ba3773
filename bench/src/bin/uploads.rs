//! Upload throughput and memory: `--clients` applicants each upload one
//! `--mib` MiB picture at the same moment, `--rounds` times, against the
//! release server (local file storage). Reports the server's resident
//! memory at idle and its peak during the uploads (sampled every 10 ms from
//! `/proc`), and the uploads' latency and throughput. The files must be
//! streamed: the target is a peak under idle + 64 MiB for 64 × 5 MiB.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bench::{Backend, ServerProcess, Summary, TempDb};
use clap::Parser;
use rand::RngCore;

#[derive(Parser, Debug)]
struct Args {
    #[arg(long, default_value = "sqlite")]
    db: String,
    #[arg(long, default_value_t = 64)]
    clients: usize,
    #[arg(long, default_value_t = 5)]
    mib: usize,
    #[arg(long, default_value_t = 3)]
    rounds: usize,
    #[arg(long)]
    server: Option<std::path::PathBuf>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let bin = args.server.clone().unwrap_or_else(bench::default_server_bin);
    println!("{}", bench::machine());
    println!(
        "\n| db | clients × size | round | uploads | MiB/s | p50 ms | p95 ms | max ms | RSS idle MiB | RSS peak MiB | peak − idle MiB |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    for backend in Backend::list(&args.db)? {
        let db = TempDb::create(backend).await?;
        let result = run(&args, &bin, &db).await;
        db.drop_db().await;
        result?;
    }
    Ok(())
}

/// A JPEG-looking file of `bytes` random bytes: the start and end markers
/// the server checks, noise between (nothing is decoded on the server).
fn picture(bytes: usize) -> Vec<u8> {
    let mut v = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut v);
    v[..4].copy_from_slice(&[0xFF, 0xD8, 0xFF, 0xE0]);
    let n = v.len();
    v[n - 2..].copy_from_slice(&[0xFF, 0xD9]);
    v
}

async fn run(args: &Args, bin: &std::path::Path, db: &TempDb) -> anyhow::Result<()> {
    let server = ServerProcess::start(bin, db, &bench::pii_key(), &[]).await?;
    let pid = server.pid().ok_or_else(|| anyhow::anyhow!("no server pid"))?;
    let clients = futures::future::try_join_all(
        (0..args.clients).map(|i| bench::citizen(&server.base, u32::try_from(i).unwrap_or(0))),
    )
    .await?;
    let body = Arc::new(picture(args.mib * 1024 * 1024));
    // Warm-up: one small upload per client (connections, allocator).
    for c in &clients {
        bench::upload(c, &server.base, "warm.jpg", picture(64 * 1024)).await?;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let idle = bench::rss_kib(pid).unwrap_or(0);
    for round in 1..=args.rounds {
        let watch = bench::PeakRss::watch(pid, idle);
        let started = Instant::now();
        let results = futures::future::join_all(clients.iter().map(|c| {
            let body = body.clone();
            let base = server.base.clone();
            async move {
                let t = Instant::now();
                bench::upload(c, &base, "photo.jpg", (*body).clone())
                    .await
                    .map(|_| t.elapsed())
            }
        }))
        .await;
        let elapsed = started.elapsed().as_secs_f64();
        let peak = watch.stop().await;
        let mut latencies = Vec::new();
        for r in results {
            latencies.push(r?);
        }
        let s = Summary::of(latencies);
        let mib = bench::mib;
        #[allow(clippy::cast_precision_loss)]
        let throughput = (args.clients * args.mib) as f64 / elapsed;
        println!(
            "| {} | {} × {} MiB | {round} | {} | {throughput:.0} | {:.0} | {:.0} | {:.0} | {:.0} | {:.0} | {:.0} |",
            db.backend.name(),
            args.clients,
            args.mib,
            s.n,
            s.p50,
            s.p95,
            s.max,
            mib(idle),
            mib(peak),
            mib(peak.saturating_sub(idle)),
        );
    }
    Ok(())
}
