//! The Postgres adapter passes the whole conformance suite of `lms-core`, on a fresh
//! database that is dropped afterwards.

mod common;

use std::sync::Arc;

use lms_core::ports::Stores;
use lms_core::testing;
use lms_storage_postgres::PostgresStore;

#[cfg_attr(lms_skip_postgres, ignore = "LMS_TEST_POSTGRES_URL is not set")]
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_store_passes_the_conformance_suite() {
    let Some(server) = common::server_url("lms-storage-postgres conformance") else {
        return;
    };
    let db = common::TestDatabase::create(&server).await;
    let store = PostgresStore::connect(&db.url).await.expect("connect");
    store.migrate().await.expect("migrate");
    let report = testing::run_all(Stores::from_backend(Arc::new(store.clone()))).await;
    println!("lms-storage-postgres conformance: {} behaviours run", report.total());
    report.assert_passed();
    report.assert_complete();

    let restored = common::TestDatabase::create(&server).await;
    let fresh = PostgresStore::connect(&restored.url).await.expect("connect");
    fresh.migrate().await.expect("migrate");
    testing::backup::check_round_trip(&store, &fresh).await;
    store.close().await;
    fresh.close().await;
}
