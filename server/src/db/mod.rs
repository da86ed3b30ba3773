//! Persistence: the connection (SQLite or PostgreSQL, chosen by the URL),
//! migrations applied at start-up, and the sea-orm entities.

pub mod entities;
pub mod migration;

use std::time::Duration;

use anyhow::Context;
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend};
use sea_orm_migration::MigratorTrait;

/// Opens a pool for `url`. For SQLite the file's folder is created and the
/// connection tuned for a web server: WAL, `synchronous=NORMAL`, a busy
/// timeout instead of immediate `SQLITE_BUSY`, and foreign keys on.
pub async fn connect(url: &str) -> anyhow::Result<DatabaseConnection> {
    let mut opt = ConnectOptions::new(url.to_owned());
    opt.sqlx_logging(false)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(10));
    if url.starts_with("sqlite:") {
        if let Some(dir) =
            sqlite_file(url).and_then(|f| std::path::Path::new(f).parent().map(ToOwned::to_owned))
            && !dir.as_os_str().is_empty()
        {
            std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
        }
        opt.max_connections(8)
            .min_connections(1)
            .map_sqlx_sqlite_opts(|o| {
                o.journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .busy_timeout(Duration::from_secs(10))
                    .foreign_keys(true)
            });
    } else {
        opt.max_connections(20).min_connections(1);
    }
    Database::connect(opt)
        .await
        .context("cannot connect to the database")
}

/// The file path of a `sqlite://path?query` URL (`None` for in-memory).
fn sqlite_file(url: &str) -> Option<&str> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or(rest);
    (!path.is_empty() && path != ":memory:").then_some(path)
}

/// Applies every pending migration. On PostgreSQL several instances may
/// start at once: they take turns under an advisory lock, held on one
/// dedicated connection (to `url`) for the whole run.
pub async fn migrate(db: &DatabaseConnection, url: &str) -> anyhow::Result<()> {
    if db.get_database_backend() != DbBackend::Postgres {
        return migration::Migrator::up(db, None)
            .await
            .context("database migration failed");
    }
    let mut opt = ConnectOptions::new(url.to_owned());
    opt.sqlx_logging(false).max_connections(1).min_connections(1);
    let single = Database::connect(opt)
        .await
        .context("cannot open the migration connection")?;
    single
        .execute_unprepared("SELECT pg_advisory_lock(7236601)")
        .await?;
    let result = migration::Migrator::up(&single, None).await;
    let _ = single
        .execute_unprepared("SELECT pg_advisory_unlock(7236601)")
        .await;
    let _ = single.close().await;
    result.context("database migration failed")
}

/// `true` when the database answers a trivial query.
pub async fn ping(db: &DatabaseConnection) -> bool {
    db.execute_unprepared("SELECT 1").await.is_ok()
}

/// Which backend a connection talks to.
pub fn backend(db: &DatabaseConnection) -> DbBackend {
    db.get_database_backend()
}

#[cfg(test)]
mod tests {
    #[test]
    fn sqlite_file_paths() {
        assert_eq!(
            super::sqlite_file("sqlite://data/x.db?mode=rwc"),
            Some("data/x.db")
        );
        assert_eq!(super::sqlite_file("sqlite:/tmp/a.db"), Some("/tmp/a.db"));
        assert_eq!(super::sqlite_file("sqlite::memory:"), None);
    }
}
