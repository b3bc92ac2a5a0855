//! Learning end to end: enrollment, sequential unlocking, video, quizzes, completion,
//! idempotency and concurrency.

use std::sync::Arc;

use futures::future::join_all;

use super::fixtures::{
    admin, enrolled, instructor, lesson_ids, published_course, quiz, quiz_answers, quiz_of, student, text, video,
};
use super::{behaviour_list, Behaviour, Ctx};
use crate::domain::enrollment::{EnrollmentSource, EnrollmentStatus};
use crate::domain::events::EventPayload;
use crate::domain::lesson::Prerequisites;
use crate::domain::unlock::{LessonState, UnmetRequirement};
use crate::domain::video::WatchInterval;
use crate::ids::EventId;
use crate::ids::LessonId;
use crate::ports::PageRequest;
use crate::services::{AccessChange, Actor, LessonPatch, LessonViewContent, PriceInput, ProgressUpdate};
use crate::Error;

pub(super) fn behaviours() -> Vec<Behaviour> {
    behaviour_list![
        free_course_enrollment_is_idempotent,
        concurrent_enrollments_create_one,
        paid_course_needs_payment_or_premium,
        admins_grant_enrollment_in_paid_courses,
        first_lesson_open_others_locked,
        completing_a_lesson_unlocks_the_next_at_once,
        locked_lesson_content_is_refused_with_reasons,
        locked_lesson_progress_is_refused,
        unenrolled_learners_cannot_open_or_progress,
        video_completes_on_distinct_seconds_only,
        video_intervals_are_validated,
        video_progress_resumes_where_stopped,
        quiz_view_never_contains_answers,
        failing_quiz_keeps_lesson_open_passing_completes,
        quiz_attempt_limit_is_enforced,
        malformed_quiz_answers_are_rejected,
        wrong_event_kind_is_rejected,
        last_lesson_completes_enrollment_and_issues_certificate,
        completion_events_reach_the_outbox,
        resent_events_are_applied_once,
        hundred_concurrent_heartbeats_lose_nothing,
        concurrent_events_on_different_lessons_all_land,
        explicit_prerequisites_form_a_dag,
        optional_lessons_neither_block_nor_count,
        course_prerequisite_locks_until_completed,
        reordering_keeps_completions,
        lessons_added_after_completion_keep_enrollment_completed,
        cancelled_enrollment_keeps_progress_on_return,
        learners_never_see_each_others_progress,
        instructors_see_only_their_courses_enrollments,
        my_enrollments_lists_own_only,
        refund_revokes_certificate_and_access,
    ]
}

fn assert_locked<T: std::fmt::Debug>(result: Result<T, Error>, expected_unmet: &[crate::ids::LessonId]) {
    match result {
        Err(Error::LessonLocked { unmet, .. }) => {
            let lessons: Vec<_> = unmet
                .iter()
                .filter_map(|u| match u {
                    UnmetRequirement::Lesson { lesson_id, .. } => Some(*lesson_id),
                    UnmetRequirement::Course { .. } => None,
                })
                .collect();
            assert_eq!(lessons, expected_unmet);
        }
        other => panic!("expected LESSON_LOCKED, got {other:?}"),
    }
}

/// Reports one watched span of a video lesson.
async fn watch(ctx: &Ctx, learner: &Actor, lesson: LessonId, start: f64, end: f64) -> Result<ProgressUpdate, Error> {
    ctx.lms
        .learning
        .record_video_progress(learner, lesson, span(start, end), None)
        .await
}

fn span(start: f64, end: f64) -> Vec<WatchInterval> {
    vec![WatchInterval::from_seconds(start, end).expect("interval")]
}

async fn free_course_enrollment_is_idempotent(ctx: Ctx) {
    let owner = instructor(&ctx).await;
    let course = published_course(&ctx, &owner, vec![text("One")]).await;
    let learner = student(&ctx).await;
    let first = ctx.lms.learning.enroll(&learner, course.id).await.expect("enroll");
    assert_eq!(first.status(), EnrollmentStatus::Active);
    let second = ctx.lms.learning.enroll(&learner, course.id).await.expect("again");
    assert_eq!(first, second);
}

async fn concurrent_enrollments_create_one(ctx: Ctx) {
    let owner = instructor(&ctx).await;
    let course = published_course(&ctx, &owner, vec![text("One")]).await;
    let learner = student(&ctx).await;
    let results = join_all((0..10).map(|_| ctx.lms.learning.enroll(&learner, course.id))).await;
    let ids: std::collections::HashSet<_> = results.into_iter().map(|r| r.expect("enroll").id()).collect();
    assert_eq!(ids.len(), 1);
    let page = ctx
        .lms
        .learning
        .course_enrollments(&owner, course.id, PageRequest::first())
        .await
        .expect("list");
    assert_eq!(page.items.len(), 1);
}

