//! The in-memory adapter passes the whole conformance suite, and every behaviour passes
//! alone on a fresh store.

use std::sync::Arc;

use lms_core::course_cache::CourseCacheSettings;
use lms_core::memory::MemoryStore;
use lms_core::ports::Stores;
use lms_core::testing;

fn memory() -> Stores {
    Stores::from_backend(Arc::new(MemoryStore::new()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn memory_store_passes_the_conformance_suite() {
    let report = testing::run_all(memory()).await;
    report.assert_passed();
    report.assert_complete();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_filled_memory_store_backs_up_and_restores_into_a_fresh_one() {
    let (source, fresh) = (Arc::new(MemoryStore::new()), MemoryStore::new());
    testing::run_all(Stores::from_backend(source.clone()))
        .await
        .assert_passed();
    testing::backup::check_round_trip(source.as_ref(), &fresh).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn memory_store_behind_the_course_cache_passes_the_conformance_suite() {
    let report = testing::run_all(memory().with_course_cache(CourseCacheSettings::default())).await;
    report.assert_passed();
    report.assert_complete();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_behaviour_passes_alone_on_a_fresh_store() {
    for behaviour in testing::behaviours() {
        let report = testing::run_matching(memory(), behaviour.name).await;
        report.assert_passed();
        assert_eq!(report.passed, [behaviour.name], "its name selects it alone");
    }
}
