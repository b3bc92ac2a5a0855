//! The relay: moves events from the outbox to every subscriber, at least once, with
//! retries, dead letters and retention.

use std::collections::HashMap;
use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use futures::stream::{self, StreamExt};
use tracing::{debug, warn};
use uuid::Uuid;

use super::backoff::Backoff;
use super::records::{DeadLetter, DeliveryCursor, Lease, PendingRetry};
use crate::domain::events::DomainEvent;
use crate::error::{Entity, Error, Result};
use crate::ports::{
    to_chrono, Clock, Notifier, OutboxMessage, OutboxStore, Page, PageRequest, StoreError, Stores, UnitOfWork,
};
use crate::records::{Range, Records};
use crate::services::Actor;

/// A named destination of events. Each subscriber has its own stream: its position in
/// the outbox, its retries and its dead letters, so a failing webhook never holds up an
/// in-process reaction. Its notifier MUST be idempotent by event id: delivery is at least
/// once.
#[derive(Clone)]
pub struct Subscriber {
    name: String,
    event_types: Vec<String>,
    start_after: u64,
    notifier: Arc<dyn Notifier>,
}

impl std::fmt::Debug for Subscriber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Subscriber")
            .field("name", &self.name)
            .field("event_types", &self.event_types)
            .field("start_after", &self.start_after)
            .finish_non_exhaustive()
    }
}

impl Subscriber {
    /// A subscriber to every event, from the oldest one the outbox still holds. `name`
    /// keys its stream, so it must stay the same across restarts.
    pub fn new(name: impl Into<String>, notifier: Arc<dyn Notifier>) -> Self {
        Self {
            name: name.into(),
            event_types: Vec::new(),
            start_after: 0,
            notifier,
        }
    }

    /// Only events of these public types (`EventPayload::public_type`, such as
    /// `lesson.completed`); none given means all.
    pub fn only<S: Into<String>>(mut self, event_types: impl IntoIterator<Item = S>) -> Self {
        self.event_types = event_types.into_iter().map(Into::into).collect();
        self
    }

    /// A new stream starts after this outbox sequence (a webhook created now does not
    /// receive the past week). Ignored once the stream exists.
    pub fn starting_after(mut self, sequence: u64) -> Self {
        self.start_after = sequence;
        self
    }

    /// The name its stream is stored under.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether it takes this event.
    pub fn wants(&self, event: &DomainEvent) -> bool {
        self.event_types.is_empty() || self.event_types.iter().any(|t| t == event.payload.public_type())
    }
}

/// Subscribers that come and go while the relay runs (webhook endpoints); asked on every
/// pass.
#[async_trait]
pub trait SubscriberSource: Send + Sync + 'static {
    /// The subscribers as of now.
    async fn subscribers(&self) -> Result<Vec<Subscriber>>;

    /// Deletes what the source keeps about past deliveries (such as a log of attempts)
    /// past its retention, and tells how many records went. The relay calls it whenever it
    /// purges delivered events, with their cutoff `before`; a source with a retention of
    /// its own applies that instead. Nothing by default.
    async fn purge_history(&self, before: DateTime<Utc>) -> Result<u64> {
        let _ = before;
        Ok(0)
    }
}

/// How the relay runs.
#[derive(Debug, Clone)]
pub struct RelaySettings {
    /// Most events read from the outbox at a time for one subscriber.
    pub batch: u32,
    /// Most deliveries of one batch under way at once.
    pub concurrency: usize,
    /// How long a claim on a stream or a retry lasts: after a crash, another instance
    /// takes over once it lapses.
    pub lease: Duration,
    /// The pause between passes that found nothing to do.
    pub poll: Duration,
    /// Attempts before an event becomes a dead letter (at least 1).
    pub max_attempts: u32,
    /// The wait between attempts.
    pub backoff: Backoff,
    /// How long events stay in the outbox after every subscriber has them.
    pub retention: Duration,
    /// How often delivered events past their retention are purged.
    pub purge_every: Duration,
}

