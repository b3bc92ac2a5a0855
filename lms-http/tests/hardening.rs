//! The server's defences against hostile clients, through real sockets: stalled bodies
//! and headers, connection caps, protocol errors in the envelope, bounded bodies, the
//! operations endpoints, rights that follow the account, and the signing keys.

mod support;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use lms_core::domain::user::Role;
use lms_http::settings::Environment;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use support::{envelope_code, unique, Backend, TestApp};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn addr(app: &TestApp) -> SocketAddr {
    app.base.trim_start_matches("http://").parse().expect("server address")
}

/// Reads until the server closes the connection (or `limit` passes); returns what it
/// sent and how long that took.
async fn read_until_closed(stream: &mut TcpStream, limit: Duration) -> (String, Duration) {
    let started = Instant::now();
    let mut received = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout(limit.saturating_sub(started.elapsed()), stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => break,
            Ok(Ok(n)) => received.extend_from_slice(&buf[..n]),
            Err(_) => panic!("the server kept the connection open for {limit:?}"),
        }
    }
    (String::from_utf8_lossy(&received).into_owned(), started.elapsed())
}

/// The JSON body of a raw HTTP/1.1 response.
fn raw_body(response: &str) -> Value {
    let (_, body) = response.split_once("\r\n\r\n").expect("a complete response");
    serde_json::from_str(body).unwrap_or_else(|_| panic!("non-JSON body: {response}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_body_holds_no_slot_and_gets_408_within_its_timeout() {
    let app = TestApp::start(Backend::Sqlite, |s| {
        s.max_in_flight_requests = 1;
        s.body_read_timeout = Duration::from_secs(1);
    })
    .await;
    let mut stalled = Vec::new();
    for _ in 0..5 {
        let mut stream = TcpStream::connect(addr(&app)).await.unwrap();
        stream
            .write_all(b"POST /api/v1/auth/login HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{")
            .await
            .unwrap();
        stalled.push(stream);
    }
    // One slot, five stalled bodies: a normal request is still served at once.
    let started = Instant::now();
    let (status, _) = app.call(Method::GET, "/api/v1/courses", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        started.elapsed() < Duration::from_millis(900),
        "{:?}",
        started.elapsed()
    );
    for mut stream in stalled {
        let (response, took) = read_until_closed(&mut stream, Duration::from_secs(5)).await;
        assert!(response.starts_with("HTTP/1.1 408 "), "{response}");
        assert_eq!(envelope_code(&raw_body(&response)), "REQUEST_TIMEOUT");
        assert!(took < Duration::from_secs(3), "closed after {took:?}");
    }
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stalled_headers_are_closed_after_the_header_timeout_and_idle_ones_after_keep_alive() {
    let app = TestApp::start(Backend::Sqlite, |s| {
        s.header_read_timeout = Duration::from_secs(1);
        s.keep_alive_idle = Duration::from_secs(3);
    })
    .await;
    let mut trickling = TcpStream::connect(addr(&app)).await.unwrap();
    let mut idle = TcpStream::connect(addr(&app)).await.unwrap();
    let started = Instant::now();
    let trickle = async {
        for byte in b"GET /api/v1/courses HTTP/1.1\r\nhost: x\r\n".iter() {
            if trickling.write_all(&[*byte]).await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(3), trickle).await.ok();
    let (_, _) = read_until_closed(&mut trickling, Duration::from_secs(3)).await;
    let trickle_closed = started.elapsed();
    assert!(
        trickle_closed < Duration::from_millis(2500),
        "a request trickling its headers lived {trickle_closed:?}"
    );
    let (_, _) = read_until_closed(&mut idle, Duration::from_secs(6)).await;
    let idle_closed = started.elapsed();
    assert!(
        idle_closed >= Duration::from_millis(2900),
        "an idle connection is not cut by the header timeout: closed after {idle_closed:?}"
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_address_holds_only_its_share_of_connections() {
    let app = TestApp::start(Backend::Sqlite, |s| s.max_connections_per_address = 3).await;
    let mut held = Vec::new();
    for _ in 0..3 {
        let mut stream = TcpStream::connect(addr(&app)).await.unwrap();
        stream
            .write_all(b"GET /health HTTP/1.1\r\nhost: x\r\n\r\n")
            .await
            .unwrap();
        let mut buf = [0u8; 1024];
        assert!(stream.read(&mut buf).await.unwrap() > 0, "admitted and answered");
        held.push(stream);
    }
    let mut refused = TcpStream::connect(addr(&app)).await.unwrap();
    let _ = refused.write_all(b"GET /health HTTP/1.1\r\nhost: x\r\n\r\n").await;
    let (response, _) = read_until_closed(&mut refused, Duration::from_secs(2)).await;
    assert_eq!(response, "", "the fourth connection is closed unanswered");
    held.pop();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let (status, _) = app.call(Method::GET, "/health", None, None).await;
    assert_eq!(status, StatusCode::OK, "a closed connection frees its place");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn protocol_errors_come_in_the_envelope() {
    let app = TestApp::start(Backend::Sqlite, |_| {}).await;
    let many_headers: String = (0..150).map(|i| format!("x-h{i}: v\r\n")).collect();
    let huge_header = format!("x-big: {}\r\n", "a".repeat(70_000));
    for (request, status, code) in [
        (
            format!("GET /health HTTP/1.1\r\nhost: x\r\n{many_headers}\r\n"),
            431,
            "HEADERS_TOO_LARGE",
        ),
        (
            format!("GET /health HTTP/1.1\r\nhost: x\r\n{huge_header}\r\n"),
            431,
            "HEADERS_TOO_LARGE",
        ),
        ("GARBAGE\r\n\r\n".to_owned(), 400, "BAD_REQUEST"),
    ] {
        let mut stream = TcpStream::connect(addr(&app)).await.unwrap();
        let _ = stream.write_all(request.as_bytes()).await;
        let (response, _) = read_until_closed(&mut stream, Duration::from_secs(5)).await;
        assert!(response.starts_with(&format!("HTTP/1.1 {status} ")), "{response}");
        assert_eq!(envelope_code(&raw_body(&response)), code);
    }
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_are_bounded_per_route_and_undeclared_fields_refused() {
    let app = TestApp::start(Backend::Sqlite, |_| {}).await;
    let (_, instructor) = app.user(Role::Instructor).await;
    let undeclared: serde_json::Map<String, Value> = (0..10_000).map(|i| (format!("field{i}"), json!(i))).collect();
    let (status, body) = app
        .call(
            Method::POST,
            "/api/v1/auth/register",
            None,
            Some(Value::Object(undeclared)),
        )
        .await;
    assert_eq!(
        (status, envelope_code(&body).as_str()),
        (StatusCode::PAYLOAD_TOO_LARGE, "PAYLOAD_TOO_LARGE")
    );
    let (status, body) = app
        .call(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"email": "a@example.com", "password": "x", "role": "admin"})),
        )
        .await;
    assert_eq!(
        (status, envelope_code(&body).as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, "VALIDATION_ERROR")
    );
    assert_eq!(body["error"]["details"]["fields"][0]["field"], "role", "{body}");
    // Course content may be larger than the default bound: 90 KB of text, refused by
    // the core for its length (20,000 characters), not by the gateway for its size.
    let description = "語".repeat(30_000);
    let (status, body) = app
        .call(
            Method::POST,
            "/api/v1/courses",
            Some(&instructor),
            Some(json!({"title": "Long", "description": description, "category": "c", "difficulty": "beginner"})),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validated, not refused for size: {body}"
    );
    assert!(body.to_string().contains("description"), "{body}");
    let (status, body) = app
        .call(
            Method::POST,
            "/api/v1/courses",
            Some(&instructor),
            Some(json!({"title": "Sneaky\u{202E}txt.exe", "description": "d", "category": "c", "difficulty": "beginner"})),
        )
        .await;
    assert_eq!(
        (status, envelope_code(&body).as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, "VALIDATION_ERROR")
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cors_answers_vary_by_origin() {
    let app = TestApp::start(Backend::Sqlite, |s| {
        s.allowed_origins = vec!["https://app.example.org".into()]
    })
    .await;
    let resp = app
        .request(Method::GET, "/api/v1/courses", None)
        .header("origin", "https://app.example.org")
        .send()
        .await
        .unwrap();
    let vary: Vec<String> = resp
        .headers()
        .get_all("vary")
        .iter()
        .map(|v| v.to_str().unwrap().to_ascii_lowercase())
        .collect();
    assert!(
        vary.iter().any(|v| v.split(',').any(|t| t.trim() == "origin")),
        "{vary:?}"
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outside_development_metrics_and_details_need_the_operations_token() {
    let app = TestApp::start(Backend::Sqlite, |s| {
        s.environment = Environment::Staging;
        s.ops_token = Some(lms_http::Secret::new("ops-token-of-this-test"));
    })
    .await;
    for path in ["/metrics", "/health/detailed"] {
        let (status, body) = app.call(Method::GET, path, None, None).await;
        assert_eq!(
            (status, envelope_code(&body).as_str()),
            (StatusCode::UNAUTHORIZED, "UNAUTHORIZED")
        );
        let (status, _) = app.call(Method::GET, path, Some("a-wrong-token"), None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let resp = app
            .request(Method::GET, path, Some("ops-token-of-this-test"))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK, "{path}");
    }
    for probe in ["/health", "/health/live", "/health/ready"] {
        let (status, _) = app.call(Method::GET, probe, None, None).await;
        assert_eq!(status, StatusCode::OK, "{probe} stays open");
    }
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_operations_address_serves_health_and_metrics_only() {
    let ops: SocketAddr = {
        let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        free.local_addr().unwrap()
    };
    let app = TestApp::start(Backend::Sqlite, |s| {
        s.environment = Environment::Production;
        s.ops_bind = Some(ops);
    })
    .await;
    let (status, _) = app.call(Method::GET, "/metrics", None, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "not on the public address");
    let client = reqwest::Client::new();
    for (path, expected) in [("/metrics", 200), ("/health/detailed", 200), ("/api/v1/courses", 404)] {
        let status = client.get(format!("http://{ops}{path}")).send().await.unwrap().status();
        assert_eq!(status.as_u16(), expected, "{path}");
    }
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demoted_and_premium_revoked_accounts_lose_their_rights_at_once_on_every_instance() {
    let first = TestApp::start(Backend::Sqlite, |_| {}).await;
    let second = first.second_instance().await;
    let (admin_a, token_a) = first.user(Role::Admin).await;
    let (admin_b, token_b) = second.user(Role::Admin).await;
    let (instructor, instructor_token) = second.user(Role::Instructor).await;
    let (student, _) = second.user(Role::Student).await;
    let demote = |id: &str| format!("/api/v1/admin/users/{id}");
    let (status, body) = second
        .call(
            Method::PATCH,
            &demote(&student),
            Some(&token_b),
            Some(json!({"premium": true})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "B is an admin on the second instance: {body}");
    for id in [&admin_b, &instructor] {
        let (status, body) = first
            .call(
                Method::PATCH,
                &demote(id),
                Some(&token_a),
                Some(json!({"role": "student"})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    // No wait: the very next request on the other instance.
    for (path, body) in [
        (demote(&admin_a), json!({"role": "student"})),
        (demote(&admin_b), json!({"role": "admin"})),
        (demote(&student), json!({"premium": false})),
    ] {
        let (status, resp) = second.call(Method::PATCH, &path, Some(&token_b), Some(body)).await;
        assert_eq!(
            (status, envelope_code(&resp).as_str()),
            (StatusCode::FORBIDDEN, "FORBIDDEN"),
            "{path}"
        );
    }
    let (status, resp) = second
        .call(
            Method::POST,
            "/api/v1/courses",
            Some(&instructor_token),
            Some(json!({"title": "After demotion", "description": "d", "category": "c", "difficulty": "beginner"})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{resp}");

    // Premium: granted, used on the second instance, revoked on the first, refused on the
    // second at the next request.
    let (premium, premium_token) = second.user(Role::Student).await;
    let mut paid = Vec::new();
    for _ in 0..2 {
        let (course, _) = first.published_course(&token_a).await;
        let (status, body) = first
            .call(
                Method::PATCH,
                &format!("/api/v1/courses/{course}"),
                Some(&token_a),
                Some(json!({"price": {"amount_minor": 1000, "currency": "EUR"}})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        paid.push(course);
    }
    let enroll = |course: &str| format!("/api/v1/courses/{course}/enrollments");
    for (premium_flag, course, expected) in [
        (true, &paid[0], StatusCode::CREATED),
        (false, &paid[1], StatusCode::PAYMENT_REQUIRED),
    ] {
        let (status, body) = first
            .call(
                Method::PATCH,
                &demote(&premium),
                Some(&token_a),
                Some(json!({"premium": premium_flag})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let (status, body) = second
            .call(Method::POST, &enroll(course), Some(&premium_token), None)
            .await;
        assert_eq!(status, expected, "premium {premium_flag}: {body}");
    }
    second.stop().await;
    first.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_default_server_signs_with_a_key_of_its_own() {
    let data = tempfile::tempdir().unwrap();
    let app = TestApp::start(Backend::Sqlite, |s| {
        s.jwt_secrets.clear();
        s.data_dir = data.path().to_owned();
    })
    .await;
    let key = std::fs::read_to_string(data.path().join(lms_http::signing_key::DEVELOPMENT_KEY_FILE)).unwrap();
    assert!(key.trim().len() >= 32);
    let (user_id, token) = app.user(Role::Admin).await;
    let (status, _) = app.call(Method::GET, "/api/v1/me", Some(&token), None).await;
    assert_eq!(status, StatusCode::OK);
    let payload: Value = {
        use base64::Engine;
        let part = token.split('.').nth(1).unwrap();
        serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
    };
    let sign = |secret: &str| {
        jsonwebtoken::encode(
            &jsonwebtoken::Header::default(),
            &payload,
            &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()),
        )
        .unwrap()
    };
    let (status, _) = app.call(Method::GET, "/api/v1/me", Some(&sign(key.trim())), None).await;
    assert_eq!(status, StatusCode::OK, "the generated key is the one in use");
    // The key earlier versions signed development tokens with, published in their source.
    let published = sign("lms-development-secret-do-not-use-in-production");
    let (status, body) = app
        .call(
            Method::PATCH,
            &format!("/api/v1/admin/users/{user_id}"),
            Some(&published),
            Some(json!({"premium": true})),
        )
        .await;
    assert_eq!(
        (status, envelope_code(&body).as_str()),
        (StatusCode::UNAUTHORIZED, "UNAUTHORIZED")
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readiness_reports_a_saturated_server() {
    let app = TestApp::start(Backend::Sqlite, |s| {
        s.max_in_flight_requests = 1;
        s.body_read_timeout = Duration::from_secs(5);
    })
    .await;
    // Registrations hash passwords (slow): with one slot, the others wait for it.
    let registrations: Vec<_> = (0..6)
        .map(|i| {
            let body = json!({"email": format!("sat{i}-{}@example.com", unique()), "password": support::PASSWORD, "display_name": "S"});
            app.request(Method::POST, "/api/v1/auth/register", None).json(&body).send()
        })
        .collect();
    let pending = tokio::spawn(futures::future::join_all(registrations));
    let mut saturated = None;
    for _ in 0..200 {
        let (status, body) = app.call(Method::GET, "/health/ready", None, None).await;
        if status == StatusCode::SERVICE_UNAVAILABLE {
            saturated = Some(body);
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let body = saturated.expect("readiness never reported saturation while requests waited");
    assert_eq!(body["error"]["details"]["reason"], "saturated", "{body}");
    for resp in pending.await.unwrap() {
        assert_eq!(resp.unwrap().status(), StatusCode::CREATED);
    }
    let (status, _) = app.call(Method::GET, "/health/ready", None, None).await;
    assert_eq!(status, StatusCode::OK, "ready again once the queue drained");
    app.stop().await;
}
