//! Property tests of the rules everything else relies on: interval merging, the unlock
//! evaluator, the enrollment state machine, and the flashcard schedulers with the review
//! log that replays to each stored schedule.

use std::collections::HashSet;

use chrono::Utc;
use lms_core::domain::course::{Course, Difficulty};
use lms_core::domain::enrollment::{Enrollment, EnrollmentSource, EnrollmentStatus, LearningEvent};
use lms_core::domain::lesson::{Lesson, LessonContent, Prerequisites};
use lms_core::domain::money::Price;
use lms_core::domain::text::{Category, Description, LessonBody, Title};
use lms_core::domain::unlock::{evaluate, LessonState};
use lms_core::domain::video::{IntervalSet, Video, VideoProgress, WatchInterval};
use lms_core::ids::{EventId, LessonId, UserId};
use lms_core::Error;
use proptest::prelude::*;

/// A lesson plan: per lesson, whether it is required and, for explicit rules, which
/// earlier lessons it needs (backward references only, so the graph is acyclic).
#[derive(Debug, Clone)]
struct LessonPlan {
    required: bool,
    explicit: Option<Vec<usize>>,
}

fn plans() -> impl Strategy<Value = Vec<LessonPlan>> {
    prop::collection::vec(
        (
            any::<bool>(),
            any::<bool>(),
            prop::collection::vec(any::<prop::sample::Index>(), 0..3),
        ),
        1..12,
    )
    .prop_map(|raw| {
        raw.into_iter()
            .enumerate()
            .map(|(i, (optional, explicit, deps))| LessonPlan {
                // Most lessons are required, as in real courses.
                required: !(optional && i % 3 == 0),
                explicit: (explicit && i > 0).then(|| {
                    let mut deps: Vec<usize> = deps.iter().map(|d| d.index(i)).collect();
                    deps.sort_unstable();
                    deps.dedup();
                    deps
                }),
            })
            .collect()
    })
}

fn course_from(plans: &[LessonPlan]) -> Course {
    let mut course = Course::new(
        UserId::new(),
        Title::parse("Property course").unwrap(),
        Description::parse("").unwrap(),
        Category::parse("props").unwrap(),
        Difficulty::Beginner,
        Price::Free,
        Utc::now(),
    );
    for (i, _) in plans.iter().enumerate() {
        let body = LessonContent::Text {
            body: LessonBody::parse("text").unwrap(),
        };
        course
            .lessons
            .push(Lesson::new(Title::parse(&format!("L{i}")).unwrap(), body));
    }
    let ids: Vec<LessonId> = course.lessons.iter().map(|l| l.id).collect();
    for (lesson, plan) in course.lessons.iter_mut().zip(plans) {
        lesson.required = plan.required;
        if let Some(deps) = &plan.explicit {
            lesson.prerequisites = Prerequisites::Lessons(deps.iter().map(|&d| ids[d]).collect());
        }
    }
    course.validate_structure().expect("backward references form a DAG");
    course
}

/// The lessons a lesson waits for, computed independently of the library.
fn expected_deps(plans: &[LessonPlan], i: usize) -> Vec<usize> {
    match &plans[i].explicit {
        Some(deps) => deps.clone(),
        None => (0..i).rev().find(|&j| plans[j].required).into_iter().collect(),
    }
}

