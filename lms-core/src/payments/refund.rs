//! Refunds: money going back for (part of) an order, with their own status. A refund made
//! through the API is stored `pending` before the provider is asked, so its amount is set
//! aside and two refunds at once can never exceed what was paid.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::revenue::RevenueSplit;
use crate::domain::money::Money;
use crate::ids::{OrderId, RefundId, UserId};
use crate::records::{Index, KeySpec, Record, RecordKind};

/// Where a refund stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefundStatus {
    /// Asked for; the provider has not confirmed it.
    Pending,
    /// The money went back.
    Succeeded,
    /// It did not go through; nothing was refunded.
    Failed,
}

impl RefundStatus {
    /// The lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            RefundStatus::Pending => "pending",
            RefundStatus::Succeeded => "succeeded",
            RefundStatus::Failed => "failed",
        }
    }
}

/// A refund of an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refund {
    /// Identifier; also the idempotency key at the provider.
    pub id: RefundId,
    /// Stored version.
    pub version: u64,
    /// The order refunded.
    pub order_id: OrderId,
    /// The buyer of that order.
    pub buyer_id: UserId,
    /// How much goes back.
    pub amount: Money,
    /// Why, as the admin said.
    pub reason: Option<String>,
    /// Where it stands.
    pub status: RefundStatus,
    /// The provider's name.
    pub provider: String,
    /// The provider's refund id, once known.
    pub provider_reference: Option<String>,
    /// What it reversed of the creator's and the platform's parts (once succeeded).
    pub reversed: RevenueSplit,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl Record for Refund {
    const KIND: RecordKind = RecordKind {
        name: "refund",
        keys: &[
            KeySpec::lookup("order"),
            KeySpec::unique("provider_reference"),
            KeySpec::ordered("created_at"),
        ],
    };

    fn id(&self) -> Uuid {
        self.id.as_uuid()
    }

    fn version(&self) -> u64 {
        self.version
    }

    fn owner(&self) -> Option<UserId> {
        Some(self.buyer_id)
    }

    fn index(&self, index: &mut Index) {
        index.set("order", self.order_id);
        if let Some(reference) = &self.provider_reference {
            index.set("provider_reference", (self.provider.as_str(), reference.as_str()));
        }
        index.set("created_at", self.created_at);
    }
}

impl Refund {
    /// A pending refund of `amount` of an order.
    pub fn new(
        order_id: OrderId,
        buyer_id: UserId,
        amount: Money,
        reason: Option<String>,
        provider: &str,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            id: RefundId::new(),
            version: 1,
            order_id,
            buyer_id,
            amount,
            reason,
            status: RefundStatus::Pending,
            provider: provider.to_owned(),
            provider_reference: None,
            reversed: RevenueSplit::default(),
            created_at: now,
            updated_at: now,
        }
    }

    /// Moves to `status` (with the reversal, for a success) and the next version.
    pub fn settle(&mut self, status: RefundStatus, reversed: RevenueSplit, now: DateTime<Utc>) {
        self.status = status;
        self.reversed = reversed;
        self.version += 1;
        self.updated_at = now;
    }
}
