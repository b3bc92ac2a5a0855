//! `lms-server backup` and `restore` through the real binary: a database filled by the
//! conformance suite moves SQLite → PostgreSQL → MongoDB → SQLite with every backup equal,
//! and a damaged backup (a changed byte, a wrong key, a cut file) is refused by `restore`
//! and by `backup --verify`, naming why, with the target database left empty.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::str::FromStr;

use lms_core::ports::Stores;
use lms_http::app::Storage;
use lms_http::backup::{backup_store, verify_file};
use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection};

/// A fixed test key (base64 of 32 bytes).
const KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

fn key() -> [u8; 32] {
    lms_http::backup::parse_key(KEY).expect("the test key")
}

/// Runs `lms-server` with only these `LMS_*` variables.
fn server(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_lms-server"));
    command.args(args);
    for (key, _) in std::env::vars().filter(|(k, _)| k.starts_with("LMS_")) {
        command.env_remove(key);
    }
    command.envs(env.iter().copied());
    command.output().expect("run lms-server")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// `lms-server backup --out FILE` of the database `url`.
fn backup(url: &str, file: &Path) {
    let out = server(
        &["backup", "--out", file.to_str().expect("path")],
        &[("LMS_DATABASE_URL", url), ("LMS_BACKUP_KEY", KEY)],
    );
    assert!(out.status.success(), "backup of {url}: {}", stderr(&out));
}

/// `lms-server restore --from FILE` into the database `url`.
fn restore(url: &str, file: &Path, key: &str) -> Output {
    server(
        &["restore", "--from", file.to_str().expect("path")],
        &[("LMS_DATABASE_URL", url), ("LMS_BACKUP_KEY", key)],
    )
}

async fn is_empty(url: &str) -> bool {
    let storage = Storage::open(url).await.expect("open");
    storage.migrate().await.expect("migrate");
    let empty = backup_store(&storage).is_empty().await.expect("is_empty");
    storage.close().await;
    empty
}

/// A SQLite database filled by the whole conformance suite: every section, and records
/// of every kind the suite writes (orders, decks, cards, reviews, webhooks, consents, …).
async fn filled_sqlite(dir: &Path) -> String {
    let url = format!("sqlite:{}", dir.join("source.db").display());
    let storage = Storage::open(&url).await.expect("open");
    storage.migrate().await.expect("migrate");
    let stores = storage.stores().0;
    let report = lms_core::testing::run_all(stores.clone()).await;
    report.assert_passed();
    // A session written with nanoseconds, which SQLite keeps and the other backends do
    // not (a clock other than the core's wrote it): the backup holds it at microseconds,
    // so every restore reads back what the manifest says.
    let first = lms_core::ports::PageRequest::new(None, Some(1)).expect("a page");
    let user = stores.users.list_users(first).await.expect("users").items[0].id;
    let at = chrono::DateTime::parse_from_rfc3339("2026-01-02T03:04:05.123456789Z")
        .expect("a time")
        .to_utc();
    stores
        .auth
        .insert_refresh_token(&lms_core::ports::RefreshToken {
            token_hash: "f".repeat(64),
            family_id: uuid::Uuid::now_v7(),
            user_id: user,
            issued_at: at,
            expires_at: at + chrono::Duration::days(7),
            state: lms_core::ports::RefreshTokenState::Active,
        })
        .await
        .expect("a session with nanoseconds");
    storage.close().await;
    url
}

/// A new database on the PostgreSQL test server; its name and URL.
async fn fresh_postgres(server_url: &str) -> (String, String) {
    let server = PgConnectOptions::from_str(server_url).expect("LMS_TEST_POSTGRES_URL");
    let name = format!("lms_backup_{}", uuid::Uuid::now_v7().simple());
    let mut admin = server.connect().await.expect("connect");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .expect("create database");
    admin.close().await.expect("close");
    (name.clone(), server.database(&name).to_url_lossy().to_string())
}

async fn drop_postgres(server_url: &str, name: &str) {
    let server = PgConnectOptions::from_str(server_url).expect("LMS_TEST_POSTGRES_URL");
    let mut admin = server.connect().await.expect("connect");
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(&mut admin)
        .await
        .expect("drop database");
}

/// The URL of a new database on the MongoDB deployment `server_url` names.
fn fresh_mongo(server_url: &str) -> String {
    let (base, query) = server_url
        .split_once('?')
        .map_or((server_url, None), |(b, q)| (b, Some(q)));
    let hosts_start = base.find("://").map_or(0, |i| i + 3);
    let hosts_end = base[hosts_start..].find('/').map_or(base.len(), |i| hosts_start + i);
    let name = format!("lms_backup_{}", uuid::Uuid::now_v7().simple());
    let query = query.map(|q| format!("?{q}")).unwrap_or_default();
    format!("{}/{name}{query}", &base[..hosts_end])
}

async fn drop_mongo(url: &str) {
    if let Ok(Storage::Mongo(store)) = Storage::open(url).await {
        let _ = store.database().drop().await;
        store.close().await;
    }
}

#[cfg_attr(
    any(lms_skip_postgres, lms_skip_mongo),
    ignore = "needs LMS_TEST_POSTGRES_URL and LMS_TEST_MONGO_URL"
)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_to_postgres_to_mongo_to_sqlite_keeps_every_item() {
    let pg_server = std::env::var("LMS_TEST_POSTGRES_URL").expect("LMS_TEST_POSTGRES_URL");
    let mongo_server = std::env::var("LMS_TEST_MONGO_URL").expect("LMS_TEST_MONGO_URL");
    let dir = tempfile::tempdir().expect("temporary directory");
    let file = |name: &str| -> PathBuf { dir.path().join(name) };

    let sqlite = filled_sqlite(dir.path()).await;
    let (pg_name, postgres) = fresh_postgres(&pg_server).await;
    let mongo = fresh_mongo(&mongo_server);
    let back_to_sqlite = format!("sqlite:{}", file("restored.db").display());

    backup(&sqlite, &file("1-sqlite.bak"));
    let steps = [
        (&postgres, "1-sqlite.bak", "2-postgres.bak"),
        (&mongo, "2-postgres.bak", "3-mongo.bak"),
        (&back_to_sqlite, "3-mongo.bak", "4-sqlite.bak"),
    ];
    for (url, from, to) in steps {
        let out = restore(url, &file(from), KEY);
        assert!(out.status.success(), "restore of {from} into {url}: {}", stderr(&out));
        backup(url, &file(to));
    }
    drop_postgres(&pg_server, &pg_name).await;
    drop_mongo(&mongo).await;

    let (_, first) = verify_file(&file("1-sqlite.bak"), &key()).expect("verify");
    for section in [
        "users",
        "courses",
        "enrollments",
        "records",
        "password_hashes",
        "refresh_tokens",
        "outbox",
    ] {
        assert!(first[section].count > 0, "the source holds {section}");
    }
    for later in ["2-postgres.bak", "3-mongo.bak", "4-sqlite.bak"] {
        let (_, manifest) = verify_file(&file(later), &key()).expect("verify");
        assert_eq!(manifest, first, "{later} holds exactly what the SQLite backup held");
    }
}