/// A published course priced at 25 EUR.
async fn paid_course(ctx: &Ctx, owner: &crate::services::Actor) -> crate::domain::course::Course {
    let course = super::fixtures::draft_course(ctx, owner, vec![text("One")]).await;
    let patch = crate::services::CoursePatch {
        price: Some(Some(PriceInput {
            amount_minor: 2_500,
            currency: "EUR".into(),
        })),
        ..Default::default()
    };
    ctx.lms
        .catalog
        .update_course(owner, course.id, patch)
        .await
        .expect("price");
    ctx.lms.catalog.publish(owner, course.id).await.expect("publish")
}

async fn paid_course_needs_payment_or_premium(ctx: Ctx) {
    let owner = instructor(&ctx).await;
    let boss = admin(&ctx).await;
    let course = paid_course(&ctx, &owner).await;
    let learner = student(&ctx).await;
    let refused = ctx.lms.learning.enroll(&learner, course.id).await;
    assert!(matches!(refused, Err(Error::PaymentRequired)), "got {refused:?}");
    assert_eq!(refused.unwrap_err().code(), "PAYMENT_REQUIRED");
    let premium = AccessChange {
        role: None,
        premium: Some(true),
    };
    ctx.lms
        .users
        .change_access(&boss, learner.user_id, premium)
        .await
        .expect("premium");
    let enrollment = ctx
        .lms
        .learning
        .enroll(&learner, course.id)
        .await
        .expect("premium enrolls");
    assert_eq!(*enrollment.source(), EnrollmentSource::Subscription);
}

async fn admins_grant_enrollment_in_paid_courses(ctx: Ctx) {
    let owner = instructor(&ctx).await;
    let boss = admin(&ctx).await;
    let course = paid_course(&ctx, &owner).await;
    let learner = student(&ctx).await;
    let refused = ctx
        .lms
        .learning
        .grant_enrollment(&owner, learner.user_id, course.id)
        .await;
    assert!(matches!(refused, Err(Error::Forbidden(_))));
    let granted = ctx
        .lms
        .learning
        .grant_enrollment(&boss, learner.user_id, course.id)
        .await
        .expect("grant");
    assert_eq!(granted.user_id(), learner.user_id);
    assert_eq!(*granted.source(), EnrollmentSource::Grant { by: boss.user_id });
    let again = ctx
        .lms
        .learning
        .enroll(&learner, course.id)
        .await
        .expect("existing access");
    assert_eq!(again.id(), granted.id());
}

async fn first_lesson_open_others_locked(ctx: Ctx) {
    let (_, course, learner) = enrolled(&ctx, vec![text("A"), video("B", 60), quiz("C", None)]).await;
    let ids = lesson_ids(&course);
    let progress = ctx
        .lms
        .learning
        .progress(&learner, course.id, None)
        .await
        .expect("progress");
    let states: Vec<_> = progress.evaluation.lessons.iter().map(|s| s.state).collect();
    assert_eq!(
        states,
        [LessonState::Unlocked, LessonState::Locked, LessonState::Locked]
    );
    assert_eq!(progress.evaluation.percent, 0);
    assert_eq!(progress.evaluation.next_lesson_id, Some(ids[0]));
    assert_eq!(
        progress.evaluation.lessons[1].unmet,
        vec![UnmetRequirement::Lesson {
            lesson_id: ids[0],
            title: "A".into()
        }]
    );
}

async fn completing_a_lesson_unlocks_the_next_at_once(ctx: Ctx) {
    let (_, course, learner) = enrolled(&ctx, vec![text("A"), text("B"), text("C")]).await;
    let ids = lesson_ids(&course);
    let update = ctx
        .lms
        .learning
        .complete_lesson(&learner, ids[0], None)
        .await
        .expect("complete");
    assert!(update.lesson_completed);
    let states: Vec<_> = update.evaluation.lessons.iter().map(|s| s.state).collect();
    assert_eq!(
        states,
        [LessonState::Completed, LessonState::Unlocked, LessonState::Locked]
    );
    assert_eq!(update.evaluation.percent, 33);
    assert_eq!(update.evaluation.next_lesson_id, Some(ids[1]));
    let view = ctx
        .lms
        .learning
        .open_lesson(&learner, ids[1])
        .await
        .expect("unlocked now");
    assert_eq!(view.state, LessonState::Unlocked);
    let reread = ctx
        .lms
        .learning
        .progress(&learner, course.id, None)
        .await
        .expect("progress");
    assert_eq!(reread.evaluation, update.evaluation);
}

async fn locked_lesson_content_is_refused_with_reasons(ctx: Ctx) {
    let (owner, course, learner) = enrolled(&ctx, vec![text("A"), text("B")]).await;
    let ids = lesson_ids(&course);
    let refused = ctx.lms.learning.open_lesson(&learner, ids[1]).await;
    assert_eq!(
        refused.as_ref().map_err(Error::code).err().as_deref(),
        Some("LESSON_LOCKED")
    );
    assert_locked(refused, &[ids[0]]);
    let preview = ctx
        .lms
        .learning
        .open_lesson(&owner, ids[1])
        .await
        .expect("owner previews");
    assert!(matches!(preview.content, LessonViewContent::Text { .. }));
}

