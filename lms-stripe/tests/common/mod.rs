//! Where the tests find their servers: `LMS_TEST_<BACKEND>_URL`, else they are skipped.

/// Comma-separated backends whose tests must not be skipped.
const REQUIRE_VAR: &str = "LMS_REQUIRE_BACKENDS";

/// The URL in `var`, or `None` after printing why `test` is skipped. Panics instead when
/// `LMS_REQUIRE_BACKENDS` names `backend`.
pub fn server_url(var: &str, backend: &str, test: &str) -> Option<String> {
    if let Some(url) = std::env::var(var).ok().filter(|url| !url.is_empty()) {
        return Some(url);
    }
    let required = std::env::var(REQUIRE_VAR).unwrap_or_default();
    if required.split(',').any(|b| b.trim() == backend) {
        panic!("{test}: {var} is not set, but {REQUIRE_VAR} requires {backend}");
    }
    println!("{test}: SKIPPED ({var} not set)");
    None
}
