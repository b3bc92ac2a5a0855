//! The provider's customer for each user who has paid or subscribed, so a payer is one
//! customer at the provider however many times they buy.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::ids::UserId;
use crate::records::{Index, KeySpec, Record, RecordKind};

/// A user as a payment provider's customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentCustomer {
    /// Identifier.
    pub id: Uuid,
    /// Stored version.
    pub version: u64,
    /// The user.
    pub user_id: UserId,
    /// The provider's name.
    pub provider: String,
    /// The provider's customer id.
    pub reference: String,
}

impl Record for PaymentCustomer {
    const KIND: RecordKind = RecordKind {
        name: "payment_customer",
        keys: &[KeySpec::unique("user")],
    };

    fn id(&self) -> Uuid {
        self.id
    }

    fn version(&self) -> u64 {
        self.version
    }

    fn owner(&self) -> Option<UserId> {
        Some(self.user_id)
    }

    fn index(&self, index: &mut Index) {
        index.set("user", (self.provider.as_str(), self.user_id));
    }
}
