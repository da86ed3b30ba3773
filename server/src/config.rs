//! Typed settings from the environment, with defaults. Unknown `ONETHING_*`
//! variables are refused so that a typo does not silently fall back to a
//! default (e.g. `ONETHING_DATABSE_URL` would otherwise run on SQLite).
//! `ONETHING_TEST_*` belongs to the test harness (e.g.
//! `ONETHING_TEST_S3_ENDPOINT`, which servers started by tests inherit) and
//! is ignored.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, bail};
use leptos::config::{Env, LeptosOptions};

/// Largest upload by default: 10 MiB.
pub const DEFAULT_UPLOAD_MAX_BYTES: u64 = 10 * 1024 * 1024;

/// Drafts untouched this many days are deleted, by default.
pub const DEFAULT_DRAFT_RETENTION_DAYS: u32 = 30;

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
    "ONETHING_UPLOAD_MAX_BYTES",
    "ONETHING_UPLOAD_STREAMS",
    "ONETHING_STORAGE_URL",
    "ONETHING_S3_ENDPOINT",
    "ONETHING_S3_REGION",
    "ONETHING_S3_ACCESS_KEY_ID",
    "ONETHING_S3_SECRET_ACCESS_KEY",
    "ONETHING_TRUSTED_PROXIES",
    "ONETHING_REGISTER_PER_HOUR",
    "ONETHING_LOGIN_PER_MINUTE",
    "ONETHING_DRAFT_RETENTION_DAYS",
    "ONETHING_PII_KEY_FILE",
    "ONETHING_DATABASE_URL_FILE",
    "ONETHING_STORAGE_URL_FILE",
    "ONETHING_S3_SECRET_ACCESS_KEY_FILE",
];

/// Settings that may instead be read from a file named by `<NAME>_FILE`
/// (systemd's `LoadCredential=` puts them in `$CREDENTIALS_DIRECTORY`, so
/// they never sit in the unit or the process environment).
const FROM_FILE: &[&str] = &[
    "ONETHING_PII_KEY",
    "ONETHING_DATABASE_URL",
    "ONETHING_STORAGE_URL",
    "ONETHING_S3_SECRET_ACCESS_KEY",
];

/// Whether `hash.txt` (written by `cargo leptos build`) sits beside the
/// running binary; Leptos reads the asset names from it.
fn hash_file_beside_binary() -> bool {
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join("hash.txt").is_file()))
        .unwrap_or(false)
}

