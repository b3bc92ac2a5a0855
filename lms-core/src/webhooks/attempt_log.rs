//! The record of webhook attempts, written in batches: under load the relay delivers many
//! events at once, and one write (one commit) per attempt would cost more than the
//! deliveries themselves.

use std::sync::{Arc, Mutex, PoisonError};

use tracing::warn;

use super::endpoint::WebhookAttempt;
use crate::ports::{StoreResult, UnitOfWork};
use crate::records::Records;

/// Most attempts in one write.
const MAX_BATCH: usize = 500;

#[derive(Debug, Default)]
struct Pending {
    attempts: Vec<WebhookAttempt>,
    /// Whether a caller is writing the pending attempts.
    flushing: bool,
}

/// Attempts waiting to be stored, and who stores them.
///
/// A caller that finds nobody writing becomes the writer: it stores everything pending,
/// in batches, until nothing is left; callers that arrive meanwhile only add theirs. So
/// concurrent deliveries share writes, and every attempt is stored before the delivery
/// that writes it returns (the relay waits for its deliveries, so none is left behind at
/// shutdown).
#[derive(Debug, Clone)]
pub(super) struct AttemptLog {
    records: Records,
    pending: Arc<Mutex<Pending>>,
}

impl AttemptLog {
    pub(super) fn new(records: Records) -> Self {
        Self {
            records,
            pending: Arc::default(),
        }
    }

    /// Stores `attempt`, with those of concurrent deliveries. A failure to store is
    /// logged, not returned: the delivery itself happened or failed regardless.
    pub(super) async fn record(&self, attempt: WebhookAttempt) {
        {
            let mut pending = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
            pending.attempts.push(attempt);
            if pending.flushing {
                return;
            }
            pending.flushing = true;
        }
        loop {
            let batch = {
                let mut pending = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
                if pending.attempts.is_empty() {
                    pending.flushing = false;
                    return;
                }
                let take = pending.attempts.len().min(MAX_BATCH);
                pending.attempts.drain(..take).collect::<Vec<_>>()
            };
            if let Err(error) = self.write(&batch).await {
                warn!(%error, attempts = batch.len(), "webhook attempts could not be recorded");
            }
        }
    }

    async fn write(&self, batch: &[WebhookAttempt]) -> StoreResult<()> {
        let mut unit = UnitOfWork::default();
        for attempt in batch {
            unit.insert(attempt)?;
        }
        self.records.write(&unit).await
    }
}
