//! OneThing server: configuration, the axum router (SSR pages and `/api/v1`),
//! services, persistence (sea-orm) and the command line.
//!
//! Layers, outermost first: `http` (extractors, handlers, the error envelope)
//! → `services` (authorisation and business rules, no HTTP types) → `db`
//! (entities, migrations, connection). Handlers stay thin.

pub mod catalog_loader;
pub mod channels;
pub mod config;
pub mod crypto;
pub mod db;
pub mod http;
pub mod identity;
pub mod metrics;
pub mod proxies;
pub mod rate_limit;
pub mod services;
pub mod startup;
pub mod state;
pub mod storage;
pub mod telemetry;

pub use startup::Application;
pub use state::AppState;
