//! Managing webhook endpoints (admins only), and delivering to them.

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use uuid::Uuid;

use super::attempt_log::AttemptLog;
use super::endpoint::{
    check_description, check_event_types, check_url, SigningSecret, WebhookAttempt, WebhookEndpoint,
};
use super::signature::{signature_header, WebhookSecret};
use crate::delivery::{PendingRetry, Subscriber, SubscriberSource};
use crate::domain::events::DomainEvent;
use crate::error::{BoxError, Entity, Error, Result};
use crate::ports::{to_chrono, Clock, Notifier, NotifyError, OutboxStore, Page, PageRequest, StoreError, UnitOfWork};
use crate::records::Records;
use crate::services::{retry_on_conflict, Actor};

/// How a webhook request travels. The server's transport sends it over HTTP.
#[async_trait]
pub trait WebhookTransport: Send + Sync + 'static {
    /// POSTs `body` with `headers` to `url` and returns the status the endpoint answered;
    /// an error when there was no answer (refused target, connection failure, timeout).
    async fn post(
        &self,
        url: &str,
        headers: &[(&'static str, String)],
        body: Vec<u8>,
    ) -> std::result::Result<u16, String>;
}

/// How webhooks behave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WebhookSettings {
    /// Whether loopback, private and link-local targets are allowed (tests, private
    /// networks).
    pub allow_private: bool,
    /// How long a rotated-out secret keeps signing.
    pub rotation_overlap: Duration,
    /// How long delivery attempts are kept (retention, G5; default 90 days). They are
    /// purged when the relay purges, however long it keeps the events themselves.
    pub attempt_retention: Duration,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        Self {
            allow_private: false,
            rotation_overlap: Duration::from_secs(24 * 3600),
            attempt_retention: Duration::from_secs(90 * 24 * 3600),
        }
    }
}

/// A new endpoint.
#[derive(Debug, Clone, Default)]
pub struct NewWebhook {
    /// Where events go.
    pub url: String,
    /// The public event types it receives; empty for all.
    pub event_types: Vec<String>,
    /// What it is for.
    pub description: Option<String>,
}

/// Changes to an endpoint; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct WebhookPatch {
    /// A new URL.
    pub url: Option<String>,
    /// New event types (empty for all).
    pub event_types: Option<Vec<String>>,
    /// A new description (blank to remove it).
    pub description: Option<String>,
    /// Enable or disable deliveries.
    pub enabled: Option<bool>,
}

/// Webhook endpoints: registered, changed, rotated and removed by admins; delivered to by
/// the relay, for which the service is a [`SubscriberSource`].
#[derive(Clone)]
pub struct WebhookService {
    records: Records,
    outbox: Arc<dyn OutboxStore>,
    clock: Arc<dyn Clock>,
    transport: Arc<dyn WebhookTransport>,
    settings: WebhookSettings,
    attempts: AttemptLog,
}

impl std::fmt::Debug for WebhookService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookService")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

fn store_error(id: Uuid) -> impl Fn(StoreError) -> Error {
    move |e| e.about(Entity::Webhook, id)
}

impl WebhookService {
    /// The service over the records and outbox of `stores`, sending through `transport`.
    pub fn new(
        stores: &crate::ports::Stores,
        clock: Arc<dyn Clock>,
        transport: Arc<dyn WebhookTransport>,
        settings: WebhookSettings,
    ) -> Self {
        let records = Records::new(stores.records.clone());
        Self {
            attempts: AttemptLog::new(records.clone()),
            records,
            outbox: stores.outbox.clone(),
            clock,
            transport,
            settings,
        }
    }

    /// Registers an endpoint with a new signing secret; it receives the events written
    /// from now on.
    pub async fn create(&self, actor: &Actor, new: NewWebhook) -> Result<WebhookEndpoint> {
        actor.require_admin()?;
        let url = check_url(&new.url, self.settings.allow_private)?;
        let event_types = check_event_types(&new.event_types)?;
        let description = check_description(new.description)?;
        let now = self.clock.now();
        let start_after = self
            .outbox
            .last_sequence()
            .await
            .map_err(|e| e.about(Entity::Event, "outbox"))?;
        let endpoint = WebhookEndpoint {
            id: Uuid::now_v7(),
            version: 1,
            url,
            event_types,
            description,
            enabled: true,
            secrets: vec![SigningSecret {
                secret: WebhookSecret::generate(),
                expires_at: None,
            }],
            start_after,
            created_at: now,
            updated_at: now,
        };
        self.records
            .insert(&endpoint, &[])
            .await
            .map_err(store_error(endpoint.id))?;
        Ok(endpoint)
    }

    /// The endpoints, by id.
    pub async fn list(&self, actor: &Actor, page: PageRequest) -> Result<Page<WebhookEndpoint>> {
        actor.require_admin()?;
        self.records
            .list::<WebhookEndpoint>(page)
            .await
            .map_err(|e| e.about(Entity::Webhook, "list"))
    }

