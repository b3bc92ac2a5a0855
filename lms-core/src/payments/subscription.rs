//! Premium subscriptions: `incomplete`, `active`, `past_due`, `cancelled`, with the end of
//! the paid period. The provider's events move them; an event older than the last one
//! applied changes nothing, so events may arrive in any order.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::gateway::{ProviderSubscription, SubscriptionStatus};
use crate::domain::events::EventPayload;
use crate::ids::{PlanId, SubscriptionId, UserId};
use crate::records::{Index, KeySpec, Record, RecordKind};

/// A user's premium subscription.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subscription {
    /// Identifier; also the idempotency key at the provider.
    pub id: SubscriptionId,
    /// Stored version.
    pub version: u64,
    /// The subscriber.
    pub user_id: UserId,
    /// The plan.
    pub plan_id: PlanId,
    /// Where it stands.
    pub status: SubscriptionStatus,
    /// When the paid period ends.
    pub current_period_end: Option<DateTime<Utc>>,
    /// Whether it ends at the period's end rather than renewing.
    pub cancel_at_period_end: bool,
    /// The provider's name.
    pub provider: String,
    /// The provider's subscription id, once there is one.
    pub provider_reference: Option<String>,
    /// The time of the provider's latest state applied: older ones are ignored.
    pub provider_state_at: Option<DateTime<Utc>>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl Record for Subscription {
    const KIND: RecordKind = RecordKind {
        name: "subscription",
        keys: &[
            KeySpec::lookup("user"),
            KeySpec::lookup("status"),
            KeySpec::unique("provider_reference"),
        ],
    };

    fn id(&self) -> Uuid {
        self.id.as_uuid()
    }

    fn version(&self) -> u64 {
        self.version
    }

    fn owner(&self) -> Option<UserId> {
        Some(self.user_id)
    }

    fn index(&self, index: &mut Index) {
        index.set("user", self.user_id);
        index.set("status", self.status.as_str());
        if let Some(reference) = &self.provider_reference {
            index.set("provider_reference", (self.provider.as_str(), reference.as_str()));
        }
    }
}

impl Subscription {
    /// A new subscription as the provider started it.
    pub fn new(
        id: SubscriptionId,
        user_id: UserId,
        plan_id: PlanId,
        provider: &str,
        started: &ProviderSubscription,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            id,
            version: 1,
            user_id,
            plan_id,
            status: started.status,
            current_period_end: started.current_period_end,
            cancel_at_period_end: started.cancel_at_period_end,
            provider: provider.to_owned(),
            provider_reference: Some(started.reference.clone()),
            provider_state_at: Some(now),
            created_at: now,
            updated_at: now,
        }
    }

    /// The event announcing the subscription's current state.
    pub fn changed_event(&self) -> EventPayload {
        EventPayload::SubscriptionChanged {
            subscription_id: self.id,
            user_id: self.user_id,
            plan_id: self.plan_id,
            status: self.status,
            current_period_end: self.current_period_end,
        }
    }

    /// Applies the provider's state as of `state_at`. A state older than the last one
    /// applied, or one that changes nothing, returns `None`; a cancelled subscription
    /// stays cancelled.
    pub fn apply(
        &mut self,
        state: &ProviderSubscription,
        state_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Option<EventPayload> {
        if self.provider_state_at.is_some_and(|applied| state_at < applied)
            || self.status == SubscriptionStatus::Cancelled
        {
            return None;
        }
        let period_end = state.current_period_end.or(self.current_period_end);
        let unchanged = self.status == state.status
            && self.current_period_end == period_end
            && self.cancel_at_period_end == state.cancel_at_period_end;
        self.provider_state_at = Some(state_at);
        if unchanged {
            return None;
        }
        self.status = state.status;
        self.current_period_end = period_end;
        self.cancel_at_period_end = state.cancel_at_period_end;
        self.version += 1;
        self.updated_at = now;
        Some(self.changed_event())
    }
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;

    fn state(status: SubscriptionStatus, cancel_at_period_end: bool) -> ProviderSubscription {
        let period_end = DateTime::from_timestamp(1_800_000_000, 0).expect("valid time");
        ProviderSubscription {
            reference: "sub_1".into(),
            status,
            current_period_end: Some(period_end),
            cancel_at_period_end,
        }
    }

    fn subscription(now: DateTime<Utc>) -> Subscription {
        let started = state(SubscriptionStatus::Active, false);
        Subscription::new(
            SubscriptionId::new(),
            UserId::new(),
            PlanId::new(),
            "stripe",
            &started,
            now,
        )
    }

    #[test]
    fn an_older_state_never_overwrites_a_newer_one() {
        let t0 = Utc::now();
        let mut s = subscription(t0);
        let later = t0 + Duration::seconds(10);
        assert!(s
            .apply(&state(SubscriptionStatus::PastDue, false), later, later)
            .is_some());
        assert!(s
            .apply(
                &state(SubscriptionStatus::Active, false),
                t0 + Duration::seconds(5),
                later
            )
            .is_none());
        assert_eq!(s.status, SubscriptionStatus::PastDue);
    }

    #[test]
    fn a_cancelled_subscription_stays_cancelled_and_repeats_change_nothing() {
        let t0 = Utc::now();
        let mut s = subscription(t0);
        let t1 = t0 + Duration::seconds(1);
        let version = s.version;
        assert!(
            s.apply(&state(SubscriptionStatus::Active, false), t1, t1).is_none(),
            "same state"
        );
        assert_eq!(s.version, version);
        assert!(s.apply(&state(SubscriptionStatus::Cancelled, false), t1, t1).is_some());
        let t2 = t1 + Duration::seconds(1);
        assert!(s.apply(&state(SubscriptionStatus::Active, false), t2, t2).is_none());
        assert_eq!(s.status, SubscriptionStatus::Cancelled);
        assert!(!s.status.grants_premium());
    }
}