impl Default for RelaySettings {
    fn default() -> Self {
        Self {
            batch: 500,
            concurrency: 64,
            lease: Duration::from_secs(30),
            poll: Duration::from_millis(100),
            max_attempts: 12,
            backoff: Backoff::default(),
            retention: Duration::from_secs(7 * 24 * 3600),
            purge_every: Duration::from_secs(60),
        }
    }
}

/// What passes have done since the relay started.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeliveryCounts {
    /// Deliveries that succeeded.
    pub delivered: u64,
    /// Attempts that failed (each schedules a retry or makes a dead letter).
    pub failed: u64,
    /// Events given up on.
    pub dead_lettered: u64,
}

impl std::ops::AddAssign for DeliveryCounts {
    fn add_assign(&mut self, other: Self) {
        self.delivered += other.delivered;
        self.failed += other.failed;
        self.dead_lettered += other.dead_lettered;
    }
}

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PassReport {
    /// Deliveries by outcome.
    pub counts: DeliveryCounts,
    /// Events purged after their retention.
    pub purged: u64,
    /// Records about past deliveries (webhook attempts) purged after the same retention.
    pub history_purged: u64,
    /// True when some stream read a full batch, so another pass should follow at once.
    pub more: bool,
}

/// Events not yet delivered everywhere, for monitoring.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Backlog {
    /// Events past the position of the subscriber furthest behind.
    pub pending: u64,
    /// Age of the oldest of them, in seconds (0 when none).
    pub oldest_pending_seconds: f64,
    /// Events waiting for another attempt.
    pub retrying: u64,
    /// Dead letters.
    pub dead_letters: u64,
}

#[derive(Debug, Default)]
struct Counters {
    delivered: AtomicU64,
    failed: AtomicU64,
    dead_lettered: AtomicU64,
}

impl Counters {
    fn add(&self, counts: DeliveryCounts) {
        self.delivered.fetch_add(counts.delivered, Ordering::Relaxed);
        self.failed.fetch_add(counts.failed, Ordering::Relaxed);
        self.dead_lettered.fetch_add(counts.dead_lettered, Ordering::Relaxed);
    }
}

/// Delivers the outbox to its subscribers. Several instances (one per server process)
/// can run on one database: a stream is delivered by whichever instance holds its lease,
/// so each event reaches each subscriber once in normal operation, and at least once
/// when an instance dies mid-batch (the next holder starts from the last committed
/// position). Cloning is cheap and shares the instance.
#[derive(Clone)]
pub struct Relay {
    inner: Arc<Inner>,
}

struct Inner {
    outbox: Arc<dyn OutboxStore>,
    records: Records,
    clock: Arc<dyn Clock>,
    instance: Uuid,
    settings: RelaySettings,
    fixed: Vec<Subscriber>,
    sources: Vec<Arc<dyn SubscriberSource>>,
    counters: Counters,
    last_purge: Mutex<Option<DateTime<Utc>>>,
}

impl std::fmt::Debug for Relay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Relay")
            .field("instance", &self.inner.instance)
            .field("settings", &self.inner.settings)
            .field("subscribers", &self.inner.fixed)
            .finish_non_exhaustive()
    }
}

/// Builds a [`Relay`]: its stores, clock, settings and subscribers.
pub struct RelayBuilder {
    outbox: Arc<dyn OutboxStore>,
    records: Records,
    clock: Arc<dyn Clock>,
    settings: RelaySettings,
    fixed: Vec<Subscriber>,
    sources: Vec<Arc<dyn SubscriberSource>>,
}

impl std::fmt::Debug for RelayBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RelayBuilder")
            .field("settings", &self.settings)
            .field("subscribers", &self.fixed)
            .finish_non_exhaustive()
    }
}

impl RelayBuilder {
    /// Adds a subscriber for as long as the relay runs (an in-process reaction, email,
    /// a message bus).
    pub fn subscribe(mut self, subscriber: Subscriber) -> Self {
        self.fixed.push(subscriber);
        self
    }