proptest! {
    #[test]
    fn merged_intervals_cover_exactly_the_union(spans in prop::collection::vec((0u64..300, 1u64..60), 0..40)) {
        let mut set = IntervalSet::default();
        let mut covered = [false; 400];
        for &(start, len) in &spans {
            set.insert(start, start + len);
            covered[start as usize..(start + len) as usize].iter_mut().for_each(|c| *c = true);
        }
        prop_assert_eq!(set.covered_ms(), covered.iter().filter(|&&c| c).count() as u64);
        for pair in set.spans().windows(2) {
            prop_assert!(pair[0].1 < pair[1].0, "spans are sorted, disjoint and not touching");
        }
        prop_assert!(set.spans().iter().all(|&(s, e)| s < e));
    }

    #[test]
    fn interval_order_and_duplicates_do_not_matter(
        spans in prop::collection::vec((0u64..300, 1u64..60), 0..30),
        seed in any::<u64>(),
    ) {
        let mut forward = IntervalSet::default();
        spans.iter().for_each(|&(s, l)| forward.insert(s, s + l));
        let mut shuffled: Vec<_> = spans.iter().chain(spans.iter()).copied().collect();
        fastrand::Rng::with_seed(seed).shuffle(&mut shuffled);
        let mut other = IntervalSet::default();
        shuffled.iter().for_each(|&(s, l)| other.insert(s, s + l));
        prop_assert_eq!(forward, other);
    }

    #[test]
    fn evaluator_matches_the_rules(plans in plans(), completed_mask in prop::collection::vec(any::<bool>(), 12)) {
        let course = course_from(&plans);
        let completed: HashSet<LessonId> = course
            .lessons
            .iter()
            .zip(&completed_mask)
            .filter(|(_, &done)| done)
            .map(|(l, _)| l.id)
            .collect();
        let evaluation = evaluate(&course, &completed, &[]);
        for (i, status) in evaluation.lessons.iter().enumerate() {
            let deps_done = expected_deps(&plans, i).iter().all(|&d| completed.contains(&course.lessons[d].id));
            let expected = if completed.contains(&course.lessons[i].id) {
                LessonState::Completed
            } else if deps_done {
                LessonState::Unlocked
            } else {
                LessonState::Locked
            };
            prop_assert_eq!(status.state, expected, "lesson {}", i);
            prop_assert_eq!(status.unmet.is_empty(), status.state != LessonState::Locked);
        }
        let required: Vec<_> = course.lessons.iter().filter(|l| l.required).collect();
        let done = required.iter().filter(|l| completed.contains(&l.id)).count() as u32;
        prop_assert_eq!(evaluation.completed_required, done);
        prop_assert_eq!(evaluation.total_required, required.len() as u32);
        let percent = if required.is_empty() { 0 } else { done * 100 / required.len() as u32 };
        prop_assert_eq!(u32::from(evaluation.percent), percent);
        let next = evaluation.lessons.iter().find(|s| s.state == LessonState::Unlocked).map(|s| s.lesson_id);
        prop_assert_eq!(evaluation.next_lesson_id, next);
    }

    #[test]
    fn locked_lessons_never_become_completed(plans in plans(), attempts in prop::collection::vec(any::<prop::sample::Index>(), 1..40)) {
        let course = course_from(&plans);
        let mut enrollment = Enrollment::new(UserId::new(), course.id, EnrollmentSource::Free, Utc::now());
        for pick in attempts {
            let lesson = &course.lessons[pick.index(course.lessons.len())];
            let before = enrollment.evaluate(&course, &[]);
            let state = before.status(lesson.id).unwrap().state;
            let result = enrollment.apply(&course, lesson.id, &LearningEvent::TextCompleted, None, &[], Utc::now());
            match state {
                LessonState::Locked => {
                    prop_assert!(matches!(result, Err(Error::LessonLocked { .. })), "locked lesson accepted");
                    prop_assert!(!enrollment.completed_lessons().contains(&lesson.id));
                }
                _ => prop_assert!(result.is_ok()),
            }
            let after = enrollment.evaluate(&course, &[]);
            prop_assert_eq!(
                enrollment.status() == EnrollmentStatus::Completed,
                after.all_required_complete(),
                "the enrollment completes exactly when every required lesson is done"
            );
        }
    }

    #[test]
    fn heartbeats_in_any_order_with_resends_give_the_same_state(
        spans in prop::collection::vec((0u32..100, 1u32..30), 1..25),
        seed in any::<u64>(),
    ) {
        let video = Video::new("dQw4w9WgXcQ", 100, None).unwrap();
        let mut course = course_from(&[LessonPlan { required: true, explicit: None }]);
        course.lessons[0].content = LessonContent::Video(video.clone());
        let lesson = course.lessons[0].id;
        let events: Vec<(EventId, WatchInterval)> = spans
            .iter()
            .map(|&(s, l)| (EventId::new(), WatchInterval::from_seconds(f64::from(s), f64::from(s + l)).unwrap()))
            .collect();
        let run = |order: &[(EventId, WatchInterval)]| {
            let mut enrollment = Enrollment::new(UserId::new(), course.id, EnrollmentSource::Free, Utc::now());
            for (id, interval) in order {
                enrollment
                    .apply(&course, lesson, &LearningEvent::VideoWatched(vec![*interval]), Some(*id), &[], Utc::now())
                    .unwrap();
            }
            let progress = enrollment.lessons().get(&lesson).cloned().unwrap_or_default();
            (progress.video.unwrap_or_default(), enrollment.completed_lessons(), enrollment.status())
        };
        let in_order = run(&events);
        let mut resent: Vec<_> = events.iter().chain(events.iter()).copied().collect();
        fastrand::Rng::with_seed(seed).shuffle(&mut resent);
        let shuffled = run(&resent);
        let (a, b): (&VideoProgress, &VideoProgress) = (&in_order.0, &shuffled.0);
        prop_assert_eq!(&a.watched, &b.watched);
        prop_assert_eq!(a.watch_time_ms, b.watch_time_ms, "re-sent heartbeats are not counted twice");
        prop_assert_eq!(a.heartbeats, b.heartbeats);
        prop_assert_eq!(&in_order.1, &shuffled.1);
        prop_assert_eq!(in_order.2, shuffled.2);
    }

    #[test]
    fn enrollment_transitions_follow_the_state_machine(actions in prop::collection::vec(0u8..4, 0..30)) {
        let mut enrollment = Enrollment::new(UserId::new(), lms_core::ids::CourseId::new(), EnrollmentSource::Free, Utc::now());
        for action in actions {
            use EnrollmentStatus::*;
            let from = enrollment.status();
            let (result, allowed, to) = match action {
                0 => (enrollment.cancel(Utc::now()).map(|_| ()), from == Active, Cancelled),
                1 => (enrollment.expire(Utc::now()).map(|_| ()), from == Active, Expired),
                2 => (enrollment.refund(Utc::now()).map(|_| ()), matches!(from, Active | Completed), Refunded),
                _ => (
                    enrollment.reactivate(EnrollmentSource::Free, Utc::now()).map(|_| ()),
                    matches!(from, Cancelled | Expired | Refunded),
                    Active,
                ),
            };
            prop_assert_eq!(result.is_ok(), allowed);
            if allowed {
                prop_assert_eq!(enrollment.status(), to);
            } else {
                prop_assert!(matches!(result, Err(Error::InvalidTransition { .. })), "wrong error");
                prop_assert_eq!(enrollment.status(), from, "a refused transition changes nothing");
            }
        }
    }
}

