//! Learning analytics over each adapter: the rollups count what the events say, once per
//! event however often and however concurrently it is delivered, and reports are only
//! for those who may see them.
//!
//! Behaviours apply the events of their own course, read from the outbox, straight to the
//! analytics reaction (twice each where duplicates are the point), so the events of other
//! behaviours in the shared database do not count.

use std::sync::Arc;

use chrono::{Days, NaiveDate, NaiveTime};
use futures::future::join_all;

use super::fixtures::{instructor, new_course, published_course, quiz, quiz_answers, quiz_of, student, text, video};
use super::{behaviour_list, Behaviour, Ctx};
use crate::analytics::DayPeriod;
use crate::domain::events::{DomainEvent, EventPayload};
use crate::domain::quiz::Answer;
use crate::domain::video::WatchInterval;
use crate::flashcards::{NewCard, NewDeck, Rating};
use crate::ids::{CourseId, OrderId, UserId};
use crate::payments::{ManualGateway, PaymentSettings, Period};
use crate::ports::Clock as _;
use crate::privacy::{PrivacySettings, Purpose};
use crate::services::catalog::PriceInput;
use crate::services::Actor;
use crate::Error;

pub(super) fn behaviours() -> Vec<Behaviour> {
    behaviour_list![
        concurrent_completions_count_once_each_even_delivered_twice,
        funnel_and_questions_follow_each_learner,
        reports_are_for_the_course_instructor_and_admins,
        study_time_counts_playback_replays_and_reviews_per_day,
        payment_reports_read_the_day_rollups,
    ]
}

/// The events appended after `after` that `wanted` keeps, every page read.
async fn events_after(ctx: &Ctx, after: u64, wanted: impl Fn(&DomainEvent) -> bool) -> Vec<DomainEvent> {
    let mut events = Vec::new();
    let mut position = after;
    loop {
        let page = ctx.stores.outbox.events_after(position, 500).await.expect("outbox");
        let Some(last) = page.last() else { return events };
        position = last.sequence;
        events.extend(page.into_iter().map(|m| m.event).filter(|e| wanted(e)));
    }
}

/// The events of one course appended after `after`.
async fn course_events(ctx: &Ctx, after: u64, course_id: CourseId) -> Vec<DomainEvent> {
    events_after(ctx, after, |e| concerns(e, course_id)).await
}

fn concerns(event: &DomainEvent, course_id: CourseId) -> bool {
    match &event.payload {
        EventPayload::Enrolled { course_id: c, .. }
        | EventPayload::LessonCompleted { course_id: c, .. }
        | EventPayload::QuizGraded { course_id: c, .. }
        | EventPayload::EnrollmentCompleted { course_id: c, .. } => *c == course_id,
        _ => false,
    }
}

/// Applies every event `times` times, all at once.
async fn apply_all(ctx: &Ctx, events: &[DomainEvent], times: usize) {
    let deliveries = events.iter().cycle().take(events.len() * times);
    for result in join_all(deliveries.map(|e| ctx.lms.analytics.apply(e))).await {
        result.expect("apply");
    }
}

async fn concurrent_completions_count_once_each_even_delivered_twice(ctx: Ctx) {
    let owner = instructor(&ctx).await;
    let admin = super::fixtures::admin(&ctx).await;
    let course = published_course(&ctx, &owner, vec![text("Only")]).await;
    let today = ctx.clock.now().date_naive();
    let period = DayPeriod::new(today, today).expect("period");
    let before = ctx.lms.analytics.overview(&admin, period).await.expect("overview");
    let start = ctx.stores.outbox.last_sequence().await.expect("sequence");
    let learners: Vec<Actor> = join_all((0..100).map(|_| student(&ctx))).await;
    // Enrolled one after another: the completions are what runs concurrently.
    for learner in &learners {
        ctx.lms.learning.enroll(learner, course.id).await.expect("enroll");
    }
    let lesson = course.lessons[0].id;
    let completions = join_all(
        learners
            .iter()
            .map(|l| ctx.lms.learning.complete_lesson(l, lesson, None)),
    )
    .await;
    for result in completions {
        result.expect("complete");
    }
    let events = course_events(&ctx, start, course.id).await;
    assert_eq!(
        events.len(),
        300,
        "an enrollment, a lesson and a course completion each"
    );
    apply_all(&ctx, &events, 2).await;

    let report = ctx.lms.analytics.course(&owner, course.id).await.expect("report");
    assert_eq!((report.enrollments, report.completions), (100, 100));
    assert_eq!(report.completion_rate, Some(1.0));
    assert_eq!(report.active_learners, 100);
    assert_eq!(report.median_days_to_complete, Some(0.0));
    let step = &report.funnel[0];
    assert_eq!((step.reached, step.completed, step.last_activity_here), (100, 100, 0));

    let after = ctx.lms.analytics.overview(&admin, period).await.expect("overview");
    assert_eq!(after.enrollments - before.enrollments, 100);
    assert_eq!(after.lesson_completions - before.lesson_completions, 100);
    assert_eq!(after.course_completions - before.course_completions, 100);
}