    /// Adds subscribers that change at run time.
    pub fn subscribe_from(mut self, source: Arc<dyn SubscriberSource>) -> Self {
        self.sources.push(source);
        self
    }

    /// Sets how it runs.
    pub fn settings(mut self, settings: RelaySettings) -> Self {
        self.settings = settings;
        self
    }

    /// The relay, a new instance.
    pub fn build(self) -> Relay {
        Relay {
            inner: Arc::new(Inner {
                outbox: self.outbox,
                records: self.records,
                clock: self.clock,
                instance: Uuid::now_v7(),
                settings: self.settings,
                fixed: self.fixed,
                sources: self.sources,
                counters: Counters::default(),
                last_purge: Mutex::new(None),
            }),
        }
    }
}

fn store_error(err: StoreError) -> Error {
    err.about(Entity::Event, "outbox")
}

impl Relay {
    /// A relay over these stores, on this clock, with default settings and no
    /// subscribers yet.
    pub fn builder(stores: &Stores, clock: Arc<dyn Clock>) -> RelayBuilder {
        RelayBuilder {
            outbox: stores.outbox.clone(),
            records: Records::new(stores.records.clone()),
            clock,
            settings: RelaySettings::default(),
            fixed: Vec::new(),
            sources: Vec::new(),
        }
    }

    /// This instance's id, as it appears in the leases it holds.
    pub fn instance(&self) -> Uuid {
        self.inner.instance
    }

    /// Deliveries by outcome since this instance started.
    pub fn counts(&self) -> DeliveryCounts {
        let c = &self.inner.counters;
        DeliveryCounts {
            delivered: c.delivered.load(Ordering::Relaxed),
            failed: c.failed.load(Ordering::Relaxed),
            dead_lettered: c.dead_lettered.load(Ordering::Relaxed),
        }
    }

    /// The subscribers as of now: the fixed ones and those of every source.
    pub async fn subscribers(&self) -> Result<Vec<Subscriber>> {
        let mut all = self.inner.fixed.clone();
        for source in &self.inner.sources {
            all.extend(source.subscribers().await?);
        }
        Ok(all)
    }

    /// Runs passes until `shutdown` completes, then releases the streams this instance
    /// holds so another instance takes them over at once. A pass under way when shutdown
    /// comes is finished first, so no claimed event is left half-delivered.
    pub async fn run(&self, shutdown: impl Future<Output = ()>) {
        let mut shutdown = pin!(shutdown);
        loop {
            let more = match self.run_once().await {
                Ok(report) => report.more,
                Err(err) => {
                    warn!(error = %err, "event relay pass failed; retrying");
                    false
                }
            };
            let pause = if more { Duration::ZERO } else { self.inner.settings.poll };
            tokio::select! {
                () = &mut shutdown => break,
                () = tokio::time::sleep(pause) => {}
            }
        }
        if let Err(err) = self.release().await {
            warn!(error = %err, "releasing the event streams failed; they lapse on their own");
        }
    }

    /// One pass: every subscriber's stream, then the retries that are due, then (at most
    /// every `purge_every`) the purge of delivered events past their retention.
    pub async fn run_once(&self) -> Result<PassReport> {
        let subscribers = self.subscribers().await?;
        let mut report = PassReport::default();
        // Streams at the same position share one read of the outbox: in steady state every
        // subscriber is, so a subscriber more costs a cursor write per batch, not a read.
        let mut batches = HashMap::new();
        for subscriber in &subscribers {
            let (counts, more) = self.stream(subscriber, &mut batches).await?;
            report.counts += counts;
            report.more |= more;
        }
        report.counts += self.retry_due(&subscribers).await?;
        (report.purged, report.history_purged) = self.purge_if_due(&subscribers).await?;
        self.inner.counters.add(report.counts);
        Ok(report)
    }

