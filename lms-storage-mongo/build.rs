//! Marks the tests that need a server this run was not given as ignored, with the reason
//! (see `lms-test-services`).

fn main() {
    lms_test_services::declare(&[("mongo", &["LMS_TEST_MONGO_URL"])]);
}