/// Variables of the test harness, not settings.
const TEST_PREFIX: &str = "ONETHING_TEST_";

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
    /// Largest file an upload may be (`ONETHING_UPLOAD_MAX_BYTES`, 1 KiB –
    /// 1 GiB; default 10 MiB).
    pub upload_max_bytes: u64,
    /// Where uploaded documents are stored (`ONETHING_STORAGE_URL`, `ONETHING_S3_*`).
    pub storage: StorageSettings,
    /// Reverse proxies whose `X-Forwarded-For` / `Forwarded` name the client
    /// (`ONETHING_TRUSTED_PROXIES`: addresses and CIDR blocks, comma
    /// separated; none by default, so the socket's address is the client's).
    pub trusted_proxies: crate::proxies::TrustedProxies,
    /// Requests per client address on the expensive anonymous endpoints
    /// (`ONETHING_REGISTER_PER_HOUR`, default 10; `ONETHING_LOGIN_PER_MINUTE`,
    /// default 30; each 1–100000).
    pub rate_limits: crate::rate_limit::RateSettings,
    /// Drafts untouched for this many days are deleted by housekeeping
    /// (`ONETHING_DRAFT_RETENTION_DAYS`, 1–3650; default 30).
    pub draft_retention_days: u32,
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
        let mut vars: std::collections::HashMap<String, String> = vars.into_iter().collect();
        for k in FROM_FILE {
            let Some(path) = vars.get(&format!("{k}_FILE")).cloned() else {
                continue;
            };
            if vars.contains_key(*k) {
                bail!("set either {k} or {k}_FILE, not both");
            }
            let text =
                std::fs::read_to_string(&path).with_context(|| format!("{k}_FILE: cannot read {path}"))?;
            vars.insert((*k).to_owned(), text.trim().to_owned());
        }
        let mut unknown: Vec<&str> = vars
            .keys()
            .filter(|k| {
                k.starts_with("ONETHING_") && !k.starts_with(TEST_PREFIX) && !KNOWN.contains(&k.as_str())
            })
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
        let upload_max_bytes = number("ONETHING_UPLOAD_MAX_BYTES")?.unwrap_or(DEFAULT_UPLOAD_MAX_BYTES);
        if !(1024..=1 << 30).contains(&upload_max_bytes) {
            bail!("ONETHING_UPLOAD_MAX_BYTES must be between 1024 and 1073741824, not {upload_max_bytes}");
        }
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
        let storage = StorageSettings::from_vars(get)?;
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
            // `cargo leptos build` names the CSS, JS and WASM by content hash
            // (`hash-files`) and writes the hashes beside the binary: the
            // pages link those names and `/pkg` can be cached for good.
            .hash_files(hash_file_beside_binary())
            .build();

        let trusted_proxies =
            crate::proxies::TrustedProxies::parse(get("ONETHING_TRUSTED_PROXIES").unwrap_or(""))
                .map_err(|e| anyhow::anyhow!("ONETHING_TRUSTED_PROXIES: {e}"))?;
        let quota = |k: &str, default: u32| -> anyhow::Result<std::num::NonZeroU32> {
            let n = number(k)?.unwrap_or(u64::from(default));
            u32::try_from(n)
                .ok()
                .filter(|n| (1..=100_000).contains(n))
                .and_then(std::num::NonZeroU32::new)
                .with_context(|| format!("{k} must be between 1 and 100000, not {n}"))
        };
        let rate_limits = crate::rate_limit::RateSettings {
            register_per_hour: quota(
                "ONETHING_REGISTER_PER_HOUR",
                crate::rate_limit::DEFAULT_REGISTER_PER_HOUR,
            )?,
            login_per_minute: quota(
                "ONETHING_LOGIN_PER_MINUTE",
                crate::rate_limit::DEFAULT_LOGIN_PER_MINUTE,
            )?,
        };
        let draft_retention_days = match number("ONETHING_DRAFT_RETENTION_DAYS")? {
            None => DEFAULT_DRAFT_RETENTION_DAYS,
            Some(n @ 1..=3650) => u32::try_from(n).unwrap_or(DEFAULT_DRAFT_RETENTION_DAYS),
            Some(n) => bail!("ONETHING_DRAFT_RETENTION_DAYS must be between 1 and 3650, not {n}"),
        };
        Ok(Self {
            database_url,
            demo,
            catalog_dir,
            data_dir,
            pii_key,
            public_origin,
            outbox,
            upload_max_bytes,
            storage,
            trusted_proxies,
            rate_limits,
            draft_retention_days,
            log_format,
            leptos,
        })
    }
}

/// `server/catalog` of this source tree; deployments set `ONETHING_CATALOG_DIR`.
pub fn default_catalog_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/catalog"))
}

/// Where uploaded documents are stored. Files are encrypted before they
/// leave the process (see `crate::storage`), whatever the backend.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StorageSettings {
    /// `None`: the local filesystem under `<data_dir>/files`.
    pub url: Option<StorageUrl>,
    /// Only with [`StorageUrl::S3`].
    pub s3: S3Settings,
    /// Files streaming into the store at once (`ONETHING_UPLOAD_STREAMS`,
    /// 1–1024); more wait their turn. `None`: two per core, at least 4.
    pub streams: Option<usize>,
}

