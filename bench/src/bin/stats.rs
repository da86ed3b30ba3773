//! 效能评估 with a county's year: 1,000,000 work items over 365 days with
//! the events that ended them, ratings and cases; the stats worker catches
//! up (timed); the overview for the year then equals a full recount of the
//! history; and `GET /api/v1/stats/overview` for the year is timed as the
//! evaluator through a release server process: county-wide, one bundle,
//! one department; first with nothing recorded between the requests (the
//! figures are remembered), then with a submission filed before each
//! request (they are computed again).
//!
//!     cargo run --release -p bench --bin stats -- --db both --rows 1000000 --requests 300

use std::time::{Duration, Instant};

use app::api::{Role, StatsQuery};
use app::domain::Date;
use bench::{Backend, ServerProcess, Summary, TempDb};
use chrono::Utc;
use clap::Parser;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use server::db::entities::user;
use server::identity::Actor;
use server::services::stats::{self, store};

#[derive(Parser)]
struct Args {
    #[arg(long, default_value = "both")]
    db: String,
    /// Work items to create.
    #[arg(long, default_value_t = 1_000_000)]
    rows: usize,
    /// Timed requests per scope.
    #[arg(long, default_value_t = 300)]
    requests: usize,
    /// Days of history (the overview asks for the last 365 days).
    #[arg(long, default_value_t = 365)]
    days: i64,
    #[arg(long)]
    server: Option<std::path::PathBuf>,
}

/// Filed between requests in the worst case (all its items: 4 work items).
const FILED: &str = "restaurant";

/// The scopes timed: (label, extra query).
const SCOPES: [(&str, &str); 3] = [
    ("county-wide", ""),
    ("bundle=newborn", "&bundle=newborn"),
    ("department=health", "&department=health"),
];

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

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn query(from: Date, to: Date, extra: &str) -> String {
    format!("from={from}&to={to}{extra}")
}

fn stats_query(from: Date, to: Date, extra: &str) -> StatsQuery {
    let get = |k: &str| {
        extra
            .split('&')
            .find_map(|kv| kv.strip_prefix(k)?.strip_prefix('='))
            .map(ToOwned::to_owned)
    };
    StatsQuery {
        from: Some(from.to_string()),
        to: Some(to.to_string()),
        bundle: get("bundle"),
        department: get("department"),
    }
}

async fn evaluator(state: &server::AppState) -> anyhow::Result<Actor> {
    let u = user::Entity::find()
        .filter(user::Column::Username.eq("evaluator"))
        .one(&state.db)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no evaluator account (demo data)"))?;
    Ok(Actor {
        user_id: u.id,
        name: u.name,
        role: Role::Evaluator,
        department: None,
        session_id: String::new(),
        acting: None,
        system: false,
    })
}

/// The stored rows a county-wide overview of `from..=to` reads, decoded:
/// whole months where stored, days elsewhere.
async fn year_rows(state: &server::AppState, from: Date, to: Date) -> anyhow::Result<usize> {
    use sea_orm::{FromQueryResult, Statement};
    let backend = state.db.get_database_backend();
    let p = |i: usize| match backend {
        sea_orm::DbBackend::Postgres => format!("${i}"),
        _ => "?".to_owned(),
    };
    let first_of = |d: Date| Date::new(d.year(), d.month(), 1).unwrap_or(d);
    let month = |d: Date| format!("{:04}-{:02}", d.year(), d.month());
    // Months entirely inside the range, and the days of the rest.
    let first_month = if first_of(from) == from {
        from
    } else {
        first_of(first_of(from).add_days(32))
    };
    let last_month = first_of(to);
    let sql = format!(
        "SELECT period, bundle, item, department, measure, value, n FROM stats_facts \
         WHERE (LENGTH(period) = 7 AND period >= {} AND period < {}) \
         OR (LENGTH(period) = 10 AND ((period >= {} AND period < {}) OR period >= {}))",
        p(1),
        p(2),
        p(3),
        p(4),
        p(5)
    );
    let rows = stats::cache::Row::find_by_statement(Statement::from_sql_and_values(
        backend,
        sql,
        [
            month(first_month).into(),
            month(last_month).into(),
            from.to_string().into(),
            first_month.to_string().into(),
            last_month.to_string().into(),
        ],
    ))
    .all(&state.db)
    .await?;
    Ok(rows.len())
}

