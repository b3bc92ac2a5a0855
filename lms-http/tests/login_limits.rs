//! Login limits that fit a school (S4) and the security alerts they raise (S11): a
//! classroom behind one address logs in, while failed logins lock the account they
//! guess at, from one address and then from everywhere.

mod support;

use std::collections::HashMap;
use std::time::Duration;

use lms_core::domain::events::{EventPayload, SecuritySignal};
use lms_core::ids::UserId;
use lms_core::services::NewUser;
use lms_http::ratelimit::RateLimiter;
use lms_http::Settings;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use support::{envelope_code, redis_url, unique, Backend, TestApp, PASSWORD};

/// The failed-login window of the default settings, in seconds.
const FAILURE_WINDOW_SECONDS: u64 = 15 * 60;

/// The default settings' rate limits, which the test support raises out of the way.
fn default_limits(settings: &mut Settings) {
    settings.rate_limits = Settings::from_vars(HashMap::new())
        .expect("default settings")
        .rate_limits;
}

/// Waits, when needed, until `needed` seconds are left in the current minute (and so in
/// the current failed-login window, which ends on a minute), so that no budget starts
/// again halfway through a test.
async fn fresh_window(needed: u64) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after the epoch")
        .as_secs();
    let left = 60 - now % 60;
    if left < needed {
        tokio::time::sleep(Duration::from_secs(left + 1)).await;
    }
}

/// Registers a learner through the core (no request is counted); returns email and id.
async fn learner(app: &TestApp) -> (String, UserId) {
    let email = format!("learner-{}@example.com", unique());
    let user = app
        .state
        .lms
        .auth
        .register(
            NewUser {
                email: email.clone(),
                display_name: "Learner".into(),
            },
            PASSWORD,
        )
        .await
        .expect("register");
    (email, user.id)
}

/// A login from `address` (through the trusted proxy of [`behind_proxy`]) or from the
/// test's own address.
async fn login(app: &TestApp, email: &str, password: &str, address: Option<&str>) -> reqwest::Response {
    let mut request = app
        .request(Method::POST, "/api/v1/auth/login", None)
        .json(&json!({"email": email, "password": password}));
    if let Some(address) = address {
        request = request.header("x-forwarded-for", address);
    }
    request.send().await.expect("login request")
}

/// Trusts the test's loopback peer as a proxy, so `X-Forwarded-For` names the client.
fn behind_proxy(settings: &mut Settings) {
    settings.trusted_proxies = vec!["127.0.0.1/32".parse().expect("network")];
}

