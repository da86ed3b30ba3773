//! Typed settings from the environment, with defaults. Unknown `ONETHING_*`
//! variables are refused so that a typo does not silently fall back to a
//! default (e.g. `ONETHING_DATABSE_URL` would otherwise run on SQLite).

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, bail};
use leptos::config::{Env, LeptosOptions};

/// Default SQLite file, relative to the working directory.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/onething.db?mode=rwc";

const KNOWN: &[&str] = &[
    "ONETHING_DATABASE_URL",
    "ONETHING_DEMO",
    "ONETHING_CATALOG_DIR",
    "ONETHING_DATA_DIR",
    "ONETHING_LOG_FORMAT",
    "ONETHING_PII_KEY",
    "ONETHING_PUBLIC_ORIGIN",
    "ONETHING_OUTBOX_WORKER",
    "ONETHING_OUTBOX_BASE_DELAY_MS",
    "ONETHING_OUTBOX_MAX_ATTEMPTS",
    "ONETHING_OUTBOX_POLL_MS",
];

/// A secret from configuration; `Debug` never shows it.
#[derive(Clone)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// How logs are written: human-readable or one JSON object per line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Pretty,
    Json,
}

#[derive(Clone, Debug)]
pub struct Settings {
    /// `sqlite://…` or `postgres://…`; the scheme picks the backend.
    pub database_url: String,
    /// Seed demo accounts and data (never on by default).
    pub demo: bool,
    /// Folder of the catalog data files.
    pub catalog_dir: PathBuf,
    /// Folder for local state (the demo PII key). Default `data`.
    pub data_dir: PathBuf,
    /// Base64 of the 32-byte key that protects personal data at rest.
    /// Required unless demo mode, which generates `data/pii.key`.
    pub pii_key: Option<Secret>,
    /// The site's public origin (e.g. `https://onething.example.gov.cn`):
    /// used to check the `Origin` of state-changing requests, and when it is
    /// `https` session cookies are `Secure` with the `__Host-` prefix.
    pub public_origin: Option<String>,
    /// The outbox worker (on unless `ONETHING_OUTBOX_WORKER=0`).
    pub outbox: WorkerConfig,
    pub log_format: LogFormat,
    /// Where the site is served from and what it is called (cargo-leptos sets these).
    pub leptos: LeptosOptions,
}

impl Settings {
    /// Reads the process environment.
    pub fn from_env() -> anyhow::Result<Self> {
        Self::from_vars(std::env::vars())
    }

