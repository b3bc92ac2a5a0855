//! The `lms-server` binary: subcommands and the production start-up checks.

use std::process::{Command, Output};

use lms_core::domain::user::Role;

fn server(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_lms-server"));
    command.args(args);
    for (key, _) in std::env::vars().filter(|(k, _)| k.starts_with("LMS_")) {
        command.env_remove(key);
    }
    command.envs(env.iter().copied());
    command.output().expect("run lms-server")
}

#[test]
fn production_refuses_unsafe_settings_naming_each() {
    let out = server(
        &[],
        &[
            ("LMS_ENV", "production"),
            ("LMS_JWT_SECRET", "short"),
            ("LMS_DEBUG", "1"),
            ("LMS_DATABASE_URL", "postgres://postgres:postgres@127.0.0.1:1/lms"),
            ("LMS_BIND", "127.0.0.1:0"),
        ],
    );
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    for name in [
        "LMS_JWT_SECRET",
        "LMS_DEBUG",
        "LMS_ALLOWED_ORIGINS",
        "credentials",
        "TLS",
    ] {
        assert!(stderr.contains(name), "{name} not named in: {stderr}");
    }
    assert!(
        !stderr.contains("postgres:postgres"),
        "the database URL leaked: {stderr}"
    );
}

#[test]
fn invalid_configuration_is_reported() {
    let out = server(&["migrate"], &[("LMS_ENV", "moon")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("LMS_ENV"));
}

#[test]
fn openapi_prints_the_served_document() {
    let out = server(&["openapi"], &[]);
    assert!(out.status.success());
    let printed: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let library: serde_json::Value = serde_json::from_str(&lms_http::openapi_json()).unwrap();
    assert_eq!(printed, library);
}

#[test]
fn migrate_and_create_admin() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("nested/lms.db").display());
    let env = [("LMS_DATABASE_URL", url.as_str()), ("LMS_LOG", "error")];
    for _ in 0..2 {
        let out = server(&["migrate"], &env);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    let weak = server(
        &["create-admin", "--email", "root@example.com", "--password", "weak"],
        &env,
    );
    assert!(!weak.status.success());
    let created = server(
        &[
            "create-admin",
            "--email",
            "root@example.com",
            "--password",
            "granite-willow-comet-parsley-63",
        ],
        &env,
    );
    assert!(created.status.success(), "{}", String::from_utf8_lossy(&created.stderr));
    assert!(String::from_utf8_lossy(&created.stdout).contains("root@example.com"));
    // Again: the existing account stays an admin and gets the new password.
    let again = server(
        &[
            "create-admin",
            "--email",
            "root@example.com",
            "--password",
            "granite-willow-comet-parsley-64",
        ],
        &env,
    );
    assert!(again.status.success(), "{}", String::from_utf8_lossy(&again.stderr));
}

/// A receiver that refuses everything.
struct Refusing;

#[async_trait::async_trait]
impl lms_core::ports::Notifier for Refusing {
    async fn deliver(&self, _: &lms_core::domain::events::DomainEvent) -> Result<(), lms_core::ports::NotifyError> {
        Err(lms_core::ports::NotifyError("receiver down".into()))
    }
}

/// Stores one event that a subscriber gave up on at once: one dead letter.
async fn one_dead_letter(path: &std::path::Path) -> lms_core::ids::EventId {
    use lms_core::delivery::{Relay, RelaySettings, Subscriber};
    use lms_core::ports::{Stores, SystemClock, UnitOfWork};
    let store = lms_storage_sqlite::SqliteStore::open(path).await.expect("open");
    store.migrate().await.expect("migrate");
    let stores = Stores::from_backend(std::sync::Arc::new(store.clone()));
    let event = lms_core::domain::events::DomainEvent::new(
        lms_core::domain::events::EventPayload::UserRegistered {
            user_id: lms_core::ids::UserId::new(),
        },
        chrono::Utc::now(),
    );
    stores
        .records
        .write(&UnitOfWork::with_events(vec![event.clone()]))
        .await
        .expect("event written");
    let relay = Relay::builder(&stores, std::sync::Arc::new(SystemClock))
        .settings(RelaySettings {
            max_attempts: 1,
            ..RelaySettings::default()
        })
        .subscribe(Subscriber::new("webhook:down", std::sync::Arc::new(Refusing)))
        .build();
    relay.run_once().await.expect("pass");
    store.close().await;
    event.id
}

