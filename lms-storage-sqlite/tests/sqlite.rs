//! Behaviour specific to the SQLite adapter: opening, migrations, error classification and
//! writers in several stores (as in several processes) sharing one file.

use futures::future::join_all;
use lms_core::domain::user::User;
use lms_core::ports::{PageRequest, StoreError, StoreHealth, UserStore};
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
