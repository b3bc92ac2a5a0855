//! Marks the tests that need a server this run was not given as ignored, with the reason
//! (see `lms-test-services`).

fn main() {
    lms_test_services::declare(&[
        ("postgres", &["LMS_TEST_POSTGRES_URL"]),
        ("mongo", &["LMS_TEST_MONGO_URL"]),
        ("redis", &["LMS_TEST_REDIS_URL"]),
        ("smtp", &["LMS_TEST_SMTP_URL", "LMS_TEST_SMTP_SPOOL"]),
        ("nats", &["LMS_TEST_NATS_URL"]),
        ("stripe", &["LMS_TEST_STRIPE_URL", "LMS_TEST_STRIPE_REQUESTS"]),
        ("anki", &["LMS_TEST_ANKI_PYTHON"]),
    ]);
}