    /// The stream of one subscriber, if this instance can hold it: delivers the next
    /// batch, schedules a retry for each failure, and moves the position past the batch
    /// in one write with the retries. Returns whether the batch was full.
    /// `batches` holds the batches read in this pass, by the position they follow.
    async fn stream(
        &self,
        subscriber: &Subscriber,
        batches: &mut HashMap<u64, Arc<Vec<OutboxMessage>>>,
    ) -> Result<(DeliveryCounts, bool)> {
        let Some(mut cursor) = self.hold(subscriber).await? else {
            return Ok((DeliveryCounts::default(), false));
        };
        let settings = &self.inner.settings;
        let batch = match batches.get(&cursor.position) {
            Some(batch) => batch.clone(),
            None => {
                let read = self
                    .inner
                    .outbox
                    .events_after(cursor.position, settings.batch)
                    .await
                    .map_err(store_error)?;
                let read = Arc::new(read);
                batches.insert(cursor.position, read.clone());
                read
            }
        };
        let Some(last) = batch.last().map(|m| m.sequence) else {
            return Ok((DeliveryCounts::default(), false));
        };
        let wanted: Vec<&OutboxMessage> = batch.iter().filter(|m| subscriber.wants(&m.event)).collect();
        // The futures are made before they are streamed (not by a closure of the stream),
        // which keeps the pass's future `Send`.
        let deliveries: Vec<_> = wanted
            .into_iter()
            .map(|message| {
                let notifier = subscriber.notifier.clone();
                async move {
                    let outcome = notifier.deliver(&message.event).await.map_err(|e| e.to_string());
                    (message, outcome)
                }
            })
            .collect();
        let outcomes: Vec<(&OutboxMessage, std::result::Result<(), String>)> = stream::iter(deliveries)
            .buffer_unordered(settings.concurrency.max(1))
            .collect()
            .await;
        let now = self.inner.clock.now();
        let mut counts = DeliveryCounts::default();
        let mut unit = UnitOfWork::default();
        for (message, outcome) in outcomes {
            match outcome {
                Ok(()) => counts.delivered += 1,
                Err(error) => {
                    counts.failed += 1;
                    debug!(subscriber = %subscriber.name, event = %message.event.id, %error, "delivery failed");
                    let retry = PendingRetry {
                        id: Uuid::now_v7(),
                        version: 1,
                        subscriber: subscriber.name.clone(),
                        event: message.event.clone(),
                        attempts: 0,
                        due_at: now,
                        last_error: String::new(),
                    };
                    counts.dead_lettered += u64::from(self.fail(retry, error, now, &mut unit, true)?);
                }
            }
        }
        let expected = cursor.version;
        cursor.version += 1;
        cursor.position = last;
        cursor.lease = Some(self.lease(now));
        unit.update(&cursor, expected).map_err(store_error)?;
        match self.inner.records.write(&unit).await {
            Ok(()) => Ok((counts, batch.len() >= settings.batch as usize)),
            // Another instance took the stream over (this one stalled past its lease):
            // it delivers this batch again from the last committed position.
            Err(StoreError::VersionConflict) => Ok((DeliveryCounts::default(), false)),
            Err(err) => Err(store_error(err)),
        }
    }

    /// A lease from now.
    fn lease(&self, now: DateTime<Utc>) -> Lease {
        Lease {
            holder: self.inner.instance,
            until: now + to_chrono(self.inner.settings.lease),
        }
    }

