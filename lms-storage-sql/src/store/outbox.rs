//! The outbox of domain events over SQL.

use lms_core::ports::{OutboxMessage, StoreResult};

use super::SqlStore;
use crate::backend::Backend;
use crate::statement::{List, Statement, Value};
use crate::{outbox_message, sequence_columns};

/// The outbox.
impl<B: Backend> SqlStore<B> {
    /// `OutboxStore::pending_events`.
    pub async fn pending_events(&self, limit: u32) -> StoreResult<Vec<OutboxMessage>> {
        let mut query = Self::statement("SELECT sequence, doc FROM outbox ORDER BY sequence LIMIT ?");
        query.bind(Value::Int(i64::from(limit)));
        let rows: Vec<(i64, String)> = self.rows(&query).await?;
        rows.iter()
            .map(|(sequence, doc)| outbox_message(*sequence, doc))
            .collect()
    }

    /// `OutboxStore::mark_events_delivered`: one statement on its own where the dialect
    /// takes every sequence at once, else one transaction.
    pub async fn mark_events_delivered(&self, sequences: &[u64]) -> StoreResult<()> {
        let sequences = sequence_columns(sequences);
        let deletes: Vec<Statement<'_>> = sequences
            .chunks(B::DIALECT.max_list)
            .map(|batch| {
                let mut delete = Self::statement("DELETE FROM outbox WHERE sequence");
                delete.push_in(List::Ints(batch));
                delete
            })
            .collect();
        match deletes.as_slice() {
            [] => Ok(()),
            [delete] => self.backend.write(delete).await.map(drop),
            deletes => {
                let mut tx = self.backend.begin().await?;
                for delete in deletes {
                    self.backend
                        .execute(&mut tx, delete)
                        .await
                        .map_err(|err| B::classify(err, None))?;
                }
                self.backend.commit(tx, &[]).await
            }
        }
    }
}
