//! Collections, indexes and the schema steps that create them.

use futures::TryStreamExt;
use lms_core::ports::{MigrationState, StoreError, StoreResult, UniqueKey};
use mongodb::bson::{doc, Bson, DateTime, Document};
use mongodb::options::IndexOptions;
use mongodb::{Database, IndexModel};

use crate::error::{classify, code, DUPLICATE_KEY};

/// Users: `_id`, `email` (normalized, unique), `version`, `doc`.
pub(crate) const USERS: &str = "users";
/// Courses: `_id`, `owner_id`, `status`, `category_key`, `search_text`, `lesson_ids`,
/// `version`, `summary`, `doc`.
pub(crate) const COURSES: &str = "courses";
/// Enrollments: `_id`, `user_id`, `course_id`, `certificate_id` (once issued), `version`,
/// `doc`.
pub(crate) const ENROLLMENTS: &str = "enrollments";
/// Outbox messages: `_id` (the sequence), `event_id`, `event_type`, `occurred_at`
/// (microseconds; absent on messages appended by releases before it was kept), `doc`.
pub(crate) const OUTBOX: &str = "outbox";
/// The outbox field retention purges by.
pub(crate) const OCCURRED_AT: &str = "occurred_at";
/// Counters: `_id` (the counter's name), `value` (the last value handed out).
pub(crate) const COUNTERS: &str = "counters";
/// Password hashes: `_id` (the user id), `hash`.
pub(crate) const PASSWORD_HASHES: &str = "password_hashes";
/// Refresh tokens: `_id` (the token hash), `family_id`, `user_id`, `issued_at_us`,
/// `expires_at_us`, `state`, and `revoked_at_us` once revoked.
pub(crate) const REFRESH_TOKENS: &str = "refresh_tokens";
/// Applied schema steps: `_id` (the step's version), `name`, `applied_at`.
pub(crate) const SCHEMA_MIGRATIONS: &str = "schema_migrations";
/// Records of every declared kind (`src/records.rs`): `_id` (kind and id), `kind`, `id`,
/// `version`, `owner` (when there is one), `doc`, `unique` and `index` (the `_id`s of its
/// entries).
pub(crate) const RECORDS: &str = "records";
/// Unique values of records: `_id` (kind, key and value), `r` (the record's `_id`).
pub(crate) const RECORD_UNIQUE: &str = "record_unique";
/// Lookup and ordered values of records: `_id` (kind, key, value and id), `v` (the value),
/// `r` (the record's `_id`).
pub(crate) const RECORD_INDEX: &str = "record_index";

/// `NamespaceExists`: the collection to create exists already.
const NAMESPACE_EXISTS: i32 = 48;

/// The schema version this crate creates: the highest of its schema steps.
pub const SCHEMA_VERSION: u32 = 3;

/// One index of the schema.
#[derive(Debug)]
pub(crate) struct IndexSpec {
    /// The collection.
    pub(crate) collection: &'static str,
    /// The index name.
    pub(crate) name: &'static str,
    /// The key pattern, all ascending.
    pub(crate) keys: &'static [&'static str],
    /// The uniqueness rule it enforces, if it is unique.
    pub(crate) rule: Option<UniqueKey>,
    /// Whether documents without the first key are left out.
    pub(crate) sparse: bool,
    /// The schema step that creates it.
    pub(crate) step: u32,
}

const fn index(collection: &'static str, name: &'static str, keys: &'static [&'static str]) -> IndexSpec {
    IndexSpec {
        collection,
        name,
        keys,
        rule: None,
        sparse: false,
        step: 1,
    }
}

