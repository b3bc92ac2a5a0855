#![doc = include_str!("../README.md")]
#![deny(missing_docs)]

mod backend;
mod error;
mod stores;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use lms_core::ports::{MigrationState, StoreError, StoreResult};
use lms_storage_sql::SqlStore;
use sqlx::migrate::Migrator;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};

use crate::backend::Pools;
use crate::error::{classify, classify_migration};

/// The schema, embedded in the binary.
static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

/// Waits for the exclusive lock on the migration lock file of the database `file`; the
/// lock is released when the returned file is dropped (or the process ends).
async fn migration_lock(file: &Path) -> StoreResult<std::fs::File> {
    let mut name = file.as_os_str().to_owned();
    name.push("-migrate.lock");
    let path = std::path::PathBuf::from(name);
    tokio::task::spawn_blocking(move || {
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)?;
        lock.lock()?;
        Ok::<_, std::io::Error>(lock)
    })
    .await
    .map_err(StoreError::backend)?
    .map_err(|e| StoreError::backend(format!("the migration lock file: {e}")))
}

/// How long a statement waits for another process's write lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// Concurrent readers; WAL lets them read while the writer writes.
const READERS: u32 = 4;
/// Bytes of the database file each reader maps into memory (`PRAGMA mmap_size`), as text
/// for the pragma. Reads then come straight from the operating system's page cache, shared
/// by the readers, without a `pread` copy into each connection's own 2 MB page cache: a
/// range scan of 100 records costs about the same with 10,000 or 1,000,000 records of other
/// kinds (+6 %, against +119 % without; docs/benchmarks.md). Mapped pages are the file's
/// cached pages, counted in the process's resident memory while in use.
const READER_MMAP_BYTES: &str = "1073741824";
/// How long a read waits for a free reader connection. The file is local, so waiting only
/// ever means load: reads queue through bursts rather than fail.
const READ_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a write waits for the writer connection. Writes queue here instead of
/// contending for the database lock, so this covers a burst of queued writers.
const WRITE_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(30);

/// What a committed write waits for before it returns.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Durability {
    /// Every commit is synced to disk before it returns (`synchronous = FULL`): nothing
    /// acknowledged is lost, even on power loss. A sync per commit bounds the write rate
    /// by the disk's sync latency.
    #[default]
    Full,
    /// Commits return once in the write-ahead log, which is synced at checkpoints
    /// (`synchronous = NORMAL`). A crash of the application loses nothing and the
    /// database is never corrupted, but a power loss or operating-system crash may roll
    /// back the last commits. Several times the write rate of `Full`.
    Normal,
}

impl FromStr for Durability {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "full" => Ok(Self::Full),
            "normal" => Ok(Self::Normal),
            other => Err(format!("unknown SQLite durability {other:?}: use full or normal")),
        }
    }
}

/// Storage in one SQLite database file, implementing every storage port of `lms-core`.
///
/// Reads go through a small pool of connections; writes go through a single writer
/// connection, each in a `BEGIN IMMEDIATE` transaction, so writers in this process queue
/// for the connection instead of failing with `SQLITE_BUSY`, and a writer in another
/// process is waited for up to the busy timeout (5 s). Concurrent enrollment lookups,
/// and concurrent enrollment updates without events, are coalesced into one statement a
/// batch. Cloning is cheap and shares the connections.
///
/// Every connection runs with `secure_delete` on, so deleted rows are overwritten with
/// zeros; `ErasureStore::scrub_deleted_data` then checkpoints and truncates the
/// write-ahead log, the last place their old pages are kept.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    /// The database file; `None` in memory.
    file: Option<std::path::PathBuf>,
    reader: SqlitePool,
    writer: SqlitePool,
    sql: SqlStore<Pools>,
}

lms_storage_sql::impl_sql_ports!(SqliteStore, sql);

impl SqliteStore {
    /// Opens (creating it if missing) the database file at `path`.
    pub async fn open(path: impl AsRef<Path>) -> StoreResult<Self> {
        Self::connect_with(SqliteConnectOptions::new().filename(path), Durability::Full).await
    }

    /// Opens the database named by a `sqlite:` URL, e.g. `sqlite:///var/lib/lms/lms.db` or
    /// `sqlite:lms.db`, creating the file if missing.
    pub async fn connect(url: &str) -> StoreResult<Self> {
        Self::connect_durable(url, Durability::Full).await
    }

    /// Like [`SqliteStore::connect`], choosing what a commit waits for.
    pub async fn connect_durable(url: &str, durability: Durability) -> StoreResult<Self> {
        Self::connect_with(SqliteConnectOptions::from_str(url).map_err(classify)?, durability).await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(file = %options.get_filename().display()))]
    async fn connect_with(options: SqliteConnectOptions, durability: Durability) -> StoreResult<Self> {
        let synchronous = match durability {
            Durability::Full => SqliteSynchronous::Full,
            Durability::Normal => SqliteSynchronous::Normal,
        };
        let options = options
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(synchronous)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT)
            // Deleted content is overwritten with zeros, in the pages that held it and in
            // pages freed: the file keeps nothing of an erased row once the write-ahead
            // log is checkpointed (`ErasureStore::scrub_deleted_data`).
            .pragma("secure_delete", "ON");
        let file = Some(options.get_filename().to_path_buf()).filter(|f| f.as_os_str() != ":memory:");
        // The writer connects first: it creates the file and switches it to WAL.
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(WRITE_ACQUIRE_TIMEOUT)
            .test_before_acquire(false)
            .connect_with(options.clone())
            .await
            .map_err(classify)?;
        let reader = SqlitePoolOptions::new()
            .max_connections(READERS)
            .acquire_timeout(READ_ACQUIRE_TIMEOUT)
            .test_before_acquire(false)
            .connect_with(options.pragma("mmap_size", READER_MMAP_BYTES))
            .await
            .map_err(classify)?;
        let pools = Pools {
            reader: reader.clone(),
            writer: writer.clone(),
        };
        Ok(Self {
            file,
            reader,
            writer,
            sql: SqlStore::new(pools, READERS as usize),
        })
    }

    /// Applies the embedded migrations that are not applied yet, each in a transaction,
    /// recording them in `_sqlx_migrations`. Running it again is harmless, and so is
    /// running it from several processes at once: sqlx takes no lock on SQLite, so the
    /// store holds an exclusive lock on a file beside the database (`<file>-migrate.lock`)
    /// from reading what is applied to applying the rest; a second process waits, then
    /// finds nothing left to do.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn migrate(&self) -> StoreResult<()> {
        let _lock = match &self.file {
            Some(file) => Some(migration_lock(file).await?),
            None => None,
        };
        // On the writer connection: migrations queue behind writes like any other write.
        MIGRATOR.run(&self.writer).await.map_err(classify_migration)
    }

    /// Every migration this build embeds and when the database applied it, without
    /// changing anything.
    pub async fn migration_status(&self) -> StoreResult<Vec<MigrationState>> {
        let table: Option<String> =
            sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'")
                .fetch_optional(&self.reader)
                .await
                .map_err(classify)?;
        let applied: Vec<(i64, DateTime<Utc>)> = match table {
            Some(_) => sqlx::query_as("SELECT version, installed_on FROM _sqlx_migrations WHERE success")
                .fetch_all(&self.reader)
                .await
                .map_err(classify)?,
            None => Vec::new(),
        };
        Ok(lms_storage_sql::migrations::migration_states(&MIGRATOR, applied))
    }

    /// Closes every connection; later operations fail with `StoreError::Unavailable`.
    pub async fn close(&self) {
        self.writer.close().await;
        self.reader.close().await;
    }
}