    /// Reads settings from the given variables (testable without touching the
    /// process environment).
    pub fn from_vars(vars: impl IntoIterator<Item = (String, String)>) -> anyhow::Result<Self> {
        let vars: std::collections::HashMap<String, String> = vars.into_iter().collect();
        let mut unknown: Vec<&str> = vars
            .keys()
            .filter(|k| k.starts_with("ONETHING_") && !KNOWN.contains(&k.as_str()))
            .map(String::as_str)
            .collect();
        if !unknown.is_empty() {
            unknown.sort_unstable();
            bail!(
                "unknown setting(s) {}; known settings are {}",
                unknown.join(", "),
                KNOWN.join(", ")
            );
        }
        let get = |k: &str| vars.get(k).map(|s| s.trim()).filter(|s| !s.is_empty());

        let database_url = get("ONETHING_DATABASE_URL")
            .unwrap_or(DEFAULT_DATABASE_URL)
            .to_owned();
        if !(database_url.starts_with("sqlite:")
            || database_url.starts_with("postgres://")
            || database_url.starts_with("postgresql://"))
        {
            bail!("ONETHING_DATABASE_URL must start with sqlite: or postgres://");
        }
        let demo = match get("ONETHING_DEMO") {
            None | Some("0" | "false" | "no" | "off") => false,
            Some("1" | "true" | "yes" | "on") => true,
            Some(other) => bail!("ONETHING_DEMO must be 1 or 0, not `{other}`"),
        };
        let catalog_dir = get("ONETHING_CATALOG_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(default_catalog_dir);
        let data_dir = PathBuf::from(get("ONETHING_DATA_DIR").unwrap_or("data"));
        let pii_key = get("ONETHING_PII_KEY").map(|k| Secret(k.to_owned()));
        let public_origin = match get("ONETHING_PUBLIC_ORIGIN") {
            Some(o) if o.starts_with("https://") || o.starts_with("http://") => {
                Some(o.trim_end_matches('/').to_owned())
            }
            Some(o) => bail!("ONETHING_PUBLIC_ORIGIN must start with https:// or http://, not `{o}`"),
            None => None,
        };
        let number = |k: &str| -> anyhow::Result<Option<u64>> {
            get(k)
                .map(|v| {
                    v.parse::<u64>()
                        .with_context(|| format!("{k} must be a whole number"))
                })
                .transpose()
        };
        let mut outbox = WorkerConfig {
            enabled: !matches!(get("ONETHING_OUTBOX_WORKER"), Some("0" | "false" | "off" | "no")),
            ..Default::default()
        };
        if let Some(ms) = number("ONETHING_OUTBOX_BASE_DELAY_MS")? {
            outbox.base_delay = std::time::Duration::from_millis(ms.max(1));
        }
        if let Some(n) = number("ONETHING_OUTBOX_MAX_ATTEMPTS")? {
            outbox.max_attempts = i32::try_from(n.clamp(1, 100)).unwrap_or(8);
        }
        if let Some(ms) = number("ONETHING_OUTBOX_POLL_MS")? {
            outbox.poll = std::time::Duration::from_millis(ms.max(10));
        }
        let production = get("LEPTOS_ENV")
            .is_some_and(|e| e.eq_ignore_ascii_case("prod") || e.eq_ignore_ascii_case("production"));
        let log_format = match get("ONETHING_LOG_FORMAT") {
            None if production => LogFormat::Json,
            None | Some("pretty") => LogFormat::Pretty,
            Some("json") => LogFormat::Json,
            Some(other) => bail!("ONETHING_LOG_FORMAT must be pretty or json, not `{other}`"),
        };

        let leptos_env = if production { Env::PROD } else { Env::DEV };
        let site_addr = get("LEPTOS_SITE_ADDR")
            .unwrap_or("127.0.0.1:3000")
            .parse::<std::net::SocketAddr>()
            .context("LEPTOS_SITE_ADDR must be an address such as 127.0.0.1:3000")?;
        let leptos = LeptosOptions::builder()
            .output_name(get("LEPTOS_OUTPUT_NAME").unwrap_or("onething"))
            .site_root(get("LEPTOS_SITE_ROOT").unwrap_or("target/site"))
            .site_pkg_dir(get("LEPTOS_SITE_PKG_DIR").unwrap_or("pkg"))
            .site_addr(site_addr)
            .env(leptos_env)
            .build();

        Ok(Self {
            database_url,
            demo,
            catalog_dir,
            data_dir,
            pii_key,
            public_origin,
            outbox,
            log_format,
            leptos,
        })
    }
}

/// `server/catalog` of this source tree; deployments set `ONETHING_CATALOG_DIR`.
pub fn default_catalog_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/catalog"))
}

/// How the outbox delivery worker behaves (`ONETHING_OUTBOX_*`).
#[derive(Clone, Copy, Debug)]
pub struct WorkerConfig {
    pub enabled: bool,
    pub poll: Duration,
    pub base_delay: Duration,
    pub max_delay: Duration,
    pub max_attempts: i32,
    pub batch: u64,
    /// How long a claimed row belongs to its worker.
    pub lease: Duration,
    pub request_timeout: Duration,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            poll: Duration::from_millis(500),
            base_delay: Duration::from_secs(2),
            max_delay: Duration::from_secs(3600),
            max_attempts: 8,
            batch: 32,
            lease: Duration::from_secs(30),
            request_timeout: Duration::from_secs(10),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    const KEY: (&str, &str) = ("ONETHING_PII_KEY", "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=");

    #[test]
    fn the_pii_key_is_never_printed() {
        let s = Settings::from_vars(vars(&[KEY])).expect("key");
        assert!(!format!("{s:?}").contains("AQEB"), "Debug must not print the key");
    }

    #[test]
    fn defaults() {
        let s = Settings::from_vars(vars(&[KEY])).expect("defaults");
        assert_eq!(s.database_url, DEFAULT_DATABASE_URL);
        assert!(!s.demo);
        assert_eq!(s.leptos.site_addr.to_string(), "127.0.0.1:3000");
    }

    #[test]
    fn refuses_unknown_and_bad_values() {
        let e = Settings::from_vars(vars(&[("ONETHING_DATABSE_URL", "x")])).expect_err("typo");
        assert!(e.to_string().contains("ONETHING_DATABSE_URL"));
        assert!(Settings::from_vars(vars(&[("ONETHING_DEMO", "maybe")])).is_err());
        let e = Settings::from_vars(vars(&[KEY, ("ONETHING_DATABASE_URL", "mysql://x")])).expect_err("mysql");
        assert!(e.to_string().contains("sqlite"));
        let s = Settings::from_vars(vars(&[
            ("ONETHING_DEMO", "1"),
            ("LEPTOS_SITE_ADDR", "0.0.0.0:8080"),
        ]))
        .expect("ok");
        assert!(s.demo);
        assert_eq!(s.leptos.site_addr.port(), 8080);
    }
}