/// The file with one byte in the middle changed, the file cut short, and the file read
/// with another key: each refused with its reason.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_damaged_backup_is_refused_and_the_target_stays_empty() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let source = format!("sqlite:{}", dir.path().join("source.db").display());
    let storage = Storage::open(&source).await.expect("open");
    storage.migrate().await.expect("migrate");
    let stores: Stores = storage.stores().0;
    // A few hundred items of several sections.
    for _ in 0..3 {
        lms_core::testing::run_matching(stores.clone(), "use_cases::")
            .await
            .assert_passed();
    }
    storage.close().await;
    let good = dir.path().join("good.bak");
    backup(&source, &good);
    let bytes = std::fs::read(&good).expect("read");

    let flipped = dir.path().join("flipped.bak");
    let mut changed = bytes.clone();
    let middle = changed.len() / 2;
    changed[middle] ^= 0x01;
    std::fs::write(&flipped, changed).expect("write");
    let truncated = dir.path().join("truncated.bak");
    std::fs::write(&truncated, &bytes[..bytes.len() - 100]).expect("write");
    let wrong_key = "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff";

    let cases = [
        (&flipped, KEY, "failed authentication (a byte was changed)"),
        (&truncated, KEY, "truncated file"),
        (&good, wrong_key, "wrong key"),
    ];
    for (i, (file, key, reason)) in cases.into_iter().enumerate() {
        let verified = server(
            &["backup", "--verify", file.to_str().expect("path")],
            &[("LMS_BACKUP_KEY", key)],
        );
        assert!(!verified.status.success(), "--verify accepted {}", file.display());
        assert!(
            stderr(&verified).contains(reason),
            "--verify of {}: {}",
            file.display(),
            stderr(&verified)
        );

        let target = format!("sqlite:{}", dir.path().join(format!("target-{i}.db")).display());
        let restored = restore(&target, file, key);
        assert!(!restored.status.success(), "restore accepted {}", file.display());
        assert!(
            stderr(&restored).contains(reason),
            "restore of {}: {}",
            file.display(),
            stderr(&restored)
        );
        assert!(is_empty(&target).await, "restoring {} left data behind", file.display());
    }

    // The intact file restores, and only into an empty database.
    let target = format!("sqlite:{}", dir.path().join("target-good.db").display());
    let out = restore(&target, &good, KEY);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!is_empty(&target).await);
    let again = restore(&target, &good, KEY);
    assert!(!again.status.success());
    assert!(stderr(&again).contains("not empty"), "{}", stderr(&again));
    // A key that is not 32 bytes is refused before anything is read.
    let short = server(
        &["backup", "--verify", good.to_str().expect("path")],
        &[("LMS_BACKUP_KEY", "c2hvcnQ=")],
    );
    assert!(stderr(&short).contains("must be 32 bytes"), "{}", stderr(&short));
}
