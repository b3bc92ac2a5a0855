//! The outbox append every SQLite write ends with, and the record store.

use async_trait::async_trait;
use lms_core::domain::events::DomainEvent;
use lms_core::ports::{StoreError, StoreResult};
use lms_storage_sql::records::RecordBackend;
use lms_storage_sql::EventRow;
use sqlx::pool::PoolConnection;
use sqlx::{QueryBuilder, Sqlite, Transaction};

use crate::error::classify;
use crate::SqliteStore;

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

/// Records are written on the single writer connection, in a `BEGIN IMMEDIATE`
/// transaction, like every other write.
#[async_trait]
impl RecordBackend for SqliteStore {
    type Tx = Transaction<'static, Sqlite>;
    type Reader = PoolConnection<Sqlite>;

    async fn begin_records(&self) -> StoreResult<Self::Tx> {
        self.writer.begin_with("BEGIN IMMEDIATE").await.map_err(classify)
    }

    async fn commit_records(&self, tx: Self::Tx, events: &[DomainEvent]) -> StoreResult<()> {
        commit(tx, events).await
    }

    async fn reader(&self) -> StoreResult<Self::Reader> {
        self.reader.acquire().await.map_err(classify)
    }

    fn classify(&self, err: sqlx::Error) -> StoreError {
        classify(err)
    }
}

lms_storage_sql::record_store!(SqliteStore);
