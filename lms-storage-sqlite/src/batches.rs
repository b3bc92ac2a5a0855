//! The enrollment statements that concurrent requests share: each request reads its
//! enrollment, and most write it back with no events (a heartbeat). Coalesced, a batch of
//! them costs one trip to SQLite's connection thread, and a batch of writes one commit.

use std::collections::{HashMap, HashSet};

use lms_core::ports::StoreResult;
use lms_storage_sql::coalesce::{rounds_by_key, Coalescer};
use lms_storage_sql::{missed_ids, record_round, VersionedEnrollment};
use sqlx::{QueryBuilder, Sqlite, SqliteConnection, SqlitePool};
use uuid::Uuid;

use crate::error::classify;

/// Most calls in one batch: 5 bound values a write, far below SQLite's limit of 32,766.
const MAX_BATCH: usize = 256;

/// A learner and a course: the key `find_enrollment` looks up.
pub(crate) type EnrollmentKey = (Uuid, Uuid);

/// The coalesced lookups and event-less updates of enrollments.
#[derive(Debug, Clone)]
pub(crate) struct EnrollmentBatches {
    /// `find_enrollment`: the stored document, if any.
    pub(crate) finds: Coalescer<EnrollmentKey, Option<String>>,
    /// `update_enrollment` without events.
    pub(crate) updates: Coalescer<VersionedEnrollment, ()>,
}

impl EnrollmentBatches {
    /// The batches of a store: lookups on as many readers as there are, updates on the
    /// one writer.
    pub(crate) fn new(reader: &SqlitePool, readers: usize, writer: &SqlitePool) -> Self {
        let reader = reader.clone();
        let writer = writer.clone();
        Self {
            finds: Coalescer::new(MAX_BATCH, readers, move |keys| {
                let reader = reader.clone();
                async move { find(&reader, keys).await }
            }),
            updates: Coalescer::new(MAX_BATCH, 1, move |updates| {
                let writer = writer.clone();
                async move { update(&writer, updates).await }
            }),
        }
    }
}

/// The documents of the enrollments of some learners in some courses, in one query.
async fn find(reader: &SqlitePool, keys: Vec<EnrollmentKey>) -> StoreResult<Vec<StoreResult<Option<String>>>> {
    let mut query = QueryBuilder::<Sqlite>::new("SELECT e.user_id, e.course_id, e.doc FROM enrollments AS e JOIN (");
    query.push_values(&keys, |mut row, (user, course)| {
        row.push_bind(*user).push_bind(*course);
    });
    query.push(") AS k ON e.user_id = k.column1 AND e.course_id = k.column2");
    let rows: Vec<(Uuid, Uuid, String)> = query.build_query_as().fetch_all(reader).await.map_err(classify)?;
    let docs: HashMap<EnrollmentKey, String> = rows.into_iter().map(|(u, c, doc)| ((u, c), doc)).collect();
    Ok(keys.iter().map(|key| Ok(docs.get(key).cloned())).collect())
}

/// Updates the enrollments whose stored version is the expected one, in rounds in which
/// each enrollment appears once, one autocommit statement (so one commit) a round.
async fn update(writer: &SqlitePool, updates: Vec<VersionedEnrollment>) -> StoreResult<Vec<StoreResult<()>>> {
    let mut conn = writer.acquire().await.map_err(classify)?;
    let mut outcomes: Vec<StoreResult<()>> = (0..updates.len()).map(|_| Ok(())).collect();
    for round in rounds_by_key(&updates, |u| u.row.id) {
        let mut query = QueryBuilder::<Sqlite>::new(
            "UPDATE enrollments SET certificate_id = v.column2, version = v.column3, doc = v.column4 FROM (",
        );
        query.push_values(&round, |mut row, &i| {
            let u = &updates[i];
            row.push_bind(u.row.id)
                .push_bind(u.row.certificate_id)
                .push_bind(u.row.version)
                .push_bind(u.row.doc.as_str())
                .push_bind(u.expected_version);
        });
        query.push(
            ") AS v WHERE enrollments.id = v.column1 AND enrollments.version = v.column5 RETURNING enrollments.id",
        );
        let updated: HashSet<Uuid> = query
            .build_query_scalar()
            .fetch_all(&mut *conn)
            .await
            .map_err(classify)?
            .into_iter()
            .collect();
        let existing = existing(&mut conn, &missed_ids(&updates, &round, &updated)).await?;
        record_round(&mut outcomes, &updates, &round, &updated, &existing);
    }
    Ok(outcomes)
}

/// Which of `ids` are enrollments.
async fn existing(conn: &mut SqliteConnection, ids: &[Uuid]) -> StoreResult<HashSet<Uuid>> {
    if ids.is_empty() {
        return Ok(HashSet::new());
    }
    let mut query = QueryBuilder::<Sqlite>::new("SELECT id FROM enrollments WHERE id IN (");
    let mut list = query.separated(", ");
    for id in ids {
        list.push_bind(*id);
    }
    query.push(")");
    let found: Vec<Uuid> = query.build_query_scalar().fetch_all(conn).await.map_err(classify)?;
    Ok(found.into_iter().collect())
}