/// `ONETHING_STORAGE_URL`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StorageUrl {
    /// `file:///absolute/path`.
    File(PathBuf),
    /// `s3://bucket/optional/prefix` (prefix without leading or trailing `/`).
    S3 { bucket: String, prefix: String },
}

/// `ONETHING_S3_*`: for S3-compatible stores (MinIO, Ceph, cloud providers).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct S3Settings {
    /// e.g. `http://127.0.0.1:9000`; `None` is AWS itself. When set, requests
    /// use path-style addressing (`endpoint/bucket/key`).
    pub endpoint: Option<String>,
    pub region: String,
    /// Both or neither; neither means the instance's credentials (metadata service).
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<Secret>,
}

impl Default for S3Settings {
    fn default() -> Self {
        Self {
            endpoint: None,
            region: "us-east-1".to_owned(),
            access_key_id: None,
            secret_access_key: None,
        }
    }
}

impl PartialEq for Secret {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}

impl Eq for Secret {}

impl StorageSettings {
    fn from_vars<'v>(get: impl Fn(&str) -> Option<&'v str>) -> anyhow::Result<Self> {
        let url = get("ONETHING_STORAGE_URL").map(parse_storage_url).transpose()?;
        let streams = match get("ONETHING_UPLOAD_STREAMS") {
            None => None,
            Some(text) => match text.trim().parse::<usize>() {
                Ok(n @ 1..=1024) => Some(n),
                _ => bail!("ONETHING_UPLOAD_STREAMS must be a whole number from 1 to 1024, not `{text}`"),
            },
        };
        let s3_vars = [
            "ONETHING_S3_ENDPOINT",
            "ONETHING_S3_REGION",
            "ONETHING_S3_ACCESS_KEY_ID",
            "ONETHING_S3_SECRET_ACCESS_KEY",
        ];
        if !matches!(url, Some(StorageUrl::S3 { .. })) {
            if let Some(k) = s3_vars.iter().find(|k| get(k).is_some()) {
                bail!("{k} is set but ONETHING_STORAGE_URL is not an s3:// URL");
            }
            return Ok(Self {
                url,
                s3: S3Settings::default(),
                streams,
            });
        }
        let endpoint = get("ONETHING_S3_ENDPOINT").map(parse_endpoint).transpose()?;
        let region = get("ONETHING_S3_REGION").unwrap_or("us-east-1");
        if !region
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            bail!("ONETHING_S3_REGION must be a region name such as us-east-1, not `{region}`");
        }
        let access_key_id = get("ONETHING_S3_ACCESS_KEY_ID").map(str::to_owned);
        let secret_access_key = get("ONETHING_S3_SECRET_ACCESS_KEY").map(|s| Secret(s.to_owned()));
        if access_key_id.is_some() != secret_access_key.is_some() {
            bail!("set both ONETHING_S3_ACCESS_KEY_ID and ONETHING_S3_SECRET_ACCESS_KEY, or neither");
        }
        Ok(Self {
            url,
            s3: S3Settings {
                endpoint,
                region: region.to_owned(),
                access_key_id,
                secret_access_key,
            },
            streams,
        })
    }
}

