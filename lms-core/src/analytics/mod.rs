//! Learning analytics and business metrics (A1, A2): rollup records kept up to date from
//! domain events by an in-process reaction, and the reports that read them.
//!
//! Each delivered event changes a few counters (the rollups) in one atomic write, with a
//! marker of the event's id, so a second delivery of the same event changes nothing and
//! concurrent deliveries serialize on the rollups' versions. A report reads a course's
//! rollup, its quizzes' rollups, or one rollup per day or week of its period: its cost
//! does not grow with the number of learners or enrollments.
//!
//! Nothing here is reported per learner: the per-enrollment and per-user rollups only
//! tell the reaction what an event changes in the totals, so learners count the same
//! with or without analytics consent (G4), and an erasure removes their rollups with the
//! rest of what they own.

pub(crate) mod meter;
mod reaction;
mod reports;
pub(crate) mod rollups;

use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::Arc;

use chrono::{Days, NaiveDate};

pub use reaction::REACTION_NAME;
use reports::{question_stats, rate, round, seconds};
pub use reports::{
    BusinessDay, CourseAnalytics, DeckAnalytics, FunnelStep, LearnerStudy, Overview, QuestionStats, StudyDay,
    StudyWeek, WeekActivity,
};
use rollups::{
    day_index, learner_day_value, week_start, CourseRollup, DayRollup, DeckRollup, LearnerDayRollup, MrrRollup,
    QuizRollup, ReviewCounts, WeekRollup,
};

use crate::domain::lesson::LessonContent;
use crate::domain::video::WatchTime;
use crate::error::{Entity, Error, Result};
use crate::flashcards::Deck;
use crate::ids::{CourseId, UserId};
use crate::ports::{PageRequest, RangeQuery};
use crate::privacy::{consent_of, Purpose};
use crate::records::{IndexValue, Range, Record};
use crate::services::catalog::load_course;
use crate::services::{enrollments_of, Actor, Deps};

/// The longest period a daily report covers, in days.
pub const MAX_PERIOD_DAYS: u64 = 366;

/// Days a learner's latest activity may be old and still count as active.
const ACTIVE_DAYS: u64 = 7;

/// The analytics reaction and reports.
#[derive(Clone, Debug)]
pub struct AnalyticsService {
    deps: Deps,
    /// Events are applied one at a time per process: they mostly touch the same few
    /// rollups (today's, a course's), which concurrent writers would only fight over.
    serial: Arc<tokio::sync::Mutex<()>>,
}

/// A period of whole days (UTC), both included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayPeriod {
    /// First day.
    pub from: NaiveDate,
    /// Last day.
    pub to: NaiveDate,
}

impl DayPeriod {
    /// The period, refused when it ends before it starts or is longer than
    /// [`MAX_PERIOD_DAYS`].
    pub fn new(from: NaiveDate, to: NaiveDate) -> Result<Self> {
        if to < from {
            return Err(Error::invalid("to", "before_from", "the period ends before it starts"));
        }
        if (to - from).num_days() >= MAX_PERIOD_DAYS as i64 {
            return Err(Error::invalid(
                "from",
                "too_long",
                format!("a period covers at most {MAX_PERIOD_DAYS} days"),
            ));
        }
        Ok(Self { from, to })
    }
}

impl AnalyticsService {
    pub(crate) fn new(deps: Deps) -> Self {
        Self {
            deps,
            serial: Arc::new(tokio::sync::Mutex::new(())),
        }
    }

