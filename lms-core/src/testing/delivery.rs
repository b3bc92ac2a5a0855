//! Event delivery ([`crate::delivery::Relay`]) over each adapter: positions, leases,
//! retries, dead letters and retention, all stored through the record store and the
//! outbox port.
//!
//! Every behaviour subscribes under a fresh name starting after the outbox's current end,
//! so the events of other behaviours in the shared database are not its business.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use chrono::Duration as TimeDelta;
use uuid::Uuid;

use super::fixtures::user_event;
use super::{behaviour_list, Behaviour, Ctx};
use crate::delivery::{Backoff, PendingRetry, Relay, RelaySettings, Subscriber};
use crate::domain::events::DomainEvent;
use crate::domain::user::Role;
use crate::error::{BoxError, Error};
use crate::ids::{EventId, UserId};
use crate::ports::{Notifier, NotifyError, PageRequest, UnitOfWork};
use crate::services::Actor;
use crate::webhooks::{NewWebhook, WebhookService, WebhookSettings, WebhookTransport};

pub(super) fn behaviours() -> Vec<Behaviour> {
    behaviour_list![
        events_reach_a_subscriber_once,
        subscribers_only_get_the_types_they_want,
        two_instances_deliver_each_event_once,
        a_failed_delivery_is_retried_after_back_off,
        retries_of_absent_subscribers_do_not_crowd_out_others,
        an_event_failing_every_attempt_becomes_a_dead_letter_and_replays,
        a_lapsed_lease_is_taken_over_from_the_last_position,
        a_released_stream_is_taken_over_at_once,
        delivered_events_are_purged_after_their_retention,
        webhook_attempts_are_purged_after_the_retention,
    ]
}

/// A receiver that fails the first `failures` attempts at each event, then takes it, and
/// remembers every attempt.
#[derive(Debug, Default)]
struct Receiver {
    failures: u32,
    attempts: Mutex<HashMap<EventId, u32>>,
    taken: Mutex<Vec<EventId>>,
}

impl Receiver {
    fn failing(failures: u32) -> Arc<Self> {
        Arc::new(Self {
            failures,
            ..Self::default()
        })
    }

    fn taken(&self) -> Vec<EventId> {
        self.taken.lock().expect("lock").clone()
    }

    fn attempts(&self, id: EventId) -> u32 {
        self.attempts.lock().expect("lock").get(&id).copied().unwrap_or(0)
    }
}

#[async_trait]
impl Notifier for Receiver {
    async fn deliver(&self, event: &DomainEvent) -> Result<(), NotifyError> {
        let attempt = {
            let mut attempts = self.attempts.lock().expect("lock");
            let n = attempts.entry(event.id).or_default();
            *n += 1;
            *n
        };
        if attempt <= self.failures {
            let err: BoxError = format!("attempt {attempt} refused").into();
            return Err(NotifyError(err));
        }
        self.taken.lock().expect("lock").push(event.id);
        Ok(())
    }
}

/// An admin, who may list and replay dead letters.
fn admin() -> Actor {
    Actor {
        user_id: UserId::new(),
        role: Role::Admin,
    }
}

/// Settings for tests: no pause, a purge on every pass, one-second back-off.
fn settings() -> RelaySettings {
    RelaySettings {
        batch: 4,
        concurrency: 2,
        max_attempts: 4,
        backoff: Backoff {
            base: Duration::from_secs(1),
            max: Duration::from_secs(60),
        },
        purge_every: Duration::ZERO,
        ..RelaySettings::default()
    }
}

/// A subscriber under a fresh name, starting after the current end of the outbox.
async fn subscriber(ctx: &Ctx, receiver: Arc<Receiver>) -> Subscriber {
    let start = ctx.stores.outbox.last_sequence().await.expect("last sequence");
    Subscriber::new(format!("test-{}", Uuid::now_v7()), receiver).starting_after(start)
}

fn relay(ctx: &Ctx, subscriber: &Subscriber, settings: RelaySettings) -> Relay {
    Relay::builder(&ctx.stores, ctx.clock.clone())
        .settings(settings)
        .subscribe(subscriber.clone())
        .build()
}

