//! Behaviour specific to the Postgres adapter: migrations (repeated and concurrent), error
//! classification, an unreachable server, recovery after the server drops every
//! connection, TLS, documents stored as `jsonb`, erasure and the dump of every table.

mod common;

use std::time::{Duration, Instant};

use lms_core::ids::UserId;
use lms_core::ports::{DataDump, ErasureStore, StoreError, StoreHealth, UserStore};
use lms_storage_postgres::{PoolConfig, PostgresStore};
use lms_storage_sql::testing::user;
use sqlx::postgres::PgSslMode;
use sqlx::ConnectOptions;

/// A migrated store on a fresh database, or `None` when the tests are skipped.
async fn fresh(test: &str) -> Option<(common::TestDatabase, PostgresStore)> {
    let server = common::server_url(test)?;
    let db = common::TestDatabase::create(&server).await;
    let store = PostgresStore::connect(&db.url).await.expect("connect");
    store.migrate().await.expect("migrate");
    Some((db, store))
}

#[cfg_attr(lms_skip_postgres, ignore = "LMS_TEST_POSTGRES_URL is not set")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrations_run_twice_and_concurrently() {
    let Some(server) = common::server_url("lms-storage-postgres migrations") else {
        return;
    };
    let db = common::TestDatabase::create(&server).await;
    let first = PostgresStore::connect(&db.url).await.expect("first pool");
    let second = PostgresStore::connect(&db.url).await.expect("second pool");
    let (a, b) = tokio::join!(first.migrate(), second.migrate());
    a.expect("first concurrent migrate");
    b.expect("second concurrent migrate");
    first.migrate().await.expect("migrate again");

    let migration_files = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations"))
        .expect("migrations directory")
        .count();
    let applied: i64 = sqlx::query_scalar("SELECT count(*) FROM _sqlx_migrations WHERE success")
        .fetch_one(first.pool())
        .await
        .expect("count applied migrations");
    assert_eq!(applied as usize, migration_files, "each migration is applied once");

    let ada = user("ada@example.com");
    first.insert_user(&ada, None, &[]).await.expect("the schema works");
    assert_eq!(second.get_user(ada.id).await.expect("get"), Some(ada));
}

#[cfg_attr(lms_skip_postgres, ignore = "LMS_TEST_POSTGRES_URL is not set")]
#[tokio::test]
async fn uniqueness_violations_name_the_rule() {
    let Some((_db, store)) = fresh("lms-storage-postgres uniqueness").await else {
        return;
    };
    lms_storage_sql::testing::unique_violations_are_classified(&store).await;
}

#[tokio::test]
async fn an_unreachable_server_is_unavailable_quickly() {
    // Port 1 on the loopback interface refuses connections.
    let url = "postgres://postgres@127.0.0.1:1/unreachable";
    let config = PoolConfig::default();

    // Each failure surfaces within the 3 s acquire timeout (plus scheduling slack).
    let quickly = |started: Instant| {
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "took {:?}",
            started.elapsed()
        )
    };

    let started = Instant::now();
    let err = PostgresStore::connect_with(url, config)
        .await
        .expect_err("cannot connect");
    assert!(matches!(err, StoreError::Unavailable(_)), "{err:?}");
    quickly(started);

    let store = PostgresStore::connect_lazy(url, config).expect("lazy store");
    let started = Instant::now();
    let err = store.ping().await.expect_err("ping");
    assert!(matches!(err, StoreError::Unavailable(_)), "{err:?}");
    quickly(started);
    let started = Instant::now();
    let err = store.get_user(UserId::new()).await.expect_err("read");
    assert!(matches!(err, StoreError::Unavailable(_)), "{err:?}");
    quickly(started);
    let started = Instant::now();
    let err = store
        .insert_user(&user("nobody@example.com"), None, &[])
        .await
        .expect_err("write");
    assert!(matches!(err, StoreError::Unavailable(_)), "{err:?}");
    quickly(started);
}

