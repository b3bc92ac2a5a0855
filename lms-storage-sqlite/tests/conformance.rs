//! The SQLite adapter passes the whole conformance suite of `lms-core`.

use std::sync::Arc;

use lms_core::ports::Stores;
use lms_core::testing;
use lms_storage_sqlite::SqliteStore;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_store_passes_the_conformance_suite() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let store = SqliteStore::open(dir.path().join("lms.db")).await.expect("open");
    store.migrate().await.expect("migrate");
    let report = testing::run_all(Stores::from_backend(Arc::new(store.clone()))).await;
    println!("lms-storage-sqlite conformance: {} behaviours run", report.total());
    report.assert_passed();
    report.assert_complete();

    let fresh = SqliteStore::open(dir.path().join("restored.db")).await.expect("open");
    fresh.migrate().await.expect("migrate");
    testing::backup::check_round_trip(&store, &fresh).await;
    store.close().await;
    fresh.close().await;
}
