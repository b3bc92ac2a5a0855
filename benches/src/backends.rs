//! The storage backends a benchmark runs against.

use std::sync::Arc;

use lms_core::memory::MemoryStore;
use lms_core::ports::Stores;
use lms_storage_mongo::MongoStore;
use lms_storage_postgres::{PoolConfig, PostgresStore};
use lms_storage_sqlite::SqliteStore;

use sqlx::Connection;

/// A backend ready for use, with whatever it needs kept alive.
#[derive(Debug)]
pub struct Backend {
    /// Short name for reports (`memory`, `sqlite`, `postgres`, `mongo`).
    pub name: &'static str,
    /// The stores.
    pub stores: Stores,
    /// How many seeding writes to keep in flight.
    pub seed_concurrency: usize,
    /// The PostgreSQL pool, for maintenance between seeding and measuring.
    postgres: Option<sqlx::PgPool>,
    _temp_dir: Option<tempfile::TempDir>,
}

impl Backend {
    /// Brings the database to the state a running deployment keeps it in after a bulk
    /// seed: on PostgreSQL, `VACUUM ANALYZE` (what autovacuum would do a little later;
    /// otherwise it runs during the measurement, index-only scans fetch every heap row
    /// because the visibility map is unset, and plans rest on no statistics). Nothing on
    /// the other backends.
    pub async fn settle(&self) {
        if let Some(pool) = &self.postgres {
            sqlx::query("VACUUM ANALYZE")
                .execute(pool)
                .await
                .expect("vacuum analyze");
        }
    }
}

/// The in-memory adapter.
pub fn memory() -> Backend {
    Backend {
        name: "memory",
        stores: Stores::from_backend(Arc::new(MemoryStore::new())),
        seed_concurrency: 1,
        postgres: None,
        _temp_dir: None,
    }
}

/// SQLite in a fresh temporary file.
pub async fn sqlite() -> Backend {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = SqliteStore::open(dir.path().join("bench.db"))
        .await
        .expect("open sqlite");
    store.migrate().await.expect("migrate sqlite");
    Backend {
        name: "sqlite",
        stores: Stores::from_backend(Arc::new(store)),
        seed_concurrency: 8,
        postgres: None,
        _temp_dir: Some(dir),
    }
}

/// Postgres in a freshly created database `lms_bench` on the server named by
/// `LMS_BENCH_POSTGRES_URL` or `LMS_TEST_POSTGRES_URL`; `None` when neither is set.
pub async fn postgres() -> Option<Backend> {
    let admin_url = std::env::var("LMS_BENCH_POSTGRES_URL")
        .or_else(|_| std::env::var("LMS_TEST_POSTGRES_URL"))
        .ok()?;
    let mut admin = sqlx::PgConnection::connect(&admin_url)
        .await
        .expect("connect to postgres");
    for statement in [
        "DROP DATABASE IF EXISTS lms_bench WITH (FORCE)",
        "CREATE DATABASE lms_bench",
    ] {
        sqlx::query(statement)
            .execute(&mut admin)
            .await
            .expect("recreate lms_bench");
    }
    // The store the server builds (the same pool settings: idle connections checked,
    // busy ones not), on the fresh database.
    let mut url = url::Url::parse(&admin_url).expect("postgres url");
    url.set_path("lms_bench");
    let store = PostgresStore::connect_with(url.as_str(), PoolConfig::default().max_connections(16))
        .await
        .expect("connect lms_bench");
    let pool = store.pool().clone();
    store.migrate().await.expect("migrate postgres");
    Some(Backend {
        name: "postgres",
        stores: Stores::from_backend(Arc::new(store)),
        seed_concurrency: 16,
        postgres: Some(pool),
        _temp_dir: None,
    })
}

/// MongoDB in a fresh database `lms_bench` (dropped first) on the deployment named by
/// `LMS_BENCH_MONGO_URL` or `LMS_TEST_MONGO_URL`; `None` when neither is set. The
/// deployment must be a replica set, as for any use of the adapter.
pub async fn mongo() -> Option<Backend> {
    let url = std::env::var("LMS_BENCH_MONGO_URL")
        .or_else(|_| std::env::var("LMS_TEST_MONGO_URL"))
        .ok()?;
    let store = MongoStore::connect(&mongo_url_with_database(&url, "lms_bench"))
        .await
        .expect("connect to mongo");
    store.database().drop().await.expect("drop lms_bench");
    store.migrate().await.expect("migrate mongo");
    Some(Backend {
        name: "mongo",
        stores: Stores::from_backend(Arc::new(store)),
        seed_concurrency: 16,
        postgres: None,
        _temp_dir: None,
    })
}

/// A MongoDB URL with its database (the path) replaced by `name`, options kept.
fn mongo_url_with_database(url: &str, name: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let hosts_start = base.find("://").map_or(0, |i| i + 3);
    let hosts_end = base[hosts_start..].find('/').map_or(base.len(), |i| hosts_start + i);
    match query {
        Some(query) => format!("{}/{name}?{query}", &base[..hosts_end]),
        None => format!("{}/{name}", &base[..hosts_end]),
    }
}

/// Whether `LMS_BENCH_BACKENDS` (comma-separated; all when unset) selects `name`.
pub fn selected(name: &str) -> bool {
    std::env::var("LMS_BENCH_BACKENDS").map_or(true, |list| list.split(',').any(|b| b.trim() == name))
}

/// The backends `LMS_BENCH_BACKENDS` selects, created one after another in the order
/// memory, SQLite, PostgreSQL, MongoDB; `run` is given each. Server backends without a
/// configured URL are skipped with a note.
pub fn for_each_selected(rt: &tokio::runtime::Runtime, mut run: impl FnMut(Backend)) {
    if selected("memory") {
        run(memory());
    }
    if selected("sqlite") {
        run(rt.block_on(sqlite()));
    }
    if selected("postgres") {
        match rt.block_on(postgres()) {
            Some(postgres) => run(postgres),
            None => eprintln!("postgres: skipped (set LMS_BENCH_POSTGRES_URL or LMS_TEST_POSTGRES_URL)"),
        }
    }
    if selected("mongo") {
        match rt.block_on(mongo()) {
            Some(mongo) => run(mongo),
            None => eprintln!("mongo: skipped (set LMS_BENCH_MONGO_URL or LMS_TEST_MONGO_URL)"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::mongo_url_with_database;

    #[test]
    fn mongo_urls_get_the_bench_database() {
        assert_eq!(
            mongo_url_with_database("mongodb://127.0.0.1:27018/", "lms_bench"),
            "mongodb://127.0.0.1:27018/lms_bench"
        );
        assert_eq!(
            mongo_url_with_database("mongodb://h/db?replicaSet=rs0", "lms_bench"),
            "mongodb://h/lms_bench?replicaSet=rs0"
        );
    }
}