/// Answers to the fixture quiz: the first question right or not, the second right or not.
fn answers(quiz: &crate::domain::quiz::Quiz, first: bool, second: bool) -> Vec<Answer> {
    let right = quiz_answers(quiz, true);
    let wrong = quiz_answers(quiz, false);
    vec![
        if first { &right[0] } else { &wrong[0] }.clone(),
        if second { &right[1] } else { &wrong[1] }.clone(),
    ]
}

async fn funnel_and_questions_follow_each_learner(ctx: Ctx) {
    let owner = instructor(&ctx).await;
    let course = published_course(&ctx, &owner, vec![text("Read"), quiz("Check", None), text("Wrap up")]).await;
    let [read, check, wrap] = [0, 1, 2].map(|i| course.lessons[i].id);
    let questions = quiz_of(&course, check);
    let start = ctx.stores.outbox.last_sequence().await.expect("sequence");
    let learners: Vec<Actor> = join_all((0..4).map(|_| student(&ctx))).await;
    for learner in &learners {
        ctx.lms.learning.enroll(learner, course.id).await.expect("enroll");
    }
    let learning = &ctx.lms.learning;
    // Learner 0 only enrolls. Learner 1 reads, then fails the quiz with the first
    // answer right. Learner 2 reads, fails with nothing right, then passes. Learner 3
    // passes at once and completes the course.
    learning.complete_lesson(&learners[1], read, None).await.expect("read");
    learning
        .submit_quiz(&learners[1], check, answers(&questions, true, false), None)
        .await
        .expect("quiz");
    learning.complete_lesson(&learners[2], read, None).await.expect("read");
    learning
        .submit_quiz(&learners[2], check, answers(&questions, false, false), None)
        .await
        .expect("quiz");
    learning
        .submit_quiz(&learners[2], check, answers(&questions, true, true), None)
        .await
        .expect("quiz");
    learning.complete_lesson(&learners[3], read, None).await.expect("read");
    learning
        .submit_quiz(&learners[3], check, answers(&questions, true, true), None)
        .await
        .expect("quiz");
    learning
        .complete_lesson(&learners[3], wrap, None)
        .await
        .expect("wrap up");
    apply_all(&ctx, &course_events(&ctx, start, course.id).await, 1).await;

    let report = ctx.lms.analytics.course(&owner, course.id).await.expect("report");
    assert_eq!((report.enrollments, report.completions), (4, 1));
    assert_eq!(report.completion_rate, Some(0.25));
    let steps: Vec<_> = report
        .funnel
        .iter()
        .map(|s| (s.position, s.reached, s.completed, s.last_activity_here))
        .collect();
    // Learner 1 stopped at the quiz, learner 2 after passing it; learner 3 finished.
    assert_eq!(steps, vec![(0, 3, 3, 0), (1, 3, 2, 2), (2, 1, 1, 0)]);

    let stats = ctx.lms.analytics.questions(&owner, course.id).await.expect("questions");
    assert_eq!(stats.len(), 2);
    let first = &stats[0];
    let second = &stats[1];
    assert_eq!((first.attempts, first.correct, first.correct_rate), (4, 3, Some(0.75)));
    assert_eq!(
        (second.attempts, second.correct, second.correct_rate),
        (4, 2, Some(0.5))
    );
    // Scores 100, 100, 50, 0: thirds of 4/3 attempts. The best third is a 100 (both
    // right); the worst is the 0 and a third of the 50 (first right, second wrong).
    assert_eq!(first.discrimination, Some(0.75));
    assert_eq!(second.discrimination, Some(1.0));
}