async fn locked_lesson_progress_is_refused(ctx: Ctx) {
    let (_, course, learner) = enrolled(&ctx, vec![text("A"), video("B", 60), quiz("C", None)]).await;
    let ids = lesson_ids(&course);
    assert_locked(watch(&ctx, &learner, ids[1], 0.0, 60.0).await, &[ids[0]]);
    let answers = quiz_answers(&quiz_of(&course, ids[2]), true);
    assert_locked(
        ctx.lms.learning.submit_quiz(&learner, ids[2], answers, None).await,
        &[ids[1]],
    );
    let progress = ctx
        .lms
        .learning
        .progress(&learner, course.id, None)
        .await
        .expect("progress");
    assert!(progress.enrollment.lessons().is_empty(), "nothing was recorded");
    assert_eq!(progress.enrollment.version(), 1);
}

async fn unenrolled_learners_cannot_open_or_progress(ctx: Ctx) {
    let owner = instructor(&ctx).await;
    let course = published_course(&ctx, &owner, vec![text("A")]).await;
    let stranger = student(&ctx).await;
    let lesson = course.lessons[0].id;
    assert!(matches!(
        ctx.lms.learning.open_lesson(&stranger, lesson).await,
        Err(Error::NotEnrolled)
    ));
    assert!(matches!(
        ctx.lms.learning.complete_lesson(&stranger, lesson, None).await,
        Err(Error::NotEnrolled)
    ));
    assert!(matches!(
        ctx.lms.learning.progress(&stranger, course.id, None).await,
        Err(Error::NotEnrolled)
    ));
    let missing = ctx
        .lms
        .learning
        .open_lesson(&stranger, crate::ids::LessonId::new())
        .await;
    assert_eq!(missing.map_err(|e| e.code()).err().as_deref(), Some("LESSON_NOT_FOUND"));
}

async fn video_completes_on_distinct_seconds_only(ctx: Ctx) {
    let (_, course, learner) = enrolled(&ctx, vec![video("Clip", 100), text("After")]).await;
    let clip = course.lessons[0].id;
    let seek = watch(&ctx, &learner, clip, 95.0, 100.0).await.expect("seek");
    assert!(!seek.lesson_completed);
    for _ in 0..30 {
        let replay = watch(&ctx, &learner, clip, 0.0, 40.0).await.expect("replay");
        assert!(!replay.lesson_completed, "replaying one part never completes");
    }
    let almost = watch(&ctx, &learner, clip, 40.0, 84.9).await.expect("almost");
    assert!(!almost.lesson_completed, "89.9 % is below the 90 % threshold");
    let done = watch(&ctx, &learner, clip, 84.0, 85.0).await.expect("done");
    assert!(done.lesson_completed);
    let watch = done.enrollment.lessons()[&clip].video.clone().expect("video progress");
    assert_eq!(watch.watched.covered_ms(), 90_000);
    assert_eq!(watch.replay_ms(), 29 * 40_000 + 900);
    assert_eq!(done.evaluation.lessons[1].state, LessonState::Unlocked);
}

async fn video_intervals_are_validated(ctx: Ctx) {
    let (_, course, learner) = enrolled(&ctx, vec![video("Clip", 30)]).await;
    let clip = course.lessons[0].id;
    for (start, end) in [(-1.0, 5.0), (10.0, 5.0), (3.0, 3.0), (f64::NAN, 1.0)] {
        assert!(
            WatchInterval::from_seconds(start, end).is_err(),
            "[{start}, {end}] accepted"
        );
    }
    let beyond = watch(&ctx, &learner, clip, 0.0, 10_000.0).await.expect("clamped");
    assert_eq!(
        beyond.enrollment.lessons()[&clip]
            .video
            .as_ref()
            .expect("video")
            .watched
            .covered_ms(),
        30_000
    );
    let many: Vec<_> = (0..1_001)
        .map(|i| WatchInterval::from_seconds(f64::from(i), f64::from(i) + 0.5).expect("iv"))
        .collect();
    assert!(matches!(
        ctx.lms.learning.record_video_progress(&learner, clip, many, None).await,
        Err(Error::Validation(_))
    ));
}

