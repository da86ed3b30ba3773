//! `spawn_app`, the test client and the macro that runs a test on both backends.

use std::future::Future;
use std::io::Write;
use std::sync::{Mutex, OnceLock};

use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use serde_json::Value;
use server::config::Settings;

/// Which database a test runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A running server and a client with its own cookie jar.
pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub db: DatabaseConnection,
    /// The settings it runs with (to start a second instance on the same database).
    pub settings: Settings,
    /// The running app's state (to run its background jobs at a chosen time).
    pub state: server::AppState,
    _tmp: tempfile::TempDir,
}

/// Extra settings for a test app.
#[derive(Clone, Debug, Default)]
pub struct Options {
    pub demo: bool,
    /// More settings, e.g. a fast outbox worker.
    pub vars: Vec<(&'static str, String)>,
}

pub fn pg_admin_url() -> Option<String> {
    std::env::var("DATABASE_URL_PG")
        .ok()
        .filter(|s| !s.trim().is_empty())
}

/// Replaces the database name of a PostgreSQL URL.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let after_scheme = base.find("://").map_or(0, |i| i + 3);
    let base = match base[after_scheme..].find('/') {
        Some(i) => &base[..after_scheme + i],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

/// Everything the servers of this test binary log, to check that no
/// personal data ever reaches the logs.
static LOGS: Mutex<Vec<u8>> = Mutex::new(Vec::new());

struct Capture;

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        LOGS.lock()
            .map_err(|_| std::io::Error::other("poisoned"))?
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn init_tracing() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(
                "debug,sqlx=warn,sea_orm=info,hyper=info,h2=info",
            ))
            .with_ansi(false)
            .with_writer(|| Capture)
            .try_init();
    });
}

/// The captured logs so far.
pub fn logs() -> String {
    LOGS.lock()
        .map(|l| String::from_utf8_lossy(&l).into_owned())
        .unwrap_or_default()
}

/// Panics if the logs contain anything that looks like a 身份证号 or a mobile
/// number (an 18-character valid ID, or 11 digits `1[3-9]…` on their own).
pub fn assert_no_pii_in_logs() {
    if let Some(found) = find_pii(&logs()) {
        panic!("personal data in the logs: {}", app::domain::mask(&found, 3, 2));
    }
}

/// The first 身份证号-like or mobile-number-like token in `text`.
pub fn find_pii(text: &str) -> Option<String> {
    let today = app::domain::Date::today_china();
    let chars: Vec<char> = text.chars().collect();
    for w in chars.windows(18) {
        let s: String = w.iter().collect();
        if app::domain::IdNumber::parse(&s, today).is_ok() {
            return Some(s);
        }
    }
    for (i, w) in chars.windows(11).enumerate() {
        let before = i
            .checked_sub(1)
            .and_then(|j| chars.get(j))
            .is_some_and(|c| c.is_alphanumeric());
        let after = chars.get(i + 11).is_some_and(|c| c.is_alphanumeric());
        let s: String = w.iter().collect();
        if !before && !after && app::domain::Phone::parse(&s).is_ok() {
            return Some(s);
        }
    }
    None
}

#[test]
fn pii_detector_finds_ids_and_phones() {
    let id = unique_id_number();
    assert!(find_pii(&format!("INFO user registered id={id} ok")).is_some());
    assert!(find_pii("INFO login phone=13912345678").is_some());
    assert!(
        find_pii("INFO user=0193b0e1-13912345678a request_id=7").is_none(),
        "inside a longer token"
    );
    assert!(find_pii("INFO listening addr=127.0.0.1:38509 at 2026-11-29T15:46:02.439845Z").is_none());
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        send(self.client.get(self.url(path))).await
    }

    /// A new browser (own cookie jar) on the same server, sending the
    /// site's own `Origin` like a real browser does.
    pub fn browser(&self) -> Browser {
        Browser {
            base: self.base.clone(),
            client: client(&self.base),
        }
    }

    /// A browser logged in with `login`/`password` (panics if that fails).
    pub async fn logged_in(&self, login: &str, password: &str) -> Browser {
        let b = self.browser();
        let (status, body) = b
            .post(
                "/api/v1/auth/login",
                &serde_json::json!({"login": login, "password": password}),
            )
            .await;
        assert_eq!(status, 200, "login {login}: {body}");
        b
    }

    /// Registers a new citizen with a fresh phone and 身份证号 and returns the
    /// logged-in browser with the phone and ID used.
    pub async fn new_citizen(&self, name: &str) -> (Browser, String, String) {
        let phone = unique_phone();
        let id = unique_id_number();
        let b = self.browser();
        let (status, body) = b
            .post(
                "/api/v1/auth/register",
                &serde_json::json!({"phone": phone, "password": CITIZEN_PASSWORD, "name": name, "id_number": id}),
            )
            .await;
        assert_eq!(status, 201, "register: {body}");
        (b, phone, id)
    }
}

