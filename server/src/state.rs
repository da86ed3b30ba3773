//! The state every handler and service shares ([`AppState`]), and the
//! in-process domain events services publish through it.
//!
//! It holds only leaves (configuration, the database, the catalog, caches
//! owned by their services' leaf modules) so that every service can read it
//! without depending on the services that react to its events: those are
//! registered at start-up (see `startup`).

use std::sync::Arc;

use app::catalog::Catalog;
use axum::extract::FromRef;
use futures::future::BoxFuture;
use leptos::config::LeptosOptions;
use sea_orm::DatabaseConnection;

use crate::config::Settings;
use crate::crypto::PiiCipher;
use crate::identity::Subject;

/// Something that happened which other parts of the platform may react to.
/// Publishers do not know who listens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DomainEvent {
    /// A subject's facts changed: its profile, its e-certificates, an
    /// enterprise registered, or one of its work items was accepted or
    /// completed (免申即享 matching listens).
    FactsChanged(Subject),
}

/// A reaction to domain events. Reactions run in the publisher's task after
/// its transaction committed, one after another; they never fail the
/// publisher (they log their own errors).
pub type Reaction = Arc<dyn Fn(AppState, DomainEvent) -> BoxFuture<'static, ()> + Send + Sync>;

/// Shared state of every handler. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub catalog: Arc<Catalog>,
    pub leptos: LeptosOptions,
    pub settings: Arc<Settings>,
    /// Encrypts and indexes personal data at rest.
    pub pii: Arc<PiiCipher>,
    /// Uploaded documents, encrypted at rest (keys wrapped with `pii`).
    pub files: crate::storage::FileStore,
    /// Departments with a delivery endpoint (cached briefly).
    pub endpoints: Arc<crate::services::outbox::endpoints::EndpointCache>,
    /// Request metrics for `/metrics`.
    pub metrics: Arc<crate::metrics::Metrics>,
    /// Where write transactions begin (see [`crate::db::WriteGate`]).
    pub writes: Arc<crate::db::WriteGate>,
    /// Ended work items per department, cached briefly for the queue.
    pub ended_counts: Arc<crate::services::work_items::ended_counts::EndedCounts>,
    /// Stored 效能评估 facts in memory (see `services::stats::store`).
    pub stats_cache: Arc<crate::services::stats::cache::FactCache>,
    /// 效能评估 figures computed recently (see `services::stats::results`).
    pub stats_results: Arc<crate::services::stats::results::ResultCache>,
    /// Requests per client address on registration and login.
    pub rate_limits: Arc<crate::rate_limit::RateLimits>,
    /// SMS and email beside the in-app inbox.
    pub channels: Arc<crate::channels::Channels>,
    /// Who reacts to [`DomainEvent`]s.
    pub reactions: Arc<Vec<Reaction>>,
}

impl AppState {
    /// Runs every reaction to `event` (after the publisher committed).
    pub async fn publish(&self, event: DomainEvent) {
        for reaction in self.reactions.iter() {
            reaction(self.clone(), event).await;
        }
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(s: &AppState) -> Self {
        s.leptos.clone()
    }
}