fn parse_storage_url(text: &str) -> anyhow::Result<StorageUrl> {
    const WHAT: &str = "ONETHING_STORAGE_URL must be file:///absolute/path or s3://bucket[/prefix]";
    if let Some(rest) = text.strip_prefix("s3://") {
        // Parsed by hand: a URL parser would resolve `a/../b` to `b`.
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        let valid_bucket = (3..=63).contains(&bucket.len())
            && bucket
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
            && !bucket.starts_with(['-', '.'])
            && !bucket.ends_with(['-', '.']);
        if !valid_bucket {
            bail!("{WHAT}: `{bucket}` is not a bucket name (3-63 lowercase letters, digits, `-` or `.`)");
        }
        let prefix = prefix.trim_end_matches('/');
        let valid_prefix = prefix.is_empty()
            || prefix.split('/').all(|seg| {
                !seg.is_empty()
                    && seg != "."
                    && seg != ".."
                    && seg
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            });
        if !valid_prefix {
            bail!(
                "{WHAT}: the prefix `{prefix}` may hold only letters, digits, `-`, `_`, `.` and single `/`"
            );
        }
        return Ok(StorageUrl::S3 {
            bucket: bucket.to_owned(),
            prefix: prefix.to_owned(),
        });
    }
    let url = url::Url::parse(text).with_context(|| format!("{WHAT}, not `{text}`"))?;
    if url.scheme() != "file" {
        bail!("{WHAT}, not a `{}:` URL", url.scheme());
    }
    if url.query().is_some() || url.fragment().is_some() {
        bail!("{WHAT} (no query or fragment)");
    }
    if url.host_str().is_some_and(|h| !h.is_empty() && h != "localhost") {
        bail!("{WHAT}: a file URL names no host (three slashes: file:///srv/onething/files)");
    }
    let path = url
        .to_file_path()
        .map_err(|()| anyhow::anyhow!("{WHAT}, not `{text}`"))?;
    Ok(StorageUrl::File(path))
}

