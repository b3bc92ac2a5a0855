//! The payments reaction: what the core does when payment events are delivered. A paid
//! order enrolls its buyer, a full refund ends that enrollment, a subscription's state
//! sets premium (and its end expires the enrollments premium gave), and a provider's
//! webhook in the inbox is processed. Delivery is at least once and in no particular
//! order; every step here is idempotent and reads the current state, never the event's.

use async_trait::async_trait;

use super::service::PaymentService;
use crate::delivery::Subscriber;
use crate::domain::events::{DomainEvent, EventPayload};
use crate::error::Result;
use crate::ids::UserId;
use crate::ports::{Notifier, NotifyError};

/// The name the reaction's stream is stored under.
pub const REACTION_NAME: &str = "payments";

/// The event types the reaction handles.
const HANDLED: [&str; 4] = [
    "order.paid",
    "order.refunded",
    "subscription.changed",
    "payment.event_received",
];

impl PaymentService {
    /// The reaction as a relay subscriber: give it to the relay that runs next to this
    /// service (see [`crate::delivery`]).
    pub fn subscriber(&self) -> Subscriber {
        Subscriber::new(REACTION_NAME, std::sync::Arc::new(self.clone())).only(HANDLED)
    }

    async fn react(&self, event: &DomainEvent) -> Result<()> {
        match &event.payload {
            EventPayload::OrderPaid { order_id, .. } | EventPayload::OrderRefunded { order_id, .. } => {
                let order = self.load_order(*order_id).await?;
                self.learning.reconcile_purchase(&order).await
            }
            EventPayload::SubscriptionChanged { user_id, .. } => self.sync_premium(*user_id).await,
            EventPayload::PaymentEventReceived { inbox_id, .. } => self.process_inbox(*inbox_id).await,
            _ => Ok(()),
        }
    }

    /// Premium while any of the user's subscriptions grants it; when none does, the
    /// enrollments premium gave expire.
    async fn sync_premium(&self, user_id: UserId) -> Result<()> {
        let premium = self
            .user_subscriptions(user_id)
            .await?
            .iter()
            .any(|s| s.status.grants_premium());
        self.users.set_premium(user_id, premium).await?;
        if !premium {
            self.learning.expire_premium_enrollments(user_id).await?;
        }
        Ok(())
    }
}

#[async_trait]
impl Notifier for PaymentService {
    async fn deliver(&self, event: &DomainEvent) -> std::result::Result<(), NotifyError> {
        self.react(event).await.map_err(|err| NotifyError(Box::new(err)))
    }
}
