//! The HTTP API through a real socket: authorization rules, tokens, the error envelope,
//! rate limits, health, metrics, CORS, shutdown and the committed OpenAPI document.

mod support;

use std::time::Duration;

use jsonwebtoken::{encode, EncodingKey, Header};
use lms_core::domain::user::Role;
use lms_http::ratelimit::RateLimiter;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use support::{envelope_code, redis_url, unique, Backend, TestApp};

on_every_backend!(
    authorization_rules,
    learning_flow,
    token_failures,
    refresh_reuse_revokes_the_family
);

async fn authorization_rules(backend: Backend) {
    let app = TestApp::start(backend, |_| {}).await;
    let (_, owner) = app.user(Role::Instructor).await;
    let (_, other_instructor) = app.user(Role::Instructor).await;
    let (learner_id, learner) = app.user(Role::Student).await;
    let (_, other_learner) = app.user(Role::Student).await;

    // Students do not author; only admins change access.
    let (status, body) = app
        .call(
            Method::POST,
            "/api/v1/courses",
            Some(&learner),
            Some(json!({"title": "Mine", "category": "x", "difficulty": "beginner"})),
        )
        .await;
    assert_eq!(
        (status, envelope_code(&body).as_str()),
        (StatusCode::FORBIDDEN, "FORBIDDEN")
    );
    for token in [&learner, &owner] {
        let (status, body) = app
            .call(
                Method::PATCH,
                &format!("/api/v1/admin/users/{learner_id}"),
                Some(token),
                Some(json!({"role": "admin"})),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    }

    // A draft is invisible to others; its lessons and lifecycle belong to its owner.
    let (status, draft) = app
        .call(
            Method::POST,
            "/api/v1/courses",
            Some(&owner),
            Some(json!({"title": "Draft", "category": "x", "difficulty": "advanced"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(draft["status"], "draft");
    let draft_id = draft["id"].as_str().unwrap();
    for token in [Some(learner.as_str()), Some(other_instructor.as_str()), None] {
        let (status, body) = app
            .call(Method::GET, &format!("/api/v1/courses/{draft_id}"), token, None)
            .await;
        assert_eq!(
            (status, envelope_code(&body).as_str()),
            (StatusCode::NOT_FOUND, "COURSE_NOT_FOUND")
        );
    }
    let (status, _) = app
        .call(Method::GET, &format!("/api/v1/courses/{draft_id}"), Some(&owner), None)
        .await;
    assert_eq!(status, StatusCode::OK);

    let (status, lesson) = app
        .call(
            Method::POST,
            &format!("/api/v1/courses/{draft_id}/lessons"),
            Some(&owner),
            Some(json!({"title": "Draft lesson", "kind": "text", "text": {"body": "x"}})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let draft_lesson = lesson["id"].as_str().unwrap().to_owned();
    for token in [&learner, &other_instructor] {
        let (status, body) = app
            .call(
                Method::GET,
                &format!("/api/v1/lessons/{draft_lesson}"),
                Some(token),
                None,
            )
            .await;
        assert_eq!(
            (status, envelope_code(&body).as_str()),
            (StatusCode::NOT_FOUND, "LESSON_NOT_FOUND")
        );
    }
    let (status, class) = app
        .call(
            Method::POST,
            "/api/v1/classes",
            Some(&owner),
            Some(json!({"title": "Cohort"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let class_id = class["id"].as_str().unwrap().to_owned();

    let (course_id, lessons) = app.published_course(&owner).await;
    let attempts = [
        (
            Method::PATCH,
            format!("/api/v1/courses/{course_id}"),
            Some(json!({"title": "Stolen"})),
        ),
        (Method::POST, format!("/api/v1/courses/{course_id}/archive"), None),
        (
            Method::POST,
            format!("/api/v1/courses/{course_id}/lessons"),
            Some(json!({"title": "Extra", "kind": "text", "text": {"body": "x"}})),
        ),
        (
            Method::PATCH,
            format!("/api/v1/lessons/{}", lessons[0]),
            Some(json!({"title": "Renamed"})),
        ),
        (
            Method::PUT,
            format!("/api/v1/courses/{course_id}/lessons/order"),
            Some(json!({"lesson_ids": [lessons[2], lessons[1], lessons[0]]})),
        ),
        (Method::GET, format!("/api/v1/courses/{course_id}/enrollments"), None),
        (Method::POST, format!("/api/v1/courses/{draft_id}/publish"), None),
        (Method::DELETE, format!("/api/v1/lessons/{draft_lesson}"), None),
        (
            Method::POST,
            format!("/api/v1/classes/{class_id}/courses"),
            Some(json!({"course_id": course_id})),
        ),
    ];
    for (method, path, body) in attempts {
        for token in [&other_instructor, &learner] {
            let (status, resp) = app.call(method.clone(), &path, Some(token), body.clone()).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{method} {path}: {resp}");
        }
    }
    let (status, course) = app
        .call(Method::GET, &format!("/api/v1/courses/{course_id}"), None, None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(course["title"], "Course", "a refused change must not apply");

    // Learners see only their own progress; the owner may see theirs.
    for token in [&learner, &other_learner] {
        let (status, _) = app
            .call(
                Method::POST,
                &format!("/api/v1/courses/{course_id}/enrollments"),
                Some(token),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let spy = format!("/api/v1/courses/{course_id}/progress?user_id={learner_id}");
    let (status, body) = app.call(Method::GET, &spy, Some(&other_learner), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, body) = app.call(Method::GET, &spy, Some(&other_instructor), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, body) = app.call(Method::GET, &spy, Some(&owner), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // Each learner's enrollment list holds only their own enrollments.
    let (_, mine) = app
        .call(Method::GET, "/api/v1/me/enrollments", Some(&learner), None)
        .await;
    let items = mine["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["user_id"], learner_id.as_str());

    // The owner sees both enrollments of the course.
    let (status, list) = app
        .call(
            Method::GET,
            &format!("/api/v1/courses/{course_id}/enrollments"),
            Some(&owner),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["items"].as_array().unwrap().len(), 2);

    // The class's owner adds the course; a learner enrolled through the class gets it.
    let (status, class) = app
        .call(
            Method::POST,
            &format!("/api/v1/classes/{class_id}/courses"),
            Some(&owner),
            Some(json!({"course_id": course_id})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{class}");
    assert_eq!(class["course_ids"][0], course_id.as_str());
    let (_, third_learner) = app.user(Role::Student).await;
    let (status, enrolled) = app
        .call(
            Method::POST,
            &format!("/api/v1/classes/{class_id}/enrollments"),
            Some(&third_learner),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{enrolled}");
    assert_eq!(enrolled[0]["course_id"], course_id.as_str());

    // Admins may promote.
    let (_, admin) = app.user(Role::Admin).await;
    let (status, body) = app
        .call(
            Method::PATCH,
            &format!("/api/v1/admin/users/{learner_id}"),
            Some(&admin),
            Some(json!({"role": "instructor", "premium": true})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        (body["role"].as_str(), body["premium"].as_bool()),
        (Some("instructor"), Some(true))
    );
    app.stop().await;
}

async fn learning_flow(backend: Backend) {
    let app = TestApp::start(backend, |_| {}).await;
    let (_, owner) = app.user(Role::Instructor).await;
    let (_, learner) = app.user(Role::Student).await;
    let (course_id, lessons) = app.published_course(&owner).await;
    let (text, video, quiz) = (&lessons[0], &lessons[1], &lessons[2]);

    let (status, body) = app
        .call(Method::GET, &format!("/api/v1/lessons/{text}"), Some(&learner), None)
        .await;
    assert_eq!(
        (status, envelope_code(&body).as_str()),
        (StatusCode::FORBIDDEN, "NOT_ENROLLED")
    );
    let (status, _) = app
        .call(
            Method::POST,
            &format!("/api/v1/courses/{course_id}/enrollments"),
            Some(&learner),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);

    let (status, body) = app
        .call(Method::GET, &format!("/api/v1/lessons/{video}"), Some(&learner), None)
        .await;
    assert_eq!(
        (status, envelope_code(&body).as_str()),
        (StatusCode::FORBIDDEN, "LESSON_LOCKED")
    );
    assert_eq!(body["error"]["details"]["unmet"][0]["lesson_id"], text.as_str());

    let (_, progress) = app
        .call(
            Method::GET,
            &format!("/api/v1/courses/{course_id}/progress"),
            Some(&learner),
            None,
        )
        .await;
    assert_eq!(progress["percent"], 0);
    assert_eq!(progress["next_lesson_id"], text.as_str());
    let states: Vec<&str> = progress["lessons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["unlocked", "locked", "locked"]);

    let (status, body) = app
        .call(
            Method::POST,
            &format!("/api/v1/lessons/{text}/complete"),
            Some(&learner),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        (body["lesson_completed"].as_bool(), body["percent"].as_u64()),
        (Some(true), Some(33))
    );

    let (status, body) = app
        .call(
            Method::POST,
            &format!("/api/v1/lessons/{video}/video-progress"),
            Some(&learner),
            Some(json!({"intervals": [[0, 50], [40, 80]]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["lesson_completed"], false,
        "80 of 100 seconds is under the 90 % threshold"
    );
    let (status, body) = app
        .call(
            Method::POST,
            &format!("/api/v1/lessons/{video}/video-progress"),
            Some(&learner),
            Some(json!({"intervals": [[1, 0], [5]]})),
        )
        .await;
    assert_eq!(
        (status, envelope_code(&body).as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, "VALIDATION_ERROR")
    );
    assert_eq!(
        body["error"]["details"]["fields"].as_array().unwrap().len(),
        2,
        "{body}"
    );
    let (_, body) = app
        .call(
            Method::POST,
            &format!("/api/v1/lessons/{video}/video-progress"),
            Some(&learner),
            Some(json!({"intervals": [[80, 100]]})),
        )
        .await;
    assert_eq!(body["lesson_completed"], true);

    let (status, view) = app
        .call(Method::GET, &format!("/api/v1/lessons/{quiz}"), Some(&learner), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let text_view = view.to_string();
    assert!(!text_view.contains("correct_options") && !text_view.contains("accepted_answers"));
    let question = view["quiz"]["questions"][0]["id"].as_str().unwrap().to_owned();
    let (_, wrong) = app
        .call(
            Method::POST,
            &format!("/api/v1/lessons/{quiz}/quiz-attempts"),
            Some(&learner),
            Some(json!({"answers": [{"question_id": question, "selected_options": [0]}]})),
        )
        .await;
    assert_eq!(
        (wrong["passed"].as_bool(), wrong["score_percent"].as_u64()),
        (Some(false), Some(0))
    );
    let (_, right) = app
        .call(
            Method::POST,
            &format!("/api/v1/lessons/{quiz}/quiz-attempts"),
            Some(&learner),
            Some(json!({"answers": [{"question_id": question, "selected_options": [1]}]})),
        )
        .await;
    assert_eq!(right["passed"], true);
    assert_eq!(right["course_completed"], true);
    assert_eq!(right["percent"], 100);

    let (_, mine) = app
        .call(Method::GET, "/api/v1/me/enrollments", Some(&learner), None)
        .await;
    assert_eq!(mine["items"][0]["status"], "completed");
    assert!(mine["items"][0]["certificate_id"].is_string());

    let (_, listing) = app
        .call(Method::GET, "/api/v1/courses?category=TESTS&limit=100", None, None)
        .await;
    assert!(listing["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["id"] == course_id.as_str()));
    app.stop().await;
}

fn forge(claims: Value, secret: &str) -> String {
    encode(
        &Header::default(),
        &claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

async fn token_failures(backend: Backend) {
    let app = TestApp::start(backend, |_| {}).await;
    let (user_id, token) = app.user(Role::Student).await;
    let (status, _) = app.call(Method::GET, "/api/v1/me", Some(&token), None).await;
    assert_eq!(status, StatusCode::OK);

    let parts: Vec<&str> = token.split('.').collect();
    let payload: Value = {
        use base64::Engine;
        let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(parts[1])
            .unwrap();
        serde_json::from_slice(&raw).unwrap()
    };
    let now = chrono::Utc::now().timestamp();
    let mut expired_claims = payload.clone();
    expired_claims["iat"] = json!(now - 1000);
    expired_claims["exp"] = json!(now - 10);
    let mut admin_claims = payload.clone();
    admin_claims["role"] = json!("admin");
    let tampered = {
        use base64::Engine;
        let body = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(admin_claims.to_string());
        format!("{}.{}.{}", parts[0], body, parts[2])
    };
    let alg_none = {
        use base64::Engine;
        let header = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
        format!("{header}.{}.", parts[1])
    };
    let key = app.state.settings.jwt_secrets[0].expose().to_owned();
    assert_eq!(
        app.call(Method::GET, "/api/v1/me", Some(&forge(payload.clone(), &key)), None)
            .await
            .0,
        StatusCode::OK,
        "a token signed with the server's key and its own claims is the control"
    );
    let with = |changes: &[(&str, Value)]| {
        let mut claims = payload.clone();
        for (name, value) in changes {
            claims[*name] = value.clone();
        }
        forge(claims, &key)
    };
    let without = |name: &str| {
        let mut claims = payload.clone();
        claims.as_object_mut().unwrap().remove(name);
        forge(claims, &key)
    };
    let cases = [
        ("expired", forge(expired_claims, &key)),
        ("not yet valid", with(&[("nbf", json!(now + 600))])),
        ("valid until 2100", with(&[("exp", json!(4_102_444_800_i64))])),
        ("another audience", with(&[("aud", json!("another-api"))])),
        ("another issuer", with(&[("iss", json!("someone-else"))])),
        ("no audience", without("aud")),
        ("no nbf", without("nbf")),
        ("tampered", tampered),
        ("alg none", alg_none),
        (
            "other key",
            forge(payload.clone(), "another-secret-of-sufficient-length!"),
        ),
        ("garbage", "not.a.token".to_owned()),
    ];
    for (name, bad) in cases {
        let (status, body) = app.call(Method::GET, "/api/v1/me", Some(&bad), None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{name}: {body}");
        assert_eq!(envelope_code(&body), "UNAUTHORIZED");
    }
    let (status, body) = app.call(Method::GET, "/api/v1/me", None, None).await;
    assert_eq!(
        (status, envelope_code(&body).as_str()),
        (StatusCode::UNAUTHORIZED, "UNAUTHORIZED")
    );
    // Public operations take a token when one is sent, and refuse a bad one.
    let (status, _) = app
        .call(Method::GET, "/api/v1/courses", Some("not.a.token"), None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = app.call(Method::GET, "/api/v1/courses", Some(&token), None).await;
    assert_eq!(status, StatusCode::OK);

    // Logout revokes the session's access tokens.
    let email = format!("logout-{}@example.com", unique());
    app.register(&email).await;
    let tokens = app.login(&email).await;
    let access = tokens["access_token"].as_str().unwrap();
    let (status, me) = app.call(Method::GET, "/api/v1/me", Some(access), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_ne!(me["id"], user_id.as_str());
    let (status, _) = app
        .call(
            Method::POST,
            "/api/v1/auth/logout",
            None,
            Some(json!({"refresh_token": tokens["refresh_token"]})),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = app.call(Method::GET, "/api/v1/me", Some(access), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "revoked token accepted: {body}");
    app.stop().await;
}

async fn refresh_reuse_revokes_the_family(backend: Backend) {
    let app = TestApp::start(backend, |_| {}).await;
    let email = format!("reuse-{}@example.com", unique());
    app.register(&email).await;
    let first = app.login(&email).await;
    let refresh = |token: &Value| json!({"refresh_token": token["refresh_token"]});
    let (status, second) = app
        .call(Method::POST, "/api/v1/auth/refresh", None, Some(refresh(&first)))
        .await;
    assert_eq!(status, StatusCode::OK, "{second}");
    assert_eq!(second["token_type"], "Bearer");
    assert_eq!(second["expires_in"], 900);
    assert_ne!(second["refresh_token"], first["refresh_token"]);
    let access = second["access_token"].as_str().unwrap();
    let (status, _) = app.call(Method::GET, "/api/v1/me", Some(access), None).await;
    assert_eq!(status, StatusCode::OK);

    // The first refresh token again: reuse, so the whole family is revoked.
    let (status, body) = app
        .call(Method::POST, "/api/v1/auth/refresh", None, Some(refresh(&first)))
        .await;
    assert_eq!(
        (status, envelope_code(&body).as_str()),
        (StatusCode::UNAUTHORIZED, "UNAUTHORIZED")
    );
    let (status, _) = app
        .call(Method::POST, "/api/v1/auth/refresh", None, Some(refresh(&second)))
        .await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "the rotated token must die with its family"
    );
    let (status, _) = app.call(Method::GET, "/api/v1/me", Some(access), None).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "access tokens of the family must die too"
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_error_uses_the_envelope() {
    let app = TestApp::start(Backend::Sqlite, |s| s.max_body_bytes = 4096).await;
    let register = "/api/v1/auth/register";
    let cases: Vec<(reqwest::RequestBuilder, StatusCode, &str)> = vec![
        (
            app.request(Method::GET, "/no/such/route", None),
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
        ),
        (
            app.request(Method::DELETE, "/api/v1/courses", None),
            StatusCode::METHOD_NOT_ALLOWED,
            "METHOD_NOT_ALLOWED",
        ),
        (
            app.request(Method::POST, register, None)
                .header("content-type", "application/json")
                .body("{\"email\": "),
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
        ),
        (
            app.request(Method::POST, register, None).json(&json!({"email": 5})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "VALIDATION_ERROR",
        ),
        (
            app.request(Method::POST, "/api/v1/auth/logout", None)
                .json(&json!({"refresh_token": true})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "VALIDATION_ERROR",
        ),
        (
            app.request(Method::POST, register, None)
                .header("content-type", "application/json")
                .body(format!("{{\"email\":\"{}\"}}", "x".repeat(10_000))),
            StatusCode::PAYLOAD_TOO_LARGE,
            "PAYLOAD_TOO_LARGE",
        ),
        (
            app.request(Method::POST, register, None)
                .json(&json!({"email": "nope", "password": "password", "display_name": " "})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "VALIDATION_ERROR",
        ),
        (
            app.request(Method::POST, register, None)
                .header("content-type", "text/plain")
                .body("hello"),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UNSUPPORTED_MEDIA_TYPE",
        ),
        (
            app.request(Method::GET, "/api/v1/courses/not-a-uuid", None),
            StatusCode::UNPROCESSABLE_ENTITY,
            "VALIDATION_ERROR",
        ),
        (
            app.request(Method::GET, &format!("/api/v1/courses/{}", uuid::Uuid::now_v7()), None),
            StatusCode::NOT_FOUND,
            "COURSE_NOT_FOUND",
        ),
        (
            app.request(Method::GET, "/api/v1/courses?limit=0", None),
            StatusCode::UNPROCESSABLE_ENTITY,
            "VALIDATION_ERROR",
        ),
        (
            app.request(Method::GET, &format!("/api/v1/courses?q={}", "x".repeat(300)), None),
            StatusCode::UNPROCESSABLE_ENTITY,
            "VALIDATION_ERROR",
        ),
    ];
    for (request, expected_status, expected_code) in cases {
        let resp = request.send().await.unwrap();
        let status = resp.status();
        let header_id = resp.headers()["x-request-id"].to_str().unwrap().to_owned();
        let body: Value = resp.json().await.unwrap();
        assert_eq!(status, expected_status, "{body}");
        assert_eq!(envelope_code(&body), expected_code, "{body}");
        assert_eq!(body["error"]["request_id"], header_id.as_str());
    }

    let wrong_method = app
        .request(Method::DELETE, "/api/v1/courses", None)
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_method.headers()["allow"], "GET, POST");

    let (status, body) = app
        .call(
            Method::POST,
            register,
            None,
            Some(json!({"email": "nope", "password": "password", "display_name": " "})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<&str> = body["error"]["details"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["email", "display_name", "password"]);

    let email = format!("dup-{}@example.com", unique());
    app.register(&email).await;
    let (status, body) = app
        .call(
            Method::POST,
            register,
            None,
            Some(json!({"email": email, "password": support::PASSWORD, "display_name": "Again"})),
        )
        .await;
    assert_eq!(
        (status, envelope_code(&body).as_str()),
        (StatusCode::CONFLICT, "USER_ALREADY_EXISTS")
    );
    app.stop().await;
}

/// The `(field, code)` pairs of a 422 answer.
fn field_errors(body: &Value) -> Vec<(String, String)> {
    assert_eq!(envelope_code(body), "VALIDATION_ERROR", "{body}");
    body["error"]["details"]["fields"]
        .as_array()
        .unwrap_or_else(|| panic!("no details.fields in {body}"))
        .iter()
        .map(|f| {
            assert!(f["message"].as_str().is_some_and(|m| !m.is_empty()), "{f}");
            (
                f["field"].as_str().unwrap().to_owned(),
                f["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_values_answer_422_naming_the_field() {
    let app = TestApp::start(Backend::Sqlite, |_| {}).await;
    let (_, owner) = app.user(Role::Instructor).await;
    let (course_id, _) = app.published_course(&owner).await;
    let lessons = format!("/api/v1/courses/{course_id}/lessons");
    let cases = [
        // A missing field, a wrong type, an out-of-range number, nested fields.
        (
            Method::POST,
            "/api/v1/courses".to_owned(),
            json!({"title": "T", "category": "c"}),
            "difficulty",
            "required",
        ),
        (
            Method::POST,
            "/api/v1/courses".to_owned(),
            json!({"title": 7, "category": "c", "difficulty": "beginner"}),
            "title",
            "invalid_type",
        ),
        (
            Method::POST,
            "/api/v1/courses".to_owned(),
            json!({"title": "T", "category": "c", "difficulty": "guru"}),
            "difficulty",
            "invalid_choice",
        ),
        (
            Method::POST,
            lessons.clone(),
            json!({"title": "V", "kind": "video", "video": {"youtube_id": "dQw4w9WgXcQ", "duration_seconds": -5}}),
            "video.duration_seconds",
            "out_of_range",
        ),
        (
            Method::POST,
            lessons,
            json!({"title": "Q", "kind": "quiz", "quiz": {"pass_mark_percent": 50, "questions": [{"prompt": "p", "kind": "true_false", "options": ["a", 3], "correct_options": [0]}]}}),
            "quiz.questions.0.options.1",
            "invalid_type",
        ),
    ];
    for (method, path, body, field, code) in cases {
        let (status, answer) = app.call(method, &path, Some(&owner), Some(body)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{path}: {answer}");
        let fields = field_errors(&answer);
        assert!(
            fields.contains(&(field.to_owned(), code.to_owned())),
            "{field}/{code} not in {fields:?}"
        );
    }
    let (status, answer) = app.call(Method::GET, "/api/v1/courses?limit=500", None, None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    assert_eq!(field_errors(&answer), [("limit".to_owned(), "invalid".to_owned())]);
    let (status, answer) = app.call(Method::GET, "/api/v1/lessons/nope", Some(&owner), None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    assert_eq!(field_errors(&answer), [("id".to_owned(), "invalid".to_owned())]);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_ids_and_security_headers() {
    let app = TestApp::start(Backend::Sqlite, |_| {}).await;
    for path in ["/health", "/api/v1/courses", "/nowhere", "/openapi.json", "/docs"] {
        let resp = app.request(Method::GET, path, None).send().await.unwrap();
        for name in [
            "content-security-policy",
            "strict-transport-security",
            "x-frame-options",
            "x-content-type-options",
            "referrer-policy",
            "permissions-policy",
            "x-request-id",
        ] {
            assert!(resp.headers().contains_key(name), "{path} lacks {name}");
        }
    }
    let kept = app
        .request(Method::GET, "/nowhere", None)
        .header("x-request-id", "trace-abc_123")
        .send()
        .await
        .unwrap();
    assert_eq!(kept.headers()["x-request-id"], "trace-abc_123");
    let body: Value = kept.json().await.unwrap();
    assert_eq!(body["error"]["request_id"], "trace-abc_123");
    let replaced = app
        .request(Method::GET, "/nowhere", None)
        .header("x-request-id", "bad id <script>")
        .send()
        .await
        .unwrap();
    let id = replaced.headers()["x-request-id"].to_str().unwrap();
    assert!(uuid::Uuid::parse_str(id).is_ok(), "{id}");
    let health = app.request(Method::GET, "/health", None).send().await.unwrap();
    assert_eq!(health.headers()["cache-control"], "no-cache");
    let health: Value = health.json().await.unwrap();
    assert_eq!(health["status"], "ok");
    assert!(health["version"].is_string() && health["timestamp"].is_string());
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn panics_become_opaque_500s() {
    use poem::{Endpoint, EndpointExt};
    let app = TestApp::start(Backend::Sqlite, |_| {}).await;
    let panicking = poem::endpoint::make(|_| async {
        if std::hint::black_box(true) {
            panic!("secret detail");
        }
        "unreachable"
    })
    .map_to_response();
    let gateway = lms_http::gateway::Gateway::new(panicking, app.state.clone());
    let resp = gateway.call(poem::Request::builder().finish()).await.unwrap();
    assert_eq!(resp.status(), poem::http::StatusCode::INTERNAL_SERVER_ERROR);
    let body: Value = serde_json::from_slice(&resp.into_body().into_vec().await.unwrap()).unwrap();
    assert_eq!(envelope_code(&body), "INTERNAL_ERROR");
    assert!(!body.to_string().contains("secret detail"));
    app.stop().await;
}

/// Waits until at least `needed` seconds remain in the current rate-limit window, so a
/// burst of requests falls into one window.
async fn fresh_window(needed: u64) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let left = 60 - now % 60;
    if left < needed {
        tokio::time::sleep(Duration::from_secs(left + 1)).await;
    }
}

async fn assert_limited(app: &TestApp, path: &str, token: Option<&str>, limit: u32) {
    for i in 0..limit {
        let resp = app.request(Method::GET, path, token).send().await.unwrap();
        assert_ne!(
            resp.status(),
            StatusCode::TOO_MANY_REQUESTS,
            "request {i} limited early"
        );
        assert_eq!(resp.headers()["ratelimit-limit"], limit.to_string().as_str());
        assert_eq!(
            resp.headers()["ratelimit-remaining"],
            (limit - i - 1).to_string().as_str()
        );
    }
    let resp = app.request(Method::GET, path, token).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = resp.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry));
    assert!(resp.headers().contains_key("ratelimit-reset"));
    let body: Value = resp.json().await.unwrap();
    assert_eq!(envelope_code(&body), "RATE_LIMITED");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limits_per_user_per_address_and_on_login() {
    fresh_window(20).await;
    let app = TestApp::start(Backend::Sqlite, |s| {
        s.rate_limits.per_minute = 5;
        s.rate_limits.login_per_minute = 2;
    })
    .await;
    // The account and its token are made in process, so only the requests below count.
    let email = format!("rl-{}@example.com", unique());
    let new_user = lms_core::services::NewUser {
        email: email.clone(),
        display_name: "A".into(),
    };
    let lms = &app.state.lms;
    let user = lms.users.provision(new_user, Role::Student).await.unwrap();
    lms.auth
        .set_password_unchecked(user.id, support::PASSWORD)
        .await
        .unwrap();
    let session = lms.auth.login(&email, support::PASSWORD).await.unwrap();
    let alice = app.state.tokens.issue(&session.user, session.family_id).unwrap();
    assert_limited(&app, "/api/v1/me", Some(&alice), 5).await;
    // Anonymous callers have their own (per-address) budget; probes are never limited.
    assert_limited(&app, "/api/v1/courses", None, 5).await;
    for _ in 0..10 {
        let resp = app.request(Method::GET, "/health/ready", None).send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
    }
    app.stop().await;

    let app = TestApp::start(Backend::Sqlite, |s| {
        s.rate_limits.per_minute = 50;
        s.rate_limits.login_per_minute = 2;
    })
    .await;
    let login = json!({"email": "nobody@example.com", "password": "Wrong1234"});
    for _ in 0..2 {
        let (status, _) = app
            .call(Method::POST, "/api/v1/auth/login", None, Some(login.clone()))
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let (status, body) = app.call(Method::POST, "/api/v1/auth/login", None, Some(login)).await;
    assert_eq!(
        (status, envelope_code(&body).as_str()),
        (StatusCode::TOO_MANY_REQUESTS, "RATE_LIMITED")
    );
    app.stop().await;
}

#[cfg_attr(lms_skip_redis, ignore = "LMS_TEST_REDIS_URL is not set")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_budgets_are_shared_by_instances() {
    let Some(url) = redis_url() else { return };
    fresh_window(20).await;
    let prefix = format!("lms:test:{}", unique());
    let limiter = RateLimiter::redis(&url).await.expect("redis").with_prefix(&prefix);
    let configure = |s: &mut lms_http::Settings| s.rate_limits.per_minute = 6;
    let a = TestApp::start_with(Backend::Sqlite, configure, limiter.clone()).await;
    let b = TestApp::start_with(Backend::Sqlite, configure, limiter).await;
    for app in [&a, &b, &a, &b, &a, &b] {
        let resp = app.request(Method::GET, "/api/v1/courses", None).send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
    }
    for app in [&a, &b] {
        let resp = app.request(Method::GET, "/api/v1/courses", None).send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS, "the budget is shared");
    }
    let (_, detailed) = a.call(Method::GET, "/health/detailed", None, None).await;
    assert_eq!(detailed["status"], "healthy", "{detailed}");
    a.stop().await;
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readiness_fails_when_the_database_is_unreachable() {
    let app = TestApp::start(Backend::Sqlite, |_| {}).await;
    let (status, body) = app.call(Method::GET, "/health/ready", None, None).await;
    assert_eq!((status, body["status"].as_str()), (StatusCode::OK, Some("ready")));
    let (status, body) = app.call(Method::GET, "/health/detailed", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["status"], "healthy");
    assert!(body["checks"][0]["latency_ms"].is_number());
    app.storage.close().await;
    let (status, body) = app.call(Method::GET, "/health/ready", None, None).await;
    assert_eq!(
        (status, envelope_code(&body).as_str()),
        (StatusCode::SERVICE_UNAVAILABLE, "SERVICE_UNAVAILABLE")
    );
    let (status, body) = app.call(Method::GET, "/health/detailed", None, None).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(body["error"]["details"]["status"], "unhealthy");
    let (status, _) = app.call(Method::GET, "/health/live", None, None).await;
    assert_eq!(status, StatusCode::OK, "liveness does not depend on the database");
    app.stop().await;
}

/// The Prometheus text the server exposes.
async fn metrics(app: &TestApp) -> String {
    let response = app.request(Method::GET, "/metrics", None).send().await.unwrap();
    response.text().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_use_route_templates() {
    let app = TestApp::start(Backend::Sqlite, |_| {}).await;
    let (_, owner) = app.user(Role::Instructor).await;
    let (course_id, _) = app.published_course(&owner).await;
    let (_, learner) = app.user(Role::Student).await;
    let enroll = format!("/api/v1/courses/{course_id}/enrollments");
    let (created, first) = app.call(Method::POST, &enroll, Some(&learner), None).await;
    assert_eq!(created, StatusCode::CREATED, "{first}");
    let (again, second) = app.call(Method::POST, &enroll, Some(&learner), None).await;
    assert_eq!(
        again,
        StatusCode::OK,
        "enrolling again answers the existing enrollment: {second}"
    );
    assert_eq!(first["id"], second["id"]);
    app.call(Method::GET, &format!("/api/v1/courses/{course_id}"), None, None)
        .await;
    let text = metrics(&app).await;
    assert!(text.contains("lms_http_requests_total{"), "{text}");
    assert!(text.contains("lms_http_request_duration_seconds_bucket{"));
    assert!(
        text.lines()
            .any(|l| l.starts_with("lms_http_requests_total") && l.contains("route=\"/api/v1/courses/{id}\"")),
        "{text}"
    );
    assert!(text.contains("lms_enrollments_total 1"), "{text}");
    assert!(
        text.contains("lms_store_operation_duration_seconds_count{operation=\"insert_enrollment\",outcome=\"ok\"} 1"),
        "{text}"
    );
    assert!(!text.contains(&course_id), "raw ids must not be labels");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dead_letters_are_for_admins_and_delivery_is_measured() {
    let app = TestApp::start(Backend::Sqlite, |_| {}).await;
    let (_, learner) = app.user(Role::Student).await;
    let (_, admin) = app.user(Role::Admin).await;
    let (status, body) = app
        .call(Method::GET, "/api/v1/admin/dead-letters", Some(&learner), None)
        .await;
    assert_eq!(
        (status, envelope_code(&body)),
        (StatusCode::FORBIDDEN, "FORBIDDEN".into()),
        "{body}"
    );
    let (status, body) = app
        .call(Method::GET, "/api/v1/admin/dead-letters?limit=5", Some(&admin), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body, json!({"items": []}));
    let (status, body) = app
        .call(Method::GET, "/api/v1/admin/dead-letters?limit=0", Some(&admin), None)
        .await;
    assert!(status.is_client_error(), "{status} {body}");
    let missing = uuid::Uuid::now_v7();
    let (status, body) = app
        .call(
            Method::POST,
            &format!("/api/v1/admin/dead-letters/{missing}/replay"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(
        (status, envelope_code(&body)),
        (StatusCode::NOT_FOUND, "DEAD_LETTER_NOT_FOUND".into()),
        "{body}"
    );
    // The relay takes the users' registration events to the analytics reaction in the
    // background: wait until it has, then both are delivered and nothing is pending,
    // retrying or dead.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let mut text = metrics(&app).await;
    while !text.lines().any(|l| l == "lms_events_pending 0") && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        text = metrics(&app).await;
    }
    for metric in [
        "lms_events_pending 0",
        "lms_events_oldest_pending_seconds 0",
        "lms_events_retrying 0",
        "lms_dead_letters 0",
        "lms_event_deliveries_total{outcome=\"delivered\"} 2",
        "lms_event_deliveries_total{outcome=\"dead_lettered\"} 0",
    ] {
        assert!(text.lines().any(|l| l == metric), "{metric} missing in:\n{text}");
    }
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cors_only_for_configured_origins() {
    let app = TestApp::start(Backend::Sqlite, |s| {
        s.allowed_origins = vec!["https://app.example.org".into()];
    })
    .await;
    let allowed = app
        .request(Method::GET, "/api/v1/courses", None)
        .header("origin", "https://app.example.org")
        .send()
        .await
        .unwrap();
    assert_eq!(allowed.status(), StatusCode::OK);
    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        "https://app.example.org"
    );
    let other = app
        .request(Method::GET, "/api/v1/courses", None)
        .header("origin", "https://evil.example.com")
        .send()
        .await
        .unwrap();
    assert!(!other.headers().contains_key("access-control-allow-origin"));
    assert!(!other.status().is_success());
    let body: Value = other.json().await.unwrap();
    envelope_code(&body);
    app.stop().await;

    let closed = TestApp::start(Backend::Sqlite, |_| {}).await;
    let resp = closed
        .request(Method::GET, "/api/v1/courses", None)
        .header("origin", "https://app.example.org")
        .send()
        .await
        .unwrap();
    assert!(!resp.headers().contains_key("access-control-allow-origin"));
    closed.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_finishes_in_flight_requests() {
    let mut app = TestApp::start(Backend::Sqlite, |_| {}).await;
    let email = format!("drain-{}@example.com", unique());
    app.register(&email).await;
    let body = json!({"email": email, "password": support::PASSWORD});
    // Logins hash with argon2, so several of them are still running when shutdown starts.
    let in_flight: Vec<_> = (0..4)
        .map(|_| app.request(Method::POST, "/api/v1/auth/login", None).json(&body).send())
        .collect();
    let requests = tokio::spawn(futures::future::join_all(in_flight));
    tokio::time::sleep(Duration::from_millis(30)).await;
    let server = app.signal_shutdown().expect("running");
    for resp in requests.await.unwrap() {
        assert_eq!(resp.expect("in-flight request completed").status(), StatusCode::OK);
    }
    server.await.unwrap().unwrap();
    assert!(
        reqwest::get(format!("{}/health", app.base)).await.is_err(),
        "the server stopped accepting connections"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_beyond_the_in_flight_limit_wait_and_probes_do_not() {
    let app = TestApp::start(Backend::Sqlite, |s| s.max_in_flight_requests = 1).await;
    let email = format!("queue-{}@example.com", unique());
    app.register(&email).await;
    let body = json!({"email": email, "password": support::PASSWORD});
    let start = std::time::Instant::now();
    // Logins hash with argon2; with one request at a time they take turns.
    let logins: Vec<_> = (0..6)
        .map(|_| {
            let login = app.request(Method::POST, "/api/v1/auth/login", None).json(&body).send();
            async move { (login.await.map(|r| r.status()), start.elapsed()) }
        })
        .collect();
    let logins = tokio::spawn(futures::future::join_all(logins));
    tokio::time::sleep(Duration::from_millis(30)).await;

    let (status, _) = app.call(Method::GET, "/health", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        !logins.is_finished(),
        "the probe was answered while the logins still queued"
    );

    let (status, _) = app.call(Method::GET, "/api/v1/courses", None, None).await;
    assert_eq!(status, StatusCode::OK);
    let listed_at = start.elapsed();
    let logins = logins.await.unwrap();
    for (status, _) in &logins {
        assert_eq!(*status.as_ref().expect("queued login completed"), StatusCode::OK);
    }
    // The listing arrived last, so it waited for every login ahead of it (responses on
    // other connections may be read a moment later).
    let last_login = logins.iter().map(|(_, at)| *at).max().unwrap();
    assert!(
        listed_at + Duration::from_millis(20) >= last_login,
        "the listing took {listed_at:?}, the last login {last_login:?}"
    );
    app.stop().await;
}

#[tokio::test]
async fn the_committed_openapi_document_is_current() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/openapi.json");
    let served: Value = serde_json::from_str(&lms_http::openapi_json()).unwrap();
    if std::env::var("LMS_UPDATE_OPENAPI").is_ok_and(|v| v == "1") {
        std::fs::write(&path, format!("{}\n", lms_http::openapi_json())).unwrap();
    }
    let committed: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap_or_default())
        .expect("docs/openapi.json is missing or invalid; regenerate with LMS_UPDATE_OPENAPI=1 cargo test -p lms-http");
    assert!(
        committed == served,
        "docs/openapi.json differs from the served document; regenerate with \
         LMS_UPDATE_OPENAPI=1 cargo test -p lms-http --test http the_committed_openapi_document_is_current"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_served_document_matches_the_library_one() {
    let app = TestApp::start(Backend::Sqlite, |_| {}).await;
    let (status, served) = app.call(Method::GET, "/openapi.json", None, None).await;
    assert_eq!(status, StatusCode::OK);
    let library: Value = serde_json::from_str(&lms_http::openapi_json()).unwrap();
    assert_eq!(served, library);
    let paths = served["paths"].as_object().unwrap();
    for path in [
        "/api/v1/auth/register",
        "/api/v1/auth/login",
        "/api/v1/auth/refresh",
        "/api/v1/auth/logout",
        "/api/v1/me",
        "/api/v1/admin/users/{id}",
        "/api/v1/courses",
        "/api/v1/courses/{id}",
        "/api/v1/courses/{id}/publish",
        "/api/v1/courses/{id}/archive",
        "/api/v1/courses/{id}/lessons",
        "/api/v1/courses/{id}/lessons/order",
        "/api/v1/lessons/{id}",
        "/api/v1/courses/{id}/enrollments",
        "/api/v1/courses/{id}/progress",
        "/api/v1/lessons/{id}/complete",
        "/api/v1/lessons/{id}/video-progress",
        "/api/v1/lessons/{id}/quiz-attempts",
        "/api/v1/me/enrollments",
        "/api/v1/classes",
        "/api/v1/classes/{id}/courses",
        "/api/v1/classes/{id}/enrollments",
        "/health",
        "/health/ready",
        "/metrics",
    ] {
        assert!(paths.contains_key(path), "{path} is not documented");
    }
    let mut methods: Vec<&String> = paths["/api/v1/lessons/{id}"].as_object().unwrap().keys().collect();
    methods.sort();
    assert_eq!(methods, ["delete", "get", "patch"]);
    let docs = app.request(Method::GET, "/docs", None).send().await.unwrap();
    assert_eq!(docs.status(), StatusCode::OK);
    assert!(docs.text().await.unwrap().contains("swagger"));
    app.stop().await;
}
