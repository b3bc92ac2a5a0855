//! Privacy through HTTP on a real server: the data export, erasure that leaves no trace in
//! the database (the raw bytes of the SQLite file and its WAL; every table of PostgreSQL,
//! dumped with `pg_dump`), consents, rectification, the audit log and `audit verify`.

mod support;

use std::io::Read as _;
use std::time::Duration;

use lms_core::domain::user::Role;
use lms_http::settings::PaymentProvider;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use support::{envelope_code, postgres_url, unique, Backend, TestApp, PASSWORD};

/// Polls `check` until it holds, for up to 20 seconds.
async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..400 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting until {what}");
}

/// A learner registered through the API with marked personal data.
struct Learner {
    id: String,
    email: String,
    name: String,
    access: String,
    refresh: String,
}

async fn register(app: &TestApp) -> Learner {
    let marker = unique();
    let email = format!("private-{marker}@example.com");
    let name = format!("Private Person {marker}");
    let (status, body) = app
        .call(
            Method::POST,
            "/api/v1/auth/register",
            None,
            Some(json!({"email": email, "password": PASSWORD, "display_name": name})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let tokens = app.login(&email).await;
    Learner {
        id: body["id"].as_str().expect("id").to_owned(),
        email,
        name,
        access: tokens["access_token"].as_str().expect("access").to_owned(),
        refresh: tokens["refresh_token"].as_str().expect("refresh").to_owned(),
    }
}

/// Buys a paid course of a text and a quiz lesson (manual payment confirmed by `admin`),
/// completes the text lesson and makes a quiz attempt; returns the course id.
async fn learn_and_buy(app: &TestApp, learner: &Learner, admin: &str) -> String {
    let (_, instructor) = app.user(Role::Instructor).await;
    let (status, course) = app
        .call(
            Method::POST,
            "/api/v1/courses",
            Some(&instructor),
            Some(
                json!({"title": "Paid", "description": "d", "category": "tests", "difficulty": "beginner",
                        "price": {"amount_minor": 4900, "currency": "EUR"}}),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{course}");
    let course_id = course["id"].as_str().expect("id").to_owned();
    let mut lessons = Vec::new();
    for lesson in [
        json!({"title": "Read", "kind": "text", "text": {"body": "Hello"}}),
        json!({"title": "Check", "kind": "quiz", "quiz": {"pass_mark_percent": 100, "questions": [
            {"prompt": "2+2?", "kind": "single_choice", "options": ["3", "4"], "correct_options": [1]}
        ]}}),
    ] {
        let (status, body) = app
            .call(
                Method::POST,
                &format!("/api/v1/courses/{course_id}/lessons"),
                Some(&instructor),
                Some(lesson),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        lessons.push(body["id"].as_str().expect("id").to_owned());
    }
    let (status, body) = app
        .call(
            Method::POST,
            &format!("/api/v1/courses/{course_id}/publish"),
            Some(&instructor),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, order) = app
        .call(
            Method::POST,
            &format!("/api/v1/courses/{course_id}/checkout"),
            Some(&learner.access),
            Some(json!({})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{order}");
    let order_id = order["id"].as_str().expect("order id");
    let (status, body) = app
        .call(
            Method::POST,
            &format!("/api/v1/admin/orders/{order_id}/mark-paid"),
            Some(admin),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    eventually("the paid order enrolls the buyer", || async {
        let (status, _) = app
            .call(
                Method::POST,
                &format!("/api/v1/lessons/{}/complete", lessons[0]),
                Some(&learner.access),
                None,
            )
            .await;
        status == StatusCode::OK
    })
    .await;
    let (status, quiz) = app
        .call(
            Method::GET,
            &format!("/api/v1/lessons/{}", lessons[1]),
            Some(&learner.access),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{quiz}");
    let question = quiz["quiz"]["questions"][0]["id"]
        .as_str()
        .expect("question")
        .to_owned();
    let (status, body) = app
        .call(
            Method::POST,
            &format!("/api/v1/lessons/{}/quiz-attempts", lessons[1]),
            Some(&learner.access),
            Some(json!({"answers": [{"question_id": question, "selected_options": [0]}]})),
        )
        .await;
    assert!(status.is_success(), "{status} {body}");
    course_id
}

fn unzip(bytes: &[u8]) -> std::collections::BTreeMap<String, String> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip");
    let mut files = std::collections::BTreeMap::new();
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).expect("entry");
        let mut text = String::new();
        file.read_to_string(&mut text).expect("UTF-8");
        files.insert(file.name().to_owned(), text);
    }
    files
}

/// Requests the learner's erasure and waits (as `admin`) until it completes.
async fn erase(app: &TestApp, learner: &Learner, admin: &str) {
    let (status, body) = app
        .call(
            Method::POST,
            "/api/v1/me/erasure",
            Some(&learner.access),
            Some(json!({"password": "wrong-password-1"})),
        )
        .await;
    assert_eq!(
        (status, envelope_code(&body)),
        (StatusCode::FORBIDDEN, "FORBIDDEN".to_owned()),
        "{body}"
    );
    let (status, request) = app
        .call(
            Method::POST,
            "/api/v1/me/erasure",
            Some(&learner.access),
            Some(json!({"password": PASSWORD})),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{request}");
    assert!(
        matches!(
            request["status"].as_str(),
            Some("requested" | "in_progress" | "completed")
        ),
        "{request}"
    );
    let path = format!("/api/v1/me/erasure/{}", request["id"].as_str().expect("id"));
    eventually("the erasure completes", || async {
        let (_, body) = app.call(Method::GET, &path, Some(admin), None).await;
        body["status"] == "completed"
    })
    .await;
    // Servers learn of ended sessions from the revocation feed they poll (every second).
    eventually("the erased account's access token is refused", || async {
        app.call(Method::GET, "/api/v1/me", Some(&learner.access), None).await.0 == StatusCode::UNAUTHORIZED
    })
    .await;
    let (status, _) = app
        .call(
            Method::POST,
            "/api/v1/auth/refresh",
            None,
            Some(json!({"refresh_token": learner.refresh})),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "its refresh token too");
    let (status, _) = app
        .call(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"email": learner.email, "password": PASSWORD})),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "login fails");
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_then_erasure_leaves_no_byte_of_the_user_in_the_sqlite_files() {
    let app = TestApp::start(Backend::Sqlite, |s| s.payments.provider = PaymentProvider::Manual).await;
    let (_, admin) = app.user(Role::Admin).await;
    let learner = register(&app).await;
    learn_and_buy(&app, &learner, &admin).await;

    let (status, consent) = app
        .call(
            Method::PUT,
            "/api/v1/me/consents/analytics",
            Some(&learner.access),
            Some(json!({"granted": true, "policy_version": "2026-01"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{consent}");
    assert_eq!(
        (consent["purpose"].as_str(), consent["granted"].as_bool()),
        (Some("analytics"), Some(true))
    );
    let (status, consents) = app
        .call(Method::GET, "/api/v1/me/consents", Some(&learner.access), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let purposes: Vec<&str> = consents["consents"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["purpose"].as_str())
        .collect();
    assert_eq!(purposes, ["analytics", "marketing", "cookies", "certificate_name"]);

    // Rectification: the old name must be gone too after erasure.
    let corrected = format!("{} Corrected", learner.name);
    let (status, me) = app
        .call(
            Method::PATCH,
            "/api/v1/me",
            Some(&learner.access),
            Some(json!({"display_name": corrected})),
        )
        .await;
    assert_eq!(
        (status, me["display_name"].as_str()),
        (StatusCode::OK, Some(corrected.as_str())),
        "{me}"
    );

    let export = app
        .request(Method::GET, "/api/v1/me/export", Some(&learner.access))
        .send()
        .await
        .expect("export");
    assert_eq!(export.status(), StatusCode::OK);
    assert_eq!(export.headers()["content-type"], "application/zip");
    let files = unzip(&export.bytes().await.expect("body"));
    for name in [
        "data.json",
        "profile.csv",
        "enrollments.csv",
        "order.csv",
        "consent.csv",
        "audit.csv",
    ] {
        assert!(files.contains_key(name), "{name} missing from {:?}", files.keys());
    }
    let data: Value = serde_json::from_str(&files["data.json"]).expect("JSON");
    assert_eq!(data["profile"]["email"], learner.email.as_str());
    let enrollment = &data["enrollments"][0];
    assert_eq!(data["enrollments"].as_array().map(Vec::len), Some(1), "{data}");
    let lessons = enrollment["lessons"].as_object().expect("progress per lesson");
    assert!(
        lessons.values().any(|l| !l["completed_at"].is_null()),
        "progress: {enrollment}"
    );
    assert!(
        lessons.values().any(|l| l["quiz"]["attempts"] == 1),
        "quiz attempts: {enrollment}"
    );
    assert_eq!(data["records"]["order"][0]["status"], "paid", "{data}");
    assert!(
        files["order.csv"].lines().count() == 2,
        "header and the order: {}",
        files["order.csv"]
    );
    let actions: Vec<&str> = data["audit"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert!(
        actions.contains(&"auth.login") && actions.contains(&"privacy.profile_rectified"),
        "{actions:?}"
    );

    let url = app.state.settings.database_url.expose().to_owned();
    let file = std::path::PathBuf::from(url.trim_start_matches("sqlite:").trim_start_matches("//"));
    let mut wal = file.clone().into_os_string();
    wal.push("-wal");
    let wal = std::path::PathBuf::from(wal);
    // The database file and its write-ahead log (which a checkpoint may have emptied).
    let database_bytes = || {
        let mut files = vec![(
            file.clone(),
            std::fs::read(&file).expect("the database file is readable"),
        )];
        if let Ok(bytes) = std::fs::read(&wal) {
            files.push((wal.clone(), bytes));
        }
        files
    };
    // The search finds the user before the erasure, so its silence after means something.
    let before = database_bytes();
    for marker in [&learner.email, &corrected] {
        assert!(
            before.iter().any(|(_, bytes)| contains(bytes, marker)),
            "{marker:?} is not in the database files before the erasure"
        );
    }

    erase(&app, &learner, &admin).await;

    for (path, bytes) in database_bytes() {
        for marker in [&learner.email, &learner.name, &corrected] {
            assert!(
                !contains(&bytes, marker),
                "{marker:?} is in the bytes of {}",
                path.display()
            );
        }
    }

    // The email is free again.
    let (status, body) = app
        .call(
            Method::POST,
            "/api/v1/auth/register",
            None,
            Some(json!({"email": learner.email, "password": PASSWORD, "display_name": "New Owner"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    app.stop().await;
}

#[cfg_attr(lms_skip_postgres, ignore = "LMS_TEST_POSTGRES_URL is not set")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn erasure_leaves_nothing_of_the_user_in_a_postgres_dump() {
    if postgres_url().is_none() {
        return;
    }
    let app = TestApp::start(Backend::Postgres, |s| s.payments.provider = PaymentProvider::Manual).await;
    let (_, admin) = app.user(Role::Admin).await;
    let learner = register(&app).await;
    learn_and_buy(&app, &learner, &admin).await;
    // pg_dump takes the connection part of the URL, not the driver's options.
    let url = app.state.settings.database_url.expose().to_owned();
    let url = url.split('?').next().unwrap_or_default().to_owned();
    let dump = || {
        let out = std::process::Command::new("pg_dump")
            .args(["--data-only", "--no-owner", &url])
            .output()
            .expect("pg_dump runs");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        out.stdout
    };
    let before = dump();
    assert!(
        contains(&before, &learner.email) && contains(&before, &learner.name),
        "the dump sees the user"
    );

    erase(&app, &learner, &admin).await;
    let after = dump();
    for marker in [&learner.email, &learner.name] {
        assert!(!contains(&after, marker), "{marker:?} is still in the database");
    }
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admins_enter_erasures_and_read_the_audit_log_as_json_and_csv() {
    let app = TestApp::start(Backend::Sqlite, |_| {}).await;
    let (admin_id, admin) = app.user(Role::Admin).await;
    let learner = register(&app).await;
    let (status, body) = app
        .call(Method::GET, "/api/v1/admin/audit", Some(&learner.access), None)
        .await;
    assert_eq!(
        (status, envelope_code(&body)),
        (StatusCode::FORBIDDEN, "FORBIDDEN".to_owned())
    );
    let (status, body) = app
        .call(
            Method::POST,
            &format!("/api/v1/admin/users/{}/erasure", learner.id),
            Some(&learner.access),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, request) = app
        .call(
            Method::POST,
            &format!("/api/v1/admin/users/{}/erasure", learner.id),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{request}");
    assert_eq!(request["channel"], "admin");
    let path = format!("/api/v1/me/erasure/{}", request["id"].as_str().unwrap());
    eventually("the admin's erasure completes", || async {
        app.call(Method::GET, &path, Some(&admin), None).await.1["status"] == "completed"
    })
    .await;

    let (status, page) = app
        .call(
            Method::GET,
            &format!("/api/v1/admin/audit?subject={}&limit=50", learner.id),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let actions: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert_eq!(actions.first(), Some(&"auth.login"), "{actions:?}");
    assert!(
        actions.contains(&"privacy.erasure_requested") && actions.contains(&"privacy.erasure_completed"),
        "{actions:?}"
    );
    let text = page.to_string();
    assert!(
        !text.contains(&learner.email) && !text.contains(&learner.name),
        "no personal data in the log"
    );

    let (status, page) = app
        .call(
            Method::GET,
            &format!("/api/v1/admin/audit?actor={admin_id}&action=admin.request"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let entry = &page["items"][0];
    assert_eq!(entry["details"]["route"], "/api/v1/admin/users/{id}/erasure", "{page}");
    assert_eq!(entry["details"]["status"], "202");

    let csv = app
        .request(
            Method::GET,
            "/api/v1/admin/audit?action=auth.login&format=csv&limit=2",
            Some(&admin),
        )
        .send()
        .await
        .expect("csv");
    assert_eq!(csv.status(), StatusCode::OK);
    let text = csv.text().await.unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("seq,at,actor_id,subject_id,action,details,prev_hash,hash")
    );
    assert_eq!(lines.count(), 2, "{text}");

    let (status, first) = app
        .call(Method::GET, "/api/v1/admin/audit?limit=1", Some(&admin), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let cursor = first["next_cursor"].as_str().expect("a cursor");
    let (status, second) = app
        .call(
            Method::GET,
            &format!("/api/v1/admin/audit?limit=1&cursor={cursor}"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{second}");
    assert_eq!(
        second["items"][0]["seq"].as_i64(),
        first["items"][0]["seq"].as_i64().map(|s| s + 1)
    );

    // A time window: entries at or after `from`, before `to`.
    let at = first["items"][0]["at"].as_str().expect("a time").to_owned();
    let start = chrono::DateTime::parse_from_rfc3339(&at).expect("RFC 3339");
    let end = start + chrono::Duration::seconds(1);
    let second_later = end.to_rfc3339();
    let entries_between = |from: &str, to: &str| {
        // A time with an offset has a `+`, which a query string must escape.
        let (from, to) = (from.replace('+', "%2B"), to.replace('+', "%2B"));
        let path = format!("/api/v1/admin/audit?from={from}&to={to}&limit=200");
        let app = &app;
        let admin = &admin;
        async move {
            let (status, page) = app.call(Method::GET, &path, Some(admin), None).await;
            assert_eq!(status, StatusCode::OK, "{page}");
            page["items"].as_array().cloned().unwrap_or_default()
        }
    };
    let within = entries_between(&at, &second_later).await;
    assert!(!within.is_empty(), "the entry at {at} is in the second from its time");
    assert!(
        within.iter().all(|e| {
            let t = e["at"].as_str().unwrap_or_default();
            chrono::DateTime::parse_from_rfc3339(t).is_ok_and(|t| start <= t && t < end)
        }),
        "{within:?}"
    );
    assert!(entries_between(&at, &at).await.is_empty(), "`to` is excluded");
    assert!(entries_between("2100-01-01T00:00:00Z", "2100-12-31T00:00:00Z")
        .await
        .is_empty());
    assert!(entries_between("2000-01-01T00:00:00Z", "2000-12-31T00:00:00Z")
        .await
        .is_empty());
    app.stop().await;
}

fn server(args: &[&str], database_url: &str) -> std::process::Output {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_lms-server"));
    command.args(args);
    for (key, _) in std::env::vars().filter(|(k, _)| k.starts_with("LMS_")) {
        command.env_remove(key);
    }
    command.env("LMS_DATABASE_URL", database_url);
    command.output().expect("run lms-server")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_verify_names_an_altered_or_deleted_entry() {
    let app = TestApp::start(Backend::Sqlite, |_| {}).await;
    for _ in 0..3 {
        register(&app).await;
    }
    // The server keeps running (its temporary directory goes when it stops); the command
    // opens the same file beside it, as an operator would.
    let url = app.state.settings.database_url.expose().to_owned();

    let verified = server(&["audit", "verify"], &url);
    let stdout = String::from_utf8_lossy(&verified.stdout);
    assert!(
        verified.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&verified.stderr)
    );
    assert!(stdout.contains("audit chain verified: 3 entries"), "{stdout}");

    let pool = sqlx::SqlitePool::connect(&url).await.expect("open the file");
    sqlx::query("UPDATE records SET doc = json_set(doc, '$.action', 'auth.logout') WHERE kind = 'audit_entry' AND json_extract(doc, '$.seq') = 2")
        .execute(&pool)
        .await
        .expect("alter");
    let altered = server(&["audit", "verify"], &url);
    let stderr = String::from_utf8_lossy(&altered.stderr);
    assert!(!altered.status.success(), "an altered entry must fail the check");
    assert!(stderr.contains("entry #2") && stderr.contains("altered"), "{stderr}");

    sqlx::query("UPDATE records SET doc = json_set(doc, '$.action', 'auth.login') WHERE kind = 'audit_entry' AND json_extract(doc, '$.seq') = 2")
        .execute(&pool)
        .await
        .expect("restore");
    assert!(
        server(&["audit", "verify"], &url).status.success(),
        "restored, the chain verifies"
    );
    // The newest entry, deleted at once (no checkpoint has seen it): the head stored with
    // it names it.
    for statement in [
        "CREATE TABLE saved_entry AS SELECT * FROM records WHERE kind = 'audit_entry' AND json_extract(doc, '$.seq') = 3",
        "DELETE FROM records WHERE kind = 'audit_entry' AND json_extract(doc, '$.seq') = 3",
    ] {
        sqlx::query(statement).execute(&pool).await.expect(statement);
    }
    let truncated = server(&["audit", "verify"], &url);
    let stderr = String::from_utf8_lossy(&truncated.stderr);
    assert!(
        !truncated.status.success(),
        "a deleted newest entry must fail the check"
    );
    assert!(stderr.contains("#3") && stderr.contains("missing"), "{stderr}");
    sqlx::query("INSERT INTO records SELECT * FROM saved_entry")
        .execute(&pool)
        .await
        .expect("put it back");
    assert!(
        server(&["audit", "verify"], &url).status.success(),
        "put back, the chain verifies"
    );

    sqlx::query("DELETE FROM records WHERE kind = 'audit_entry' AND json_extract(doc, '$.seq') = 2")
        .execute(&pool)
        .await
        .expect("delete");
    pool.close().await;
    let deleted = server(&["audit", "verify"], &url);
    let stderr = String::from_utf8_lossy(&deleted.stderr);
    assert!(!deleted.status.success(), "a deleted entry must fail the check");
    assert!(stderr.contains("entry #2") && stderr.contains("missing"), "{stderr}");
    app.stop().await;
}

const KEY_1: &str = "k1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
const KEY_2: &str = "k2:HxseHRwbGhkYFxYVFBMSERAPDg0MCwoJCAcGBQQDAgE=";
const BLIND_KEY: &str = "a-blind-index-key-of-32-bytes-or-more";

fn encryption(keys: &str) -> lms_http::settings::EncryptionKeys {
    let vars = [("LMS_ENCRYPTION_KEYS", keys), ("LMS_BLIND_INDEX_KEY", BLIND_KEY)]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    lms_http::Settings::from_vars(vars)
        .expect("valid keys")
        .encryption
        .expect("keys")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn emails_and_names_are_encrypted_at_rest_and_keys_rotate() {
    let app = TestApp::start(Backend::Sqlite, |s| s.encryption = Some(encryption(KEY_1))).await;
    let learner = register(&app).await;
    let (status, me) = app.call(Method::GET, "/api/v1/me", Some(&learner.access), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (me["email"].as_str(), me["display_name"].as_str()),
        (Some(learner.email.as_str()), Some(learner.name.as_str()))
    );

    let url = app.state.settings.database_url.expose().to_owned();
    let file = std::path::PathBuf::from(url.trim_start_matches("sqlite:").trim_start_matches("//"));
    let mut wal = file.clone().into_os_string();
    wal.push("-wal");
    // The database file must be read; its WAL may be checkpointed away already.
    let raw = |path: &std::path::Path| match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && path != file => Vec::new(),
        Err(e) => panic!("read {}: {e}", path.display()),
    };
    assert!(raw(&file).starts_with(b"SQLite format 3"), "the server's database file");
    for path in [file.clone(), wal.clone().into()] {
        let bytes = raw(&path);
        for marker in [&learner.email, &learner.name] {
            assert!(
                !contains(&bytes, marker),
                "{marker:?} in plaintext in {}",
                path.display()
            );
        }
    }
    let stores = app.storage.stores().0;
    let dump = stores.dump.dump_all().await.expect("dump");
    assert!(
        dump.contains("v1.k1.") && !dump.contains(&learner.email),
        "sealed under k1"
    );

    // A new key first: rotate-keys re-encrypts everything under it.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_lms-server"))
        .arg("rotate-keys")
        .env("LMS_DATABASE_URL", &url)
        .env("LMS_ENCRYPTION_KEYS", format!("{KEY_2},{KEY_1}"))
        .env("LMS_BLIND_INDEX_KEY", BLIND_KEY)
        .output()
        .expect("run rotate-keys");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("re-encrypted 1 of 1 users under key k2"), "{stdout}");
    let dump = stores.dump.dump_all().await.expect("dump");
    assert!(
        !dump.contains("v1.k1.") && dump.contains("v1.k2."),
        "no ciphertext uses k1 any more"
    );

    // The old key can go: everything decrypts, and logins work, with the new one alone.
    let only_new = encryption(KEY_2);
    let lms = lms_core::Lms::with_system_clock(stores.with_encryption(only_new.keys, only_new.blind));
    let session = lms
        .auth
        .login(&learner.email, PASSWORD)
        .await
        .expect("login under k2 alone");
    assert_eq!(session.user.display_name.as_str(), learner.name);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn certificates_verify_publicly_and_download_through_expiring_links() {
    let app = TestApp::start(Backend::Sqlite, |_| {}).await;
    let (_, instructor) = app.user(Role::Instructor).await;
    let (status, course) = app
        .call(
            Method::POST,
            "/api/v1/courses",
            Some(&instructor),
            Some(json!({"title": "Certified <Course>", "description": "d", "category": "tests", "difficulty": "beginner"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{course}");
    let course_id = course["id"].as_str().unwrap().to_owned();
    let (_, lesson) = app
        .call(
            Method::POST,
            &format!("/api/v1/courses/{course_id}/lessons"),
            Some(&instructor),
            Some(json!({"title": "Read", "kind": "text", "text": {"body": "Hello"}})),
        )
        .await;
    app.call(
        Method::POST,
        &format!("/api/v1/courses/{course_id}/publish"),
        Some(&instructor),
        None,
    )
    .await;
    let learner = register(&app).await;
    let (status, _) = app
        .call(
            Method::POST,
            &format!("/api/v1/courses/{course_id}/enrollments"),
            Some(&learner.access),
            None,
        )
        .await;
    assert!(status.is_success());
    let lesson_id = lesson["id"].as_str().unwrap();
    let (status, body) = app
        .call(
            Method::POST,
            &format!("/api/v1/lessons/{lesson_id}/complete"),
            Some(&learner.access),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, enrollments) = app
        .call(Method::GET, "/api/v1/me/enrollments", Some(&learner.access), None)
        .await;
    let certificate = enrollments["items"][0]["certificate_id"]
        .as_str()
        .expect("a certificate")
        .to_owned();

    let (status, key) = app
        .call(Method::GET, "/api/v1/certificates/public-key", None, None)
        .await;
    assert_eq!(
        (status, key["algorithm"].as_str()),
        (StatusCode::OK, Some("Ed25519")),
        "{key}"
    );
    let public_key = key["public_key"].as_str().unwrap();
    let path = format!("/api/v1/certificates/{certificate}");
    let (status, anonymous) = app.call(Method::GET, &path, None, None).await;
    assert_eq!(status, StatusCode::OK, "{anonymous}");
    assert_eq!(anonymous["course_title"], "Certified <Course>");
    assert!(
        anonymous.get("learner_name").is_none(),
        "no name without consent: {anonymous}"
    );
    assert_eq!(anonymous["valid"], true);
    let payload = anonymous["signed_payload"].as_str().unwrap();
    let signature = anonymous["signature"].as_str().unwrap();
    assert!(
        lms_core::certificates::verify_signature(public_key, payload, signature),
        "verifies offline"
    );
    let forged = payload.replace("Certified", "Forged");
    assert!(!lms_core::certificates::verify_signature(
        public_key, &forged, signature
    ));

    app.call(
        Method::PUT,
        "/api/v1/me/consents/certificate_name",
        Some(&learner.access),
        Some(json!({"granted": true, "policy_version": "1"})),
    )
    .await;
    let (_, named) = app.call(Method::GET, &path, None, None).await;
    assert_eq!(named["learner_name"], learner.name.as_str());
    let page = app
        .request(Method::GET, &format!("/certificates/{certificate}"), None)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("Certified &lt;Course&gt;") && html.contains(&learner.name),
        "{html}"
    );

    // A signed link downloads it without credentials; altered or for another, it does not.
    let (status, link) = app
        .call(
            Method::POST,
            &format!("/api/v1/me/certificates/{certificate}/download-link"),
            Some(&learner.access),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{link}");
    let url = link["url"].as_str().unwrap().to_owned();
    let download = app.request(Method::GET, &url, None).send().await.unwrap();
    assert_eq!(download.status(), StatusCode::OK);
    assert!(download.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains("attachment"));
    let tampered = url.replace("expires=", "expires=9");
    let (status, body) = app.call(Method::GET, &tampered, None, None).await;
    assert_eq!(
        (status, envelope_code(&body)),
        (StatusCode::FORBIDDEN, "FORBIDDEN".to_owned())
    );
    let (_, stranger) = app.user(Role::Student).await;
    let (status, _) = app
        .call(
            Method::POST,
            &format!("/api/v1/me/certificates/{certificate}/download-link"),
            Some(&stranger),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "only its learner links it");

    // Erased, the learner's certificate no longer verifies as theirs.
    let (_, admin) = app.user(Role::Admin).await;
    erase(&app, &learner, &admin).await;
    let (status, body) = app.call(Method::GET, &path, None, None).await;
    assert_eq!(
        (status, envelope_code(&body)),
        (StatusCode::NOT_FOUND, "CERTIFICATE_NOT_FOUND".to_owned())
    );
    let page = app
        .request(Method::GET, &format!("/certificates/{certificate}"), None)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::NOT_FOUND);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_erasure_waits_out_its_cool_off_and_the_user_can_cancel_it() {
    let app = TestApp::start(Backend::Sqlite, |s| {
        s.erasure_cool_off = Duration::from_secs(14 * 24 * 3600)
    })
    .await;
    let learner = register(&app).await;
    let (_, stranger) = app.user(Role::Student).await;
    let (status, request) = app
        .call(
            Method::POST,
            "/api/v1/me/erasure",
            Some(&learner.access),
            Some(json!({"password": PASSWORD})),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{request}");
    assert_eq!(request["status"], "requested", "{request}");
    let requested = chrono::DateTime::parse_from_rfc3339(request["requested_at"].as_str().unwrap()).unwrap();
    let not_before = chrono::DateTime::parse_from_rfc3339(request["not_before"].as_str().unwrap()).unwrap();
    assert_eq!(not_before - requested, chrono::Duration::days(14), "{request}");
    let path = format!("/api/v1/me/erasure/{}", request["id"].as_str().unwrap());

    // Nothing happens during the window: the account works, and its owner reads the request.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let (status, read) = app.call(Method::GET, &path, Some(&learner.access), None).await;
    assert_eq!(
        (status, read["status"].as_str()),
        (StatusCode::OK, Some("requested")),
        "{read}"
    );
    assert_eq!(read["steps_done"], json!([]), "{read}");
    let (status, _) = app.call(Method::GET, "/api/v1/me", Some(&learner.access), None).await;
    assert_eq!(status, StatusCode::OK);

    // Someone else can neither read nor cancel it.
    let (status, _) = app.call(Method::GET, &path, Some(&stranger), None).await;
    assert!(
        matches!(status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
        "{status}"
    );
    let (status, _) = app
        .call(Method::POST, &format!("{path}/cancel"), Some(&stranger), None)
        .await;
    assert!(
        matches!(status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
        "{status}"
    );

    // Its owner cancels it as easily as they asked for it; cancelling again changes nothing.
    let (status, cancelled) = app
        .call(Method::POST, &format!("{path}/cancel"), Some(&learner.access), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{cancelled}");
    assert_eq!(cancelled["status"], "cancelled", "{cancelled}");
    assert!(cancelled["closed_at"].is_string(), "{cancelled}");
    let (status, again) = app
        .call(Method::POST, &format!("{path}/cancel"), Some(&learner.access), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(
        (&again["status"], &again["closed_at"]),
        (&cancelled["status"], &cancelled["closed_at"])
    );
    let (status, _) = app.call(Method::GET, "/api/v1/me", Some(&learner.access), None).await;
    assert_eq!(status, StatusCode::OK, "the account is kept");
    app.stop().await;
}
