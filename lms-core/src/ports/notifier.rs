use std::sync::Mutex;

use async_trait::async_trait;

use crate::domain::events::DomainEvent;
use crate::error::BoxError;

/// A delivery failure; the relay retries the event later.
#[derive(Debug, thiserror::Error)]
#[error("notification failed: {0}")]
pub struct NotifyError(#[source] pub BoxError);

/// Delivers domain events to the outside world (webhooks, email, a message bus).
#[async_trait]
pub trait Notifier: Send + Sync + 'static {
    /// Delivers one event. Delivery is at-least-once: the same event (same id) MAY be
    /// delivered again after a failure, so receivers de-duplicate by event id.
    async fn deliver(&self, event: &DomainEvent) -> Result<(), NotifyError>;
}

/// A notifier that keeps what it was sent; for tests and examples.
#[derive(Debug, Default)]
pub struct RecordingNotifier {
    sent: Mutex<Vec<DomainEvent>>,
}

impl RecordingNotifier {
    /// Everything delivered so far, in order.
    pub fn sent(&self) -> Vec<DomainEvent> {
        self.sent.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

#[async_trait]
impl Notifier for RecordingNotifier {
    async fn deliver(&self, event: &DomainEvent) -> Result<(), NotifyError> {
        self.sent.lock().unwrap_or_else(|e| e.into_inner()).push(event.clone());
        Ok(())
    }
}