    /// A course's enrollments, completion, active learners and drop-off funnel: for the
    /// course's instructor and admins.
    pub async fn course(&self, actor: &Actor, course_id: CourseId) -> Result<CourseAnalytics> {
        let course = load_course(&self.deps, course_id).await?;
        actor.require_manager(&course)?;
        let rollup = self
            .get::<CourseRollup>(course_id.into())
            .await?
            .unwrap_or_else(|| CourseRollup::new(course_id));
        let today = self.deps.clock.now().date_naive();
        let since = today - Days::new(ACTIVE_DAYS - 1);
        let funnel = course
            .lessons
            .iter()
            .enumerate()
            .map(|(position, lesson)| {
                let counts = rollup.lessons.get(&lesson.id).copied().unwrap_or_default();
                FunnelStep {
                    lesson_id: lesson.id,
                    title: lesson.title.as_str().to_owned(),
                    position: u32::try_from(position).unwrap_or(u32::MAX),
                    reached: counts.reached,
                    completed: counts.completed,
                    last_activity_here: counts.last_activity_here,
                    watch_seconds: seconds(counts.watch_ms),
                    replay_seconds: seconds(counts.replay_ms),
                }
            })
            .collect();
        Ok(CourseAnalytics {
            course_id,
            title: course.title.as_str().to_owned(),
            enrollments: rollup.enrollments,
            completions: rollup.completions,
            active_learners: rollup.active_since(since),
            completion_rate: rate(rollup.completions, rollup.enrollments),
            median_days_to_complete: rollup
                .median_hours_to_complete()
                .map(|hours| round(f64::from(hours) / 24.0, 2)),
            funnel,
        })
    }

    /// Every quiz question of a course with its attempts, difficulty and discrimination,
    /// in course order: for the course's instructor and admins.
    pub async fn questions(&self, actor: &Actor, course_id: CourseId) -> Result<Vec<QuestionStats>> {
        let course = load_course(&self.deps, course_id).await?;
        actor.require_manager(&course)?;
        let mut stats = Vec::new();
        for lesson in &course.lessons {
            let LessonContent::Quiz(quiz) = &lesson.content else {
                continue;
            };
            let rollup = self
                .get::<QuizRollup>(lesson.id.into())
                .await?
                .unwrap_or_else(|| QuizRollup::new(lesson.id));
            let questions: Vec<_> = quiz.questions.iter().map(|q| q.id).collect();
            stats.extend(question_stats(lesson.id, &questions, &rollup));
        }
        Ok(stats)
    }

    /// Registrations and their conversion to a first enrollment, learning activity, study
    /// time and weekly active learners over a period: for admins.
    pub async fn overview(&self, actor: &Actor, period: DayPeriod) -> Result<Overview> {
        actor.require_admin()?;
        let days = day_rollups(&self.deps, period.from, period.to).await?;
        let weeks: Vec<WeekRollup> = scan(
            &self.deps,
            "week_start",
            day_index(week_start(period.from)),
            day_index(period.to),
        )
        .await?;
        let sum = |field: fn(&DayRollup) -> u64| days.iter().map(field).sum::<u64>();
        let registrations = sum(|d| d.registrations);
        let first_enrollments = sum(|d| d.converted);
        let mut reviews = ReviewCounts::default();
        let mut study_by_week: BTreeMap<NaiveDate, u64> = BTreeMap::new();
        for day in &days {
            reviews.add(&day.reviews);
            *study_by_week.entry(week_start(day.date)).or_default() += day.study_ms();
        }
        Ok(Overview {
            from: period.from,
            to: period.to,
            registrations,
            first_enrollments,
            conversion_rate: rate(first_enrollments, registrations),
            enrollments: sum(|d| d.enrollments),
            lesson_completions: sum(|d| d.lesson_completions),
            course_completions: sum(|d| d.course_completions),
            quiz_attempts: sum(|d| d.quiz_attempts),
            study_seconds: seconds(sum(DayRollup::study_ms)),
            watch_seconds: seconds(sum(|d| d.watch_ms)),
            replay_seconds: seconds(sum(|d| d.replay_ms)),
            reviews: reviews.reviews,
            retention: rate(reviews.recalled, reviews.recalls),
            weekly_active_learners: weeks
                .into_iter()
                .map(|w| WeekActivity {
                    week_start: w.week_start,
                    learners: w.active_learners,
                    study_seconds: seconds(study_by_week.get(&w.week_start).copied().unwrap_or(0)),
                })
                .collect(),
        })
    }

