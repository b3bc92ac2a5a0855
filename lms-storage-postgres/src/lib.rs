#![doc = include_str!("../README.md")]
#![deny(missing_docs)]

mod backend;
mod error;
mod stores;

use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use lms_core::ports::{MigrationState, StoreResult};
use lms_storage_sql::SqlStore;
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::Connection;

use crate::backend::Pool;
use crate::error::{classify, classify_migration};

/// The schema, embedded in the binary.
static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

/// Coalesced enrollment lookups under way at once, each on its own connection.
const FIND_CONCURRENCY: usize = 4;
/// How long a pooled connection may sit unused before it is checked on its next use.
const IDLE_BEFORE_CHECK: Duration = Duration::from_millis(250);

/// Pool settings of a [`PostgresStore`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolConfig {
    max_connections: u32,
    acquire_timeout: Duration,
}

impl Default for PoolConfig {
    /// Ten connections; an operation that cannot get a connection within 3 s fails with
    /// `StoreError::Unavailable`.
    fn default() -> Self {
        Self {
            max_connections: 10,
            acquire_timeout: Duration::from_secs(3),
        }
    }
}

impl PoolConfig {
    /// Most connections the pool opens.
    pub fn max_connections(mut self, max_connections: u32) -> Self {
        self.max_connections = max_connections.max(1);
        self
    }

    /// How long an operation waits for a connection (including connecting to an
    /// unreachable server) before failing with `StoreError::Unavailable`.
    pub fn acquire_timeout(mut self, acquire_timeout: Duration) -> Self {
        self.acquire_timeout = acquire_timeout;
        self
    }

    fn pool_options(self) -> PgPoolOptions {
        PgPoolOptions::new()
            .max_connections(self.max_connections)
            .acquire_timeout(self.acquire_timeout)
            // A connection that sat idle in the pool is checked before use, so connections
            // the server closed meanwhile (restart, failover, `pg_terminate_backend`) are
            // replaced instead of failing the next operation. Busy connections skip the
            // check: it would double the round trips of every operation under load.
            .test_before_acquire(false)
            .before_acquire(|conn, meta| {
                Box::pin(async move {
                    if meta.idle_for >= IDLE_BEFORE_CHECK {
                        conn.ping().await?;
                    }
                    Ok(true)
                })
            })
    }
}

/// Storage in PostgreSQL, implementing every storage port of `lms-core`. Concurrent
/// enrollment lookups, and concurrent enrollment updates without events, are coalesced
/// into one statement a batch. Cloning is cheap and shares the pool.
#[derive(Debug, Clone)]
pub struct PostgresStore {
    pool: PgPool,
    sql: SqlStore<Pool>,
}

lms_storage_sql::impl_sql_ports!(PostgresStore, sql);

impl PostgresStore {
    /// Connects to the database at `url` (`postgres://user:password@host:port/db?sslmode=…`)
    /// with the default [`PoolConfig`]. Fails with `StoreError::Unavailable` when the
    /// server cannot be reached within the acquire timeout.
    pub async fn connect(url: &str) -> StoreResult<Self> {
        Self::connect_with(url, PoolConfig::default()).await
    }

    /// Connects to the database at `url` with these pool settings.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn connect_with(url: &str, config: PoolConfig) -> StoreResult<Self> {
        let pool = config
            .pool_options()
            .connect_with(parse(url)?)
            .await
            .map_err(classify)?;
        Ok(Self::from_pool(pool))
    }

    /// A store that connects on first use, so it can be built while the server is down;
    /// operations fail with `StoreError::Unavailable` until it is reachable.
    pub fn connect_lazy(url: &str, config: PoolConfig) -> StoreResult<Self> {
        Ok(Self::from_pool(config.pool_options().connect_lazy_with(parse(url)?)))
    }

    /// A store over an existing pool. Its connections keep their own settings (the
    /// generic planning that [`PostgresStore::connect`] sets up is not added to them).
    pub fn from_pool(pool: PgPool) -> Self {
        Self {
            sql: SqlStore::new(Pool(pool.clone()), FIND_CONCURRENCY),
            pool,
        }
    }

    /// The underlying pool.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Applies the embedded migrations that are not applied yet, each in its own
    /// transaction together with its row in `_sqlx_migrations`.
    ///
    /// Safe to run again and from several processes at once: sqlx's migrator holds a
    /// session-level advisory lock (`pg_advisory_lock`, keyed by the database name) while it
    /// reads what is applied and applies the rest, so a concurrent `migrate()` waits, then
    /// finds nothing left to do. It runs on a connection taken out of the pool and closed
    /// afterwards, so the lock is released even when a migration fails.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn migrate(&self) -> StoreResult<()> {
        let mut conn = self.pool.acquire().await.map_err(classify)?.detach();
        let applied = MIGRATOR.run(&mut conn).await.map_err(classify_migration);
        let closed = conn.close().await.map_err(classify);
        applied.and(closed)
    }

    /// Every migration this build embeds and when the database applied it, without
    /// changing anything.
    pub async fn migration_status(&self) -> StoreResult<Vec<MigrationState>> {
        let applied: Vec<(i64, DateTime<Utc>)> =
            match sqlx::query_scalar::<_, bool>("SELECT to_regclass('_sqlx_migrations') IS NOT NULL")
                .fetch_one(&self.pool)
                .await
                .map_err(classify)?
            {
                true => sqlx::query_as("SELECT version, installed_on FROM _sqlx_migrations WHERE success")
                    .fetch_all(&self.pool)
                    .await
                    .map_err(classify)?,
                false => Vec::new(),
            };
        Ok(lms_storage_sql::migrations::migration_states(&MIGRATOR, applied))
    }

    /// Closes the pool; later operations fail with `StoreError::Unavailable`.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Parses a connection URL into the options of the store's connections.
///
/// Their statements are planned once, generically, not for each execution's values: every
/// statement of this adapter is a lookup by key or a keyset page, whose best plan does not
/// depend on the values. PostgreSQL would otherwise keep planning the coalesced statements
/// (`unnest` of arrays whose lengths vary) anew on every execution, which cost PostgreSQL
/// more CPU than running them.
///
/// They run without parallel workers: a generic plan cannot see that a range scan's
/// bounds select a few rows, estimates thousands, and on a large table gathers them with
/// a parallel worker, whose start costs milliseconds. A due-queue read of 20 card states
/// among a million went from 0.7 ms to 7 ms that way; the adapter's statements are all
/// short, and one connection's worth of CPU suits them.
fn parse(url: &str) -> StoreResult<PgConnectOptions> {
    Ok(PgConnectOptions::from_str(url).map_err(classify)?.options([
        ("plan_cache_mode", "force_generic_plan"),
        ("max_parallel_workers_per_gather", "0"),
    ]))
}
