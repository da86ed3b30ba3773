//! `server backup` and `server restore` for SQLite. A backup is a
//! consistent copy of the database taken while the server keeps serving
//! (`VACUUM INTO` reads one snapshot in a read transaction, so it never
//! blocks writers and holds every transaction committed before it began),
//! checked and synced to disk before it gets its final name. PostgreSQL is
//! backed up with its own tools (`pg_dump`, or base backups with WAL
//! archiving for point-in-time recovery): see README, "Backups".
//!
//! A backup holds personal data encrypted with `ONETHING_PII_KEY`; keep the
//! key, and the uploaded files (`ONETHING_DATA_DIR/files` or the bucket),
//! backed up separately — the database alone cannot be read without the key.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};
use sea_orm_migration::MigratorTrait;

use super::migration::Migrator;

/// What a backup (or a restored database) holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Snapshot {
    pub submissions: u64,
    pub work_items: u64,
    pub users: u64,
    /// The newest migration applied to it.
    pub schema: String,
    pub bytes: u64,
}

impl std::fmt::Display for Snapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} submissions, {} work items, {} accounts, schema {}, {} bytes",
            self.submissions, self.work_items, self.users, self.schema, self.bytes
        )
    }
}

const USE_PG_TOOLS: &str = "backup and restore are for SQLite; back up PostgreSQL with pg_dump \
     (or base backups with WAL archiving), see README \"Backups\"";

/// The SQLite file of `database_url`, or an error saying what to use instead.
pub fn sqlite_path(database_url: &str) -> anyhow::Result<PathBuf> {
    if !database_url.starts_with("sqlite:") {
        bail!(USE_PG_TOOLS);
    }
    super::sqlite_file(database_url)
        .map(PathBuf::from)
        .context("an in-memory database cannot be backed up")
}

/// Writes a consistent copy of the live database `db` to `to`, which must
/// not exist yet.
pub async fn backup(db: &DatabaseConnection, to: &Path) -> anyhow::Result<Snapshot> {
    if db.get_database_backend() != DbBackend::Sqlite {
        bail!(USE_PG_TOOLS);
    }
    if to.exists() {
        bail!("{} already exists; give the backup a new name", to.display());
    }
    let partial = sibling(to, "partial")?;
    let _ = std::fs::remove_file(&partial);
    let quoted = partial
        .to_str()
        .context("the backup's path must be UTF-8")?
        .replace('\'', "''");
    let taken = db.execute_unprepared(&format!("VACUUM INTO '{quoted}'")).await;
    let checked = match taken {
        Ok(_) => inspect(&partial).await,
        Err(e) => Err(anyhow::Error::new(e).context("VACUUM INTO failed")),
    };
    let snapshot = match checked {
        Ok(s) => s,
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            return Err(e);
        }
    };
    durably_rename(&partial, to)?;
    Ok(snapshot)
}

/// Puts the backup `from` in place of the database of `database_url`. An
/// existing database is only replaced with `replace`, and then kept beside
/// it as `<name>.before-restore-<time>` (with its write-ahead log), never
/// deleted. The server must be stopped meanwhile.
pub async fn restore(
    database_url: &str,
    from: &Path,
    replace: bool,
) -> anyhow::Result<(Snapshot, Option<PathBuf>)> {
    let target = sqlite_path(database_url)?;
    let snapshot = inspect(from)
        .await
        .with_context(|| format!("{} is not a usable backup", from.display()))?;
    let known: Vec<String> = Migrator::migrations()
        .iter()
        .map(|m| m.name().to_owned())
        .collect();
    if !known.contains(&snapshot.schema) {
        bail!(
            "{} was made by a newer version of OneThing (schema {}); restore it with that version",
            from.display(),
            snapshot.schema
        );
    }
    let mut kept = None;
    if target.exists() {
        if !replace {
            bail!(
                "{} exists; stop the server and pass --replace to restore over it \
                 (the current database is kept beside it)",
                target.display()
            );
        }
        let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
        let aside = sibling(&target, &format!("before-restore-{stamp}"))?;
        for suffix in ["", "-wal", "-shm"] {
            let from = PathBuf::from(format!("{}{suffix}", target.display()));
            if from.exists() {
                let to = PathBuf::from(format!("{}{suffix}", aside.display()));
                std::fs::rename(&from, &to)
                    .with_context(|| format!("cannot move {} aside", from.display()))?;
            }
        }
        kept = Some(aside);
    } else if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let partial = sibling(&target, "restoring")?;
    std::fs::copy(from, &partial).with_context(|| format!("cannot copy to {}", partial.display()))?;
    durably_rename(&partial, &target)?;
    Ok((snapshot, kept))
}

