//! Behaviour specific to the MongoDB adapter: schema steps (repeated, concurrent, newer
//! than known), error classification, concurrent writers and their outbox sequences, an
//! unreachable or closed server, erasure and the dump of every collection.

mod common;

use std::time::{Duration, Instant};

use chrono::{SubsecRound, Utc};
use futures::future::join_all;
use lms_core::domain::enrollment::{Enrollment, EnrollmentSource};
use lms_core::domain::events::{DomainEvent, EventPayload};
use lms_core::domain::text::DisplayName;
use lms_core::domain::user::User;
use lms_core::ids::{CourseId, UserId};
use lms_core::ports::{
    CourseFilter, CourseStore, DataDump, EnrollmentStore, ErasureStore, OutboxStore, PageRequest, StoreError,
    StoreHealth, UniqueKey, UserStore,
};
use lms_storage_mongo::{MongoConfig, MongoStore, SCHEMA_VERSION};
use lms_storage_sql::testing::{unique_violations_are_classified, user};
use mongodb::bson::{doc, Document};

fn registered(user: &User) -> DomainEvent {
    DomainEvent::new(EventPayload::UserRegistered { user_id: user.id }, user.created_at)
}

/// A migrated store on a fresh database, or `None` when the tests are skipped.
async fn fresh(test: &str) -> Option<(common::TestDatabase, MongoStore)> {
    let server = common::server_url(test)?;
    let db = common::TestDatabase::create(&server);
    let store = MongoStore::connect(&db.url).await.expect("connect");
    store.migrate().await.expect("migrate");
    Some((db, store))
}

async fn index_names(store: &MongoStore, collection: &str) -> Vec<String> {
    store
        .database()
        .collection::<Document>(collection)
        .list_index_names()
        .await
        .expect("list indexes")
}

#[cfg_attr(lms_skip_mongo, ignore = "LMS_TEST_MONGO_URL is not set")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schema_steps_run_twice_and_concurrently() {
    let Some(server) = common::server_url("lms-storage-mongo migrations") else {
        return;
    };
    let db = common::TestDatabase::create(&server);
    let first = MongoStore::connect(&db.url).await.expect("first client");
    let second = MongoStore::connect(&db.url).await.expect("second client");
    assert_eq!(first.database().name(), db.name(), "the database comes from the URL");
    let (a, b) = tokio::join!(first.migrate(), second.migrate());
    a.expect("first concurrent migrate");
    b.expect("second concurrent migrate");
    first.migrate().await.expect("migrate again");

    let records = first
        .database()
        .collection::<Document>("schema_migrations")
        .count_documents(doc! {})
        .await
        .expect("count schema records");
    assert_eq!(records, u64::from(SCHEMA_VERSION), "each step is recorded once");
    assert!(index_names(&first, "users").await.contains(&"users_email".to_owned()));
    let enrollment_indexes = index_names(&first, "enrollments").await;
    for name in [
        "enrollments_user_course",
        "enrollments_user",
        "enrollments_course",
        "enrollments_certificate",
    ] {
        assert!(enrollment_indexes.contains(&name.to_owned()), "{name} exists");
    }

    let ada = user("ada@example.com");
    first.insert_user(&ada, None, &[]).await.expect("the schema works");
    assert_eq!(second.get_user(ada.id).await.expect("get"), Some(ada));
}

#[cfg_attr(lms_skip_mongo, ignore = "LMS_TEST_MONGO_URL is not set")]
#[tokio::test]
async fn a_schema_newer_than_this_version_is_refused() {
    let Some((_db, store)) = fresh("lms-storage-mongo newer schema").await else {
        return;
    };
    store
        .database()
        .collection::<Document>("schema_migrations")
        .insert_one(doc! { "_id": i64::from(SCHEMA_VERSION) + 1, "name": "from the future" })
        .await
        .expect("record a newer step");
    let err = store.migrate().await.expect_err("a newer schema is refused");
    assert!(matches!(err, StoreError::Backend(_)), "{err:?}");
}

#[cfg_attr(lms_skip_mongo, ignore = "LMS_TEST_MONGO_URL is not set")]
#[tokio::test]
async fn uniqueness_violations_name_the_rule() {
    let Some((_db, store)) = fresh("lms-storage-mongo uniqueness").await else {
        return;
    };
    unique_violations_are_classified(&store).await;
}

