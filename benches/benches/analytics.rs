//! The analytics reports against the number of enrollments: a course's report
//! (`AnalyticsService::course`) and its quiz questions (`AnalyticsService::questions`),
//! read after the analytics reaction has been fed the events of N learners of that course.
//!
//! `cargo bench -p lms-benches --bench analytics` builds one course of five lessons (video,
//! text, a quiz of three questions, text, video) on each backend, then, size after size,
//! feeds the reaction the events of more synthetic learners until that many have enrolled
//! — an enrollment, the lessons they got through in order, graded quiz attempts (some
//! failed), and a course completion for those who finished — one `apply` at a time, as
//! the relay delivers them. At each size it checks both reports against what was fed,
//! criterion measures both reads, and the bench then times [`TIMED_READS`] of each one by
//! one and prints their percentiles: the requirement is on the P99, which criterion does
//! not report. A table of every size closes the run.
//!
//! Backends: the in-memory store and SQLite (a file in a temporary directory, opened as
//! the server opens it), picked with `LMS_BENCH_BACKENDS=memory,sqlite` (both by default).
//! With `LMS_ANALYTICS_BENCH_LOAD_SQLITE=1`, at each size the in-memory store's whole
//! content (course, rollups, markers) is also loaded in bulk through the backup port into
//! a fresh SQLite file, and both reports are measured there as `sqlite-loaded`: the
//! database the reaction would have written on SQLite, at sizes whose feeding one event
//! and one commit at a time would take hours. With `LMS_ANALYTICS_BENCH_KEEP=DIR` as well,
//! each loaded database is kept as `DIR/analytics-N.db`, its course's id in
//! `DIR/analytics-N.course`: `benches/load/analytics.sh` serves them with the release
//! server and measures the analytics endpoints over HTTP.
//! Sizes: `LMS_ANALYTICS_BENCH_SIZES=1000,1000000` (learner counts, for every backend
//! selected); by default [`MEMORY_SIZES`] and [`SQLITE_SIZES`]. The learners are events
//! only: no user or enrollment is stored besides what the reaction writes (its
//! per-learner rollups and a marker per applied event).
//!
//! Under `cargo test --benches` (or `-- --test`, `-- --list`) the bench feeds
//! [`TEST_LEARNERS`] learners and times [`TEST_TIMED_READS`] reads instead, whatever the
//! variable says: a quick check that it runs, not a measurement.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};
use criterion::{criterion_group, criterion_main, Criterion};
use lms_benches::backends;
use lms_core::domain::course::{Course, Difficulty};
use lms_core::domain::enrollment::EnrollmentSource;
use lms_core::domain::events::{DomainEvent, EventPayload};
use lms_core::domain::lesson::{Lesson, LessonContent};
use lms_core::domain::money::Price;
use lms_core::domain::quiz::{NewQuestion, QuestionKind, Quiz};
use lms_core::domain::text::{Category, Description, LessonBody, Title};
use lms_core::domain::user::Role;
use lms_core::domain::video::Video;
use lms_core::ids::{CourseId, EnrollmentId, LessonId, QuestionId, UserId};
use lms_core::memory::MemoryStore;
use lms_core::ports::{BackupStore, ManualClock, Section, Stores};
use lms_core::{Actor, Lms};
use lms_storage_sqlite::SqliteStore;
use tokio::runtime::Runtime;
use uuid::Uuid;

/// Reads of each report timed one by one at each size, for the percentiles.
const TIMED_READS: usize = 10_000;
/// Learners at each step on the in-memory store, by default.
const MEMORY_SIZES: [u64; 2] = [1_000, 1_000_000];
/// Learners at each step on SQLite, by default: a million would take hours to feed, each
/// `apply` waiting for its commit's sync (about 2 ms an event).
const SQLITE_SIZES: [u64; 2] = [1_000, 100_000];
/// Learners fed when not benchmarking (`cargo test --benches`).
const TEST_LEARNERS: u64 = 100;
/// Reads timed when not benchmarking.
const TEST_TIMED_READS: usize = 100;
/// The position of the quiz among the course's lessons.
const QUIZ: usize = 2;
/// The course's lessons.
const LESSONS: usize = 5;
/// The quiz's questions.
const QUESTIONS: usize = 3;
/// Right answers a quiz attempt needs to pass (its pass mark is 60 %).
const PASSING: usize = 2;
/// Days over which learners enrolled, up to the clock's now.
const ENROLLMENT_DAYS: i64 = 60;