/// Opens `path` read-only, checks its integrity and counts what it holds.
pub async fn inspect(path: &Path) -> anyhow::Result<Snapshot> {
    if !path.is_file() {
        bail!("{} does not exist", path.display());
    }
    let url = format!("sqlite://{}?mode=ro", path.display());
    let db = sea_orm::Database::connect(sea_orm::ConnectOptions::new(url).sqlx_logging(false).to_owned())
        .await
        .with_context(|| format!("cannot open {}", path.display()))?;
    let result = async {
        let one = |sql: &str| Statement::from_string(DbBackend::Sqlite, sql.to_owned());
        let check = db
            .query_one_raw(one("PRAGMA integrity_check"))
            .await
            .context("not an SQLite database")?
            .map(|r| r.try_get_by_index::<String>(0))
            .transpose()?;
        if check.as_deref() != Some("ok") {
            bail!("the integrity check failed: {}", check.unwrap_or_default());
        }
        let count = |table: &'static str| {
            let db = &db;
            async move {
                let n = db
                    .query_one_raw(one(&format!("SELECT COUNT(*) FROM {table}")))
                    .await
                    .with_context(|| format!("not a OneThing database (no {table})"))?
                    .map(|r| r.try_get_by_index::<i64>(0))
                    .transpose()?
                    .unwrap_or(0);
                anyhow::Ok(u64::try_from(n).unwrap_or(0))
            }
        };
        let schema = db
            .query_one_raw(one(
                "SELECT version FROM seaql_migrations ORDER BY version DESC LIMIT 1",
            ))
            .await
            .context("not a OneThing database (no migrations)")?
            .map(|r| r.try_get_by_index::<String>(0))
            .transpose()?
            .context("no migration was applied to it")?;
        anyhow::Ok(Snapshot {
            submissions: count("submissions").await?,
            work_items: count("work_items").await?,
            users: count("users").await?,
            schema,
            bytes: std::fs::metadata(path)?.len(),
        })
    }
    .await;
    let _ = db.close().await;
    result
}

/// `<file>.<what>` beside `path`.
fn sibling(path: &Path, what: &str) -> anyhow::Result<PathBuf> {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .with_context(|| format!("{} is not a file name", path.display()))?;
    Ok(path.with_file_name(format!("{name}.{what}")))
}

/// Syncs `from` to disk, renames it to `to` and syncs the folder, so that
/// after a power cut there is either no `to` or a complete one.
fn durably_rename(from: &Path, to: &Path) -> anyhow::Result<()> {
    std::fs::File::open(from)
        .and_then(|f| f.sync_all())
        .with_context(|| format!("cannot sync {}", from.display()))?;
    std::fs::rename(from, to).with_context(|| format!("cannot rename to {}", to.display()))?;
    if let Some(dir) = to.parent() {
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        std::fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .with_context(|| format!("cannot sync {}", dir.display()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_sqlite_files_are_backed_up_here() {
        assert_eq!(
            sqlite_path("sqlite://data/onething.db?mode=rwc").expect("path"),
            PathBuf::from("data/onething.db")
        );
        assert_eq!(
            sqlite_path("sqlite:///var/lib/onething/db.sqlite").expect("path"),
            PathBuf::from("/var/lib/onething/db.sqlite")
        );
        let e = sqlite_path("postgres://x/y").expect_err("pg");
        assert!(e.to_string().contains("pg_dump"), "{e}");
        assert!(sqlite_path("sqlite::memory:").is_err());
    }

    #[test]
    fn siblings_keep_the_name() {
        assert_eq!(
            sibling(Path::new("/b/x.db"), "partial").expect("sibling"),
            PathBuf::from("/b/x.db.partial")
        );
    }
}
