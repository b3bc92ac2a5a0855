//! Rebuilds the crate when a migration is added or changed (`sqlx::migrate!` embeds the
//! `migrations` directory at compile time, and Cargo does not watch it by itself), and
//! marks the tests that need a server this run was not given as ignored, with the reason
//! (see `lms-test-services`).

fn main() {
    println!("cargo:rerun-if-changed=migrations");
    lms_test_services::declare(&[("postgres", &["LMS_TEST_POSTGRES_URL"])]);
}