/// The time the reports are read at; every event happened before it.
fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).single().expect("valid date")
}

/// What one run measures: which sizes, and how many reads to time at each.
#[derive(Debug, Clone)]
struct Plan {
    /// Learners enrolled at each step, increasing; `None` for each backend's default.
    sizes: Option<Vec<u64>>,
    /// Reads timed one by one per report and size.
    timed_reads: usize,
}

impl Plan {
    /// The sizes of `LMS_ANALYTICS_BENCH_SIZES` when run as a benchmark (`cargo bench`
    /// passes `--bench`), one small size otherwise.
    fn from_env() -> Self {
        let args: Vec<String> = std::env::args().collect();
        let benchmarking = args.iter().any(|a| a == "--bench") && !args.iter().any(|a| a == "--test" || a == "--list");
        if !benchmarking {
            return Self {
                sizes: Some(vec![TEST_LEARNERS]),
                timed_reads: TEST_TIMED_READS,
            };
        }
        let sizes = std::env::var("LMS_ANALYTICS_BENCH_SIZES").ok().map(|list| {
            let mut sizes: Vec<u64> = list.split(',').filter_map(|n| n.trim().parse().ok()).collect();
            sizes.sort_unstable();
            sizes.dedup();
            sizes
        });
        Self {
            sizes,
            timed_reads: TIMED_READS,
        }
    }

    /// The sizes to run, `default` unless set.
    fn sizes(&self, default: &[u64]) -> Vec<u64> {
        self.sizes.clone().unwrap_or_else(|| default.to_vec())
    }
}

/// A backend to feed: its stores, its database file if any, its default sizes.
#[derive(Debug)]
struct Target<'a> {
    /// Short name for reports.
    name: &'static str,
    /// The stores.
    stores: Stores,
    /// The SQLite file, to report its size.
    file: Option<&'a std::path::Path>,
    /// Sizes when `LMS_ANALYTICS_BENCH_SIZES` is unset.
    default_sizes: &'static [u64],
    /// The store to load into a fresh SQLite file at each size, to measure there too.
    bulk: Option<&'a MemoryStore>,
}

/// The course under report: its id, lessons in order and quiz questions.
#[derive(Debug, Clone)]
struct Fixture {
    /// The course.
    course_id: CourseId,
    /// Its lessons, in course order.
    lessons: Vec<LessonId>,
    /// The quiz lesson's questions.
    questions: Vec<QuestionId>,
}

fn text<T>(parse: fn(&str) -> lms_core::Result<T>, value: &str) -> T {
    parse(value).expect("fixture text is valid")
}

/// Stores a published course of [`LESSONS`] lessons owned by `owner`, the lesson at
/// [`QUIZ`] a quiz of [`QUESTIONS`] questions.
async fn course(stores: &Stores, owner: UserId) -> Fixture {
    let mut course = Course::new(
        owner,
        text(Title::parse, "Analytics: a course with a long tail of learners"),
        text(Description::parse, "The course of the analytics benchmark."),
        text(Category::parse, "Data"),
        Difficulty::Beginner,
        Price::Free,
        now(),
    );
    let body = "Lorem ipsum dolor sit amet, consectetur adipiscing elit. ".repeat(36);
    let questions = (0..QUESTIONS as u32)
        .map(|q| NewQuestion {
            prompt: format!("Question {q}?"),
            kind: Some(QuestionKind::SingleChoice),
            options: vec!["a".into(), "b".into(), "c".into(), "d".into()],
            correct_options: vec![q % 4],
            accepted_answers: vec![],
        })
        .collect();
    let quiz = Quiz::new(60, None, questions).expect("fixture quiz is valid");
    for i in 0..LESSONS {
        let content = match i {
            QUIZ => LessonContent::Quiz(quiz.clone()),
            1 | 3 => LessonContent::Text {
                body: text(LessonBody::parse, &body),
            },
            _ => LessonContent::Video(Video::new("dQw4w9WgXcQ", 600, None).expect("fixture video is valid")),
        };
        course
            .insert_lesson(
                Lesson::new(text(Title::parse, &format!("Lesson {}", i + 1)), content),
                None,
            )
            .expect("fixture lesson is valid");
    }
    course.publish(now()).expect("fixture course is complete");
    stores.courses.insert_course(&course, &[]).await.expect("store course");
    let questions = match &course.lessons[QUIZ].content {
        LessonContent::Quiz(quiz) => quiz.questions.iter().map(|q| q.id).collect(),
        _ => unreachable!("the lesson at QUIZ is the quiz"),
    };
    Fixture {
        course_id: course.id,
        lessons: course.lessons.iter().map(|l| l.id).collect(),
        questions,
    }
}