/// Writes with events run in a transaction, where a duplicate key aborts the transaction:
/// the rule is still named, and none of the events is stored.
#[cfg_attr(lms_skip_mongo, ignore = "LMS_TEST_MONGO_URL is not set")]
#[tokio::test]
async fn uniqueness_violations_in_transactions_name_the_rule_and_store_no_events() {
    let Some((_db, store)) = fresh("lms-storage-mongo uniqueness in transactions").await else {
        return;
    };
    let ada = user("ada@example.com");
    store
        .insert_user(&ada, None, &[registered(&ada)])
        .await
        .expect("insert");

    let same_email = user("ada@example.com");
    let err = store
        .insert_user(&same_email, None, &[registered(&same_email)])
        .await
        .expect_err("duplicate email");
    assert!(matches!(err, StoreError::Duplicate(UniqueKey::UserEmail)), "{err:?}");
    let err = store
        .insert_user(&ada, None, &[registered(&ada)])
        .await
        .expect_err("duplicate id");
    assert!(matches!(err, StoreError::Duplicate(UniqueKey::Id)), "{err:?}");

    let mut bob = user("bob@example.com");
    store.insert_user(&bob, None, &[]).await.expect("insert bob");
    bob.email = ada.email.clone();
    bob.version = 2;
    let err = store
        .update_user(&bob, 1, &[registered(&bob)])
        .await
        .expect_err("taken email");
    assert!(matches!(err, StoreError::Duplicate(UniqueKey::UserEmail)), "{err:?}");

    let course_id = CourseId::new();
    let now = Utc::now().trunc_subsecs(6);
    let enrollment = || Enrollment::new(ada.id, course_id, EnrollmentSource::Free, now);
    store.insert_enrollment(&enrollment(), &[]).await.expect("enroll");
    let err = store
        .insert_enrollment(&enrollment(), &[registered(&ada)])
        .await
        .expect_err("second enrollment");
    assert!(matches!(err, StoreError::Duplicate(UniqueKey::UserCourse)), "{err:?}");

    let pending = store.events_after(0, 100).await.expect("outbox");
    assert_eq!(pending.len(), 1, "only the successful write appended an event");
}

#[cfg_attr(lms_skip_mongo, ignore = "LMS_TEST_MONGO_URL is not set")]
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writers_conflict_and_sequences_follow_commit_order() {
    let Some((_db, store)) = fresh("lms-storage-mongo concurrency").await else {
        return;
    };
    let ada = user("ada@example.com");
    store.insert_user(&ada, None, &[]).await.expect("insert");

    let updates = (0..8).map(|i| {
        let store = store.clone();
        let mut next = ada.clone();
        next.display_name = DisplayName::parse(&format!("Ada {i}")).expect("name");
        next.version = 2;
        async move {
            let event = registered(&next);
            store.update_user(&next, 1, &[event]).await
        }
    });
    let outcomes = join_all(updates).await;
    let won = outcomes.iter().filter(|o| o.is_ok()).count();
    assert_eq!(won, 1, "exactly one update wins: {outcomes:?}");
    for outcome in outcomes.iter().filter(|o| o.is_err()) {
        assert!(matches!(outcome, Err(StoreError::VersionConflict)), "{outcome:?}");
    }

    let inserts = (0..8).map(|i| {
        let store = store.clone();
        async move {
            let someone = user(&format!("writer{i}@example.com"));
            let events = [registered(&someone), registered(&someone)];
            store.insert_user(&someone, None, &events).await
        }
    });
    for outcome in join_all(inserts).await {
        outcome.expect("concurrent insert");
    }
    let pending = store.events_after(0, 100).await.expect("outbox");
    assert_eq!(pending.len(), 1 + 8 * 2);
    let sequences: Vec<u64> = pending.iter().map(|m| m.sequence).collect();
    let expected: Vec<u64> = (sequences[0]..sequences[0] + sequences.len() as u64).collect();
    assert_eq!(sequences, expected, "sequences increase without gaps");
}

