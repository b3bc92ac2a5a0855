use async_trait::async_trait;

use super::StoreResult;
use crate::domain::events::DomainEvent;

/// An event waiting in the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxMessage {
    /// Position in the outbox; strictly increasing in the order events were committed
    /// within one aggregate write, and across writes.
    pub sequence: u64,
    /// The event.
    pub event: DomainEvent,
}

/// The outbox: events appended by aggregate writes, read and acknowledged by a relay.
#[async_trait]
pub trait OutboxStore: Send + Sync + 'static {
    /// Up to `limit` undelivered messages, lowest sequence first.
    async fn pending_events(&self, limit: u32) -> StoreResult<Vec<OutboxMessage>>;

    /// Marks messages delivered so they are not returned again. Unknown or already
    /// delivered sequences MUST be ignored (the call is idempotent).
    async fn mark_events_delivered(&self, sequences: &[u64]) -> StoreResult<()>;
}
