use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StoreResult;
use crate::domain::events::DomainEvent;

/// An event in the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxMessage {
    /// Position in the outbox; strictly increasing in the order events were committed
    /// within one aggregate write, and across writes.
    pub sequence: u64,
    /// The event.
    pub event: DomainEvent,
}

/// The outbox: the log of events appended by aggregate writes, read by the relay
/// ([`crate::delivery::Relay`]) from each subscriber's position.
///
/// Sequence order is commit order: once a message is returned, no message with a lower
/// sequence can commit later. That is what lets each subscriber keep one position (the
/// last sequence it has seen) instead of a record per event.
#[async_trait]
pub trait OutboxStore: Send + Sync + 'static {
    /// Up to `limit` messages with a sequence above `after`, lowest first.
    async fn events_after(&self, after: u64, limit: u32) -> StoreResult<Vec<OutboxMessage>>;

    /// How many messages have a sequence above `after` (the backlog of a subscriber at
    /// that position).
    async fn count_events_after(&self, after: u64) -> StoreResult<u64>;

    /// The highest sequence stored, or 0 when the outbox is empty; a subscriber that
    /// starts there receives only what is written from then on.
    async fn last_sequence(&self) -> StoreResult<u64>;

    /// Deletes the messages with a sequence up to `through` that occurred before
    /// `occurred_before`, and returns how many it deleted. Calling it again is harmless.
    async fn purge_events(&self, through: u64, occurred_before: DateTime<Utc>) -> StoreResult<u64>;
}