/// Every index besides `_id`, with the query it serves.
pub(crate) const INDEXES: &[IndexSpec] = &[
    // find_user_by_email; one account per email.
    IndexSpec {
        rule: Some(UniqueKey::UserEmail),
        ..index(USERS, "users_email", &["email"])
    },
    // list_courses by owner, status and category, in id order.
    index(COURSES, "courses_owner", &["owner_id", "_id"]),
    index(COURSES, "courses_status", &["status", "_id"]),
    index(COURSES, "courses_category", &["category_key", "_id"]),
    // find_course_by_lesson (a multikey index over the lesson ids).
    index(COURSES, "courses_lessons", &["lesson_ids"]),
    // find_enrollment(s); one enrollment per user and course.
    IndexSpec {
        rule: Some(UniqueKey::UserCourse),
        ..index(ENROLLMENTS, "enrollments_user_course", &["user_id", "course_id"])
    },
    // list_enrollments_for_user and _for_course, in id order.
    index(ENROLLMENTS, "enrollments_user", &["user_id", "_id"]),
    index(ENROLLMENTS, "enrollments_course", &["course_id", "_id"]),
    // find_enrollment_by_certificate; most enrollments have none.
    IndexSpec {
        sparse: true,
        ..index(ENROLLMENTS, "enrollments_certificate", &["certificate_id"])
    },
    // session_active and revoke_token_family.
    index(REFRESH_TOKENS, "refresh_tokens_family", &["family_id", "state"]),
    // revoke_user_tokens.
    index(REFRESH_TOKENS, "refresh_tokens_user", &["user_id", "state"]),
    // sessions_ended_since (the revocation feed); only revoked tokens have the field.
    IndexSpec {
        sparse: true,
        step: 2,
        ..index(REFRESH_TOKENS, "refresh_tokens_revoked", &["revoked_at_us"])
    },
    // RecordStore::owned_by; records without an owner are left out. (Every other record
    // query is a range of `_id`s: see `src/records.rs`.)
    IndexSpec {
        sparse: true,
        step: 3,
        ..index(RECORDS, "records_owner", &["owner"])
    },
];

/// Every collection of the schema, with the step that creates it.
const COLLECTIONS: [(&str, u32); 11] = [
    (USERS, 1),
    (COURSES, 1),
    (ENROLLMENTS, 1),
    (OUTBOX, 1),
    (COUNTERS, 1),
    (PASSWORD_HASHES, 1),
    (REFRESH_TOKENS, 1),
    (SCHEMA_MIGRATIONS, 1),
    (RECORDS, 3),
    (RECORD_UNIQUE, 3),
    (RECORD_INDEX, 3),
];

/// The uniqueness rule of the unique index with this key pattern (as a duplicate key error
/// reports it): `_id` is the aggregate's id everywhere.
pub(crate) fn unique_key(pattern: &Document) -> Option<UniqueKey> {
    let keys: Vec<&str> = pattern.keys().map(String::as_str).collect();
    if keys == ["_id"] {
        return Some(UniqueKey::Id);
    }
    INDEXES
        .iter()
        .find(|spec| spec.rule.is_some() && spec.keys == keys.as_slice())
        .and_then(|spec| spec.rule)
}

fn model(spec: &IndexSpec) -> IndexModel {
    let mut keys = Document::new();
    for key in spec.keys {
        keys.insert(*key, 1);
    }
    let mut options = IndexOptions::builder().name(spec.name.to_owned()).build();
    if spec.rule.is_some() {
        options.unique = Some(true);
    }
    if spec.sparse {
        options.sparse = Some(true);
    }
    IndexModel::builder().keys(keys).options(options).build()
}

/// The collections and indexes of schema step `step`. Collections are created explicitly
/// so transactions never have to create one. Creating an existing collection or an
/// identical index does nothing, so every step is safe to repeat.
async fn create_collections_and_indexes(db: &Database, step: u32) -> StoreResult<()> {
    for (name, _) in COLLECTIONS.iter().filter(|(_, s)| *s == step) {
        match db.create_collection(*name).await {
            Ok(()) => {}
            Err(err) if code(&err) == Some(NAMESPACE_EXISTS) => {}
            Err(err) => return Err(classify(err)),
        }
    }
    for (collection, _) in COLLECTIONS {
        let models: Vec<IndexModel> = INDEXES
            .iter()
            .filter(|spec| spec.collection == collection && spec.step == step)
            .map(model)
            .collect();
        if !models.is_empty() {
            db.collection::<Document>(collection)
                .create_indexes(models)
                .await
                .map_err(classify)?;
        }
    }
    Ok(())
}

/// The schema steps, in order: version and name. Each creates its collections and
/// indexes ([`COLLECTIONS`], [`INDEXES`]).
const STEPS: [(u32, &str); 3] = [
    (1, "collections and indexes"),
    (2, "refresh token revocation time index"),
    (3, "records of every declared kind"),
];

