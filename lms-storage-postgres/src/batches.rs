//! The enrollment statements that concurrent requests share: each request reads its
//! enrollment, and most write it back with no events (a heartbeat). Coalesced, a batch of
//! them costs one round trip, and a batch of writes one commit.

use std::collections::{HashMap, HashSet};

use lms_core::ports::StoreResult;
use lms_storage_sql::coalesce::{rounds_by_key, Coalescer};
use lms_storage_sql::{missed_ids, record_round, VersionedEnrollment};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::error::classify;

/// Most calls in one batch.
const MAX_BATCH: usize = 256;
/// Lookup batches under way at once, each on its own connection.
const FIND_CONCURRENCY: usize = 4;

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
    /// The batches of a store. Updates run one batch at a time: two batched statements
    /// locking rows in different orders could deadlock each other.
    pub(crate) fn new(pool: &PgPool) -> Self {
        let (reader, writer) = (pool.clone(), pool.clone());
        Self {
            finds: Coalescer::new(MAX_BATCH, FIND_CONCURRENCY, move |keys| {
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
async fn find(pool: &PgPool, keys: Vec<EnrollmentKey>) -> StoreResult<Vec<StoreResult<Option<String>>>> {
    let (users, courses): (Vec<Uuid>, Vec<Uuid>) = keys.iter().copied().unzip();
    let rows: Vec<(Uuid, Uuid, String)> = sqlx::query_as(
        "SELECT e.user_id, e.course_id, e.doc FROM enrollments AS e \
         JOIN unnest($1::uuid[], $2::uuid[]) AS k (user_id, course_id) \
         ON e.user_id = k.user_id AND e.course_id = k.course_id",
    )
    .bind(users)
    .bind(courses)
    .fetch_all(pool)
    .await
    .map_err(classify)?;
    let docs: HashMap<EnrollmentKey, String> = rows.into_iter().map(|(u, c, doc)| ((u, c), doc)).collect();
    Ok(keys.iter().map(|key| Ok(docs.get(key).cloned())).collect())
}

/// Updates the enrollments whose stored version is the expected one, in rounds in which
/// each enrollment appears once, one autocommit statement (so one commit) a round.
async fn update(pool: &PgPool, updates: Vec<VersionedEnrollment>) -> StoreResult<Vec<StoreResult<()>>> {
    let mut conn = pool.acquire().await.map_err(classify)?;
    let mut outcomes: Vec<StoreResult<()>> = (0..updates.len()).map(|_| Ok(())).collect();
    for round in rounds_by_key(&updates, |u| u.row.id) {
        let rows = round.iter().map(|&i| &updates[i].row);
        let updated: HashSet<Uuid> = sqlx::query_scalar(
            "UPDATE enrollments AS e \
             SET certificate_id = v.certificate_id, version = v.version, doc = v.doc \
             FROM unnest($1::uuid[], $2::uuid[], $3::int8[], $4::text[], $5::int8[]) \
             AS v (id, certificate_id, version, doc, expected) \
             WHERE e.id = v.id AND e.version = v.expected \
             RETURNING e.id",
        )
        .bind(rows.clone().map(|r| r.id).collect::<Vec<_>>())
        .bind(rows.clone().map(|r| r.certificate_id).collect::<Vec<_>>())
        .bind(rows.clone().map(|r| r.version).collect::<Vec<_>>())
        .bind(rows.map(|r| r.doc.as_str()).collect::<Vec<_>>())
        .bind(round.iter().map(|&i| updates[i].expected_version).collect::<Vec<_>>())
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
async fn existing(conn: &mut PgConnection, ids: &[Uuid]) -> StoreResult<HashSet<Uuid>> {
    if ids.is_empty() {
        return Ok(HashSet::new());
    }
    let found: Vec<Uuid> = sqlx::query_scalar("SELECT id FROM enrollments WHERE id = ANY($1)")
        .bind(ids)
        .fetch_all(conn)
        .await
        .map_err(classify)?;
    Ok(found.into_iter().collect())
}