mod spaced_repetition {
    use chrono::{Duration, Utc};
    use lms_core::flashcards::schedule::{Answer, Fsrs, Rating, Schedule, Scheduler, Sm2, MIN_EASE};
    use proptest::prelude::*;

    /// An answer any scheduler may get: a quality 0–5 or one of the four ratings.
    pub(super) fn answer() -> impl Strategy<Value = Answer> {
        prop_oneof![
            (0u8..=5).prop_map(Answer::Quality),
            prop_oneof![
                Just(Rating::Again),
                Just(Rating::Hard),
                Just(Rating::Good),
                Just(Rating::Easy)
            ]
            .prop_map(Answer::Rating),
        ]
    }

    fn answers() -> impl Strategy<Value = Vec<Answer>> {
        prop::collection::vec(answer(), 1..40)
    }

    proptest! {
        #[test]
        fn the_sm2_ease_never_falls_below_1_3(answers in answers()) {
            let mut now = Utc::now();
            let mut schedule = Schedule::new(now);
            for answer in answers {
                schedule = Sm2.next(&schedule, answer, now).unwrap();
                prop_assert!(schedule.ease >= MIN_EASE);
                prop_assert!(schedule.interval_days >= 1);
                now = schedule.due_at;
            }
        }

        #[test]
        fn repeated_good_answers_never_shrink_the_interval(
            qualities in prop::collection::vec(4u8..=5, 1..30),
            fsrs_ratings in prop::collection::vec(prop_oneof![Just(Rating::Good), Just(Rating::Easy)], 1..15),
        ) {
            let mut now = Utc::now();
            let mut schedule = Schedule::new(now);
            for q in qualities {
                let next = Sm2.next(&schedule, Answer::Quality(q), now).unwrap();
                prop_assert!(next.interval_days >= schedule.interval_days, "{schedule:?} -> {next:?}");
                schedule = next;
                now = schedule.due_at;
            }
            let fsrs = Fsrs::new(&[], 0.9).unwrap();
            let mut now = Utc::now();
            let mut schedule = Schedule::new(now);
            for rating in fsrs_ratings {
                let next = fsrs.next(&schedule, Answer::Rating(rating), now).unwrap();
                prop_assert!(next.interval_days >= schedule.interval_days, "{schedule:?} -> {next:?}");
                schedule = next;
                now += Duration::days(i64::from(schedule.interval_days));
            }
        }
    }
}

