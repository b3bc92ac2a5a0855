//! The outbox of domain events over SQL.

use chrono::{DateTime, Utc};
use lms_core::ports::{OutboxMessage, StoreError, StoreResult};

use super::SqlStore;
use crate::backend::Backend;
use crate::statement::Value;
use crate::{outbox_message, sequence_bound};

/// The outbox.
impl<B: Backend> SqlStore<B> {
    /// `OutboxStore::events_after`.
    pub async fn events_after(&self, after: u64, limit: u32) -> StoreResult<Vec<OutboxMessage>> {
        let mut query =
            Self::statement("SELECT sequence, doc FROM outbox WHERE sequence > ? ORDER BY sequence LIMIT ?");
        query
            .bind(Value::Int(sequence_bound(after)))
            .bind(Value::Int(i64::from(limit)));
        let rows: Vec<(i64, String)> = self.rows(&query).await?;
        rows.iter()
            .map(|(sequence, doc)| outbox_message(*sequence, doc))
            .collect()
    }

    /// `OutboxStore::count_events_after`.
    pub async fn count_events_after(&self, after: u64) -> StoreResult<u64> {
        let mut query = Self::statement("SELECT COUNT(*) FROM outbox WHERE sequence > ?");
        query.bind(Value::Int(sequence_bound(after)));
        let count: Option<i64> = self.row(&query).await?;
        u64::try_from(count.unwrap_or(0)).map_err(StoreError::backend)
    }

    /// `OutboxStore::last_sequence`.
    pub async fn last_sequence(&self) -> StoreResult<u64> {
        let last: Option<i64> = self
            .row(&Self::statement("SELECT COALESCE(MAX(sequence), 0) FROM outbox"))
            .await?;
        u64::try_from(last.unwrap_or(0)).map_err(StoreError::backend)
    }

    /// `OutboxStore::purge_events`: one statement, committed on its own.
    pub async fn purge_events(&self, through: u64, occurred_before: DateTime<Utc>) -> StoreResult<u64> {
        let mut delete = Self::statement("DELETE FROM outbox WHERE sequence <= ? AND occurred_at < ?");
        delete
            .bind(Value::Int(sequence_bound(through)))
            .bind(Value::Time(occurred_before));
        self.backend.write(&delete).await
    }
}