#[cfg_attr(lms_skip_postgres, ignore = "LMS_TEST_POSTGRES_URL is not set")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_store_recovers_when_the_server_drops_its_connections() {
    let Some((db, store)) = fresh("lms-storage-postgres recovery").await else {
        return;
    };
    let ada = user("ada@example.com");
    store.insert_user(&ada, None, &[]).await.expect("insert");
    assert!(store.pool().size() > 0, "the pool keeps a connection");

    let mut admin = db.admin().await;
    let terminated: Vec<bool> = sqlx::query_scalar(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
    )
    .bind(db.name())
    .fetch_all(&mut admin)
    .await
    .expect("terminate the store's connections");
    assert!(terminated.iter().any(|&t| t), "at least one connection was terminated");
    // Connections idle in the pool for a quarter of a second are checked before use.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;

    store.ping().await.expect("ping after the connections were dropped");
    assert_eq!(store.get_user(ada.id).await.expect("read after recovery"), Some(ada));
    store
        .insert_user(&user("bob@example.com"), None, &[])
        .await
        .expect("write after recovery");
}

#[cfg_attr(lms_skip_postgres, ignore = "LMS_TEST_POSTGRES_URL is not set")]
#[tokio::test]
async fn tls_is_negotiated_when_the_url_asks_for_it() {
    let Some((db, store)) = fresh("lms-storage-postgres tls").await else {
        return;
    };
    let server_ssl: String = sqlx::query_scalar("SHOW ssl")
        .fetch_one(store.pool())
        .await
        .expect("show ssl");
    let tls_url = db.options().ssl_mode(PgSslMode::Require).to_url_lossy().to_string();
    let connected = PostgresStore::connect(&tls_url).await;
    if server_ssl == "on" {
        let tls_store = connected.expect("connect with sslmode=require");
        let encrypted: bool = sqlx::query_scalar("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
            .fetch_one(tls_store.pool())
            .await
            .expect("read the connection's TLS state");
        assert!(encrypted, "the connection is encrypted");
    } else {
        let err = connected.expect_err("a server without TLS refuses sslmode=require");
        assert!(
            matches!(err, StoreError::Unavailable(_) | StoreError::Backend(_)),
            "{err:?}"
        );
    }
}

#[cfg_attr(lms_skip_postgres, ignore = "LMS_TEST_POSTGRES_URL is not set")]
#[tokio::test]
async fn enrollment_documents_are_text_compressed_with_lz4_where_the_server_has_it() {
    let Some((_db, store)) = fresh("lms-storage-postgres enrollment column").await else {
        return;
    };
    let (column_type, compression): (String, String) = sqlx::query_as(
        "SELECT atttypid::regtype::text, attcompression::text FROM pg_attribute \
         WHERE attrelid = 'enrollments'::regclass AND attname = 'doc'",
    )
    .fetch_one(store.pool())
    .await
    .expect("read the column's definition");
    assert_eq!(
        column_type, "text",
        "documents are stored as written, not parsed into jsonb"
    );

    // A server built without lz4 refuses it as the default compression (for this
    // transaction only: it is rolled back).
    let mut tx = store.pool().begin().await.expect("transaction");
    let server_has_lz4 = sqlx::query("SET LOCAL default_toast_compression = 'lz4'")
        .execute(&mut *tx)
        .await
        .is_ok();
    let expected = if server_has_lz4 { "l" } else { "" };
    assert_eq!(compression, expected, "the column keeps migration 0003's lz4 setting");
}

#[cfg_attr(lms_skip_postgres, ignore = "LMS_TEST_POSTGRES_URL is not set")]
#[tokio::test]
async fn statements_are_planned_generically() {
    let Some((_db, store)) = fresh("lms-storage-postgres plan cache mode").await else {
        return;
    };
    let mode: String = sqlx::query_scalar("SHOW plan_cache_mode")
        .fetch_one(store.pool())
        .await
        .expect("show plan_cache_mode");
    assert_eq!(mode, "force_generic_plan");
}

#[cfg_attr(lms_skip_postgres, ignore = "LMS_TEST_POSTGRES_URL is not set")]
#[tokio::test]
async fn classes_stored_before_records_become_records() {
    use sqlx::Connection;
    let Some(server) = common::server_url("classes_stored_before_records_become_records") else {
        return;
    };
    let db = common::TestDatabase::create(&server).await;
    let mut conn = sqlx::PgConnection::connect(&db.url).await.expect("connect");
    for schema in [
        include_str!("../migrations/0001_initial.sql"),
        include_str!("../migrations/0002_refresh_token_revocation_time.sql"),
        include_str!("../migrations/0003_enrollment_doc_lz4.sql"),
        include_str!("../migrations/0004_enrollment_doc_text.sql"),
    ] {
        sqlx::raw_sql(schema).execute(&mut conn).await.expect("earlier schema");
    }
    let (class, doc) = lms_storage_sql::testing::class_stored_before_records();
    sqlx::query("INSERT INTO classes (id, version, doc) VALUES ($1, $2, $3::jsonb)")
        .bind(class.id.as_uuid())
        .bind(class.version as i64)
        .bind(doc)
        .execute(&mut conn)
        .await
        .expect("a class as stored before");
    sqlx::raw_sql(include_str!("../migrations/0005_records.sql"))
        .execute(&mut conn)
        .await
        .expect("records migration");
    conn.close().await.expect("close");
    let store = PostgresStore::connect(&db.url).await.expect("connect");
    lms_storage_sql::testing::assert_class_became_a_record(std::sync::Arc::new(store.clone()), &class).await;
    store.close().await;
}

#[cfg_attr(lms_skip_postgres, ignore = "LMS_TEST_POSTGRES_URL is not set")]
#[tokio::test]
async fn documents_are_stored_as_jsonb_objects() {
    let Some((_db, store)) = fresh("lms-storage-postgres jsonb documents").await else {
        return;
    };
    let ada = user("ada-jsonb@example.com");
    store.insert_user(&ada, None, &[]).await.expect("insert");
    let (kind, email): (String, String) =
        sqlx::query_as("SELECT jsonb_typeof(doc), doc ->> 'email' FROM users WHERE id = $1")
            .bind(ada.id.as_uuid())
            .fetch_one(store.pool())
            .await
            .expect("read the stored document");
    assert_eq!(kind, "object", "a document is parsed, not stored as a JSON string");
    assert_eq!(email, ada.email.as_str());
    assert_eq!(store.get_user(ada.id).await.expect("read back"), Some(ada));
}

#[cfg_attr(lms_skip_postgres, ignore = "LMS_TEST_POSTGRES_URL is not set")]
#[tokio::test]
async fn erasure_deletes_enrollments_and_owned_records() {
    let Some((_db, store)) = fresh("lms-storage-postgres erasure").await else {
        return;
    };
    lms_storage_sql::testing::erasure_deletes_enrollments_and_owned_records(&store).await;
    store
        .scrub_deleted_data()
        .await
        .expect("nothing to scrub: vacuum reclaims dead rows");
}

#[cfg_attr(lms_skip_postgres, ignore = "LMS_TEST_POSTGRES_URL is not set")]
#[tokio::test]
async fn the_dump_renders_every_table_of_the_current_schema() {
    let Some((_db, store)) = fresh("lms-storage-postgres dump").await else {
        return;
    };
    let ada = user("dump@example.com");
    store
        .insert_user(&ada, Some("$argon2id$stored-hash"), &[])
        .await
        .expect("insert");
    sqlx::raw_sql(
        r#"CREATE TABLE "odd ""name"" ?" (r text, n bigint, z text);
           INSERT INTO "odd ""name"" ?" VALUES ('line one
line two', 42, NULL);
           CREATE SCHEMA elsewhere;
           CREATE TABLE elsewhere.hidden (t text);
           INSERT INTO elsewhere.hidden VALUES ('outside-the-schema');"#,
    )
    .execute(store.pool())
    .await
    .expect("tables no port knows");

    let dump = store.dump_all().await.expect("dump");
    let line = |table: &str| {
        dump.lines()
            .find(|l| l.starts_with(&format!("{table} ")))
            .unwrap_or_else(|| panic!("no {table} row in:\n{dump}"))
    };
    let users = line("users");
    for part in [&ada.id.as_uuid().to_string(), "dump@example.com", "\"\"email\"\""] {
        assert!(users.contains(part), "{part} in {users}");
    }
    assert!(line("password_hashes").contains("$argon2id$stored-hash"));
    assert!(
        line("_sqlx_migrations").contains(",t,"),
        "tables no port reads are dumped"
    );
    assert_eq!(
        line(r#"odd "name" ?"#),
        r#"odd "name" ? ("line one\nline two",42,)"#,
        "names from the catalog are quoted, each row stays whole on one line"
    );
    assert!(
        !dump.contains("outside-the-schema"),
        "only the store's schema is dumped"
    );
}