#[test]
fn dead_letters_are_listed_and_replayed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lms.db");
    let event_id = tokio::runtime::Runtime::new().unwrap().block_on(one_dead_letter(&path));
    let url = format!("sqlite:{}", path.display());
    let env = [("LMS_DATABASE_URL", url.as_str()), ("LMS_LOG", "error")];
    let list = |env: &[(&str, &str)]| {
        let out = server(&["dead-letters", "list"], env);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|line| serde_json::from_str::<serde_json::Value>(line).expect("a JSON line"))
            .collect::<Vec<_>>()
    };
    let letters = list(&env);
    assert_eq!(letters.len(), 1, "{letters:?}");
    assert_eq!(letters[0]["event_id"], event_id.to_string());
    assert_eq!(letters[0]["subscriber"], "webhook:down");
    assert_eq!(letters[0]["event_type"], "user.registered");
    assert_eq!(letters[0]["attempts"], 1);
    assert!(letters[0]["last_error"].as_str().unwrap().contains("receiver down"));
    let id = letters[0]["id"].as_str().unwrap().to_owned();

    let replayed = server(&["dead-letters", "replay", &id], &env);
    assert!(
        replayed.status.success(),
        "{}",
        String::from_utf8_lossy(&replayed.stderr)
    );
    assert!(String::from_utf8_lossy(&replayed.stdout).contains("webhook:down"));
    assert!(list(&env).is_empty(), "a replayed letter is a pending retry again");
    let again = server(&["dead-letters", "replay", &id], &env);
    assert!(!again.status.success());
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("not found"),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
}

/// A learner who studies a private deck of 60 cards every day for 150 days, answering
/// what is due (mostly good, sometimes again, hard or easy), on a clock the test moves;
/// the deck's id.
async fn a_studied_deck(path: &std::path::Path) -> lms_core::ids::DeckId {
    use chrono::{Duration, TimeZone, Utc};
    use lms_core::flashcards::{Answer, NewCard, NewDeck, Rating, SchedulerKind};
    use lms_core::ports::{ManualClock, Stores};
    let store = lms_storage_sqlite::SqliteStore::open(path).await.expect("open");
    store.migrate().await.expect("migrate");
    let stores = Stores::from_backend(std::sync::Arc::new(store.clone()));
    let clock = std::sync::Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 1, 5, 8, 0, 0).single().expect("a date"),
    ));
    let lms = lms_core::Lms::new(stores, clock.clone());
    let learner = lms_core::Actor {
        user_id: lms_core::ids::UserId::new(),
        role: Role::Student,
    };
    let flashcards = lms.flashcards();
    let deck = flashcards
        .create_deck(
            &learner,
            NewDeck {
                title: "Vocabulary".into(),
                scheduler: SchedulerKind::Fsrs,
                new_per_day: Some(60),
                ..NewDeck::default()
            },
        )
        .await
        .expect("deck");
    for n in 0..60 {
        let card = NewCard {
            front: format!("word {n}"),
            back: format!("meaning {n}"),
            tags: Vec::new(),
        };
        flashcards.add_card(&learner, deck.id, card).await.expect("card");
    }
    let mut rng = fastrand::Rng::with_seed(7);
    for _ in 0..150 {
        for due in flashcards.due(&learner, deck.id, 200).await.expect("due") {
            let rating = match rng.u8(0..20) {
                0..=2 => Rating::Again,
                3 => Rating::Hard,
                4 => Rating::Easy,
                _ => Rating::Good,
            };
            flashcards
                .review(&learner, due.card.id, Answer::Rating(rating))
                .await
                .expect("review");
        }
        clock.advance(Duration::days(1));
    }
    store.close().await;
    deck.id
}

#[test]
fn optimize_deck_fits_fsrs_parameters_to_the_review_log() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lms.db");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let deck = runtime.block_on(a_studied_deck(&path));
    let url = format!("sqlite:{}", path.display());
    let env = [("LMS_DATABASE_URL", url.as_str()), ("LMS_LOG", "error")];

    let out = server(&["optimize-deck", &deck.to_string()], &env);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let printed: serde_json::Value = serde_json::from_slice(&out.stdout).expect("a JSON line");
    assert_eq!(printed["deck_id"], deck.to_string());
    assert!(printed["reviews_used"].as_u64().unwrap() >= 400, "{printed}");
    let parameters: Vec<f32> = serde_json::from_value(printed["parameters"].clone()).unwrap();
    let stored = runtime.block_on(async {
        let store = lms_storage_sqlite::SqliteStore::open(&path).await.expect("open");
        let stores = lms_core::ports::Stores::from_backend(std::sync::Arc::new(store.clone()));
        let deck = lms_core::records::Records::new(stores.records.clone())
            .get::<lms_core::flashcards::Deck>(deck.as_uuid())
            .await
            .expect("read")
            .expect("the deck");
        store.close().await;
        deck.fsrs_parameters
    });
    assert_eq!(stored, parameters, "the printed parameters are the deck's");
    assert!(!stored.is_empty());

    let unknown = server(&["optimize-deck", &uuid::Uuid::now_v7().to_string()], &env);
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("not found"));
}

