//! Mail and NATS end to end: the running server's relay mails a welcome to a new account
//! through a real SMTP server and publishes its events to a real NATS server, and
//! password reset works by a mailed, single-use token.

mod support;

use std::path::Path;
use std::time::Duration;

use async_nats::header::NATS_MESSAGE_ID;
use futures::StreamExt;
use lms_http::settings::MailConfig;
use lms_http::Secret;
use mail_parser::MessageParser;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use support::{envelope_code, unique, Backend, TestApp};

const NEW_PASSWORD: &str = "quiet-otter-lantern-meadow-17";

/// One received message, decoded.
#[derive(Debug)]
struct Received {
    subject: String,
    text: String,
}

/// The messages the SMTP server received for `to`, waiting until there are `count`.
async fn mail_to(spool: &Path, to: &str, count: usize) -> Vec<Received> {
    for _ in 0..200 {
        let mut found = Vec::new();
        for entry in std::fs::read_dir(spool).expect("spool directory") {
            let path = entry.expect("spool entry").path();
            if path.extension().is_none_or(|ext| ext != "eml") {
                continue;
            }
            let raw = std::fs::read(&path).expect("spooled message");
            let Some(message) = MessageParser::default().parse(&raw) else {
                continue;
            };
            let recipient = message.to().and_then(|a| a.first()).and_then(|a| a.address());
            if recipient == Some(to) {
                found.push(Received {
                    subject: message.subject().unwrap_or_default().to_owned(),
                    text: message.body_text(0).unwrap_or_default().into_owned(),
                });
            }
        }
        if found.len() >= count {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("fewer than {count} messages to {to} arrived");
}

async fn start_with_mail(url: &str) -> TestApp {
    let url = url.to_owned();
    TestApp::start(Backend::Sqlite, move |s| {
        s.mail = Some(MailConfig {
            smtp_url: Secret::new(url),
            from: "LMS Tests <no-reply@lms.tests.example>".into(),
            public_url: None,
            ca_file: None,
        });
    })
    .await
}

fn reset_token(mail: &Received) -> String {
    mail.text
        .lines()
        .find_map(|l| l.trim().strip_prefix("Your reset code is "))
        .unwrap_or_else(|| panic!("no token in {}", mail.text))
        .to_owned()
}

#[cfg_attr(lms_skip_smtp, ignore = "LMS_TEST_SMTP_URL is not set")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_account_is_welcomed_and_resets_its_password_by_mail() {
    let Some((url, spool)) = support::smtp() else {
        return;
    };
    let app = start_with_mail(&url).await;
    let email = format!("mail-{}@example.com", unique());
    app.register(&email).await;
    let welcome = mail_to(&spool, &email, 1).await;
    assert_eq!(welcome[0].subject, "Welcome to LMS");
    assert!(welcome[0].text.contains(&email), "{}", welcome[0].text);

    let session = app.login(&email).await;
    let unknown = format!("nobody-{}@example.com", unique());
    for address in [&unknown, &email] {
        let (status, body) = app
            .call(
                Method::POST,
                "/api/v1/auth/password-reset",
                None,
                Some(json!({ "email": address })),
            )
            .await;
        assert_eq!(status, StatusCode::ACCEPTED, "the same answer for {address}: {body}");
    }
    let mails = mail_to(&spool, &email, 2).await;
    let reset = mails
        .iter()
        .find(|m| m.subject == "Reset your LMS password")
        .expect("the reset mail");
    let token = reset_token(reset);
    assert!(
        mail_to_none(&spool, &unknown),
        "an address without an account gets nothing"
    );

    let confirm = |token: String, password: &str| {
        let body = json!({ "token": token, "new_password": password });
        app.call(Method::POST, "/api/v1/auth/password-reset/confirm", None, Some(body))
    };
    let (status, body) = confirm("not-the-token".into(), NEW_PASSWORD).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["details"]["fields"][0]["field"], "token", "{body}");
    let (status, body) = confirm(token.clone(), "password").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body["error"]["details"]["fields"][0]["field"]
            .as_str()
            .is_some_and(|f| f.starts_with("new_password")),
        "{body}"
    );
    let (status, body) = confirm(token.clone(), NEW_PASSWORD).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");

    let (status, _) = app
        .call(
            Method::POST,
            "/api/v1/auth/refresh",
            None,
            Some(json!({ "refresh_token": session["refresh_token"] })),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "the reset ended every session");
    let (status, _) = app
        .call(
            Method::GET,
            "/api/v1/me",
            session["access_token"].as_str(),
            None::<Value>,
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "its access tokens stop working");
    let (status, _) = app
        .call(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({ "email": email, "password": NEW_PASSWORD })),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = confirm(token, "another-fine-password-99").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "the token works once");

    let (status, body) = app
        .call(
            Method::POST,
            "/api/v1/auth/password-reset",
            None,
            Some(json!({ "email": "not an address" })),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["details"]["fields"][0]["field"], "email", "{body}");
    app.stop().await;
}

/// Whether no message to `to` has arrived (checked after the others did).
fn mail_to_none(spool: &Path, to: &str) -> bool {
    std::fs::read_dir(spool).expect("spool directory").all(|entry| {
        let raw = std::fs::read(entry.expect("spool entry").path()).unwrap_or_default();
        !String::from_utf8_lossy(&raw).contains(to)
    })
}

#[tokio::test]
async fn password_reset_without_mail_is_unavailable() {
    let app = TestApp::start(Backend::Sqlite, |_| {}).await;
    let (status, body) = app
        .call(
            Method::POST,
            "/api/v1/auth/password-reset",
            None,
            Some(json!({ "email": "ada@example.com" })),
        )
        .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(envelope_code(&body), "MAIL_NOT_CONFIGURED");
    app.stop().await;
}

#[cfg_attr(lms_skip_nats, ignore = "LMS_TEST_NATS_URL is not set")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_are_published_to_nats_with_their_id() {
    let Some(url) = support::nats_url() else {
        return;
    };
    let client = async_nats::connect(&url).await.expect("connect to NATS");
    let mut messages = client.subscribe("lms.events.user.registered").await.expect("subscribe");
    client.flush().await.expect("the subscription is registered");
    let nats = url.clone();
    let app = TestApp::start(Backend::Sqlite, move |s| s.nats_url = Some(Secret::new(nats))).await;
    let user_id = app.register(&format!("nats-{}@example.com", unique())).await;
    let message = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            // Other runs may publish on the same server: wait for this user's event.
            let message = messages.next().await.expect("the subscription is open");
            let body: Value = serde_json::from_slice(&message.payload).expect("a JSON body");
            if body["data"]["user_id"] == user_id {
                return (message, body);
            }
        }
    })
    .await
    .expect("the event arrives");
    let (message, body) = message;
    assert_eq!(body["type"], "user.registered");
    let id = message
        .headers
        .as_ref()
        .and_then(|h| h.get(NATS_MESSAGE_ID))
        .map(|v| v.to_string());
    assert_eq!(id.as_deref(), body["id"].as_str(), "Nats-Msg-Id is the event id");
    app.stop().await;
}