    /// The subscriber's cursor with this instance's lease on it, taken or renewed as
    /// needed; `None` when another instance holds it.
    async fn hold(&self, subscriber: &Subscriber) -> Result<Option<DeliveryCursor>> {
        let records = &self.inner.records;
        let now = self.inner.clock.now();
        let stored = records
            .get_unique::<DeliveryCursor>("subscriber", subscriber.name.as_str())
            .await
            .map_err(store_error)?;
        let Some(mut cursor) = stored else {
            let cursor = DeliveryCursor {
                id: Uuid::now_v7(),
                version: 1,
                subscriber: subscriber.name.clone(),
                position: subscriber.start_after,
                lease: Some(self.lease(now)),
            };
            return match records.insert(&cursor, &[]).await {
                Ok(()) => Ok(Some(cursor)),
                // Another instance created it first, and holds it.
                Err(StoreError::Duplicate(_)) => Ok(None),
                Err(err) => Err(store_error(err)),
            };
        };
        if cursor.leased_to_another(self.inner.instance, now) {
            return Ok(None);
        }
        let half = to_chrono(self.inner.settings.lease / 2);
        if cursor.held_by(self.inner.instance, now, half) {
            return Ok(Some(cursor));
        }
        let expected = cursor.version;
        cursor.version += 1;
        cursor.lease = Some(self.lease(now));
        match records.update(&cursor, expected, &[]).await {
            Ok(()) => Ok(Some(cursor)),
            Err(StoreError::VersionConflict | StoreError::NotFound) => Ok(None),
            Err(err) => Err(store_error(err)),
        }
    }

    /// Records a failed attempt in `unit`: the retry again later, or a dead letter once the
    /// attempts are used up (returns true then). `fresh` tells a retry that is not stored
    /// yet from one being updated.
    fn fail(
        &self,
        mut retry: PendingRetry,
        error: String,
        now: DateTime<Utc>,
        unit: &mut UnitOfWork,
        fresh: bool,
    ) -> Result<bool> {
        let settings = &self.inner.settings;
        retry.attempts += 1;
        if retry.attempts >= settings.max_attempts.max(1) {
            warn!(subscriber = %retry.subscriber, event = %retry.event.id, attempts = retry.attempts, %error, "event delivery gave up: dead letter");
            let letter = DeadLetter {
                id: retry.id,
                version: 1,
                subscriber: retry.subscriber.clone(),
                event: retry.event.clone(),
                attempts: retry.attempts,
                last_error: error,
                failed_at: now,
            };
            if !fresh {
                unit.delete(&retry);
            }
            unit.insert(&letter).map_err(store_error)?;
            return Ok(true);
        }
        retry.last_error = error;
        retry.due_at = now + to_chrono(settings.backoff.delay(retry.attempts));
        if fresh {
            unit.insert(&retry).map_err(store_error)?;
        } else {
            let expected = retry.version;
            retry.version += 1;
            unit.update(&retry, expected).map_err(store_error)?;
        }
        Ok(false)
    }

    /// Attempts the retries that are due (up to a batch a pass), each claimed first (its
    /// due time moved a lease ahead) so that one instance attempts it. Retries of
    /// subscribers this instance does not have are passed over, page by page, so they
    /// cannot crowd out the others.
    async fn retry_due(&self, subscribers: &[Subscriber]) -> Result<DeliveryCounts> {
        let now = self.inner.clock.now();
        let mut counts = DeliveryCounts::default();
        let mut attempted = 0;
        let mut after = None;
        loop {
            let range = Range::all("due_at", 100)
                .between(std::ops::Bound::Unbounded, std::ops::Bound::Included(now.into()))
                .after(after);
            let due = self
                .inner
                .records
                .range::<PendingRetry>(range)
                .await
                .map_err(store_error)?;
            for retry in due.items {
                if let Some(subscriber) = subscribers.iter().find(|s| s.name == retry.subscriber) {
                    counts += self.retry(subscriber, retry, now).await?;
                    attempted += 1;
                }
            }
            match due.next {
                Some(next) if attempted < self.inner.settings.batch => after = Some(next),
                _ => return Ok(counts),
            }
        }
    }

