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

mod reaction;
mod reports;
pub(crate) mod rollups;

use std::ops::Bound;
use std::sync::Arc;

use chrono::{Days, NaiveDate};

pub use reaction::REACTION_NAME;
use reports::{question_stats, rate, round};
pub use reports::{BusinessDay, CourseAnalytics, FunnelStep, Overview, QuestionStats, WeekActivity};
use rollups::{day_index, week_start, CourseRollup, DayRollup, MrrRollup, QuizRollup, WeekRollup};

use crate::domain::lesson::LessonContent;
use crate::error::{Entity, Error, Result};
use crate::ids::CourseId;
use crate::ports::{PageRequest, RangeQuery};
use crate::records::{Range, Record};
use crate::services::catalog::load_course;
use crate::services::{Actor, Deps};

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

    /// Registrations and their conversion to a first enrollment, learning activity and
    /// weekly active learners over a period: for admins.
    pub async fn overview(&self, actor: &Actor, period: DayPeriod) -> Result<Overview> {
        actor.require_admin()?;
        let days: Vec<DayRollup> = self.scan("date", period.from, period.to).await?;
        let weeks: Vec<WeekRollup> = self.scan("week_start", week_start(period.from), period.to).await?;
        let sum = |field: fn(&DayRollup) -> u64| days.iter().map(field).sum::<u64>();
        let registrations = sum(|d| d.registrations);
        let first_enrollments = sum(|d| d.converted);
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
            weekly_active_learners: weeks
                .into_iter()
                .map(|w| WeekActivity {
                    week_start: w.week_start,
                    learners: w.active_learners,
                })
                .collect(),
        })
    }

    /// Payments, subscriptions and monthly recurring revenue per day and currency over a
    /// period, a row for every day of it in every currency with revenue: for admins.
    pub async fn business(&self, actor: &Actor, period: DayPeriod) -> Result<Vec<BusinessDay>> {
        actor.require_admin()?;
        let today = self.deps.clock.now().date_naive();
        let mut days: Vec<DayRollup> = self.scan("date", period.from, today.max(period.to)).await?;
        // MRR at the end of a day is today's, less every change made after that day.
        let mut mrr: std::collections::BTreeMap<String, i64> = self
            .all_mrr()
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

    /// Every rollup of a kind whose day key is within `from..=to`.
    async fn scan<R: Record>(&self, key: &'static str, from: NaiveDate, to: NaiveDate) -> Result<Vec<R>> {
        let mut found = Vec::new();
        let mut after = None;
        loop {
            let range = Range::all(key, RangeQuery::MAX_LIMIT)
                .between(Bound::Included(day_index(from)), Bound::Included(day_index(to)))
                .after(after);
            let page = self
                .deps
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

    async fn all_mrr(&self) -> Result<Vec<MrrRollup>> {
        let mut found = Vec::new();
        let mut page = PageRequest {
            after: None,
            limit: PageRequest::MAX_LIMIT,
        };
        loop {
            let listed = self
                .deps
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
}
