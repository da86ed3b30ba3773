//! `spawn_app`, the test client and the macro that runs a test on both backends.

use std::future::Future;
use std::sync::OnceLock;

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
    _tmp: tempfile::TempDir,
}

/// Extra settings for a test app.
#[derive(Clone, Debug, Default)]
pub struct Options {
    pub demo: bool,
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

fn init_tracing() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| server::telemetry::init(server::config::LogFormat::Pretty));
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        send(self.client.get(self.url(path))).await
    }
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

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .expect("client")
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
    ];
    if opts.demo {
        vars.push(("ONETHING_DEMO".to_owned(), "1".to_owned()));
    }
    let settings = Settings::from_vars(vars).expect("settings");
    let app = server::Application::build(settings).await.expect("app builds");
    let base = format!("http://{}", app.local_addr());
    let db = app.state.db.clone();
    tokio::spawn(async move {
        let _ = app.run().await;
    });
    Some((
        TestApp {
            base,
            client: client(),
            db,
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
        std::panic::resume_unwind(e.into_panic());
    }
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
    (@opts demo) => { $crate::helpers::Options { demo: true } };
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
