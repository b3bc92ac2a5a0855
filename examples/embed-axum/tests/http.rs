//! The application on a real socket, over a temporary SQLite file, driven by an HTTP
//! client: a learner signs up, enrolls, finds the second lesson locked, completes the
//! first and finds the second unlocked; the relay's reaction records it; errors come back
//! as the application maps them.

use std::time::{Duration, Instant};

use embed_axum::routes::{CompletionResponse, EnrollmentResponse, Outline, SessionResponse};
use embed_axum::{App, Config};
use lms_core::domain::unlock::LessonState;
use lms_core::ids::CourseId;
use reqwest::{Client, Response, StatusCode};
use serde_json::{json, Value};
use tokio::sync::oneshot;

const PASSWORD: &str = "Analytical-Engine-1843";

/// A running application and a client for it; dropping the stop sender shuts it down.
struct Running {
    base: String,
    course: CourseId,
    client: Client,
    stop: oneshot::Sender<()>,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
    _dir: tempfile::TempDir,
}

async fn start() -> Running {
    let dir = tempfile::tempdir().expect("temporary directory");
    let config = Config {
        database: dir.path().join("embed-axum.db"),
        listen: "127.0.0.1:0".parse().expect("address"),
    };
    let app = App::build(config).await.expect("the application starts");
    let base = format!("http://{}", app.addr());
    let course = app.demo_course();
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until(async {
        let _ = stopped.await;
    }));
    Running {
        base,
        course,
        client: Client::new(),
        stop,
        server,
        _dir: dir,
    }
}

impl Running {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn post(&self, path: &str, token: Option<&str>, body: Option<Value>) -> Response {
        let mut request = self.client.post(self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.expect("request sent")
    }

