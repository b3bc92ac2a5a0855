//! Sessions ended on another instance: the revocation feed refuses their access tokens
//! here within the poll interval, without this server's handlers taking part.

mod support;

use std::time::{Duration, Instant};

use lms_core::Lms;
use reqwest::{Method, StatusCode};
use support::{envelope_code, postgres_url, unique, Backend, TestApp, PASSWORD};

/// The poll interval of these servers.
const POLL: Duration = Duration::from_millis(100);

/// How long a revocation may take to reach the server before the test fails: the poll
/// interval, the poll itself and a generous allowance for a loaded test machine.
const DEADLINE: Duration = Duration::from_secs(5);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_sessions_ended_elsewhere_are_refused_within_the_poll_interval() {
    sessions_ended_elsewhere_are_refused_within_the_poll_interval(Backend::Sqlite).await;
}

#[cfg_attr(lms_skip_postgres, ignore = "LMS_TEST_POSTGRES_URL is not set")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_sessions_ended_elsewhere_are_refused_within_the_poll_interval() {
    if postgres_url().is_some() {
        sessions_ended_elsewhere_are_refused_within_the_poll_interval(Backend::Postgres).await;
    }
}

/// How many times this server called the storage operation `name` (from its metrics).
fn store_calls(app: &TestApp, name: &str) -> u64 {
    let operation = format!("operation=\"{name}\"");
    app.state
        .metrics
        .render()
        .lines()
        .filter(|line| line.starts_with("lms_store_operation_duration_seconds_count{") && line.contains(&operation))
        .filter_map(|line| line.rsplit(' ').next()?.parse::<u64>().ok())
        .sum()
}

/// Polls `GET /me` with `token` until it is refused; returns how long that took.
async fn refused_within(app: &TestApp, token: &str) -> Duration {
    let started = Instant::now();
    loop {
        let (status, body) = app.call(Method::GET, "/api/v1/me", Some(token), None).await;
        if status == StatusCode::UNAUTHORIZED {
            assert_eq!(envelope_code(&body), "UNAUTHORIZED");
            return started.elapsed();
        }
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(
            started.elapsed() < DEADLINE,
            "an ended session was still accepted after {DEADLINE:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn sessions_ended_elsewhere_are_refused_within_the_poll_interval(backend: Backend) {
    let app = TestApp::start(backend, |s| s.session_revocation_poll = POLL).await;
    // Another instance: its own services over the same database, outside this server.
    let elsewhere = Lms::with_system_clock(app.storage.stores().0);
    let email = format!("elsewhere-{}@example.com", unique());
    app.register(&email).await;
    let (logged_out, kept, other_device) = (
        app.login(&email).await,
        app.login(&email).await,
        app.login(&email).await,
    );
    let access = |tokens: &serde_json::Value| tokens["access_token"].as_str().expect("token").to_owned();
    for tokens in [&logged_out, &kept, &other_device] {
        let (status, body) = app.call(Method::GET, "/api/v1/me", Some(&access(tokens)), None).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    // Let the feed load; from then on no request asks storage about its session.
    tokio::time::sleep(POLL * 3).await;
    let session_checks = store_calls(&app, "session_active");

    elsewhere
        .auth
        .logout(logged_out["refresh_token"].as_str().expect("refresh token"))
        .await
        .expect("logout elsewhere");
    let took = refused_within(&app, &access(&logged_out)).await;
    println!("a logout elsewhere was refused here after {took:?}");
    let (status, body) = app.call(Method::GET, "/api/v1/me", Some(&access(&kept)), None).await;
    assert_eq!(status, StatusCode::OK, "other sessions go on: {body}");

    // A password change elsewhere ends every session of the user.
    let user_id = kept["user"]["id"].as_str().expect("user id").parse().expect("uuid");
    elsewhere
        .auth
        .set_password_unchecked(lms_core::ids::UserId::from_uuid(user_id), &format!("{PASSWORD}-2"))
        .await
        .expect("password change elsewhere");
    for tokens in [&kept, &other_device] {
        refused_within(&app, &access(tokens)).await;
    }
    assert_eq!(
        store_calls(&app, "session_active"),
        session_checks,
        "sessions were checked in storage per request"
    );
    assert!(store_calls(&app, "sessions_ended_since") > 0);
    app.stop().await;
}
