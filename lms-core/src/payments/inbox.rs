//! The webhook inbox: each provider event stored once, before it is processed. Storing it
//! appends a `payment.event_received` event in the same write, and the payments reaction
//! processes it from there: with the relay's retries, back-off and dead letters, and at
//! least once, which processing tolerates because every transition it makes is
//! idempotent and never moves a state backwards.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::gateway::ProviderEvent;
use crate::records::{Index, KeySpec, Record, RecordKind};

/// A provider's event, as received.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboxEvent {
    /// Identifier.
    pub id: Uuid,
    /// Stored version.
    pub version: u64,
    /// The provider's name.
    pub provider: String,
    /// The event as read from the verified body (what processing needs, nothing else of
    /// the body is kept).
    pub event: ProviderEvent,
    /// When it arrived.
    pub received_at: DateTime<Utc>,
}

impl Record for InboxEvent {
    const KIND: RecordKind = RecordKind {
        name: "payment_inbox",
        keys: &[KeySpec::unique("provider_event"), KeySpec::ordered("received_at")],
    };

    fn id(&self) -> Uuid {
        self.id
    }

    fn version(&self) -> u64 {
        self.version
    }

    fn index(&self, index: &mut Index) {
        index.set("provider_event", (self.provider.as_str(), self.event.id.as_str()));
        index.set("received_at", self.received_at);
    }
}