async fn reports_are_for_the_course_instructor_and_admins(ctx: Ctx) {
    let owner = instructor(&ctx).await;
    let other = instructor(&ctx).await;
    let learner = student(&ctx).await;
    let admin = super::fixtures::admin(&ctx).await;
    let course = published_course(&ctx, &owner, vec![text("Only")]).await;
    let analytics = &ctx.lms.analytics;
    for actor in [&other, &learner] {
        assert!(matches!(
            analytics.course(actor, course.id).await,
            Err(Error::Forbidden(_))
        ));
        assert!(matches!(
            analytics.questions(actor, course.id).await,
            Err(Error::Forbidden(_))
        ));
    }
    let empty = analytics.course(&admin, course.id).await.expect("admin");
    assert_eq!(
        (empty.enrollments, empty.completion_rate, empty.median_days_to_complete),
        (0, None, None)
    );
    let today = ctx.clock.now().date_naive();
    let period = DayPeriod::new(today, today).expect("period");
    assert!(matches!(
        analytics.overview(&owner, period).await,
        Err(Error::Forbidden(_))
    ));
    assert!(matches!(
        analytics.business(&owner, period).await,
        Err(Error::Forbidden(_))
    ));
    let too_long = DayPeriod::new(today - Days::new(400), today);
    assert!(matches!(too_long, Err(Error::Validation(_))));
    assert!(matches!(
        DayPeriod::new(today, today - Days::new(1)),
        Err(Error::Validation(_))
    ));
}

/// The card reviews of `user_id` appended after `after`.
async fn reviews_of(ctx: &Ctx, after: u64, user_id: UserId) -> Vec<DomainEvent> {
    let by_user = |e: &DomainEvent| matches!(e.payload, EventPayload::CardReviewed { user_id: u, .. } if u == user_id);
    events_after(ctx, after, by_user).await
}

