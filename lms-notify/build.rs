//! Marks the tests that need a server this run was not given as ignored, with the reason
//! (see `lms-test-services`).

fn main() {
    lms_test_services::declare(&[
        (
            "smtp",
            &[
                "LMS_TEST_SMTP_URL",
                "LMS_TEST_SMTP_SPOOL",
                "LMS_TEST_SMTP_TLS_URL",
                "LMS_TEST_SMTP_CA_FILE",
            ],
        ),
        ("nats", &["LMS_TEST_NATS_URL"]),
    ]);
}