/// Fails unless `started` was less than five seconds ago.
fn quickly(started: Instant) {
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn an_unreachable_server_is_unavailable_quickly() {
    // Nothing listens on the discard port of the loopback interface.
    let url = "mongodb://127.0.0.1:9/lms";
    let config = MongoConfig::default()
        .server_selection_timeout(Duration::from_millis(500))
        .connect_timeout(Duration::from_millis(500));

    let started = Instant::now();
    let err = MongoStore::connect_with(url, config).await.expect_err("connect");
    assert!(matches!(err, StoreError::Unavailable(_)), "{err:?}");
    quickly(started);

    let store = MongoStore::connect_lazy(url, config).await.expect("lazy store");
    let started = Instant::now();
    let err = store.ping().await.expect_err("ping");
    assert!(matches!(err, StoreError::Unavailable(_)), "{err:?}");
    quickly(started);
    let started = Instant::now();
    let err = store.get_user(UserId::new()).await.expect_err("read");
    assert!(matches!(err, StoreError::Unavailable(_)), "{err:?}");
    quickly(started);
    let started = Instant::now();
    let someone = user("nobody@example.com");
    let err = store
        .insert_user(&someone, None, &[registered(&someone)])
        .await
        .expect_err("transactional write");
    assert!(matches!(err, StoreError::Unavailable(_)), "{err:?}");
    quickly(started);
}

#[cfg_attr(lms_skip_mongo, ignore = "LMS_TEST_MONGO_URL is not set")]
#[tokio::test]
async fn a_closed_store_is_unavailable() {
    let Some((_db, store)) = fresh("lms-storage-mongo close").await else {
        return;
    };
    store.ping().await.expect("ping");
    store.close().await;
    let err = store.ping().await.expect_err("ping after close");
    assert!(matches!(err, StoreError::Unavailable(_)), "{err:?}");
}

#[cfg_attr(lms_skip_mongo, ignore = "LMS_TEST_MONGO_URL is not set")]
#[tokio::test]
async fn a_searched_text_bson_cannot_hold_matches_nothing() {
    let Some((_db, store)) = fresh("lms-storage-mongo text search").await else {
        return;
    };
    let filter = CourseFilter {
        text: Some("nul\0byte".into()),
        ..CourseFilter::default()
    };
    let page = store.list_courses(&filter, PageRequest::first()).await.expect("list");
    assert!(page.items.is_empty() && page.next_after.is_none());
}

#[cfg_attr(lms_skip_mongo, ignore = "LMS_TEST_MONGO_URL is not set")]
#[tokio::test]
async fn classes_stored_before_records_become_records() {
    let Some((_db, store)) = fresh("classes_stored_before_records_become_records").await else {
        return;
    };
    let (class, _) = lms_storage_sql::testing::class_stored_before_records();
    let stored = mongodb::bson::serialize_to_document(&class).expect("a class encodes");
    store
        .database()
        .collection::<Document>("classes")
        .insert_one(doc! { "_id": class.id.to_string(), "version": 3_i64, "doc": stored })
        .await
        .expect("a class as stored before");
    store.migrate().await.expect("migrate moves it");
    store.migrate().await.expect("and again, with nothing left to move");
    let names = store.database().list_collection_names().await.expect("names");
    assert!(!names.iter().any(|n| n == "classes"), "the old collection is dropped");
    lms_storage_sql::testing::assert_class_became_a_record(std::sync::Arc::new(store.clone()), &class).await;
}

#[cfg_attr(lms_skip_mongo, ignore = "LMS_TEST_MONGO_URL is not set")]
#[tokio::test]
async fn erasure_deletes_enrollments_and_owned_records() {
    let Some((_db, store)) = fresh("lms-storage-mongo erasure").await else {
        return;
    };
    lms_storage_sql::testing::erasure_deletes_enrollments_and_owned_records(&store).await;
    store
        .scrub_deleted_data()
        .await
        .expect("nothing to scrub: the server reclaims the space");
}

#[cfg_attr(lms_skip_mongo, ignore = "LMS_TEST_MONGO_URL is not set")]
#[tokio::test]
async fn the_dump_renders_every_collection_as_extended_json() {
    let Some((db, store)) = fresh("lms-storage-mongo dump").await else {
        return;
    };
    let ada = user("dump@example.com");
    store
        .insert_user(&ada, Some("$argon2id$stored-hash"), &[])
        .await
        .expect("insert");
    store
        .database()
        .collection::<Document>("notes")
        .insert_one(doc! { "_id": 7_i64, "text": "line one\nline two", "n": 42_i64 })
        .await
        .expect("a collection no port knows");
    let elsewhere = format!("{}_elsewhere", db.name());
    store
        .client()
        .database(&elsewhere)
        .collection::<Document>("hidden")
        .insert_one(doc! { "text": "outside-the-database" })
        .await
        .expect("another database");

    let dump = store.dump_all().await;
    store
        .client()
        .database(&elsewhere)
        .drop()
        .await
        .expect("drop the other database");
    let dump = dump.expect("dump");
    let line = |collection: &str| {
        dump.lines()
            .find(|l| l.starts_with(&format!("{collection} ")))
            .unwrap_or_else(|| panic!("no {collection} document in:\n{dump}"))
    };
    let users = line("users");
    assert!(users.contains("\"email\":\"dump@example.com\""), "{users}");
    assert!(users.contains("$binary"), "ids are rendered as extended JSON: {users}");
    assert!(line("password_hashes").contains("$argon2id$stored-hash"));
    assert!(
        line("schema_migrations").contains("\"name\""),
        "collections no port reads are dumped"
    );
    assert_eq!(
        line("notes"),
        r#"notes {"_id":7,"n":42,"text":"line one\nline two"}"#,
        "each document stays on one line"
    );
    assert!(
        !dump.contains("outside-the-database"),
        "only the store's database is dumped"
    );
}
