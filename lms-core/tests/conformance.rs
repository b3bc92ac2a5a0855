//! The in-memory adapter passes the whole conformance suite.

use std::sync::Arc;

use lms_core::course_cache::CourseCacheSettings;
use lms_core::memory::MemoryStore;
use lms_core::ports::Stores;
use lms_core::testing;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn memory_store_passes_the_conformance_suite() {
    let report = testing::run_all(Stores::from_backend(Arc::new(MemoryStore::new()))).await;
    report.assert_passed();
    assert_eq!(report.total(), testing::behaviours().len());
    assert!(report.total() >= 60);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn memory_store_behind_the_course_cache_passes_the_conformance_suite() {
    let stores = Stores::from_backend(Arc::new(MemoryStore::new())).with_course_cache(CourseCacheSettings::default());
    let report = testing::run_all(stores).await;
    report.assert_passed();
    assert_eq!(report.total(), testing::behaviours().len());
}