async fn study_time_counts_playback_replays_and_reviews_per_day(ctx: Ctx) {
    let owner = instructor(&ctx).await;
    let admin = super::fixtures::admin(&ctx).await;
    let learner = student(&ctx).await;
    let other = student(&ctx).await;
    let analytics = &ctx.lms.analytics;
    let course = published_course(&ctx, &owner, vec![video("Clip", 100), text("After")]).await;
    ctx.lms.learning.enroll(&learner, course.id).await.expect("enroll");
    analytics.start_watch_meter();
    let clip = course.lessons[0].id;
    let watch = |start: f64, end: f64| {
        let spans = vec![WatchInterval::from_seconds(start, end).expect("span")];
        ctx.lms.learning.record_video_progress(&learner, clip, spans, None)
    };
    let day1 = ctx.clock.now().date_naive();
    watch(0.0, 30.0).await.expect("heartbeat");
    // 10–30 again (20 s of replay), then 30–40 new.
    watch(10.0, 40.0).await.expect("heartbeat");
    ctx.clock.advance(chrono::Duration::days(1));
    let day2 = ctx.clock.now().date_naive();
    watch(40.0, 60.0).await.expect("heartbeat");
    analytics.flush_watch_time().await.expect("flush");
    analytics.flush_watch_time().await.expect("a second flush adds nothing");
    let step = &analytics.course(&owner, course.id).await.expect("course").funnel[0];
    assert_eq!((step.watch_seconds, step.replay_seconds), (80.0, 20.0));

    // Reviews: 4 s and 90 s (a minute counted) today; tomorrow both cards are recalls,
    // one passed (3 s), one failed (2 s).
    let flashcards = ctx.lms.flashcards();
    let deck = flashcards
        .create_deck(
            &learner,
            NewDeck {
                title: "Study time".to_owned(),
                ..NewDeck::default()
            },
        )
        .await
        .expect("deck");
    let mut cards = Vec::new();
    for front in ["one", "two"] {
        let new = NewCard {
            front: front.to_owned(),
            back: "back".to_owned(),
            tags: Vec::new(),
        };
        cards.push(flashcards.add_card(&learner, deck.id, new).await.expect("card").id);
    }
    let start = ctx.stores.outbox.last_sequence().await.expect("sequence");
    let review =
        |card, rating, ms| flashcards.review_timed(&learner, card, crate::flashcards::Answer::Rating(rating), Some(ms));
    review(cards[0], Rating::Good, 4_000).await.expect("review");
    review(cards[1], Rating::Good, 90_000).await.expect("review");
    ctx.clock.advance(chrono::Duration::days(1));
    let day3 = ctx.clock.now().date_naive();
    review(cards[0], Rating::Good, 3_000).await.expect("review");
    review(cards[1], Rating::Again, 2_000).await.expect("review");
    let reviewed = reviews_of(&ctx, start, learner.user_id).await;
    assert_eq!(reviewed.len(), 4);
    apply_all(&ctx, &reviewed, 2).await;

    let stats = flashcards.analytics(&learner, deck.id).await.expect("deck analytics");
    assert_eq!(
        (
            stats.reviews,
            stats.recalls,
            stats.recalled,
            stats.retention,
            stats.review_seconds
        ),
        (4, 2, 1, Some(0.5), 69.0)
    );
    assert!(
        flashcards.analytics(&other, deck.id).await.is_err(),
        "not the deck's author"
    );

    let period = DayPeriod::new(day1, day3).expect("period");
    let study = analytics
        .learner_study(&learner, learner.user_id, period)
        .await
        .expect("own study");
    let days: Vec<_> = study
        .days
        .iter()
        .map(|d| {
            (
                d.date,
                d.study_seconds,
                d.watch_seconds,
                d.replay_seconds,
                d.reviews,
                d.review_seconds,
            )
        })
        .collect();
    assert_eq!(
        days,
        [
            (day1, 60.0, 60.0, 20.0, 0, 0.0),
            (day2, 84.0, 20.0, 0.0, 2, 64.0),
            (day3, 5.0, 0.0, 0.0, 2, 5.0),
        ]
    );
    assert_eq!(study.study_seconds, 149.0);
    assert_eq!(study.weeks.iter().map(|w| w.study_seconds).sum::<f64>(), 149.0);
    let only_day2 = DayPeriod::new(day2, day2).expect("period");
    let study2 = analytics
        .learner_study(&learner, learner.user_id, only_day2)
        .await
        .expect("study");
    assert_eq!(study2.study_seconds, 84.0);

    // Others: never another learner; an admin only with the learner's analytics consent.
    for actor in [&other, &admin] {
        assert!(matches!(
            analytics.learner_study(actor, learner.user_id, period).await,
            Err(Error::Forbidden(_))
        ));
    }
    ctx.lms
        .privacy(PrivacySettings::default())
        .set_consent(&learner, learner.user_id, Purpose::Analytics, true, "2026-01")
        .await
        .expect("consent");
    let seen = analytics
        .learner_study(&admin, learner.user_id, period)
        .await
        .expect("admin");
    assert_eq!(seen, study);
}

/// The period of the whole days `first..=last`.
fn days(first: NaiveDate, last: NaiveDate) -> Period {
    let midnight = |day: NaiveDate| day.and_time(NaiveTime::MIN).and_utc();
    Period::new(midnight(first), midnight(last + Days::new(1)))
}