    /// One endpoint.
    pub async fn get(&self, actor: &Actor, id: Uuid) -> Result<WebhookEndpoint> {
        actor.require_admin()?;
        self.load(id).await
    }

    async fn load(&self, id: Uuid) -> Result<WebhookEndpoint> {
        self.records
            .get::<WebhookEndpoint>(id)
            .await
            .map_err(store_error(id))?
            .ok_or_else(|| Error::not_found(Entity::Webhook, id))
    }

    /// Changes an endpoint. Re-enabling it resumes with the events written from then on.
    /// The relay moves the stream's records (its position and lease) while it delivers,
    /// so a change that resets the stream is retried on their newer versions.
    pub async fn update(&self, actor: &Actor, id: Uuid, patch: WebhookPatch) -> Result<WebhookEndpoint> {
        actor.require_admin()?;
        let patch = &patch;
        retry_on_conflict(|| async move {
            let mut endpoint = self.load(id).await?;
            if let Some(url) = &patch.url {
                endpoint.url = check_url(url, self.settings.allow_private)?;
            }
            if let Some(types) = &patch.event_types {
                endpoint.event_types = check_event_types(types)?;
            }
            if let Some(description) = &patch.description {
                endpoint.description = check_description(Some(description.clone()))?;
            }
            self.save(endpoint, patch.enabled).await
        })
        .await
    }

    /// Writes a changed endpoint; enabling or disabling it resets its stream, so that it
    /// neither receives what happened while it was off nor keeps retries for it.
    async fn save(&self, mut endpoint: WebhookEndpoint, enabled: Option<bool>) -> Result<WebhookEndpoint> {
        let mut unit = UnitOfWork::default();
        if let Some(enabled) = enabled.filter(|e| *e != endpoint.enabled) {
            endpoint.enabled = enabled;
            self.forget_stream(&endpoint, &mut unit).await?;
            if enabled {
                endpoint.start_after = self
                    .outbox
                    .last_sequence()
                    .await
                    .map_err(|e| e.about(Entity::Event, "outbox"))?;
            }
        }
        endpoint.updated_at = self.clock.now();
        let expected = endpoint.version;
        endpoint.version += 1;
        unit.update(&endpoint, expected).map_err(store_error(endpoint.id))?;
        self.records.write(&unit).await.map_err(store_error(endpoint.id))?;
        Ok(endpoint)
    }

    /// Adds the removal of an endpoint's relay stream (its position and pending retries)
    /// to `unit`.
    async fn forget_stream(&self, endpoint: &WebhookEndpoint, unit: &mut UnitOfWork) -> Result<()> {
        let name = endpoint.subscriber_name();
        let cursor = self
            .records
            .get_unique::<crate::delivery::DeliveryCursor>("subscriber", name.as_str())
            .await
            .map_err(store_error(endpoint.id))?;
        if let Some(cursor) = cursor {
            unit.delete(&cursor);
        }
        let mut after = None;
        loop {
            let page = self
                .records
                .list_by::<PendingRetry>("subscriber", name.as_str(), PageRequest::new(after, Some(100))?)
                .await
                .map_err(store_error(endpoint.id))?;
            for retry in &page.items {
                unit.delete(retry);
            }
            match page.next_after {
                Some(next) => after = Some(next),
                None => return Ok(()),
            }
        }
    }

    /// Removes an endpoint, its stream and its pending retries (its attempts and dead
    /// letters stay for the record).
    /// Retried like [`WebhookService::update`] when the relay moved the stream meanwhile.
    pub async fn delete(&self, actor: &Actor, id: Uuid) -> Result<()> {
        actor.require_admin()?;
        retry_on_conflict(|| async move {
            let endpoint = self.load(id).await?;
            let mut unit = UnitOfWork::default();
            self.forget_stream(&endpoint, &mut unit).await?;
            unit.delete(&endpoint);
            self.records.write(&unit).await.map_err(store_error(id))
        })
        .await
    }

    /// Makes a new signing secret current. The previous ones keep signing for the
    /// rotation overlap, so a receiver can switch secrets without losing a delivery.
    pub async fn rotate_secret(&self, actor: &Actor, id: Uuid) -> Result<WebhookEndpoint> {
        actor.require_admin()?;
        let mut endpoint = self.load(id).await?;
        let now = self.clock.now();
        let retire_at = now + to_chrono(self.settings.rotation_overlap);
        endpoint.secrets.retain(|s| s.expires_at.is_none_or(|at| at > now));
        for secret in &mut endpoint.secrets {
            secret.expires_at = Some(secret.expires_at.map_or(retire_at, |at| at.min(retire_at)));
        }
        endpoint.secrets.insert(
            0,
            SigningSecret {
                secret: WebhookSecret::generate(),
                expires_at: None,
            },
        );
        self.save(endpoint, None).await
    }

    /// The delivery attempts to an endpoint, oldest first.
    pub async fn attempts(&self, actor: &Actor, id: Uuid, page: PageRequest) -> Result<Page<WebhookAttempt>> {
        actor.require_admin()?;
        self.load(id).await?;
        self.records
            .list_by::<WebhookAttempt>("endpoint_id", id, page)
            .await
            .map_err(store_error(id))
    }

