use std::sync::Arc;

use tracing::{instrument, warn};

use crate::error::{Entity, Result};
use crate::ports::{Notifier, OutboxStore, StoreError};

/// What one relay pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RelayReport {
    /// Events delivered and acknowledged.
    pub delivered: usize,
    /// True when a delivery failed; the rest wait for the next pass, in order.
    pub stalled: bool,
}

/// Moves events from the outbox to the notifier, in order, at least once.
#[derive(Clone)]
pub struct OutboxRelay {
    outbox: Arc<dyn OutboxStore>,
    notifier: Arc<dyn Notifier>,
}

impl std::fmt::Debug for OutboxRelay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutboxRelay").finish_non_exhaustive()
    }
}

impl OutboxRelay {
    /// A relay from this outbox to this notifier.
    pub fn new(outbox: Arc<dyn OutboxStore>, notifier: Arc<dyn Notifier>) -> Self {
        Self { outbox, notifier }
    }

    /// Delivers up to `limit` pending events. Stops at the first failure so events are
    /// never delivered out of order; delivered ones are acknowledged either way.
    #[instrument(skip(self))]
    pub async fn relay_once(&self, limit: u32) -> Result<RelayReport> {
        let store_err = |e: StoreError| e.about(Entity::Event, "outbox");
        let pending = self.outbox.pending_events(limit).await.map_err(store_err)?;
        let mut delivered = Vec::with_capacity(pending.len());
        let mut stalled = false;
        for message in &pending {
            if let Err(err) = self.notifier.deliver(&message.event).await {
                warn!(sequence = message.sequence, error = %err, "event delivery failed; will retry");
                stalled = true;
                break;
            }
            delivered.push(message.sequence);
        }
        if !delivered.is_empty() {
            self.outbox.mark_events_delivered(&delivered).await.map_err(store_err)?;
        }
        Ok(RelayReport {
            delivered: delivered.len(),
            stalled,
        })
    }
}
