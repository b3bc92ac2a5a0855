//! Marks the tests that need a server this run was not given as ignored, with the reason
//! (see `lms-test-services`).

fn main() {
    lms_test_services::declare(&[("stripe", &["LMS_TEST_STRIPE_URL"])]);
}