async fn video_progress_resumes_where_stopped(ctx: Ctx) {
    let (_, course, learner) = enrolled(&ctx, vec![video("Clip", 600)]).await;
    let clip = course.lessons[0].id;
    watch(&ctx, &learner, clip, 0.0, 42.5).await.expect("watch");
    let view = ctx.lms.learning.open_lesson(&learner, clip).await.expect("open");
    match view.content {
        LessonViewContent::Video {
            resume_position_seconds,
            watched_seconds,
            embed_url,
            ..
        } => {
            assert_eq!(resume_position_seconds, 42.5);
            assert_eq!(watched_seconds, 42.5);
            assert!(embed_url.contains("controls=0") && embed_url.contains("disablekb=1"));
            assert!(embed_url.contains("modestbranding=1") && embed_url.contains("rel=0"));
        }
        other => panic!("expected video, got {other:?}"),
    }
    let progress = ctx
        .lms
        .learning
        .progress(&learner, course.id, None)
        .await
        .expect("progress");
    assert_eq!(progress.enrollment.last_lesson_id(), Some(clip));
}

async fn quiz_view_never_contains_answers(ctx: Ctx) {
    let (_, course, learner) = enrolled(&ctx, vec![quiz("Q", Some(2))]).await;
    let view = ctx
        .lms
        .learning
        .open_lesson(&learner, course.lessons[0].id)
        .await
        .expect("open");
    match view.content {
        LessonViewContent::Quiz { quiz, attempts_used } => {
            assert_eq!(attempts_used, 0);
            assert_eq!(quiz.questions.len(), 2);
            let json = serde_json::to_string(&quiz).expect("json");
            assert!(
                !json.contains("correct") && !json.contains("accepted"),
                "answers leaked: {json}"
            );
        }
        other => panic!("expected quiz, got {other:?}"),
    }
}

async fn failing_quiz_keeps_lesson_open_passing_completes(ctx: Ctx) {
    let (_, course, learner) = enrolled(&ctx, vec![quiz("Q", None)]).await;
    let lesson = course.lessons[0].id;
    let quiz = quiz_of(&course, lesson);
    let failed = ctx
        .lms
        .learning
        .submit_quiz(&learner, lesson, quiz_answers(&quiz, false), None)
        .await
        .expect("fail");
    let grade = failed.grade.expect("grade");
    assert_eq!((grade.score_percent, grade.passed), (0, false));
    assert_eq!(failed.evaluation.lessons[0].state, LessonState::Unlocked);
    let passed = ctx
        .lms
        .learning
        .submit_quiz(&learner, lesson, quiz_answers(&quiz, true), None)
        .await
        .expect("pass");
    let grade = passed.grade.expect("grade");
    assert_eq!((grade.score_percent, grade.passed), (100, true));
    assert!(passed.lesson_completed && passed.course_completed);
    let attempts = passed.enrollment.lessons()[&lesson].quiz.clone().expect("attempts");
    assert_eq!((attempts.attempts, attempts.best_score_percent), (2, 100));
}

async fn quiz_attempt_limit_is_enforced(ctx: Ctx) {
    let (_, course, learner) = enrolled(&ctx, vec![quiz("Q", Some(2))]).await;
    let lesson = course.lessons[0].id;
    let wrong = quiz_answers(&quiz_of(&course, lesson), false);
    for _ in 0..2 {
        ctx.lms
            .learning
            .submit_quiz(&learner, lesson, wrong.clone(), None)
            .await
            .expect("attempt");
    }
    let third = ctx.lms.learning.submit_quiz(&learner, lesson, wrong, None).await;
    assert!(
        matches!(third, Err(Error::AttemptsExhausted { limit: 2 })),
        "got {third:?}"
    );
}

async fn malformed_quiz_answers_are_rejected(ctx: Ctx) {
    let (_, course, learner) = enrolled(&ctx, vec![quiz("Q", Some(1))]).await;
    let lesson = course.lessons[0].id;
    let mut answers = quiz_answers(&quiz_of(&course, lesson), true);
    answers[0].selected_options = vec![9];
    assert!(matches!(
        ctx.lms.learning.submit_quiz(&learner, lesson, answers, None).await,
        Err(Error::Validation(_))
    ));
    let ok = quiz_answers(&quiz_of(&course, lesson), true);
    let passed = ctx
        .lms
        .learning
        .submit_quiz(&learner, lesson, ok, None)
        .await
        .expect("rejected input used no attempt");
    assert!(passed.lesson_completed);
}

async fn wrong_event_kind_is_rejected(ctx: Ctx) {
    let (_, course, learner) = enrolled(&ctx, vec![video("V", 10), text("T")]).await;
    let result = ctx
        .lms
        .learning
        .complete_lesson(&learner, course.lessons[0].id, None)
        .await;
    assert!(
        matches!(result, Err(Error::Validation(_))),
        "a video is not completed by marking it read"
    );
}

