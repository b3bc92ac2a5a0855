//! Behaviour specific to the SQLite adapter: opening, migrations, error classification and
//! writers in several stores (as in several processes) sharing one file, and what erasure
//! leaves in the file.

use futures::future::join_all;
use lms_core::domain::user::User;
use lms_core::ports::{DataDump, ErasureStore, PageRequest, StoreError, StoreHealth, UserStore};
use lms_storage_sql::testing::user;
use lms_storage_sqlite::SqliteStore;

async fn fresh() -> (tempfile::TempDir, SqliteStore) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let store = SqliteStore::open(dir.path().join("lms.db")).await.expect("open");
    store.migrate().await.expect("migrate");
    (dir, store)
}

#[tokio::test]
async fn migrating_again_keeps_the_data() {
    let (dir, store) = fresh().await;
    let ada = user("ada@example.com");
    store.insert_user(&ada, None, &[]).await.expect("insert");
    store.migrate().await.expect("second migrate");
    store.close().await;

    let url = format!("sqlite://{}", dir.path().join("lms.db").display());
    let reopened = SqliteStore::connect(&url).await.expect("reopen by URL");
    reopened.migrate().await.expect("migrate after reopening");
    assert_eq!(reopened.get_user(ada.id).await.expect("get"), Some(ada));
}

#[tokio::test]
async fn a_url_creates_a_missing_file_in_wal_mode() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("new.db");
    let store = SqliteStore::connect(&format!("sqlite:{}", path.display()))
        .await
        .expect("connect");
    store.migrate().await.expect("migrate");
    store
        .insert_user(&user("wal@example.com"), None, &[])
        .await
        .expect("insert");
    assert!(path.exists(), "the database file is created");
    assert!(
        dir.path().join("new.db-wal").exists(),
        "writes go to the write-ahead log"
    );
}

#[tokio::test]
async fn uniqueness_violations_name_the_rule() {
    let (_dir, store) = fresh().await;
    lms_storage_sql::testing::unique_violations_are_classified(&store).await;
}

#[tokio::test]
async fn an_unusable_file_or_closed_store_is_unavailable() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let missing_dir = dir.path().join("no-such-directory").join("lms.db");
    let err = SqliteStore::open(&missing_dir)
        .await
        .expect_err("cannot create the file");
    assert!(matches!(err, StoreError::Unavailable(_)), "{err:?}");

    let (_dir, store) = fresh().await;
    store.ping().await.expect("ping");
    store.close().await;
    let err = store.ping().await.expect_err("closed");
    assert!(matches!(err, StoreError::Unavailable(_)), "{err:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn writers_in_separate_stores_of_one_file_all_succeed() {
    let (dir, first) = fresh().await;
    let second = SqliteStore::open(dir.path().join("lms.db"))
        .await
        .expect("second store");
    let users: Vec<User> = (0..60).map(|i| user(&format!("writer-{i}@example.com"))).collect();
    let writes = users.iter().enumerate().map(|(i, u)| {
        let store = if i % 2 == 0 { &first } else { &second };
        store.insert_user(u, None, &[])
    });
    for result in join_all(writes).await {
        result.expect("every write succeeds despite the other store's writer");
    }
    let listed = first
        .list_users(PageRequest::new(None, Some(100)).expect("page"))
        .await
        .expect("list");
    assert_eq!(listed.items.len(), users.len());
}

#[tokio::test]
async fn classes_stored_before_records_become_records() {
    use sqlx::Connection;
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("lms.db");
    let url = format!("sqlite://{}?mode=rwc", path.display());
    let mut conn = sqlx::SqliteConnection::connect(&url).await.expect("connect");
    for schema in [
        include_str!("../migrations/0001_initial.sql"),
        include_str!("../migrations/0002_refresh_token_revocation_time.sql"),
    ] {
        sqlx::raw_sql(schema).execute(&mut conn).await.expect("earlier schema");
    }
    let (class, doc) = lms_storage_sql::testing::class_stored_before_records();
    sqlx::query("INSERT INTO classes (id, version, doc) VALUES (?, ?, ?)")
        .bind(class.id.as_uuid())
        .bind(class.version as i64)
        .bind(doc)
        .execute(&mut conn)
        .await
        .expect("a class as stored before");
    for records in [
        include_str!("../migrations/0003_records.sql"),
        include_str!("../migrations/0004_records_without_rowid.sql"),
    ] {
        sqlx::raw_sql(records)
            .execute(&mut conn)
            .await
            .expect("records migration");
    }
    conn.close().await.expect("close");
    let store = SqliteStore::open(&path).await.expect("open");
    lms_storage_sql::testing::assert_class_became_a_record(std::sync::Arc::new(store), &class).await;
}

