//! A real server on an OS-assigned port, a reqwest client, and helpers for the API.

#![allow(dead_code)]

use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};

use lms_core::domain::user::Role;
use lms_core::services::NewUser;
use lms_http::api::State;
use lms_http::ratelimit::RateLimiter;
use lms_http::{Application, Settings, Storage};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use sqlx::postgres::PgConnectOptions;
use sqlx::ConnectOptions;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Password used for every test account.
pub const PASSWORD: &str = "correct-horse-battery-staple-42";

/// Which storage a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
    Mongo,
}

/// Runs each scenario (an `async fn(Backend)` in scope) on SQLite, PostgreSQL and MongoDB:
/// tests `sqlite::<name>`, `postgres::<name>` and `mongo::<name>`. Those of a backend this
/// run has no server for are ignored, with the reason (`build.rs`); attributes before a
/// scenario apply to its three tests (a service the scenario needs).
#[macro_export]
macro_rules! on_every_backend {
    ($($(#[$attr:meta])* $name:ident),+ $(,)?) => {
        mod sqlite {
            $(
                $(#[$attr])*
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(super::support::Backend::Sqlite).await;
                }
            )+
        }
        mod postgres {
            $(
                $(#[$attr])*
                #[cfg_attr(lms_skip_postgres, ignore = "LMS_TEST_POSTGRES_URL is not set")]
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if super::support::postgres_url().is_some() {
                        super::$name(super::support::Backend::Postgres).await;
                    }
                }
            )+
        }
        mod mongo {
            $(
                $(#[$attr])*
                #[cfg_attr(lms_skip_mongo, ignore = "LMS_TEST_MONGO_URL is not set")]
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if super::support::mongo_url().is_some() {
                        super::$name(super::support::Backend::Mongo).await;
                    }
                }
            )+
        }
    };
}

/// The URL in `var`, or `None` after printing SKIPPED; fails instead when
/// `LMS_REQUIRE_BACKENDS` lists `backend`.
fn optional_service(var: &str, backend: &str) -> Option<String> {
    if let Some(url) = std::env::var(var).ok().filter(|u| !u.is_empty()) {
        return Some(url);
    }
    let required = std::env::var("LMS_REQUIRE_BACKENDS").unwrap_or_default();
    assert!(
        !required.split(',').any(|b| b.trim() == backend),
        "LMS_REQUIRE_BACKENDS lists {backend} but {var} is not set"
    );
    println!("SKIPPED: set {var} to run the HTTP tests that need {backend}");
    None
}

/// The Postgres URL for tests (`LMS_TEST_POSTGRES_URL`).
pub fn postgres_url() -> Option<String> {
    optional_service("LMS_TEST_POSTGRES_URL", "postgres")
}

/// The MongoDB deployment for tests (`LMS_TEST_MONGO_URL`).
pub fn mongo_url() -> Option<String> {
    optional_service("LMS_TEST_MONGO_URL", "mongo")
}

/// A database of its own on the MongoDB deployment `server` names (a URL whose path, if
/// any, names some other database): MongoDB creates it on the first write.
fn fresh_mongo_database(server: &str) -> String {
    let (base, query) = server.split_once('?').map_or((server, None), |(b, q)| (b, Some(q)));
    let hosts_start = base.find("://").map_or(0, |i| i + 3);
    let hosts_end = base[hosts_start..].find('/').map_or(base.len(), |i| hosts_start + i);
    let name = format!("lms_http_{}_{}", std::process::id(), unique());
    let query = query.map(|q| format!("?{q}")).unwrap_or_default();
    format!("{}/{name}{query}", &base[..hosts_end])
}

/// The Redis URL for tests (`LMS_TEST_REDIS_URL`).
pub fn redis_url() -> Option<String> {
    optional_service("LMS_TEST_REDIS_URL", "redis")
}

/// The SMTP test server (`LMS_TEST_SMTP_URL`) and the directory it spools every received
/// message to (`LMS_TEST_SMTP_SPOOL`), from `scripts/smtp-test-server.sh`.
pub fn smtp() -> Option<(String, std::path::PathBuf)> {
    let url = optional_service("LMS_TEST_SMTP_URL", "smtp")?;
    let spool = std::env::var("LMS_TEST_SMTP_SPOOL").expect("LMS_TEST_SMTP_SPOOL names the SMTP spool directory");
    Some((url, spool.into()))
}

/// The fake Stripe for tests (`LMS_TEST_STRIPE_URL`: localstripe behind the recording
/// proxy of `scripts/stripe-test-server.sh`) and the file the proxy logs each request to
/// (`LMS_TEST_STRIPE_REQUESTS`).
pub fn stripe() -> Option<(String, std::path::PathBuf)> {
    let url = optional_service("LMS_TEST_STRIPE_URL", "stripe")?;
    let log = std::env::var("LMS_TEST_STRIPE_REQUESTS")
        .expect("LMS_TEST_STRIPE_REQUESTS names the file the Stripe proxy logs requests to");
    Some((url, log.into()))
}

/// The Python of the real-Anki test environment (`LMS_TEST_ANKI_PYTHON`, made by
/// `lms-anki/tests/anki/setup.sh`).
pub fn anki_python() -> Option<std::path::PathBuf> {
    optional_service("LMS_TEST_ANKI_PYTHON", "anki").map(Into::into)
}

/// The NATS URL for tests (`LMS_TEST_NATS_URL`).
pub fn nats_url() -> Option<String> {
    optional_service("LMS_TEST_NATS_URL", "nats")
}

/// The URL of an empty database of `backend` for one test: an SQLite file in `dir`, a
/// new PostgreSQL database (returned, to be dropped with
/// [`FreshDatabase::drop_database`]) or a new MongoDB database.
pub async fn fresh_database(backend: Backend, dir: &std::path::Path) -> (String, Option<FreshDatabase>) {
    match backend {
        Backend::Postgres => {
            let db = FreshDatabase::create(&postgres_url().expect("postgres URL")).await;
            (db.url.clone(), Some(db))
        }
        Backend::Mongo => (fresh_mongo_database(&mongo_url().expect("MongoDB URL")), None),
        Backend::Sqlite => (format!("sqlite:{}", dir.join("lms.db").display()), None),
    }
}

/// A database of its own on the Postgres test server, for one test.
pub struct FreshDatabase {
    server: PgConnectOptions,
    name: String,
    url: String,
}

impl FreshDatabase {
    async fn create(server_url: &str) -> Self {
        let server = PgConnectOptions::from_str(server_url).expect("valid LMS_TEST_POSTGRES_URL");
        let name = format!("lms_http_test_{}", uuid::Uuid::now_v7().simple());
        let mut admin = server.connect().await.expect("connect to the Postgres test server");
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .await
            .expect("create the test database");
        let url = server.clone().database(&name).to_url_lossy().to_string();
        Self { server, name, url }
    }

    /// Drops the database.
    pub async fn drop_database(self) {
        let mut admin = self
            .server
            .connect()
            .await
            .expect("connect to the Postgres test server");
        sqlx::query(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name))
            .execute(&mut admin)
            .await
            .expect("drop the test database");
    }
}

/// A running server.
pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub state: State,
    pub storage: Storage,
    shutdown: Option<oneshot::Sender<()>>,
    handle: Option<JoinHandle<std::io::Result<()>>>,
    database: Option<FreshDatabase>,
    _dir: tempfile::TempDir,
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A unique suffix for emails and names.
pub fn unique() -> String {
    format!(
        "{}{}",
        uuid::Uuid::now_v7().simple(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

impl TestApp {
    /// A server on `backend` with default test settings changed by `configure`.
    pub async fn start(backend: Backend, configure: impl FnOnce(&mut Settings)) -> Self {
        Self::start_with(backend, configure, RateLimiter::local()).await
    }

    /// A server with a given rate limiter.
    pub async fn start_with(backend: Backend, configure: impl FnOnce(&mut Settings), limiter: RateLimiter) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let (url, database) = fresh_database(backend, dir.path()).await;
        let mut settings = Settings::for_tests(&url);
        settings.rate_limits.per_minute = 10_000;
        settings.rate_limits.login_per_minute = 10_000;
        configure(&mut settings);
        let storage = Storage::open(&url).await.expect("open storage");
        storage.migrate().await.expect("migrate");
        let app = Application::build_with(settings, storage.clone(), limiter)
            .await
            .expect("build");
        Self::serve(app, storage, database, dir)
    }

    /// Runs a built server until [`TestApp::stop`].
    fn serve(app: Application, storage: Storage, database: Option<FreshDatabase>, dir: tempfile::TempDir) -> Self {
        let base = format!("http://{}", app.addr());
        let state = app.state();
        let (tx, rx) = oneshot::channel();
        let handle = tokio::spawn(app.run_until(async move {
            let _ = rx.await;
        }));
        Self {
            base,
            client: reqwest::Client::new(),
            state,
            storage,
            shutdown: Some(tx),
            handle: Some(handle),
            database,
            _dir: dir,
        }
    }

    /// Another server over the same database and with the same settings, as a second
    /// instance of a deployment would be.
    pub async fn second_instance(&self) -> TestApp {
        let settings = self.state.settings.clone();
        let app = Application::build_with(settings, self.storage.clone(), RateLimiter::local())
            .await
            .expect("build the second instance");
        Self::serve(app, self.storage.clone(), None, tempfile::tempdir().expect("temp dir"))
    }

    /// Signals shutdown and waits for the server to stop.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(handle) = self.handle.take() {
            handle.await.expect("server task").expect("server result");
        }
        self.storage.close().await;
        if let Some(db) = self.database.take() {
            db.drop_database().await;
        }
    }

    /// Sends the shutdown signal without waiting.
    pub fn signal_shutdown(&mut self) -> Option<JoinHandle<std::io::Result<()>>> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        self.handle.take()
    }

    /// A request to `path` (relative to the server root).
    pub fn request(&self, method: Method, path: &str, token: Option<&str>) -> reqwest::RequestBuilder {
        let builder = self.client.request(method, format!("{}{path}", self.base));
        match token {
            Some(t) => builder.bearer_auth(t),
            None => builder,
        }
    }

    /// Sends a JSON request; returns status and body (`Null` when empty).
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut builder = self.request(method, path, token);
        if let Some(body) = body {
            builder = builder.json(&body);
        }
        let resp = builder.send().await.expect("request");
        let status = resp.status();
        let text = resp.text().await.expect("body");
        let value = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or_else(|_| panic!("non-JSON body for {path}: {text}"))
        };
        (status, value)
    }

    /// Registers a student; returns their id.
    pub async fn register(&self, email: &str) -> String {
        let (status, body) = self
            .call(
                Method::POST,
                "/api/v1/auth/register",
                None,
                Some(json!({"email": email, "password": PASSWORD, "display_name": "Tester"})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body["id"].as_str().expect("id").to_owned()
    }

    /// Logs in; returns the whole token response.
    pub async fn login(&self, email: &str) -> Value {
        let (status, body) = self
            .call(
                Method::POST,
                "/api/v1/auth/login",
                None,
                Some(json!({"email": email, "password": PASSWORD})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body
    }

    /// Creates an account with a role and logs it in; returns (user id, access token).
    pub async fn user(&self, role: Role) -> (String, String) {
        let email = format!("{}-{}@example.com", role.as_str(), unique());
        let user = self
            .state
            .lms
            .users
            .provision(
                NewUser {
                    email: email.clone(),
                    display_name: role.as_str().to_owned(),
                },
                role,
            )
            .await
            .expect("provision");
        self.state
            .lms
            .auth
            .set_password_unchecked(user.id, PASSWORD)
            .await
            .expect("password");
        let tokens = self.login(&email).await;
        (
            user.id.to_string(),
            tokens["access_token"].as_str().expect("token").to_owned(),
        )
    }

    /// Creates a published course with a text, a video and a quiz lesson as `instructor`;
    /// returns (course id, [text, video, quiz] lesson ids).
    pub async fn published_course(&self, instructor: &str) -> (String, Vec<String>) {
        let (status, course) = self
            .call(
                Method::POST,
                "/api/v1/courses",
                Some(instructor),
                Some(json!({"title": "Course", "description": "d", "category": "tests", "difficulty": "beginner"})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{course}");
        let course_id = course["id"].as_str().expect("id").to_owned();
        let mut lessons = Vec::new();
        for lesson in [
            json!({"title": "Read", "kind": "text", "text": {"body": "Hello"}}),
            json!({"title": "Watch", "kind": "video", "video": {"youtube_id": "dQw4w9WgXcQ", "duration_seconds": 100}}),
            json!({"title": "Check", "kind": "quiz", "quiz": {"pass_mark_percent": 100, "questions": [
                {"prompt": "2+2?", "kind": "single_choice", "options": ["3", "4"], "correct_options": [1]}
            ]}}),
        ] {
            let (status, body) = self
                .call(
                    Method::POST,
                    &format!("/api/v1/courses/{course_id}/lessons"),
                    Some(instructor),
                    Some(lesson),
                )
                .await;
            assert_eq!(status, StatusCode::CREATED, "{body}");
            lessons.push(body["id"].as_str().expect("id").to_owned());
        }
        let (status, body) = self
            .call(
                Method::POST,
                &format!("/api/v1/courses/{course_id}/publish"),
                Some(instructor),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        (course_id, lessons)
    }
}

/// Checks the O4 envelope and returns its code.
pub fn envelope_code(body: &Value) -> String {
    let error = &body["error"];
    for key in ["code", "message", "timestamp", "request_id"] {
        assert!(error[key].is_string(), "envelope lacks {key}: {body}");
    }
    assert!(error.get("details").is_some(), "envelope lacks details: {body}");
    assert!(
        !error["request_id"].as_str().unwrap_or("").is_empty(),
        "empty request id: {body}"
    );
    error["code"].as_str().unwrap_or_default().to_owned()
}