    /// Delivers one event to an endpoint and records the attempt.
    async fn deliver(&self, endpoint: &WebhookEndpoint, event: &DomainEvent) -> std::result::Result<(), String> {
        let now = self.clock.now();
        let id = event.id.to_string();
        let body = serde_json::to_vec(&event.delivered_body()).map_err(|e| e.to_string())?;
        let timestamp = now.timestamp();
        let signature =
            signature_header(&endpoint.signing_secrets(now), &id, timestamp, &body).map_err(|e| e.to_string())?;
        let headers = [
            ("content-type", "application/json".to_owned()),
            ("webhook-id", id),
            ("webhook-timestamp", timestamp.to_string()),
            ("webhook-signature", signature),
        ];
        let started = Instant::now();
        let outcome = match self.transport.post(&endpoint.url, &headers, body).await {
            Ok(status) if (200..300).contains(&status) => (Some(status), Ok(())),
            Ok(status) => (Some(status), Err(format!("the endpoint answered {status}"))),
            Err(error) => (None, Err(error)),
        };
        let attempt = WebhookAttempt {
            id: WebhookAttempt::id_at(now),
            version: 1,
            endpoint_id: endpoint.id,
            event_id: event.id,
            event_type: event.payload.public_type().to_owned(),
            attempted_at: now,
            status: outcome.0,
            latency_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            error: outcome.1.clone().err(),
            delivered: outcome.1.is_ok(),
        };
        self.attempts.record(attempt).await;
        outcome.1
    }
}

/// The relay's view of one endpoint.
struct EndpointNotifier {
    service: WebhookService,
    endpoint: WebhookEndpoint,
}

#[async_trait]
impl Notifier for EndpointNotifier {
    async fn deliver(&self, event: &DomainEvent) -> std::result::Result<(), NotifyError> {
        self.service.deliver(&self.endpoint, event).await.map_err(|message| {
            let error: BoxError = message.into();
            NotifyError(error)
        })
    }
}

/// Most attempts one purge write deletes (one page of the oldest).
const PURGE_PAGE: u32 = PageRequest::MAX_LIMIT;

#[async_trait]
impl SubscriberSource for WebhookService {
    /// The enabled endpoints, each a subscriber to its event types.
    async fn subscribers(&self) -> Result<Vec<Subscriber>> {
        let mut subscribers = Vec::new();
        let mut after = None;
        loop {
            let page = self
                .records
                .list::<WebhookEndpoint>(PageRequest::new(after, Some(100))?)
                .await
                .map_err(|e| e.about(Entity::Webhook, "list"))?;
            for endpoint in page.items.into_iter().filter(|e| e.enabled) {
                let notifier = Arc::new(EndpointNotifier {
                    service: self.clone(),
                    endpoint: endpoint.clone(),
                });
                subscribers.push(
                    Subscriber::new(endpoint.subscriber_name(), notifier)
                        .only(endpoint.event_types.iter().cloned())
                        .starting_after(endpoint.start_after),
                );
            }
            match page.next_after {
                Some(next) => after = Some(next),
                None => return Ok(subscribers),
            }
        }
    }

    /// Deletes the attempts older than their retention
    /// ([`WebhookSettings::attempt_retention`]; the relay's cutoff for events does not
    /// apply to them), oldest first, a page per write: attempt ids are ordered by attempt
    /// time ([`WebhookAttempt::id_at`]), so the oldest come first in id order and the
    /// purge stops at the first newer one.
    async fn purge_history(&self, _events_before: chrono::DateTime<chrono::Utc>) -> Result<u64> {
        let retention = chrono::Duration::from_std(self.settings.attempt_retention).unwrap_or(chrono::Duration::MAX);
        let before = self
            .clock
            .now()
            .checked_sub_signed(retention)
            .unwrap_or(chrono::DateTime::<chrono::Utc>::MIN_UTC);
        let purge_error = |e: StoreError| e.about(Entity::Webhook, "attempts");
        let mut purged = 0;
        loop {
            let page = self
                .records
                .list::<WebhookAttempt>(PageRequest::new(None, Some(PURGE_PAGE))?)
                .await
                .map_err(purge_error)?;
            let full = page.next_after.is_some();
            let mut unit = UnitOfWork::default();
            for attempt in page.items.iter().take_while(|a| a.attempted_at < before) {
                unit.delete(attempt);
            }
            let deleted = unit.writes.len();
            if deleted > 0 {
                match self.records.write(&unit).await {
                    Ok(()) => purged += deleted as u64,
                    // Another instance purges the same page: it finishes the job.
                    Err(StoreError::NotFound | StoreError::VersionConflict) => return Ok(purged),
                    Err(e) => return Err(purge_error(e)),
                }
            }
            if deleted < page.items.len() || !full {
                return Ok(purged);
            }
        }
    }
}