async fn run(args: &Args, bin: &std::path::Path, db: &TempDb) -> anyhow::Result<()> {
    let name = db.backend.name();
    let pii = bench::pii_key();
    let state = bench::in_process_state(db, &pii).await?;
    let started = Instant::now();
    let seeded = bench::seed::county(
        &state,
        bench::seed::Options {
            rows: args.rows,
            days: args.days,
            history: true,
        },
    )
    .await?;
    println!(
        "\n{name}: seeded {} work items of {} submissions over {} days, {} work item events, {} ratings, {} cases in {:.0} s",
        seeded.work_items,
        seeded.submissions,
        args.days,
        seeded.events,
        seeded.ratings,
        seeded.cases,
        started.elapsed().as_secs_f64()
    );

    let to = Date::today_china();
    let from = to.add_days(-364);
    let actor = evaluator(&state).await?;

    // The full recount: nothing is stored yet, so every day of the year is
    // computed from the history.
    let mut recount = Vec::new();
    for (label, extra) in SCOPES {
        let t = Instant::now();
        let o = stats::overview(&state, &actor, &stats_query(from, to, extra))
            .await
            .map_err(|e| anyhow::anyhow!("recount {label}: {e}"))?;
        println!(
            "recount from the history, {label}: {:.0} ms ({} submissions, {} completed, {} overdue now)",
            ms(t.elapsed()),
            json!(o.submissions),
            json!(o.completed),
            json!(o.overdue_now)
        );
        recount.push(serde_json::to_value(o)?);
    }

    // The worker's catch-up after a long pause: every finished day and month.
    let t = Instant::now();
    let periods = store::catch_up(&state, Utc::now()).await?;
    let catch_up = t.elapsed();
    let t = Instant::now();
    let again = store::catch_up(&state, Utc::now()).await?;
    println!(
        "catch-up: stored {periods} periods (days and months) in {:.1} s; a second catch-up stored {again} in {:.0} ms",
        catch_up.as_secs_f64(),
        ms(t.elapsed())
    );
    anyhow::ensure!(again == 0, "the second catch-up stored {again} periods");

    // What reading it all afresh costs (what every request paid before the
    // in-process cache): the year's stored rows, and today from the history.
    let t = Instant::now();
    let rows = year_rows(&state, from, to).await?;
    let rows_ms = ms(t.elapsed());
    let t = Instant::now();
    let today = stats::load::history(&state.db, to, to).await?;
    let loaded = t.elapsed();
    let facts = stats::facts::facts_of(&today, &state.catalog.calendar.snapshot());
    println!(
        "without a cache: the year's stored facts are {rows} rows, read in {rows_ms:.0} ms; today's history ({} work items filed, {} ended) read in {:.0} ms, {} facts",
        today.filed.len(),
        today.ended.len(),
        ms(loaded),
        facts.len()
    );

    // Where the time of one overview goes, in this process.
    println!("in process, mean of 20 after one warm-up:");
    for (label, extra) in SCOPES {
        let q = stats_query(from, to, extra);
        let s = stats::scope(&state.catalog, &actor, &q, to).map_err(|e| anyhow::anyhow!("{e}"))?;
        let filter = store::Filter {
            bundle: s.bundle.as_deref(),
            department: s.department.as_deref(),
        };
        let mut times = [Duration::ZERO; 5];
        let mut rows = 0;
        for i in 0..21 {
            let t = Instant::now();
            let r = store::read(&state, from, to, filter, store::Grain::Months, None).await?;
            let read = t.elapsed();
            let t = Instant::now();
            let totals = store::totals(&r);
            let sum = t.elapsed();
            let t = Instant::now();
            let _ = store::overdue_now(&state.db, to, filter).await?;
            let overdue = t.elapsed();
            state.stats_results.clear();
            let t = Instant::now();
            let _ = stats::overview(&state, &actor, &q)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            let all = t.elapsed();
            let t = Instant::now();
            let _ = stats::overview(&state, &actor, &q)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            let remembered = t.elapsed();
            if i > 0 {
                for (a, b) in times.iter_mut().zip([read, sum, overdue, all, remembered]) {
                    *a += b / 20;
                }
            }
            rows = r.len();
            drop(totals);
        }
        println!(
            "  {label}: read {rows} fact rows {:.1} ms, sum {:.1} ms, overdue now {:.1} ms; whole overview {:.1} ms computed, {:.3} ms remembered",
            ms(times[0]),
            ms(times[1]),
            ms(times[2]),
            ms(times[3]),
            ms(times[4])
        );
    }
    state.db.close().await?;

    let server = ServerProcess::start(bin, db, &pii, &[("ONETHING_OUTBOX_WORKER", "0")]).await?;
    let c = bench::session(&server.base);
    let res = c
        .post(server.url("/api/v1/auth/login"))
        .json(&json!({"login": "evaluator", "password": "Demo@2024"}))
        .send()
        .await?;
    anyhow::ensure!(res.status() == 200, "evaluator login: {}", res.status());

    println!("nothing recorded between the requests:");
    println!("| database | scope | requests | first ms | p50 ms | p95 ms | p99 ms | max ms |");
    println!("|---|---|---:|---:|---:|---:|---:|---:|");
    for ((label, extra), expected) in SCOPES.iter().zip(&recount) {
        let url = server.url(&format!("/api/v1/stats/overview?{}", query(from, to, extra)));
        let t = Instant::now();
        let first: Value = c.get(&url).send().await?.error_for_status()?.json().await?;
        let cold = t.elapsed();
        if &first != expected {
            let differ: Vec<&String> = first
                .as_object()
                .map(|o| {
                    o.iter()
                        .filter(|(k, v)| expected.get(k.as_str()) != Some(v))
                        .map(|(k, _)| k)
                        .collect()
                })
                .unwrap_or_default();
            anyhow::bail!("{name} {label}: the stored aggregate differs from the full recount in {differ:?}");
        }
        for _ in 0..10 {
            c.get(&url).send().await?.error_for_status()?;
        }
        let mut samples = Vec::with_capacity(args.requests);
        for _ in 0..args.requests {
            let t = Instant::now();
            let res = c.get(&url).send().await?.error_for_status()?;
            let _ = res.bytes().await?;
            samples.push(t.elapsed());
        }
        let s = Summary::of(samples);
        println!(
            "| {name} | {label} | {} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} |",
            s.n,
            ms(cold),
            s.p50,
            s.p95,
            s.p99,
            s.max
        );
    }
    println!("{name}: every scope's overview equals the full recount of the history");

    // The worst case: something recorded before every request.
    // Enough applicants that none reaches the uploads' rate limit.
    let after_writes = args.requests.min(50);
    let filers = bench::enterprise_filers(&server.base, FILED, after_writes).await?;
    let mut filers = filers.iter().cycle();
    let submissions = server.url("/api/v1/submissions");
    println!("a submission ({FILED}) filed before each request:");
    println!("| database | scope | requests | p50 ms | p95 ms | p99 ms | max ms |");
    println!("|---|---|---:|---:|---:|---:|---:|");
    for (label, extra) in SCOPES {
        let url = server.url(&format!("/api/v1/stats/overview?{}", query(from, to, extra)));
        let mut samples = Vec::with_capacity(after_writes);
        for _ in 0..after_writes {
            let filer = filers.next().ok_or_else(|| anyhow::anyhow!("no filer"))?;
            let mut body = filer.body.as_ref().clone();
            bench::with_uploads(&filer.client, &server.base, &mut body["data"]).await?;
            let res = filer.client.post(&submissions).json(&body).send().await?;
            anyhow::ensure!(res.status() == 201, "filing: {}", res.status());
            let t = Instant::now();
            let res = c.get(&url).send().await?.error_for_status()?;
            let _ = res.bytes().await?;
            samples.push(t.elapsed());
        }
        let s = Summary::of(samples);
        println!(
            "| {name} | {label} | {} | {:.1} | {:.1} | {:.1} | {:.1} |",
            s.n, s.p50, s.p95, s.p99, s.max
        );
    }
    Ok(())
}