    /// A learner's study time per day and week over a period: video playback (kept with
    /// their enrollments) and flashcard answer time. For the learner, and for admins when
    /// the learner consents to analytics (G4); anyone else gets `FORBIDDEN`.
    pub async fn learner_study(&self, actor: &Actor, user_id: UserId, period: DayPeriod) -> Result<LearnerStudy> {
        actor.require_self_or_admin(user_id)?;
        if actor.user_id != user_id && !consent_of(&self.deps, user_id, Purpose::Analytics).await? {
            return Err(Error::Forbidden(
                "the learner does not consent to analytics about them".into(),
            ));
        }
        let mut days: BTreeMap<NaiveDate, (WatchTime, ReviewCounts)> = BTreeMap::new();
        for enrollment in enrollments_of(&self.deps, user_id).await? {
            for (&date, &watched) in enrollment.study().range(period.from..=period.to) {
                days.entry(date).or_default().0.add(watched);
            }
        }
        let (from, to) = (
            learner_day_value(user_id, period.from),
            learner_day_value(user_id, period.to),
        );
        for day in scan::<LearnerDayRollup>(&self.deps, "user_date", from, to).await? {
            days.entry(day.date).or_default().1.add(&day.reviews);
        }
        let mut weeks: BTreeMap<NaiveDate, u64> = BTreeMap::new();
        let days: Vec<StudyDay> = days
            .into_iter()
            .map(|(date, (watched, reviews))| {
                let study_ms = watched.watch_ms + reviews.review_ms;
                *weeks.entry(week_start(date)).or_default() += study_ms;
                StudyDay {
                    date,
                    study_seconds: seconds(study_ms),
                    watch_seconds: seconds(watched.watch_ms),
                    replay_seconds: seconds(watched.replay_ms),
                    reviews: reviews.reviews,
                    review_seconds: seconds(reviews.review_ms),
                }
            })
            .collect();
        Ok(LearnerStudy {
            user_id,
            from: period.from,
            to: period.to,
            study_seconds: seconds(weeks.values().sum()),
            days,
            weeks: weeks
                .into_iter()
                .map(|(week_start, ms)| StudyWeek {
                    week_start,
                    study_seconds: seconds(ms),
                })
                .collect(),
        })
    }

    /// Payments, subscriptions and monthly recurring revenue per day and currency over a
    /// period, a row for every day of it in every currency with revenue: for admins.
    pub async fn business(&self, actor: &Actor, period: DayPeriod) -> Result<Vec<BusinessDay>> {
        actor.require_admin()?;
        let today = self.deps.clock.now().date_naive();
        let mut days = day_rollups(&self.deps, period.from, today.max(period.to)).await?;
        // MRR at the end of a day is today's, less every change made after that day.
        let mut mrr: BTreeMap<String, i64> = mrr_rollups(&self.deps)
            .await?
            .into_iter()
            .map(|m| (m.currency, m.mrr_minor))
            .collect();
        for day in &days {
            for currency in day.sales.keys() {
                mrr.entry(currency.clone()).or_default();
            }
        }
        days.sort_by_key(|d| std::cmp::Reverse(d.date));
        let mut by_day = days.into_iter().peekable();
        let mut rows = Vec::new();
        let mut date = today.max(period.to);
        while date >= period.from {
            let rollup = by_day.next_if(|d| d.date == date);
            if date <= period.to {
                for (currency, &mrr_minor) in &mrr {
                    let sales = rollup
                        .as_ref()
                        .and_then(|d| d.sales.get(currency))
                        .cloned()
                        .unwrap_or_default();
                    rows.push(BusinessDay {
                        date,
                        currency: currency.clone(),
                        orders_paid: sales.orders_paid,
                        orders_failed: sales.orders_failed,
                        gross_minor: sales.gross_minor,
                        refunded_minor: sales.refunded_minor,
                        subscriptions_started: sales.subscriptions_started,
                        subscriptions_ended: sales.subscriptions_ended,
                        mrr_minor,
                    });
                }
            }
            if let Some(rollup) = &rollup {
                for (currency, sales) in &rollup.sales {
                    *mrr.entry(currency.clone()).or_default() -= sales.mrr_change_minor;
                }
            }
            let Some(previous) = date.pred_opt() else { break };
            date = previous;
        }
        rows.sort_by(|a, b| (a.date, &a.currency).cmp(&(b.date, &b.currency)));
        Ok(rows)
    }

