//! What the benchmarks share: throw-away databases, server processes that
//! can be killed and restarted, applicants with sessions, latency summaries,
//! and a department system that receives deliveries.
//!
//! Every benchmark runs the release server binary (`target/release/server`,
//! built by `cargo build --release -p server -p bench`) as its own process,
//! as in production; see BENCHMARKS.md for the commands.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use base64::Engine;
use sea_orm::{ConnectionTrait, Database};
use serde_json::{Map, Value, json};

/// The department system used by the outbox checks (shared with the API tests).
#[path = "../../server/tests/api/receiver.rs"]
pub mod receiver;

pub mod seed;

/// The repository root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Which database a run uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The backends named by `--db` (`both` = each in turn).
    pub fn list(arg: &str) -> anyhow::Result<Vec<Backend>> {
        Ok(match arg {
            "sqlite" => vec![Backend::Sqlite],
            "postgres" => vec![Backend::Postgres],
            "both" => vec![Backend::Sqlite, Backend::Postgres],
            other => bail!("--db must be sqlite, postgres or both, not {other}"),
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        }
    }
}

/// A database that exists for one run: a SQLite file in a temp dir, or a
/// PostgreSQL database created on `DATABASE_URL_PG` (default
/// `postgres://postgres@127.0.0.1:5432/postgres`) and dropped afterwards.
pub struct TempDb {
    pub url: String,
    pub backend: Backend,
    pub dir: tempfile::TempDir,
    pg: Option<(String, String)>,
}

impl TempDb {
    pub async fn create(backend: Backend) -> anyhow::Result<Self> {
        let dir = tempfile::tempdir()?;
        Ok(match backend {
            Backend::Sqlite => Self {
                url: format!("sqlite://{}/bench.db?mode=rwc", dir.path().display()),
                backend,
                dir,
                pg: None,
            },
            Backend::Postgres => {
                let admin = std::env::var("DATABASE_URL_PG")
                    .ok()
                    .filter(|s| !s.is_empty())
                    .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/postgres".into());
                let name = format!("onething_bench_{}", uuid::Uuid::now_v7().simple());
                let conn = Database::connect(&admin)
                    .await
                    .context("connect to DATABASE_URL_PG")?;
                conn.execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                    .await?;
                let base = admin
                    .rsplit_once('/')
                    .map_or(admin.as_str(), |(b, _)| b)
                    .to_owned();
                Self {
                    // Loopback: no TLS between the server and PostgreSQL.
                    url: format!("{base}/{name}?sslmode=disable"),
                    backend,
                    dir,
                    pg: Some((admin, name)),
                }
            }
        })
    }

    /// Drops the PostgreSQL database (the temp dir goes with `self`).
    pub async fn drop_db(self) {
        if let Some((admin, name)) = &self.pg
            && let Ok(conn) = Database::connect(admin).await
        {
            let _ = conn
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                .await;
        }
    }
}

/// The server's state on `db` (pool, migrations, demo data) without serving
/// and without an outbox worker: for writing rows straight to the database.
pub async fn in_process_state(db: &TempDb, pii_key: &str) -> anyhow::Result<server::AppState> {
    let settings = server::config::Settings::from_vars([
        ("ONETHING_DATABASE_URL".to_owned(), db.url.clone()),
        ("ONETHING_PII_KEY".to_owned(), pii_key.to_owned()),
        ("ONETHING_DEMO".to_owned(), "1".to_owned()),
        ("ONETHING_OUTBOX_WORKER".to_owned(), "0".to_owned()),
        (
            "ONETHING_DATA_DIR".to_owned(),
            db.dir.path().display().to_string(),
        ),
        (
            "ONETHING_CATALOG_DIR".to_owned(),
            root().join("server/catalog").display().to_string(),
        ),
        ("LEPTOS_SITE_ADDR".to_owned(), "127.0.0.1:0".to_owned()),
    ])?;
    Ok(server::Application::build(settings).await?.state)
}

/// 32 random bytes, base64: the PII key of one run.
pub fn pii_key() -> String {
    let key: [u8; 32] = rand::random();
    base64::engine::general_purpose::STANDARD.encode(key)
}

