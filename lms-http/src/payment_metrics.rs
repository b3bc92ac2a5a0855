//! The counters of payment and security events on `/metrics` (orders by outcome,
//! refunds, revenue by currency, security alerts by signal), fed by the events through
//! the relay. Each event reaches one
//! instance, so the counters of all instances add up to the deployment's totals; a
//! redelivered event (after a crash) may count twice, which monitoring tolerates. Labels
//! are bounded: an outcome, an ISO 4217 currency code the core validated, or one of the
//! three security signals.

use async_trait::async_trait;
use lms_core::delivery::Subscriber;
use lms_core::domain::events::{DomainEvent, EventPayload};
use lms_core::ports::{Notifier, NotifyError};

use crate::metrics::Metrics;

/// Counts payment and security events into the server's metrics.
#[derive(Debug, Clone)]
pub struct PaymentMetrics(pub Metrics);

impl PaymentMetrics {
    /// The relay subscriber, starting after `newest` so a restart does not count the past
    /// again.
    pub fn subscriber(self, newest: u64) -> Subscriber {
        Subscriber::new("payment-metrics", std::sync::Arc::new(self))
            .only(["order.paid", "order.failed", "order.refunded", "security.alert"])
            .starting_after(newest)
    }
}

/// A non-negative amount as a counter increment.
fn minor(amount_minor: i64) -> u64 {
    u64::try_from(amount_minor).unwrap_or(0)
}

#[async_trait]
impl Notifier for PaymentMetrics {
    async fn deliver(&self, event: &DomainEvent) -> Result<(), NotifyError> {
        let metrics = &self.0;
        match &event.payload {
            EventPayload::OrderPaid {
                amount_minor, currency, ..
            } => {
                metrics.orders.with_label_values(&["paid"]).inc();
                metrics
                    .revenue_minor
                    .with_label_values(&[currency.as_str()])
                    .inc_by(minor(*amount_minor));
            }
            EventPayload::OrderFailed { .. } => metrics.orders.with_label_values(&["failed"]).inc(),
            EventPayload::OrderRefunded {
                amount_minor, currency, ..
            } => {
                metrics.refunds.inc();
                metrics
                    .refunded_minor
                    .with_label_values(&[currency.as_str()])
                    .inc_by(minor(*amount_minor));
            }
            EventPayload::SecurityAlert { signal, .. } => {
                let name = serde_json::to_value(signal).unwrap_or_default();
                if let Some(name) = name.as_str() {
                    metrics.security_alerts.with_label_values(&[name]).inc();
                }
            }
            _ => {}
        }
        Ok(())
    }
}
