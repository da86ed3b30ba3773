//! Persistence: the connection (SQLite or PostgreSQL, chosen by the URL),
//! migrations applied at start-up, and the sea-orm entities.

pub mod backup;
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
                    // Pages read through a memory map and a 32 MiB cache per
                    // connection: fewer system calls per query.
                    .pragma("mmap_size", "268435456")
                    .pragma("cache_size", "-32768")
                    .pragma("temp_store", "memory")
                    // Checkpoints run in the background (below); a writer
                    // checkpoints inline only if that falls far behind.
                    .pragma("wal_autocheckpoint", "20000")
            });
    } else {
        opt.max_connections(20).min_connections(1);
    }
    let db = Database::connect(opt)
        .await
        .context("cannot connect to the database")?;
    if sqlite_file(url).is_some() {
        spawn_checkpointer(db.clone());
    }
    Ok(db)
}

/// Copies SQLite's write-ahead log into the database file four times a
/// second, outside the write lock. By default the writer whose commit
/// crosses 1,000 WAL pages does that itself, fsyncs included, while every
/// other writer waits: that cost 40% of the write throughput. A `PASSIVE`
/// checkpoint never blocks readers or writers. Ends when the pool closes.
fn spawn_checkpointer(db: DatabaseConnection) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_millis(250));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(e) = db.execute_unprepared("PRAGMA wal_checkpoint(PASSIVE)").await {
                // A pool timeout under load is not the end; a closed pool is.
                if matches!(
                    e,
                    sea_orm::DbErr::ConnectionAcquire(sea_orm::error::ConnAcquireErr::ConnectionClosed)
                ) {
                    break;
                }
                tracing::debug!(error = %e, "WAL checkpoint skipped");
            }
        }
    });
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

/// Held by the one instance that runs a job now (see [`try_job_lock`]).
#[derive(Debug)]
pub struct JobLock(Option<sea_orm::DatabaseTransaction>);

impl JobLock {
    /// Lets another instance run the job (dropping the lock does too).
    pub async fn release(self) -> Result<(), sea_orm::DbErr> {
        match self.0 {
            Some(txn) => txn.commit().await,
            None => Ok(()),
        }
    }
}

/// The lock of the job called `job`, if no other instance holds it. On
/// PostgreSQL a transaction-scoped advisory lock, taken by a transaction
/// that does nothing else and stays open while the job runs: if the
/// instance dies, its connection closes and the lock is free again. On
/// SQLite (one instance serves a database file) always granted.
pub async fn try_job_lock(db: &DatabaseConnection, job: &str) -> Result<Option<JobLock>, sea_orm::DbErr> {
    use sea_orm::TransactionTrait;
    if db.get_database_backend() != DbBackend::Postgres {
        return Ok(Some(JobLock(None)));
    }
    let txn = db.begin().await?;
    let row = txn
        .query_one_raw(sea_orm::Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_try_advisory_xact_lock($1) AS locked",
            [job_lock_key(job).into()],
        ))
        .await?;
    let locked = match row {
        Some(r) => r.try_get::<bool>("", "locked")?,
        None => false,
    };
    Ok(locked.then_some(JobLock(Some(txn))))
}

/// A stable 64-bit key for a job's name (the first 8 bytes of its SHA-256).
fn job_lock_key(job: &str) -> i64 {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("onething-job:{job}"));
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    i64::from_be_bytes(first)
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