/// Writes `n` events (user registrations) in one unit of work; returns their ids.
async fn write_events(ctx: &Ctx, n: usize) -> Vec<EventId> {
    let events: Vec<DomainEvent> = (0..n).map(|_| user_event(UserId::new(), ctx.clock_now())).collect();
    let ids = events.iter().map(|e| e.id).collect();
    ctx.stores
        .records
        .write(&UnitOfWork::with_events(events))
        .await
        .expect("events written");
    ids
}

/// Runs passes until one finds nothing more to read.
async fn drain(relay: &Relay) {
    for _ in 0..100 {
        if !relay.run_once().await.expect("pass").more {
            return;
        }
    }
    panic!("the relay never caught up");
}

async fn events_reach_a_subscriber_once(ctx: Ctx) {
    let receiver = Receiver::failing(0);
    let subscriber = subscriber(&ctx, receiver.clone()).await;
    let relay = relay(&ctx, &subscriber, settings());
    let first = write_events(&ctx, 3).await;
    let second = write_events(&ctx, 6).await;
    drain(&relay).await;
    drain(&relay).await;
    let mut expected: Vec<EventId> = first.into_iter().chain(second).collect();
    let mut taken = receiver.taken();
    assert_eq!(taken.len(), expected.len(), "each event exactly once: {taken:?}");
    expected.sort();
    taken.sort();
    assert_eq!(taken, expected);
    assert_eq!(relay.counts().delivered, 9);
}

async fn subscribers_only_get_the_types_they_want(ctx: Ctx) {
    let receiver = Receiver::failing(0);
    let subscriber = subscriber(&ctx, receiver.clone()).await.only(["course.completed"]);
    let relay = relay(&ctx, &subscriber, settings());
    write_events(&ctx, 3).await;
    drain(&relay).await;
    assert!(receiver.taken().is_empty(), "user registrations were not wanted");
    let backlog = relay.backlog().await.expect("backlog");
    assert_eq!(backlog.pending, 0, "the position moved past unwanted events");
}

async fn two_instances_deliver_each_event_once(ctx: Ctx) {
    let receiver = Receiver::failing(0);
    let subscriber = subscriber(&ctx, receiver.clone()).await;
    let one = relay(&ctx, &subscriber, settings());
    let two = relay(&ctx, &subscriber, settings());
    let mut written = Vec::new();
    for _ in 0..5 {
        written.extend(write_events(&ctx, 3).await);
        let (a, b) = tokio::join!(one.run_once(), two.run_once());
        a.expect("first instance");
        b.expect("second instance");
    }
    drain(&one).await;
    drain(&two).await;
    let taken = receiver.taken();
    assert_eq!(taken.len(), written.len(), "each event once across both instances");
    written.sort();
    let mut sorted = taken.clone();
    sorted.sort();
    assert_eq!(sorted, written);
}

async fn a_failed_delivery_is_retried_after_back_off(ctx: Ctx) {
    let receiver = Receiver::failing(3);
    let subscriber = subscriber(&ctx, receiver.clone()).await;
    let relay = relay(&ctx, &subscriber, settings());
    let event = write_events(&ctx, 1).await[0];
    relay.run_once().await.expect("first attempt");
    assert_eq!(receiver.attempts(event), 1);
    relay.run_once().await.expect("not due yet");
    assert_eq!(receiver.attempts(event), 1, "no attempt before the back-off");
    // Back-off ceilings: 1 s, 2 s, 4 s.
    for (wait, attempts) in [(1, 2), (2, 3), (4, 4)] {
        ctx.clock.advance(TimeDelta::seconds(wait));
        relay.run_once().await.expect("retry");
        assert_eq!(receiver.attempts(event), attempts, "after waiting {wait} s");
    }
    assert_eq!(receiver.taken(), vec![event], "taken on the fourth attempt");
    let backlog = relay.backlog().await.expect("backlog");
    assert_eq!((backlog.retrying, backlog.dead_letters), (0, 0));
    ctx.clock.advance(TimeDelta::seconds(60));
    relay.run_once().await.expect("nothing left");
    assert_eq!(receiver.attempts(event), 4);
}