/// What the feed has sent so far, to check the reports against.
#[derive(Debug, Default, Clone, Copy)]
struct Fed {
    /// Learners enrolled.
    learners: u64,
    /// Events applied.
    events: u64,
    /// Learners who completed the course.
    completions: u64,
    /// Quiz attempts graded.
    quiz_attempts: u64,
}

/// One synthetic learner's events, in the order the domain emits them: enrolled some
/// time in the last [`ENROLLMENT_DAYS`] days, then through a random number of lessons in
/// order, minutes to days apart; the quiz passed after up to two failed attempts, or, for
/// half of those who stopped at it, failed once; the course completed by those who did
/// every lesson.
fn learner_events(fixture: &Fixture, rng: &mut fastrand::Rng, fed: &mut Fed) -> Vec<DomainEvent> {
    let (enrollment_id, user_id, course_id) = (EnrollmentId::new(), UserId::new(), fixture.course_id);
    let mut at = now() - chrono::Duration::minutes(rng.i64(1..ENROLLMENT_DAYS * 24 * 60));
    let mut events = vec![DomainEvent::new(
        EventPayload::Enrolled {
            enrollment_id,
            user_id,
            course_id,
            source: EnrollmentSource::Free,
        },
        at,
    )];
    let attempt = |rng: &mut fastrand::Rng, at, pass: bool, events: &mut Vec<DomainEvent>| {
        let right = if pass {
            rng.usize(PASSING..=QUESTIONS)
        } else {
            rng.usize(0..PASSING)
        };
        let mut order: Vec<usize> = (0..QUESTIONS).collect();
        rng.shuffle(&mut order);
        let mut results: Vec<(QuestionId, bool)> = fixture.questions.iter().map(|&q| (q, false)).collect();
        for &q in &order[..right] {
            results[q].1 = true;
        }
        events.push(DomainEvent::new(
            EventPayload::QuizGraded {
                enrollment_id,
                user_id,
                course_id,
                lesson_id: fixture.lessons[QUIZ],
                score_percent: u8::try_from((right * 100 + 1) / QUESTIONS).expect("a percentage"),
                passed: pass,
                results,
            },
            at,
        ));
    };
    let done = rng.usize(0..=LESSONS);
    for (i, &lesson_id) in fixture.lessons.iter().enumerate().take(done) {
        at = (at + chrono::Duration::minutes(rng.i64(5..3 * 24 * 60))).min(now());
        if i == QUIZ {
            for _ in 0..rng.usize(0..=2) {
                attempt(rng, at, false, &mut events);
                at = (at + chrono::Duration::minutes(rng.i64(1..60))).min(now());
            }
        }
        events.push(DomainEvent::new(
            EventPayload::LessonCompleted {
                enrollment_id,
                user_id,
                course_id,
                lesson_id,
            },
            at,
        ));
        if i + 1 == LESSONS {
            fed.completions += 1;
            events.push(DomainEvent::new(
                EventPayload::EnrollmentCompleted {
                    enrollment_id,
                    user_id,
                    course_id,
                },
                at,
            ));
        }
        if i == QUIZ {
            attempt(rng, at, true, &mut events);
        }
    }
    if done == QUIZ && rng.bool() {
        at = (at + chrono::Duration::minutes(rng.i64(5..3 * 24 * 60))).min(now());
        attempt(rng, at, false, &mut events);
    }
    fed.learners += 1;
    fed.events += events.len() as u64;
    fed.quiz_attempts += events
        .iter()
        .filter(|e| matches!(e.payload, EventPayload::QuizGraded { .. }))
        .count() as u64;
    events
}

