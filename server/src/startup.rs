//! Building and running the application. [`Application::build`] returns the
//! bound port before serving, so tests can spawn the real app on port 0.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use sea_orm::{ActiveValue::Set, DatabaseConnection, EntityTrait};
use tokio::net::TcpListener;

use crate::config::Settings;
use crate::crypto::PiiCipher;
use crate::db::entities::catalog_version;
use crate::state::{AppState, DomainEvent, Reaction};

/// A built, bound, not yet serving application.
pub struct Application {
    listener: TcpListener,
    router: axum::Router,
    pub state: AppState,
}

impl Application {
    /// Loads the catalog, connects and migrates the database, seeds demo data
    /// when asked, and binds the listener.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let catalog = crate::catalog_loader::load(&settings.catalog_dir)?;
        tracing::info!(
            version = %catalog.version,
            bundles = catalog.bundles.len(),
            items = catalog.item_count(),
            departments = catalog.departments.len(),
            calendar_files = ?catalog.calendar.years(),
            "catalog loaded"
        );
        let pii = match (&settings.pii_key, settings.demo) {
            (Some(k), _) => PiiCipher::from_base64(&k.0).context("ONETHING_PII_KEY")?,
            (None, true) => PiiCipher::load_or_create(&settings.data_dir.join("pii.key"))?,
            (None, false) => anyhow::bail!(
                "ONETHING_PII_KEY is required: 32 random bytes in base64 (e.g. `openssl rand -base64 32`); \
                 demo mode (ONETHING_DEMO=1) generates one under ONETHING_DATA_DIR"
            ),
        };
        let files = crate::storage::FileStore::open(&settings.storage, &settings.data_dir)
            .context("file storage (ONETHING_STORAGE_URL)")?;
        tracing::info!(storage = %files.describe(), "file storage");
        let db = crate::db::connect(&settings.database_url).await?;
        crate::db::migrate(&db, &settings.database_url).await?;
        record_catalog_version(&db, &catalog.version).await?;
        if settings.demo {
            crate::services::demo::seed(&db, &catalog, &pii).await?;
        }

        let listener = TcpListener::bind(settings.leptos.site_addr)
            .await
            .with_context(|| format!("cannot listen on {}", settings.leptos.site_addr))?;
        let writes = Arc::new(crate::db::WriteGate::new(db.get_database_backend()));
        let rate_limits = Arc::new(crate::rate_limit::RateLimits::new(settings.rate_limits));
        let state = AppState {
            writes,
            db,
            catalog: Arc::new(catalog),
            leptos: settings.leptos.clone(),
            settings: Arc::new(settings),
            pii: Arc::new(pii),
            files,
            endpoints: Arc::default(),
            metrics: Arc::default(),
            ended_counts: Arc::default(),
            stats_cache: Arc::default(),
            stats_results: Arc::default(),
            rate_limits,
            channels: Arc::default(),
            reactions: Arc::new(reactions()),
        };
        // The years admins entered replace the files before anything is due.
        crate::services::calendar::refresh(&state)
            .await
            .context("the working-day calendar entered at run time")?;
        let today = app::domain::Date::today_china();
        for year in [today.year(), today.add_days(60).year()] {
            crate::services::tracking::warn_if_no_calendar(&state.catalog, year);
        }
        let router = crate::http::build_router(state.clone());
        Ok(Self {
            listener,
            router,
            state,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr().unwrap_or(self.state.leptos.site_addr)
    }

    /// Serves until Ctrl-C / SIGTERM, then finishes in-flight requests. The
    /// outbox worker, housekeeping and the 效能评估 worker run beside it
    /// (several instances share the work), and the calendar refresh (each
    /// instance loads the years entered on any).
    pub async fn run(self) -> anyhow::Result<()> {
        tracing::info!(addr = %self.local_addr(), "listening");
        let worker =
            self.state.settings.outbox.enabled.then(|| {
                crate::services::outbox::spawn_worker(self.state.clone(), self.state.settings.outbox)
            });
        let _stop_worker = AbortOnDrop(worker);
        let _stop_housekeeping = AbortOnDrop(Some(crate::services::housekeeping::spawn(self.state.clone())));
        let _stop_stats = AbortOnDrop(Some(crate::services::stats::spawn(self.state.clone())));
        let _stop_calendar = AbortOnDrop(Some(crate::services::calendar::spawn(self.state.clone())));
        axum::serve(
            self.listener,
            self.router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown_signal())
        .await
        .context("server error")
    }
}

/// Who reacts to which domain event: wired here, at the top, so that the
/// services publishing an event need not know its listeners.
fn reactions() -> Vec<Reaction> {
    vec![Arc::new(|state: AppState, event: DomainEvent| {
        Box::pin(async move {
            match event {
                // 免申即享: the subject may now match a policy.
                DomainEvent::FactsChanged(subject) => {
                    crate::services::policies::evaluate(&state, subject).await;
                }
            }
        })
    })]
}

async fn record_catalog_version(db: &DatabaseConnection, version: &str) -> anyhow::Result<()> {
    let row = catalog_version::ActiveModel {
        version: Set(version.to_owned()),
        first_loaded_at: Set(chrono::Utc::now()),
    };
    catalog_version::Entity::insert(row)
        .on_conflict_do_nothing_on([catalog_version::Column::Version])
        .exec(db)
        .await
        .context("cannot record the catalog version")?;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}

/// Stops the background worker when the server stops.
struct AbortOnDrop(Option<tokio::task::JoinHandle<()>>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        if let Some(h) = &self.0 {
            h.abort();
        }
    }
}