/// The password every test citizen registers with.
pub const CITIZEN_PASSWORD: &str = "眉县-猕猴桃-2024";
pub const DEMO_PASSWORD: &str = "Demo@2024";

/// A client with its own cookies.
#[derive(Clone)]
pub struct Browser {
    pub base: String,
    pub client: reqwest::Client,
}

impl Browser {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }
    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        send(self.client.get(self.url(path))).await
    }
    pub async fn post(&self, path: &str, body: &Value) -> (StatusCode, Value) {
        send(self.client.post(self.url(path)).json(body)).await
    }
    pub async fn put(&self, path: &str, body: &Value) -> (StatusCode, Value) {
        send(self.client.put(self.url(path)).json(body)).await
    }
    pub async fn delete(&self, path: &str) -> (StatusCode, Value) {
        send(self.client.delete(self.url(path))).await
    }

    /// `POST /api/v1/uploads` with one part `file`.
    pub async fn upload(&self, filename: &str, bytes: Vec<u8>) -> (StatusCode, Value) {
        let part = reqwest::multipart::Part::bytes(bytes).file_name(filename.to_owned());
        let form = reqwest::multipart::Form::new().part("file", part);
        send(self.client.post(self.url("/api/v1/uploads")).multipart(form)).await
    }

    /// A fresh upload of a small picture; its id.
    pub async fn uploaded(&self) -> String {
        let (status, body) = self.upload("照片.png", tiny_png()).await;
        assert_eq!(status, 201, "upload: {body}");
        body["id"].as_str().expect("id").to_owned()
    }

    /// `data` with every placeholder upload id (`EXAMPLE_UPLOAD`) replaced
    /// by a fresh upload of this browser's account.
    pub async fn with_uploads(&self, mut data: Value) -> Value {
        if let Some(map) = data.as_object_mut() {
            for v in map.values_mut() {
                if let Some(files) = v.get_mut("files").and_then(Value::as_array_mut) {
                    for f in files.iter_mut() {
                        if f == app::catalog::values::EXAMPLE_UPLOAD {
                            *f = Value::String(self.uploaded().await);
                        }
                    }
                }
            }
        }
        data
    }
}

/// A 1×1 PNG.
pub fn tiny_png() -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==")
        .expect("png")
}

/// A one-page PDF with a correct cross-reference table.
pub fn tiny_pdf() -> Vec<u8> {
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /MediaBox [0 0 200 200] /Parent 2 0 R >>",
    ];
    let mut out = String::from("%PDF-1.4\n");
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.push_str(&format!("{} 0 obj\n{o}\nendobj\n", i + 1));
    }
    let xref = out.len();
    out.push_str(&format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1));
    for o in offsets {
        out.push_str(&format!("{o:010} 00000 n \n"));
    }
    out.push_str(&format!(
        "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
        objects.len() + 1
    ));
    out.into_bytes()
}

static COUNTER: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

fn next() -> u32 {
    COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + std::process::id() % 1000 * 10_000
}

/// A phone number no other test of this run uses.
pub fn unique_phone() -> String {
    format!("139{:08}", next())
}

/// A valid 身份证号 no other test of this run uses (眉县, born 1985).
pub fn unique_id_number() -> String {
    let n = next();
    let day = 1 + n % 28;
    let seq = n / 28 % 1000;
    let first17 = format!("6103261985{:02}{day:02}{seq:03}", 1 + n / 28_000 % 12);
    format!(
        "{first17}{}",
        app::domain::id_number::check_char(&first17).expect("digits")
    )
}

/// Sends a request and returns the status and the JSON body (`Null` if none).
pub async fn send(req: reqwest::RequestBuilder) -> (StatusCode, Value) {
    let res = req.send().await.expect("request");
    let status = res.status();
    let bytes = res.bytes().await.expect("body");
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).unwrap_or(Value::Null)
    };
    (status, body)
}

fn client(base: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(reqwest::header::ORIGIN, base.parse().expect("origin"));
    reqwest::Client::builder()
        .cookie_store(true)
        .default_headers(headers)
        .build()
        .expect("client")
}

/// 32 random bytes, base64: a PII key for one test server.
fn test_pii_key() -> String {
    use base64::Engine;
    let key: [u8; 32] = rand::random();
    base64::engine::general_purpose::STANDARD.encode(key)
}

