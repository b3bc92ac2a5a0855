//! Plans: what a premium subscription costs and how often, managed by admins.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::gateway::Interval;
use crate::domain::money::Money;
use crate::ids::PlanId;
use crate::records::{Record, RecordKind};

/// A premium subscription plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    /// Identifier.
    pub id: PlanId,
    /// Stored version.
    pub version: u64,
    /// Its name, as subscribers see it.
    pub name: String,
    /// What each period costs.
    pub amount: Money,
    /// The period.
    pub interval: Interval,
    /// The provider's name.
    pub provider: String,
    /// The provider's plan id (none with a provider that has no plans).
    pub provider_reference: Option<String>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

impl Record for Plan {
    const KIND: RecordKind = RecordKind {
        name: "plan",
        keys: &[],
    };

    fn id(&self) -> Uuid {
        self.id.as_uuid()
    }

    fn version(&self) -> u64 {
        self.version
    }
}

impl Plan {
    /// The plan's amount per month, rounded down (a yearly plan's twelfth), for MRR.
    pub fn monthly_minor(&self) -> i64 {
        match self.interval {
            Interval::Month => self.amount.amount_minor,
            Interval::Year => self.amount.amount_minor / 12,
        }
    }
}
