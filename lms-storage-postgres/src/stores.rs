//! The outbox append every Postgres write ends with.

use lms_core::domain::events::DomainEvent;
use lms_core::ports::StoreResult;
use lms_storage_sql::EventRow;
use sqlx::{Postgres, Transaction};

use crate::error::classify;

/// Key of the transaction-scoped advisory lock that orders outbox appends ("lmsoutbx").
const OUTBOX_LOCK: i64 = 0x6c6d_736f_7574_6278;

/// Appends the events to the outbox and commits the write they belong to.
///
/// Identity values are drawn when rows are inserted, not when they commit, so two
/// concurrent writers could commit their sequences out of order and a relay could deliver
/// the later one first. Appending under a transaction-scoped advisory lock, held from the
/// append to the commit, makes sequence order the commit order. The lock is taken last, after
/// the aggregate's row lock, and nothing waits for a row lock while holding it, so it cannot
/// deadlock; it only serializes the append-and-commit step of writes that have events.
pub(crate) async fn commit(mut tx: Transaction<'static, Postgres>, events: &[DomainEvent]) -> StoreResult<()> {
    if !events.is_empty() {
        let rows = EventRow::all(events)?;
        // The lock is taken in the append's own statement (one round trip, not two): the
        // CTE runs before any row is inserted, as the insert reads it.
        sqlx::query(
            "WITH appending AS (SELECT pg_advisory_xact_lock($5)) \
             INSERT INTO outbox (event_id, event_type, occurred_at, doc) \
             SELECT e.event_id, e.event_type, e.occurred_at, e.doc \
             FROM appending, unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::text[]) \
                  WITH ORDINALITY AS e (event_id, event_type, occurred_at, doc, position) \
             ORDER BY e.position",
        )
        .bind(rows.iter().map(|e| e.event_id).collect::<Vec<_>>())
        .bind(rows.iter().map(|e| e.event_type).collect::<Vec<_>>())
        .bind(rows.iter().map(|e| e.occurred_at).collect::<Vec<_>>())
        .bind(rows.iter().map(|e| e.doc.as_str()).collect::<Vec<_>>())
        .bind(OUTBOX_LOCK)
        .execute(&mut *tx)
        .await
        .map_err(classify)?;
    }
    tx.commit().await.map_err(classify)
}