    /// Claims one due retry and attempts it; another instance's claim wins quietly.
    async fn retry(
        &self,
        subscriber: &Subscriber,
        mut retry: PendingRetry,
        now: DateTime<Utc>,
    ) -> Result<DeliveryCounts> {
        let records = &self.inner.records;
        let mut counts = DeliveryCounts::default();
        let expected = retry.version;
        retry.version += 1;
        retry.due_at = now + to_chrono(self.inner.settings.lease);
        match records.update(&retry, expected, &[]).await {
            Ok(()) => {}
            Err(StoreError::VersionConflict | StoreError::NotFound) => return Ok(counts),
            Err(err) => return Err(store_error(err)),
        }
        let outcome = subscriber.notifier.deliver(&retry.event).await;
        let now = self.inner.clock.now();
        let mut unit = UnitOfWork::default();
        match outcome {
            Ok(()) => {
                counts.delivered += 1;
                unit.delete(&retry);
            }
            Err(err) => {
                counts.failed += 1;
                counts.dead_lettered += u64::from(self.fail(retry, err.to_string(), now, &mut unit, false)?);
            }
        }
        match records.write(&unit).await {
            // An error here means the claim lapsed and another instance has the retry now.
            Ok(()) | Err(StoreError::VersionConflict | StoreError::NotFound) => Ok(counts),
            Err(err) => Err(store_error(err)),
        }
    }

    /// The lowest position among the subscribers' streams (what every one of them has
    /// handled); a stream not created yet counts at its start.
    async fn lowest_position(&self, subscribers: &[Subscriber]) -> Result<Option<u64>> {
        let mut lowest: Option<u64> = None;
        for subscriber in subscribers {
            let cursor = self
                .inner
                .records
                .get_unique::<DeliveryCursor>("subscriber", subscriber.name.as_str())
                .await
                .map_err(store_error)?;
            let position = cursor.map_or(subscriber.start_after, |c| c.position);
            lowest = Some(lowest.map_or(position, |l| l.min(position)));
        }
        Ok(lowest)
    }

    /// Purges the events every subscriber has handled once they are older than the
    /// retention, and the sources' records of deliveries older than that, at most every
    /// `purge_every`. Returns how many events and how many delivery records went.
    async fn purge_if_due(&self, subscribers: &[Subscriber]) -> Result<(u64, u64)> {
        let now = self.inner.clock.now();
        let every = to_chrono(self.inner.settings.purge_every);
        {
            let mut last = self.inner.last_purge.lock().unwrap_or_else(|e| e.into_inner());
            if last.is_some_and(|at| now < at + every) {
                return Ok((0, 0));
            }
            *last = Some(now);
        }
        self.purge(subscribers).await
    }

    /// Purges now what [`Relay::run_once`] purges periodically: the events handled by
    /// every subscriber, once older than the retention, and the sources' records of past
    /// deliveries. Run from outside a server (`lms-server purge`), this relay may lack
    /// some of the server's subscribers: every stream stored counts too, so no event a
    /// stream still has to deliver goes. Returns how many events and how many delivery
    /// records went.
    pub async fn purge_now(&self) -> Result<(u64, u64)> {
        let subscribers = self.subscribers().await?;
        let mut lowest = self.lowest_position(&subscribers).await?;
        let mut page = PageRequest::new(None, Some(PageRequest::MAX_LIMIT))?;
        loop {
            let cursors = self
                .inner
                .records
                .list::<DeliveryCursor>(page)
                .await
                .map_err(store_error)?;
            for cursor in &cursors.items {
                lowest = Some(lowest.map_or(cursor.position, |l| l.min(cursor.position)));
            }
            match cursors.next_after {
                Some(next) => page.after = Some(next),
                None => break,
            }
        }
        self.purge_through(lowest).await
    }

    async fn purge(&self, subscribers: &[Subscriber]) -> Result<(u64, u64)> {
        let lowest = self.lowest_position(subscribers).await?;
        self.purge_through(lowest).await
    }

