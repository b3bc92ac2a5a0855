//! The storage backends a benchmark runs against.

use std::sync::Arc;

use lms_core::memory::MemoryStore;
use lms_core::ports::Stores;
use lms_storage_mongo::MongoStore;
use lms_storage_postgres::PostgresStore;
use lms_storage_sqlite::SqliteStore;
use std::str::FromStr;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
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
    _temp_dir: Option<tempfile::TempDir>,
}

/// The in-memory adapter.
pub fn memory() -> Backend {
    Backend {
        name: "memory",
        stores: Stores::from_backend(Arc::new(MemoryStore::new())),
        seed_concurrency: 1,
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
    let options = PgConnectOptions::from_str(&admin_url)
        .expect("postgres url")
        .database("lms_bench");
    let pool = PgPoolOptions::new()
        .max_connections(16)
        .connect_with(options)
        .await
        .expect("connect lms_bench");
    let store = PostgresStore::from_pool(pool);
    store.migrate().await.expect("migrate postgres");
    Some(Backend {
        name: "postgres",
        stores: Stores::from_backend(Arc::new(store)),
        seed_concurrency: 16,
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