async fn retries_of_absent_subscribers_do_not_crowd_out_others(ctx: Ctx) {
    // More due retries than one page of the scan, for a subscriber no relay has.
    let gone = format!("gone-{}", Uuid::now_v7());
    let mut unit = UnitOfWork::default();
    for _ in 0..150 {
        let retry = PendingRetry {
            id: Uuid::now_v7(),
            version: 1,
            subscriber: gone.clone(),
            event: user_event(UserId::new(), ctx.clock_now()),
            attempts: 1,
            due_at: ctx.clock_now() - TimeDelta::hours(1),
            last_error: "receiver gone".into(),
        };
        unit.insert(&retry).expect("declared kind");
    }
    ctx.stores.records.write(&unit).await.expect("orphan retries");
    let receiver = Receiver::failing(1);
    let subscriber = subscriber(&ctx, receiver.clone()).await;
    let relay = relay(&ctx, &subscriber, settings());
    let event = write_events(&ctx, 1).await[0];
    relay.run_once().await.expect("first attempt");
    ctx.clock.advance(TimeDelta::seconds(1));
    relay.run_once().await.expect("retry");
    assert_eq!(receiver.taken(), vec![event], "the retry was reached past the others");
}

async fn an_event_failing_every_attempt_becomes_a_dead_letter_and_replays(ctx: Ctx) {
    // Refuses four attempts (all of them), then takes the replay.
    let receiver = Receiver::failing(4);
    let subscriber = subscriber(&ctx, receiver.clone()).await;
    let relay = relay(&ctx, &subscriber, settings());
    let event = write_events(&ctx, 1).await[0];
    relay.run_once().await.expect("first attempt");
    for _ in 0..3 {
        ctx.clock.advance(TimeDelta::seconds(60));
        relay.run_once().await.expect("retry");
    }
    assert_eq!(receiver.attempts(event), 4);
    assert!(receiver.taken().is_empty());
    let backlog = relay.backlog().await.expect("backlog");
    assert_eq!((backlog.retrying, backlog.dead_letters), (0, 1));
    let letters = all_dead_letters(&relay).await;
    let letter = letters
        .iter()
        .find(|l| l.subscriber == subscriber.name())
        .expect("a dead letter for the subscriber");
    assert_eq!((letter.event.id, letter.attempts), (event, 4));
    assert!(letter.last_error.contains("attempt 4 refused"), "{}", letter.last_error);

    let learner = Actor {
        user_id: UserId::new(),
        role: Role::Student,
    };
    let refused = relay.replay(&learner, letter.id).await;
    assert!(matches!(refused, Err(Error::Forbidden(_))), "{refused:?}");
    relay.replay(&admin(), letter.id).await.expect("replay");
    let again = relay.replay(&admin(), letter.id).await;
    assert!(
        matches!(again, Err(Error::NotFound { .. })),
        "a dead letter replays once: {again:?}"
    );
    relay.run_once().await.expect("replayed attempt");
    assert_eq!(receiver.taken(), vec![event]);
    let backlog = relay.backlog().await.expect("backlog");
    assert_eq!((backlog.retrying, backlog.dead_letters), (0, 0));
}

async fn all_dead_letters(relay: &Relay) -> Vec<crate::delivery::DeadLetter> {
    let mut all = Vec::new();
    let mut after = None;
    loop {
        let page = relay
            .dead_letters(&admin(), PageRequest::new(after, Some(100)).expect("page"))
            .await
            .expect("dead letters");
        all.extend(page.items);
        match page.next_after {
            Some(next) => after = Some(next),
            None => return all,
        }
    }
}

async fn a_lapsed_lease_is_taken_over_from_the_last_position(ctx: Ctx) {
    let receiver = Receiver::failing(0);
    let subscriber = subscriber(&ctx, receiver.clone()).await;
    let crashed = relay(&ctx, &subscriber, settings());
    let survivor = relay(&ctx, &subscriber, settings());
    let before = write_events(&ctx, 2).await;
    crashed.run_once().await.expect("delivered, then the instance dies");
    assert_eq!(receiver.taken().len(), 2);
    let after = write_events(&ctx, 2).await;
    survivor.run_once().await.expect("pass");
    assert_eq!(
        receiver.taken().len(),
        2,
        "the stream is still leased to the dead instance"
    );
    ctx.clock.advance(TimeDelta::seconds(31));
    drain(&survivor).await;
    let taken = receiver.taken();
    assert_eq!(taken.len(), 4, "each event once: {taken:?}");
    let sorted = |ids: &[EventId]| {
        let mut ids = ids.to_vec();
        ids.sort();
        ids
    };
    assert_eq!(sorted(&taken[..2]), sorted(&before));
    assert_eq!(
        sorted(&taken[2..]),
        sorted(&after),
        "the survivor starts from the last committed position"
    );
}