async fn last_lesson_completes_enrollment_and_issues_certificate(ctx: Ctx) {
    let (_, course, learner) = enrolled(&ctx, vec![text("A"), video("B", 10), quiz("C", None)]).await;
    let ids = lesson_ids(&course);
    ctx.lms
        .learning
        .complete_lesson(&learner, ids[0], None)
        .await
        .expect("a");
    let b = watch(&ctx, &learner, ids[1], 0.0, 10.0).await.expect("b");
    assert_eq!(b.evaluation.percent, 66);
    assert_eq!(b.enrollment.status(), EnrollmentStatus::Active);
    assert!(b.enrollment.certificate().is_none());
    let answers = quiz_answers(&quiz_of(&course, ids[2]), true);
    let c = ctx
        .lms
        .learning
        .submit_quiz(&learner, ids[2], answers, None)
        .await
        .expect("c");
    assert!(c.course_completed);
    assert_eq!(c.evaluation.percent, 100);
    assert_eq!(c.evaluation.next_lesson_id, None);
    assert_eq!(c.enrollment.status(), EnrollmentStatus::Completed);
    let certificate = c.enrollment.certificate().cloned().expect("certificate");
    assert_eq!(certificate.course_title, course.title.as_str());
    let stored = ctx
        .stores
        .enrollments
        .get_enrollment(c.enrollment.id())
        .await
        .expect("get")
        .expect("present");
    assert_eq!(
        stored, c.enrollment,
        "completion and certificate were written with the event"
    );
    let verified = ctx
        .lms
        .learning
        .verify_certificate(certificate.id)
        .await
        .expect("verify");
    assert_eq!(verified, certificate);
    assert!(matches!(
        ctx.lms
            .learning
            .verify_certificate(crate::ids::CertificateId::new())
            .await,
        Err(Error::NotFound { .. })
    ));
}

async fn completion_events_reach_the_outbox(ctx: Ctx) {
    let (_, course, learner) = enrolled(&ctx, vec![text("Only")]).await;
    let update = ctx
        .lms
        .learning
        .complete_lesson(&learner, course.lessons[0].id, None)
        .await
        .expect("complete");
    let enrollment_id = update.enrollment.id();
    let mut kinds = Vec::new();
    let mut after = 0;
    loop {
        let batch = ctx.stores.outbox.events_after(after, 500).await.expect("events");
        let Some(last) = batch.last() else { break };
        after = last.sequence;
        for message in &batch {
            let ours = match &message.event.payload {
                EventPayload::Enrolled { enrollment_id: id, .. }
                | EventPayload::LessonCompleted { enrollment_id: id, .. }
                | EventPayload::EnrollmentCompleted { enrollment_id: id, .. }
                | EventPayload::CertificateIssued { enrollment_id: id, .. } => *id == enrollment_id,
                _ => false,
            };
            if ours {
                kinds.push(message.event.payload.event_type());
            }
        }
    }
    assert_eq!(
        kinds,
        [
            "enrolled",
            "lesson_completed",
            "enrollment_completed",
            "certificate_issued"
        ]
    );
}

async fn resent_events_are_applied_once(ctx: Ctx) {
    let (_, course, learner) = enrolled(&ctx, vec![video("V", 100), quiz("Q", Some(1))]).await;
    let ids = lesson_ids(&course);
    let heartbeat = EventId::new();
    let first = ctx
        .lms
        .learning
        .record_video_progress(&learner, ids[0], span(0.0, 50.0), Some(heartbeat))
        .await
        .expect("first");
    let again = ctx
        .lms
        .learning
        .record_video_progress(&learner, ids[0], span(0.0, 50.0), Some(heartbeat))
        .await
        .expect("again");
    assert!(again.duplicate);
    assert_eq!(
        again.enrollment, first.enrollment,
        "a re-sent heartbeat changes nothing"
    );
    assert_eq!(
        first.enrollment.lessons()[&ids[0]]
            .video
            .as_ref()
            .expect("video")
            .watch_time_ms,
        50_000
    );
    watch(&ctx, &learner, ids[0], 50.0, 100.0).await.expect("finish");
    let submission = EventId::new();
    let answers = quiz_answers(&quiz_of(&course, ids[1]), true);
    ctx.lms
        .learning
        .submit_quiz(&learner, ids[1], answers.clone(), Some(submission))
        .await
        .expect("submit");
    let resent = ctx
        .lms
        .learning
        .submit_quiz(&learner, ids[1], answers, Some(submission))
        .await
        .expect("re-sent, not exhausted");
    assert!(resent.duplicate);
    assert_eq!(
        resent.enrollment.lessons()[&ids[1]]
            .quiz
            .as_ref()
            .expect("quiz")
            .attempts,
        1
    );
}

async fn hundred_concurrent_heartbeats_lose_nothing(ctx: Ctx) {
    let (_, course, learner) = enrolled(&ctx, vec![video("Long", 200), text("Next")]).await;
    let clip = course.lessons[0].id;
    let lms = Arc::new(ctx.lms.clone());
    let tasks: Vec<_> = (0..100)
        .map(|i| {
            let lms = lms.clone();
            tokio::spawn(async move {
                let second = f64::from(i) * 2.0;
                lms.learning
                    .record_video_progress(&learner, clip, span(second, second + 2.0), None)
                    .await
            })
        })
        .collect();
    let mut completions = 0;
    for task in join_all(tasks).await {
        let update = task.expect("task").expect("heartbeat");
        completions += usize::from(update.lesson_completed);
    }
    assert_eq!(completions, 1, "exactly one heartbeat completes the lesson");
    let progress = ctx
        .lms
        .learning
        .progress(&learner, course.id, None)
        .await
        .expect("progress");
    let watch = progress.enrollment.lessons()[&clip].video.clone().expect("video");
    assert_eq!(watch.watched.spans(), &[(0, 200_000)]);
    assert_eq!(watch.heartbeats, 100);
    assert_eq!(watch.watch_time_ms, 200_000);
    assert_eq!(progress.enrollment.version(), 101);
    assert_eq!(progress.evaluation.lessons[1].state, LessonState::Unlocked);
}