/// Starts the app on `backend`; `None` (with a printed notice) when that
/// backend is not configured.
pub async fn spawn(backend: Backend, opts: Options) -> Option<(TestApp, Option<(String, String)>)> {
    init_tracing();
    let tmp = tempfile::tempdir().expect("tempdir");
    let (url, pg) = match backend {
        Backend::Sqlite => (
            format!("sqlite://{}/test.db?mode=rwc", tmp.path().display()),
            None,
        ),
        Backend::Postgres => {
            let admin = pg_admin_url()?;
            let name = format!("onething_test_{}", uuid::Uuid::now_v7().simple());
            let conn = Database::connect(&admin)
                .await
                .expect("connect to DATABASE_URL_PG");
            conn.execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                .await
                .expect("create database");
            (with_database(&admin, &name), Some((admin, name)))
        }
    };
    let mut vars = vec![
        ("ONETHING_DATABASE_URL".to_owned(), url.clone()),
        ("LEPTOS_SITE_ADDR".to_owned(), "127.0.0.1:0".to_owned()),
        ("ONETHING_PII_KEY".to_owned(), test_pii_key()),
        ("ONETHING_DATA_DIR".to_owned(), tmp.path().display().to_string()),
        // Every test client is 127.0.0.1: per-address request rates are
        // tested where a test asks for them (later settings win).
        ("ONETHING_REGISTER_PER_HOUR".to_owned(), "100000".to_owned()),
        ("ONETHING_LOGIN_PER_MINUTE".to_owned(), "100000".to_owned()),
    ];
    if opts.demo {
        vars.push(("ONETHING_DEMO".to_owned(), "1".to_owned()));
    }
    vars.extend(opts.vars.into_iter().map(|(k, v)| (k.to_owned(), v)));
    let settings = Settings::from_vars(vars).expect("settings");
    let app = server::Application::build(settings.clone())
        .await
        .expect("app builds");
    let base = format!("http://{}", app.local_addr());
    let db = app.state.db.clone();
    let state = app.state.clone();
    tokio::spawn(async move {
        let _ = app.run().await;
    });
    // The server runs housekeeping as it starts; a test that runs it at a
    // chosen time must not race that first run (on PostgreSQL the second
    // of two overlapping runs skips).
    for _ in 0..200 {
        if state.metrics.housekeeping_runs() > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    Some((
        TestApp {
            client: client(&base),
            base,
            db,
            settings,
            state,
            _tmp: tmp,
        },
        pg,
    ))
}

/// Runs `test` against a fresh app on `backend`, then drops the PostgreSQL
/// database (also when the test fails).
pub async fn run<F, Fut>(backend: Backend, opts: Options, test: F)
where
    F: FnOnce(TestApp) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let Some((app, pg)) = spawn(backend, opts).await else {
        eprintln!("skipped on PostgreSQL: DATABASE_URL_PG is not set");
        return;
    };
    let outcome = tokio::spawn(test(app)).await;
    if let Some((admin, name)) = pg
        && let Ok(conn) = Database::connect(&admin).await
    {
        let _ = conn
            .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
            .await;
    }
    if let Err(e) = outcome {
        // The server's side of the story, for the failure report.
        let logs = logs();
        let tail: Vec<&str> = logs
            .lines()
            .filter(|l| l.contains("ERROR") || l.contains("WARN"))
            .collect();
        eprintln!(
            "server warnings and errors so far:\n{}",
            tail[tail.len().saturating_sub(20)..].join("\n")
        );
        std::panic::resume_unwind(e.into_panic());
    }
    assert_no_pii_in_logs();
}

/// Declares each listed `async fn name(app: TestApp)` as two tests,
/// `sqlite::name` and `postgres::name`. `demo: name` seeds demo data first.
#[macro_export]
macro_rules! both_backends {
    ($($(#[$demo:ident])? $name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    $crate::helpers::run(
                        $crate::helpers::Backend::Sqlite,
                        $crate::both_backends!(@opts $($demo)?),
                        super::$name,
                    ).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    $crate::helpers::run(
                        $crate::helpers::Backend::Postgres,
                        $crate::both_backends!(@opts $($demo)?),
                        super::$name,
                    ).await
                }
            )*
        }
    };
    (@opts demo) => { $crate::helpers::Options { demo: true, ..Default::default() } };
    (@opts) => { $crate::helpers::Options::default() };
}

#[test]
fn pg_url_rewrite() {
    assert_eq!(
        with_database("postgres://postgres@127.0.0.1:5432/postgres", "x"),
        "postgres://postgres@127.0.0.1:5432/x"
    );
    assert_eq!(
        with_database("postgres://u@h/db?sslmode=disable", "x"),
        "postgres://u@h/x?sslmode=disable"
    );
    assert_eq!(with_database("postgres://u@h", "x"), "postgres://u@h/x");
}