/// Feeds the reaction learners until `learners` have enrolled, one event at a time.
async fn feed(lms: &Lms, fixture: &Fixture, rng: &mut fastrand::Rng, fed: &mut Fed, learners: u64) {
    while fed.learners < learners {
        for event in learner_events(fixture, rng, fed) {
            lms.analytics.apply(&event).await.expect("apply");
        }
    }
}

/// Reads both reports once and checks them against what was fed.
async fn check(lms: &Lms, admin: &Actor, fixture: &Fixture, fed: &Fed) {
    let report = lms
        .analytics
        .course(admin, fixture.course_id)
        .await
        .expect("course report");
    assert_eq!(report.enrollments, fed.learners, "every enrollment counted once");
    assert_eq!(report.completions, fed.completions, "every completion counted once");
    assert_eq!(report.funnel.len(), LESSONS);
    let questions = lms
        .analytics
        .questions(admin, fixture.course_id)
        .await
        .expect("questions report");
    assert_eq!(questions.len(), QUESTIONS);
    assert!(
        questions.iter().all(|q| q.attempts == fed.quiz_attempts),
        "every attempt answers every question"
    );
}

/// The two reads under measurement.
#[derive(Debug, Clone, Copy)]
enum Report {
    /// `AnalyticsService::course`.
    Course,
    /// `AnalyticsService::questions`.
    Questions,
}

impl Report {
    const ALL: [Report; 2] = [Report::Course, Report::Questions];

    fn name(self) -> &'static str {
        match self {
            Report::Course => "course",
            Report::Questions => "questions",
        }
    }

    /// The kind and id of the rollup the report reads besides the course.
    fn rollup(self, fixture: &Fixture) -> (&'static str, Uuid) {
        match self {
            Report::Course => ("analytics_course", fixture.course_id.into()),
            Report::Questions => ("analytics_quiz", fixture.lessons[QUIZ].into()),
        }
    }

    async fn read(self, lms: &Lms, admin: &Actor, course_id: CourseId) {
        match self {
            Report::Course => {
                lms.analytics.course(admin, course_id).await.expect("course report");
            }
            Report::Questions => {
                lms.analytics
                    .questions(admin, course_id)
                    .await
                    .expect("questions report");
            }
        }
    }
}

/// One line of the closing table.
#[derive(Debug)]
struct Row {
    /// The backend's name.
    backend: &'static str,
    /// Learners enrolled.
    learners: u64,
    /// Events applied in all.
    events: u64,
    /// Mean time of one `apply` over this step's feed.
    feed_per_event: Duration,
    /// The read.
    report: Report,
    /// The size of the rollup the report read, as stored (JSON), in bytes.
    rollup_bytes: usize,
    /// Latencies of the timed reads, sorted.
    latencies: Vec<Duration>,
}

impl Row {
    /// The nearest-rank percentile `p` (0–100) of the timed reads.
    fn percentile(&self, p: f64) -> Duration {
        let rank = ((p / 100.0) * self.latencies.len() as f64).ceil() as usize;
        self.latencies[rank.clamp(1, self.latencies.len()) - 1]
    }
}