mod review_log_replay {
    use std::ops::Bound;
    use std::sync::Arc;

    use chrono::{DateTime, Duration, SubsecRound, Utc};
    use lms_core::domain::text::{DisplayName, Email};
    use lms_core::domain::user::{Role, User};
    use lms_core::flashcards::{
        Answer, CardState, Fsrs, NewCard, NewDeck, ReviewLog, Schedule, Scheduler, SchedulerKind, Sm2,
    };
    use lms_core::ids::UserId;
    use lms_core::memory::MemoryStore;
    use lms_core::ports::{ManualClock, Stores};
    use lms_core::records::{IndexValue, Range, Records};
    use lms_core::{Actor, Lms};
    use proptest::prelude::*;

    /// An answer, and how long after the previous review it comes (up to 60 days).
    fn steps() -> impl Strategy<Value = Vec<(Answer, i64)>> {
        prop::collection::vec((super::spaced_repetition::answer(), 0i64..60 * 86_400), 1..20)
    }

    /// Reviews one card with `steps` through the service on the in-memory adapter, then
    /// replays the stored log with the scheduler each review names.
    async fn replay(scheduler: SchedulerKind, steps: Vec<(Answer, i64)>) -> Result<(), TestCaseError> {
        let stores = Stores::from_backend(Arc::new(MemoryStore::new()));
        let start: DateTime<Utc> = Utc::now().trunc_subsecs(6);
        let clock = Arc::new(ManualClock::new(start));
        let lms = Lms::new(stores.clone(), clock.clone());
        let user = User {
            id: UserId::new(),
            email: Email::parse("replay@example.com").expect("email"),
            display_name: DisplayName::parse("Replay").expect("name"),
            role: Role::Student,
            premium: false,
            created_at: start,
            updated_at: start,
            version: 1,
            sealed: None,
        };
        stores.users.insert_user(&user, None, &[]).await.expect("user");
        let learner = Actor::of(&user);
        let flashcards = lms.flashcards();
        let deck = flashcards
            .create_deck(
                &learner,
                NewDeck {
                    title: "Replay".into(),
                    scheduler,
                    ..NewDeck::default()
                },
            )
            .await
            .expect("deck");
        let card = flashcards
            .add_card(
                &learner,
                deck.id,
                NewCard {
                    front: "front".into(),
                    back: "back".into(),
                    tags: Vec::new(),
                },
            )
            .await
            .expect("card");
        for (answer, wait) in steps.iter().copied() {
            clock.advance(Duration::seconds(wait));
            flashcards.review(&learner, card.id, answer).await.expect("review");
        }

        let records = Records::new(stores.records.clone());
        let key = |at| IndexValue::from((user.id, card.id.as_uuid(), at));
        let logs = records
            .range::<ReviewLog>(Range::all("user_card_time", 100).between(
                Bound::Included(key(DateTime::<Utc>::UNIX_EPOCH)),
                Bound::Included(key(DateTime::<Utc>::MAX_UTC)),
            ))
            .await
            .expect("log")
            .items;
        prop_assert_eq!(logs.len(), steps.len(), "every review is logged");
        let fsrs = Fsrs::new(&deck.fsrs_parameters, deck.desired_retention).expect("fsrs");
        let mut replayed = Schedule::new(logs[0].reviewed_at);
        for (log, (answer, _)) in logs.iter().zip(&steps) {
            prop_assert_eq!(log.answer, *answer);
            prop_assert_eq!(&log.before, &replayed, "a review starts where the previous one ended");
            let by: &dyn Scheduler = match log.scheduler {
                SchedulerKind::Sm2 => &Sm2,
                SchedulerKind::Fsrs => &fsrs,
            };
            replayed = by.next(&replayed, log.answer, log.reviewed_at).expect("replay");
            prop_assert_eq!(&log.after, &replayed);
        }
        let stored = records
            .get_unique::<CardState>("user_card", (user.id, card.id.as_uuid()))
            .await
            .expect("read")
            .expect("the card's state");
        prop_assert_eq!(stored.schedule, replayed, "the log replays to the stored schedule");
        prop_assert_eq!(stored.reviews as usize, steps.len());
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn the_review_log_replays_to_the_stored_schedule(fsrs in any::<bool>(), steps in steps()) {
            let scheduler = if fsrs { SchedulerKind::Fsrs } else { SchedulerKind::Sm2 };
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime")
                .block_on(replay(scheduler, steps))?;
        }
    }
}