    /// Deletes the markers of events applied before `before` (retention: a marker only
    /// has to outlive every redelivery of its event, and delivered events are purged
    /// after their own retention). Returns how many were deleted.
    pub async fn purge_markers(&self, before: chrono::DateTime<chrono::Utc>) -> Result<u64> {
        let mut purged = 0;
        loop {
            let range = Range::all("applied_at", RangeQuery::MAX_LIMIT)
                .between(Bound::Unbounded, Bound::Excluded(before.into()));
            let page = self
                .deps
                .records
                .range::<rollups::AppliedEvent>(range)
                .await
                .map_err(|e| e.about(Entity::Analytics, "markers"))?;
            if page.items.is_empty() {
                return Ok(purged);
            }
            let mut unit = crate::ports::UnitOfWork::default();
            for marker in &page.items {
                unit.delete(marker);
            }
            match self.deps.records.write(&unit).await {
                Ok(()) => purged += page.items.len() as u64,
                // Another instance purged some of them first: read the rest again.
                Err(crate::ports::StoreError::NotFound | crate::ports::StoreError::VersionConflict) => {}
                Err(e) => return Err(e.about(Entity::Analytics, "markers")),
            }
        }
    }

    async fn get<R: Record>(&self, id: uuid::Uuid) -> Result<Option<R>> {
        self.deps
            .records
            .get::<R>(id)
            .await
            .map_err(|e| e.about(Entity::Analytics, R::KIND.name))
    }
}

/// Every rollup of a kind whose `key` is within `from..=to`.
async fn scan<R: Record>(deps: &Deps, key: &'static str, from: IndexValue, to: IndexValue) -> Result<Vec<R>> {
    let mut found = Vec::new();
    let mut after = None;
    loop {
        let range = Range::all(key, RangeQuery::MAX_LIMIT)
            .between(Bound::Included(from.clone()), Bound::Included(to.clone()))
            .after(after);
        let page = deps
            .records
            .range::<R>(range)
            .await
            .map_err(|e| e.about(Entity::Analytics, R::KIND.name))?;
        found.extend(page.items);
        match page.next {
            Some(next) => after = Some(next),
            None => return Ok(found),
        }
    }
}

/// The day rollups of the days `from..=to` (days without any activity have none).
pub(crate) async fn day_rollups(deps: &Deps, from: NaiveDate, to: NaiveDate) -> Result<Vec<DayRollup>> {
    scan(deps, "date", day_index(from), day_index(to)).await
}

/// The monthly recurring revenue now, one rollup per currency.
pub(crate) async fn mrr_rollups(deps: &Deps) -> Result<Vec<MrrRollup>> {
    let mut found = Vec::new();
    let mut page = PageRequest {
        after: None,
        limit: PageRequest::MAX_LIMIT,
    };
    loop {
        let listed = deps
            .records
            .list_by::<MrrRollup>("all", true, page)
            .await
            .map_err(|e| e.about(Entity::Analytics, MrrRollup::KIND.name))?;
        found.extend(listed.items);
        match listed.next_after {
            Some(next) => page.after = Some(next),
            None => return Ok(found),
        }
    }
}

/// A deck's reviews and retention; the caller has checked that the actor authors the deck
/// ([`crate::flashcards::FlashcardService::analytics`]).
pub(crate) async fn deck_analytics(deps: &Deps, deck: &Deck) -> Result<DeckAnalytics> {
    let reviews = deps
        .records
        .get::<DeckRollup>(deck.id.as_uuid())
        .await
        .map_err(|e| e.about(Entity::Analytics, DeckRollup::KIND.name))?
        .map(|rollup| rollup.reviews)
        .unwrap_or_default();
    Ok(DeckAnalytics {
        deck_id: deck.id,
        title: deck.title.clone(),
        reviews: reviews.reviews,
        recalls: reviews.recalls,
        recalled: reviews.recalled,
        retention: rate(reviews.recalled, reviews.recalls),
        review_seconds: seconds(reviews.review_ms),
    })
}