async fn a_released_stream_is_taken_over_at_once(ctx: Ctx) {
    let receiver = Receiver::failing(0);
    let subscriber = subscriber(&ctx, receiver.clone()).await;
    let leaving = relay(&ctx, &subscriber, settings());
    let staying = relay(&ctx, &subscriber, settings());
    write_events(&ctx, 1).await;
    leaving.run_once().await.expect("pass");
    leaving.release().await.expect("release");
    write_events(&ctx, 1).await;
    staying.run_once().await.expect("pass");
    assert_eq!(receiver.taken().len(), 2, "taken over without waiting for the lease");
}

async fn delivered_events_are_purged_after_their_retention(ctx: Ctx) {
    let receiver = Receiver::failing(0);
    let subscriber = subscriber(&ctx, receiver.clone()).await;
    let start = ctx.stores.outbox.last_sequence().await.expect("last");
    // The holder's lease outlasts the two hours the clock moves, so the other instance
    // only purges.
    let retention = RelaySettings {
        retention: Duration::from_secs(3600),
        lease: Duration::from_secs(3 * 3600),
        ..settings()
    };
    let holder = relay(&ctx, &subscriber, retention.clone());
    let other = relay(&ctx, &subscriber, retention);
    write_events(&ctx, 2).await;
    drain(&holder).await;
    // Written and not delivered: the holder of the stream stops here.
    let late = write_events(&ctx, 1).await[0];
    ctx.clock.advance(TimeDelta::hours(2));
    let report = other.run_once().await.expect("purging pass");
    assert!(report.purged >= 2, "the two delivered events are purged: {report:?}");
    let left = ctx.stores.outbox.events_after(start, 10).await.expect("outbox");
    let left: Vec<EventId> = left.iter().map(|m| m.event.id).collect();
    assert_eq!(left, vec![late], "the undelivered event stays");
    assert_eq!(receiver.taken().len(), 2);
}

/// A webhook transport whose endpoint takes every request.
struct Accepting;

#[async_trait]
impl WebhookTransport for Accepting {
    async fn post(&self, _url: &str, _headers: &[(&'static str, String)], _body: Vec<u8>) -> Result<u16, String> {
        Ok(204)
    }
}

async fn webhook_attempts_are_purged_after_the_retention(ctx: Ctx) {
    // Attempts have a retention of their own, longer than the events' here.
    let private_targets = WebhookSettings {
        allow_private: true,
        attempt_retention: Duration::from_secs(3600),
        ..WebhookSettings::default()
    };
    let webhooks = WebhookService::new(&ctx.stores, ctx.clock.clone(), Arc::new(Accepting), private_targets);
    let new = NewWebhook {
        url: "http://127.0.0.1:9/hook".to_owned(),
        ..NewWebhook::default()
    };
    let endpoint = webhooks.create(&admin(), new).await.expect("endpoint");
    let relay = Relay::builder(&ctx.stores, ctx.clock.clone())
        .settings(RelaySettings {
            retention: Duration::from_secs(60),
            ..settings()
        })
        .subscribe_from(Arc::new(webhooks.clone()))
        .build();
    let old = write_events(&ctx, 2).await;
    drain(&relay).await;
    ctx.clock.advance(TimeDelta::hours(2));
    let recent = write_events(&ctx, 1).await;
    let report = relay.run_once().await.expect("pass");
    assert!(
        report.history_purged >= 2,
        "the two old attempts are purged: {report:?}"
    );
    let page = PageRequest::new(None, Some(10)).expect("page");
    let left = webhooks.attempts(&admin(), endpoint.id, page).await.expect("attempts");
    let left: Vec<EventId> = left.items.iter().map(|a| a.event_id).collect();
    assert_eq!(left, recent, "only the recent attempt stays (not {old:?})");
}