/// A rollup as stored, read through the record port.
async fn rollup_doc(stores: &Stores, (kind, id): (&'static str, Uuid)) -> serde_json::Value {
    stores
        .records
        .get(kind, id)
        .await
        .expect("read rollup")
        .expect("the report's rollup exists")
        .doc
}

/// The entries of an object field of a stored rollup.
fn entries(doc: &serde_json::Value, field: &str) -> usize {
    doc.get(field).and_then(|f| f.as_object()).map_or(0, |f| f.len())
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

/// The database file and its write-ahead log, in MiB.
fn file_mib(path: &std::path::Path) -> f64 {
    let wal = path.with_extension("db-wal");
    let bytes: u64 = [path, wal.as_path()]
        .iter()
        .filter_map(|p| std::fs::metadata(p).ok())
        .map(|m| m.len())
        .sum();
    bytes as f64 / (1024.0 * 1024.0)
}

/// Feeds one backend through every size, measuring both reports at each.
fn bench_backend(c: &mut Criterion, rt: &Runtime, plan: &Plan, target: Target<'_>, rows: &mut Vec<Row>) {
    let Target {
        name,
        stores,
        file,
        default_sizes,
        bulk,
    } = target;
    let lms = Lms::new(stores.clone(), Arc::new(ManualClock::new(now())));
    let admin = Actor {
        user_id: rt
            .block_on(lms_benches::dataset::seed_admin(&stores))
            .expect("seed admin"),
        role: Role::Admin,
    };
    let fixture = rt.block_on(course(&stores, admin.user_id));
    let mut rng = fastrand::Rng::with_seed(2026);
    let mut fed = Fed::default();
    for size in plan.sizes(default_sizes) {
        let (events_before, started) = (fed.events, Instant::now());
        rt.block_on(feed(&lms, &fixture, &mut rng, &mut fed, size));
        let elapsed = started.elapsed();
        let step_events = fed.events - events_before;
        let feed_per_event = elapsed / u32::try_from(step_events.max(1)).unwrap_or(u32::MAX);
        eprintln!(
            "{name}: {} learners, {} events ({step_events} in {elapsed:.1?} for this step, {:.0} µs an event){}",
            fed.learners,
            fed.events,
            micros(feed_per_event),
            file.map(|f| format!(", database {:.0} MiB", file_mib(f)))
                .unwrap_or_default()
        );
        let course_rollup = rt.block_on(rollup_doc(&stores, Report::Course.rollup(&fixture)));
        eprintln!(
            "{name}: the course rollup holds {} hours-to-complete buckets and {} last-active days",
            entries(&course_rollup, "hours_to_complete"),
            entries(&course_rollup, "last_active_days")
        );

        measure(
            c,
            rt,
            plan,
            Measured {
                name,
                stores: &stores,
                lms: &lms,
                admin: &admin,
                fixture: &fixture,
                fed: &fed,
                feed_per_event,
            },
            rows,
        );
        if let Some(bulk) = bulk {
            measure_loaded_sqlite(c, rt, plan, bulk, (&admin, &fixture, &fed), rows);
        }
    }
}

/// What one measurement reads: a backend fed to a size.
struct Measured<'a> {
    name: &'static str,
    stores: &'a Stores,
    lms: &'a Lms,
    admin: &'a Actor,
    fixture: &'a Fixture,
    fed: &'a Fed,
    feed_per_event: Duration,
}

/// Measures both reports on a fed backend: criterion's run, then the timed reads.
fn measure(c: &mut Criterion, rt: &Runtime, plan: &Plan, m: Measured<'_>, rows: &mut Vec<Row>) {
    let Measured {
        name,
        stores,
        lms,
        admin,
        fixture,
        fed,
        feed_per_event,
    } = m;
    rt.block_on(check(lms, admin, fixture, fed));
    let mut group = c.benchmark_group(format!("{name}/analytics-{}-learners", fed.learners));
    for report in Report::ALL {
        group.bench_function(report.name(), |b| {
            b.to_async(rt).iter(|| report.read(lms, admin, fixture.course_id))
        });
    }
    group.finish();

    for report in Report::ALL {
        let mut latencies = rt.block_on(async {
            let mut latencies = Vec::with_capacity(plan.timed_reads);
            for _ in 0..plan.timed_reads {
                let started = Instant::now();
                report.read(lms, admin, fixture.course_id).await;
                latencies.push(started.elapsed());
            }
            latencies
        });
        latencies.sort_unstable();
        let rollup = rt.block_on(rollup_doc(stores, report.rollup(fixture)));
        let row = Row {
            backend: name,
            learners: fed.learners,
            events: fed.events,
            feed_per_event,
            report,
            rollup_bytes: serde_json::to_vec(&rollup).expect("json").len(),
            latencies,
        };
        eprintln!(
            "{name}: {} report ({} bytes of rollup), {} reads with {} learners: P50 {:.0} µs, P99 {:.0} µs, max {:.0} µs",
            report.name(),
            row.rollup_bytes,
            row.latencies.len(),
            fed.learners,
            micros(row.percentile(50.0)),
            micros(row.percentile(99.0)),
            micros(row.percentile(100.0))
        );
        rows.push(row);
    }
}

/// Rows read or restored at a time when loading SQLite in bulk.
const LOAD_PAGE: u32 = 1_000;

/// Loads everything the in-memory store holds into a fresh SQLite file through the
/// backup port, page by page, and measures both reports there: the database the
/// reaction would have written had it been fed on SQLite (it writes the same rollups and
/// markers on every store), built in minutes instead of hours.
fn measure_loaded_sqlite(
    c: &mut Criterion,
    rt: &Runtime,
    plan: &Plan,
    source: &dyn BackupStore,
    (admin, fixture, fed): (&Actor, &Fixture, &Fed),
    rows: &mut Vec<Row>,
) {
    let dir = tempfile::tempdir().expect("temp dir");
    let keep = std::env::var_os("LMS_ANALYTICS_BENCH_KEEP").map(std::path::PathBuf::from);
    let path = match &keep {
        Some(keep) => {
            let path = keep.join(format!("analytics-{}.db", fed.learners));
            for stale in [
                path.clone(),
                path.with_extension("db-wal"),
                path.with_extension("db-shm"),
            ] {
                if stale.exists() {
                    std::fs::remove_file(&stale).expect("remove an earlier run's database");
                }
            }
            std::fs::write(
                keep.join(format!("analytics-{}.course", fed.learners)),
                fixture.course_id.to_string(),
            )
            .expect("write the course id");
            path
        }
        None => dir.path().join("loaded.db"),
    };
    let (sqlite, started) = rt.block_on(async {
        let sqlite = SqliteStore::open(&path).await.expect("open sqlite");
        sqlite.migrate().await.expect("migrate sqlite");
        let started = Instant::now();
        let mut reader = source.begin_backup().await.expect("begin a backup");
        for section in Section::ALL {
            let mut after = None;
            loop {
                let page = reader
                    .page(section, after.as_ref(), LOAD_PAGE)
                    .await
                    .expect("read a page");
                let Some(last) = page.last() else { break };
                after = Some(section.cursor_of(last).expect("a cursor"));
                sqlite.restore(section, &page).await.expect("restore a page");
            }
        }
        reader.finish().await.expect("finish the backup");
        (sqlite, started)
    });
    eprintln!(
        "sqlite-loaded: {} learners loaded in {:.1?}, database {:.0} MiB",
        fed.learners,
        started.elapsed(),
        file_mib(&path)
    );
    let stores = Stores::from_backend(Arc::new(sqlite));
    let lms = Lms::new(stores.clone(), Arc::new(ManualClock::new(now())));
    measure(
        c,
        rt,
        plan,
        Measured {
            name: "sqlite-loaded",
            stores: &stores,
            lms: &lms,
            admin,
            fixture,
            fed,
            feed_per_event: Duration::ZERO,
        },
        rows,
    );
}

fn analytics(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let plan = Plan::from_env();
    let mut rows = Vec::new();
    if backends::selected("memory") {
        let memory = Arc::new(MemoryStore::new());
        let load_sqlite = std::env::var("LMS_ANALYTICS_BENCH_LOAD_SQLITE").is_ok_and(|v| v == "1");
        let target = Target {
            name: "memory",
            stores: Stores::from_backend(memory.clone()),
            file: None,
            default_sizes: &MEMORY_SIZES,
            bulk: load_sqlite.then_some(memory.as_ref()),
        };
        bench_backend(c, &rt, &plan, target, &mut rows);
    }
    if backends::selected("sqlite") {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("analytics.db");
        let store = rt.block_on(SqliteStore::open(&path)).expect("open sqlite");
        rt.block_on(store.migrate()).expect("migrate sqlite");
        let target = Target {
            name: "sqlite",
            stores: Stores::from_backend(Arc::new(store)),
            file: Some(&path),
            default_sizes: &SQLITE_SIZES,
            bulk: None,
        };
        bench_backend(c, &rt, &plan, target, &mut rows);
    }
    eprintln!("\n| backend | learners | events | feed µs/event | report | rollup bytes | P50 µs | P99 µs | max µs |");
    eprintln!("|---|--:|--:|--:|---|--:|--:|--:|--:|");
    for row in &rows {
        eprintln!(
            "| {} | {} | {} | {:.0} | {} | {} | {:.0} | {:.0} | {:.0} |",
            row.backend,
            row.learners,
            row.events,
            micros(row.feed_per_event),
            row.report.name(),
            row.rollup_bytes,
            micros(row.percentile(50.0)),
            micros(row.percentile(99.0)),
            micros(row.percentile(100.0))
        );
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(50).measurement_time(Duration::from_secs(5));
    targets = analytics
}
criterion_main!(benches);