    async fn get(&self, path: &str, token: Option<&str>) -> Response {
        let mut request = self.client.get(self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.expect("request sent")
    }

    async fn outline(&self, token: &str) -> Outline {
        let response = self
            .get(&format!("/courses/{}/outline", self.course), Some(token))
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        response.json().await.expect("an outline")
    }

    async fn stop(self) {
        let _ = self.stop.send(());
        self.server
            .await
            .expect("the server task")
            .expect("the server stops cleanly");
    }
}

/// The status and the `error` code of an error answer.
async fn error_of(response: Response) -> (StatusCode, String) {
    let status = response.status();
    let body: Value = response.json().await.expect("a JSON error body");
    let code = body["error"].as_str().expect("an error code").to_owned();
    (status, code)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_learner_unlocks_the_second_lesson_by_completing_the_first() {
    let app = start().await;

    let signup = app
        .post(
            "/signup",
            None,
            Some(json!({ "email": "ada@example.com", "display_name": "Ada", "password": PASSWORD })),
        )
        .await;
    assert_eq!(signup.status(), StatusCode::CREATED);
    let login = app
        .post(
            "/login",
            None,
            Some(json!({ "email": "ada@example.com", "password": PASSWORD })),
        )
        .await;
    assert_eq!(login.status(), StatusCode::OK);
    let session: SessionResponse = login.json().await.expect("a session");
    let token = session.token.as_str();

    let listed: Value = app.get("/courses", None).await.json().await.expect("courses");
    assert_eq!(listed[0]["id"], json!(app.course));

    let enroll_path = format!("/courses/{}/enroll", app.course);
    let enrolled = app.post(&enroll_path, Some(token), None).await;
    assert_eq!(enrolled.status(), StatusCode::CREATED);
    let enrollment: EnrollmentResponse = enrolled.json().await.expect("an enrollment");
    assert_eq!(enrollment.status, "active");
    let again = app.post(&enroll_path, Some(token), None).await;
    assert_eq!(again.status(), StatusCode::OK, "enrolling again answers the enrollment");

    let outline = app.outline(token).await;
    let states: Vec<LessonState> = outline.lessons.iter().map(|l| l.state).collect();
    assert_eq!(
        states,
        [LessonState::Unlocked, LessonState::Locked, LessonState::Locked]
    );
    let (first, second) = (outline.lessons[0].id, outline.lessons[1].id);
    assert!(!outline.lessons[1].unmet.is_empty(), "a locked lesson says why");
    assert_eq!(outline.next_lesson_id, Some(first));

    let locked = app
        .post(&format!("/lessons/{second}/complete"), Some(token), None)
        .await;
    assert_eq!(error_of(locked).await, (StatusCode::FORBIDDEN, "lesson_locked".into()));

    let done = app.post(&format!("/lessons/{first}/complete"), Some(token), None).await;
    assert_eq!(done.status(), StatusCode::OK);
    let done: CompletionResponse = done.json().await.expect("a completion");
    assert!(done.lesson_completed && !done.course_completed);
    assert_eq!((done.percent, done.next_lesson_id), (33, Some(second)));

    let outline = app.outline(token).await;
    let states: Vec<LessonState> = outline.lessons.iter().map(|l| l.state).collect();
    assert_eq!(
        states,
        [LessonState::Completed, LessonState::Unlocked, LessonState::Locked]
    );

    // The relay, running in the application's runtime, feeds the activity reaction.
    let deadline = Instant::now() + Duration::from_secs(10);
    let types = loop {
        let feed: Value = app.get("/me/activity", Some(token)).await.json().await.expect("a feed");
        let types: Vec<String> = feed
            .as_array()
            .expect("a list")
            .iter()
            .filter_map(|item| item["type"].as_str().map(str::to_owned))
            .collect();
        if types.iter().any(|t| t == "lesson.completed") || Instant::now() > deadline {
            break types;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(types.contains(&"enrollment.created".to_owned()), "{types:?}");
    assert!(types.contains(&"lesson.completed".to_owned()), "{types:?}");

    assert_eq!(
        app.post("/logout", Some(token), None).await.status(),
        StatusCode::NO_CONTENT
    );
    let after = app.get(&format!("/courses/{}/outline", app.course), Some(token)).await;
    assert_eq!(
        error_of(after).await,
        (StatusCode::UNAUTHORIZED, "unauthenticated".into())
    );

    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_are_answered_as_the_application_maps_them() {
    let app = start().await;

    let no_session = app.get(&format!("/courses/{}/outline", app.course), None).await;
    assert_eq!(
        error_of(no_session).await,
        (StatusCode::UNAUTHORIZED, "unauthenticated".into())
    );
    let unknown_token = app
        .post(&format!("/courses/{}/enroll", app.course), Some("not-a-session"), None)
        .await;
    assert_eq!(
        error_of(unknown_token).await,
        (StatusCode::UNAUTHORIZED, "unauthenticated".into())
    );

    let weak = app
        .post(
            "/signup",
            None,
            Some(json!({ "email": "bob@example.com", "display_name": "Bob", "password": "password" })),
        )
        .await;
    assert_eq!(weak.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let weak: Value = weak.json().await.expect("a JSON error body");
    assert_eq!(weak["error"], "invalid_input");
    assert_eq!(weak["fields"][0]["field"], "password");

    let malformed = app
        .post("/login", None, Some(json!({ "email": "bob@example.com" })))
        .await;
    assert_eq!(error_of(malformed).await.0, StatusCode::UNPROCESSABLE_ENTITY);
    let wrong = app
        .post(
            "/login",
            None,
            Some(json!({ "email": "nobody@example.com", "password": PASSWORD })),
        )
        .await;
    assert_eq!(
        error_of(wrong).await,
        (StatusCode::UNAUTHORIZED, "unauthenticated".into())
    );

    let signup = app
        .post(
            "/signup",
            None,
            Some(json!({ "email": "bob@example.com", "display_name": "Bob", "password": PASSWORD })),
        )
        .await;
    let session: SessionResponse = signup.json().await.expect("a session");
    let token = session.token.as_str();
    let taken = app
        .post(
            "/signup",
            None,
            Some(json!({ "email": "bob@example.com", "display_name": "Bob", "password": PASSWORD })),
        )
        .await;
    assert_eq!(error_of(taken).await, (StatusCode::CONFLICT, "already_exists".into()));

    let unknown = CourseId::new();
    let enroll = app.post(&format!("/courses/{unknown}/enroll"), Some(token), None).await;
    assert_eq!(error_of(enroll).await, (StatusCode::NOT_FOUND, "not_found".into()));
    let malformed_id = app.get("/courses/not-an-id/outline", Some(token)).await;
    assert_eq!(
        error_of(malformed_id).await,
        (StatusCode::NOT_FOUND, "not_found".into())
    );
    let not_enrolled = app.get(&format!("/courses/{}/outline", app.course), Some(token)).await;
    assert_eq!(
        error_of(not_enrolled).await,
        (StatusCode::FORBIDDEN, "not_enrolled".into())
    );

    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starting_again_on_the_same_file_finds_the_same_demo_course() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let config = Config {
        database: dir.path().join("embed-axum.db"),
        listen: "127.0.0.1:0".parse().expect("address"),
    };
    let first = App::build(config.clone()).await.expect("first start");
    let course = first.demo_course();
    first.run_until(async {}).await.expect("first stop");
    let second = App::build(config).await.expect("second start");
    assert_eq!(second.demo_course(), course);
    second.run_until(async {}).await.expect("second stop");
}
