//! Marks the tests that need a server this run was not given as ignored, with the reason
//! (see `lms-test-services`).

fn main() {
    lms_test_services::declare(&[("anki", &["LMS_TEST_ANKI_PYTHON"])]);
}
