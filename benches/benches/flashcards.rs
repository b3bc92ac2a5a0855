//! The due queue's storage read: a learner's card states due now, a range scan of
//! `(learner, deck, due time)`, among a million card states of 10,000 learners.
//!
//! `cargo bench -p lms-benches --bench flashcards` (backends as in the storage bench:
//! `LMS_BENCH_BACKENDS`, the Postgres and MongoDB URLs; `LMS_BENCH_CARD_STATES` sets the
//! number of card states, default 1,000,000: 100 per learner).
//!
//! Criterion reports the mean read; the requirement is on the tail, so after it the bench
//! times [`TIMED_READS`] reads one by one and prints their P50, P95, P99 and maximum.

use std::ops::Bound;
use std::time::Instant;

use chrono::{DateTime, Duration, TimeZone, Utc};
use criterion::{criterion_group, criterion_main, Criterion};
use futures::StreamExt;
use lms_benches::backends::{self, Backend};
use lms_core::flashcards::{CardState, Schedule};
use lms_core::ids::{CardId, DeckId, UserId};
use lms_core::ports::UnitOfWork;
use lms_core::records::{IndexValue, Range, Records};
use tokio::runtime::Runtime;
use uuid::Uuid;

/// Cards per learner, all in one deck.
const CARDS_PER_LEARNER: u64 = 100;
/// Card states written per unit of work while seeding.
const UNIT: u64 = 1_000;
/// Cards a due-queue read asks for.
const QUEUE: u32 = 20;
/// Reads timed one by one for the latency percentiles.
const TIMED_READS: usize = 10_000;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).single().expect("valid date")
}

/// The learners and the deck, fixed by index so the benchmark can pick one.
fn learner(n: u64) -> UserId {
    UserId::from(Uuid::from_u64_pair(0x0190_0000_0000_7000, n))
}

fn deck() -> DeckId {
    DeckId::from(Uuid::from_u64_pair(0x0190_0000_0000_7000, u64::MAX))
}

/// The `n`th card state: its learner is `n / CARDS_PER_LEARNER`; a third of the cards are
/// due in the past, the rest over the next 100 days.
fn state(n: u64) -> CardState {
    let due = now() + Duration::hours(((n * 7919) % 3600) as i64 - 1200);
    let mut schedule = Schedule::new(due - Duration::days(3));
    schedule.due_at = due;
    schedule.last_reviewed_at = Some(due - Duration::days(3));
    schedule.repetitions = 2;
    schedule.interval_days = 3;
    CardState {
        id: Uuid::now_v7(),
        version: 1,
        user_id: learner(n / CARDS_PER_LEARNER),
        deck_id: deck(),
        card_id: CardId::new(),
        schedule,
        reviews: 2,
        passed: true,
    }
}

fn states() -> u64 {
    std::env::var("LMS_BENCH_CARD_STATES")
        .ok()
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(1_000_000)
}

/// The due-queue read of the storage layer: up to [`QUEUE`] of `who`'s card states due by
/// now, in due order.
async fn due_queue(records: &Records, who: UserId) -> usize {
    let key = |at: DateTime<Utc>| IndexValue::from((who, deck().as_uuid(), at));
    let range = Range::all("user_deck_due", QUEUE).between(
        Bound::Included(key(DateTime::<Utc>::UNIX_EPOCH)),
        Bound::Included(key(now())),
    );
    let page = records.range::<CardState>(range).await.expect("scan");
    assert!(!page.items.is_empty(), "a third of each learner's cards are due");
    page.items.len()
}

fn bench_backend(c: &mut Criterion, rt: &Runtime, backend: &Backend) {
    let records = Records::new(backend.stores.records.clone());
    let total = states();
    let started = Instant::now();
    rt.block_on(async {
        let units = (0..total).step_by(UNIT as usize).map(|start| {
            let records = records.clone();
            async move {
                let mut unit = UnitOfWork::default();
                for n in start..(start + UNIT).min(total) {
                    unit.insert(&state(n)).expect("declared kind");
                }
                records.write(&unit).await.expect("seed card states");
            }
        });
        futures::stream::iter(units)
            .buffer_unordered(backend.seed_concurrency)
            .collect::<Vec<()>>()
            .await;
        backend.settle().await;
    });
    let learners = (total / CARDS_PER_LEARNER).max(1);
    eprintln!(
        "{}: {total} card states of {learners} learners stored in {:.1?}",
        backend.name,
        started.elapsed()
    );
    let mut group = c.benchmark_group(format!("{}/flashcards", backend.name));
    let mut rng = fastrand::Rng::with_seed(11);
    group.bench_function(format!("due_queue_of_{QUEUE}_among_{total}_states"), |b| {
        b.to_async(rt).iter(|| {
            let who = learner(rng.u64(0..learners));
            let records = records.clone();
            async move { due_queue(&records, who).await }
        })
    });
    group.finish();

    let mut latencies = rt.block_on(async {
        let mut latencies = Vec::with_capacity(TIMED_READS);
        for _ in 0..TIMED_READS {
            let who = learner(rng.u64(0..learners));
            let started = Instant::now();
            due_queue(&records, who).await;
            latencies.push(started.elapsed());
        }
        latencies
    });
    latencies.sort_unstable();
    let micros = |d: std::time::Duration| d.as_secs_f64() * 1e6;
    let at = |share: f64| micros(latencies[((latencies.len() as f64 * share) as usize).min(latencies.len() - 1)]);
    eprintln!(
        "{}: due queue, {TIMED_READS} reads of random learners among {total} states: \
         P50 {:.0} µs, P95 {:.0} µs, P99 {:.0} µs, max {:.0} µs",
        backend.name,
        at(0.50),
        at(0.95),
        at(0.99),
        micros(latencies[latencies.len() - 1])
    );
}

fn flashcards(c: &mut Criterion) {
    let rt = Runtime::new().expect("runtime");
    backends::for_each_selected(&rt, |backend| bench_backend(c, &rt, &backend));
}

criterion_group!(benches, flashcards);
criterion_main!(benches);