/// A `server serve` process that can be killed (SIGKILL) and restarted on
/// the same port and database.
pub struct ServerProcess {
    pub base: String,
    bin: PathBuf,
    env: Vec<(String, String)>,
    child: Option<tokio::process::Child>,
}

impl ServerProcess {
    /// Starts `bin` on `db` with `extra` settings and waits until it is healthy.
    pub async fn start(bin: &Path, db: &TempDb, pii: &str, extra: &[(&str, &str)]) -> anyhow::Result<Self> {
        if !bin.exists() {
            bail!(
                "{} does not exist: run `cargo leptos build --release` first",
                bin.display()
            );
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let root = root();
        let mut env: Vec<(String, String)> = vec![
            ("ONETHING_DATABASE_URL".into(), db.url.clone()),
            ("ONETHING_PII_KEY".into(), pii.into()),
            ("LEPTOS_SITE_ADDR".into(), format!("127.0.0.1:{port}")),
            (
                "LEPTOS_SITE_ROOT".into(),
                root.join("target/site").display().to_string(),
            ),
            ("LEPTOS_OUTPUT_NAME".into(), "onething".into()),
            ("LEPTOS_ENV".into(), "PROD".into()),
            ("ONETHING_DATA_DIR".into(), db.dir.path().display().to_string()),
            (
                "ONETHING_CATALOG_DIR".into(),
                root.join("server/catalog").display().to_string(),
            ),
            ("RUST_LOG".into(), "warn".into()),
            // Every client of a benchmark is 127.0.0.1.
            ("ONETHING_REGISTER_PER_HOUR".into(), "100000".into()),
            ("ONETHING_LOGIN_PER_MINUTE".into(), "100000".into()),
        ];
        env.extend(extra.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
        let mut s = Self {
            base: format!("http://127.0.0.1:{port}"),
            bin: bin.to_owned(),
            env,
            child: None,
        };
        s.restart().await?;
        Ok(s)
    }

    /// (Re)starts the process and waits (up to 60 s) for `GET /api/v1/health`.
    pub async fn restart(&mut self) -> anyhow::Result<()> {
        let child = tokio::process::Command::new(&self.bin)
            .arg("serve")
            .current_dir(root())
            .envs(self.env.iter().cloned())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("spawn {}", self.bin.display()))?;
        self.child = Some(child);
        let started = Instant::now();
        let client = reqwest::Client::new();
        loop {
            if let Ok(r) = client.get(format!("{}/api/v1/health", self.base)).send().await
                && r.status() == 200
            {
                return Ok(());
            }
            if let Some(c) = self.child.as_mut()
                && let Ok(Some(status)) = c.try_wait()
            {
                bail!("the server exited during start-up: {status}");
            }
            if started.elapsed() > Duration::from_secs(60) {
                bail!("the server did not become healthy within 60 s");
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// SIGKILL: no shutdown, no flushing, like a power cut of the process.
    pub async fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.start_kill();
            let _ = c.wait().await;
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The running process's id.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().and_then(tokio::process::Child::id)
    }
}

/// Resident memory of process `pid` in KiB (`VmRSS`, Linux).
pub fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// The highest resident memory of a process while it is watched (sampled
/// every 10 ms).
pub struct PeakRss {
    peak: std::sync::Arc<std::sync::atomic::AtomicU64>,
    done: std::sync::Arc<std::sync::atomic::AtomicBool>,
    sampler: tokio::task::JoinHandle<()>,
}

impl PeakRss {
    /// Starts watching `pid`; the peak starts at `floor` KiB.
    pub fn watch(pid: u32, floor: u64) -> Self {
        use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
        let peak = std::sync::Arc::new(AtomicU64::new(floor));
        let done = std::sync::Arc::new(AtomicBool::new(false));
        let sampler = {
            let (peak, done) = (peak.clone(), done.clone());
            tokio::spawn(async move {
                while !done.load(Ordering::Relaxed) {
                    if let Some(kib) = rss_kib(pid) {
                        peak.fetch_max(kib, Ordering::Relaxed);
                    }
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            })
        };
        Self { peak, done, sampler }
    }

    /// Stops watching; the peak in KiB.
    pub async fn stop(self) -> u64 {
        use std::sync::atomic::Ordering;
        self.done.store(true, Ordering::Relaxed);
        let _ = self.sampler.await;
        self.peak.load(Ordering::Relaxed)
    }
}

/// KiB as MiB.
#[allow(clippy::cast_precision_loss)]
pub fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

/// A 1×1 PNG, for materials in generated submissions.
pub const TINY_PNG: &str =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";

/// Uploads `bytes` as `filename`; the upload's id.
pub async fn upload(
    c: &reqwest::Client,
    base: &str,
    filename: &str,
    bytes: Vec<u8>,
) -> anyhow::Result<String> {
    let part = reqwest::multipart::Part::bytes(bytes).file_name(filename.to_owned());
    let res = c
        .post(format!("{base}/api/v1/uploads"))
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await?;
    let status = res.status();
    let v: Value = res.json().await.unwrap_or_default();
    if status != 201 {
        bail!("upload answered {status}: {v}");
    }
    Ok(v["id"].as_str().unwrap_or_default().to_owned())
}

/// `data` with each placeholder upload id (`EXAMPLE_UPLOAD`) replaced by a
/// fresh upload of a small picture, as an applicant's own files.
pub async fn with_uploads(c: &reqwest::Client, base: &str, data: &mut Value) -> anyhow::Result<()> {
    use base64::Engine;
    let png = base64::engine::general_purpose::STANDARD.decode(TINY_PNG)?;
    if let Some(map) = data.as_object_mut() {
        for v in map.values_mut() {
            if let Some(files) = v.get_mut("files").and_then(Value::as_array_mut) {
                for f in files.iter_mut() {
                    if f == app::catalog::values::EXAMPLE_UPLOAD {
                        *f = Value::String(upload(c, base, "材料.png", png.clone()).await?);
                    }
                }
            }
        }
    }
    Ok(())
}

/// The release server binary (`--server` overrides).
pub fn default_server_bin() -> PathBuf {
    root().join("target/release/server")
}

/// A browser-like client: its own cookies, the site's `Origin`.
pub fn session(base: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    if let Ok(v) = base.parse() {
        headers.insert(reqwest::header::ORIGIN, v);
    }
    reqwest::Client::builder()
        .cookie_store(true)
        .default_headers(headers)
        .pool_max_idle_per_host(4)
        .build()
        .expect("HTTP client")
}

/// The `n`-th distinct valid 身份证号 (眉县, born 1985).
pub fn id_number(n: u32) -> String {
    let first17 = format!(
        "6103261985{:02}{:02}{:03}",
        1 + n / 28_000 % 12,
        1 + n % 28,
        n / 28 % 1000
    );
    let check = app::domain::id_number::check_char(&first17).unwrap_or('0');
    format!("{first17}{check}")
}

/// The `n`-th distinct 统一社会信用代码.
pub fn credit_code(n: u32) -> String {
    let first17 = format!("91610326MA{:07}", n % 10_000_000);
    let check = app::domain::credit_code::check_char(&first17).unwrap_or('0');
    format!("{first17}{check}")
}

async fn post(c: &reqwest::Client, url: String, body: &Value) -> anyhow::Result<Value> {
    let res = c.post(&url).json(body).send().await?;
    let status = res.status();
    let v: Value = res.json().await.unwrap_or(Value::Null);
    if !status.is_success() {
        bail!("POST {url}: {status} {v}");
    }
    Ok(v)
}

/// Registers citizen number `n` and returns the logged-in session.
pub async fn citizen(base: &str, n: u32) -> anyhow::Result<reqwest::Client> {
    let c = session(base);
    post(
        &c,
        format!("{base}/api/v1/auth/register"),
        &json!({"phone": format!("139{n:08}"), "password": "眉县-基准-2026", "name": "刘美丽", "id_number": id_number(n)}),
    )
    .await?;
    Ok(c)
}

/// Registers citizen `n` with enterprise `n` and acts for it.
pub async fn enterprise_applicant(base: &str, n: u32) -> anyhow::Result<reqwest::Client> {
    let c = citizen(base, n).await?;
    let e = post(
        &c,
        format!("{base}/api/v1/enterprises"),
        &json!({"credit_code": credit_code(n), "name": format!("基准测试{n}有限公司"), "legal_representative": "刘美丽", "legal_representative_id_number": id_number(n)}),
    )
    .await?;
    post(
        &c,
        format!("{base}/api/v1/acting"),
        &json!({"enterprise": e["id"]}),
    )
    .await?;
    Ok(c)
}

/// An applicant's session and the submission it files (every item of the
/// bundle, its own enterprise's facts prefilled), without an idempotency key.
#[derive(Clone, Debug)]
pub struct Filer {
    pub client: reqwest::Client,
    pub body: std::sync::Arc<Value>,
}

/// `n` enterprise applicants, each ready to file `bundle` whole.
pub async fn enterprise_filers(base: &str, bundle: &str, n: usize) -> anyhow::Result<Vec<Filer>> {
    futures::future::try_join_all((0..n).map(|i| async move {
        let client = enterprise_applicant(base, u32::try_from(i).unwrap_or(0)).await?;
        let (items, data) = full_form(&client, base, bundle).await?;
        let body = std::sync::Arc::new(json!({"bundle": bundle, "items": items, "data": data}));
        anyhow::Ok(Filer { client, body })
    }))
    .await
}

/// Every item of `bundle` and valid answers for the form that has them all.
pub async fn full_form(
    c: &reqwest::Client,
    base: &str,
    bundle: &str,
) -> anyhow::Result<(Vec<String>, Map<String, Value>)> {
    let get = |url: String| async move {
        let res = c.get(&url).send().await?;
        anyhow::Ok(res.error_for_status()?.json::<app::api::FormDto>().await?)
    };
    let form = get(format!("{base}/api/v1/bundles/{bundle}/form")).await?;
    let items: Vec<String> = form.items.iter().map(|i| i.code.clone()).collect();
    let form = get(format!(
        "{base}/api/v1/bundles/{bundle}/form?items={}",
        items.join(",")
    ))
    .await?;
    let mut data = app::catalog::values::example_answers(&form, app::domain::Date::today_china(), 1);
    // What the platform prefilled (the acting enterprise's own facts) stays.
    data.extend(form.prefill);
    Ok((items, data))
}

/// Latencies of one run, in milliseconds.
#[derive(Clone, Copy, Debug, Default)]
pub struct Summary {
    pub n: usize,
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
    pub max: f64,
}

impl Summary {
    pub fn of(mut samples: Vec<Duration>) -> Self {
        if samples.is_empty() {
            return Self::default();
        }
        samples.sort_unstable();
        let at = |q: f64| {
            // Nearest rank.
            let rank = (q * samples.len() as f64).ceil() as usize;
            samples[rank.clamp(1, samples.len()) - 1].as_secs_f64() * 1000.0
        };
        Self {
            n: samples.len(),
            p50: at(0.50),
            p95: at(0.95),
            p99: at(0.99),
            max: samples[samples.len() - 1].as_secs_f64() * 1000.0,
        }
    }
}

/// What the machine is, for the report.
pub fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, std::num::NonZero::get);
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .next()
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|k| k.parse::<u64>().ok())
        })
        .map_or(0, |kb| kb / 1024 / 1024);
    format!("{cpu}, {cores} cores, {mem} GiB RAM")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let samples: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        let s = Summary::of(samples);
        assert_eq!((s.n, s.p50, s.p95, s.p99, s.max), (100, 50.0, 95.0, 99.0, 100.0));
        assert_eq!(Summary::of(vec![Duration::from_millis(7)]).p99, 7.0);
        assert_eq!(Summary::of(Vec::new()).n, 0);
    }

    #[test]
    fn generated_identities_are_valid_and_distinct() {
        let today = app::domain::Date::today_china();
        let ids: std::collections::HashSet<String> = (0..5000).map(id_number).collect();
        assert_eq!(ids.len(), 5000);
        assert!(ids.iter().all(|i| app::domain::IdNumber::parse(i, today).is_ok()));
        assert!(app::domain::CreditCode::parse(&credit_code(42)).is_ok());
    }
}