/// Checks a 429 for a failed-login budget: the envelope, and `Retry-After` within the
/// window; returns the budget's limit.
async fn assert_locked(resp: reqwest::Response) -> u32 {
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = resp.headers()["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    assert!((1..=FAILURE_WINDOW_SECONDS).contains(&retry), "Retry-After {retry}");
    let limit = resp.headers()["ratelimit-limit"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("number");
    let body: Value = resp.json().await.expect("JSON");
    assert_eq!(envelope_code(&body), "RATE_LIMITED");
    assert_eq!(body["error"]["details"]["retry_after_seconds"], retry, "{body}");
    limit
}

/// A raised security alert.
#[derive(Debug, PartialEq, Eq)]
struct Alert {
    user_id: Option<UserId>,
    client_address: Option<String>,
    count: u32,
}

/// The alerts of `signal` in the outbox of `app`.
async fn alerts(app: &TestApp, signal: SecuritySignal) -> Vec<Alert> {
    let (stores, _) = app.storage.stores();
    let messages = stores.outbox.events_after(0, 10_000).await.expect("outbox");
    messages
        .into_iter()
        .filter_map(|message| match message.event.payload {
            EventPayload::SecurityAlert {
                signal: raised,
                user_id,
                client_address,
                count,
            } if raised == signal => Some(Alert {
                user_id,
                client_address,
                count,
            }),
            _ => None,
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_classroom_behind_one_address_logs_in_within_a_minute() {
    let app = TestApp::start(Backend::Sqlite, default_limits).await;
    let mut class = Vec::new();
    for _ in 0..40 {
        class.push(learner(&app).await.0);
    }
    fresh_window(45).await;
    let logins = class.iter().map(|email| login(&app, email, PASSWORD, None));
    for resp in futures::future::join_all(logins).await {
        assert_eq!(resp.status(), StatusCode::OK, "every learner of the class logs in");
    }
    assert!(alerts(&app, SecuritySignal::LoginBurst).await.is_empty());
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_passwords_lock_the_account_before_its_password_is_checked() {
    let app = TestApp::start(Backend::Sqlite, default_limits).await;
    let (victim, victim_id) = learner(&app).await;
    let (classmate, _) = learner(&app).await;
    fresh_window(40).await;
    let mut statuses = Vec::new();
    for _ in 0..20 {
        let resp = login(&app, &victim, "not-the-password-1", None).await;
        statuses.push(resp.status());
        if resp.status() == StatusCode::TOO_MANY_REQUESTS {
            assert_eq!(assert_locked(resp).await, 5, "the account's budget from this address");
        }
    }
    let failed = statuses.iter().filter(|s| **s == StatusCode::UNAUTHORIZED).count();
    assert_eq!(failed, 5, "{statuses:?}");
    assert!(
        statuses[5..].iter().all(|s| *s == StatusCode::TOO_MANY_REQUESTS),
        "{statuses:?}"
    );
    assert_locked(login(&app, &victim, PASSWORD, None).await).await;
    let resp = login(&app, &classmate, PASSWORD, None).await;
    assert_eq!(
        resp.status(),
        StatusCode::OK,
        "another account from the address logs in"
    );
    assert_eq!(
        alerts(&app, SecuritySignal::RepeatedLoginFailures).await,
        [Alert {
            user_id: Some(victim_id),
            client_address: Some("127.0.0.1".into()),
            count: 5,
        }],
        "one alert for the burst"
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_successful_login_resets_no_failure_budget() {
    let app = TestApp::start(Backend::Sqlite, default_limits).await;
    let (email, _) = learner(&app).await;
    fresh_window(30).await;
    for _ in 0..4 {
        let resp = login(&app, &email, "not-the-password-1", None).await;
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    }
    assert_eq!(login(&app, &email, PASSWORD, None).await.status(), StatusCode::OK);
    let resp = login(&app, &email, "not-the-password-1", None).await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED, "the fifth failure");
    assert_locked(login(&app, &email, PASSWORD, None).await).await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_from_several_addresses_lock_the_account_everywhere() {
    let app = TestApp::start(Backend::Sqlite, |s| {
        default_limits(s);
        behind_proxy(s);
    })
    .await;
    let (email, user_id) = learner(&app).await;
    fresh_window(30).await;
    // Spellings of one email share its budgets. The first address uses up its own
    // budget of the account; the second, the account's.
    let attempts = [
        ("198.51.100.1", email.to_uppercase(), 5),
        ("198.51.100.2", format!("  {email} "), 10),
    ];
    for (address, spelling, locked_by) in attempts {
        for _ in 0..5 {
            let resp = login(&app, &spelling, "not-the-password-1", Some(address)).await;
            assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
        }
        let resp = login(&app, &email, "not-the-password-1", Some(address)).await;
        assert_eq!(assert_locked(resp).await, locked_by);
    }
    let resp = login(&app, &email, PASSWORD, Some("203.0.113.7")).await;
    assert_eq!(assert_locked(resp).await, 10, "the account's own budget is used up");
    let raised = alerts(&app, SecuritySignal::RepeatedLoginFailures).await;
    assert_eq!(
        raised,
        [
            Alert {
                user_id: Some(user_id),
                client_address: Some("198.51.100.1".into()),
                count: 5,
            },
            Alert {
                user_id: Some(user_id),
                client_address: Some("198.51.100.2".into()),
                count: 10,
            },
        ],
        "one alert per budget used up"
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_address_that_uses_up_its_login_budget_raises_one_login_burst_alert() {
    let app = TestApp::start(Backend::Sqlite, |s| {
        default_limits(s);
        s.rate_limits.login_per_minute = 3;
    })
    .await;
    fresh_window(20).await;
    let mut statuses = Vec::new();
    for _ in 0..5 {
        // Unknown accounts, each once: only the address's budget is at stake.
        let email = format!("nobody-{}@example.com", unique());
        statuses.push(login(&app, &email, "not-the-password-1", None).await.status());
    }
    assert_eq!(
        statuses,
        [
            StatusCode::UNAUTHORIZED,
            StatusCode::UNAUTHORIZED,
            StatusCode::UNAUTHORIZED,
            StatusCode::TOO_MANY_REQUESTS,
            StatusCode::TOO_MANY_REQUESTS,
        ]
    );
    assert_eq!(
        alerts(&app, SecuritySignal::LoginBurst).await,
        [Alert {
            user_id: None,
            client_address: Some("127.0.0.1".into()),
            count: 3,
        }]
    );
    assert!(alerts(&app, SecuritySignal::RepeatedLoginFailures).await.is_empty());
    app.stop().await;
}

#[cfg_attr(lms_skip_redis, ignore = "LMS_TEST_REDIS_URL is not set")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failure_budgets_are_shared_by_instances_through_redis() {
    let Some(url) = redis_url() else { return };
    let prefix = format!("lms:test:{}", unique());
    let limiter = RateLimiter::redis(&url).await.expect("redis").with_prefix(&prefix);
    let a = TestApp::start_with(Backend::Sqlite, default_limits, limiter.clone()).await;
    let b = TestApp::start_with(Backend::Sqlite, default_limits, limiter).await;
    // The same account on both instances' databases.
    let email = format!("shared-{}@example.com", unique());
    for app in [&a, &b] {
        let user = NewUser {
            email: email.clone(),
            display_name: "Learner".into(),
        };
        app.state.lms.auth.register(user, PASSWORD).await.expect("register");
    }
    fresh_window(30).await;
    for app in [&a, &b, &a, &b, &a] {
        let resp = login(app, &email, "not-the-password-1", None).await;
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    }
    for app in [&a, &b] {
        assert_eq!(assert_locked(login(app, &email, PASSWORD, None).await).await, 5);
    }
    let raised = alerts(&a, SecuritySignal::RepeatedLoginFailures).await.len()
        + alerts(&b, SecuritySignal::RepeatedLoginFailures).await.len();
    assert_eq!(raised, 1, "the instance that counted the fifth failure raised it");
    a.stop().await;
    b.stop().await;
}
