//! Storage hot paths through the services, on every backend: the outline read (a learner's
//! course progress) and the progress write (a video heartbeat).
//!
//! `cargo bench -p lms-benches --bench storage` seeds 1,000 courses × 30 lessons and
//! 100,000 enrollments per backend (Postgres when `LMS_BENCH_POSTGRES_URL` or
//! `LMS_TEST_POSTGRES_URL` is set, MongoDB when `LMS_BENCH_MONGO_URL` or
//! `LMS_TEST_MONGO_URL` is set). `LMS_BENCH_ENROLLMENTS=N` changes the number of
//! enrollments, to see how the outline read scales with other learners' data;
//! `LMS_BENCH_BACKENDS=sqlite,postgres` picks backends (all by default).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use lms_benches::backends::{self, Backend};
use lms_benches::dataset::{seed, Spec};
use lms_core::domain::user::Role;
use lms_core::domain::video::WatchInterval;
use lms_core::{Actor, Lms};
use tokio::runtime::Runtime;

fn spec() -> Spec {
    let enrollments = std::env::var("LMS_BENCH_ENROLLMENTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(Spec::standard().enrollments);
    Spec::standard().with_enrollments(enrollments)
}

fn bench_backend(c: &mut Criterion, rt: &Runtime, backend: Backend) {
    let spec = spec();
    let started = Instant::now();
    let dataset = rt
        .block_on(seed(&backend.stores, spec, backend.seed_concurrency))
        .expect("seed");
    eprintln!(
        "{}: seeded {} courses × {} lessons, {} enrollments in {:.1?}",
        backend.name,
        spec.courses,
        spec.lessons_per_course,
        dataset.samples.len(),
        started.elapsed()
    );
    let lms = Arc::new(Lms::with_system_clock(backend.stores.clone()));
    let mut group = c.benchmark_group(format!("{}/{}-enrollments", backend.name, dataset.samples.len()));
    group.throughput(Throughput::Elements(1));

    let mut rng = fastrand::Rng::with_seed(7);
    group.bench_function("outline_read", |b| {
        b.to_async(rt).iter(|| {
            let sample = dataset.pick(&mut rng);
            let lms = lms.clone();
            async move {
                let actor = Actor {
                    user_id: sample.user_id,
                    role: Role::Student,
                };
                lms.learning
                    .progress(&actor, sample.course_id, None)
                    .await
                    .expect("outline")
            }
        })
    });

    // Each heartbeat reports the next two seconds of a learner's first video, so every
    // write changes the stored enrollment.
    let second = Arc::new(AtomicU64::new(0));
    let mut rng = fastrand::Rng::with_seed(11);
    group.bench_function("progress_write", |b| {
        b.to_async(rt).iter(|| {
            let sample = dataset.pick(&mut rng);
            let start = (second.fetch_add(2, Ordering::Relaxed) % 598) as f64;
            let lms = lms.clone();
            async move {
                let actor = Actor {
                    user_id: sample.user_id,
                    role: Role::Student,
                };
                let span = vec![WatchInterval::from_seconds(start, start + 2.0).expect("interval")];
                lms.learning
                    .record_video_progress(&actor, sample.video_lesson_id, span, None)
                    .await
                    .expect("heartbeat")
            }
        })
    });
    group.finish();
}

fn storage(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    backends::for_each_selected(&rt, |backend| bench_backend(c, &rt, backend));
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(50).measurement_time(std::time::Duration::from_secs(10));
    targets = storage
}
criterion_main!(benches);