async fn concurrent_events_on_different_lessons_all_land(ctx: Ctx) {
    let mut lessons: Vec<_> = (0..20).map(|i| text(&format!("L{i}"))).collect();
    for lesson in &mut lessons {
        lesson.prerequisites = Some(Prerequisites::Lessons(vec![]));
    }
    let (_, course, learner) = enrolled(&ctx, lessons).await;
    let lms = Arc::new(ctx.lms.clone());
    let tasks: Vec<_> = lesson_ids(&course)
        .into_iter()
        .map(|id| {
            let lms = lms.clone();
            tokio::spawn(async move { lms.learning.complete_lesson(&learner, id, None).await })
        })
        .collect();
    let completed_course = join_all(tasks)
        .await
        .into_iter()
        .filter(|r| r.as_ref().expect("task").as_ref().expect("complete").course_completed)
        .count();
    assert_eq!(completed_course, 1);
    let progress = ctx
        .lms
        .learning
        .progress(&learner, course.id, None)
        .await
        .expect("progress");
    assert_eq!(progress.evaluation.completed_required, 20);
    assert_eq!(progress.evaluation.percent, 100);
    assert_eq!(progress.enrollment.status(), EnrollmentStatus::Completed);
}

async fn explicit_prerequisites_form_a_dag(ctx: Ctx) {
    let owner = instructor(&ctx).await;
    let course = super::fixtures::draft_course(&ctx, &owner, vec![text("A"), text("B"), text("C"), text("D")]).await;
    let ids = lesson_ids(&course);
    // B and C only need A; D needs both B and C.
    for (lesson, deps) in [(ids[2], vec![ids[0]]), (ids[3], vec![ids[1], ids[2]])] {
        let patch = LessonPatch {
            prerequisites: Some(Prerequisites::Lessons(deps)),
            ..Default::default()
        };
        ctx.lms
            .catalog
            .update_lesson(&owner, lesson, patch)
            .await
            .expect("set prerequisites");
    }
    let cycle = LessonPatch {
        prerequisites: Some(Prerequisites::Lessons(vec![ids[3]])),
        ..Default::default()
    };
    assert!(matches!(
        ctx.lms.catalog.update_lesson(&owner, ids[0], cycle).await,
        Err(Error::Validation(_))
    ));
    ctx.lms.catalog.publish(&owner, course.id).await.expect("publish");
    let learner = student(&ctx).await;
    ctx.lms.learning.enroll(&learner, course.id).await.expect("enroll");
    let after_a = ctx
        .lms
        .learning
        .complete_lesson(&learner, ids[0], None)
        .await
        .expect("a");
    let states: Vec<_> = after_a.evaluation.lessons.iter().map(|s| s.state).collect();
    assert_eq!(
        states,
        [
            LessonState::Completed,
            LessonState::Unlocked,
            LessonState::Unlocked,
            LessonState::Locked
        ]
    );
    assert_locked(ctx.lms.learning.open_lesson(&learner, ids[3]).await, &[ids[1], ids[2]]);
    ctx.lms
        .learning
        .complete_lesson(&learner, ids[2], None)
        .await
        .expect("c");
    assert_locked(ctx.lms.learning.open_lesson(&learner, ids[3]).await, &[ids[1]]);
    ctx.lms
        .learning
        .complete_lesson(&learner, ids[1], None)
        .await
        .expect("b");
    assert!(ctx.lms.learning.open_lesson(&learner, ids[3]).await.is_ok());
}

async fn optional_lessons_neither_block_nor_count(ctx: Ctx) {
    let mut extra = text("Extra reading");
    extra.required = Some(false);
    let (_, course, learner) = enrolled(&ctx, vec![text("A"), extra, text("B")]).await;
    let ids = lesson_ids(&course);
    let after_a = ctx
        .lms
        .learning
        .complete_lesson(&learner, ids[0], None)
        .await
        .expect("a");
    assert_eq!(
        after_a.evaluation.lessons[2].state,
        LessonState::Unlocked,
        "B waits for A, not the optional lesson"
    );
    assert_eq!(
        (after_a.evaluation.completed_required, after_a.evaluation.total_required),
        (1, 2)
    );
    assert_eq!(after_a.evaluation.percent, 50);
    let done = ctx
        .lms
        .learning
        .complete_lesson(&learner, ids[2], None)
        .await
        .expect("b");
    assert!(done.course_completed, "optional lessons are not needed to complete");
}