async fn payment_reports_read_the_day_rollups(ctx: Ctx) {
    let owner = instructor(&ctx).await;
    let other = instructor(&ctx).await;
    let admin = super::fixtures::admin(&ctx).await;
    let payments = ctx
        .lms
        .payments(Some(Arc::new(ManualGateway)), PaymentSettings::default());
    let mut sold = new_course("Sold");
    sold.price = Some(PriceInput {
        amount_minor: 10_000,
        currency: "EUR".to_owned(),
    });
    let course = ctx.lms.catalog.create_course(&owner, sold).await.expect("course");
    ctx.lms
        .catalog
        .add_lesson(&owner, course.id, text("Only"))
        .await
        .expect("lesson");
    let course = ctx.lms.catalog.publish(&owner, course.id).await.expect("publish");
    let start = ctx.stores.outbox.last_sequence().await.expect("sequence");
    let day1 = ctx.clock.now().date_naive();
    let mut orders: Vec<OrderId> = Vec::new();
    for _ in 0..2 {
        let buyer = student(&ctx).await;
        let order = payments
            .checkout(&buyer, course.id, None)
            .await
            .expect("checkout")
            .order;
        payments.mark_paid(&admin, order.id).await.expect("mark paid");
        orders.push(order.id);
    }
    // The next day, the first sale is refunded: a quarter, then the rest.
    ctx.clock.advance(chrono::Duration::days(1));
    let day2 = ctx.clock.now().date_naive();
    payments
        .refund(&admin, orders[0], Some(2_500), None)
        .await
        .expect("refund a quarter");
    payments
        .refund(&admin, orders[0], None, None)
        .await
        .expect("refund the rest");
    let mut events = events_after(&ctx, start, |e| match &e.payload {
        EventPayload::OrderPaid { order_id, .. } | EventPayload::OrderRefunded { order_id, .. } => {
            orders.contains(order_id)
        }
        _ => false,
    })
    .await;
    assert_eq!(events.len(), 4, "two sales and two refunds");
    // Delivered newest first and twice: each sale and refund still counts once.
    events.reverse();
    apply_all(&ctx, &events, 2).await;

    let mine = |rows: Vec<crate::payments::SalesRow>| rows.into_iter().find(|r| r.course_id == Some(course.id));
    let sales = mine(payments.sales_report(&admin, days(day1, day1)).await.expect("sales")).expect("the course's row");
    assert_eq!(
        (
            sales.orders_paid,
            sales.orders_failed,
            sales.gross_minor,
            sales.refunded_minor,
            sales.net_minor,
            sales.payment_success_rate_percent
        ),
        (2, 0, 20_000, 10_000, 10_000, Some(100)),
        "the refunds count against the day of the sale they refund"
    );
    let on_day2 = payments.sales_report(&admin, days(day2, day2)).await.expect("sales");
    assert!(mine(on_day2).is_none(), "nothing was sold on the day of the refunds");
    let noon = days(day1, day1).from + chrono::Duration::hours(12);
    let within = Period::new(noon, noon + chrono::Duration::minutes(1));
    assert_eq!(within.whole_days(), days(day1, day1), "a report counts whole days");
    let hour = mine(payments.sales_report(&owner, within).await.expect("own sales")).expect("the course's row");
    assert_eq!(hour.orders_paid, 2);

    let revenue = payments
        .creator_revenue_report(&owner, days(day1, day2))
        .await
        .expect("own revenue");
    assert_eq!(revenue.len(), 1, "{revenue:?}");
    let revenue = &revenue[0];
    assert_eq!(
        (
            revenue.creator_id,
            revenue.sales,
            revenue.gross_minor,
            revenue.creator_minor,
            revenue.platform_minor,
            revenue.refunded_minor,
            revenue.creator_net_minor,
            revenue.platform_net_minor
        ),
        (owner.user_id, 2, 20_000, 14_000, 6_000, 10_000, 7_000, 3_000)
    );
    assert!(payments
        .creator_revenue_report(&other, days(day1, day2))
        .await
        .expect("their revenue")
        .is_empty());
    assert!(mine(
        payments
            .sales_report(&other, days(day1, day2))
            .await
            .expect("their sales")
    )
    .is_none());
    let learner = student(&ctx).await;
    assert!(matches!(
        payments.sales_report(&learner, days(day1, day2)).await,
        Err(Error::Forbidden(_))
    ));
    assert!(matches!(
        payments.mrr_report(&owner, days(day1, day2)).await,
        Err(Error::Forbidden(_))
    ));
}