/// Opens write transactions. PostgreSQL takes row locks and needs nothing
/// more. SQLite has one write lock per database, and its busy handler makes
/// waiting writers sleep and retry (1, 2, 5 … 100 ms): under concurrent
/// submissions writers slept while the lock was free and some starved into
/// the busy timeout. So on SQLite this instance's writers queue here, first
/// come first served, and take the lock at `BEGIN IMMEDIATE` (a transaction
/// that read first can then never fail to upgrade from a stale snapshot).
#[derive(Debug)]
pub struct WriteGate {
    sqlite: Option<std::sync::Arc<tokio::sync::Mutex<()>>>,
    /// Domain write transactions committed through this gate (see
    /// [`WriteGate::commits`]).
    commits: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl WriteGate {
    pub fn new(backend: DbBackend) -> Self {
        Self {
            sqlite: (backend == DbBackend::Sqlite).then(Default::default),
            commits: Default::default(),
        }
    }

    /// Begins a write transaction of the domain (waiting for the gate on
    /// SQLite); its commit counts in [`WriteGate::commits`].
    pub async fn begin(&self, db: &DatabaseConnection) -> Result<WriteTxn, sea_orm::DbErr> {
        let mut txn = self.begin_bookkeeping(db).await?;
        txn.commits = Some(self.commits.clone());
        Ok(txn)
    }

    /// Begins a write transaction that records no fact of the domain (the
    /// outbox's claims and outcomes, the stored 效能评估 aggregate): its commit
    /// does not count in [`WriteGate::commits`], so caches of what the domain
    /// records stay valid.
    pub async fn begin_bookkeeping(&self, db: &DatabaseConnection) -> Result<WriteTxn, sea_orm::DbErr> {
        use sea_orm::{SqliteTransactionMode, TransactionOptions, TransactionTrait};
        Ok(match &self.sqlite {
            Some(gate) => {
                let guard = gate.clone().lock_owned().await;
                let options = TransactionOptions {
                    sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                    ..Default::default()
                };
                WriteTxn {
                    txn: db.begin_with_options(options).await?,
                    _guard: Some(guard),
                    commits: None,
                }
            }
            None => WriteTxn {
                txn: db.begin().await?,
                _guard: None,
                commits: None,
            },
        })
    }

    /// How many domain write transactions this instance has committed: a
    /// result computed from the database while this stayed the same is
    /// still what the database holds (as far as this instance wrote it).
    pub fn commits(&self) -> u64 {
        self.commits.load(std::sync::atomic::Ordering::Acquire)
    }
}

/// A write transaction from [`WriteGate::begin`]; the gate opens again when
/// it is committed or dropped (rolled back).
pub struct WriteTxn {
    txn: sea_orm::DatabaseTransaction,
    _guard: Option<tokio::sync::OwnedMutexGuard<()>>,
    /// Counted once committed (a domain write).
    commits: Option<std::sync::Arc<std::sync::atomic::AtomicU64>>,
}

impl std::fmt::Debug for WriteTxn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WriteTxn")
    }
}

impl WriteTxn {
    pub async fn commit(self) -> Result<(), sea_orm::DbErr> {
        self.txn.commit().await?;
        // Counted after the commit: a reader that saw the count before this
        // may have missed the write, and sees the count change.
        if let Some(c) = self.commits {
            c.fetch_add(1, std::sync::atomic::Ordering::Release);
        }
        Ok(())
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for WriteTxn {
    fn get_database_backend(&self) -> DbBackend {
        self.txn.get_database_backend()
    }
    async fn execute_raw(&self, stmt: sea_orm::Statement) -> Result<sea_orm::ExecResult, sea_orm::DbErr> {
        self.txn.execute_raw(stmt).await
    }
    async fn execute_unprepared(&self, sql: &str) -> Result<sea_orm::ExecResult, sea_orm::DbErr> {
        self.txn.execute_unprepared(sql).await
    }
    async fn query_one_raw(
        &self,
        stmt: sea_orm::Statement,
    ) -> Result<Option<sea_orm::QueryResult>, sea_orm::DbErr> {
        self.txn.query_one_raw(stmt).await
    }
    async fn query_all_raw(
        &self,
        stmt: sea_orm::Statement,
    ) -> Result<Vec<sea_orm::QueryResult>, sea_orm::DbErr> {
        self.txn.query_all_raw(stmt).await
    }
}
