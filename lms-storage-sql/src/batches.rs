//! The enrollment statements that concurrent requests share: each request reads its
//! enrollment and most write it back. Coalesced, a batch of them costs one round trip (one
//! trip to SQLite's connection thread), and a batch of writes one commit.
//!
//! **Group commit.** Writes that carry events (a completed lesson) are committed together
//! too: a batch runs in one transaction that updates every enrollment whose stored version
//! is the expected one, then appends the events of exactly those writes to the outbox, in
//! batch order, and commits once. Each write is still version-checked and all or nothing
//! on its own (a write that loses its version check changes nothing and appends nothing);
//! a failed commit fails every write of the batch. So a commit (an fsync on SQLite, a WAL
//! flush and the outbox lock on PostgreSQL) is paid per batch, not per write, and the
//! outbox stays in commit order.

use std::collections::{HashMap, HashSet};

use lms_core::domain::events::DomainEvent;
use lms_core::ports::StoreResult;
use uuid::Uuid;

use crate::backend::{Backend, EnrollmentKey};
use crate::coalesce::{rounds_by_key, Coalescer};
use crate::statement::{List, Statement};
use crate::{missed_ids, record_round, VersionedEnrollment};

/// Most calls in one batch: 5 bound values a write, far below SQLite's limit of 32,766.
const MAX_BATCH: usize = 256;

/// The coalesced lookups and event-less updates of enrollments.
#[derive(Debug, Clone)]
pub struct EnrollmentBatches {
    /// `find_enrollment`: the stored document, if any.
    pub finds: Coalescer<EnrollmentKey, Option<String>>,
    /// `update_enrollment`, with or without events.
    pub updates: Coalescer<VersionedEnrollment, ()>,
}

impl EnrollmentBatches {
    /// The batches of a store: up to `find_concurrency` lookups at once, each on its own
    /// connection, and one update batch at a time (on SQLite there is one writer; on
    /// PostgreSQL two batched statements locking rows in different orders could deadlock).
    pub fn new<B: Backend>(backend: &B, find_concurrency: usize) -> Self {
        let (reader, writer) = (backend.clone(), backend.clone());
        Self {
            finds: Coalescer::new(MAX_BATCH, find_concurrency, move |keys| {
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
async fn find<B: Backend>(backend: &B, keys: Vec<EnrollmentKey>) -> StoreResult<Vec<StoreResult<Option<String>>>> {
    let rows = backend.find_enrollments(&keys).await?;
    let docs: HashMap<EnrollmentKey, String> = rows.into_iter().map(|(u, c, doc)| ((u, c), doc)).collect();
    Ok(keys.iter().map(|key| Ok(docs.get(key).cloned())).collect())
}

/// Updates the enrollments whose stored version is the expected one, in rounds in which
/// each enrollment appears once. Without events, each round is one autocommit statement;
/// with events, the rounds and the events of the writes that succeeded share one
/// transaction.
async fn update<B: Backend>(backend: &B, updates: Vec<VersionedEnrollment>) -> StoreResult<Vec<StoreResult<()>>> {
    if updates.iter().all(|u| u.events.is_empty()) {
        let mut conn = backend.writer().await?;
        return apply(backend, &mut conn, &updates).await;
    }
    let mut tx = backend.begin().await?;
    let outcomes = apply(backend, &mut tx, &updates).await?;
    let events: Vec<DomainEvent> = updates
        .iter()
        .zip(&outcomes)
        .filter(|(_, outcome)| outcome.is_ok())
        .flat_map(|(u, _)| u.events.iter().cloned())
        .collect();
    backend.commit(tx, &events).await?;
    Ok(outcomes)
}

/// Runs the version-checked updates on `conn`, in rounds, and tells each one's outcome.
async fn apply<B: Backend>(
    backend: &B,
    conn: &mut B::Connection,
    updates: &[VersionedEnrollment],
) -> StoreResult<Vec<StoreResult<()>>> {
    let mut outcomes: Vec<StoreResult<()>> = (0..updates.len()).map(|_| Ok(())).collect();
    for round in rounds_by_key(updates, |u| u.row.id) {
        let batch: Vec<&VersionedEnrollment> = round.iter().map(|&i| &updates[i]).collect();
        let updated: HashSet<Uuid> = backend.update_enrollments(conn, &batch).await?.into_iter().collect();
        let existing = existing(backend, conn, &missed_ids(updates, &round, &updated)).await?;
        record_round(&mut outcomes, updates, &round, &updated, &existing);
    }
    Ok(outcomes)
}

/// Which of `ids` are enrollments.
async fn existing<B: Backend>(backend: &B, conn: &mut B::Connection, ids: &[Uuid]) -> StoreResult<HashSet<Uuid>> {
    if ids.is_empty() {
        return Ok(HashSet::new());
    }
    let mut query = Statement::new(B::DIALECT, "SELECT id FROM enrollments WHERE id");
    query.push_in(List::Ids(ids));
    let found: Vec<Uuid> = backend.fetch(Some(conn), &query).await?;
    Ok(found.into_iter().collect())
}