async fn course_prerequisite_locks_until_completed(ctx: Ctx) {
    let owner = instructor(&ctx).await;
    let basics = published_course(&ctx, &owner, vec![text("Basics")]).await;
    let advanced = super::fixtures::draft_course(&ctx, &owner, vec![text("Advanced")]).await;
    ctx.lms
        .catalog
        .set_course_prerequisites(&owner, advanced.id, vec![basics.id])
        .await
        .expect("prerequisite");
    ctx.lms.catalog.publish(&owner, advanced.id).await.expect("publish");
    let learner = student(&ctx).await;
    ctx.lms
        .learning
        .enroll(&learner, advanced.id)
        .await
        .expect("enroll advanced");
    let lesson = advanced.lessons[0].id;
    match ctx.lms.learning.open_lesson(&learner, lesson).await {
        Err(Error::LessonLocked { unmet, .. }) => {
            assert_eq!(unmet, vec![UnmetRequirement::Course { course_id: basics.id }])
        }
        other => panic!("expected LESSON_LOCKED, got {other:?}"),
    }
    ctx.lms
        .learning
        .enroll(&learner, basics.id)
        .await
        .expect("enroll basics");
    ctx.lms
        .learning
        .complete_lesson(&learner, basics.lessons[0].id, None)
        .await
        .expect("finish basics");
    let progress = ctx
        .lms
        .learning
        .progress(&learner, advanced.id, None)
        .await
        .expect("progress");
    assert_eq!(
        progress.evaluation.lessons[0].state,
        LessonState::Unlocked,
        "unlocked at once"
    );
}

async fn reordering_keeps_completions(ctx: Ctx) {
    let (owner, course, learner) = enrolled(&ctx, vec![text("A"), text("B"), text("C")]).await;
    let ids = lesson_ids(&course);
    ctx.lms
        .learning
        .complete_lesson(&learner, ids[0], None)
        .await
        .expect("a");
    ctx.lms
        .catalog
        .reorder_lessons(&owner, course.id, vec![ids[2], ids[0], ids[1]])
        .await
        .expect("reorder");
    let progress = ctx
        .lms
        .learning
        .progress(&learner, course.id, None)
        .await
        .expect("progress");
    let states: Vec<_> = progress
        .evaluation
        .lessons
        .iter()
        .map(|s| (s.lesson_id, s.state))
        .collect();
    assert_eq!(
        states,
        [
            (ids[2], LessonState::Unlocked),
            (ids[0], LessonState::Completed),
            (ids[1], LessonState::Unlocked)
        ],
        "completion stays with the lesson; each lesson now follows its new predecessor"
    );
    assert_eq!(progress.evaluation.percent, 33);
}

async fn lessons_added_after_completion_keep_enrollment_completed(ctx: Ctx) {
    let (owner, course, learner) = enrolled(&ctx, vec![text("A")]).await;
    let done = ctx
        .lms
        .learning
        .complete_lesson(&learner, course.lessons[0].id, None)
        .await
        .expect("a");
    assert!(done.course_completed);
    let (_, bonus) = ctx
        .lms
        .catalog
        .add_lesson(&owner, course.id, text("Bonus"))
        .await
        .expect("add");
    let progress = ctx
        .lms
        .learning
        .progress(&learner, course.id, None)
        .await
        .expect("progress");
    assert_eq!(
        progress.enrollment.status(),
        EnrollmentStatus::Completed,
        "completion is never revoked"
    );
    assert!(progress.enrollment.certificate().is_some());
    assert_eq!(
        progress.evaluation.percent, 50,
        "percent reflects the course as it is now"
    );
    assert_eq!(progress.evaluation.next_lesson_id, Some(bonus));
    let bonus_done = ctx
        .lms
        .learning
        .complete_lesson(&learner, bonus, None)
        .await
        .expect("bonus");
    assert!(!bonus_done.course_completed, "a completed enrollment completes once");
    assert_eq!(bonus_done.evaluation.percent, 100);
}

async fn cancelled_enrollment_keeps_progress_on_return(ctx: Ctx) {
    let (_, course, learner) = enrolled(&ctx, vec![text("A"), text("B")]).await;
    let ids = lesson_ids(&course);
    ctx.lms
        .learning
        .complete_lesson(&learner, ids[0], None)
        .await
        .expect("a");
    let cancelled = ctx
        .lms
        .learning
        .cancel_enrollment(&learner, course.id)
        .await
        .expect("cancel");
    assert_eq!(cancelled.status(), EnrollmentStatus::Cancelled);
    assert!(matches!(
        ctx.lms.learning.cancel_enrollment(&learner, course.id).await,
        Err(Error::InvalidTransition { .. })
    ));
    let refused = ctx.lms.learning.complete_lesson(&learner, ids[1], None).await;
    assert!(
        matches!(refused, Err(Error::InvalidTransition { .. })),
        "got {refused:?}"
    );
    assert!(matches!(
        ctx.lms.learning.open_lesson(&learner, ids[0]).await,
        Err(Error::NotEnrolled)
    ));
    let back = ctx.lms.learning.enroll(&learner, course.id).await.expect("return");
    assert_eq!((back.id(), back.status()), (cancelled.id(), EnrollmentStatus::Active));
    let progress = ctx
        .lms
        .learning
        .progress(&learner, course.id, None)
        .await
        .expect("progress");
    assert_eq!(progress.evaluation.completed_required, 1);
}

