//! Range scans of the record store, and whether their cost grows with the records of
//! other kinds.
//!
//! `cargo bench -p lms-benches --bench records` stores 10,000 records of one kind with an
//! ordered key, then 10,000 and later 1,000,000 records of another kind (with a key of the
//! same name), and after each step times a scan of 100 records between bounds. Backends as
//! in the storage bench (`LMS_BENCH_BACKENDS`, the Postgres and MongoDB URLs);
//! `LMS_BENCH_RECORDS_OTHER=10000,1000000` sets the steps.

use std::ops::Bound;
use std::time::Instant;

use chrono::{DateTime, Duration, TimeZone, Utc};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use lms_benches::backends::{self, Backend};
use lms_core::ports::UnitOfWork;
use lms_core::records::{Index, KeySpec, Range, Record, RecordKind, Records};
use serde::{Deserialize, Serialize};
use tokio::runtime::Runtime;
use uuid::Uuid;

/// Records of the kind under test.
const SCANNED: u64 = 10_000;
/// Records written per unit of work while seeding.
const UNIT: u64 = 1_000;

/// A card due for review at some time: the shape of the scans flashcards and retention make.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct DueCard {
    id: Uuid,
    version: u64,
    due: DateTime<Utc>,
    front: String,
}

impl Record for DueCard {
    const KIND: RecordKind = RecordKind {
        name: "bench_due_card",
        keys: &[KeySpec::ordered("due")],
    };

    fn id(&self) -> Uuid {
        self.id
    }

    fn version(&self) -> u64 {
        self.version
    }

    fn index(&self, index: &mut Index) {
        index.set("due", self.due);
    }
}

/// Records of another kind, with an ordered key of the same name.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Filler(DueCard);

impl Record for Filler {
    const KIND: RecordKind = RecordKind {
        name: "bench_filler",
        keys: DueCard::KIND.keys,
    };

    fn id(&self) -> Uuid {
        self.0.id
    }

    fn version(&self) -> u64 {
        1
    }

    fn index(&self, index: &mut Index) {
        self.0.index(index);
    }
}

fn epoch() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).single().expect("valid date")
}

/// The `n`th card: due times spread over `SCANNED` minutes, in shuffled order.
fn card(n: u64) -> DueCard {
    DueCard {
        id: Uuid::now_v7(),
        version: 1,
        due: epoch() + Duration::minutes(((n * 7919) % SCANNED) as i64),
        front: format!("card {n}: a question of ordinary length"),
    }
}

/// Stores records `from..to` made by `make`, a unit of work at a time.
async fn store<R: Record>(records: &Records, from: u64, to: u64, make: impl Fn(u64) -> R) {
    let mut start = from;
    while start < to {
        let end = (start + UNIT).min(to);
        let mut unit = UnitOfWork::default();
        for n in start..end {
            unit.insert(&make(n)).expect("declared kind");
        }
        records.write(&unit).await.expect("seed records");
        start = end;
    }
}

fn steps() -> Vec<u64> {
    std::env::var("LMS_BENCH_RECORDS_OTHER")
        .ok()
        .map(|list| list.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![10_000, 1_000_000])
}

fn bench_backend(c: &mut Criterion, rt: &Runtime, backend: &Backend) {
    let records = Records::new(backend.stores.records.clone());
    rt.block_on(store(&records, 0, SCANNED, card));
    let mut others = 0;
    for step in steps() {
        let started = Instant::now();
        rt.block_on(store(&records, others, step, |n| Filler(card(n))));
        others = step;
        eprintln!(
            "{}: {SCANNED} cards and {others} other records stored ({:.1?} for this step)",
            backend.name,
            started.elapsed()
        );
        let mut group = c.benchmark_group(format!("{}/records-range", backend.name));
        group.throughput(Throughput::Elements(100));
        let mut rng = fastrand::Rng::with_seed(5);
        group.bench_function(format!("scan_100_of_{SCANNED}_with_{others}_others"), |b| {
            b.to_async(rt).iter(|| {
                let from = epoch() + Duration::minutes(rng.i64(0..(SCANNED as i64 - 200)));
                let records = records.clone();
                async move {
                    let range = Range::all("due", 100).between(Bound::Included(from.into()), Bound::Unbounded);
                    let page = records.range::<DueCard>(range).await.expect("scan");
                    assert_eq!(page.items.len(), 100);
                    page
                }
            })
        });
        group.finish();
    }
}

fn records(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    backends::for_each_selected(&rt, |backend| bench_backend(c, &rt, &backend));
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(50).measurement_time(std::time::Duration::from_secs(5));
    targets = records
}
criterion_main!(benches);
