//! The outbox append every SQLite write ends with.

use lms_core::domain::events::DomainEvent;
use lms_core::ports::StoreResult;
use lms_storage_sql::EventRow;
use sqlx::{QueryBuilder, Sqlite, Transaction};

use crate::error::classify;

/// Most values bound in one `IN (…)` list or multi-row insert; larger batches are split.
pub(crate) const BATCH: usize = 500;

/// Appends the events to the outbox and commits the write they belong to.
pub(crate) async fn commit(mut tx: Transaction<'static, Sqlite>, events: &[DomainEvent]) -> StoreResult<()> {
    let rows = EventRow::all(events)?;
    for batch in rows.chunks(BATCH / 4) {
        let mut query = QueryBuilder::new("INSERT INTO outbox (event_id, event_type, occurred_at, doc) ");
        query.push_values(batch, |mut row, event| {
            row.push_bind(event.event_id)
                .push_bind(event.event_type)
                .push_bind(event.occurred_at)
                .push_bind(event.doc.as_str());
        });
        query.build().execute(&mut *tx).await.map_err(classify)?;
    }
    tx.commit().await.map_err(classify)
}