    /// Purges the events up to `lowest` (every one when there are no streams) that are
    /// past the retention, and the sources' delivery records.
    async fn purge_through(&self, lowest: Option<u64>) -> Result<(u64, u64)> {
        let now = self.inner.clock.now();
        // With no subscriber, every event is delivered to all of them.
        let through = lowest.unwrap_or(u64::MAX);
        let before = now - to_chrono(self.inner.settings.retention);
        let events = self
            .inner
            .outbox
            .purge_events(through, before)
            .await
            .map_err(store_error)?;
        let mut history = 0;
        for source in &self.inner.sources {
            history += source.purge_history(before).await?;
        }
        Ok((events, history))
    }

    /// Gives up the leases this instance holds, so another instance can take the streams
    /// at once (on graceful shutdown).
    pub async fn release(&self) -> Result<()> {
        let records = &self.inner.records;
        let now = self.inner.clock.now();
        for subscriber in self.subscribers().await? {
            let cursor = records
                .get_unique::<DeliveryCursor>("subscriber", subscriber.name.as_str())
                .await
                .map_err(store_error)?;
            let Some(mut cursor) = cursor.filter(|c| c.held_by(self.inner.instance, now, chrono::Duration::zero()))
            else {
                continue;
            };
            let expected = cursor.version;
            cursor.version += 1;
            cursor.lease = None;
            match records.update(&cursor, expected, &[]).await {
                Ok(()) | Err(StoreError::VersionConflict | StoreError::NotFound) => {}
                Err(err) => return Err(store_error(err)),
            }
        }
        Ok(())
    }

    /// The dead letters, oldest first (by id, which follows creation); admins only.
    pub async fn dead_letters(&self, actor: &Actor, page: PageRequest) -> Result<Page<DeadLetter>> {
        actor.require_admin()?;
        self.inner.records.list::<DeadLetter>(page).await.map_err(store_error)
    }

    /// Makes a dead letter a pending retry again, due now, with its attempts reset;
    /// admins only. The letter is gone once replayed, so a second replay is `NotFound`.
    pub async fn replay(&self, actor: &Actor, id: Uuid) -> Result<PendingRetry> {
        actor.require_admin()?;
        let records = &self.inner.records;
        let letter = records
            .get::<DeadLetter>(id)
            .await
            .map_err(|e| e.about(Entity::DeadLetter, id))?
            .ok_or_else(|| Error::not_found(Entity::DeadLetter, id))?;
        let retry = PendingRetry {
            id: Uuid::now_v7(),
            version: 1,
            subscriber: letter.subscriber.clone(),
            event: letter.event.clone(),
            attempts: 0,
            due_at: self.inner.clock.now(),
            last_error: letter.last_error.clone(),
        };
        let mut unit = UnitOfWork::default();
        unit.delete(&letter);
        unit.insert(&retry).map_err(store_error)?;
        records
            .write(&unit)
            .await
            .map_err(|e| e.about(Entity::DeadLetter, id))?;
        Ok(retry)
    }

    /// What is waiting: the backlog of the subscriber furthest behind, retries, dead
    /// letters.
    pub async fn backlog(&self) -> Result<Backlog> {
        let subscribers = self.subscribers().await?;
        let records = &self.inner.records;
        let outbox = &self.inner.outbox;
        let mut backlog = Backlog::default();
        if let Some(lowest) = self.lowest_position(&subscribers).await? {
            backlog.pending = outbox.count_events_after(lowest).await.map_err(store_error)?;
            if let Some(oldest) = outbox.events_after(lowest, 1).await.map_err(store_error)?.first() {
                let age = self.inner.clock.now() - oldest.event.occurred_at;
                backlog.oldest_pending_seconds = age.num_microseconds().unwrap_or(i64::MAX).max(0) as f64 / 1e6;
            }
        }
        for subscriber in &subscribers {
            let name = subscriber.name.as_str();
            backlog.retrying += records
                .count::<PendingRetry>("subscriber", name)
                .await
                .map_err(store_error)?;
            backlog.dead_letters += records
                .count::<DeadLetter>("subscriber", name)
                .await
                .map_err(store_error)?;
        }
        Ok(backlog)
    }
}
