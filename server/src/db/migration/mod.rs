//! Schema migrations (sea-orm-migration). Timestamped, append-only: never
//! edit a migration that has been released; add a new one (expand/contract).

use sea_orm_migration::prelude::*;

mod m20261129_000001_catalog_versions;
mod m20261129_000002_identity;
mod m20261129_000003_submissions;
mod m20261129_000004_notifications;
mod m20261129_000005_enterprises;
mod m20261129_000006_outbox;
mod m20261129_000007_queue_indexes;
mod m20261201_000001_materials;
mod m20261204_000001_feedback;
mod m20261205_000001_stats;
mod m20261205_000002_high_frequency;
mod m20261205_000003_overdue_index;
mod m20261205_000004_filing_measures;
mod m20261206_000001_calendar;
mod m20261206_000002_reminders;

pub use m20261129_000002_identity::GENESIS;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261129_000001_catalog_versions::Migration),
            Box::new(m20261129_000002_identity::Migration),
            Box::new(m20261129_000003_submissions::Migration),
            Box::new(m20261129_000004_notifications::Migration),
            Box::new(m20261129_000005_enterprises::Migration),
            Box::new(m20261129_000006_outbox::Migration),
            Box::new(m20261129_000007_queue_indexes::Migration),
            Box::new(m20261201_000001_materials::Migration),
            Box::new(m20261204_000001_feedback::Migration),
            Box::new(m20261205_000001_stats::Migration),
            Box::new(m20261205_000002_high_frequency::Migration),
            Box::new(m20261205_000003_overdue_index::Migration),
            Box::new(m20261205_000004_filing_measures::Migration),
            Box::new(m20261206_000001_calendar::Migration),
            Box::new(m20261206_000002_reminders::Migration),
        ]
    }
}
