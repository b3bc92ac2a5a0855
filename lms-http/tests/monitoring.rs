//! Analytics, the performance view, alert rules, incidents and the status through HTTP on
//! a real server: what the contract of issue 19 names, with its errors.

mod support;

use std::time::Duration;

use lms_core::domain::user::Role;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use support::{envelope_code, Backend, TestApp};

/// Polls a GET until `check` holds on its body, for up to 20 seconds.
async fn eventually(app: &TestApp, path: &str, token: &str, check: impl Fn(&Value) -> bool) -> Value {
    for _ in 0..400 {
        let (status, body) = app.call(Method::GET, path, Some(token), None).await;
        if status == StatusCode::OK && check(&body) {
            return body;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting on {path}");
}

async fn text(app: &TestApp, path: &str, token: &str) -> (StatusCode, String, String) {
    let resp = app
        .request(Method::GET, path, Some(token))
        .send()
        .await
        .expect("request");
    let status = resp.status();
    let content_type = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, content_type, resp.text().await.expect("body"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn course_analytics_follow_learners_as_json_and_csv() {
    let app = TestApp::start(Backend::Sqlite, |_| {}).await;
    let (_, instructor) = app.user(Role::Instructor).await;
    let (_, other) = app.user(Role::Instructor).await;
    let (_, admin) = app.user(Role::Admin).await;
    let (course, lessons) = app.published_course(&instructor).await;
    let (_, learner) = app.user(Role::Student).await;
    let (status, body) = app
        .call(
            Method::POST,
            &format!("/api/v1/courses/{course}/enrollments"),
            Some(&learner),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, body) = app
        .call(
            Method::POST,
            &format!("/api/v1/lessons/{}/complete", lessons[0]),
            Some(&learner),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let path = format!("/api/v1/analytics/courses/{course}");
    let report = eventually(&app, &path, &instructor, |b| b["funnel"][0]["completed"] == 1).await;
    assert_eq!(report["enrollments"], 1);
    assert_eq!(report["completions"], 0);
    assert_eq!(report["completion_rate"], 0.0);
    assert_eq!(report["median_days_to_complete"], Value::Null);
    assert_eq!(report["active_learners"], 1);
    let funnel: Vec<(u64, u64, u64)> = report["funnel"]
        .as_array()
        .expect("funnel")
        .iter()
        .map(|s| {
            let n = |k: &str| s[k].as_u64().expect(k);
            (n("reached"), n("completed"), n("last_activity_here"))
        })
        .collect();
    assert_eq!(funnel, vec![(1, 1, 1), (0, 0, 0), (0, 0, 0)]);
    assert_eq!(report["funnel"][0]["title"], "Read");

    let (status, content_type, csv) = text(&app, &format!("{path}?format=csv"), &admin).await;
    assert_eq!(status, StatusCode::OK);
    assert!(content_type.starts_with("text/csv"), "{content_type}");
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("course_id,lesson_id,position,title,reached,completed,last_activity_here,watch_seconds,replay_seconds")
    );
    assert_eq!(
        lines.next(),
        Some(format!("{course},{},0,Read,1,1,1,0.0,0.0", lessons[0]).as_str())
    );
    assert_eq!(lines.count(), 2);

    let (status, questions) = app
        .call(Method::GET, &format!("{path}/questions"), Some(&instructor), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{questions}");
    assert_eq!(questions[0]["lesson_id"], lessons[2].as_str());
    assert_eq!(
        (questions[0]["attempts"].clone(), questions[0]["discrimination"].clone()),
        (json!(0), Value::Null)
    );
    let (status, _, csv) = text(&app, &format!("{path}/questions?format=csv"), &instructor).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        csv.starts_with("lesson_id,question_id,attempts,correct,correct_rate,discrimination\n"),
        "{csv}"
    );

    for token in [&other, &learner] {
        let (status, body) = app.call(Method::GET, &path, Some(token), None).await;
        assert_eq!(
            (status, envelope_code(&body)),
            (StatusCode::FORBIDDEN, "FORBIDDEN".into())
        );
    }
    let missing = uuid::Uuid::now_v7();
    let (status, body) = app
        .call(
            Method::GET,
            &format!("/api/v1/analytics/courses/{missing}"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(
        (status, envelope_code(&body)),
        (StatusCode::NOT_FOUND, "COURSE_NOT_FOUND".into())
    );
    let (status, _) = app.call(Method::GET, &path, None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn study_time_and_deck_retention_through_the_api() {
    let app = TestApp::start(Backend::Sqlite, |s| s.analytics_flush = Duration::from_secs(1)).await;
    let (_, instructor) = app.user(Role::Instructor).await;
    let (_, admin) = app.user(Role::Admin).await;
    let (_, other) = app.user(Role::Student).await;
    let (course, lessons) = app.published_course(&instructor).await;
    let (learner_id, learner) = app.user(Role::Student).await;
    let post = |path: String, body: Option<Value>| {
        let (app, learner) = (&app, learner.clone());
        async move { app.call(Method::POST, &path, Some(&learner), body).await }
    };
    let (status, body) = post(format!("/api/v1/courses/{course}/enrollments"), None).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, body) = post(format!("/api/v1/lessons/{}/complete", lessons[0]), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // 0–30 s, then 10–40 s: 60 s of playback, 20 s of it a replay.
    for span in [[0.0, 30.0], [10.0, 40.0]] {
        let path = format!("/api/v1/lessons/{}/video-progress", lessons[1]);
        let (status, body) = post(path, Some(json!({"intervals": [span]}))).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let path = format!("/api/v1/analytics/courses/{course}");
    let report = eventually(&app, &path, &instructor, |b| b["funnel"][1]["watch_seconds"] == 60.0).await;
    assert_eq!(report["funnel"][1]["replay_seconds"], 20.0);

    let (status, deck) = post("/api/v1/decks".into(), Some(json!({"title": "Words"}))).await;
    assert_eq!(status, StatusCode::CREATED, "{deck}");
    let deck = deck["id"].as_str().expect("deck").to_owned();
    let card = json!({"front": "uno", "back": "one"});
    let (status, card) = post(format!("/api/v1/decks/{deck}/cards"), Some(card)).await;
    assert_eq!(status, StatusCode::CREATED, "{card}");
    let review = format!("/api/v1/cards/{}/reviews", card["id"].as_str().expect("card"));
    let (status, body) = post(
        review.clone(),
        Some(json!({"rating": "good", "duration_ms": 90_000_000})),
    )
    .await;
    assert_eq!(
        (status, envelope_code(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, "VALIDATION_ERROR".into()),
        "{body}"
    );
    let (status, body) = post(review, Some(json!({"rating": "good", "duration_ms": 4_000}))).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let deck_path = format!("/api/v1/analytics/decks/{deck}");
    let stats = eventually(&app, &deck_path, &learner, |b| b["reviews"] == 1).await;
    assert_eq!(
        (
            stats["review_seconds"].clone(),
            stats["recalls"].clone(),
            stats["retention"].clone()
        ),
        (json!(4.0), json!(0), Value::Null)
    );
    let (status, _, csv) = text(&app, &format!("{deck_path}?format=csv"), &learner).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        csv,
        format!("deck_id,title,reviews,recalls,recalled,retention,review_seconds\n{deck},Words,1,0,0,,4.0\n")
    );
    let (status, body) = app.call(Method::GET, &deck_path, Some(&other), None).await;
    assert_eq!(
        (status, envelope_code(&body)),
        (StatusCode::NOT_FOUND, "DECK_NOT_FOUND".into())
    );

    let study_path = format!("/api/v1/analytics/learners/{learner_id}/study");
    let study = eventually(&app, &study_path, &learner, |b| b["study_seconds"] == 64.0).await;
    assert_eq!(study["days"].as_array().map(Vec::len), Some(1));
    let day = &study["days"][0];
    assert_eq!(
        (
            day["watch_seconds"].clone(),
            day["replay_seconds"].clone(),
            day["reviews"].clone()
        ),
        (json!(60.0), json!(20.0), json!(1))
    );
    assert_eq!(study["weeks"][0]["study_seconds"], 64.0);
    let (status, _, csv) = text(&app, &format!("{study_path}?format=csv"), &learner).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        csv.starts_with("date,study_seconds,watch_seconds,replay_seconds,reviews,review_seconds\n"),
        "{csv}"
    );
    assert!(csv.trim_end().ends_with(",64.0,60.0,20.0,1,4.0"), "{csv}");
    // Without the learner's analytics consent, not even an admin sees it.
    for token in [&admin, &other] {
        let (status, body) = app.call(Method::GET, &study_path, Some(token), None).await;
        assert_eq!(
            (status, envelope_code(&body)),
            (StatusCode::FORBIDDEN, "FORBIDDEN".into())
        );
    }
    let overview = eventually(&app, "/api/v1/analytics/overview", &admin, |b| {
        b["study_seconds"] == 64.0
    })
    .await;
    assert_eq!(
        (overview["reviews"].clone(), overview["watch_seconds"].clone()),
        (json!(1), json!(60.0))
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overview_and_business_are_for_admins_over_bounded_periods() {
    let app = TestApp::start(Backend::Sqlite, |_| {}).await;
    let (_, admin) = app.user(Role::Admin).await;
    let (_, instructor) = app.user(Role::Instructor).await;
    app.register(&format!("overview-{}@example.com", support::unique()))
        .await;
    let overview = eventually(&app, "/api/v1/analytics/overview", &admin, |b| b["registrations"] == 3).await;
    assert_eq!(overview["first_enrollments"], 0);
    assert_eq!(overview["conversion_rate"], 0.0);
    assert!(overview["weekly_active_learners"].is_array());
    let (status, _, csv) = text(
        &app,
        "/api/v1/analytics/overview?format=csv&from=2026-01-01&to=2026-02-01",
        &admin,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some(concat!(
            "from,to,registrations,first_enrollments,conversion_rate,enrollments,lesson_completions,",
            "course_completions,quiz_attempts,study_seconds,watch_seconds,replay_seconds,reviews,retention"
        ))
    );
    assert_eq!(lines.next(), Some("2026-01-01,2026-01-31,0,0,,0,0,0,0,0.0,0.0,0.0,0,"));

    let (status, body) = app
        .call(Method::GET, "/api/v1/analytics/overview", Some(&instructor), None)
        .await;
    assert_eq!(
        (status, envelope_code(&body)),
        (StatusCode::FORBIDDEN, "FORBIDDEN".into())
    );
    let (status, body) = app
        .call(
            Method::GET,
            "/api/v1/analytics/business?from=2020-01-01&to=2026-01-01",
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["details"]["fields"][0]["field"], "from", "{body}");
    let (status, body) = app
        .call(
            Method::GET,
            "/api/v1/analytics/business?from=2026-02-01&to=2026-01-01",
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, body) = app
        .call(
            Method::GET,
            "/api/v1/analytics/business?from=2026-01-01&to=2026-01-08",
            Some(&admin),
            None,
        )
        .await;
    assert_eq!((status, body), (StatusCode::OK, json!([])), "no currency has revenue");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alert_rules_and_incidents_through_the_api() {
    let app = TestApp::start(Backend::Sqlite, |s| {
        s.monitor.evaluation_interval = Duration::from_secs(1);
    })
    .await;
    let (_, admin) = app.user(Role::Admin).await;
    let (_, learner) = app.user(Role::Student).await;
    let (status, rules) = app
        .call(Method::GET, "/api/v1/admin/alert-rules", Some(&admin), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{rules}");
    let names: Vec<&str> = rules
        .as_array()
        .expect("rules")
        .iter()
        .filter(|r| r["builtin"] == true)
        .map(|r| r["name"].as_str().expect("name"))
        .collect();
    assert!(names.contains(&"Database unreachable"), "{names:?}");
    assert_eq!(names.len(), 9, "{names:?}");
    let (status, body) = app
        .call(Method::GET, "/api/v1/admin/alert-rules", Some(&learner), None)
        .await;
    assert_eq!(
        (status, envelope_code(&body)),
        (StatusCode::FORBIDDEN, "FORBIDDEN".into())
    );

    let (status, body) = app
        .call(
            Method::POST,
            "/api/v1/admin/alert-rules",
            Some(&admin),
            Some(json!({"name": "bad", "metric": "no_such_metric", "threshold": 1, "duration_seconds": 0, "severity": "low"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    // Memory in use is always under 101 %: a rule that fires at once.
    let (status, rule) = app
        .call(
            Method::POST,
            "/api/v1/admin/alert-rules",
            Some(&admin),
            Some(
                json!({"name": "always", "metric": "memory_used_percent", "comparison": "below",
                        "threshold": 101, "duration_seconds": 0, "severity": "critical", "component": "api"}),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{rule}");
    let rule_id = rule["id"].as_str().expect("id").to_owned();
    let open = eventually(&app, "/api/v1/admin/incidents?status=open", &admin, |b| {
        b.as_array().is_some_and(|a| a.iter().any(|i| i["rule"] == "always"))
    })
    .await;
    let incident = open
        .as_array()
        .expect("incidents")
        .iter()
        .find(|i| i["rule"] == "always")
        .expect("incident")
        .clone();
    for key in [
        "id",
        "rule",
        "severity",
        "status",
        "opened_at",
        "acknowledged_at",
        "resolved_at",
    ] {
        assert!(incident.get(key).is_some(), "{key} missing in {incident}");
    }
    assert_eq!(
        (incident["severity"].as_str(), incident["status"].as_str()),
        (Some("critical"), Some("open"))
    );
    let id = incident["id"].as_str().expect("id");
    let (status, acked) = app
        .call(
            Method::POST,
            &format!("/api/v1/admin/incidents/{id}/acknowledge"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{acked}");
    assert_eq!(acked["status"], "acknowledged");
    assert!(acked["acknowledged_at"].is_string());
    let (status, body) = app
        .call(
            Method::POST,
            &format!("/api/v1/admin/incidents/{id}/acknowledge"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

    // Raising the threshold clears the condition: the incident resolves on its own.
    let (status, body) = app
        .call(
            Method::PATCH,
            &format!("/api/v1/admin/alert-rules/{rule_id}"),
            Some(&admin),
            Some(json!({"threshold": 0})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["threshold"], 0.0);
    let resolved = eventually(&app, "/api/v1/admin/incidents?status=resolved", &admin, |b| {
        b.as_array().is_some_and(|a| a.iter().any(|i| i["id"] == id))
    })
    .await;
    let resolved = resolved
        .as_array()
        .expect("list")
        .iter()
        .find(|i| i["id"] == id)
        .expect("incident")
        .clone();
    assert!(resolved["time_to_resolve_seconds"].is_i64(), "{resolved}");
    let (status, body) = app
        .call(
            Method::POST,
            &format!("/api/v1/admin/incidents/{id}/resolve"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

    let (status, _) = app
        .call(
            Method::DELETE,
            &format!("/api/v1/admin/alert-rules/{rule_id}"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let builtin = rules
        .as_array()
        .expect("rules")
        .iter()
        .find(|r| r["builtin"] == true)
        .expect("builtin");
    let (status, body) = app
        .call(
            Method::DELETE,
            &format!("/api/v1/admin/alert-rules/{}", builtin["id"].as_str().expect("id")),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, body) = app
        .call(
            Method::GET,
            "/api/v1/admin/incidents?status=unknown",
            Some(&admin),
            None,
        )
        .await;
    assert!(status.is_client_error(), "{status} {body}");

    let (status, page) = app.call(Method::GET, "/status", None, None).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page["incidents"]
        .as_array()
        .expect("incidents")
        .iter()
        .all(|i| i["component"] != "security"));
    let components: Vec<&str> = page["components"]
        .as_array()
        .expect("components")
        .iter()
        .map(|c| c["name"].as_str().expect("name"))
        .collect();
    assert_eq!(components, ["api", "database", "payments", "email", "event_delivery"]);
    let api = &page["components"][0];
    assert!(
        api["uptime"]["last_24_hours"].as_f64().expect("uptime") < 100.0,
        "{page}"
    );
    assert!(page["mttr_seconds"].is_i64(), "{page}");
    let html = app
        .request(Method::GET, "/status.html", None)
        .send()
        .await
        .expect("page");
    assert_eq!(html.status(), StatusCode::OK);
    assert!(html
        .text()
        .await
        .expect("html")
        .contains("<h1>Status: Operational</h1>"));
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_performance_view_measures_routes_and_scores_health() {
    let app = TestApp::start(Backend::Sqlite, |_| {}).await;
    let (_, admin) = app.user(Role::Admin).await;
    for _ in 0..5 {
        let (status, _) = app.call(Method::GET, "/api/v1/courses", Some(&admin), None).await;
        assert_eq!(status, StatusCode::OK);
    }
    for window in ["", "?window=5m", "?window=1h", "?window=1d"] {
        let (status, view) = app
            .call(
                Method::GET,
                &format!("/api/v1/admin/performance{window}"),
                Some(&admin),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{view}");
        let route = view["routes"]
            .as_array()
            .expect("routes")
            .iter()
            .find(|r| r["route"] == "/api/v1/courses" && r["method"] == "GET")
            .unwrap_or_else(|| panic!("no /api/v1/courses in {view}"));
        assert_eq!(route["requests"], 5);
        assert_eq!(route["error_rate"], 0.0);
        let p = |k: &str| route[k].as_f64().expect(k);
        assert!(p("p50_ms") <= p("p95_ms") && p("p95_ms") <= p("p99_ms"), "{route}");
        let score = view["health_score"].as_u64().expect("score");
        let b = &view["breakdown"];
        let points = b["apdex_points"].as_f64().unwrap()
            + b["error_points"].as_f64().unwrap()
            + b["dependency_points"].as_f64().unwrap();
        assert!((points.round() as u64).abs_diff(score) <= 1, "{view}");
    }
    let (status, body) = app
        .call(Method::GET, "/api/v1/admin/performance?window=2h", Some(&admin), None)
        .await;
    assert!(status.is_client_error(), "{status} {body}");
    let (_, learner) = app.user(Role::Student).await;
    let (status, body) = app
        .call(Method::GET, "/api/v1/admin/performance", Some(&learner), None)
        .await;
    assert_eq!(
        (status, envelope_code(&body)),
        (StatusCode::FORBIDDEN, "FORBIDDEN".into())
    );
    app.stop().await;
}