fn parse_endpoint(text: &str) -> anyhow::Result<String> {
    const WHAT: &str =
        "ONETHING_S3_ENDPOINT must be an http:// or https:// URL such as http://127.0.0.1:9000";
    let url = url::Url::parse(text).with_context(|| format!("{WHAT}, not `{text}`"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        bail!("{WHAT}, not `{text}`");
    }
    if !url.username().is_empty() || url.password().is_some() {
        bail!("{WHAT}; credentials go in ONETHING_S3_ACCESS_KEY_ID and ONETHING_S3_SECRET_ACCESS_KEY");
    }
    if url.query().is_some() || url.fragment().is_some() {
        bail!("{WHAT} (no query or fragment)");
    }
    Ok(text.trim_end_matches('/').to_owned())
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
    fn secrets_can_come_from_files() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("pii-key");
        std::fs::write(&path, format!("{}\n", KEY.1)).expect("write");
        let file = ("ONETHING_PII_KEY_FILE", path.to_str().expect("path"));
        let s = Settings::from_vars(vars(&[file])).expect("from the file");
        assert_eq!(s.pii_key.map(|k| k.0).as_deref(), Some(KEY.1), "trimmed");
        let both = Settings::from_vars(vars(&[file, KEY])).expect_err("both");
        assert!(both.to_string().contains("not both"), "{both}");
        let missing = ("ONETHING_PII_KEY_FILE", "/nonexistent/pii-key");
        let err = Settings::from_vars(vars(&[missing])).expect_err("missing");
        assert!(format!("{err:#}").contains("cannot read"), "{err:#}");
    }

    #[test]
    fn defaults() {
        let s = Settings::from_vars(vars(&[KEY])).expect("defaults");
        assert_eq!(s.database_url, DEFAULT_DATABASE_URL);
        assert!(!s.demo);
        assert_eq!(s.leptos.site_addr.to_string(), "127.0.0.1:3000");
        assert!(s.trusted_proxies.is_empty(), "no proxy is trusted by default");
        assert_eq!(s.rate_limits, crate::rate_limit::RateSettings::default());
    }

    #[test]
    fn rate_limits_are_bounded() {
        let s = Settings::from_vars(vars(&[
            KEY,
            ("ONETHING_REGISTER_PER_HOUR", "200"),
            ("ONETHING_LOGIN_PER_MINUTE", "5"),
        ]))
        .expect("rates");
        assert_eq!(s.rate_limits.register_per_hour.get(), 200);
        assert_eq!(s.rate_limits.login_per_minute.get(), 5);
        assert_eq!(s.draft_retention_days, 30);
        let e =
            Settings::from_vars(vars(&[KEY, ("ONETHING_DRAFT_RETENTION_DAYS", "0")])).expect_err("0 days");
        assert!(e.to_string().contains("ONETHING_DRAFT_RETENTION_DAYS"), "{e}");
        for bad in ["0", "100001", "-1", "many"] {
            let e = Settings::from_vars(vars(&[KEY, ("ONETHING_REGISTER_PER_HOUR", bad)])).expect_err(bad);
            assert!(e.to_string().contains("ONETHING_REGISTER_PER_HOUR"), "{e}");
        }
    }

    #[test]
    fn refuses_unknown_and_bad_values() {
        let e = Settings::from_vars(vars(&[("ONETHING_DATABSE_URL", "x")])).expect_err("typo");
        assert!(e.to_string().contains("ONETHING_DATABSE_URL"));
        assert!(Settings::from_vars(vars(&[("ONETHING_DEMO", "maybe")])).is_err());
        let e =
            Settings::from_vars(vars(&[KEY, ("ONETHING_TRUSTED_PROXIES", "10.0.0.0/40")])).expect_err("cidr");
        assert!(e.to_string().contains("ONETHING_TRUSTED_PROXIES"));
        let s = Settings::from_vars(vars(&[KEY, ("ONETHING_TRUSTED_PROXIES", "127.0.0.1, ::1")]))
            .expect("proxies");
        assert!(s.trusted_proxies.trusts("::1".parse().expect("ip")));
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

    #[test]
    fn storage_defaults_to_local_files() {
        let s = Settings::from_vars(vars(&[KEY])).expect("defaults");
        assert_eq!(s.storage, StorageSettings::default());
        assert_eq!(s.storage.url, None);
        assert_eq!(s.storage.s3.region, "us-east-1");
        let s = Settings::from_vars(vars(&[
            KEY,
            ("ONETHING_STORAGE_URL", "file:///srv/onething/files"),
        ]))
        .expect("file url");
        assert_eq!(
            s.storage.url,
            Some(StorageUrl::File(PathBuf::from("/srv/onething/files")))
        );
    }

    #[test]
    fn storage_s3_settings() {
        let s = Settings::from_vars(vars(&[
            KEY,
            ("ONETHING_STORAGE_URL", "s3://onething-docs/prod/uploads/"),
            ("ONETHING_S3_ENDPOINT", "http://127.0.0.1:9000/"),
            ("ONETHING_S3_ACCESS_KEY_ID", "AKIDEXAMPLE"),
            ("ONETHING_S3_SECRET_ACCESS_KEY", "s3cr3t-value"),
        ]))
        .expect("s3");
        assert_eq!(
            s.storage.url,
            Some(StorageUrl::S3 {
                bucket: "onething-docs".into(),
                prefix: "prod/uploads".into()
            })
        );
        assert_eq!(s.storage.s3.endpoint.as_deref(), Some("http://127.0.0.1:9000"));
        assert_eq!(s.storage.s3.region, "us-east-1");
        assert_eq!(s.storage.s3.access_key_id.as_deref(), Some("AKIDEXAMPLE"));
        assert!(
            !format!("{s:?}").contains("s3cr3t"),
            "Debug must not print the S3 secret"
        );

        let s = Settings::from_vars(vars(&[
            KEY,
            ("ONETHING_STORAGE_URL", "s3://bucket"),
            ("ONETHING_S3_REGION", "cn-north-1"),
        ]))
        .expect("bucket only, instance credentials");
        assert_eq!(
            s.storage.url,
            Some(StorageUrl::S3 {
                bucket: "bucket".into(),
                prefix: String::new()
            })
        );
        assert_eq!(s.storage.s3.region, "cn-north-1");
        assert_eq!(s.storage.s3.endpoint, None);
    }

    #[test]
    fn storage_refuses_malformed_settings() {
        let err = |extra: &[(&str, &str)]| {
            let mut v = vec![KEY];
            v.extend_from_slice(extra);
            Settings::from_vars(vars(&v)).expect_err("refused").to_string()
        };
        for url in [
            "files",
            "/srv/files",
            "file://relative/path",
            "file:///srv/files?x=1",
            "http://example.com/files",
            "s3://",
            "s3://Upper_Case",
            "s3://ab",
            "s3://bucket:9000/x",
            "s3://user:pw@bucket/x",
            "s3://bucket/a//b",
            "s3://bucket/a/../b",
            "s3://bucket/a b",
        ] {
            let e = err(&[("ONETHING_STORAGE_URL", url)]);
            assert!(e.contains("ONETHING_STORAGE_URL"), "{url}: {e}");
        }
        let s3 = ("ONETHING_STORAGE_URL", "s3://bucket");
        let e = err(&[s3, ("ONETHING_S3_ENDPOINT", "127.0.0.1:9000")]);
        assert!(e.contains("ONETHING_S3_ENDPOINT"), "{e}");
        let e = err(&[s3, ("ONETHING_S3_ENDPOINT", "ftp://host")]);
        assert!(e.contains("ONETHING_S3_ENDPOINT"), "{e}");
        let e = err(&[s3, ("ONETHING_S3_ENDPOINT", "http://key:secret@host:9000")]);
        assert!(e.contains("ONETHING_S3_ACCESS_KEY_ID"), "{e}");
        assert!(!e.contains("secret@"), "{e}");
        let e = err(&[s3, ("ONETHING_S3_ACCESS_KEY_ID", "AKID")]);
        assert!(e.contains("both"), "{e}");
        let e = err(&[s3, ("ONETHING_S3_SECRET_ACCESS_KEY", "x")]);
        assert!(e.contains("both"), "{e}");
        let e = err(&[s3, ("ONETHING_S3_REGION", "us east")]);
        assert!(e.contains("ONETHING_S3_REGION"), "{e}");
        // S3 settings without an s3:// URL are a mistake, not ignored.
        let e = err(&[("ONETHING_S3_ENDPOINT", "http://127.0.0.1:9000")]);
        assert!(e.contains("ONETHING_S3_ENDPOINT") && e.contains("s3://"), "{e}");
        let e = err(&[
            ("ONETHING_STORAGE_URL", "file:///srv"),
            ("ONETHING_S3_REGION", "x"),
        ]);
        assert!(e.contains("ONETHING_S3_REGION"), "{e}");
        let e = err(&[("ONETHING_STORAGE_ULR", "s3://bucket")]);
        assert!(e.contains("unknown setting"), "{e}");
        for n in ["0", "1025", "-1", "four", "2.5"] {
            let e = err(&[("ONETHING_UPLOAD_STREAMS", n)]);
            assert!(e.contains("ONETHING_UPLOAD_STREAMS"), "{n}: {e}");
        }
    }

    #[test]
    fn upload_streams_setting() {
        let s = Settings::from_vars(vars(&[KEY])).expect("default");
        assert_eq!(s.storage.streams, None);
        for (text, n) in [("1", 1), ("16", 16), ("1024", 1024)] {
            let s = Settings::from_vars(vars(&[KEY, ("ONETHING_UPLOAD_STREAMS", text)])).expect(text);
            assert_eq!(s.storage.streams, Some(n));
        }
        let s = Settings::from_vars(vars(&[
            KEY,
            ("ONETHING_STORAGE_URL", "s3://bucket"),
            ("ONETHING_UPLOAD_STREAMS", "3"),
        ]))
        .expect("with S3");
        assert_eq!(s.storage.streams, Some(3));
    }

    #[test]
    fn test_harness_variables_are_not_settings() {
        Settings::from_vars(vars(&[KEY, ("ONETHING_TEST_S3_ENDPOINT", "http://127.0.0.1:1")]))
            .expect("ONETHING_TEST_* is ignored");
    }
}
