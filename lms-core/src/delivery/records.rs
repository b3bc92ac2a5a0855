//! What the relay stores, as records: each subscriber's position in the outbox and who
//! holds it, the events waiting for another attempt, and the dead letters.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::events::DomainEvent;
use crate::records::{Index, KeySpec, Record, RecordKind};

/// A relay instance's claim on a subscriber's stream until `until`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lease {
    /// The relay instance holding it.
    pub holder: Uuid,
    /// When it lapses unless renewed.
    pub until: DateTime<Utc>,
}

/// A subscriber's position in the outbox: every event up to `position` has been
/// delivered to it or handed to a retry. One relay instance at a time holds its lease and
/// delivers its stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryCursor {
    /// Identifier.
    pub id: Uuid,
    /// Version as stored.
    pub version: u64,
    /// The subscriber's name.
    pub subscriber: String,
    /// The last outbox sequence handled.
    pub position: u64,
    /// Who delivers the stream now, if anyone.
    #[serde(default)]
    pub lease: Option<Lease>,
}

impl DeliveryCursor {
    /// Whether another relay instance holds a lease that has not lapsed.
    pub fn leased_to_another(&self, instance: Uuid, now: DateTime<Utc>) -> bool {
        self.lease
            .as_ref()
            .is_some_and(|l| l.holder != instance && l.until > now)
    }

    /// Whether `instance` holds the lease for at least `margin` more.
    pub fn held_by(&self, instance: Uuid, now: DateTime<Utc>, margin: Duration) -> bool {
        self.lease
            .as_ref()
            .is_some_and(|l| l.holder == instance && l.until > now + margin)
    }
}

impl Record for DeliveryCursor {
    const KIND: RecordKind = RecordKind {
        name: "delivery_cursor",
        keys: &[KeySpec::unique("subscriber")],
    };

    fn id(&self) -> Uuid {
        self.id
    }

    fn version(&self) -> u64 {
        self.version
    }

    fn index(&self, index: &mut Index) {
        index.set("subscriber", self.subscriber.as_str());
    }
}

/// An event a subscriber has not taken yet, waiting for its next attempt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingRetry {
    /// Identifier.
    pub id: Uuid,
    /// Version as stored.
    pub version: u64,
    /// The subscriber's name.
    pub subscriber: String,
    /// The event.
    pub event: DomainEvent,
    /// Failed attempts so far.
    pub attempts: u32,
    /// When the next attempt is due (or, while an instance attempts it, when that claim
    /// lapses).
    pub due_at: DateTime<Utc>,
    /// Why the last attempt failed.
    pub last_error: String,
}

impl Record for PendingRetry {
    const KIND: RecordKind = RecordKind {
        name: "delivery_retry",
        keys: &[KeySpec::ordered("due_at"), KeySpec::lookup("subscriber")],
    };

    fn id(&self) -> Uuid {
        self.id
    }

    fn version(&self) -> u64 {
        self.version
    }

    fn index(&self, index: &mut Index) {
        index.set("due_at", self.due_at);
        index.set("subscriber", self.subscriber.as_str());
    }
}

/// An event a subscriber failed to take in every allowed attempt. An admin can list it
/// and replay it, which makes it a pending retry again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeadLetter {
    /// Identifier.
    pub id: Uuid,
    /// Version as stored.
    pub version: u64,
    /// The subscriber's name.
    pub subscriber: String,
    /// The event.
    pub event: DomainEvent,
    /// Attempts made.
    pub attempts: u32,
    /// Why the last attempt failed.
    pub last_error: String,
    /// When the last attempt failed.
    pub failed_at: DateTime<Utc>,
}

impl Record for DeadLetter {
    const KIND: RecordKind = RecordKind {
        name: "dead_letter",
        keys: &[KeySpec::ordered("failed_at"), KeySpec::lookup("subscriber")],
    };

    fn id(&self) -> Uuid {
        self.id
    }

    fn version(&self) -> u64 {
        self.version
    }

    fn index(&self, index: &mut Index) {
        index.set("failed_at", self.failed_at);
        index.set("subscriber", self.subscriber.as_str());
    }
}