/// The schema steps the database records: version and when it was applied.
async fn applied(db: &Database) -> StoreResult<Vec<(i64, Option<chrono::DateTime<chrono::Utc>>)>> {
    let records: Vec<Document> = db
        .collection::<Document>(SCHEMA_MIGRATIONS)
        .find(doc! {})
        .await
        .map_err(classify)?
        .try_collect()
        .await
        .map_err(classify)?;
    records
        .iter()
        .map(|record| {
            let version = match record.get("_id") {
                Some(Bson::Int32(v)) => i64::from(*v),
                Some(Bson::Int64(v)) => *v,
                other => return Err(StoreError::backend(format!("unreadable schema record {other:?}"))),
            };
            let at = record
                .get_datetime("applied_at")
                .ok()
                .and_then(|at| chrono::DateTime::from_timestamp_millis(at.timestamp_millis()));
            Ok((version, at))
        })
        .collect()
}

/// Every schema step this build knows and when the database applied it, then any step
/// the database records that this build does not know, without changing anything.
pub(crate) async fn status(db: &Database) -> StoreResult<Vec<MigrationState>> {
    let mut applied = applied(db).await?;
    let mut states: Vec<MigrationState> = STEPS
        .iter()
        .map(|(version, name)| {
            let version = i64::from(*version);
            let found = applied.iter().position(|(v, _)| *v == version);
            MigrationState {
                version,
                description: (*name).to_owned(),
                // A step recorded without a readable time still counts as applied.
                applied_at: found.map(|i| applied.swap_remove(i).1.unwrap_or_default()),
            }
        })
        .collect();
    states.extend(applied.into_iter().map(|(version, at)| MigrationState {
        version,
        description: "unknown to this build".to_owned(),
        applied_at: Some(at.unwrap_or_default()),
    }));
    states.sort_by_key(|m| m.version);
    Ok(states)
}

/// Applies the schema steps not yet recorded in `schema_migrations`, in order, recording
/// each after it succeeds. Two processes migrating at once may both apply a step; each
/// step is idempotent and only one record is kept.
pub(crate) async fn migrate(db: &Database) -> StoreResult<()> {
    let records = db.collection::<Document>(SCHEMA_MIGRATIONS);
    let versions: Vec<i64> = applied(db).await?.into_iter().map(|(version, _)| version).collect();
    if let Some(newer) = versions.iter().find(|v| **v > i64::from(SCHEMA_VERSION)) {
        return Err(StoreError::backend(format!(
            "the database has schema version {newer}, newer than the {SCHEMA_VERSION} this \
             lms-storage-mongo knows: upgrade the application"
        )));
    }
    for (version, name) in STEPS {
        if versions.contains(&i64::from(version)) {
            continue;
        }
        tracing::info!(version, name, "applying MongoDB schema step");
        create_collections_and_indexes(db, version).await?;
        let record = doc! { "_id": i64::from(version), "name": name, "applied_at": DateTime::now() };
        match records.insert_one(record).await {
            Ok(_) => {}
            Err(err) if code(&err) == Some(DUPLICATE_KEY) => {}
            Err(err) => return Err(classify(err)),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_rules_are_found_by_key_pattern() {
        assert_eq!(unique_key(&doc! { "_id": 1 }), Some(UniqueKey::Id));
        assert_eq!(unique_key(&doc! { "email": 1 }), Some(UniqueKey::UserEmail));
        assert_eq!(
            unique_key(&doc! { "user_id": 1, "course_id": 1 }),
            Some(UniqueKey::UserCourse)
        );
        assert_eq!(unique_key(&doc! { "user_id": 1, "_id": 1 }), None);
    }

    #[test]
    fn index_names_are_unique_and_indexes_name_their_collection() {
        let mut names: Vec<&str> = INDEXES.iter().map(|i| i.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), INDEXES.len());
        for spec in INDEXES {
            assert!(
                COLLECTIONS
                    .iter()
                    .any(|(c, step)| *c == spec.collection && *step <= spec.step),
                "{}",
                spec.name
            );
            assert!(spec.name.starts_with(spec.collection), "{}", spec.name);
        }
    }

    #[test]
    fn the_last_step_is_the_schema_version() {
        assert_eq!(STEPS.last().map(|s| s.0), Some(SCHEMA_VERSION));
    }

    #[test]
    fn every_index_belongs_to_a_step() {
        for spec in INDEXES {
            assert!(STEPS.iter().any(|(version, _)| *version == spec.step), "{}", spec.name);
        }
    }
}
