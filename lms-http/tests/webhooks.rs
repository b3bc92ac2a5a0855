//! Webhooks end to end: endpoints managed through the API, events delivered by the relay
//! of the running server to a real HTTP receiver, signed as Standard Webhooks says,
//! retried after failures, given up on as dead letters and replayed.

mod support;

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use lms_core::domain::user::Role;
use poem::listener::TcpAcceptor;
use poem::web::Data;
use poem::{handler, EndpointExt, Request, Route, Server};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use sha2::Sha256;
use support::{envelope_code, unique, Backend, TestApp};

/// One request the receiver got.
#[derive(Debug, Clone)]
struct Received {
    id: String,
    timestamp: String,
    signature: String,
    body: Vec<u8>,
    answered: u16,
}

/// A webhook receiver on a local port: answers with the scripted statuses first, then
/// 200, and keeps every request.
#[derive(Clone, Default)]
struct Receiver {
    script: Arc<Mutex<VecDeque<u16>>>,
    received: Arc<Mutex<Vec<Received>>>,
}

#[handler]
fn receive(req: &Request, body: Vec<u8>, receiver: Data<&Receiver>) -> poem::http::StatusCode {
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let answered = receiver.script.lock().unwrap().pop_front().unwrap_or(200);
    receiver.received.lock().unwrap().push(Received {
        id: header("webhook-id"),
        timestamp: header("webhook-timestamp"),
        signature: header("webhook-signature"),
        body,
        answered,
    });
    poem::http::StatusCode::from_u16(answered).unwrap()
}

impl Receiver {
    /// Starts a receiver; returns it and its URL.
    async fn start(script: &[u16]) -> (Self, String) {
        let receiver = Self::default();
        receiver.script.lock().unwrap().extend(script);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let acceptor = TcpAcceptor::from_tokio(listener).unwrap();
        let app = Route::new().at("/hook", receive).data(receiver.clone());
        tokio::spawn(async move { Server::new_with_acceptor(acceptor).run(app).await });
        (receiver, url)
    }

    fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// The requests for one event, waiting until there are `count` of them.
    async fn requests_for(&self, event_type: &str, count: usize) -> Vec<Received> {
        for _ in 0..200 {
            let found: Vec<Received> = self
                .received()
                .into_iter()
                .filter(|r| body_of(r)["type"] == event_type)
                .collect();
            if found.len() >= count {
                return found;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "fewer than {count} {event_type} requests arrived: {:?}",
            self.received()
        );
    }
}

fn body_of(r: &Received) -> Value {
    serde_json::from_slice(&r.body).unwrap_or(Value::Null)
}

/// Whether one of the signatures in the header is `secret`'s over the request, computed
/// here independently of the server's code.
fn signed_by(r: &Received, secret: &str) -> bool {
    let key = STANDARD.decode(secret.strip_prefix("whsec_").unwrap()).unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{}.{}.", r.id, r.timestamp).as_bytes());
    mac.update(&r.body);
    let expected = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
    r.signature.split(' ').any(|s| s == expected)
}

async fn start_app() -> TestApp {
    TestApp::start(Backend::Sqlite, |s| {
        s.webhook_allow_private = true;
        s.delivery.retry_base = Duration::from_millis(50);
        s.delivery.retry_max = Duration::from_millis(200);
        s.delivery.max_attempts = 4;
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signed_events_reach_an_endpoint_after_retries() {
    let app = start_app().await;
    let (_, admin) = app.user(Role::Admin).await;
    let (receiver, url) = Receiver::start(&[500, 500, 500]).await;
    let (status, created) = app
        .call(
            Method::POST,
            "/api/v1/admin/webhooks",
            Some(&admin),
            Some(json!({"url": url, "event_types": ["user.registered"], "description": "CRM"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let secret = created["secret"].as_str().expect("secret shown once").to_owned();
    assert!(secret.starts_with("whsec_"));
    assert_eq!(created["enabled"], true);
    assert_eq!(created["event_types"], json!(["user.registered"]));
    let id = created["id"].as_str().unwrap().to_owned();

    let user_id = app.register(&format!("hooked-{}@example.com", unique())).await;
    let requests = receiver.requests_for("user.registered", 4).await;
    assert_eq!(
        requests.iter().map(|r| r.answered).collect::<Vec<_>>(),
        [500, 500, 500, 200],
        "delivered on the fourth attempt"
    );
    for r in &requests {
        let body = body_of(r);
        assert_eq!(body["id"], r.id.as_str(), "the body's id is the webhook-id");
        assert_eq!(body["data"]["user_id"], user_id.as_str());
        assert!(body["occurred_at"].is_string());
        assert!(signed_by(r, &secret), "signature verifies: {r:?}");
    }
    assert!(requests.iter().all(|r| r.id == requests[0].id), "one event, retried");

    // Every attempt is recorded.
    let path = format!("/api/v1/admin/webhooks/{id}/deliveries");
    let (status, attempts) = app.call(Method::GET, &path, Some(&admin), None).await;
    assert_eq!(status, StatusCode::OK, "{attempts}");
    let items = attempts["items"].as_array().unwrap();
    let codes: Vec<&Value> = items.iter().map(|a| &a["status_code"]).collect();
    assert_eq!(
        codes,
        [&json!(500), &json!(500), &json!(500), &json!(200)],
        "{attempts}"
    );
    assert_eq!(items[3]["delivered"], true);
    assert_eq!(items[0]["event_type"], "user.registered");

    // Reads never show the secret; a rotation shows the new one, and both sign for a while.
    let (_, shown) = app
        .call(Method::GET, &format!("/api/v1/admin/webhooks/{id}"), Some(&admin), None)
        .await;
    assert!(shown.get("secret").is_none(), "{shown}");
    let (status, rotated) = app
        .call(
            Method::POST,
            &format!("/api/v1/admin/webhooks/{id}/rotate-secret"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{rotated}");
    let new_secret = rotated["secret"].as_str().unwrap().to_owned();
    assert_ne!(new_secret, secret);
    app.register(&format!("rotated-{}@example.com", unique())).await;
    let after = receiver.requests_for("user.registered", 5).await;
    let last = after.last().unwrap();
    assert!(signed_by(last, &new_secret) && signed_by(last, &secret), "{last:?}");

    // Other types are not sent to it; a disabled endpoint gets nothing.
    let (status, patched) = app
        .call(
            Method::PATCH,
            &format!("/api/v1/admin/webhooks/{id}"),
            Some(&admin),
            Some(json!({"enabled": false})),
        )
        .await;
    assert_eq!(
        (status, &patched["enabled"]),
        (StatusCode::OK, &json!(false)),
        "{patched}"
    );
    app.register(&format!("unheard-{}@example.com", unique())).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(receiver.received().len(), 5, "nothing after disabling");

    let (status, listed) = app
        .call(Method::GET, "/api/v1/admin/webhooks", Some(&admin), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    let (status, _) = app
        .call(
            Method::DELETE,
            &format!("/api/v1/admin/webhooks/{id}"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = app
        .call(Method::GET, &format!("/api/v1/admin/webhooks/{id}"), Some(&admin), None)
        .await;
    assert_eq!(
        (status, envelope_code(&body)),
        (StatusCode::NOT_FOUND, "WEBHOOK_NOT_FOUND".into())
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endpoint_that_always_fails_makes_a_dead_letter_that_replays() {
    let app = start_app().await;
    let (_, admin) = app.user(Role::Admin).await;
    let (receiver, url) = Receiver::start(&[503, 503, 503, 503]).await;
    let (status, created) = app
        .call(
            Method::POST,
            "/api/v1/admin/webhooks",
            Some(&admin),
            Some(json!({"url": url, "event_types": ["user.registered"]})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let subscriber = format!("webhook:{}", created["id"].as_str().unwrap());
    app.register(&format!("doomed-{}@example.com", unique())).await;
    receiver.requests_for("user.registered", 4).await;
    let mut letter = Value::Null;
    for _ in 0..100 {
        let (_, letters) = app
            .call(Method::GET, "/api/v1/admin/dead-letters", Some(&admin), None)
            .await;
        if let Some(found) = letters["items"].as_array().and_then(|items| items.first()).cloned() {
            letter = found;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(letter["subscriber"], subscriber.as_str(), "{letter}");
    assert_eq!(letter["attempts"], 4);
    assert_eq!(letter["event_type"], "user.registered");
    let (status, replayed) = app
        .call(
            Method::POST,
            &format!("/api/v1/admin/dead-letters/{}/replay", letter["id"].as_str().unwrap()),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{replayed}");
    let requests = receiver.requests_for("user.registered", 5).await;
    assert_eq!(requests[4].answered, 200, "the replay is delivered");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn endpoints_are_for_admins_and_checked() {
    let app = TestApp::start(Backend::Sqlite, |_| {}).await;
    let (_, admin) = app.user(Role::Admin).await;
    let (_, learner) = app.user(Role::Student).await;
    let hook = json!({"url": "https://hooks.example.com/lms"});
    let (status, body) = app
        .call(
            Method::POST,
            "/api/v1/admin/webhooks",
            Some(&learner),
            Some(hook.clone()),
        )
        .await;
    assert_eq!(
        (status, envelope_code(&body)),
        (StatusCode::FORBIDDEN, "FORBIDDEN".into())
    );
    for (bad, field) in [
        (json!({"url": "ftp://example.com/"}), "url"),
        (json!({"url": "http://127.0.0.1:9/"}), "url"),
        (json!({"url": "http://169.254.169.254/latest"}), "url"),
        (
            json!({"url": "https://example.com/", "event_types": ["nope"]}),
            "event_types",
        ),
    ] {
        let (status, body) = app
            .call(Method::POST, "/api/v1/admin/webhooks", Some(&admin), Some(bad.clone()))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {body}");
        assert_eq!(envelope_code(&body), "VALIDATION_ERROR");
        assert!(body.to_string().contains(field), "{body}");
    }
    let (status, created) = app
        .call(Method::POST, "/api/v1/admin/webhooks", Some(&admin), Some(hook))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["event_types"], json!([]), "empty means every type");
    app.stop().await;
}