async fn learners_never_see_each_others_progress(ctx: Ctx) {
    let (owner, course, learner) = enrolled(&ctx, vec![text("A")]).await;
    let other = student(&ctx).await;
    ctx.lms.learning.enroll(&other, course.id).await.expect("enroll other");
    let peek = ctx
        .lms
        .learning
        .progress(&other, course.id, Some(learner.user_id))
        .await;
    assert!(matches!(peek, Err(Error::Forbidden(_))), "got {peek:?}");
    let as_owner = ctx
        .lms
        .learning
        .progress(&owner, course.id, Some(learner.user_id))
        .await
        .expect("owner sees");
    assert_eq!(as_owner.enrollment.user_id(), learner.user_id);
    let boss = admin(&ctx).await;
    assert!(ctx
        .lms
        .learning
        .progress(&boss, course.id, Some(learner.user_id))
        .await
        .is_ok());
}

async fn instructors_see_only_their_courses_enrollments(ctx: Ctx) {
    let (owner, course, learner) = enrolled(&ctx, vec![text("A")]).await;
    let other = instructor(&ctx).await;
    let page = ctx
        .lms
        .learning
        .course_enrollments(&owner, course.id, PageRequest::first())
        .await
        .expect("own");
    assert_eq!(
        page.items.iter().map(|e| e.user_id()).collect::<Vec<_>>(),
        vec![learner.user_id]
    );
    let refused = ctx
        .lms
        .learning
        .course_enrollments(&other, course.id, PageRequest::first())
        .await;
    assert!(matches!(refused, Err(Error::Forbidden(_))));
    let as_student = ctx
        .lms
        .learning
        .course_enrollments(&learner, course.id, PageRequest::first())
        .await;
    assert!(matches!(as_student, Err(Error::Forbidden(_))));
}

async fn my_enrollments_lists_own_only(ctx: Ctx) {
    let owner = instructor(&ctx).await;
    let learner = student(&ctx).await;
    let other = student(&ctx).await;
    let mut expected = Vec::new();
    for _ in 0..3 {
        let course = published_course(&ctx, &owner, vec![text("A")]).await;
        expected.push(ctx.lms.learning.enroll(&learner, course.id).await.expect("enroll").id());
        ctx.lms.learning.enroll(&other, course.id).await.expect("other enrolls");
    }
    let page = ctx
        .lms
        .learning
        .my_enrollments(&learner, PageRequest::new(None, Some(2)).expect("page"))
        .await
        .expect("page 1");
    assert_eq!(page.items.len(), 2);
    let rest = ctx
        .lms
        .learning
        .my_enrollments(&learner, PageRequest::new(page.next_after, Some(2)).expect("page"))
        .await
        .expect("page 2");
    let ids: Vec<_> = page.items.iter().chain(&rest.items).map(|e| e.id()).collect();
    assert_eq!(ids, expected);
    assert!(rest.next_after.is_none());
    assert!(PageRequest::new(None, Some(0)).is_err() && PageRequest::new(None, Some(101)).is_err());
}

async fn refund_revokes_certificate_and_access(ctx: Ctx) {
    let (_, course, learner) = enrolled(&ctx, vec![text("A")]).await;
    let done = ctx
        .lms
        .learning
        .complete_lesson(&learner, course.lessons[0].id, None)
        .await
        .expect("complete");
    let mut enrollment = done.enrollment;
    let now = ctx.clock_now();
    let event = enrollment.refund(now).expect("refund");
    assert!(matches!(
        event,
        EventPayload::EnrollmentStatusChanged {
            to: EnrollmentStatus::Refunded,
            ..
        }
    ));
    let expected = enrollment.next_version();
    ctx.stores
        .enrollments
        .update_enrollment(&enrollment, expected, &[])
        .await
        .expect("store refund");
    let certificate = ctx
        .lms
        .learning
        .verify_certificate(enrollment.certificate().expect("cert").id)
        .await
        .expect("verify");
    assert_eq!(certificate.revoked_at, Some(now));
    assert!(matches!(
        ctx.lms.learning.open_lesson(&learner, course.lessons[0].id).await,
        Err(Error::NotEnrolled)
    ));
    assert!(enrollment.refund(now).is_err(), "refunded twice");
}
