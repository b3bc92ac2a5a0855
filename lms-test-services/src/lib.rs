//! Build-script helper of the lms crates: the tests that need a server run only when the
//! server's `LMS_TEST_*` variables name one. For each service this run was not given, the
//! build sets `cfg(lms_skip_<service>)`, which the crate's tests use to mark themselves
//! ignored with the reason, so a skipped suite shows in `cargo test`'s summary instead of
//! passing without running; a cargo warning says so as well. A service listed in
//! `LMS_REQUIRE_BACKENDS` (comma separated) must be configured: the build fails without it.
//!
//! In `build.rs`:
//!
//! ```no_run
//! lms_test_services::declare(&[("postgres", &["LMS_TEST_POSTGRES_URL"])]);
//! ```
//!
//! and in a test:
//!
//! ```ignore
//! #[cfg_attr(lms_skip_postgres, ignore = "LMS_TEST_POSTGRES_URL is not set")]
//! #[tokio::test]
//! async fn runs_on_postgres() { /* … */ }
//! ```

/// The variable listing the services whose tests must not be skipped.
pub const REQUIRE_VAR: &str = "LMS_REQUIRE_BACKENDS";

/// Declares the services this crate's tests use, each with the variables it needs (all
/// set and not empty, or its tests are ignored); call it from `build.rs`.
///
/// # Panics
///
/// When `LMS_REQUIRE_BACKENDS` lists a service with a variable unset or empty: a run that
/// requires a backend fails at once instead of ignoring its tests.
pub fn declare(services: &[(&str, &[&str])]) {
    println!("cargo::rerun-if-env-changed={REQUIRE_VAR}");
    let required = std::env::var(REQUIRE_VAR).unwrap_or_default();
    for (service, vars) in services {
        println!("cargo::rustc-check-cfg=cfg(lms_skip_{service})");
        for var in *vars {
            println!("cargo::rerun-if-env-changed={var}");
        }
        let Some(missing) = vars
            .iter()
            .find(|var| std::env::var(var).map_or(true, |value| value.is_empty()))
        else {
            continue;
        };
        assert!(
            !required.split(',').any(|r| r.trim() == *service),
            "{REQUIRE_VAR} lists {service}, but {missing} is not set"
        );
        println!("cargo::rustc-cfg=lms_skip_{service}");
        println!("cargo::warning=the tests that need {service} are ignored: {missing} is not set");
    }
}