/// Ten audit entries recorded three days ago.
async fn old_audit_entries(path: &std::path::Path) {
    use chrono::{Duration, Utc};
    use lms_core::ports::{ManualClock, Stores};
    use lms_core::privacy::{AuditRecord, PrivacySettings};
    let store = lms_storage_sqlite::SqliteStore::open(path).await.expect("open");
    store.migrate().await.expect("migrate");
    let stores = Stores::from_backend(std::sync::Arc::new(store.clone()));
    let clock = std::sync::Arc::new(ManualClock::new(Utc::now() - Duration::days(3)));
    let privacy = lms_core::Lms::new(stores, clock).privacy(PrivacySettings::default());
    for n in 0..10 {
        privacy
            .record(AuditRecord::new(lms_core::privacy::audit::action::ADMIN_REQUEST).detail("n", n))
            .await
            .expect("an audit entry");
    }
    store.close().await;
}

#[test]
fn purge_removes_what_is_past_its_retention_and_the_chain_still_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lms.db");
    tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(old_audit_entries(&path));
    let url = format!("sqlite:{}", path.display());
    let env = [
        ("LMS_DATABASE_URL", url.as_str()),
        ("LMS_LOG", "error"),
        ("LMS_AUDIT_RETENTION_DAYS", "1"),
    ];
    let purge = || {
        let out = server(&["purge"], &env);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    // The newest old entry stays: it is what the next entry links to.
    let first = purge();
    assert!(first.contains("9 audit entries"), "{first}");
    let verified = server(&["audit", "verify"], &env);
    assert!(
        verified.status.success(),
        "{}{}",
        String::from_utf8_lossy(&verified.stdout),
        String::from_utf8_lossy(&verified.stderr)
    );
    // The kept entry and the purge's own record remain; purging again removes the old
    // head, now that a newer entry follows it.
    let stdout = String::from_utf8_lossy(&verified.stdout);
    assert!(stdout.contains("2 entries"), "{stdout}");
    let second = purge();
    assert!(second.contains("1 audit entries"), "{second}");
    let again = server(&["audit", "verify"], &env);
    assert!(again.status.success(), "{}", String::from_utf8_lossy(&again.stderr));
}

/// `healthcheck` answers for a running server configured by `extra`, by its settings
/// alone, on the address it derives from them (`scheme`), and fails once the server is
/// gone.
fn healthcheck_round_trip(scheme: &str, extra: impl FnOnce(&std::path::Path) -> Vec<(&'static str, String)>) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("lms.db").display());
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let bind = format!("0.0.0.0:{port}");
    let data = dir.path().display().to_string();
    let extra = extra(dir.path());
    let mut env = vec![
        ("LMS_DATABASE_URL", url.as_str()),
        ("LMS_BIND", bind.as_str()),
        ("LMS_DATA_DIR", data.as_str()),
        ("LMS_LOG", "error"),
    ];
    env.extend(extra.iter().map(|(k, v)| (*k, v.as_str())));
    let down = server(&["healthcheck", "--timeout", "1"], &env);
    assert_eq!(down.status.code(), Some(1), "no server yet");
    let asked = format!("{scheme}://127.0.0.1:{port}/health/ready");
    assert!(
        String::from_utf8_lossy(&down.stderr).contains(&asked),
        "{}",
        String::from_utf8_lossy(&down.stderr)
    );

    let mut command = Command::new(env!("CARGO_BIN_EXE_lms-server"));
    for (key, _) in std::env::vars().filter(|(k, _)| k.starts_with("LMS_")) {
        command.env_remove(key);
    }
    let mut running = command
        .envs(env.iter().copied())
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("start lms-server");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let ready = loop {
        let out = server(&["healthcheck", "--timeout", "1"], &env);
        if out.status.success() || std::time::Instant::now() > deadline {
            break out;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    let _ = running.kill();
    let _ = running.wait();
    assert!(ready.status.success(), "{}", String::from_utf8_lossy(&ready.stderr));
    assert!(String::from_utf8_lossy(&ready.stdout).contains(&format!("{asked}: ready")));

    let gone = server(&["healthcheck", "--timeout", "1"], &env);
    assert_eq!(gone.status.code(), Some(1), "the server is gone");
}

#[test]
fn healthcheck_asks_the_configured_server() {
    healthcheck_round_trip("http", |_| Vec::new());
}

/// With TLS on the public listener the probe speaks HTTPS to it, accepting the
/// certificate made for the server's public name although it asks on loopback.
#[test]
fn healthcheck_asks_over_https_when_the_server_terminates_tls() {
    healthcheck_round_trip("https", |dir| {
        let certified = rcgen::generate_simple_self_signed(vec!["learn.example.com".to_owned()]).unwrap();
        let cert = dir.join("cert.pem");
        let key = dir.join("key.pem");
        std::fs::write(&cert, certified.cert.pem()).unwrap();
        std::fs::write(&key, certified.signing_key.serialize_pem()).unwrap();
        vec![
            ("LMS_TLS_CERT", cert.display().to_string()),
            ("LMS_TLS_KEY", key.display().to_string()),
        ]
    });
}