/// Whether `haystack` holds the bytes of `needle` anywhere.
fn holds(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|window| window == needle.as_bytes())
}

#[tokio::test]
async fn erasure_leaves_nothing_in_the_database_file_or_its_log() {
    let (dir, store) = fresh().await;
    let (db, wal) = (dir.path().join("lms.db"), dir.path().join("lms.db-wal"));
    let marker = lms_storage_sql::testing::erasure_deletes_enrollments_and_owned_records(&store).await;
    let before: Vec<u8> = [
        std::fs::read(&db).expect("read the file"),
        std::fs::read(&wal).unwrap_or_default(),
    ]
    .concat();
    assert!(
        holds(&before, &marker),
        "before the scrub the pages still hold the deleted rows"
    );

    store.scrub_deleted_data().await.expect("scrub");
    assert!(
        !holds(&std::fs::read(&db).expect("read the file"), &marker),
        "the database file holds deleted data"
    );
    if let Ok(log) = std::fs::read(&wal) {
        assert!(log.is_empty(), "the log is truncated");
        assert!(!holds(&log, &marker), "the write-ahead log holds deleted data");
    }
    store
        .scrub_deleted_data()
        .await
        .expect("a second scrub has nothing to do");

    store
        .insert_user(&user("after-scrub@example.com"), None, &[])
        .await
        .expect("the store writes on after a scrub");
}

#[tokio::test]
async fn a_scrub_that_a_reader_keeps_from_finishing_fails() {
    use sqlx::Connection;
    let (dir, store) = fresh().await;
    store
        .insert_user(&user("first@example.com"), None, &[])
        .await
        .expect("insert");
    let url = format!("sqlite://{}", dir.path().join("lms.db").display());
    let mut reader = sqlx::SqliteConnection::connect(&url).await.expect("connect");
    let mut snapshot = reader.begin().await.expect("begin");
    let _: Vec<i64> = sqlx::query_scalar("SELECT count(*) FROM users")
        .fetch_all(&mut *snapshot)
        .await
        .expect("read");
    store
        .insert_user(&user("second@example.com"), None, &[])
        .await
        .expect("a write past the reader's snapshot");

    let err = store
        .scrub_deleted_data()
        .await
        .expect_err("the reader's snapshot keeps the log");
    assert!(matches!(err, StoreError::Unavailable(_)), "{err:?}");

    snapshot.rollback().await.expect("end the read");
    store.scrub_deleted_data().await.expect("scrub once the reader is done");
}

#[tokio::test]
async fn the_dump_renders_every_value_of_every_table() {
    use sqlx::Connection;
    let (dir, store) = fresh().await;
    let ada = user("dump@example.com");
    store
        .insert_user(&ada, Some("$argon2id$stored-hash"), &[])
        .await
        .expect("insert");
    let url = format!("sqlite://{}", dir.path().join("lms.db").display());
    let mut conn = sqlx::SqliteConnection::connect(&url).await.expect("connect");
    sqlx::raw_sql(
        r#"CREATE TABLE "odd ""name"" ?" (t TEXT, n INTEGER, r REAL, b BLOB, z);
           INSERT INTO "odd ""name"" ?" VALUES ('line one
line two', 42, 1.5, x'6869ff', NULL);"#,
    )
    .execute(&mut conn)
    .await
    .expect("a table no port knows");
    conn.close().await.expect("close");

    let dump = store.dump_all().await.expect("dump");
    let line = |table: &str| {
        dump.lines()
            .find(|l| l.starts_with(&format!("{table} ")))
            .unwrap_or_else(|| panic!("no {table} row in:\n{dump}"))
    };
    let hex = ada.id.as_uuid().simple().to_string();
    let users = line("users");
    for part in [&format!("id=x'{hex}'"), "email=dump@example.com", "version=1", "doc={"] {
        assert!(users.contains(part), "{part} in {users}");
    }
    assert!(line("password_hashes").contains("hash=$argon2id$stored-hash"));
    assert!(
        line("_sqlx_migrations").contains("success=1"),
        "tables no port reads are dumped"
    );
    assert_eq!(
        line(r#"odd "name" ?"#),
        "odd \"name\" ? t=line one\\nline two n=42 r=1.5 b=x'6869ff' \"hi\u{fffd}\" z=NULL",
        "names from the catalog are quoted, each row stays on one line"
    );
}
